/**
 * Detector snapshots (src/detect/snapshot.ts): a stream cut into pieces, each piece poured into
 * a new detector restored from the JSON text of the previous one's snapshot, gives exactly the
 * overflows of one detector over the whole stream, in the same order; a changed scenario set
 * drops what no longer fits and counts it; a malformed snapshot is refused whole.
 */
import {test} from 'uvu'
import * as assert from 'uvu/assert'
import {compileAlertContext, createDetector, loadScenarios, type CompiledScenario, type Detector, type DetectorOptions,
  type DetectorSnapshot, type SnapshotChanges, type SnapshotHeader, type SnapshotRows} from '../../src/detect/index.js'
import {formatRfc3339Nano} from '../../src/model/go-time-layout.js'
import type {Instant} from '../../src/detect/time.js'
import type {RuntimeAlert} from '../../src/model/alert.js'
import {CrowdError} from '../../src/model/errors.js'
import {cloneEvent, Event, ExpectMode} from '../../src/model/event.js'
import {GoTime} from '../../src/model/go-time.js'
import {newAnyMap, newStringMap} from '../../src/model/go-values.js'
import {genlogsNginxEvents, loadHubDetectContent} from '../helpers/hub-content.js'
import {loadInline} from '../helpers/scenarios.js'

/** Wall clock of the live buckets (reprocessed overflows, live events): fixed, so runs compare. */
const FIXED: Instant = {sec: 1_800_000_000, nsec: 0, offset: 0}

const doc = (fields: Record<string, unknown>): string => JSON.stringify({description: 'd', ...fields}) + '\n'

/** One scenario of each type and processor: limiter, distinct, blackhole, cancel_on, condition, counter, bayesian, reprocess. */
const MIXED = [
  doc({type: 'leaky', name: 't/leaky', filter: "evt.Meta.log_type == 'ssh_failed'", groupby: 'evt.Meta.source_ip', capacity: 3, leakspeed: '10s',
    blackhole: '2m'}),
  doc({type: 'leaky', name: 't/distinct', filter: "evt.Meta.log_type == 'http'", groupby: 'evt.Meta.source_ip',
    distinct: 'evt.Meta.http_path', capacity: 2, leakspeed: '1m'}),
  doc({type: 'conditional', name: 't/cancel', filter: "evt.Meta.log_type in ['ssh_failed', 'ssh_ok']", groupby: 'evt.Meta.source_ip',
    cancel_on: "evt.Meta.log_type == 'ssh_ok'", condition: 'len(queue.Queue) >= 6', capacity: -1, leakspeed: '20m'}),
  doc({type: 'conditional', name: 't/verbs', filter: "evt.Meta.log_type == 'http'", groupby: 'evt.Meta.source_ip', capacity: 3, leakspeed: '10m',
    condition: "len(filter(queue.Queue, {#.Parsed.verb == 'POST' && #.Unmarshaled.req.size > 100})) >= 3"}),
  doc({type: 'counter', name: 't/counter', filter: "evt.Meta.log_type == 'http'", groupby: 'evt.Meta.source_ip', capacity: -1, duration: '5m'}),
  doc({type: 'bayesian', name: 't/bayes', filter: "evt.Meta.log_type == 'http'", groupby: 'evt.Meta.source_ip', capacity: -1, leakspeed: '15m',
    bayesian_prior: 0.5, bayesian_threshold: 0.8, bayesian_conditions: [
      {condition: "any(queue.Queue, {.Meta.http_path == '/admin'})", prob_given_evil: 0.8, prob_given_benign: 0.2},
      {condition: "evt.Meta.http_status == '403'", prob_given_evil: 0.9, prob_given_benign: 0.5, guillotine: true}]}),
  doc({type: 'trigger', name: 't/probe', filter: "evt.Meta.log_type == 'probe'", groupby: 'evt.Meta.source_ip', reprocess: true, blackhole: '3m',
    labels: {remediation: true}}),
  doc({type: 'leaky', name: 't/range', filter: "evt.GetType() == 'overflow' && evt.Overflow.Alert.Remediation == true",
    groupby: 'evt.Overflow.Alert.Source.Range', distinct: 'evt.Overflow.Alert.Source.IP', capacity: 2, leakspeed: '1m', scope: {type: 'Range'},
    overflow_filter: "all(queue.Queue, {.Overflow.Alert.Source.Range != '' && .GetMeta('source_ip') != ''})"}),
].join('---\n')

const CONTEXT = compileAlertContext({path: ['evt.Meta.http_path'], verb: ['evt.Parsed.verb']})

/** A small deterministic generator (LCG), so every run sees the same stream. */
function random(seed: number): (n: number) => number {
  let s = seed >>> 0
  return (n) => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0
    return Math.floor((s / 2 ** 32) * n) // the high bits: the low ones of an LCG repeat with a short period
  }
}

const IPS = ['10.1.2.1', '10.1.2.2', '10.1.3.3', '10.1.4.4', '192.0.2.5', '192.0.2.6', '198.51.100.7']
const TYPES = ['ssh_failed', 'ssh_failed', 'ssh_ok', 'http', 'http', 'http', 'probe']
const PATHS = ['/', '/admin', '/login', '/a', '/b', '/c']

