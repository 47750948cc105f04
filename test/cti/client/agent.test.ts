/**
 * The CTI client beside an in-process LAPI, against a fake central API (fake-capi.ts): which alerts
 * become signals under each console option, batches of at most 50, gzip, the offline queue (the
 * service down, a LAPI restart), its bound, login and re-login, the community blocklist pull
 * (decisions of origin CAPI seen by bouncers, replacement, deletions and CrowdSec's scope quirk,
 * the 1 h 30 skip rule), leases between processes, metrics, and the loops on short intervals.
 */
import * as fs from 'node:fs'
import * as os from 'node:os'
import * as path from 'node:path'
import {test} from 'uvu'
import * as assert from 'uvu/assert'
import {DEFAULT_CONFIG, type CtiAgentConfig} from '../../../src/config/config.js'
import {CtiAgent} from '../../../src/cti/client/agent.js'
import {LapiProfiles} from '../../../src/lapi/profiles.js'
import {LapiServer} from '../../../src/lapi/server.js'
import {silentLogger} from '../../../src/model/logger.js'
import {openStore} from '../../../src/store/open.js'
import type {Store} from '../../../src/store/types.js'
import {addMachine, agentAlert, apiKey, bouncerKey, H, machineToken, manualAlert, postAlerts, request, SECRET, T0, type TestLapi} from '../../lapi/harness.js'
import {eventually, startFakeCapi, type FakeCapi} from './fake-capi.js'

const LOGIN = 'a'.repeat(24) + 'B'.repeat(24)
const PASSWORD = 'capi-password'

interface Rig {
  t: TestLapi
  agent: CtiAgent
  fake: FakeCapi
  token: string
  clock: {now: number}
  logs: string[]
  /** Stops the LAPI and the agent (the fake and the store file stay). */
  stop(): Promise<void>
}

const cleanups: (() => Promise<void>)[] = []
test.after.each(async () => {
  for (const c of cleanups.splice(0).reverse()) await c().catch(() => {})
})

function tempDb(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'crowd-cti-client-'))
  cleanups.push(async () => fs.rmSync(dir, {recursive: true, force: true}))
  return path.join(dir, 'crowd.db')
}

async function fakeCapi(): Promise<FakeCapi> {
  const fake = await startFakeCapi()
  fake.watchers.set(LOGIN, PASSWORD)
  cleanups.push(() => fake.close())
  return fake
}

/** A LAPI on `db` (default: a fresh file) whose stored alerts go to a CTI agent (loops not started unless asked). */
async function rig(fake: FakeCapi, over: Partial<CtiAgentConfig> = {}, options: {db?: string; clock?: {now: number}; start?: boolean; owner?: string} = {}): Promise<Rig> {
  const store: Store = await openStore({engine: 'sqlite', target: options.db ?? tempDb()})
  const clock = options.clock ?? {now: T0}
  const logs: string[] = []
  const logger = {...silentLogger, warn: (m: string) => logs.push(`warn: ${m}`), error: (m: string) => logs.push(`error: ${m}`)}
  const config: CtiAgentConfig = {...DEFAULT_CONFIG.ctiAgent, credentials: '', pushIntervalMs: 50, pullIntervalMs: 2 * H, metricsIntervalMs: 30 * 60_000, ...over}
  const agent = new CtiAgent({store, config, credentials: {url: fake.url, login: LOGIN, password: PASSWORD}, logger, clock: () => clock.now, owner: options.owner, timeoutMs: 2000})
  const server = new LapiServer({store, profiles: new LapiProfiles(undefined, silentLogger), config: {...DEFAULT_CONFIG.lapi, flush: {}}, logger, jwtSecret: SECRET,
    clock: () => clock.now, onAlertsStored: agent.onAlertsStored})
  const url = (await server.listen('127.0.0.1:0')).url!
  const t: TestLapi = {url, port: Number(new URL(url).port), server, store, clock, logs, close: async () => {}}
  let stopped = false
  const stop = async (): Promise<void> => {
    if (stopped) return
    stopped = true
    await agent.close()
    await server.close()
    await store.close()
  }
  cleanups.push(stop)
  const token = await machineToken(t, 'agent1').catch(async () => {
    // the machine exists already (a restarted LAPI on the same file)
    const {signJwt} = await import('../../../src/lapi/auth.js')
    const now = Math.floor(clock.now / 1000)
    return signJwt({id: 'agent1', exp: now + 3600, orig_iat: now}, SECRET)
  })
  await store.updateMachine('agent1', {scenarios: 'crowdsecurity/ssh-bf,crowdsecurity/http-probing'}, clock.now)
  if (options.start === true) agent.start()
  return {t, agent, fake, token, clock, logs, stop}
}

