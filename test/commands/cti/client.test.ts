/**
 * The agent side of participative CTI through the built CLI, against a fake central API
 * (test/cti/client/fake-capi.ts): `crowd cti register` writes the credentials file, `crowd cti
 * status` reports; a real `crowd lapi serve` child shares the alerts a watcher posts, pulls the
 * community blocklist into decisions that `crowd decisions list --origin CAPI` and a bouncer's
 * stream show, and keeps its signals while the service is down, across its own restart.
 */
import {execFileSync, spawn, type ChildProcess} from 'node:child_process'
import * as fs from 'node:fs'
import * as http from 'node:http'
import * as path from 'node:path'
import {test} from 'uvu'
import * as assert from 'uvu/assert'
import {parse} from 'yaml'
import {BIN, ROOT, SHARED} from '../../helpers/run-cli.js'
import {eventually, startFakeCapi, type FakeCapi} from '../../cti/client/fake-capi.js'
import {makeHome, type Home} from '../lapi/helpers.js'
import {makeHub, sha, SSH_V2} from '../../cti/service/helpers.js'
import {startLapiServe} from '../../helpers/lapi-serve.js'

const children = new Set<ChildProcess>()
const fakes: FakeCapi[] = []
const homes: Home[] = []
test.after(async () => {
  for (const c of children) if (c.exitCode === null) c.kill('SIGKILL')
  for (const f of fakes) await f.close()
  for (const h of homes) fs.rmSync(h.dir, {recursive: true, force: true})
})

async function fake(): Promise<FakeCapi> {
  const f = await startFakeCapi()
  fakes.push(f)
  return f
}

function home(prefix: string, toml = ''): Home {
  const h = makeHome(prefix, toml)
  homes.push(h)
  return h
}

function send(url: string, method: string, headers: Record<string, string>, body?: unknown): Promise<{status: number; text: string}> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, {method, headers: {...headers, ...(body === undefined ? {} : {'Content-Type': 'application/json'})}, agent: false}, (res) => {
      let text = ''
      res.setEncoding('utf8').on('data', (c: string) => (text += c)).on('end', () => resolve({status: res.statusCode ?? 0, text}))
    })
    req.on('error', reject)
    req.end(body === undefined ? undefined : JSON.stringify(body))
  })
}

interface Served {
  url: string
  child: ChildProcess
  stderr: () => string
  stop(): Promise<number | null>
}

async function serve(h: Home): Promise<Served> {
  const served = await startLapiServe(h.env)
  const child = served.child
  children.add(child)
  const exited = new Promise<number | null>((resolve) => (child.exitCode !== null ? resolve(child.exitCode) : child.on('exit', (code) => resolve(code))))
  const url = served.url
  const stderr = served.stderr
  return {
    url, child, stderr,
    async stop() {
      child.kill('SIGTERM')
      const code = await Promise.race([exited, new Promise<null>((resolve) => setTimeout(() => resolve(null), 30_000).unref())])
      children.delete(child)
      return code
    },
  }
}

const AGENT = {'User-Agent': 'crowdsec/v1.7.0-linux'}
const iso = (ms: number): string => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z')
const alert = (ip: string) => ({
  scenario: 'crowdsecurity/ssh-bf', scenario_hash: 'abc', scenario_version: '0.3', message: `Ip ${ip} performed 'crowdsecurity/ssh-bf'`, events_count: 6,
  start_at: iso(Date.now() - 60_000), stop_at: iso(Date.now()), capacity: 5, leakspeed: '10s', simulated: false, remediation: true, events: [],
  source: {scope: 'Ip', value: ip, ip},
})

