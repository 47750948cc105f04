/**
 * The one behaviour contract every Store engine passes (lapi.md §3-§7, §11), run by
 * sqlite.test.ts and postgres.test.ts (the pattern of hono's common.case.test.ts).
 * Every test opens a fresh store; times are fixed Unix milliseconds around T0, no sleeps.
 */
import {suite} from 'uvu'
import * as assert from 'uvu/assert'
import {parseIpInterval, type IpInterval} from '../../src/store/ip-range.js'
import {SCHEMA_VERSION} from '../../src/store/schema.js'
import type {AlertFilter, AlertRecord, DecisionFilter, DecisionRecord, NewAlert, NewDecision, Store} from '../../src/store/types.js'
import {StoreError} from '../../src/store/types.js'

/** Opens a fresh, empty store; with a location (a store's `location`), opens that database again. */
export type OpenStore = (location?: string) => Promise<Store>

export interface ContractHooks {
  /** After each test, once the stores it opened are closed (e.g. drop its database). */
  afterEach?: () => Promise<void> | void
  after?: () => Promise<void> | void
}

export const T0 = Date.UTC(2026, 6, 24, 10, 0, 0)
export const S = 1000
export const M = 60 * S
export const H = 60 * M
export const D = 24 * H

let uuidCounter = 0
/** Deterministic UUIDv4-shaped strings. */
export function uuid(): string {
  uuidCounter++
  return `00000000-0000-4000-8000-${uuidCounter.toString(16).padStart(12, '0')}`
}

export function decision(init: Partial<NewDecision> & {value: string}): NewDecision {
  return {
    uuid: uuid(),
    until: T0 + 4 * H,
    origin: 'crowdsec',
    type: 'ban',
    scope: 'Ip',
    scenario: 'crowdsecurity/ssh-bf',
    simulated: false,
    ...init,
  }
}

/** An alert labelled by its message; its source and scenario default to its first decision's. */
export function alert(label: string, init: Partial<NewAlert> = {}): NewAlert {
  const first = init.decisions?.[0]
  const scope = first?.scope ?? 'Ip'
  const value = first?.value ?? '192.0.2.1'
  return {
    uuid: uuid(),
    machineId: 'agent-1',
    scenario: first?.scenario ?? 'crowdsecurity/ssh-bf',
    scenarioHash: 'hash',
    scenarioVersion: '0.1',
    message: label,
    eventsCount: 1,
    startAt: T0 - 10 * M,
    stopAt: T0 - 9 * M,
    capacity: 5,
    leakspeed: '10s',
    simulated: false,
    remediation: first !== undefined,
    kind: 'crowdsec',
    source: {scope, value, ip: scope === 'Ip' ? value : '', range: scope === 'Range' ? value : '', asNumber: '', asName: '', cn: '', latitude: 0, longitude: 0},
    events: [],
    meta: [],
    decisions: [],
    ...init,
  }
}

const ip = (text: string): IpInterval => {
  const interval = parseIpInterval(text)
  if (interval === null) throw new Error(`bad test address ${text}`)
  return interval
}

const labels = (alerts: AlertRecord[]): string[] => alerts.map((a) => a.message)
const sortedLabels = (alerts: AlertRecord[]): string[] => labels(alerts).sort()
const values = (decisions: DecisionRecord[]): string[] => decisions.map((d) => d.value)
const sortedValues = (decisions: DecisionRecord[]): string[] => values(decisions).sort()

async function rejects(promise: Promise<unknown>, kind: StoreError['kind'], message?: string): Promise<StoreError> {
  try {
    await promise
  } catch (error) {
    assert.instance(error, StoreError, `a StoreError, got ${String(error)}`)
    const e = error as StoreError
    assert.is(e.kind, kind, `kind of: ${e.message}`)
    if (message !== undefined) assert.is(e.message, message)
    return e
  }
  assert.unreachable(`expected a StoreError '${kind}'`)
  throw new Error('unreachable')
}

/**
 * Alerts for the alert filter tests (lapi.md §4.2). Labels: created in this order, one minute
 * apart, ending at T0 - 1m.
 */
async function seedAlerts(store: Store): Promise<Map<string, number>> {
  const list: NewAlert[] = [
    alert('ssh', {kind: 'crowdsec', decisions: [decision({value: '1.2.3.4'})], startAt: T0 - 10 * M}),
    alert('range', {kind: 'cscli', scenario: 'manual ban from localhost', decisions: [decision({scope: 'Range', value: '4.4.4.0/24', origin: 'cscli', scenario: 'manual ban from localhost'})], startAt: T0 - 20 * M}),
    alert('probing', {scenario: 'crowdsecurity/http-probing', source: {...alert('').source, value: '5.5.5.5', ip: '5.5.5.5'}, startAt: T0 - 2 * H}),
    alert('capi', {kind: 'capi', source: {...alert('').source, scope: 'crowdsecurity/community-blocklist', value: '', ip: ''}, scenario: 'update : +1/-0 IPs',
      decisions: [decision({value: '9.9.9.9', origin: 'CAPI', scenario: 'crowdsecurity/http-bf'})], startAt: T0 - 30 * M}),
    alert('lists', {kind: 'capi', source: {...alert('').source, scope: 'lists:firehol_level1', value: '', ip: ''}, scenario: 'update : +0/-0 IPs', startAt: T0 - 30 * M}),
    alert('listsdec', {decisions: [decision({value: '9.9.9.10', origin: 'lists', scenario: 'firehol_level1'})], startAt: T0 - 30 * M}),
    alert('simulated', {simulated: true, scenario: 'crowdsecurity/ssh-slow-bf', decisions: [decision({value: '6.6.6.6', simulated: true, scenario: 'crowdsecurity/ssh-slow-bf'})], startAt: T0 - 5 * M}),
    alert('expired', {decisions: [decision({value: '7.7.7.7', until: T0 - H})], startAt: T0 - 3 * H}),
    alert('captcha', {kind: 'waf', scenario: 'crowdsecurity/appsec-vpatch', decisions: [decision({value: '8.8.8.8', type: 'captcha', scenario: 'crowdsecurity/appsec-vpatch'})], startAt: T0 - M}),
    alert('v6', {decisions: [decision({scope: 'Range', value: '2001:db8::/64'})], startAt: T0 - 4 * M}),
  ]
  list.forEach((a, i) => {
    a.createdAt = T0 - (list.length - i) * M
  })
  const ids = await store.insertAlerts(list, T0)
  return new Map(list.map((a, i) => [a.message, ids[i]!]))
}

/** Decisions for the decision filter tests (lapi.md §5.1), each in its own alert. */
async function seedDecisions(store: Store): Promise<void> {
  const ds: NewDecision[] = [
    decision({value: '1.2.3.4', scenario: 'crowdsecurity/ssh-bf'}),
    decision({value: '1.2.3.5', scenario: 'crowdsecurity/SSH-slow-bf', type: 'captcha'}),
    decision({value: '4.4.4.0/24', scope: 'Range', scenario: 'crowdsecurity/http-probing', origin: 'cscli'}),
    decision({value: '9.9.9.9', scenario: 'crowdsecurity/http-bf', origin: 'CAPI'}),
    decision({value: 'FR', scope: 'Country', scenario: 'manual ban 100%', origin: 'cscli'}),
    decision({value: 'alice', scope: 'username', scenario: 'custom/user_bf', origin: 'cscli'}),
    decision({value: '6.6.6.6', scenario: 'crowdsecurity/ssh-bf', simulated: true}),
    decision({value: '7.7.7.7', scenario: 'crowdsecurity/ssh-bf', until: T0 - S}),
    decision({value: '7.7.7.8', scenario: 'crowdsecurity/ssh-bf', until: T0}),
    decision({value: '2001:db8::/64', scope: 'Range', scenario: 'crowdsecurity/http-bf'}),
    decision({value: '2001:db8:1::5', scenario: 'crowdsecurity/http-bf'}),
    decision({value: '::ffff:10.0.0.1', scenario: 'crowdsecurity/http-bf'}),
    decision({value: '172.16.0.0/12', scope: 'Range', scenario: 'crowdsecurity/http-bf'}),
  ]
  await store.insertAlerts(ds.map((d) => alert(`for ${d.value}`, {decisions: [d]})), T0 - H)
}

