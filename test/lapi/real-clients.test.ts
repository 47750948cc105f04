/**
 * CrowdSec's own programs (Debian's 1.4.6 packages, installed by .ci/run) as clients of crowd's Local API, started here
 * with `crowd lapi serve` on a free loopback port and a fresh SQLite store:
 * - cscli with credentials from `crowd machines add --file`: `lapi status`, decisions made by crowd listed by cscli, and
 *   the other way round;
 * - crowdsec-custom-bouncer: a decision added with `crowd decisions add` reaches its script as `add`, a deleted one as
 *   `del`, an expired one as `del`;
 * - crowdsec-firewall-bouncer in nftables mode inside a network namespace: banned IPs appear in its set, then leave it;
 * - the crowdsec agent as a watcher (`-no-api -dsn`): its alerts land in crowd's store and crowd's profiles ban.
 * Needs root; CROWD_TEST_SKIP_CROWDSEC=1 skips the file on a machine without the packages.
 */
import * as fs from 'node:fs'
import * as path from 'node:path'
import {test} from 'uvu'
import * as assert from 'uvu/assert'
import {
  Cleanup,
  crowdsecPrerequisites,
  cscliFor,
  freePort,
  makeTempDir,
  pollUntil,
  runCrowdsecAgent,
  spawnManaged,
  startCustomBouncer,
  startFirewallBouncerInNetns,
  waitForLapi,
  writeSshdBruteForceLog,
  type CscliClient,
} from '../helpers/crowdsec.js'
import {BIN, runCli} from '../helpers/run-cli.js'

const missing = crowdsecPrerequisites()
const optOut = process.env.CROWD_TEST_SKIP_CROWDSEC === '1'
const skip = optOut || missing.length > 0
const cleanup = new Cleanup()

if (!optOut && missing.length > 0) {
  test('CrowdSec programs for the real-client tests are installed', () => {
    assert.unreachable(`missing: ${missing.join(', ')} (CROWD_TEST_SKIP_CROWDSEC=1 skips these tests)`)
  })
}

interface Env {
  url: string
  env: NodeJS.ProcessEnv
  cscli: CscliClient
  apiKey: string
  crowd(args: string[]): unknown
}

let started: Promise<Env> | undefined
const setup = (): Promise<Env> =>
  (started ??= (async () => {
    const tmp = makeTempDir('crowd-lapi')
    cleanup.add('crowd temp dir', () => tmp.remove())
    const port = await freePort()
    const url = `http://127.0.0.1:${port}/`
    const config = path.join(tmp.dir, 'crowd.toml')
    fs.writeFileSync(config, `[lapi]\nlisten = "127.0.0.1:${port}"\n`)
    const env = {...process.env, CROWD_HOME: path.join(tmp.dir, 'home'), CROWD_CONFIG: config, NO_COLOR: '1'}
    const crowd = (args: string[]): unknown => {
      const r = runCli([...args, '--json'], {env})
      if (r.status !== 0) throw new Error(`crowd ${args.join(' ')} exited ${r.status}: ${r.stdout}${r.stderr}`)
      return JSON.parse(r.stdout) as unknown
    }
    const creds = path.join(tmp.dir, 'local_api_credentials.yaml')
    const machine = crowd(['machines', 'add', 'cscli-tester', '--auto', '--file', creds, '--url', url]) as {password: string}
    const {api_key: apiKey} = crowd(['bouncers', 'add', 'real-bouncers']) as {api_key: string}
    const server = spawnManaged('crowd lapi serve', process.execPath, [BIN, 'lapi', 'serve'], {env, cleanup})
    await server.waitForOutput(/listening on/, 20_000)
    await waitForLapi(url, 20_000, server)
    const cscli = cscliFor(url, 'cscli-tester', machine.password, {cleanup})
    return {url, env, cscli, apiKey, crowd}
  })())

test.after(async () => {
  await cleanup.run()
})

const t = skip ? test.skip : test

t('cscli lapi status logs in to crowd', async () => {
  const {cscli} = await setup()
  const r = await cscli(['lapi', 'status'])
  assert.is(r.code, 0)
  assert.match(r.stderr, /You can successfully interact with Local API/)
})

t('cscli decisions list -o json shows a decision made by crowd, and crowd lists one made by cscli', async () => {
  const {cscli, crowd} = await setup()
  crowd(['decisions', 'add', '--ip', '192.0.2.41', '--duration', '2h', '--reason', 'crowd-made'])
  const listed = await cscli.decisions()
  const mine = listed.find((d) => d.value === '192.0.2.41')
  assert.ok(mine, `cscli did not list 192.0.2.41: ${JSON.stringify(listed)}`)
  assert.is(mine!.type, 'ban')
  assert.is(mine!.scenario, 'crowd-made')
  assert.is(mine!.origin, 'cscli')
  await cscli(['decisions', 'add', '-i', '198.51.100.42', '-d', '1h', '-R', 'cscli-made'])
  const flat = crowd(['decisions', 'list', '--ip', '198.51.100.42']) as {value: string; scenario: string; origin: string}[]
  assert.equal(flat.map((d) => [d.value, d.scenario, d.origin]), [['198.51.100.42', 'cscli-made', 'cscli']])
  await cscli(['decisions', 'delete', '-i', '198.51.100.42'])
  assert.equal(crowd(['decisions', 'list', '--ip', '198.51.100.42']), [])
})