test('cti register: a generated machine id registered at /v3/watchers, the credentials file written; again only with --force; a dead URL names it', async () => {
  const capi = await fake()
  const h = home('cti-register')
  const r = await h.json(['cti', 'register', capi.url])
  assert.is(r.status, 0, r.stderr)
  const file = path.join(h.dir, 'online_api_credentials.yaml')
  assert.equal(r.body, {url: capi.url, machine_id: r.body.machine_id, api: 'v3', credentials: file})
  assert.match(r.body.machine_id, /^[A-Za-z0-9]{48}$/)
  const written = parse(fs.readFileSync(file, 'utf8'))
  assert.equal(Object.keys(written), ['url', 'login', 'password'])
  assert.is(written.login, r.body.machine_id)
  assert.is(capi.watchers.get(written.login), written.password)
  assert.is(fs.statSync(file).mode & 0o777, 0o600)
  const again = await h.run(['cti', 'register', capi.url])
  assert.is(again.status, 2, again.stderr)
  assert.match(again.stderr, /already registered/)
  const forced = await h.json(['cti', 'register', capi.url, '--force'])
  assert.is(forced.status, 0, forced.stderr)
  assert.is.not(forced.body.machine_id, r.body.machine_id)
  capi.v2Only = true
  const v2 = await h.json(['cti', 'register', capi.url, '--force'])
  assert.is(v2.body.api, 'v2')
  const dead = home('cti-register-dead')
  const port = capi.port
  await capi.stop()
  const failed = await dead.run(['cti', 'register', `http://127.0.0.1:${port}/`])
  assert.is.not(failed.status, 0)
  assert.match(failed.stderr, /cannot reach the central API/)
  assert.not.ok(fs.existsSync(path.join(dead.dir, 'online_api_credentials.yaml')))
  await capi.start()
})

test('crowd lapi serve shares, pulls and keeps its queue across an outage and a restart; cti status reports it', async () => {
  const capi = await fake()
  capi.streams = [{new: [{scenario: 'crowdsecurity/ssh-bf', scope: 'Ip', decisions: [{value: '192.0.2.10', duration: '100h'}, {value: '192.0.2.11', duration: '50h'}]}], deleted: []}]
  const h = home('cti-serve', '[cti]\npush_interval = "100ms"\npull_interval = "2h"\nmetrics_interval = "30m"\n')
  const status0 = await h.json(['cti', 'status'])
  assert.is(status0.status, 0, status0.stderr)
  assert.is(status0.body.registered, false)
  assert.is((await h.run(['cti', 'register', capi.url])).status, 0)
  assert.is((await h.run(['machines', 'add', 'agent1', '--password', 'pw-agent1'])).status, 0)
  const key = (await h.json(['bouncers', 'add', 'fw'])).body.api_key as string

  let lapi = await serve(h)
  // a watcher logs in with its scenarios: the pull may start
  const login = await send(`${lapi.url}v1/watchers/login`, 'POST', AGENT, {machine_id: 'agent1', password: 'pw-agent1', scenarios: ['crowdsecurity/ssh-bf']})
  assert.is(login.status, 200, login.text)
  const token = JSON.parse(login.text).token as string
  const posted = await send(`${lapi.url}v1/alerts`, 'POST', {...AGENT, Authorization: `Bearer ${token}`}, [alert('198.51.100.20')])
  assert.is(posted.status, 201, posted.text)
  await eventually(() => capi.signals.length === 1, 'the signal of the posted alert')
  assert.is(capi.signals[0].machine_id, 'agent1')
  assert.is(capi.signals[0].scenario_trust, 'certified')
  assert.equal(capi.logins.at(-1)!.scenarios, ['crowdsecurity/ssh-bf'])
  await eventually(() => capi.of('/v3/decisions/stream').length >= 1, 'the startup pull')
  assert.is(capi.of('/v3/decisions/stream')[0]!.query.get('startup'), 'true')
  await eventually(() => capi.of('/v3/metrics/').length >= 1, 'the metrics at start')

  let listed: {status: number; body: any; stderr: string} | undefined
  await eventually(async () => {
    listed = await h.json(['decisions', 'list', '--origin', 'CAPI'])
    return listed.status === 0 && listed.body.length === 2
  }, 'the community decisions in decisions list --origin CAPI')
  assert.equal(listed!.body.map((d: {value: string}) => d.value).sort(), ['192.0.2.10', '192.0.2.11'])
  const bouncer = await send(`${lapi.url}v1/decisions/stream?startup=true`, 'GET', {'X-Api-Key': key, 'User-Agent': 'cs-firewall-bouncer/v0.0.31'})
  assert.equal(JSON.parse(bouncer.text).new.filter((d: {origin: string}) => d.origin === 'CAPI').map((d: {value: string}) => d.value).sort(), ['192.0.2.10', '192.0.2.11'])

  // the service goes down: signals wait in the store, also across a restart of the LAPI
  const port = capi.port
  await capi.stop()
  const down = await send(`${lapi.url}v1/alerts`, 'POST', {...AGENT, Authorization: `Bearer ${token}`}, [alert('198.51.100.21'), alert('198.51.100.22')])
  assert.is(down.status, 201, down.text)
  let waiting: {body: any} | undefined
  await eventually(async () => {
    waiting = await h.json(['cti', 'status', '--no-login'])
    return /push: .*cannot reach the central API/.test(waiting.body.last_error ?? '')
  }, 'a failed push recorded')
  assert.is(await lapi.stop(), 0, lapi.stderr())
  waiting = await h.json(['cti', 'status', '--no-login'])
  assert.is(waiting.body.queue, 2)
  assert.is(waiting.body.capi_decisions, 2)
  assert.is(capi.port, port)
  await capi.start()
  lapi = await serve(h)
  await eventually(() => capi.signals.length === 3, 'the queued signals after the restart')
  assert.equal(capi.signals.slice(1).map((s) => s.source.value).sort(), ['198.51.100.21', '198.51.100.22'])
  // the last pull is recent: the restart does not pull again (1 h 30 rule)
  assert.is(capi.of('/v3/decisions/stream').length, 1)

  const status = await h.json(['cti', 'status'])
  assert.is(status.status, 0, status.stderr)
  assert.equal({registered: status.body.registered, login: status.body.login, queue: status.body.queue, pushed: status.body.pushed, capi: status.body.capi_decisions},
    {registered: true, login: {ok: true, api: 'v3'}, queue: 0, pushed: 3, capi: 2})
  assert.match(status.body.last_push, /^\d{4}-/)
  assert.match(status.body.last_pull, /^\d{4}-/)
  assert.is(await lapi.stop(), 0, lapi.stderr())
})