const ip = (i: number): string => `198.51.100.${i}`

// ---- what is shared

test('certified, tainted, custom and manual alerts under each console option; simulated never', async () => {
  const fake = await fakeCapi()
  const alerts = [
    agentAlert(ip(1), T0),
    agentAlert(ip(2), T0, {scenario_version: '?'}),
    agentAlert(ip(3), T0, {scenario_version: ''}),
    agentAlert(ip(4), T0, {scenario_hash: '', scenario: 'me/custom'}),
    manualAlert('Ip', ip(5), '4h', T0),
    agentAlert(ip(6), T0, {simulated: true}),
  ]
  const shared = async (over: Partial<CtiAgentConfig>): Promise<string[]> => {
    const before = fake.signals.length
    const r = await rig(fake, over)
    await postAlerts(r.t, r.token, alerts)
    await r.agent.pushNow()
    await r.stop()
    return fake.signals.slice(before).map((s) => `${s.source.value} ${s.scenario_trust}`)
  }
  assert.equal(await shared({}), [`${ip(1)} certified`, `${ip(2)} tainted`, `${ip(3)} tainted`, `${ip(4)} custom`])
  assert.equal(await shared({shareTainted: false, shareCustom: false}), [`${ip(1)} certified`])
  assert.equal(await shared({shareManualDecisions: true}), [`${ip(1)} certified`, `${ip(2)} tainted`, `${ip(3)} tainted`, `${ip(4)} custom`, `${ip(5)} manual`])
  assert.equal(await shared({shareManualDecisions: true, shareCustom: false, shareTainted: false}), [`${ip(1)} certified`, `${ip(5)} manual`])
})

test('sharing off: nothing is queued and nothing is sent', async () => {
  const fake = await fakeCapi()
  const r = await rig(fake, {sharing: false})
  await postAlerts(r.t, r.token, [agentAlert(ip(1), T0)])
  assert.is(await r.t.store.countSignals(), 0)
  assert.is((await r.agent.pushNow()).skipped, 'sharing is off')
  assert.is(fake.of('/v3/signals').length, 0)
})