/**
 * Events over hours: sessions of one source and kind (bursts, same second and sub-second
 * steps), pauses past every lifetime, two time zones, a few live events, some without a usable
 * time, some not to process.
 */
function stream(n: number, seed: number): Event[] {
  const rnd = random(seed)
  let sec = Date.UTC(2026, 0, 1, 8) / 1000
  let ip = IPS[0]!
  let type = TYPES[0]!
  let session = 0
  const out: Event[] = []
  for (let i = 0; i < n; i++) {
    if (session-- <= 0) {
      session = rnd(8)
      ip = IPS[rnd(IPS.length)]!
      type = TYPES[rnd(TYPES.length)]!
      const pause = rnd(10)
      sec += pause < 6 ? rnd(60) : pause < 9 ? 60 + rnd(600) : 1200 + rnd(2400)
    } else {
      sec += rnd(4)
    }
    const e = new Event()
    e.Process = rnd(50) !== 0
    // now and then a line that comes late (older than the latest one seen)
    const late = rnd(15) === 0 ? 60 + rnd(900) : 0
    const t: Instant = {sec: sec - late, nsec: rnd(4) * 250_000_000, offset: rnd(3) === 0 ? 7200 : 0}
    e.ExpectMode = rnd(30) === 0 ? ExpectMode.live : ExpectMode.timeMachine
    e.MarshaledTime = rnd(60) === 0 ? '' : formatRfc3339Nano(t)
    e.Time = new GoTime(t.sec, t.nsec)
    e.Meta = Object.assign(newStringMap(), {log_type: type, source_ip: ip, http_path: PATHS[rnd(PATHS.length)]!,
      http_status: rnd(4) === 0 ? '403' : '200', SourceRange: ip.startsWith('10.1.') ? '10.1.0.0/16' : '192.0.2.0/24'})
    e.Enriched = Object.assign(newStringMap(), {IsoCode: rnd(2) === 0 ? 'FR' : 'DE', ASNumber: String(64500 + rnd(3)), ASNOrg: 'example'})
    e.Parsed = Object.assign(newStringMap(), {verb: rnd(3) === 0 ? 'GET' : 'POST', request: `/r/${i}`})
    const req = newAnyMap()
    req.size = rnd(300)
    req.tags = ['a', String(i)]
    e.Unmarshaled = Object.assign(newAnyMap(), {req})
    out.push(e)
  }
  return out
}

/** An overflow as the caller sees it, without the bucket uuid (a process-wide serial). */
function summary(e: Event): string {
  const ra = e.Overflow as unknown as RuntimeAlert
  return JSON.stringify({time: e.MarshaledTime, key: ra.Mapkey, whitelisted: ra.Whitelisted, reprocess: ra.Reprocess, sources: ra.Sources,
    alert: ra.Alert, apiAlerts: ra.APIAlerts})
}

/** A snapshot's text without the uuid serials (they differ between runs of one process by design). */
function comparable(s: DetectorSnapshot): string {
  return JSON.stringify(s, (k, v: unknown) => (k === 'serial' || k === 'BucketId' ? 0 : v))
}

function options(extra: DetectorOptions = {}): DetectorOptions {
  return {mode: 'replay', clock: {now: () => FIXED}, context: CONTEXT, ...extra}
}

/**
 * One detector over the whole stream: its overflows and its final snapshot. Every run pours
 * copies: filters may write into an event (SetMeta), and a later run must not see those writes.
 */
function whole(scenarios: readonly CompiledScenario[], events: readonly Event[], opts = options()) {
  const d = createDetector(scenarios, opts)
  for (const e of events) d.pour(cloneEvent(e))
  return {alerts: d.takeOverflows().map(summary), end: comparable(d.snapshot())}
}

/** The stream cut before each of `cuts`: every piece in a new detector restored from the JSON text of the previous snapshot. */
function pieces(scenarios: readonly CompiledScenario[], events: readonly Event[], cuts: readonly number[], opts = options()) {
  const bounds = [0, ...cuts, events.length]
  const alerts: string[] = []
  let d: Detector | undefined
  for (let i = 0; i + 1 < bounds.length; i++) {
    const next = createDetector(scenarios, opts)
    if (d !== undefined) {
      const report = next.restore(JSON.parse(JSON.stringify(d.snapshot())))
      assert.is(report.dropped, 0, `piece ${i}: ${JSON.stringify(report)}`)
    }
    d = next
    for (const e of events.slice(bounds[i], bounds[i + 1])) d.pour(cloneEvent(e))
    alerts.push(...d.takeOverflows().map(summary))
  }
  return {alerts, end: comparable(d!.snapshot())}
}

/** Equal lists of overflow summaries; on a difference, the first one only (whole alerts are long). */
function sameAlerts(got: readonly string[], want: readonly string[], what = ''): void {
  const at = got.findIndex((g, i) => g !== want[i])
  if (at < 0 && got.length === want.length) return
  const i = at < 0 ? Math.min(got.length, want.length) : at
  assert.fixture(got[i] ?? '(none)', want[i] ?? '(none)', `${what}: overflow ${i} of ${want.length} (got ${got.length})`)
}