test('[cti] sharing = false: the LAPI sends no signal (it still pulls)', async () => {
  const capi = await fake()
  const h = home('cti-noshare', '[cti]\nsharing = false\npush_interval = "50ms"\n')
  assert.is((await h.run(['cti', 'register', capi.url])).status, 0)
  assert.is((await h.run(['machines', 'add', 'agent1', '--password', 'pw-agent1'])).status, 0)
  const lapi = await serve(h)
  const login = await send(`${lapi.url}v1/watchers/login`, 'POST', AGENT, {machine_id: 'agent1', password: 'pw-agent1', scenarios: ['crowdsecurity/ssh-bf']})
  const token = JSON.parse(login.text).token as string
  assert.is((await send(`${lapi.url}v1/alerts`, 'POST', {...AGENT, Authorization: `Bearer ${token}`}, [alert('198.51.100.30')])).status, 201)
  await eventually(() => capi.of('/v3/decisions/stream').length >= 1, 'the startup pull')
  assert.is(await lapi.stop(), 0, lapi.stderr())
  assert.is(capi.of('/v3/signals').length, 0)
  const status = await h.json(['cti', 'status', '--no-login'])
  assert.is(status.body.queue, 0)
})

test('crowd watch --once on the local store queues the signals of its alerts; crowd lapi serve pushes them', async () => {
  const capi = await fake()
  const h = home('cti-watch', '[cti]\npush_interval = "50ms"\n')
  assert.is((await h.run(['cti', 'register', capi.url])).status, 0)
  const log = path.join(h.dir, 'ssh.log')
  execFileSync(process.execPath, [path.join(SHARED, 'bench', 'genlogs.mjs'), 'ssh', '--lines', '400', '--seed', '7', '--out', log, '--truth', log + '.json'], {stdio: 'ignore'})
  const watch = await h.run(['watch', '--once', '--fail-on', 'none', `${log}:syslog`, '--hub', path.join(SHARED, 'crowdsec-hub'), '--collection', 'crowdsecurity/sshd',
    '--parser', 'crowdsecurity/syslog-logs', '--parser', 'crowdsecurity/dateparse-enrich'])
  assert.is(watch.status, 0, watch.stderr)
  const alerts = await h.json(['alerts', 'list'])
  assert.ok(alerts.body.length > 0, 'the log has attacks')
  const queued = await h.json(['cti', 'status', '--no-login'])
  assert.is(queued.body.queue, alerts.body.length)
  assert.is(capi.of('/v3/signals').length, 0, 'a cron run only queues')
  const lapi = await serve(h)
  await eventually(() => capi.signals.length === alerts.body.length, 'the queued signals pushed by crowd lapi serve')
  assert.is(await lapi.stop(), 0, lapi.stderr())
  assert.equal(new Set(capi.signals.map((x) => x.source.value)), new Set(alerts.body.map((a: {source: {value: string}}) => a.source.value)))
})