test('a signal: the local watcher as machine_id, trust, hash and version, decisions as posted, no events or labels, context only with share_context', async () => {
  const fake = await fakeCapi()
  const meta = [{key: 'target_uri', value: '/admin'}, {key: 'user_agent', value: 'curl'}]
  const a = agentAlert(ip(7), T0, {uuid: '0f7c2d59-9d2e-4b36-9b55-1d0a3c6e0001', meta, labels: ['x'], source: {scope: 'Ip', value: ip(7), ip: ip(7), range: '198.51.100.0/24',
    cn: 'FR', as_number: '64500', as_name: 'EXAMPLE', latitude: 48.85, longitude: 2.35}})
  let r = await rig(fake)
  await postAlerts(r.t, r.token, [a])
  await r.agent.pushNow()
  await r.stop()
  r = await rig(fake, {shareContext: true})
  await postAlerts(r.t, r.token, [a])
  await r.agent.pushNow()
  const [plain, withContext] = fake.signals
  assert.is(plain.context, null)
  assert.equal(withContext.context, meta)
  assert.equal(Object.keys(plain), ['context', 'decisions', 'kind', 'machine_id', 'message', 'scenario', 'scenario_hash', 'scenario_trust', 'scenario_version', 'source', 'start_at', 'stop_at', 'uuid'])
  assert.is(plain.machine_id, 'agent1')
  assert.is(plain.decisions.length, 1)
  assert.match(plain.decisions[0].uuid, /^[0-9a-f-]{36}$/)
  // the stable fields, as a golden file: the decision's uuid is made by the LAPI
  const stable = {...plain, decisions: plain.decisions.map((d: Record<string, unknown>) => ({...d, uuid: '<uuid>'}))}
  const {assertGolden} = await import('../../helpers/golden.js')
  assertGolden('cti/client/signal.json', JSON.stringify(stable, null, 2) + '\n')
  for (const s of fake.signals) for (const key of ['events', 'labels', 'capacity', 'leakspeed', 'events_count', 'alert_id']) assert.not.ok(key in s, key)
})

// ---- batches, gzip, the offline queue

test('120 signals go as batches of 50, 50 and 20; large bodies gzip-compressed', async () => {
  const fake = await fakeCapi()
  const r = await rig(fake)
  const alerts = Array.from({length: 120}, (_, i) => agentAlert(`203.0.113.${i}`, T0))
  await postAlerts(r.t, r.token, alerts)
  assert.is(await r.t.store.countSignals(), 120)
  const pushed = await r.agent.pushNow()
  assert.equal({sent: pushed.sent, batches: pushed.batches}, {sent: 120, batches: 3})
  const posts = fake.of('/v3/signals')
  assert.equal(posts.map((p) => p.body.length), [50, 50, 20])
  for (const p of posts) assert.is(p.headers['content-encoding'], 'gzip')
  assert.ok(posts[0]!.rawLength < JSON.stringify(posts[0]!.body).length)
  assert.is(await r.t.store.countSignals(), 0)
  assert.equal(new Set(fake.signals.map((s) => s.source.value)).size, 120)
})

test('the offline queue: kept while the service is down or failing, across a LAPI restart, then sent once', async () => {
  const fake = await fakeCapi()
  const db = tempDb()
  let r = await rig(fake, {}, {db})
  await postAlerts(r.t, r.token, [agentAlert(ip(1), T0), agentAlert(ip(2), T0)])
  await fake.stop()
  try {
    await r.agent.pushNow()
    assert.unreachable('the push must fail while the service is down')
  } catch (error) {
    assert.match((error as Error).message, /cannot reach the central API/)
  }
  assert.is(await r.t.store.countSignals(), 2)
  await r.stop()

  // a restart on the same database: the queue is still there
  await fake.start()
  fake.failSignals = true
  r = await rig(fake, {}, {db})
  await postAlerts(r.t, r.token, [agentAlert(ip(3), T0)])
  try {
    await r.agent.pushNow()
    assert.unreachable('the push must fail while the service answers 503')
  } catch (error) {
    assert.match((error as Error).message, /signals: 503 overloaded/)
  }
  assert.is(await r.t.store.countSignals(), 3)
  // after a failure the next round waits (back-off) unless forced
  assert.is((await r.agent.pushNow()).skipped, 'waiting after a failed push')
  fake.failSignals = false
  const sent = await r.agent.pushNow({force: true})
  assert.is(sent.sent, 3)
  assert.equal(fake.signals.map((s) => s.source.value), [ip(1), ip(2), ip(3)])
  assert.is(await r.t.store.countSignals(), 0)
  assert.match((await r.t.store.ctiState('last_error')) ?? '', /push: /)
})