/** Equal long texts; on a difference, the part around the first one (uvu's diff of whole texts is quadratic). */
function sameText(got: string, want: string, what = ''): void {
  if (got === want) return
  let i = 0
  while (i < got.length && got[i] === want[i]) i++
  assert.fixture(got.slice(Math.max(0, i - 200), i + 200), want.slice(Math.max(0, i - 200), i + 200), `${what}: differs at ${i}`)
}

const evenCuts = (n: number, k: number): number[] => Array.from({length: k - 1}, (_, i) => Math.round((n * (i + 1)) / k))

/** The scenarios that overflowed, by name, from summaries. */
const names = (alerts: readonly string[]): Set<string> => new Set(alerts.map((a) => (JSON.parse(a) as {alert: {scenario: string}}).alert.scenario))

test('K pieces give the overflows of one run (every scenario type, K = 2, 3, 7, cuts anywhere)', () => {
  const scenarios = loadInline(MIXED)
  const events = stream(600, 7)
  const one = whole(scenarios, events)
  // the stream exercises every scenario
  assert.equal([...names(one.alerts)].sort(), ['t/bayes', 't/cancel', 't/counter', 't/distinct', 't/leaky', 't/probe', 't/range', 't/verbs'])
  for (const k of [2, 3, 7]) {
    const cut = pieces(scenarios, events, evenCuts(events.length, k))
    sameAlerts(cut.alerts, one.alerts, `K = ${k}`)
    sameText(cut.end, one.end, `K = ${k}: state at the end`)
  }
  const rnd = random(99)
  const uneven = [...new Set(Array.from({length: 12}, () => 1 + rnd(events.length - 1)))].sort((a, b) => a - b)
  sameAlerts(pieces(scenarios, events, uneven).alerts, one.alerts, `cuts ${uneven.join(',')}`)
})

test('a cut at every event gives the overflows of one run', () => {
  const scenarios = loadInline(MIXED)
  const events = stream(150, 3)
  const one = whole(scenarios, events)
  assert.ok(one.alerts.length >= 10, `only ${one.alerts.length} overflows`)
  const cut = pieces(scenarios, events, Array.from({length: events.length - 1}, (_, i) => i + 1))
  sameAlerts(cut.alerts, one.alerts)
  sameText(cut.end, one.end)
})

test('mid-life cuts: tokens, distinct values, guillotines, cancel and blackholes carry over', () => {
  const scenarios = loadInline(MIXED)
  const at = (s: number, meta: Record<string, string>): Event => {
    const e = new Event()
    e.Process = true
    e.ExpectMode = ExpectMode.timeMachine
    e.MarshaledTime = formatRfc3339Nano({sec: Date.UTC(2026, 0, 1, 8) / 1000 + s, nsec: 0, offset: 0})
    e.Meta = Object.assign(newStringMap(), {source_ip: '192.0.2.9', http_status: '200', ...meta})
    return e
  }
  const ssh = (s: number) => at(s, {log_type: 'ssh_failed'})
  const http = (s: number, p: string, status = '200') => at(s, {log_type: 'http', http_path: p, http_status: status})
  const events = [
    // leaky: 4 quick failures overflow (tokens), then a blackholed second burst, then one after the blackhole
    ssh(0), ssh(1), ssh(2), ssh(3), ssh(30), ssh(31), ssh(32), ssh(33), ssh(200), ssh(201), ssh(202), ssh(203),
    // distinct: the same path twice does not count; bayesian: a 403 sets the guillotine, /admin later overflows
    http(300, '/a', '403'), http(301, '/a'), http(302, '/b'), http(303, '/admin'),
    // counter: its deadline (5m after the first http) passes between two pieces; the next pour fires it
    http(1000, '/c'),
  ]
  const one = whole(scenarios, events)
  assert.equal([...names(one.alerts)].sort(), ['t/bayes', 't/cancel', 't/counter', 't/distinct', 't/leaky'])
  for (let c = 1; c < events.length; c++) sameAlerts(pieces(scenarios, events, [c]).alerts, one.alerts, `cut before event ${c}`)
})

test('the replay clock carries over: a late line after the cut sees expiries on the latest time seen', () => {
  const scenarios = loadInline(doc({type: 'counter', name: 't/count', filter: "evt.Meta.log_type == 'x'", groupby: 'evt.Meta.source_ip',
    capacity: -1, duration: '1m'}))
  const line = (time: string, ip: string, type = 'x'): Event => {
    const e = new Event()
    e.Process = true
    e.ExpectMode = ExpectMode.timeMachine
    e.MarshaledTime = time
    e.Meta = Object.assign(newStringMap(), {log_type: type, source_ip: ip})
    return e
  }
  // a full store (maxBuckets 1) collects expired instances on the event clock before it evicts:
  // at 10:05 the counter of .1 is past its deadline and fires; on the late line's own time it would be evicted
  const events = [line('2026-01-01T10:00:00Z', '192.0.2.1'), line('2026-01-01T10:05:00Z', '192.0.2.9', 'other'),
    line('2026-01-01T10:00:30Z', '192.0.2.2')]
  const opts = options({maxBuckets: 1, context: undefined})
  const one = whole(scenarios, events, opts)
  assert.is(one.alerts.length, 1)
  sameAlerts(pieces(scenarios, events, [2], opts).alerts, one.alerts)
})

