/**
 * Notifications where they run: `crowd lapi serve` (startLapi with startNotifications) delivers what
 * agents post and its profiles route, and refuses to start when a profile names a notification that
 * has no configuration; `crowd watch` on the local store (prepareWatch) notifies from its own commits.
 * In process, on the real clock, with a receiver registered for the config's type.
 */
import * as fs from 'node:fs'
import * as os from 'node:os'
import * as path from 'node:path'
import {test} from 'uvu'
import * as assert from 'uvu/assert'
import {prepareWatch} from '../../../src/agent/watch-agent.js'
import {loadConfig, type Config} from '../../../src/config/config.js'
import {addMachine} from '../../../src/lapi/admin.js'
import {startLapi} from '../../../src/lapi/server.js'
import {CrowdError} from '../../../src/model/errors.js'
import {silentLogger} from '../../../src/model/logger.js'
import {DelivererRegistry, startNotifications} from '../../../src/outputs/notifications/index.js'
import type {Deliver} from '../../../src/outputs/notifications/types.js'
import {openStore, storeLocation} from '../../../src/store/open.js'
import {ROOT} from '../../helpers/run-cli.js'
import {AGENT_UA, agentAlert, request} from '../../lapi/harness.js'

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'crowd-notifications-wiring-'))
test.after(() => fs.rmSync(root, {recursive: true, force: true}))

const PROFILES = `name: ban_and_tell
filters:
 - Alert.Remediation == true && Alert.GetScope() == "Ip"
decisions:
 - type: ban
   duration: 4h
notifications:
 - hook_default
on_success: break
`

/** A crowd home: crowd.toml naming the profiles, and notifications/hook.yaml beside it. */
function home(name: string, hookYaml = 'type: test\nname: hook_default\nformat: "{{range .}}{{.Source.Value}} {{range .Decisions}}{{.Type}}{{end}};{{end}}"\n'): Config {
  const dir = path.join(root, name)
  fs.mkdirSync(path.join(dir, 'notifications'), {recursive: true})
  fs.writeFileSync(path.join(dir, 'profiles.yaml'), PROFILES)
  fs.writeFileSync(path.join(dir, 'notifications', 'hook.yaml'), hookYaml)
  fs.writeFileSync(path.join(dir, 'crowd.toml'), '[lapi]\nprofiles = "profiles.yaml"\n')
  return loadConfig({configFlag: path.join(dir, 'crowd.toml'), env: {CROWD_HOME: dir}})
}

function recorder(): {deliver: Deliver; texts: string[]; alerts: string[]} {
  const r = {texts: [] as string[], alerts: [] as string[], deliver: (async () => {}) as Deliver}
  r.deliver = async (_config, text, alerts) => {
    r.texts.push(text)
    r.alerts.push(...alerts.map((a) => a.Source.Value))
  }
  return r
}

async function until(what: string, check: () => boolean | Promise<boolean>, ms = 5000): Promise<void> {
  const end = Date.now() + ms
  while (!(await check())) {
    if (Date.now() > end) assert.unreachable(`timed out waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 20))
  }
}

test('crowd lapi serve: an agent posts, the profile routes, the notification is delivered and leaves the queue', async () => {
  const config = home('lapi')
  config.store.url = path.join(config.dataDir, 'crowd.db')
  const r = recorder()
  const lapi = await startLapi({
    config, logger: silentLogger, listen: '127.0.0.1:0', jwtSecret: Buffer.alloc(64, 1),
    notifications: ({store, profiles}) => startNotifications({dirs: config.notifications.dirs, profiles, store, owner: 'test/lapi', resolver: new DelivererRegistry([['test', r.deliver]]), dispatcher: {tickMs: 20}}),
  })
  try {
    await addMachine(lapi.store, {name: 'agent-1', password: 'pw-pw-pw-pw'}, Date.now())
    const port = Number(new URL(lapi.addresses.url!).port)
    const login = await request({port}, 'POST', '/v1/watchers/login', {headers: {'User-Agent': AGENT_UA}, body: {machine_id: 'agent-1', password: 'pw-pw-pw-pw', scenarios: []}})
    assert.is(login.status, 200, login.text)
    const token = login.json<{token: string}>().token
    const posted = await request({port}, 'POST', '/v1/alerts', {headers: {Authorization: `Bearer ${token}`, 'User-Agent': AGENT_UA}, body: [agentAlert('192.0.2.44', Date.now())]})
    assert.is(posted.status, 201, posted.text)
    await until('the delivery', () => r.texts.length === 1)
    assert.equal(r.texts, ['192.0.2.44 ban;'])
    await until('the queue to empty', async () => (await lapi.store.notificationQueue({})).length === 0)
  } finally {
    await lapi.close()
  }
})

test('crowd lapi serve: a profile naming a notification without configuration stops the start (profile file and line), the store closed', async () => {
  const config = home('lapi-missing', 'type: test\nname: another\n')
  config.store.url = path.join(config.dataDir, 'crowd.db')
  try {
    await startLapi({
      config, logger: silentLogger, listen: '127.0.0.1:0',
      notifications: ({store, profiles}) => startNotifications({dirs: config.notifications.dirs, profiles, store, resolver: new DelivererRegistry([['test', async () => {}]])}),
    })
    assert.unreachable('should not start')
  } catch (error) {
    assert.instance(error, CrowdError)
    assert.is((error as CrowdError).message,
      `profile 'ban_and_tell' notifies 'hook_default', which has no configuration (none in ${config.notifications.dirs.join(', ')}) (${path.join(config.dataDir, 'profiles.yaml')}:1)`)
  }
  // nothing holds the database: it opens again at once
  const store = await openStore(storeLocation(config.store.url, config.dataDir))
  await store.close()
})

test('crowd watch --once on the local store: its alerts are notified (flushed once at the end of the run), none left queued', async () => {
  const config = home('watch')
  const r = recorder()
  const watch = await prepareWatch({
    config, inputs: [`${path.join(ROOT, 'test', 'fixtures', 'samples', 'auth.log')}:syslog`], once: true, content: {}, logger: silentLogger,
    deliverers: new DelivererRegistry([['test', r.deliver]]),
  })
  const run = await watch.start()
  const result = await run.done
  await watch.close()
  assert.ok(result.summary.alerts > 0, 'the sample log has alerts')
  assert.is(r.alerts.length, result.summary.alerts, 'each alert notified once')
  assert.is(r.texts.length, 1, 'shutdown flushes the pending list in one message')
  const store = await openStore(storeLocation(config.store.url, config.dataDir))
  try {
    assert.equal(await store.notificationQueue({}), [])
    const stored = await store.queryAlerts({}, Date.now())
    assert.equal(new Set(r.alerts), new Set(stored.map((a) => a.source.value)))
  } finally {
    await store.close()
  }
})

test.run()