test('the queue is bounded: past queue_limit the oldest are dropped and counted', async () => {
  const fake = await fakeCapi()
  const r = await rig(fake, {queueLimit: 5})
  await postAlerts(r.t, r.token, Array.from({length: 8}, (_, i) => agentAlert(ip(10 + i), T0)))
  assert.is(await r.t.store.countSignals(), 5)
  assert.is(await r.t.store.ctiState('signals_dropped'), '3')
  assert.ok(r.logs.some((l) => /dropped the 3 oldest/.test(l)), r.logs.join('\n'))
  await r.agent.pushNow()
  assert.equal(fake.signals.map((s) => s.source.value), [13, 14, 15, 16, 17].map(ip))
})

// ---- login

test('login with the local scenarios, the token cached in the store across restarts, a new login on 401 and when the scenarios change', async () => {
  const fake = await fakeCapi()
  const db = tempDb()
  let r = await rig(fake, {}, {db})
  await postAlerts(r.t, r.token, [agentAlert(ip(1), T0)])
  await r.agent.pushNow()
  assert.is(fake.logins.length, 1)
  assert.equal(fake.logins[0]!.scenarios, ['crowdsecurity/http-probing', 'crowdsecurity/ssh-bf'])
  await r.stop()
  r = await rig(fake, {}, {db})
  await postAlerts(r.t, r.token, [agentAlert(ip(2), T0)])
  await r.agent.pushNow()
  assert.is(fake.logins.length, 1, 'the cached token is used after a restart')
  fake.revokeTokens()
  await postAlerts(r.t, r.token, [agentAlert(ip(3), T0)])
  await r.agent.pushNow()
  assert.is(fake.logins.length, 2, 'a 401 logs in again')
  assert.equal(fake.signals.map((s) => s.source.value), [ip(1), ip(2), ip(3)])
  assert.ok(fake.requests.some((q) => q.path === '/v3/signals' && q.headers.authorization === 'Bearer tok-1'))
  // a watcher declares another scenario: the next call logs in again with the new list
  await r.t.store.updateMachine('agent1', {scenarios: 'crowdsecurity/ssh-bf,me/new'}, r.clock.now)
  await r.agent.pushMetricsNow()
  assert.is(fake.logins.length, 3)
  assert.equal(fake.logins[2]!.scenarios, ['crowdsecurity/ssh-bf', 'me/new'])
})

test('a token is renewed a minute before it expires; a 403 logs in again too', async () => {
  const fake = await fakeCapi()
  const r = await rig(fake, {}, {clock: {now: Date.now()}})
  fake.now = () => r.clock.now
  await r.agent.pushMetricsNow()
  assert.is(fake.logins.length, 1)
  // the fake's tokens expire an hour after their login
  r.clock.now += 3600_000 - 59_000
  await r.agent.pushMetricsNow()
  assert.is(fake.logins.length, 2)
  await r.agent.pushMetricsNow()
  assert.is(fake.logins.length, 2)
  fake.forbidNext = true
  await r.agent.pushMetricsNow()
  assert.is(fake.logins.length, 3)
  assert.is(fake.of('/v3/metrics/').at(-1)!.headers.authorization, 'Bearer tok-3')
})

test('a service that only speaks /v2: login and signals go there', async () => {
  const fake = await fakeCapi()
  fake.v2Only = true
  const r = await rig(fake)
  await postAlerts(r.t, r.token, [agentAlert(ip(1), T0)])
  await r.agent.pushNow()
  assert.is(fake.of('/v2/signals').length, 1)
  assert.is(r.agent.client.version, 'v2')
})

// ---- the community blocklist

const stream = (news: {scenario: string; scope: string; decisions: {value: string; duration: string}[]}[], deleted: {scope: string; decisions: string[]}[] = []) => ({new: news, deleted, links: {blocklists: [], allowlists: []}})