test('sweeps happen at the same pour across cuts (counters fired by the sweep, in the same order)', () => {
  const scenarios = loadInline([
    doc({type: 'counter', name: 't/count', filter: 'true', groupby: 'evt.Meta.source_ip', capacity: -1, duration: '30s'}),
    doc({type: 'leaky', name: 't/leak', filter: 'true', groupby: 'evt.Meta.source_ip', capacity: 5, leakspeed: '1s'}),
  ].join('---\n'))
  const rnd = random(5)
  const events: Event[] = []
  let sec = Date.UTC(2026, 0, 1) / 1000
  for (let i = 0; i < 11_000; i++) {
    sec += rnd(3)
    const e = new Event()
    e.Process = true
    e.ExpectMode = ExpectMode.timeMachine
    e.MarshaledTime = formatRfc3339Nano({sec, nsec: 0, offset: 0})
    e.Meta = Object.assign(newStringMap(), {source_ip: `203.0.113.${rnd(250)}`})
    events.push(e)
  }
  const opts = options({context: undefined})
  const one = whole(scenarios, events, opts)
  assert.ok(one.alerts.length > 100)
  for (const k of [2, 3, 7]) sameAlerts(pieces(scenarios, events, evenCuts(events.length, k), opts).alerts, one.alerts, `K = ${k}`)
})

test('maxBuckets: eviction takes the same oldest instance across cuts', () => {
  const scenarios = loadInline(MIXED)
  const events = stream(400, 11)
  const opts = options({maxBuckets: 3})
  const one = whole(scenarios, events, opts)
  sameAlerts(pieces(scenarios, events, evenCuts(events.length, 5), opts).alerts, one.alerts)
})

test('hub scenarios on nginx lines: 3 pieces give the overflows of one run', () => {
  const content = loadHubDetectContent(['crowdsecurity/linux', 'crowdsecurity/nginx', 'crowdsecurity/base-http-scenarios'])
  const {helpers, dataDir, hubIndex} = content.scenarioOptions
  const loaded = loadScenarios(content.scenarioFiles, {helpers, dataDir, hubIndex})
  assert.equal(loaded.errors, [])
  const events = genlogsNginxEvents(content, {lines: 4000, seed: 9, hours: 3, attackRatio: 0.3})
  const opts: DetectorOptions = {mode: 'replay', clock: {now: () => FIXED}}
  const one = whole(loaded.scenarios, events, opts)
  assert.ok(one.alerts.length > 5, `only ${one.alerts.length} alerts`)
  const cut = pieces(loaded.scenarios, events, evenCuts(events.length, 3), opts)
  sameAlerts(cut.alerts, one.alerts)
  sameText(cut.end, one.end)
})

test('a changed scenario set: buckets of removed and changed scenarios are dropped and counted, the others go on', () => {
  const a = doc({type: 'leaky', name: 't/a', filter: "evt.Meta.log_type == 'ssh_failed'", groupby: 'evt.Meta.source_ip', capacity: 3,
    leakspeed: '10s', blackhole: '2m'})
  const b = (capacity: number) => doc({type: 'leaky', name: 't/b', filter: "evt.Meta.log_type == 'http'", groupby: 'evt.Meta.source_ip',
    capacity, leakspeed: '1m', blackhole: '5m'})
  const c = doc({type: 'conditional', name: 't/c', filter: "evt.Meta.log_type == 'ssh_ok'", groupby: 'evt.Meta.source_ip', capacity: -1,
    leakspeed: '1h', condition: 'false'})
  const before = loadInline([a, b(2), c].join('---\n'))
  const after = loadInline([b(4), a, doc({type: 'trigger', name: 't/new', filter: "evt.Meta.log_type == 'probe'"})].join('---\n'))
  const events = stream(300, 21)
  const half = 150
  const first = createDetector(before, options())
  for (const e of events.slice(0, half)) first.pour(cloneEvent(e))
  first.takeOverflows()
  const snap = JSON.parse(JSON.stringify(first.snapshot())) as DetectorSnapshot
  const count = (name: string) => snap.stores.find((s) => s.name === name)!.buckets.length
  assert.ok(count('t/a') > 0 && count('t/b') > 0 && count('t/c') > 0, 'every scenario has live buckets at the cut')
  const blackholes = (name: string) => snap.stores.find((s) => s.name === name)!.blackholes.length
  assert.ok(blackholes('t/a') > 0 && blackholes('t/b') > 0, 'both blackhole lists are in use at the cut')

  const second = createDetector(after, options())
  const report = second.restore(snap)
  assert.equal(report, {restored: count('t/a'), dropped: count('t/b') + count('t/c'),
    reasons: {removed: count('t/c'), changed: count('t/b'), overLimit: 0, unsaved: 0},
    droppedByScenario: Object.assign(Object.create(null) as object, {'t/b': count('t/b'), 't/c': count('t/c')}),
    blackholes: {restored: blackholes('t/a'), dropped: blackholes('t/b')}})
  assert.is(second.metrics.scenarios['t/a']!.current, count('t/a'))
  assert.is(second.metrics.scenarios['t/b']!.current, 0)
  assert.is(second.liveState().buckets, count('t/a'))

  // the unchanged scenario goes on as if never cut
  for (const e of events.slice(half)) second.pour(cloneEvent(e))
  // scenario_hash is the file's sha256: the file changed
  const only = (alerts: readonly string[], name: string) => alerts.filter((s) => (JSON.parse(s) as {alert: {scenario: string}}).alert.scenario === name)
    .map((s) => s.replace(/"scenario_hash":"[0-9a-f]*"/g, ''))
  const uncut = whole(before, events)
  const firstHalf = whole(before, events.slice(0, half))
  const got = second.takeOverflows().map(summary)
  assert.ok(only(got, 't/a').length > 0)
  sameAlerts(only(got, 't/a'), only(uncut.alerts, 't/a').slice(only(firstHalf.alerts, 't/a').length))
})