t('crowdsec-custom-bouncer runs its script with add, then del for a deleted and for an expired decision', async () => {
  const {url, apiKey, crowd} = await setup()
  const bouncer = await startCustomBouncer({url, apiKey, updateFrequency: '200ms', cleanup})
  crowd(['decisions', 'add', '--ip', '192.0.2.51', '--duration', '1h'])
  crowd(['decisions', 'add', '--ip', '192.0.2.52', '--duration', '3s'])
  const added = await bouncer.waitFor((calls) => ['192.0.2.51', '192.0.2.52'].every((ip) => calls.some((c) => c.action === 'add' && c.value === ip)))
  const first = added.find((c) => c.value === '192.0.2.51')!
  assert.ok(first.durationSeconds > 3500 && first.durationSeconds <= 3600, `duration ${first.durationSeconds}`)
  assert.is(first.decision?.origin, 'cscli')
  crowd(['decisions', 'delete', '--ip', '192.0.2.51'])
  await bouncer.waitFor((calls) => calls.some((c) => c.action === 'del' && c.value === '192.0.2.51'))
  // the 3 s decision expires on its own: the next pulls carry it in `deleted`
  await bouncer.waitFor((calls) => calls.some((c) => c.action === 'del' && c.value === '192.0.2.52'), 15_000)
  await bouncer.stop()
})

t('crowdsec-firewall-bouncer (nftables, in a network namespace) puts banned IPs in its set and takes them out', async () => {
  const {url, apiKey, crowd} = await setup()
  const fw = await startFirewallBouncerInNetns({url, apiKey, updateFrequency: '200ms', cleanup})
  crowd(['decisions', 'add', '--ip', '192.0.2.61', '--duration', '1h'])
  crowd(['decisions', 'add', '--ip', '2001:db8::61', '--duration', '1h'])
  crowd(['decisions', 'add', '--ip', '192.0.2.62', '--duration', '1h', '--type', 'captcha'])
  await fw.waitFor((ips) => ips.includes('192.0.2.61') && ips.includes('2001:db8::61'))
  const elements = await fw.bannedElements()
  const v4 = elements.find((e) => e.value === '192.0.2.61')
  assert.ok(v4?.timeout !== undefined && v4.timeout > 3500 && v4.timeout <= 3600, `timeout ${JSON.stringify(v4)}`)
  assert.not.ok((await fw.bannedIps()).includes('192.0.2.62'), 'a captcha decision is not a firewall ban')
  crowd(['decisions', 'delete', '--ip', '192.0.2.61'])
  await fw.waitFor((ips) => !ips.includes('192.0.2.61') && ips.includes('2001:db8::61'))
  await fw.stop()
})

t('the crowdsec agent posts its alerts to crowd, and crowd\'s profiles ban the attacker', async () => {
  const {url, crowd} = await setup()
  const agent = crowd(['machines', 'add', 'agent-1', '--auto']) as {password: string}
  const logDir = makeTempDir('agent-log')
  cleanup.add('agent log dir', () => logDir.remove())
  const log = path.join(logDir.dir, 'auth.log')
  writeSshdBruteForceLog(log, {ip: '203.0.113.77', count: 12, stepMs: 500})
  const run = await runCrowdsecAgent({url, machineId: 'agent-1', password: agent.password, logFile: log, type: 'syslog', cleanup})
  assert.ok(run.overflows.length > 0, `the agent saw no overflow:\n${run.output.slice(-2000)}`)
  const alerts = (await pollUntil(() => {
    const list = crowd(['alerts', 'list', '--ip', '203.0.113.77']) as Record<string, unknown>[]
    return list.length > 0 ? list : undefined
  }, 10_000, 'the agent\'s alerts in crowd')) as Record<string, unknown>[]
  const scenarios = alerts.map((a) => a.scenario)
  assert.ok(scenarios.includes('crowdsecurity/ssh-bf'), `scenarios: ${scenarios.join(', ')}`)
  const bf = alerts.find((a) => a.scenario === 'crowdsecurity/ssh-bf')!
  assert.is(bf.machine_id, 'agent-1')
  assert.is((bf.source as {value: string}).value, '203.0.113.77')
  assert.ok(Array.isArray(bf.events) && bf.events.length > 0, 'the events came with the alert')
  const decisions = crowd(['decisions', 'list', '--ip', '203.0.113.77']) as {type: string; origin: string; duration: string}[]
  assert.ok(decisions.some((d) => d.type === 'ban' && d.origin === 'crowdsec' && /^[34]h/.test(d.duration)), JSON.stringify(decisions))
  const machines = crowd(['machines', 'list']) as {machine_id: string; last_push: string | null; version: string}[]
  const m = machines.find((x) => x.machine_id === 'agent-1')!
  assert.ok(m.last_push !== null, 'last_push recorded')
  assert.match(m.version, /1\.4\.6/)
})

test.run()