test('pull: startup=true first, decisions of origin CAPI under one alert, seen by a bouncer stream and `decisions list --origin CAPI`', async () => {
  const fake = await fakeCapi()
  fake.streams = [stream([
    {scenario: 'crowdsecurity/ssh-bf', scope: 'ip', decisions: [{value: '192.0.2.1', duration: '167h59m56s'}, {value: '192.0.2.2', duration: '95h12m3s'}]},
    {scenario: 'crowdsecurity/http-probing', scope: 'range', decisions: [{value: '192.0.2.128/25', duration: '24h'}, {value: 'not-an-ip', duration: '1h'}]},
  ])]
  const r = await rig(fake)
  const key = await bouncerKey(r.t)
  const result = await r.agent.pullNow()
  assert.equal(result, {added: 3, deleted: 0, replaced: 0, startup: true})
  assert.is(fake.of('/v3/decisions/stream')[0]!.query.get('startup'), 'true')
  const alerts = await r.t.store.queryAlerts({origin: 'CAPI'}, r.clock.now)
  assert.is(alerts.length, 1)
  assert.equal({scope: alerts[0]!.source.scope, scenario: alerts[0]!.scenario, kind: alerts[0]!.kind, n: alerts[0]!.decisions!.length},
    {scope: 'crowdsecurity/community-blocklist', scenario: 'update : +3/-0 IPs', kind: 'capi', n: 3})
  const decisions = await r.t.store.activeDecisions({origins: ['CAPI']}, r.clock.now)
  assert.equal(decisions.map((d) => `${d.scope} ${d.value} ${d.type} ${d.until - r.clock.now}`),
    ['Ip 192.0.2.1 ban 604796000', 'Ip 192.0.2.2 ban 342723000', 'Range 192.0.2.128/25 ban 86400000'])
  assert.ok(r.logs.some((l) => /not-an-ip/.test(l)))
  const s = await request(r.t, 'GET', '/v1/decisions/stream?startup=true', {headers: apiKey(key)})
  const body = s.json<{new: {value: string; origin: string}[]}>()
  assert.equal(body.new.map((d) => `${d.origin} ${d.value}`).sort(), ['CAPI 192.0.2.1', 'CAPI 192.0.2.128/25', 'CAPI 192.0.2.2'])
})

test('pull: the next pull replaces re-listed values (hard delete), applies deletions by value; a lowercase non-ip scope matches nothing (CrowdSec quirk)', async () => {
  const fake = await fakeCapi()
  fake.streams = [
    stream([{scenario: 's', scope: 'ip', decisions: ['192.0.2.1', '192.0.2.2', '192.0.2.3'].map((value) => ({value, duration: '10h'}))},
      {scenario: 's', scope: 'range', decisions: [{value: '192.0.2.128/25', duration: '10h'}]}]),
    stream([{scenario: 's2', scope: 'ip', decisions: [{value: '192.0.2.1', duration: '20h'}]}],
      [{scope: 'ip', decisions: ['192.0.2.2']}, {scope: 'range', decisions: ['192.0.2.128/25']}, {scope: 'Range', decisions: ['192.0.2.3']}]),
  ]
  const r = await rig(fake)
  const key = await bouncerKey(r.t)
  await r.agent.pullNow()
  r.clock.now += H
  await request(r.t, 'GET', '/v1/decisions/stream?startup=true', {headers: apiKey(key)})
  r.clock.now += H
  const second = await r.agent.pullNow()
  assert.equal(second, {added: 1, deleted: 1, replaced: 1, startup: false})
  assert.is(fake.of('/v3/decisions/stream')[1]!.query.get('startup'), null)
  r.clock.now += 1000
  const active = await r.t.store.activeDecisions({origins: ['CAPI']}, r.clock.now)
  assert.equal(active.map((d) => `${d.value} ${d.scenario}`).sort(), ['192.0.2.1 s2', '192.0.2.128/25 s', '192.0.2.3 s'])
  // the replaced row is gone for good; the deleted one is expired
  const all = await r.t.store.allDecisions({origins: ['CAPI'], value: '192.0.2.1'})
  assert.is(all.length, 1)
  const s = await request(r.t, 'GET', '/v1/decisions/stream', {headers: apiKey(key)})
  const body = s.json<{new: {value: string}[]; deleted: {value: string}[]}>()
  assert.equal(body.new.map((d) => d.value), ['192.0.2.1'])
  assert.equal(body.deleted.map((d) => d.value), ['192.0.2.2'])
})