test('a changed filter counts as changed, a store over maxBuckets keeps its newest instances', () => {
  const scenario = (filter: string) => loadInline(doc({type: 'leaky', name: 't/x', filter, groupby: 'evt.Meta.source_ip', capacity: 5, leakspeed: '1h'}))
  const d = createDetector(scenario('true'), options())
  const events = stream(100, 4)
  for (const e of events) d.pour(cloneEvent(e))
  const snap = JSON.parse(JSON.stringify(d.snapshot())) as DetectorSnapshot
  const n = snap.stores[0]!.buckets.length
  assert.ok(n >= 4)
  const changed = createDetector(scenario("evt.Meta.log_type != ''"), options()).restore(snap)
  assert.equal([changed.restored, changed.reasons.changed, changed.reasons.removed], [0, n, 0])

  const small = createDetector(scenario('true'), options({maxBuckets: 2}))
  const report = small.restore(snap)
  assert.equal([report.restored, report.reasons.overLimit], [2, n - 2])
  const kept = JSON.parse(JSON.stringify(small.snapshot())) as DetectorSnapshot
  assert.equal(kept.stores[0]!.buckets.map((b) => b.key), snap.stores[0]!.buckets.slice(-2).map((b) => b.key))
})

/** A snapshot with buckets of every kind (tokens, guillotines, distinct, queued overflows). */
function richSnapshot(): {scenarios: CompiledScenario[]; snap: DetectorSnapshot} {
  const scenarios = loadInline(MIXED)
  const d = createDetector(scenarios, options())
  for (const e of stream(120, 3)) d.pour(cloneEvent(e))
  const snap = JSON.parse(JSON.stringify(d.snapshot())) as DetectorSnapshot
  const kinds = snap.stores.flatMap((s) => s.buckets)
  assert.ok(kinds.some((b) => b.tokens !== null) && kinds.some((b) => b.guillotines !== null) && kinds.some((b) => b.distinct !== null))
  assert.ok(snap.events.some((e) => !Array.isArray(e)), 'an overflow event is queued')
  return {scenarios, snap}
}

/** Parsed JSON the corruptions poke at (any: each case reaches into a different corner). */
type Json = any

/** Each case: a name and a change to a copy of a good snapshot (any value: it is parsed JSON). */
const CORRUPTIONS: [string, (s: Json) => unknown][] = [
  ['not an object', () => 'snapshot'],
  ['null', () => null],
  ['a list', () => []],
  ['another version', (s) => ({...s, version: 2})],
  ['no version', (s) => ({...s, version: undefined})],
  ['no stores', (s) => ({...s, stores: undefined})],
  ['clock not an instant', (s) => ({...s, clock: 'yesterday'})],
  ['clock nanoseconds out of range', (s) => ({...s, clock: [1, 1e9, 0]})],
  ['negative pour count', (s) => ({...s, poursSinceSweep: -1})],
  ['store without buckets', (s) => { delete s.stores[0].buckets; return s }],
  ['bucket count as text', (s) => { s.stores[0].buckets[0].totalCount = '3'; return s }],
  ['bucket without key', (s) => { delete s.stores[0].buckets[0].key; return s }],
  ['bucket mode 2', (s) => { s.stores[0].buckets[0].mode = 2; return s }],
  ['queue index past the events', (s) => { s.stores[0].buckets[0].queue.push(s.events.length); return s }],
  ['unknown creator', (s) => { s.stores[0].buckets[0].scenario = 99; return s }],
  ['two buckets with one key', (s) => { s.stores[0].buckets.push(s.stores[0].buckets[0]); return s }],
  ['tokens on a bucket without token limiter', (s) => { bucketWith(s, (b) => b.tokens === null).tokens = [1, null]; return s }],
  ['no tokens on a leaky bucket', (s) => { bucketWith(s, (b) => b.tokens !== null).tokens = null; return s }],
  ['guillotines of the wrong length', (s) => { bucketWith(s, (b) => b.guillotines !== null).guillotines = [true]; return s }],
  ['a distinct value not a string', (s) => { bucketWith(s, (b) => b.distinct !== null).distinct.push(1); return s }],
  ['wire event cut short', (s) => { logEvent(s).pop(); return s }],
  ['wire event with a value too many', (s) => { logEvent(s).push('x'); return s }],
  ['wire event header of the wrong type', (s) => { logEvent(s)[11] = 5; return s }],
  ['wire map shape unknown', (s) => { s.events.findLast((e: unknown) => Array.isArray(e))[20] = 999; return s }],
  ['wire time zone unknown', (s) => { logEvent(s)[16] = [2, 'Nowhere/Atlantis']; return s }],
  ['overflow event without alerts', (s) => { delete overflowEvent(s).overflow.APIAlerts; return s }],
  ['overflow source too short', (s) => { overflowEvent(s).overflow.Sources[0][1].pop(); return s }],
  ['overflow alert naming a missing source', (s) => { overflowEvent(s).overflow.APIAlerts[0].Source = 7; return s }],
  ['blackhole not a pair', (s) => { storeWith(s, (st) => st.blackholes.length > 0).blackholes[0] = ['1.2.3.4']; return s }],
  ['second store malformed, first good', (s) => { s.stores[s.stores.length - 1].buckets = 'none'; return s }],
  ['a store twice', (s) => ({...s, stores: [...s.stores, s.stores[0]]})],
]