test('crowd lapi serve against crowd cti serve (two processes): the signal of a certified alert is promoted and pulled back as a CAPI decision', async () => {
  const service = home('cti-central')
  fs.writeFileSync(service.config, `[cti]\nhub = "${makeHub(service.dir)}"\n[cti.consensus]\nk = 1\ninterval = "200ms"\ntrust_new_reporters = true\n`)
  const central = spawn(process.execPath, [BIN, 'cti', 'serve', '--listen', '127.0.0.1:0'], {cwd: ROOT, env: {...process.env, NO_COLOR: '1', ...service.env}, stdio: ['ignore', 'pipe', 'pipe']})
  children.add(central)
  central.stdout!.resume()
  let centralErr = ''
  const centralExited = new Promise<number | null>((resolve) => central.on('exit', (code) => resolve(code)))
  const centralUrl = await new Promise<string>((resolve, reject) => {
    central.stderr!.setEncoding('utf8').on('data', (c: string) => {
      centralErr += c
      const m = /crowd cti listening on (http:\/\/127\.0\.0\.1:\d+\/)/.exec(centralErr)
      if (m !== null) resolve(m[1]!)
    })
    void centralExited.then((code) => reject(new Error(`cti serve exited (${code}) before listening: ${centralErr}`)))
    setTimeout(() => reject(new Error(`cti serve did not listen within 30 s: ${centralErr}`)), 30_000).unref()
  })

  const h = home('cti-lapi', '[cti]\npush_interval = "100ms"\npull_interval = "1s"\n')
  const registered = await h.json(['cti', 'register', centralUrl])
  assert.is(registered.status, 0, registered.stderr)
  assert.is((await h.run(['machines', 'add', 'agent1', '--password', 'pw-agent1'])).status, 0)
  const lapi = await serve(h)
  const login = await send(`${lapi.url}v1/watchers/login`, 'POST', AGENT, {machine_id: 'agent1', password: 'pw-agent1', scenarios: ['crowdsecurity/ssh-bf']})
  const token = JSON.parse(login.text).token as string
  const attacker = '45.33.1.7'
  const posted = await send(`${lapi.url}v1/alerts`, 'POST', {...AGENT, Authorization: `Bearer ${token}`}, [{...alert(attacker), scenario_hash: sha(SSH_V2), scenario_version: '0.2'}])
  assert.is(posted.status, 201, posted.text)
  await eventually(async () => {
    const r = await h.json(['decisions', 'list', '--origin', 'CAPI'])
    return r.status === 0 && r.body.some((d: {value: string}) => d.value === attacker)
  }, 'the promoted attacker pulled back as a CAPI decision', 60_000)
  const explained = await service.json(['cti', 'explain', attacker])
  assert.is(explained.body.state, 'fire', JSON.stringify(explained.body))
  const status = await h.json(['cti', 'status'])
  assert.equal({login: status.body.login, queue: status.body.queue, pushed: status.body.pushed}, {login: {ok: true, api: 'v3'}, queue: 0, pushed: 1})
  assert.is(await lapi.stop(), 0, lapi.stderr())
  central.kill('SIGTERM')
  assert.is(await centralExited, 0, centralErr)
  children.delete(central)
})

test.run()