test('pull: skipped while a CAPI alert is younger than 1 h 30 (of a 2 h interval), and before any watcher declared scenarios', async () => {
  const fake = await fakeCapi()
  fake.streams = [stream([{scenario: 's', scope: 'ip', decisions: [{value: '192.0.2.1', duration: '10h'}]}])]
  const r = await rig(fake)
  await r.agent.pullNow()
  r.clock.now += 89 * 60_000
  assert.is((await r.agent.pullNow()).skipped, 'the last community blocklist is recent')
  r.clock.now += 2 * 60_000
  assert.is((await r.agent.pullNow()).skipped, undefined)
  assert.is(fake.of('/v3/decisions/stream').length, 2)
  await r.t.store.updateMachine('agent1', {scenarios: ''}, r.clock.now)
  r.clock.now += 2 * H
  assert.is((await r.agent.pullNow()).skipped, 'no local watcher declared scenarios yet')
})

test('pull and push leases: of two LAPI processes on one database, one pulls at a time', async () => {
  const fake = await fakeCapi()
  const db = tempDb()
  const a = await rig(fake, {}, {db, owner: 'lapi-a'})
  assert.ok(await a.t.store.ctiLease('pull', 'lapi-b', a.clock.now, a.clock.now + 60_000))
  assert.is((await a.agent.pullNow()).skipped, 'another LAPI process pulls')
  assert.ok(await a.t.store.ctiLease('push', 'lapi-b', a.clock.now, a.clock.now + 60_000))
  await postAlerts(a.t, a.token, [agentAlert(ip(1), T0)])
  assert.is((await a.agent.pushNow()).skipped, 'another LAPI process pushes')
  // a lease that ran out is taken over
  a.clock.now += 61_000
  assert.is((await a.agent.pullNow()).skipped, undefined)
  assert.is((await a.agent.pushNow()).sent, 1)
})

// ---- metrics, loops

test('metrics: POST /v3/metrics/ with the local bouncers and machines', async () => {
  const fake = await fakeCapi()
  const r = await rig(fake)
  await bouncerKey(r.t, 'fw1')
  await addMachine(r.t, 'agent2')
  await r.agent.pushMetricsNow()
  const [m] = fake.of('/v3/metrics/')
  assert.ok(m !== undefined)
  assert.equal(Object.keys(m!.body), ['apil_version', 'bouncers', 'machines'])
  assert.equal(m!.body.bouncers.map((b: {custom_name: string}) => b.custom_name), ['fw1'])
  assert.equal(m!.body.machines.map((x: {name: string}) => x.name), ['agent1', 'agent2'])
})

test('the loops on short intervals: metrics and the startup pull at once, signals pushed without being asked', async () => {
  const fake = await fakeCapi()
  fake.streams = [stream([{scenario: 's', scope: 'ip', decisions: [{value: '192.0.2.9', duration: '10h'}]}])]
  const r = await rig(fake, {pushIntervalMs: 30}, {clock: {now: Date.now()}})
  // the loops use the real clock here
  r.agent.start()
  await postAlerts(r.t, r.token, [agentAlert(ip(1), r.clock.now)])
  await eventually(() => fake.signals.length === 1, 'the signal pushed by the loop')
  await eventually(() => fake.of('/v3/metrics/').length === 1, 'the metrics at start')
  await eventually(async () => (await r.t.store.activeDecisions({origins: ['CAPI']}, Date.now())).length === 1, 'the startup pull')
  await r.stop()
})

test.run()