function bucketWith(s: Json, pick: (b: Json) => boolean): Json {
  for (const st of s.stores) for (const b of st.buckets) if (pick(b)) return b
  throw new Error('no such bucket in the snapshot')
}

function storeWith(s: Json, pick: (st: Json) => boolean): Json {
  const st = s.stores.find(pick)
  if (st === undefined) throw new Error('no such store in the snapshot')
  return st
}

function overflowEvent(s: Json): Json {
  return s.events.find((e: unknown) => !Array.isArray(e))
}

function logEvent(s: Json): Json {
  return s.events.find((e: unknown) => Array.isArray(e))
}

test('a malformed snapshot throws CrowdError (state) and leaves the detector as it was', () => {
  const {scenarios, snap} = richSnapshot()
  const events = stream(200, 8)
  const fresh = whole(scenarios, events)
  for (const [name, corrupt] of CORRUPTIONS) {
    const bad = corrupt(JSON.parse(JSON.stringify(snap)) as Json)
    const d = createDetector(scenarios, options())
    try {
      d.restore(bad)
      assert.unreachable(`${name}: restored`)
    } catch (e) {
      assert.instance(e, CrowdError, `${name}: ${(e as Error).stack}`)
      assert.is((e as CrowdError).code, 'state', name)
      assert.match((e as Error).message, /^malformed detector snapshot: /, name)
    }
    assert.equal(d.liveState(), {buckets: 0, events: 0}, name)
    assert.ok(Object.values(d.metrics.scenarios).every((m) => m.current === 0), name)
    // still a fresh detector: the same stream gives what a never-restored one gives
    for (const e of events) d.pour(cloneEvent(e))
    sameAlerts(d.takeOverflows().map(summary), fresh.alerts, name)
    sameText(comparable(d.snapshot()), fresh.end, name)
  }
})

test('restore refuses a detector that has poured', () => {
  const {scenarios, snap} = richSnapshot()
  const d = createDetector(scenarios, options())
  d.pour(stream(1, 1)[0]!)
  try {
    d.restore(snap)
    assert.unreachable('restored')
  } catch (e) {
    assert.instance(e, CrowdError)
    assert.is((e as CrowdError).code, 'internal')
  }
})

test('a snapshot is JSON-safe and restores to the same snapshot', () => {
  const {scenarios, snap} = richSnapshot()
  assert.equal(JSON.parse(JSON.stringify(snap)), snap)
  const d = createDetector(scenarios, options())
  d.restore(snap)
  sameText(JSON.stringify(d.snapshot()), JSON.stringify(snap))
})

test('a restored bucket keeps its uuid; later buckets never reuse one', () => {
  const scenarios = loadInline(doc({type: 'leaky', name: 't/u', filter: 'true', groupby: 'evt.Meta.source_ip', capacity: 1, leakspeed: '1h'}))
  const [a1, a2, b1, b2] = ['1', '1', '2', '2'].map((n) => {
    const e = new Event()
    e.Process = true
    e.ExpectMode = ExpectMode.timeMachine
    e.MarshaledTime = '2026-01-01T10:00:00Z'
    e.Meta = Object.assign(newStringMap(), {source_ip: `192.0.2.${n}`})
    return e
  })
  const first = createDetector(scenarios, options())
  first.pour(a1!)
  const snap = JSON.parse(JSON.stringify(first.snapshot())) as DetectorSnapshot
  // as in a new process: the serial counter is far below the saved one
  snap.stores[0]!.buckets[0]!.serial += 1_000_000
  const saved = snap.stores[0]!.buckets[0]!.serial
  const second = createDetector(scenarios, options())
  second.restore(snap)
  second.pour(a2!)
  second.pour(b1!)
  second.pour(b2!)
  const ids = second.takeOverflows().map((e) => (e.Overflow as unknown as RuntimeAlert).BucketId)
  assert.is(ids[0], `bucket-${saved}`)
  assert.ok(Number(ids[1]!.slice('bucket-'.length)) > saved, ids[1])
})