export function runStoreContract(name: string, open: OpenStore, hooks: ContractHooks = {}): void {
  const s = suite(`store contract: ${name}`)
  const opened: Store[] = []
  const closed = new WeakSet<Store>()
  const fresh = async (location?: string): Promise<Store> => {
    const store = await open(location)
    opened.push(store)
    return store
  }
  const close = async (store: Store): Promise<void> => {
    if (closed.has(store)) return
    closed.add(store)
    await store.close()
  }

  s.after.each(async () => {
    for (const store of opened.splice(0)) await close(store)
    await hooks.afterEach?.()
  })
  s.after(async () => {
    await hooks.after?.()
  })

  // ---- schema

  s('a fresh store is at the current schema version', async () => {
    const store = await fresh()
    assert.is(await store.schemaVersion(), SCHEMA_VERSION)
    assert.ok(SCHEMA_VERSION >= 1)
    assert.is(store.engine, name.split(' ')[0])
    assert.ok(store.location.length > 0)
  })

  // ---- machines (lapi.md §2.2)

  s('machines: add and get, with defaults', async () => {
    const store = await fresh()
    const m = await store.addMachine({machineId: 'm1', passwordHash: 'hash1'}, T0)
    assert.ok(m.id > 0)
    assert.equal(m, {
      id: m.id, machineId: 'm1', passwordHash: 'hash1', ipAddress: '', scenarios: '', version: '', isValidated: false, authType: 'password',
      role: 'watcher', createdAt: T0, updatedAt: T0, lastPush: null, lastHeartbeat: null,
    })
    assert.equal(await store.getMachine('m1'), m)
    assert.is(await store.getMachine('m2'), undefined)
    assert.is(await store.getMachine('M1'), undefined, 'machine ids are case-sensitive')
    const full = await store.addMachine({machineId: 'm2', passwordHash: 'h', ipAddress: '127.0.0.1', isValidated: true, authType: 'tls', role: 'admin', version: 'v1.4.6'}, T0 + S)
    assert.equal(
      {ip: full.ipAddress, v: full.isValidated, a: full.authType, r: full.role, version: full.version, c: full.createdAt},
      {ip: '127.0.0.1', v: true, a: 'tls', r: 'admin', version: 'v1.4.6', c: T0 + S},
    )
  })

  s("machines: a duplicate id is 'exists' with CrowdSec's message, the first one unchanged", async () => {
    const store = await fresh()
    const first = await store.addMachine({machineId: 'm1', passwordHash: 'hash1'}, T0)
    await rejects(store.addMachine({machineId: 'm1', passwordHash: 'other'}, T0 + S), 'exists', "user 'm1': user already exist")
    assert.equal(await store.getMachine('m1'), first)
    assert.is((await store.listMachines()).length, 1)
    // the store still works after the failed insert
    await store.addMachine({machineId: 'm2', passwordHash: 'h'}, T0)
    assert.equal((await store.listMachines()).map((m) => m.machineId), ['m1', 'm2'])
  })

  s('machines: list in id order, update (validate, heartbeat, push), delete', async () => {
    const store = await fresh()
    for (const id of ['b', 'a', 'c']) await store.addMachine({machineId: id, passwordHash: `h-${id}`}, T0)
    assert.equal((await store.listMachines()).map((m) => m.machineId), ['b', 'a', 'c'])

    assert.is(await store.updateMachine('a', {isValidated: true}, T0 + M), true)
    let a = (await store.getMachine('a'))!
    assert.equal({v: a.isValidated, u: a.updatedAt, c: a.createdAt}, {v: true, u: T0 + M, c: T0})

    assert.is(await store.updateMachine('a', {
      passwordHash: 'new', ipAddress: '10.0.0.1', scenarios: 'crowdsecurity/ssh-bf,crowdsecurity/http-probing', version: 'v1.6.0',
      role: 'admin', lastPush: T0 + 2 * M, lastHeartbeat: T0 + 3 * M,
    }, T0 + 4 * M), true)
    a = (await store.getMachine('a'))!
    assert.equal(a, {
      id: a.id, machineId: 'a', passwordHash: 'new', ipAddress: '10.0.0.1', scenarios: 'crowdsecurity/ssh-bf,crowdsecurity/http-probing',
      version: 'v1.6.0', isValidated: true, authType: 'password', role: 'admin', createdAt: T0, updatedAt: T0 + 4 * M, lastPush: T0 + 2 * M,
      lastHeartbeat: T0 + 3 * M,
    })
    assert.is(await store.updateMachine('a', {isValidated: false}, T0 + 5 * M), true)
    assert.is((await store.getMachine('a'))!.isValidated, false)
    assert.is((await store.getMachine('b'))!.isValidated, false, 'other machines untouched')

    assert.is(await store.updateMachine('nobody', {isValidated: true}, T0), false)
    assert.is(await store.updateMachine('a', {}, T0), true, 'empty patch on a known machine')
    assert.is(await store.updateMachine('nobody', {}, T0), false, 'empty patch on an unknown machine')

    assert.is(await store.deleteMachine('a'), true)
    assert.is(await store.deleteMachine('a'), false)
    assert.is(await store.getMachine('a'), undefined)
    assert.equal((await store.listMachines()).map((m) => m.machineId), ['b', 'c'])
  })

  // ---- bouncers (lapi.md §2.1)

  s('bouncers: add, look up by key hash, update last_pull, delete', async () => {
    const store = await fresh()
    const b = await store.addBouncer({name: 'fw', apiKeyHash: 'k1'}, T0)
    assert.equal(b, {id: b.id, name: 'fw', apiKeyHash: 'k1', ipAddress: '', type: '', version: '', authType: 'api-key', createdAt: T0, updatedAt: T0, lastPull: null})
    // the same key from another IP (name@ip clones) share the hash
    const clone = await store.addBouncer({name: 'fw@10.0.0.2', apiKeyHash: 'k1', ipAddress: '10.0.0.2', type: 'crowdsec-firewall-bouncer', version: 'v0.0.28'}, T0 + S)
    const other = await store.addBouncer({name: 'nginx', apiKeyHash: 'k2'}, T0)
    await rejects(store.addBouncer({name: 'fw', apiKeyHash: 'k3'}, T0), 'exists')

    assert.equal((await store.bouncersByKeyHash('k1')).map((x) => x.name), ['fw', 'fw@10.0.0.2'])
    assert.equal(await store.bouncersByKeyHash('k2'), [other])
    assert.equal(await store.bouncersByKeyHash('nope'), [])
    assert.equal((await store.listBouncers()).map((x) => x.name), ['fw', 'fw@10.0.0.2', 'nginx'])

    await store.updateBouncer(b.id, {lastPull: T0 + M, ipAddress: '10.0.0.1', type: 'custom', version: 'v1'}, T0 + M)
    await store.updateBouncer(clone.id, {}, T0 + H) // nothing to change
    const [fw, fw2] = await store.bouncersByKeyHash('k1')
    assert.equal({...fw!}, {...b, lastPull: T0 + M, ipAddress: '10.0.0.1', type: 'custom', version: 'v1', updatedAt: T0 + M})
    assert.equal(fw2, clone)
    await store.updateBouncer(b.id, {lastPull: T0 + 2 * M}, T0 + 2 * M)
    assert.is((await store.bouncersByKeyHash('k1'))[0]!.lastPull, T0 + 2 * M)

    assert.is(await store.deleteBouncer('fw'), true)
    assert.is(await store.deleteBouncer('fw'), false)
    assert.equal((await store.bouncersByKeyHash('k1')).map((x) => x.name), ['fw@10.0.0.2'])
  })

  // ---- alerts: insert (lapi.md §4.1)

  s('insertAlerts: alert, source, events, meta and decisions round trip', async () => {
    const store = await fresh()
    const input = alert('full', {
      machineId: 'agent-7',
      scenario: 'crowdsecurity/ssh-bf',
      scenarioHash: '4441dcff07020f6690d998b7101e642359ba405c2abb83565bbbdcee36de280f',
      scenarioVersion: '0.3',
      eventsCount: 6,
      startAt: T0 - 30 * S,
      stopAt: T0 - 10 * S,
      capacity: 5,
      leakspeed: '10s',
      remediation: true,
      kind: 'crowdsec',
      source: {scope: 'Ip', value: '35.188.49.176', ip: '35.188.49.176', range: '35.184.0.0/13', asNumber: '396982', asName: 'GOOGLE-CLOUD-PLATFORM', cn: 'US', latitude: 37.751, longitude: -97.822},
      events: [
        {timestamp: T0 - 30 * S, meta: [{key: 'source_ip', value: '35.188.49.176'}, {key: 'target_user', value: 'root'}]},
        {timestamp: T0 - 10 * S, meta: [{key: 'source_ip', value: '35.188.49.176'}, {key: 'target_user', value: 'admin'}]},
      ],
      meta: [{key: 'target_user', value: '["root","admin"]'}, {key: 'service', value: '["ssh"]'}],
      decisions: [
        decision({value: '35.188.49.176', until: T0 - 10 * S + 4 * H, origin: 'crowdsec', scenario: 'crowdsecurity/ssh-bf'}),
        decision({value: '35.188.49.176', type: 'captcha', until: T0 + H, createdAt: T0 - S}),
      ],
    })
    const ids = await store.insertAlerts([input], T0)
    assert.is(ids.length, 1)
    const got = await store.queryAlerts({}, T0)
    assert.is(got.length, 1)
    const a = got[0]!
    assert.is(a.id, ids[0])
    const {decisions: inDecisions, createdAt: _c, ...inRest} = input
    const {decisions: outDecisions, id: _id, createdAt, ...outRest} = a
    assert.equal(outRest, inRest)
    assert.is(createdAt, T0, 'createdAt defaults to now')
    assert.ok(Math.abs(a.source.latitude - 37.751) < 1e-6)
    assert.equal(outDecisions!.map(({id: _i, ...d}) => d), inDecisions.map((d) => ({...d, alertId: ids[0], createdAt: d.createdAt ?? T0})))
    assert.ok(outDecisions![0]!.id < outDecisions![1]!.id, 'decisions in id order')
    // and the same decisions through the decision queries
    assert.equal(await store.activeDecisions({}, T0), outDecisions)
    assert.equal(await store.allDecisions({}), outDecisions)
  })

  s('insertAlerts: several alerts, ids ascending; an empty batch stores nothing', async () => {
    const store = await fresh()
    assert.equal(await store.insertAlerts([], T0), [])
    const ids = await store.insertAlerts([alert('a'), alert('b', {decisions: [decision({value: '1.1.1.1'})]}), alert('c', {createdAt: T0 - H})], T0)
    assert.is(ids.length, 3)
    assert.ok(ids[0]! < ids[1]! && ids[1]! < ids[2]!)
    const byId = new Map((await store.queryAlerts({}, T0)).map((a) => [a.id, a]))
    assert.equal(ids.map((id) => byId.get(id)!.message), ['a', 'b', 'c'])
    assert.is(byId.get(ids[2]!)!.createdAt, T0 - H, 'an explicit createdAt is kept')
    assert.equal(byId.get(ids[0]!)!.decisions, [])
  })

  s('insertAlerts: posting the same uuid again returns the stored id and stores nothing new', async () => {
    const store = await fresh()
    const a = alert('once', {decisions: [decision({value: '1.1.1.1'})]})
    const [id] = await store.insertAlerts([a], T0)
    const again = await store.insertAlerts([{...a, message: 'changed', decisions: [decision({value: '2.2.2.2'})]}, alert('new')], T0 + M)
    assert.is(again[0], id)
    assert.ok(again[1]! > id!)
    // twice in one batch
    const twin = alert('twin')
    const [t1, t2] = await store.insertAlerts([twin, {...twin}], T0)
    assert.is(t1, t2)
    assert.equal(sortedLabels(await store.queryAlerts({}, T0)), ['new', 'once', 'twin'])
    assert.equal(values(await store.allDecisions({})), ['1.1.1.1'])
  })

  s('insertAlerts: all or nothing, a failing alert in a batch leaves nothing stored', async () => {
    const store = await fresh()
    const [kept] = await store.insertAlerts([alert('before', {decisions: [decision({value: '1.1.1.1'})]})], T0)
    const good = alert('good', {decisions: [decision({value: '2.2.2.2'})]})
    const badAlert = alert('bad', {scenario: null as unknown as string})
    await rejects(store.insertAlerts([good, badAlert], T0), 'invalid')
    // a bad decision in a later alert
    const badDecision = alert('bad-decision', {decisions: [decision({value: '3.3.3.3'}), decision({value: '3.3.3.4', origin: null as unknown as string})]})
    await rejects(store.insertAlerts([alert('good2', {decisions: [decision({value: '4.4.4.4'})]}), badDecision], T0), 'invalid')
    assert.equal(labels(await store.queryAlerts({}, T0)), ['before'])
    assert.equal(values(await store.allDecisions({})), ['1.1.1.1'])
    // the failed alerts' uuids were not kept: posting them fixed works
    const ids = await store.insertAlerts([good], T0)
    assert.ok(ids[0]! > kept!)
    assert.equal(sortedLabels(await store.queryAlerts({}, T0)), ['before', 'good'])
    assert.equal(sortedValues(await store.allDecisions({})), ['1.1.1.1', '2.2.2.2'])
  })

  s('insertAlerts: many decisions in one alert (several INSERT chunks)', async () => {
    const store = await fresh()
    const ds = Array.from({length: 250}, (_, i) => decision({value: `10.0.${i >> 8}.${i & 255}`, origin: 'CAPI', scenario: 'crowdsecurity/ssh-bf'}))
    const [id] = await store.insertAlerts([alert('capi', {decisions: ds})], T0)
    const got = await store.activeDecisions({}, T0)
    assert.is(got.length, 250)
    assert.equal(values(got), ds.map((d) => d.value))
    assert.ok(got.every((d) => d.alertId === id))
    assert.equal(values(await store.activeDecisions({ip: ip('10.0.0.200')}, T0)), ['10.0.0.200'])
  })

  // ---- alerts: query (lapi.md §4.2)

  s('queryAlerts: no filter lists everything, newest first', async () => {
    const store = await fresh()
    await seedAlerts(store)
    assert.equal(labels(await store.queryAlerts({}, T0)), ['v6', 'captcha', 'expired', 'simulated', 'listsdec', 'lists', 'capi', 'probing', 'range', 'ssh'])
  })

  s('queryAlerts: scope, value, kind, id', async () => {
    const store = await fresh()
    const ids = await seedAlerts(store)
    assert.equal(sortedLabels(await store.queryAlerts({scope: 'Range'}, T0)), ['range', 'v6'])
    assert.equal(labels(await store.queryAlerts({scope: 'range'}, T0)), [], 'scope is exact: the caller normalises')
    assert.equal(labels(await store.queryAlerts({value: '1.2.3.4'}, T0)), ['ssh'])
    assert.equal(labels(await store.queryAlerts({value: '1.2.3'}, T0)), [])
    assert.equal(labels(await store.queryAlerts({scope: 'Ip', value: '5.5.5.5'}, T0)), ['probing'])
    assert.equal(labels(await store.queryAlerts({kind: 'cscli'}, T0)), ['range'])
    assert.equal(sortedLabels(await store.queryAlerts({kind: 'capi'}, T0)), ['capi', 'lists'])
    assert.equal(labels(await store.queryAlerts({id: ids.get('expired')}, T0)), ['expired'])
    assert.equal(labels(await store.queryAlerts({id: 999_999}, T0)), [])
  })

  s("queryAlerts: scenario matches the alert's or one of its decisions'", async () => {
    const store = await fresh()
    await store.insertAlerts([
      alert('own', {scenario: 'crowdsecurity/ssh-bf'}),
      alert('via-decision', {scenario: 'something else', decisions: [decision({value: '1.1.1.1', scenario: 'crowdsecurity/ssh-bf'})]}),
      alert('other', {scenario: 'crowdsecurity/http-probing', decisions: [decision({value: '2.2.2.2', scenario: 'crowdsecurity/http-probing'})]}),
    ], T0)
    assert.equal(sortedLabels(await store.queryAlerts({scenario: 'crowdsecurity/ssh-bf'}, T0)), ['own', 'via-decision'])
    assert.equal(labels(await store.queryAlerts({scenario: 'something else'}, T0)), ['via-decision'])
    assert.equal(labels(await store.queryAlerts({scenario: 'crowdsecurity/ssh'}, T0)), [], 'exact, not a prefix')
  })

  s('queryAlerts: ip and range with contains (lapi.md §6)', async () => {
    const store = await fresh()
    await seedAlerts(store)
    const q = async (f: AlertFilter) => sortedLabels(await store.queryAlerts(f, T0))
    assert.equal(await q({ip: ip('4.4.4.3')}), ['range'])
    assert.equal(await q({ip: ip('4.4.4.2/28')}), ['range'])
    assert.equal(await q({ip: ip('4.4.4.0/24')}), ['range'])
    assert.equal(await q({ip: ip('4.4.0.0/16')}), [])
    assert.equal(await q({ip: ip('4.4.0.0/16'), contains: false}), ['range'])
    assert.equal(await q({ip: ip('4.4.4.3'), contains: false}), [])
    assert.equal(await q({ip: ip('1.2.3.4')}), ['ssh'])
    assert.equal(await q({ip: ip('1.2.3.0/24'), contains: false}), ['ssh'])
    assert.equal(await q({ip: ip('1.2.3.0/24'), contains: true}), [])
    assert.equal(await q({ip: ip('1.2.3.5')}), [])
    assert.equal(await q({ip: ip('0.0.0.0/0'), contains: false}), ['capi', 'captcha', 'expired', 'listsdec', 'range', 'simulated', 'ssh'])
    assert.equal(await q({ip: ip('2001:db8::42')}), ['v6'])
    assert.equal(await q({ip: ip('2001:db8::/96'), contains: false}), [])
    assert.equal(await q({ip: ip('2001:db8::/48')}), [])
    assert.equal(await q({ip: ip('2001:db8::/32'), contains: false}), ['v6'])
    assert.equal(await q({ip: ip('::ffff:1.2.3.4')}), ['ssh'])
  })

  s('queryAlerts: since / until on start_at, created_before', async () => {
    const store = await fresh()
    await seedAlerts(store)
    const q = async (f: AlertFilter) => sortedLabels(await store.queryAlerts(f, T0))
    assert.equal(await q({startedAfter: T0 - 10 * M}), ['captcha', 'simulated', 'ssh', 'v6'], 'start_at >= since, inclusive')
    assert.equal(await q({startedBefore: T0 - 2 * H}), ['expired', 'probing'], 'start_at <= until, inclusive')
    assert.equal(await q({startedAfter: T0 - 30 * M, startedBefore: T0 - 20 * M}), ['capi', 'lists', 'listsdec', 'range'])
    assert.equal(await q({createdBefore: T0 - 9 * M}), ['range', 'ssh'])
    assert.equal(await q({startedAfter: T0 + M}), [])
  })

  s('queryAlerts: decision type, origin, include_capi', async () => {
    const store = await fresh()
    await seedAlerts(store)
    const q = async (f: AlertFilter) => sortedLabels(await store.queryAlerts(f, T0))
    assert.equal(await q({decisionType: 'captcha'}), ['captcha'])
    assert.equal(await q({origin: 'cscli'}), ['range'])
    assert.equal(await q({origin: 'CAPI'}), ['capi'])
    assert.equal(await q({origin: 'CAPI', includeCapi: false}), ['capi'], 'origin implies include_capi')
    assert.equal(await q({origin: 'lists', includeCapi: false}), ['listsdec'])
    assert.equal(await q({includeCapi: false}), ['captcha', 'expired', 'probing', 'range', 'simulated', 'ssh', 'v6'])
    assert.equal((await q({includeCapi: true})).length, 10)
  })

  s('queryAlerts: include_capi=false only drops list scopes from decision-less alerts, and is case-sensitive', async () => {
    const store = await fresh()
    const src = (scope: string) => ({...alert('').source, scope, value: '', ip: ''})
    await store.insertAlerts([
      alert('lists-nodec', {source: src('lists:tor')}),
      alert('lists-dec', {source: src('lists:tor'), decisions: [decision({value: '1.1.1.1', origin: 'cscli'})]}),
      alert('LISTS-nodec', {source: src('LISTS:tor')}),
      alert('blocklist-nodec', {source: src('crowdsecurity/community-blocklist')}),
      alert('blocklist-dec', {source: src('crowdsecurity/community-blocklist'), decisions: [decision({value: '1.1.1.2', origin: 'cscli'})]}),
      alert('lists_x-nodec', {source: src('listsXtor')}),
    ], T0)
    assert.equal(sortedLabels(await store.queryAlerts({includeCapi: false}, T0)), ['LISTS-nodec', 'blocklist-dec', 'lists-dec', 'lists_x-nodec'])
  })

  s('queryAlerts: has_active_decision true / false', async () => {
    const store = await fresh()
    await seedAlerts(store)
    const q = async (f: AlertFilter, now = T0) => sortedLabels(await store.queryAlerts(f, now))
    assert.equal(await q({hasActiveDecision: true}), ['capi', 'captcha', 'listsdec', 'range', 'simulated', 'ssh', 'v6'])
    assert.equal(await q({hasActiveDecision: false}), ['lists', 'probing'], 'false: no decision at all (an expired one counts)')
    assert.equal(await q({hasActiveDecision: true}, T0 + 4 * H), ['capi', 'captcha', 'listsdec', 'range', 'simulated', 'ssh', 'v6'], 'until >= now')
    assert.equal(await q({hasActiveDecision: true}, T0 + 4 * H + 1), [])
    assert.equal(await q({hasActiveDecision: true, includeCapi: false, includeSimulated: false}), ['captcha', 'range', 'ssh', 'v6'], "cscli decisions list's query")
  })

  s('queryAlerts: simulated=false excludes simulated alerts; absent includes them', async () => {
    const store = await fresh()
    await seedAlerts(store)
    assert.ok(labels(await store.queryAlerts({}, T0)).includes('simulated'))
    assert.ok(labels(await store.queryAlerts({includeSimulated: true}, T0)).includes('simulated'))
    const without = labels(await store.queryAlerts({includeSimulated: false}, T0))
    assert.is(without.length, 9)
    assert.not.ok(without.includes('simulated'))
  })

  s('queryAlerts: limit and sort on (created_at, id); with_decisions=false', async () => {
    const store = await fresh()
    await seedAlerts(store)
    assert.equal(labels(await store.queryAlerts({limit: 3}, T0)), ['v6', 'captcha', 'expired'])
    assert.equal(labels(await store.queryAlerts({limit: 3, sort: 'DESC'}, T0)), ['v6', 'captcha', 'expired'])
    assert.equal(labels(await store.queryAlerts({limit: 2, sort: 'ASC'}, T0)), ['ssh', 'range'])
    assert.is((await store.queryAlerts({limit: 0}, T0)).length, 10, 'limit 0: no limit')
    // equal created_at: id breaks the tie
    await store.insertAlerts([alert('tie1', {createdAt: T0}), alert('tie2', {createdAt: T0})], T0)
    assert.equal(labels(await store.queryAlerts({limit: 2}, T0)), ['tie2', 'tie1'])
    assert.equal(labels(await store.queryAlerts({sort: 'ASC'}, T0)).slice(-2), ['tie1', 'tie2'])

    const withDecisions = await store.queryAlerts({value: '1.2.3.4'}, T0)
    assert.equal(values(withDecisions[0]!.decisions!), ['1.2.3.4'])
    const without = await store.queryAlerts({value: '1.2.3.4', withDecisions: false}, T0)
    assert.is(without[0]!.decisions, null)
    const noDecisions = await store.queryAlerts({value: '5.5.5.5'}, T0)
    assert.equal(noDecisions[0]!.decisions, [])
  })

  s('deleteAlerts: by filter, with their decisions (cascade)', async () => {
    const store = await fresh()
    await seedAlerts(store)
    assert.is(await store.deleteAlerts({value: 'nothing'}, T0), 0)
    assert.is(await store.deleteAlerts({ip: ip('4.4.4.4')}, T0), 1)
    assert.equal(await store.activeDecisions({value: '4.4.4.0/24'}, T0), [])
    assert.is(await store.deleteAlerts({origin: 'CAPI'}, T0), 1)
    assert.equal(await store.allDecisions({origins: ['CAPI']}), [])
    assert.is((await store.queryAlerts({}, T0)).length, 8)
    assert.is(await store.deleteAlerts({}, T0), 8)
    assert.equal(await store.queryAlerts({}, T0), [])
    assert.equal(await store.allDecisions({includeSimulated: true}), [])
  })

  // ---- decisions (lapi.md §5.1)

  s('activeDecisions: active only (until >= now), simulated excluded unless asked, id order', async () => {
    const store = await fresh()
    await seedDecisions(store)
    const active = await store.activeDecisions({}, T0)
    assert.equal(values(active), ['1.2.3.4', '1.2.3.5', '4.4.4.0/24', '9.9.9.9', 'FR', 'alice', '7.7.7.8', '2001:db8::/64', '2001:db8:1::5', '::ffff:10.0.0.1', '172.16.0.0/12'])
    assert.equal(active.map((d) => d.id), [...active.map((d) => d.id)].sort((a, b) => a - b))
    assert.ok(values(await store.activeDecisions({includeSimulated: true}, T0)).includes('6.6.6.6'))
    assert.equal(values(await store.activeDecisions({value: '7.7.7.8'}, T0 + 1)), [])
    const all = await store.allDecisions({})
    assert.ok(values(all).includes('7.7.7.7') && !values(all).includes('6.6.6.6'))
    assert.is((await store.allDecisions({includeSimulated: true})).length, 13)
  })

  s('activeDecisions: scopes, value, type, origins, scenario, uuids, id', async () => {
    const store = await fresh()
    await seedDecisions(store)
    const q = async (f: DecisionFilter) => values(await store.activeDecisions(f, T0))
    assert.equal(await q({scopes: ['Range']}), ['4.4.4.0/24', '2001:db8::/64', '172.16.0.0/12'])
    assert.equal(await q({scopes: ['Country', 'username']}), ['FR', 'alice'])
    assert.equal(await q({scopes: ['ip']}), [], 'exact scopes: the caller normalises')
    assert.equal(await q({value: 'alice'}), ['alice'])
    assert.equal(await q({value: 'ALICE'}), [])
    assert.equal(await q({type: 'captcha'}), ['1.2.3.5'])
    assert.equal(await q({origins: ['cscli', 'CAPI']}), ['4.4.4.0/24', '9.9.9.9', 'FR', 'alice'])
    assert.equal(await q({origins: ['capi']}), [])
    assert.equal(await q({scenario: 'crowdsecurity/http-probing'}), ['4.4.4.0/24'])
    assert.equal(await q({scopes: ['Ip'], origins: ['crowdsec'], type: 'ban', scenario: 'crowdsecurity/ssh-bf'}), ['1.2.3.4', '7.7.7.8'])
    const [first] = await store.activeDecisions({value: 'FR'}, T0)
    assert.equal(await q({uuids: [first!.uuid]}), ['FR'])
    assert.equal(await q({uuids: [first!.uuid, 'no-such-uuid']}), ['FR'])
    assert.equal(await q({id: first!.id}), ['FR'])
  })

  s('activeDecisions: scenarios_containing / not_containing, case-insensitive, LIKE wildcards literal', async () => {
    const store = await fresh()
    await seedDecisions(store)
    const q = async (f: DecisionFilter) => values(await store.activeDecisions(f, T0))
    assert.equal(await q({scenariosContaining: ['ssh']}), ['1.2.3.4', '1.2.3.5', '7.7.7.8'])
    assert.equal(await q({scenariosContaining: ['SSH']}), ['1.2.3.4', '1.2.3.5', '7.7.7.8'])
    assert.equal(await q({scenariosContaining: ['slow', 'probing']}), ['1.2.3.5', '4.4.4.0/24'], 'any of the words')
    assert.equal(await q({scenariosNotContaining: ['ssh', 'http']}), ['FR', 'alice'], 'none of the words')
    assert.equal(await q({scenariosNotContaining: ['SSH'], scenariosContaining: ['crowdsecurity']}), ['4.4.4.0/24', '9.9.9.9', '2001:db8::/64', '2001:db8:1::5', '::ffff:10.0.0.1', '172.16.0.0/12'])
    // `%` and `_` are plain characters
    assert.equal(await q({scenariosContaining: ['%']}), ['FR'])
    assert.equal(await q({scenariosContaining: ['_']}), ['alice'])
    assert.equal(await q({scenariosContaining: ['ssh_bf']}), [], '_ is not a wildcard')
    assert.equal(await q({scenariosContaining: ['ssh%bf']}), [], '% is not a wildcard')
    assert.equal(await q({scenariosContaining: ['user_bf']}), ['alice'])
    assert.equal(await q({scenariosContaining: ['100%']}), ['FR'])
    assert.equal((await q({scenariosNotContaining: ['%']})).length, 10, 'not containing % only drops FR')
    assert.equal((await q({scenariosNotContaining: ['_']})).length, 10, 'not containing _ only drops alice')
    assert.equal(await q({scenariosContaining: ['\\']}), [], 'a backslash is a plain character too')
  })

  s('activeDecisions: ip / range matching, IPv4 (lapi.md §6 examples)', async () => {
    const store = await fresh()
    await seedDecisions(store)
    const q = async (f: DecisionFilter) => values(await store.activeDecisions(f, T0))
    assert.equal(await q({ip: ip('4.4.4.3')}), ['4.4.4.0/24'])
    assert.equal(await q({ip: ip('4.4.4.2/28')}), ['4.4.4.0/24'])
    assert.equal(await q({ip: ip('4.4.0.0/16')}), [])
    assert.equal(await q({ip: ip('4.4.0.0/16'), contains: false}), ['4.4.4.0/24'])
    assert.equal(await q({ip: ip('1.2.3.0/24'), contains: false}), ['1.2.3.4', '1.2.3.5'])
    assert.equal(await q({ip: ip('1.2.3.4')}), ['1.2.3.4'])
    assert.equal(await q({ip: ip('1.2.3.4'), contains: false}), ['1.2.3.4'])
    assert.equal(await q({ip: ip('1.2.3.4/32')}), ['1.2.3.4'])
    assert.equal(await q({ip: ip('172.20.1.1')}), ['172.16.0.0/12'])
    assert.equal(await q({ip: ip('172.32.0.0')}), [])
    assert.equal(await q({ip: ip('0.0.0.0/0'), contains: false}), ['1.2.3.4', '1.2.3.5', '4.4.4.0/24', '9.9.9.9', '7.7.7.8', '::ffff:10.0.0.1', '172.16.0.0/12'])
    assert.equal(await q({ip: ip('0.0.0.0/0')}), [])
    assert.equal(await q({ip: ip('9.9.9.9'), origins: ['crowdsec']}), [], 'AND-ed with the other filters')
  })

  s('activeDecisions: IPv6 and IPv4-mapped IPv6', async () => {
    const store = await fresh()
    await seedDecisions(store)
    const q = async (f: DecisionFilter) => values(await store.activeDecisions(f, T0))
    assert.equal(await q({ip: ip('2001:db8::1')}), ['2001:db8::/64'])
    assert.equal(await q({ip: ip('2001:db8:0:0:ffff:ffff:ffff:ffff')}), ['2001:db8::/64'])
    assert.equal(await q({ip: ip('2001:db8:0:1::')}), [])
    assert.equal(await q({ip: ip('2001:db8::/80')}), ['2001:db8::/64'])
    assert.equal(await q({ip: ip('2001:db8::/48')}), [])
    assert.equal(await q({ip: ip('2001:db8::/32'), contains: false}), ['2001:db8::/64', '2001:db8:1::5'])
    assert.equal(await q({ip: ip('2001:db8:1::5')}), ['2001:db8:1::5'])
    assert.equal(await q({ip: ip('2001:DB8:1:0::5')}), ['2001:db8:1::5'])
    assert.equal(await q({ip: ip('2001:db8:1::/48'), contains: false}), ['2001:db8:1::5'])
    assert.equal(await q({ip: ip('::/0'), contains: false}), ['2001:db8::/64', '2001:db8:1::5'])
    assert.equal(await q({ip: ip('ffff::1')}), [], 'high-bit IPv6 addresses compare as unsigned')
    // IPv4-mapped IPv6 is IPv4, both ways
    assert.equal(await q({ip: ip('10.0.0.1')}), ['::ffff:10.0.0.1'])
    assert.equal(await q({ip: ip('::ffff:10.0.0.1')}), ['::ffff:10.0.0.1'])
    assert.equal(await q({ip: ip('::ffff:4.4.4.9')}), ['4.4.4.0/24'])
    assert.equal(await q({ip: ip('::ffff:172.16.0.0/108')}), ['172.16.0.0/12'])
    // the same bits as IPv6 are another family
    assert.equal(await q({ip: ip('::10.0.0.1')}), [])
  })

  s('activeDecisions: non-address scopes never match ip / range; address scopes in any case do', async () => {
    const store = await fresh()
    await store.insertAlerts([alert('x', {decisions: [
      decision({scope: 'username', value: '1.2.3.4'}),
      decision({scope: 'AS', value: '1.2.3.0/24'}),
      decision({scope: 'ip', value: '5.6.7.8'}),
      decision({scope: 'RANGE', value: '5.6.0.0/16'}),
      decision({scope: 'Ip', value: 'not-an-ip'}),
    ]})], T0)
    const q = async (f: DecisionFilter) => values(await store.activeDecisions(f, T0))
    assert.equal(await q({ip: ip('1.2.3.4')}), [])
    assert.equal(await q({ip: ip('0.0.0.0/0'), contains: false}), ['5.6.7.8', '5.6.0.0/16'])
    assert.equal(await q({ip: ip('5.6.7.8')}), ['5.6.7.8', '5.6.0.0/16'])
    assert.equal(await q({value: 'not-an-ip'}), ['not-an-ip'])
  })

  s('activeDecisions: limit and offset over id order', async () => {
    const store = await fresh()
    await seedDecisions(store)
    const all = values(await store.activeDecisions({}, T0))
    assert.equal(values(await store.activeDecisions({limit: 3}, T0)), all.slice(0, 3))
    assert.equal(values(await store.activeDecisions({limit: 3, offset: 2}, T0)), all.slice(2, 5))
    assert.equal(values(await store.activeDecisions({offset: 9}, T0)), all.slice(9))
    assert.equal(values(await store.activeDecisions({offset: 100}, T0)), [])
    assert.equal(values(await store.activeDecisions({limit: 0}, T0)), all)
    assert.equal(values(await store.allDecisions({limit: 2, offset: 1})), values(await store.allDecisions({})).slice(1, 3))
  })

  // ---- stream (lapi.md §5.2)

  s('decisionStream: startup sends every active decision as new, every expired one as deleted', async () => {
    const store = await fresh()
    await store.insertAlerts([
      alert('a', {decisions: [decision({value: '1.1.1.1', until: T0 + 4 * H, createdAt: T0 - H})]}),
      alert('b', {decisions: [decision({value: '2.2.2.2', until: T0 - M, createdAt: T0 - 2 * H})]}),
      alert('c', {decisions: [decision({value: '3.3.3.3', until: T0, createdAt: T0 - 2 * H})]}),
      alert('d', {decisions: [decision({value: '4.4.4.0/24', scope: 'Range', until: T0 + H, createdAt: T0 - 3 * H})]}),
      alert('e', {decisions: [decision({value: '5.5.5.5', until: T0 - 3 * D, createdAt: T0 - 4 * D})]}),
    ], T0 - 5 * D)
    const r = await store.decisionStream({startup: true, lastPull: T0 - M, now: T0, filter: {}, dedup: true})
    assert.equal(values(r.new), ['1.1.1.1', '4.4.4.0/24'], 'startup ignores last_pull')
    assert.equal(values(r.deleted), ['2.2.2.2', '5.5.5.5'], 'until == now is in neither list')
    const never = await store.decisionStream({startup: false, lastPull: null, now: T0, filter: {}, dedup: true})
    assert.equal(never, r, 'no last_pull: the same as startup')
  })

  s('decisionStreamText: the database writes exactly what decisionText writes (countdown rounding, Go escaping, paging)', async () => {
    const store = await fresh()
    const odd = ['manual \'ban\' from "x"\\y', 'a<b>&c', 'unicode é 東', 'line\u2028sep', 'ctl\u0001\n\t', '']
    const decisions: NewDecision[] = []
    // countdowns across the rounding edges (±499, ±500, ±501 ms), minutes, hours, more than a day, expired
    const deltas = [0, 499, 500, 501, -499, -500, -501, 59_500, 60 * S, 3599 * S + 600, 4 * H, 7 * D + 1234, -M - 3 * S, -2 * D]
    deltas.forEach((delta, i) => decisions.push(decision({value: `198.51.100.${i}`, until: T0 + delta})))
    odd.forEach((text, i) => decisions.push(decision({value: `203.0.113.${i}`, scenario: text, origin: i === 0 ? 'cscli' : 'crowdsec', until: T0 + H})))
    decisions.push(decision({value: '2001:db8::1', uuid: ''}))
    decisions.push(decision({value: 'FR', scope: 'Country', type: 'captcha', scenario: 'geo & <rules>'}))
    await store.insertAlerts([alert('mixed', {decisions})], T0 - M)
    const {decisionText} = await import('../../src/model/decision-text.js')
    for (const pageSize of [3, 10_000]) {
      for (const startup of [true, false]) {
        const request = {startup, lastPull: startup ? null : T0 - 2 * M, now: T0, filter: {scopes: ['Ip', 'Range', 'Country']}, dedup: true}
        const want = await store.decisionStream(request)
        const got: Record<string, string[]> = {new: [], deleted: []}
        for await (const page of store.decisionStreamText(request, pageSize)) {
          got[page.list]!.push(page.text)
          assert.ok(page.rows > 0 && page.rows <= pageSize)
        }
        assert.is(got.new!.join(','), want.new.map((d) => decisionText(d, T0, true)).join(','), `new, page size ${pageSize}`)
        assert.is(got.deleted!.join(','), want.deleted.map((d) => decisionText(d, T0, true)).join(','), `deleted, page size ${pageSize}`)
        JSON.parse(`[${got.new!.join(',')}]`)
      }
    }
  })

  s('decisionStream: delta since last_pull, with 2 s of overlap on new and deleted', async () => {
    const store = await fresh()
    const lastPull = T0 - 30 * M
    await store.insertAlerts([
      alert('old-active', {decisions: [decision({value: '1.1.1.1', until: T0 + H, createdAt: lastPull - M})]}),
      alert('new-active', {decisions: [decision({value: '2.2.2.2', until: T0 + H, createdAt: lastPull + S})]}),
      alert('at-pull', {decisions: [decision({value: '2.2.2.3', until: T0 + H, createdAt: lastPull})]}),
      alert('expired-since', {decisions: [decision({value: '3.3.3.3', until: T0 - M, createdAt: T0 - 2 * H})]}),
      alert('expired-before', {decisions: [decision({value: '4.4.4.4', until: lastPull - 3 * S, createdAt: T0 - 2 * H})]}),
      alert('expired-overlap', {decisions: [decision({value: '5.5.5.5', until: lastPull - S, createdAt: T0 - 2 * H})]}),
      alert('expired-edge', {decisions: [decision({value: '6.6.6.6', until: lastPull - 2 * S, createdAt: T0 - 2 * H})]}),
      alert('new-expired', {decisions: [decision({value: '7.7.7.7', until: T0 - S, createdAt: lastPull + M})]}),
    ], T0 - 2 * H)
    const r = await store.decisionStream({startup: false, lastPull, now: T0, filter: {}, dedup: true})
    // crowd looks 2 s back for new decisions too (a decision committed while a pull ran is not missed)
    assert.equal(values(r.new), ['2.2.2.2', '2.2.2.3'], 'created_at > last_pull - 2s, strictly')
    assert.equal(values(r.deleted), ['3.3.3.3', '5.5.5.5', '7.7.7.7'], 'until > last_pull - 2s, strictly')
    const startup = await store.decisionStream({startup: true, lastPull, now: T0, filter: {}, dedup: true})
    assert.equal(values(startup.new), ['1.1.1.1', '2.2.2.2', '2.2.2.3'])
    assert.equal(values(startup.deleted), ['3.3.3.3', '4.4.4.4', '5.5.5.5', '6.6.6.6', '7.7.7.7'])
  })

  s('decisionStream: filters (scopes, origins, scenarios, simulated) apply to both lists', async () => {
    const store = await fresh()
    await store.insertAlerts([alert('x', {decisions: [
      decision({value: '1.1.1.1'}),
      decision({value: '1.1.1.0/24', scope: 'Range', origin: 'cscli'}),
      decision({value: 'FR', scope: 'Country'}),
      decision({value: '2.2.2.2', origin: 'CAPI', scenario: 'crowdsecurity/http-bf'}),
      decision({value: '3.3.3.3', simulated: true}),
      decision({value: '4.4.4.4', until: T0 - M}),
      decision({value: '4.4.4.5', until: T0 - M, origin: 'CAPI', scenario: 'crowdsecurity/http-bf'}),
    ]})], T0 - H)
    const pull = (filter: DecisionFilter) => store.decisionStream({startup: true, lastPull: null, now: T0, filter, dedup: true})
    let r = await pull({scopes: ['Ip', 'Range']})
    assert.equal(values(r.new), ['1.1.1.1', '1.1.1.0/24', '2.2.2.2'])
    assert.equal(values(r.deleted), ['4.4.4.4', '4.4.4.5'])
    r = await pull({scopes: ['Ip'], origins: ['CAPI']})
    assert.equal([values(r.new), values(r.deleted)], [['2.2.2.2'], ['4.4.4.5']])
    r = await pull({scenariosNotContaining: ['http']})
    assert.equal([values(r.new), values(r.deleted)], [['1.1.1.1', '1.1.1.0/24', 'FR'], ['4.4.4.4']])
    r = await pull({scopes: ['Ip'], includeSimulated: true})
    assert.equal(values(r.new), ['1.1.1.1', '2.2.2.2', '3.3.3.3'])
    r = await pull({ip: ip('1.1.1.1')})
    assert.equal(values(r.new), ['1.1.1.1', '1.1.1.0/24'])
  })

  s('decisionStream: longest decision wins across the whole table; ties all sent; dedup=false sends all', async () => {
    const store = await fresh()
    await store.insertAlerts([alert('x', {decisions: [
      decision({value: '3.3.3.3', until: T0 + H}),
      decision({value: '3.3.3.3', until: T0 + 4 * H}),
      decision({value: '3.3.3.3', until: T0 + 2 * H, type: 'captcha'}),
      decision({value: '3.3.3.3', until: T0 + 8 * H, scope: 'username'}),
      decision({value: '5.5.5.5', until: T0 + H}),
      decision({value: '5.5.5.5', until: T0 + H}),
      // expired while a longer one lasts: not reported as deleted
      decision({value: '6.6.6.6', until: T0 - M}),
      decision({value: '6.6.6.6', until: T0 + H}),
      // a longer decision hidden by the filters (another origin) still wins
      decision({value: '7.7.7.7', until: T0 + H, origin: 'crowdsec'}),
      decision({value: '7.7.7.7', until: T0 + 2 * H, origin: 'CAPI'}),
      // an expired longer one does not hide... it is longer, so the active shorter one is hidden
      decision({value: '8.8.8.8', until: T0 - M}),
      decision({value: '8.8.8.8', until: T0 - 2 * M}),
    ]})], T0 - H)
    const r = await store.decisionStream({startup: true, lastPull: null, now: T0, filter: {scopes: ['Ip']}, dedup: true})
    assert.equal(r.new.map((d) => `${d.value} ${d.type} ${d.until - T0}`), [
      `3.3.3.3 ban ${4 * H}`, `3.3.3.3 captcha ${2 * H}`, `5.5.5.5 ban ${H}`, `5.5.5.5 ban ${H}`, `6.6.6.6 ban ${H}`, `7.7.7.7 ban ${2 * H}`,
    ])
    assert.equal(r.deleted.map((d) => `${d.value} ${d.until - T0}`), [`8.8.8.8 ${-M}`])
    const crowdsecOnly = await store.decisionStream({startup: true, lastPull: null, now: T0, filter: {scopes: ['Ip'], origins: ['crowdsec'], value: '7.7.7.7'}, dedup: true})
    assert.equal(crowdsecOnly.new, [])
    const all = await store.decisionStream({startup: true, lastPull: null, now: T0, filter: {scopes: ['Ip']}, dedup: false})
    assert.equal(values(all.new), ['3.3.3.3', '3.3.3.3', '3.3.3.3', '5.5.5.5', '5.5.5.5', '6.6.6.6', '7.7.7.7', '7.7.7.7'])
    assert.equal(values(all.deleted), ['6.6.6.6', '8.8.8.8', '8.8.8.8'])
  })

  s('decisionStream: a shorter new ban for an already longer-banned IP is not sent', async () => {
    const store = await fresh()
    await store.insertAlerts([alert('long', {decisions: [decision({value: '1.1.1.1', until: T0 + 4 * H, createdAt: T0 - H})]})], T0 - H)
    await store.insertAlerts([alert('short', {decisions: [decision({value: '1.1.1.1', until: T0 + H, createdAt: T0 - M})]})], T0 - M)
    const r = await store.decisionStream({startup: false, lastPull: T0 - 10 * M, now: T0, filter: {}, dedup: true})
    assert.equal(r, {new: [], deleted: []})
    const nodedup = await store.decisionStream({startup: false, lastPull: T0 - 10 * M, now: T0, filter: {}, dedup: false})
    assert.equal(nodedup.new.map((d) => d.until), [T0 + H])
  })

  s('decisionStream: quirk, deleting the longer of two active bans reports nothing (lapi.md §5.2)', async () => {
    const store = await fresh()
    await store.insertAlerts([alert('x', {decisions: [
      decision({value: '8.8.8.8', until: T0 + 4 * H, createdAt: T0 - H}),
      decision({value: '8.8.8.8', until: T0 + H, createdAt: T0 - H}),
    ]})], T0 - H)
    const first = await store.decisionStream({startup: true, lastPull: null, now: T0 - 30 * M, filter: {}, dedup: true})
    assert.equal(first.new.map((d) => d.until), [T0 + 4 * H])
    const longId = first.new[0]!.id
    assert.is((await store.activeDecisions({value: '8.8.8.8'}, T0)).length, 2)
    assert.is(await store.expireDecisions({id: longId}, T0), 1)
    const next = await store.decisionStream({startup: false, lastPull: T0 - 30 * M, now: T0 + M, filter: {}, dedup: true})
    assert.equal(next, {new: [], deleted: []})
    const nodedup = await store.decisionStream({startup: false, lastPull: T0 - 30 * M, now: T0 + M, filter: {}, dedup: false})
    assert.equal(nodedup.deleted.map((d) => d.id), [longId])
  })

  // ---- expire (lapi.md §4.5, §4.6)

  s('expireDecisions: sets until = now on matching active decisions; they then stream as deleted', async () => {
    const store = await fresh()
    await seedDecisions(store)
    assert.is(await store.expireDecisions({value: '1.2.3.4'}, T0), 1)
    assert.is(await store.expireDecisions({value: '1.2.3.4'}, T0), 0, 'already expired, even at the same instant')
    assert.is(await store.expireDecisions({value: '1.2.3.4'}, T0 + S), 0, 'already expired')
    assert.is(await store.expireDecisions({value: '7.7.7.7'}, T0), 0, 'expired decisions are not touched')
    const [gone] = await store.allDecisions({value: '1.2.3.4'})
    assert.is(gone!.until, T0)
    assert.equal(await store.activeDecisions({value: '1.2.3.4'}, T0 + 1), [])
    const r = await store.decisionStream({startup: false, lastPull: T0 - 10 * S, now: T0 + S, filter: {}, dedup: true})
    assert.equal(values(r.deleted), ['1.2.3.4', '7.7.7.7', '7.7.7.8'])
    assert.equal(r.new, [])
    // by ip/range, origin, scenario, scopes, uuid
    assert.is(await store.expireDecisions({ip: ip('4.4.4.9')}, T0 + S), 1)
    assert.is(await store.expireDecisions({ip: ip('2001:db8::/32'), contains: false}, T0 + S), 2)
    assert.is(await store.expireDecisions({origins: ['CAPI']}, T0 + S), 1)
    assert.is(await store.expireDecisions({scopes: ['Country']}, T0 + S), 1)
    const [alice] = await store.activeDecisions({value: 'alice'}, T0 + S)
    assert.is(await store.expireDecisions({uuids: [alice!.uuid]}, T0 + S), 1)
    // no filter: every active decision (simulated ones only when asked)
    assert.is(await store.expireDecisions({}, T0 + 2 * S), 3)
    assert.equal(await store.activeDecisions({}, T0 + 2 * S + 1), [])
    assert.equal(values(await store.activeDecisions({includeSimulated: true}, T0 + 2 * S + 1)), ['6.6.6.6'])
    assert.is(await store.expireDecisions({includeSimulated: true}, T0 + 2 * S), 1)
    assert.equal(await store.activeDecisions({includeSimulated: true}, T0 + 2 * S + 1), [])
  })

  // ---- decision times (profiles' GetDecisionsCount...)

  s('decisionTimes: every decision on the value, active or not, including ranges containing it', async () => {
    const store = await fresh()
    await store.insertAlerts([alert('x', {decisions: [
      decision({value: '1.2.3.4', createdAt: T0 - 2 * D, until: T0 - D}),
      decision({value: '1.2.3.4', createdAt: T0 - H, until: T0 + 3 * H}),
      decision({value: '1.2.3.0/24', scope: 'Range', createdAt: T0 - 2 * H, until: T0 + 2 * H}),
      decision({value: '1.2.3.5', createdAt: T0, until: T0 + H}),
      decision({value: 'bob', scope: 'username', createdAt: T0 - M, until: T0 + M}),
      decision({value: '1.2.3.4', scope: 'username', createdAt: T0 - S, until: T0 + S}),
      decision({value: '2001:db8::1', createdAt: T0 - 5 * M, until: T0 + 5 * M}),
    ]})], T0)
    const times = async (v: string) => (await store.decisionTimes(v)).sort((a, b) => a.createdAt - b.createdAt)
    assert.equal(await times('1.2.3.4'), [
      {createdAt: T0 - 2 * D, until: T0 - D}, {createdAt: T0 - 2 * H, until: T0 + 2 * H}, {createdAt: T0 - H, until: T0 + 3 * H},
    ])
    assert.equal(await times('1.2.3.0/24'), [{createdAt: T0 - 2 * H, until: T0 + 2 * H}])
    assert.equal(await times('bob'), [{createdAt: T0 - M, until: T0 + M}])
    assert.equal(await times('2001:DB8::1'), [{createdAt: T0 - 5 * M, until: T0 + 5 * M}])
    assert.equal(await times('9.9.9.9'), [])
    assert.equal(await times('nobody'), [])
  })

  // ---- retention (lapi.md §11)

  s('flush max_age: old alerts go with their decisions, never those with an active decision', async () => {
    const store = await fresh()
    await store.insertAlerts([
      alert('old-expired', {createdAt: T0 - 8 * D, decisions: [decision({value: '1.1.1.1', until: T0 - 7 * D})]}),
      alert('old-nodecision', {createdAt: T0 - 8 * D}),
      alert('old-active', {createdAt: T0 - 8 * D, decisions: [decision({value: '2.2.2.2', until: T0 + H}), decision({value: '2.2.2.3', until: T0 - D})]}),
      alert('old-simulated-active', {createdAt: T0 - 8 * D, simulated: true, decisions: [decision({value: '2.2.2.4', until: T0 + H, simulated: true})]}),
      alert('recent', {createdAt: T0 - H, decisions: [decision({value: '3.3.3.3', until: T0 - M})]}),
    ], T0 - 8 * D)
    assert.equal(await store.flush({}, T0), {alertsDeleted: 0, decisionsDeleted: 0}, 'no policy: nothing')
    const result = await store.flush({maxAge: 7 * D}, T0)
    assert.equal(result, {alertsDeleted: 2, decisionsDeleted: 1})
    assert.equal(sortedLabels(await store.queryAlerts({}, T0)), ['old-active', 'old-simulated-active', 'recent'])
    assert.equal(sortedValues(await store.allDecisions({includeSimulated: true})), ['2.2.2.2', '2.2.2.3', '2.2.2.4', '3.3.3.3'])
    // once its decision has expired, the alert goes
    assert.equal(await store.flush({maxAge: 7 * D}, T0 + 2 * H), {alertsDeleted: 2, decisionsDeleted: 3})
    assert.equal(labels(await store.queryAlerts({}, T0)), ['recent'])
  })

  s('flush max_items: keeps about the last N alerts, never those with an active decision', async () => {
    const store = await fresh()
    const ids = await store.insertAlerts([
      alert('1', {decisions: [decision({value: '1.1.1.1', until: T0 + H})]}),
      alert('2', {decisions: [decision({value: '2.2.2.2', until: T0 - H})]}),
      alert('3'),
      alert('4'),
      alert('5'),
      alert('6'),
    ], T0 - D)
    assert.equal(ids, [...ids].sort((a, b) => a - b))
    // deletes id < max_id - max_items
    const result = await store.flush({maxItems: 2}, T0)
    assert.equal(result, {alertsDeleted: 2, decisionsDeleted: 1})
    assert.equal(sortedLabels(await store.queryAlerts({}, T0)), ['1', '4', '5', '6'])
    assert.equal(values(await store.allDecisions({})), ['1.1.1.1'])
    assert.equal(await store.flush({maxItems: 2}, T0), {alertsDeleted: 0, decisionsDeleted: 0})
    assert.equal(await store.flush({maxItems: 100, maxAge: 30 * D}, T0 + 2 * H), {alertsDeleted: 0, decisionsDeleted: 0})
    assert.equal(await store.flush({maxItems: 2}, T0 + 2 * H), {alertsDeleted: 1, decisionsDeleted: 1})
  })

  // ---- hostile and unusual values

  s("SQL-looking values are plain strings", async () => {
    const store = await fresh()
    const evil = "' OR 1=1 --"
    const evil2 = '"; DROP TABLE decisions; --'
    await store.addMachine({machineId: evil, passwordHash: evil2}, T0)
    await store.addMachine({machineId: 'honest', passwordHash: 'h'}, T0)
    assert.is((await store.getMachine(evil))!.passwordHash, evil2)
    assert.is(await store.getMachine("' OR '1'='1"), undefined)
    assert.is(await store.updateMachine("x' OR 1=1 --", {isValidated: true}, T0), false)
    assert.is((await store.getMachine('honest'))!.isValidated, false)
    await store.addBouncer({name: evil2, apiKeyHash: evil}, T0)
    assert.equal((await store.bouncersByKeyHash(evil)).map((b) => b.name), [evil2])
    assert.equal(await store.bouncersByKeyHash("' OR 1=1; --"), [])

    await store.insertAlerts([
      alert(evil, {scenario: evil2, source: {...alert('').source, scope: evil, value: evil}, decisions: [decision({scope: 'username', value: evil, scenario: evil2, origin: evil, type: evil})]}),
      alert('normal', {decisions: [decision({value: '1.1.1.1'})]}),
    ], T0)
    assert.equal(labels(await store.queryAlerts({value: evil}, T0)), [evil])
    assert.equal(labels(await store.queryAlerts({scope: evil, scenario: evil2, kind: 'crowdsec'}, T0)), [evil])
    assert.equal(labels(await store.queryAlerts({value: "' OR '1'='1"}, T0)), [])
    assert.equal(values(await store.activeDecisions({value: evil}, T0)), [evil])
    assert.equal(values(await store.activeDecisions({type: evil, origins: [evil]}, T0)), [evil])
    assert.equal(values(await store.activeDecisions({scenariosContaining: ["' OR 1=1"]}, T0)), [])
    assert.equal(values(await store.activeDecisions({scenariosContaining: ['drop table']}, T0)), [evil])
    assert.equal(values(await store.activeDecisions({scenariosNotContaining: ["') OR 1=1 --"]}, T0)), [evil, '1.1.1.1'])
    assert.equal(values(await store.activeDecisions({uuids: ["' OR 1=1 --"]}, T0)), [])
    assert.equal(await store.decisionTimes("' OR 1=1 --").then((t) => t.length), 1)
    assert.is(await store.expireDecisions({value: "x' OR 1=1 --"}, T0), 0)
    assert.is(await store.deleteAlerts({value: "x' OR 1=1 --"}, T0), 0)
    // everything still there
    assert.is((await store.allDecisions({})).length, 2)
    assert.is((await store.listMachines()).length, 2)
  })

  s('unicode values round trip and are searchable', async () => {
    const store = await fresh()
    const scenario = 'crowdsecurity/ßsh-brute-☃-日本語'
    await store.addMachine({machineId: 'machine-é-😀', passwordHash: 'ünïcödé'}, T0)
    assert.is((await store.getMachine('machine-é-😀'))!.passwordHash, 'ünïcödé')
    const input = alert('message 💥 ünïcode', {
      scenario,
      source: {...alert('').source, scope: 'username', value: 'Zoë 🙂', asName: '中国电信', cn: 'CN'},
      events: [{timestamp: T0, meta: [{key: 'target_user', value: 'Zoë 🙂'}, {key: 'note', value: 'a\u0000b\t\n"quoted"\\ \u2028'}]}],
      meta: [{key: 'ключ', value: 'значение'}],
      decisions: [decision({scope: 'username', value: 'Zoë 🙂', scenario})],
    })
    await store.insertAlerts([input], T0)
    const [a] = await store.queryAlerts({value: 'Zoë 🙂'}, T0)
    assert.is(a!.scenario, scenario)
    assert.is(a!.message, 'message 💥 ünïcode')
    assert.equal(a!.source, input.source)
    assert.equal(a!.events, input.events)
    assert.equal(a!.meta, input.meta)
    assert.equal(values(await store.activeDecisions({value: 'Zoë 🙂'}, T0)), ['Zoë 🙂'])
    assert.equal(values(await store.activeDecisions({scenariosContaining: ['☃']}, T0)), ['Zoë 🙂'])
    assert.equal(values(await store.activeDecisions({scenariosContaining: ['日本語']}, T0)), ['Zoë 🙂'])
    assert.equal(values(await store.activeDecisions({scenariosContaining: ['ßsh']}, T0)), ['Zoë 🙂'])
    assert.equal(values(await store.activeDecisions({scenariosContaining: ['BRUTE-☃']}, T0)), ['Zoë 🙂'], 'ASCII letters fold next to non-ASCII ones')
    assert.equal(values(await store.activeDecisions({scenariosNotContaining: ['☃']}, T0)), [])
    // a non-ASCII capital matches itself (whether the engine folds it or not)
    await store.insertAlerts([alert('émeute', {decisions: [decision({scope: 'username', value: 'Élodie', scenario: 'custom/Émeute-ÀÉÎ'})]})], T0)
    assert.equal(values(await store.activeDecisions({scenariosContaining: ['Émeute']}, T0)), ['Élodie'])
    assert.equal(values(await store.activeDecisions({scenariosContaining: ['custom/Émeute-ÀÉÎ']}, T0)), ['Élodie'])
    assert.equal(values(await store.activeDecisions({scenariosContaining: ['CUSTOM/'], scenariosNotContaining: ['ÀÉÎ']}, T0)), [])
    assert.equal(values(await store.activeDecisions({value: 'Zoe 🙂'}, T0)), [])
    assert.equal((await store.decisionTimes('Zoë 🙂')).length, 1)
  })

  s('concurrent calls on one store all complete and see each other', async () => {
    const store = await fresh()
    const batches = Array.from({length: 8}, (_, i) => [alert(`a${i}`, {decisions: [decision({value: `10.0.0.${i}`})]})])
    const results = await Promise.all([
      ...batches.map((b) => store.insertAlerts(b, T0)),
      ...Array.from({length: 4}, (_, i) => store.addMachine({machineId: `m${i}`, passwordHash: 'h'}, T0)),
      store.activeDecisions({}, T0),
    ])
    const ids = results.slice(0, 8).map((r) => (r as number[])[0]!)
    assert.is(new Set(ids).size, 8)
    assert.is((await store.activeDecisions({}, T0)).length, 8)
    assert.is((await store.listMachines()).length, 4)
  })

  // ---- persistence

  s('reopening the database keeps everything (a restart keeps every decision)', async () => {
    const store = await fresh()
    await store.addMachine({machineId: 'm1', passwordHash: 'h', isValidated: true}, T0)
    const b = await store.addBouncer({name: 'fw', apiKeyHash: 'k'}, T0)
    await store.updateBouncer(b.id, {lastPull: T0 + M}, T0 + M)
    await seedDecisions(store)
    await store.expireDecisions({value: '1.2.3.4'}, T0)
    const before = {
      machines: await store.listMachines(),
      bouncers: await store.listBouncers(),
      alerts: await store.queryAlerts({}, T0),
      decisions: await store.allDecisions({includeSimulated: true}),
      active: await store.activeDecisions({}, T0 + S),
    }
    const location = store.location
    await close(store)
    const again = await fresh(location)
    assert.is(again.location, location)
    assert.is(await again.schemaVersion(), SCHEMA_VERSION)
    assert.equal(await again.listMachines(), before.machines)
    assert.equal(await again.listBouncers(), before.bouncers)
    assert.equal(await again.queryAlerts({}, T0), before.alerts)
    assert.equal(await again.allDecisions({includeSimulated: true}), before.decisions)
    assert.equal(await again.activeDecisions({}, T0 + S), before.active)
    assert.equal(values(await again.activeDecisions({ip: ip('4.4.4.4')}, T0)), ['4.4.4.0/24'], 'intervals survive too')
    // ids keep growing after the restart
    const [next] = await again.insertAlerts([alert('after restart')], T0)
    assert.ok(next! > Math.max(...before.alerts.map((a) => a.id)))
    await again.addMachine({machineId: 'm2', passwordHash: 'h'}, T0)
    await rejects(again.addMachine({machineId: 'm1', passwordHash: 'h'}, T0), 'exists', "user 'm1': user already exist")
  })

  // ---- agent state (crowd watch: positions and buckets, committed with the alerts they produced)

  s('agent state: absent, saved with alerts in one transaction, replaced, saved alone, deleted', async () => {
    const store = await fresh()
    assert.is(await store.agentState('watch'), undefined)
    const ids = await store.insertAlerts([alert('a1'), alert('a2')], T0, {name: 'watch', state: '{"v":1}'})
    assert.is(ids.length, 2)
    assert.equal(await store.agentState('watch'), {state: '{"v":1}', rows: []})
    // no alerts: the state alone, still transactional
    assert.equal(await store.insertAlerts([], T0 + S, {name: 'watch', state: '{"v":2}'}), [])
    assert.equal(await store.agentState('watch'), {state: '{"v":2}', rows: []})
    assert.is(await store.agentState('other'), undefined, 'states are per agent name')
    const big = 'x'.repeat(3 * 1024 * 1024)
    await store.setAgentState('other', {state: big}, T0)
    assert.is((await store.agentState('other'))?.state.length, big.length, 'megabytes of state fit')
    await store.setAgentState('other', null, T0)
    assert.is(await store.agentState('other'), undefined)
    assert.equal(await store.agentState('watch'), {state: '{"v":2}', rows: []})
  })

  s('agent state rows: a commit changes only the rows it names; full replaces them all; per agent; deleted with the state', async () => {
    const store = await fresh()
    const many = Array.from({length: 450}, (_, i): [string, string] => [`0.k${String(i).padStart(3, '0')}`, `{"n":${i}}`])
    await store.insertAlerts([alert('r1')], T0, {name: 'watch', state: 'h1', rows: {full: true, upserts: many, deletes: []}})
    assert.equal(await store.agentState('watch'), {state: 'h1', rows: many}, 'more rows than one statement holds')
    // some changed, some gone, one new; the others untouched
    const changed: [string, string][] = [['0.k001', '{"n":"one"}'], ['1.new', '{"n":"new"}']]
    const gone = many.slice(100, 350).map(([k]) => k)
    await store.insertAlerts([], T0 + S, {name: 'watch', state: 'h2', rows: {full: false, upserts: changed, deletes: gone}})
    const want = new Map(many)
    for (const k of gone) want.delete(k)
    for (const [k, v] of changed) want.set(k, v)
    const got = await store.agentState('watch')
    assert.is(got?.state, 'h2')
    assert.equal(got?.rows, [...want].sort(([a], [b]) => (a < b ? -1 : 1)))
    // another agent's rows are its own
    await store.setAgentState('other', {state: 'o', rows: {full: true, upserts: [['0.k001', 'mine']], deletes: []}}, T0)
    assert.is((await store.agentState('watch'))?.rows.find(([k]) => k === '0.k001')?.[1], '{"n":"one"}')
    // full: exactly these rows
    await store.setAgentState('watch', {state: 'h3', rows: {full: true, upserts: [['2.only', 'x']], deletes: []}}, T0)
    assert.equal(await store.agentState('watch'), {state: 'h3', rows: [['2.only', 'x']]})
    await store.setAgentState('watch', null, T0)
    assert.is(await store.agentState('watch'), undefined)
    await store.setAgentState('watch', {state: 'again'}, T0)
    assert.equal(await store.agentState('watch'), {state: 'again', rows: []}, 'deleting the state deleted its rows')
    assert.equal(await store.agentState('other'), {state: 'o', rows: [['0.k001', 'mine']]})
  })

  s('agent state: a failed alert insert stores neither the alerts nor the state nor its rows', async () => {
    const store = await fresh()
    await store.setAgentState('watch', {state: 'before', rows: {full: true, upserts: [['a', '1']], deletes: []}}, T0)
    const bad = alert('bad', {decisions: [decision({value: '192.0.2.9'})]})
    ;(bad.decisions[0] as {value: unknown}).value = null // NOT NULL column: the transaction fails
    let failed = false
    try {
      await store.insertAlerts([alert('good'), bad], T0, {name: 'watch', state: 'after', rows: {full: false, upserts: [['b', '2']], deletes: ['a']}})
    } catch {
      failed = true
    }
    assert.ok(failed)
    assert.equal(await store.agentState('watch'), {state: 'before', rows: [['a', '1']]})
    assert.is((await store.queryAlerts({}, T0)).filter((a) => a.message === 'good').length, 0)
  })

  // ---- notification queue (src/outputs/notifications: rows queued with their alerts, deleted once delivered)

  const note = (name: string, alertUuid: string, owner = 'lapi@h1'): {name: string; owner: string; alertUuid: string; alert: string} =>
    ({name, owner, alertUuid, alert: JSON.stringify({uuid: alertUuid, scenario: 's', 'text \u00e9\u2028': "'; DROP TABLE x; --"})})

  s('notifications: queued with alerts in their transaction; a repeated post queues nothing again', async () => {
    const store = await fresh()
    const a1 = alert('n1')
    const a2 = alert('n2')
    await store.insertAlerts([a1, a2], T0, undefined, [
      {...note('slack', a1.uuid), alertIndex: 0}, {...note('http', a1.uuid), alertIndex: 0}, {...note('slack', a2.uuid), alertIndex: 1},
    ])
    const rows = await store.notificationQueue({})
    assert.equal(rows.map((r) => [r.name, r.alertUuid, r.owner, r.attempts, r.nextAt, r.createdAt]), [
      ['slack', a1.uuid, 'lapi@h1', 0, 0, T0], ['http', a1.uuid, 'lapi@h1', 0, 0, T0], ['slack', a2.uuid, 'lapi@h1', 0, 0, T0],
    ])
    assert.equal(rows.map((r) => JSON.parse(r.alert)), [JSON.parse(note('slack', a1.uuid).alert), JSON.parse(note('http', a1.uuid).alert), JSON.parse(note('slack', a2.uuid).alert)],
      'the JSON comes back byte for byte (quotes, unicode, SQL-looking text)')
    assert.ok(rows[0]!.id < rows[1]!.id && rows[1]!.id < rows[2]!.id)
    // the same machine posts a1 again (a retry after a crash) with a new one: only the new one notifies
    const a3 = alert('n3')
    await store.insertAlerts([a1, a3], T0 + S, undefined, [{...note('slack', a1.uuid), alertIndex: 0}, {...note('slack', a3.uuid), alertIndex: 1}])
    assert.equal((await store.notificationQueue({name: 'slack'})).map((r) => r.alertUuid), [a1.uuid, a2.uuid, a3.uuid])
    assert.equal(await store.countNotifications(), [{owner: 'lapi@h1', name: 'http', count: 1}, {owner: 'lapi@h1', name: 'slack', count: 3}])
  })

  s('notifications: a failed alert insert queues nothing (same transaction)', async () => {
    const store = await fresh()
    const good = alert('good')
    const bad = alert('bad', {decisions: [decision({value: '192.0.2.9'})]})
    ;(bad.decisions[0] as {value: unknown}).value = null // NOT NULL column: the transaction fails
    let failed = false
    try {
      await store.insertAlerts([good, bad], T0, undefined, [{...note('slack', good.uuid), alertIndex: 0}, {...note('slack', bad.uuid), alertIndex: 1}])
    } catch {
      failed = true
    }
    assert.ok(failed)
    assert.equal(await store.notificationQueue({}), [])
    assert.equal(await store.countNotifications(), [])
  })

  s('notifications: queued alone (ids in order), read by owner, name, alert and limit, retried, deleted', async () => {
    const store = await fresh()
    const writes = Array.from({length: 230}, (_, i) => note(i % 2 === 0 ? 'slack' : 'http', `u${i}`, i < 200 ? 'me' : 'other'))
    const ids = await store.queueNotifications(writes, T0)
    assert.is(ids.length, 230, 'more rows than one statement holds')
    const byId = new Map((await store.notificationQueue({})).map((r) => [r.id, r]))
    ids.forEach((id, i) => assert.is(byId.get(id)?.alertUuid, `u${i}`, 'each id is its row'))
    assert.equal(await store.queueNotifications([], T0), [])

    const mineSlack = await store.notificationQueue({owner: 'me', name: 'slack', limit: 3})
    assert.equal(mineSlack.map((r) => r.alertUuid), ['u0', 'u2', 'u4'])
    assert.equal((await store.notificationQueue({owner: 'other'})).length, 30)
    assert.equal((await store.notificationQueue({name: 'http', limit: 2})).map((r) => r.alertUuid), ['u1', 'u3'])

    await store.retryNotifications(mineSlack.map((r) => r.id), 3, T0 + 8 * S)
    assert.equal((await store.notificationQueue({owner: 'me', name: 'slack', limit: 4})).map((r) => [r.attempts, r.nextAt]), [[3, T0 + 8 * S], [3, T0 + 8 * S], [3, T0 + 8 * S], [0, 0]])
    assert.is(await store.deleteNotifications(ids.slice(0, 150)), 150, 'more ids than one IN list')
    assert.is(await store.deleteNotifications(ids.slice(0, 150)), 0)
    assert.is(await store.deleteNotifications([]), 0)
    assert.equal(await store.countNotifications('me'), [{owner: 'me', name: 'http', count: 25}, {owner: 'me', name: 'slack', count: 25}])
  })

  s('notifications: leases: a live owner keeps its rows; an expired or released one loses them, per name', async () => {
    const store = await fresh()
    assert.equal(await store.leaseNotifications('watch', [], T0, T0 + M), [])
    await store.queueNotifications([note('slack', 'a', 'lapi'), note('slack', 'b', 'watch'), note('http', 'c', 'watch'), note('slack', 'd', 'never-leased')], T0)
    assert.equal(await store.leaseNotifications('lapi', ['slack'], T0, T0 + M), [{owner: 'lapi', name: 'slack', count: 1}], 'a row whose owner never held a lease is free')
    assert.equal(await store.leaseNotifications('watch', ['slack', 'http'], T0, T0 + M), [], 'lapi holds a live lease on its rows')
    assert.equal((await store.notificationQueue({owner: 'lapi'})).map((r) => r.alertUuid), ['a', 'd'])
    // watch stops renewing: its lease runs out, lapi takes its slack rows, not the http ones it does not serve
    assert.equal(await store.leaseNotifications('lapi', ['slack'], T0 + 2 * M, T0 + 3 * M), [{owner: 'lapi', name: 'slack', count: 1}])
    assert.equal((await store.notificationQueue({owner: 'watch'})).map((r) => r.alertUuid), ['c'])
    // renewing before the end keeps them; releasing frees them at once
    assert.equal(await store.leaseNotifications('watch', ['http'], T0 + 2 * M, T0 + 4 * M), [], 'its own rows')
    assert.equal(await store.leaseNotifications('other', ['http'], T0 + 3 * M, T0 + 5 * M), [])
    await store.releaseNotifications('watch')
    assert.equal(await store.leaseNotifications('other', ['http'], T0 + 3 * M, T0 + 5 * M), [{owner: 'other', name: 'http', count: 1}])
    assert.equal(await store.countNotifications(), [{owner: 'lapi', name: 'slack', count: 3}, {owner: 'other', name: 'http', count: 1}])
  })

  s("a closed store rejects calls ('unavailable'); closing twice is harmless", async () => {
    const store = await fresh()
    await close(store)
    await store.close()
    await rejects(store.listMachines(), 'unavailable')
    await rejects(store.insertAlerts([alert('late')], T0), 'unavailable')
  })

  s.run()
}