test('memory: a snapshot of N buckets is O(N), an event shared by several queues is kept once', () => {
  const scenarios = loadInline([
    doc({type: 'leaky', name: 't/one', filter: 'true', groupby: 'evt.Meta.source_ip', capacity: 5, leakspeed: '1h'}),
    doc({type: 'leaky', name: 't/two', filter: 'true', groupby: 'evt.Meta.source_ip', capacity: 5, leakspeed: '1h'}),
  ].join('---\n'))
  const size = (n: number): {text: number; snap: DetectorSnapshot} => {
    const d = createDetector(scenarios, options({context: undefined}))
    for (let i = 0; i < n; i++) {
      const e = new Event()
      e.Process = true
      e.ExpectMode = ExpectMode.timeMachine
      e.MarshaledTime = formatRfc3339Nano({sec: 1_767_261_600 + i, nsec: 0, offset: 0})
      e.Meta = Object.assign(newStringMap(), {source_ip: `10.${i >> 16}.${(i >> 8) & 255}.${i & 255}`, log_type: 'x'})
      d.pour(e)
    }
    const snap = d.snapshot()
    return {text: JSON.stringify(snap).length, snap}
  }
  const small = size(500)
  const big = size(5000)
  assert.is(big.snap.events.length, 5000)
  assert.is(big.snap.stores.reduce((n, s) => n + s.buckets.length, 0), 10_000)
  const ratio = big.text / small.text
  assert.ok(ratio > 9 && ratio < 11, `5000 buckets take ${ratio.toFixed(2)} times the text of 500`)
  assert.ok(big.text / 10_000 < 400, `${(big.text / 10_000).toFixed(0)} characters per bucket`)
})

// ---- the rows form (snapshot-rows.ts): what `crowd watch` commits, only the rows that changed

/** A store of rows as a sink keeps them: the last header and the rows, applied take after take. */
class RowStore {
  header: unknown = null
  readonly rows = new Map<string, string>()
  apply(c: SnapshotChanges): {upserts: number; deletes: number} {
    if (c.full) this.rows.clear()
    for (const [k, row] of c.upserts) this.rows.set(k, JSON.stringify(row))
    for (const k of c.deletes) {
      assert.ok(c.full || !c.upserts.some(([u]) => u === k), `${k} both upserted and deleted`)
      this.rows.delete(k)
    }
    this.header = JSON.parse(JSON.stringify(c.header))
    return {upserts: c.upserts.length, deletes: c.deletes.length}
  }
  snapshot(): SnapshotRows {
    return {...(this.header as SnapshotHeader), rows: [...this.rows.values()].map((r) => JSON.parse(r) as unknown)}
  }
  /** The rows without uuid serials, sorted by key: equal for equal bucket states. */
  comparable(): string {
    return JSON.stringify([...this.rows].sort(([a], [b]) => (a < b ? -1 : 1)).map(([k, r]) => [k, JSON.parse(r) as unknown]), (k, v: unknown) => (k === 'serial' || k === 'BucketId' ? 0 : v))
  }
}

/** The whole stream's final state as rows (a first take is full). */
function wholeRows(scenarios: readonly CompiledScenario[], events: readonly Event[], opts = options()): string {
  const d = createDetector(scenarios, opts)
  for (const e of events) d.pour(cloneEvent(e))
  const rows = new RowStore()
  rows.apply(d.snapshotChanges())
  return rows.comparable()
}

/**
 * The stream cut before each of `cuts`, each piece in a new detector restored from the rows a
 * sink kept, the changes taken every `every` events (as watch commits them).
 */
function rowPieces(scenarios: readonly CompiledScenario[], events: readonly Event[], cuts: readonly number[], every: number, opts = options()) {
  const bounds = [0, ...cuts, events.length]
  const alerts: string[] = []
  const rows = new RowStore()
  let d: Detector | undefined
  let written = 0
  for (let i = 0; i + 1 < bounds.length; i++) {
    const next = createDetector(scenarios, opts)
    if (d !== undefined) {
      const report = next.restore(rows.snapshot())
      assert.is(report.dropped, 0, `piece ${i}: ${JSON.stringify(report)}`)
    }
    d = next
    const piece = events.slice(bounds[i], bounds[i + 1])
    piece.forEach((e, n) => {
      d!.pour(cloneEvent(e))
      if ((n + 1) % every === 0) written += rows.apply(d!.snapshotChanges()).upserts
    })
    rows.apply(d.snapshotChanges())
    alerts.push(...d.takeOverflows().map(summary))
  }
  // the rows kept from the changes are the rows of a full take of the last detector
  const kept = rows.comparable()
  const fresh = new RowStore()
  fresh.apply(createDetectorFrom(scenarios, opts, rows.snapshot()).snapshotChanges())
  sameText(kept, fresh.comparable(), 'rows kept vs a full take')
  return {alerts, end: kept, written}
}

function createDetectorFrom(scenarios: readonly CompiledScenario[], opts: DetectorOptions, snap: SnapshotRows): Detector {
  const d = createDetector(scenarios, opts)
  d.restore(snap)
  return d
}

test('rows: K pieces restored from changed rows give the overflows and the state of one run (K = 1, 2, 3, 7)', () => {
  const scenarios = loadInline(MIXED)
  const events = stream(600, 7)
  const one = whole(scenarios, events)
  const end = wholeRows(scenarios, events)
  for (const k of [1, 2, 3, 7]) {
    for (const every of [1, 13]) {
      const cut = rowPieces(scenarios, events, evenCuts(events.length, k), every)
      sameAlerts(cut.alerts, one.alerts, `K = ${k}, every ${every}`)
      sameText(cut.end, end, `K = ${k}, every ${every}: state at the end`)
    }
  }
})

test('rows: hub scenarios on nginx lines, 3 pieces, changes taken every 50 lines', () => {
  const content = loadHubDetectContent(['crowdsecurity/linux', 'crowdsecurity/nginx', 'crowdsecurity/base-http-scenarios'])
  const {helpers, dataDir, hubIndex} = content.scenarioOptions
  const loaded = loadScenarios(content.scenarioFiles, {helpers, dataDir, hubIndex})
  const events = genlogsNginxEvents(content, {lines: 4000, seed: 9, hours: 3, attackRatio: 0.3})
  const opts: DetectorOptions = {mode: 'replay', clock: {now: () => FIXED}}
  const one = whole(loaded.scenarios, events, opts)
  const cut = rowPieces(loaded.scenarios, events, evenCuts(events.length, 3), 50, opts)
  sameAlerts(cut.alerts, one.alerts)
  sameText(cut.end, wholeRows(loaded.scenarios, events, opts))
})

test('rows: a take writes what changed, not every bucket', () => {
  const scenarios = loadInline(doc({type: 'leaky', name: 't/r', filter: 'true', groupby: 'evt.Meta.source_ip', capacity: 5, leakspeed: '1h'}))
  const d = createDetector(scenarios, options({context: undefined}))
  const pour = (i: number): void => {
    const e = new Event()
    e.Process = true
    e.ExpectMode = ExpectMode.timeMachine
    e.MarshaledTime = formatRfc3339Nano({sec: 1_767_261_600 + i, nsec: 0, offset: 0})
    e.Meta = Object.assign(newStringMap(), {source_ip: `10.0.${(i >> 8) & 255}.${i & 255}`, log_type: 'x'})
    d.pour(e)
  }
  for (let i = 0; i < 2000; i++) pour(i)
  const first = d.snapshotChanges()
  assert.ok(first.full)
  assert.is(first.upserts.length, 2000)
  assert.is(d.snapshotChanges().upserts.length, 0)
  for (let i = 0; i < 3; i++) pour(i)
  const next = d.snapshotChanges()
  assert.not.ok(next.full)
  assert.is(next.upserts.length, 3)
  assert.equal(next.deletes, [])
  // capacity 5: the fifth, sixth pour into one bucket overflows it: its row goes
  for (let n = 0; n < 5; n++) pour(7)
  const gone = d.snapshotChanges()
  assert.is(gone.upserts.length, 0)
  assert.is(gone.deletes.length, 1)
  assert.is(d.takeOverflows().length, 1)
})

test('rows: a malformed row is refused whole (state), naming the row', () => {
  const scenarios = loadInline(MIXED)
  const d = createDetector(scenarios, options())
  for (const e of stream(200, 5)) d.pour(cloneEvent(e))
  const rows = new RowStore()
  rows.apply(d.snapshotChanges())
  const snap = rows.snapshot()
  assert.ok(snap.rows.length > 3)
  const bad: [string, (s: SnapshotRows) => void][] = [
    ['rows[1].store', (s) => void ((s.rows[1] as {store: number}).store = 99)],
    ['rows[2].bucket', (s) => void ((s.rows[2] as {bucket: unknown}).bucket = 'x')],
    ['rows[0].events', (s) => void ((s.rows[0] as {events: unknown}).events = [[1, 2]])],
    ['buckets', (s) => void s.rows.push(s.rows[0])],
  ]
  for (const [where, spoil] of bad) {
    const copy = JSON.parse(JSON.stringify(snap)) as SnapshotRows
    spoil(copy)
    const fresh = createDetector(scenarios, options())
    try {
      fresh.restore(copy)
      assert.unreachable(where)
    } catch (e) {
      assert.instance(e, CrowdError)
      assert.is((e as CrowdError).code, 'state')
      assert.ok((e as CrowdError).message.includes(where), `${where}: ${(e as CrowdError).message}`)
    }
    assert.is(fresh.liveState().buckets, 0)
  }
})

test.run()
