/**
 * Detector snapshots: the scenario stage's state between two runs of `crowd watch --once`
 * and across a SIGHUP reload, so that a log cut into pieces and fed to successive runs gives
 * exactly the overflows of one run over the whole log. Everything that decides a future
 * overflow is kept: the replay event clock, the pour count that times the next sweep, and per
 * bucket store its blackhole list and its live instances in creation order (eviction takes
 * the oldest first), each with its queue, counts, timestamps, limiter tokens, distinct values,
 * guillotines and uuid serial. Scenario metrics are not: the caller keeps cumulative figures.
 *
 * The form is JSON-safe (the caller stores it as text) and versioned:
 *
 *   {version: 1, clock: Instant | null, poursSinceSweep,
 *    events: [queued event, ...],              each event once, however many queues hold it
 *    stores: [{name, filter,                   the detector's store key
 *              scenarios: [identity, ...],     scenarioIdentity() of the store's scenarios
 *              blackholes: [[key, Instant], ...], blackholeSweepAt,
 *              buckets: [{key, mode, scenario (index in scenarios), serial,
 *                         queue: [event index, ...], totalCount, firstTs, lastTs, ovflwTs,
 *                         tokens: [tokens, last Instant | null] | null,
 *                         distinct: [value, ...] | null, guillotines: [bool, ...] | null}, ...],
 *              omitted}]}
 *
 * An Instant is [sec, nsec, offset]. A queued log event is its WireEncoder array (one encoder
 * for the whole table: decode it in order with one WireDecoder); an overflow event (a scenario
 * that takes reprocessed overflows queues them) is {wire, overflow}: the event without its
 * Overflow part, and the RuntimeAlert (see RuntimeAlertForm). A bucket with an event that
 * cannot be encoded (an Appsec part, a value the wire does not know) is left out and counted
 * in its store's `omitted`.
 *
 * The rows form (version 2, what `crowd watch` commits: snapshot-rows.ts takes only the rows that
 * changed) is the same state cut per bucket: a header, the form above with every `buckets` empty
 * and no `events`, and one row per bucket, {store (index in the header), events (its own wire
 * stream), bucket}. Restored rows are put back in creation order (their uuid serials).
 *
 * decodeSnapshot() checks everything before it builds anything, and bindSnapshot() builds the
 * restored instances without touching the detector: a malformed snapshot is a CrowdError
 * (code 'state'), never a half-restored detector.
 */
import {createHash} from 'node:crypto'
import {Alert, Decision, EventEntry, MetaItem, RuntimeAlert, Source} from '../model/alert.js'
import {CrowdError} from '../model/errors.js'
import {Event} from '../model/event.js'
import {decodeValue, encodeValue, WireDecoder, WireEncoder, type WireEvent} from '../model/event-wire.js'
import {Bucket} from './bucket.js'
import type {BucketStore} from './bucket-store.js'
import type {CompiledScenario} from './compile.js'
import {TokenBucket, type TokenState} from './limiter.js'
import type {Instant} from './time.js'

export const SNAPSHOT_VERSION = 1

/** The version of the rows form (a header and one row per bucket, see SnapshotRows). */
export const SNAPSHOT_ROWS_VERSION = 2

/** [Unix seconds, nanoseconds, seconds east of UTC]. */
export type InstantForm = [sec: number, nsec: number, offset: number]

export interface DetectorSnapshot {
  version: number
  /** The replay event clock (latest time-machine event time), null before the first. */
  clock: InstantForm | null
  /** Pours since the last sweep: the restored detector sweeps at the same pour as an uncut run. */
  poursSinceSweep: number
  /** The queued events, each once (scenarios of one pour share a queued copy). */
  events: QueuedEventForm[]
  stores: StoreForm[]
}

/**
 * The same state as rows (`crowd watch` commits only the rows that changed, snapshot-rows.ts):
 * a small header (the clock and each store without its buckets) and one row per bucket, each
 * with its own events (an event queued by several buckets is in each of their rows).
 */
export interface SnapshotHeader {
  version: number
  clock: InstantForm | null
  poursSinceSweep: number
  /** Stores as in DetectorSnapshot, with `buckets` empty: they are in the rows. */
  stores: StoreForm[]
}

/** One bucket: the index of its store in the header, its events (one wire stream) and its form. */
export interface BucketRow {
  store: number
  events: QueuedEventForm[]
  bucket: BucketForm
}

/** A header with its rows, as restore() takes them back. */
export interface SnapshotRows extends SnapshotHeader {
  rows: unknown[]
}

/** A log event (WireEncoder array), or an overflow event and its alert. */
export type QueuedEventForm = WireEvent | {wire: WireEvent; overflow: RuntimeAlertForm}

export interface StoreForm {
  /** Scenario name and filter text: scenarios with both equal share a store (detector.ts). */
  name: string
  filter: string
  /** scenarioIdentity() of the store's scenarios; a bucket names its creator by index. */
  scenarios: string[]
  /** (key, end of its blackhole), in map order. */
  blackholes: [string, InstantForm][]
  /** The blackhole list size at which expired entries are next swept. */
  blackholeSweepAt: number
  /** Live instances, oldest first. */
  buckets: BucketForm[]
  /** Instances left out because an event of their queue could not be encoded. */
  omitted: number
}

export interface BucketForm {
  key: string
  /** MODE_LIVE or MODE_TIME_MACHINE (bucket.ts). */
  mode: number
  /** Index of the creating scenario in StoreForm.scenarios. */
  scenario: number
  /** The number of its uuid (`bucket-N`). */
  serial: number
  /** Indexes in DetectorSnapshot.events, oldest first. */
  queue: number[]
  totalCount: number
  firstTs: InstantForm | null
  lastTs: InstantForm | null
  ovflwTs: InstantForm | null
  /** TokenBucket state (tokens, last take); null for limiters without state. */
  tokens: [tokens: number, last: InstantForm | null] | null
  distinct: string[] | null
  guillotines: boolean[] | null
}

/** models.Source as [Scope, Value, IP, Range, AsName, AsNumber, Cn, Latitude, Longitude]. */
export type SourceForm = [string, string, string, string, string, string, string, number, number]

/**
 * types.RuntimeAlert. Sources are a list (key order kept). What buildAlert shares is shared
 * again on restore: an API alert whose Source equals the Sources entry of the same position
 * names it by index (its Scope and Value cells are that source's), the Alert that is an API
 * alert is its index, and Events or Meta equal (by identity) to an earlier API alert's are
 * that alert's index.
 */
export interface RuntimeAlertForm {
  Mapkey: string
  BucketId: string
  Whitelisted: boolean
  Reprocess: boolean
  Sources: [string, SourceForm][]
  Alert: number | AlertForm | null
  APIAlerts: AlertForm[]
}

const ALERT_STRINGS = ['CreatedAt', 'Kind', 'Leakspeed', 'MachineID', 'Message', 'Scenario', 'ScenarioHash', 'ScenarioVersion',
  'StartAt', 'StopAt', 'UUID'] as const
const ALERT_NUMBERS = ['Capacity', 'EventsCount', 'ID'] as const
const ALERT_BOOLEANS = ['Remediation', 'Simulated'] as const

type AlertScalars = {[K in (typeof ALERT_STRINGS)[number]]: string} & {[K in (typeof ALERT_NUMBERS)[number]]: number} &
  {[K in (typeof ALERT_BOOLEANS)[number]]: boolean}

export interface AlertForm extends AlertScalars {
  Decisions: DecisionForm[] | null
  /** Each entry [timestamp, key, value, key, value...], or the index of an earlier API alert with the same list. */
  Events: string[][] | number
  /** [key, value, key, value...], or the index of an earlier API alert with the same list. */
  Meta: string[] | number
  /** Labels as a wire value (encodeValue: keeps a []string mark). */
  Labels: unknown
  /** An index in RuntimeAlertForm.Sources, or a source of its own. */
  Source: number | SourceForm
}

const DECISION_STRINGS = ['Duration', 'Origin', 'Scenario', 'Scope', 'Type', 'Until', 'UUID', 'Value'] as const

export type DecisionForm = {[K in (typeof DECISION_STRINGS)[number]]: string} & {ID: number; Simulated: boolean}

/** What restore() did with a snapshot. */
export interface RestoreReport {
  /** Instances restored. */
  restored: number
  /** Instances not restored (the sum of reasons). */
  dropped: number
  reasons: {
    /** Their scenario (name and filter) is gone and no scenario has that name. */
    removed: number
    /** Their scenario's document changed (same name, another filter or another config). */
    changed: number
    /** More instances than the store's maxBuckets now allows: the oldest were dropped. */
    overLimit: number
    /** Left out of the snapshot (an event that could not be encoded). */
    unsaved: number
  }
  /** Dropped instances by scenario name. */
  droppedByScenario: Record<string, number>
  /** Blackhole entries kept, and dropped with a store that is gone or whose scenarios changed. */
  blackholes: {restored: number; dropped: number}
}

// ---------------------------------------------------------------------------------------------
// scenario identity

const identities = new WeakMap<CompiledScenario, string>()

/**
 * sha256 of the scenario document's whole config (keys sorted): any edit of the document
 * makes its saved instances unknown, so they are dropped rather than run with a config they
 * were not built for. The file's own hash is not used: another document of the same file may
 * change alone, and a local file has none when a hub index is given.
 */
export function scenarioIdentity(s: CompiledScenario): string {
  let id = identities.get(s)
  if (id === undefined) {
    id = createHash('sha256').update(canonicalJson(s.config)).digest('hex')
    identities.set(s, id)
  }
  return id
}

function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) => {
    if (v === null || typeof v !== 'object' || Array.isArray(v)) return v
    const sorted: Record<string, unknown> = {}
    for (const k of Object.keys(v).sort()) Object.defineProperty(sorted, k, {value: (v as Record<string, unknown>)[k], enumerable: true})
    return sorted
  }) ?? 'null'
}

// ---------------------------------------------------------------------------------------------
// encoding

/** One bucket store of a detector as snapshots see it. */
export interface StoreView {
  name: string
  filter: string
  /** The detector's scenarios that use this store, in evaluation order. */
  scenarios: readonly CompiledScenario[]
  store: BucketStore
}

/** What a detector hands to encodeSnapshot. */
export interface DetectorState {
  clock: Instant | null
  poursSinceSweep: number
  stores: readonly StoreView[]
}

export function encodeSnapshot(state: DetectorState): DetectorSnapshot {
  const table = new EventTable()
  const stores = state.stores.map((view) => encodeStore(view, table))
  return {version: SNAPSHOT_VERSION, clock: instantForm(state.clock), poursSinceSweep: state.poursSinceSweep, events: table.forms, stores}
}

function encodeStore(view: StoreView, table: EventTable): StoreForm {
  const buckets: BucketForm[] = []
  let omitted = 0
  for (const b of view.store.buckets.values()) {
    const form = encodeBucket(b, view.scenarios, table)
    if (form === null) omitted++
    else buckets.push(form)
  }
  return storeForm(view, buckets, omitted)
}

function storeForm(view: StoreView, buckets: BucketForm[], omitted: number): StoreForm {
  const {entries, sweepAt} = view.store.blackholeState()
  return {
    name: view.name,
    filter: view.filter,
    scenarios: view.scenarios.map(scenarioIdentity),
    blackholes: entries.map(([key, until]) => [key, instantForm(until)]),
    blackholeSweepAt: sweepAt,
    buckets,
    omitted,
  }
}

/** The header of the rows form; `omitted[i]`: the instances of store i that have no row. */
export function encodeSnapshotHeader(state: DetectorState, omitted: readonly number[]): SnapshotHeader {
  return {
    version: SNAPSHOT_ROWS_VERSION,
    clock: instantForm(state.clock),
    poursSinceSweep: state.poursSinceSweep,
    stores: state.stores.map((view, i) => storeForm(view, [], omitted[i] ?? 0)),
  }
}

/** The row of one bucket of store `store` (an index in the header), or null when an event of its queue cannot be encoded. */
export function encodeBucketRow(b: Bucket, store: number, view: StoreView): BucketRow | null {
  const table = new EventTable()
  const bucket = encodeBucket(b, view.scenarios, table)
  return bucket === null ? null : {store, events: table.forms, bucket}
}

/** The bucket's form, or null when one of its events cannot be encoded. */
function encodeBucket(b: Bucket, scenarios: readonly CompiledScenario[], table: EventTable): BucketForm | null {
  const scenario = scenarios.indexOf(b.scenario)
  if (scenario < 0) return null
  const queue: number[] = []
  for (const evt of b.queue) {
    const at = table.add(evt)
    if (at === null) return null
    queue.push(at)
  }
  let tokens: BucketForm['tokens'] = null
  if (b.limiter instanceof TokenBucket) {
    const s = b.limiter.state()
    tokens = [s.tokens, instantForm(s.last)]
  }
  return {
    key: b.key,
    mode: b.mode,
    scenario,
    serial: b.serialNumber,
    queue,
    totalCount: b.totalCount,
    firstTs: instantForm(b.firstTs),
    lastTs: instantForm(b.lastTs),
    ovflwTs: instantForm(b.ovflwTs),
    tokens,
    distinct: b.distinctSeen === undefined ? null : [...b.distinctSeen],
    guillotines: b.guillotines === undefined ? null : [...b.guillotines],
  }
}

function instantForm(t: Instant): InstantForm
function instantForm(t: Instant | null): InstantForm | null
function instantForm(t: Instant | null): InstantForm | null {
  return t === null ? null : [t.sec, t.nsec, t.offset]
}

/** A log event's zero Overflow and Appsec (shared by every new event). */
const BLANK = new Event()

/** The queued events of a snapshot, each once, in one wire stream. */
class EventTable {
  readonly forms: QueuedEventForm[] = []
  private readonly index = new Map<Event, number>()
  private readonly wire = new WireEncoder()

  /** The event's index, added when new; null when it cannot be encoded. */
  add(evt: Event): number | null {
    const known = this.index.get(evt)
    if (known !== undefined) return known
    let form: QueuedEventForm
    try {
      form = this.encode(evt)
    } catch {
      return null
    }
    const at = this.forms.length
    this.forms.push(form)
    this.index.set(evt, at)
    return at
  }

  /**
   * The wire encoder is called last: it throws before it records a new map shape, so a refused
   * event leaves the stream as it was.
   */
  private encode(evt: Event): QueuedEventForm {
    if (evt.Overflow === BLANK.Overflow) return this.wire.encode(evt)
    const overflow = encodeRuntimeAlert(evt.Overflow as unknown as RuntimeAlert)
    const bare = Object.assign(new Event(), evt)
    bare.Overflow = BLANK.Overflow
    return {wire: this.wire.encode(bare), overflow}
  }
}

/** A number JSON keeps as it is (NaN and infinities would come back as null). */
function finite(n: number): number {
  if (!Number.isFinite(n)) throw new Error('a number that JSON cannot hold')
  return n
}

function encodeRuntimeAlert(ra: RuntimeAlert): RuntimeAlertForm {
  const keys = Object.keys(ra.Sources)
  const sources = keys.map((k) => ra.Sources[k]!)
  const apis: AlertForm[] = []
  ra.APIAlerts.forEach((a, i) => apis.push(encodeAlert(a, ra.APIAlerts.slice(0, i), sources[i])))
  const own = ra.Alert === null ? -1 : ra.APIAlerts.indexOf(ra.Alert)
  return {
    Mapkey: ra.Mapkey,
    BucketId: ra.BucketId,
    Whitelisted: ra.Whitelisted,
    Reprocess: ra.Reprocess,
    Sources: keys.map((k, i) => [k, sourceForm(sources[i]!)]),
    Alert: ra.Alert === null ? null : own >= 0 ? own : encodeAlert(ra.Alert, ra.APIAlerts, undefined),
    APIAlerts: apis,
  }
}

/** `earlier`: API alerts whose lists this one may share; `mate`: the Sources entry of the same position. */
function encodeAlert(a: Alert, earlier: readonly Alert[], mate: Source | undefined): AlertForm {
  const form = {} as AlertForm
  for (const k of ALERT_STRINGS) form[k] = a[k]
  for (const k of ALERT_NUMBERS) form[k] = finite(a[k])
  for (const k of ALERT_BOOLEANS) form[k] = a[k]
  form.Decisions = a.Decisions === null ? null : a.Decisions.map(decisionForm)
  const sameEvents = earlier.findIndex((e) => e.Events === a.Events)
  form.Events = sameEvents >= 0 ? sameEvents : a.Events.map((e) => [e.Timestamp, ...e.Meta.flatMap((m) => [m.Key, m.Value])])
  const sameMeta = earlier.findIndex((e) => e.Meta === a.Meta)
  form.Meta = sameMeta >= 0 ? sameMeta : a.Meta.flatMap((m) => [m.Key, m.Value])
  form.Labels = encodeValue(a.Labels)
  const source = sourceForm(a.Source)
  form.Source = mate !== undefined && sameForm(source, sourceForm(mate)) ? earlier.length : source
  return form
}

function decisionForm(d: Decision): DecisionForm {
  const form = {ID: finite(d.ID), Simulated: d.Simulated} as DecisionForm
  for (const k of DECISION_STRINGS) form[k] = d[k]
  return form
}

function sourceForm(s: Source): SourceForm {
  return [s.Scope, s.Value, s.IP, s.Range, s.AsName, s.AsNumber, s.Cn, finite(s.Latitude), finite(s.Longitude)]
}

function sameForm(a: SourceForm, b: SourceForm): boolean {
  return a.every((v, i) => v === b[i])
}

// ---------------------------------------------------------------------------------------------
// decoding: every check first, nothing bound to a detector yet

export interface SavedBucket {
  key: string
  mode: number
  /** The creator's scenarioIdentity(). */
  identity: string
  serial: number
  queue: Event[]
  totalCount: number
  firstTs: Instant | null
  lastTs: Instant | null
  ovflwTs: Instant | null
  tokens: TokenState | null
  distinct: string[] | null
  guillotines: boolean[] | null
}

export interface SavedStore {
  name: string
  filter: string
  identities: string[]
  blackholes: {entries: [string, Instant][]; sweepAt: number}
  buckets: SavedBucket[]
  omitted: number
}

export interface SavedState {
  clock: Instant | null
  poursSinceSweep: number
  stores: SavedStore[]
}

function bad(where: string, what: string): CrowdError {
  return new CrowdError('state', `malformed detector snapshot: ${where}: ${what}`)
}

/** Checks a whole snapshot (either form) and decodes it (events included); throws CrowdError (code 'state'). */
export function decodeSnapshot(value: unknown): SavedState {
  const o = record(value, 'snapshot')
  if (o.version === SNAPSHOT_ROWS_VERSION) return decodeRows(o)
  if (o.version !== SNAPSHOT_VERSION) throw bad('version', `${JSON.stringify(o.version) ?? 'none'}, expected ${SNAPSHOT_VERSION} or ${SNAPSHOT_ROWS_VERSION}`)
  const clock = nullable(o.clock, 'clock', instant)
  const poursSinceSweep = count(o.poursSinceSweep, 'poursSinceSweep')
  const events = decodeEvents(list(o.events, 'events'))
  const stores = list(o.stores, 'stores').map((s, i) => decodeStore(s, `stores[${i}]`, events))
  return {clock, poursSinceSweep, stores}
}

/** The rows form: each row joins its header store, whose instances are then put back in creation (serial) order. */
function decodeRows(o: Record<string, unknown>): SavedState {
  const clock = nullable(o.clock, 'clock', instant)
  const poursSinceSweep = count(o.poursSinceSweep, 'poursSinceSweep')
  const stores = list(o.stores, 'stores').map((s, i) => decodeStore(s, `stores[${i}]`, []))
  list(o.rows, 'rows').forEach((value, i) => {
    const at = `rows[${i}]`
    const row = record(value, at)
    const n = count(row.store, `${at}.store`)
    const store = stores[n]
    if (store === undefined) throw bad(`${at}.store`, `no store ${n} in the header`)
    const events = decodeEvents(list(row.events, `${at}.events`), `${at}.events`)
    store.buckets.push(decodeBucket(row.bucket, `${at}.bucket`, store.identities, events))
  })
  for (const [i, store] of stores.entries()) {
    store.buckets.sort((a, b) => a.serial - b.serial)
    uniqueKeys(store.buckets, `stores[${i}]`)
  }
  return {clock, poursSinceSweep, stores}
}

function uniqueKeys(buckets: readonly SavedBucket[], at: string): void {
  const keys = new Set<string>()
  for (const b of buckets) {
    if (keys.has(b.key)) throw bad(`${at}.buckets`, `two instances for key ${JSON.stringify(b.key)}`)
    keys.add(b.key)
  }
}

function decodeStore(value: unknown, at: string, events: readonly Event[]): SavedStore {
  const o = record(value, at)
  const identities = list(o.scenarios, `${at}.scenarios`).map((v, i) => string(v, `${at}.scenarios[${i}]`))
  const entries = list(o.blackholes, `${at}.blackholes`).map((v, i): [string, Instant] => {
    const pair = list(v, `${at}.blackholes[${i}]`)
    if (pair.length !== 2) throw bad(`${at}.blackholes[${i}]`, 'not a [key, instant] pair')
    return [string(pair[0], `${at}.blackholes[${i}][0]`), instant(pair[1], `${at}.blackholes[${i}][1]`)]
  })
  const buckets = list(o.buckets, `${at}.buckets`).map((b, i) => decodeBucket(b, `${at}.buckets[${i}]`, identities, events))
  uniqueKeys(buckets, at)
  return {
    name: string(o.name, `${at}.name`),
    filter: string(o.filter, `${at}.filter`),
    identities,
    blackholes: {entries, sweepAt: count(o.blackholeSweepAt, `${at}.blackholeSweepAt`)},
    buckets,
    omitted: count(o.omitted, `${at}.omitted`),
  }
}

function decodeBucket(value: unknown, at: string, identities: readonly string[], events: readonly Event[]): SavedBucket {
  const o = record(value, at)
  const scenario = count(o.scenario, `${at}.scenario`)
  if (scenario >= identities.length) throw bad(`${at}.scenario`, `no scenario ${scenario} in the store`)
  const mode = o.mode
  if (mode !== 0 && mode !== 1) throw bad(`${at}.mode`, 'neither 0 (live) nor 1 (time machine)')
  const queue = list(o.queue, `${at}.queue`).map((v, i) => {
    const n = count(v, `${at}.queue[${i}]`)
    if (n >= events.length) throw bad(`${at}.queue[${i}]`, `no event ${n}`)
    return events[n]!
  })
  let tokens: TokenState | null = null
  if (o.tokens !== null) {
    const t = list(o.tokens, `${at}.tokens`)
    if (t.length !== 2) throw bad(`${at}.tokens`, 'not a [tokens, last] pair')
    tokens = {tokens: number(t[0], `${at}.tokens[0]`), last: nullable(t[1], `${at}.tokens[1]`, instant)}
  }
  const serial = count(o.serial, `${at}.serial`)
  if (serial === 0) throw bad(`${at}.serial`, 'serials start at 1')
  return {
    key: string(o.key, `${at}.key`),
    mode,
    identity: identities[scenario]!,
    serial,
    queue,
    totalCount: count(o.totalCount, `${at}.totalCount`),
    firstTs: nullable(o.firstTs, `${at}.firstTs`, instant),
    lastTs: nullable(o.lastTs, `${at}.lastTs`, instant),
    ovflwTs: nullable(o.ovflwTs, `${at}.ovflwTs`, instant),
    tokens,
    distinct: nullable(o.distinct, `${at}.distinct`, (v, w) => list(v, w).map((x, i) => string(x, `${w}[${i}]`))),
    guillotines: nullable(o.guillotines, `${at}.guillotines`, (v, w) => list(v, w).map((x, i) => boolean(x, `${w}[${i}]`))),
  }
}

function decodeEvents(forms: readonly unknown[], where = 'events'): Event[] {
  const decoder = new WireDecoder()
  const shapes: number[] = []
  return forms.map((form, i) => {
    const at = `${where}[${i}]`
    let wire: unknown = form
    let overflow: RuntimeAlert | undefined
    if (!Array.isArray(form)) {
      const o = record(form, at)
      wire = o.wire
      overflow = decodeRuntimeAlert(o.overflow, `${at}.overflow`)
    }
    checkWire(wire, `${at}${overflow === undefined ? '' : '.wire'}`, shapes)
    let evt: Event
    try {
      evt = decoder.decode(wire)
    } catch (e) {
      throw bad(at, (e as Error).message)
    }
    if (overflow !== undefined) evt.Overflow = overflow as unknown as Event['Overflow']
    return evt
  })
}

// the checks of a wire event follow WireEncoder's layout (event-wire.ts), without WireKeys

const WIRE_HEADER = ['number', 'number', 'boolean', 'string', 'string', 'string', 'string', 'boolean', 'string', 'string', 'string',
  'string', 'boolean'] as const
const WIRE_MIN_LENGTH = 14 + 2 * 3 + 4

/** `shapes`: the key count of every map shape the stream has defined so far (grown as WireDecoder grows its own). */
function checkWire(w: unknown, at: string, shapes: number[]): asserts w is WireEvent {
  if (!Array.isArray(w)) throw bad(at, 'not a wire event')
  if (w.length < WIRE_MIN_LENGTH) throw bad(at, 'wire event too short')
  WIRE_HEADER.forEach((type, i) => {
    if (typeof w[i] !== type) throw bad(`${at}[${i}]`, `not a ${type}`)
  })
  if (w[0] !== 0 && w[0] !== 1 && w[0] !== 2) throw bad(`${at}[0]`, 'unknown event type')
  if (w[1] !== 0 && w[1] !== 1) throw bad(`${at}[1]`, 'unknown expect mode')
  if (w[13] !== null) checkMapBody(w[13], `${at}[13]`, 0, 0)
  let pos = 14
  for (let n = 0; n < 2; n++) {
    checkTime(w.slice(pos, pos + 3), `${at}[${pos}]`)
    pos += 3
  }
  for (let n = 0; n < 4; n++) pos = checkStringMap(w, pos, at, shapes)
  if (pos !== w.length) throw bad(at, `${w.length - pos} values left over`)
}

function checkStringMap(w: readonly unknown[], pos: number, at: string, shapes: number[]): number {
  const ref = w[pos]
  let size: number
  if (typeof ref === 'number') {
    if (!Number.isInteger(ref) || ref < 0 || ref >= shapes.length) throw bad(`${at}[${pos}]`, `unknown map shape ${ref}`)
    size = shapes[ref]!
  } else if (Array.isArray(ref) && ref.every((k) => typeof k === 'string')) {
    size = ref.length
    shapes.push(size)
  } else {
    throw bad(`${at}[${pos}]`, 'neither a map shape number nor a key list')
  }
  if (pos + 1 + size > w.length) throw bad(at, 'wire event cut short')
  for (let i = pos + 1; i <= pos + size; i++) if (typeof w[i] !== 'string') throw bad(`${at}[${i}]`, 'map value not a string')
  return pos + 1 + size
}

/** [sec, nsec, zone]; zones: 0 UTC, 1 Local, [2, IANA name], [3, name, offset]. */
function checkTime(t: readonly unknown[], at: string): void {
  if (t.length !== 3 || !Number.isSafeInteger(t[0]) || !Number.isInteger(t[1]) || (t[1] as number) < 0 || (t[1] as number) >= 1e9) {
    throw bad(at, 'not a time (seconds, nanoseconds, zone)')
  }
  const z = t[2]
  if (z === 0 || z === 1) return
  if (Array.isArray(z) && z[0] === 2 && z.length === 2 && typeof z[1] === 'string') return
  if (Array.isArray(z) && z[0] === 3 && z.length === 3 && typeof z[1] === 'string' && Number.isSafeInteger(z[2])) return
  throw bad(at, 'unknown time zone form')
}

const MAX_DEPTH = 64

/** A flat [key, value, ...] list of Go values from `from`. */
function checkMapBody(v: unknown, at: string, from: number, depth: number): void {
  if (!Array.isArray(v) || (v.length - from) % 2 !== 0) throw bad(at, 'not a [key, value, ...] list')
  for (let i = from; i < v.length; i += 2) {
    if (typeof v[i] !== 'string') throw bad(`${at}[${i}]`, 'map key not a string')
    checkValue(v[i + 1], `${at}[${i + 1}]`, depth + 1)
  }
}

/** One Go value as encodeValue writes it (event-wire.ts). */
function checkValue(v: unknown, at: string, depth: number): void {
  if (depth > MAX_DEPTH) throw bad(at, 'values nested too deep')
  if (v === null || typeof v === 'string' || typeof v === 'boolean') return
  if (typeof v === 'number') {
    if (!Number.isFinite(v)) throw bad(at, 'not a finite number')
    return
  }
  if (!Array.isArray(v)) throw bad(at, 'not a wire value')
  const ok = (cond: boolean): void => {
    if (!cond) throw bad(at, `malformed ${JSON.stringify(v[0])} value`)
  }
  switch (v[0]) {
    case 'F':
    case 'D':
      return ok(v.length === 2 && Number.isFinite(v[1]))
    case 'N':
      return ok(v.length === 2 && (v[1] === 'NaN' || v[1] === '+Inf' || v[1] === '-Inf'))
    case 'T':
      return checkTime(v.slice(1), at)
    case 'L':
      return ok(v.slice(1).every((s) => typeof s === 'string'))
    case 'S':
      return ok(v.length % 2 === 1 && v.slice(1).every((s) => typeof s === 'string'))
    case 'A':
      for (let i = 1; i < v.length; i++) checkValue(v[i], `${at}[${i}]`, depth + 1)
      return
    case 'M':
      return checkMapBody(v, at, 1, depth)
    default:
      throw bad(at, `unknown wire value tag ${JSON.stringify(v[0])}`)
  }
}

function decodeRuntimeAlert(value: unknown, at: string): RuntimeAlert {
  const o = record(value, at)
  const ra = new RuntimeAlert()
  ra.Mapkey = string(o.Mapkey, `${at}.Mapkey`)
  ra.BucketId = string(o.BucketId, `${at}.BucketId`)
  ra.Whitelisted = boolean(o.Whitelisted, `${at}.Whitelisted`)
  ra.Reprocess = boolean(o.Reprocess, `${at}.Reprocess`)
  const sources = list(o.Sources, `${at}.Sources`).map((v, i) => {
    const pair = list(v, `${at}.Sources[${i}]`)
    if (pair.length !== 2) throw bad(`${at}.Sources[${i}]`, 'not a [key, source] pair')
    const src = decodeSource(pair[1], `${at}.Sources[${i}][1]`)
    ra.Sources[string(pair[0], `${at}.Sources[${i}][0]`)] = src
    return src
  })
  const apis: Alert[] = []
  list(o.APIAlerts, `${at}.APIAlerts`).forEach((v, i) => apis.push(decodeAlert(v, `${at}.APIAlerts[${i}]`, apis, sources)))
  ra.APIAlerts = apis
  if (o.Alert === null) ra.Alert = null
  else if (typeof o.Alert === 'number') ra.Alert = earlier(apis, o.Alert, `${at}.Alert`)
  else ra.Alert = decodeAlert(o.Alert, `${at}.Alert`, apis, [])
  return ra
}

/** `before`: the API alerts decoded so far (Events and Meta may name one); `sources`: the runtime alert's. */
function decodeAlert(value: unknown, at: string, before: readonly Alert[], sources: readonly Source[]): Alert {
  const o = record(value, at)
  const a = new Alert()
  for (const k of ALERT_STRINGS) a[k] = string(o[k], `${at}.${k}`)
  for (const k of ALERT_NUMBERS) a[k] = number(o[k], `${at}.${k}`)
  for (const k of ALERT_BOOLEANS) a[k] = boolean(o[k], `${at}.${k}`)
  a.Decisions = nullable(o.Decisions, `${at}.Decisions`, (v, w) => list(v, w).map((d, i) => decodeDecision(d, `${w}[${i}]`)))
  a.Events = typeof o.Events === 'number' ? earlier(before, o.Events, `${at}.Events`).Events
    : list(o.Events, `${at}.Events`).map((e, i) => {
      const flat = strings(e, `${at}.Events[${i}]`)
      if (flat.length % 2 !== 1) throw bad(`${at}.Events[${i}]`, 'not [timestamp, key, value, ...]')
      return new EventEntry(flat[0]!, metaItems(flat, 1))
    })
  if (typeof o.Meta === 'number') a.Meta = earlier(before, o.Meta, `${at}.Meta`).Meta
  else {
    const flat = strings(o.Meta, `${at}.Meta`)
    if (flat.length % 2 !== 0) throw bad(`${at}.Meta`, 'not [key, value, ...]')
    a.Meta = metaItems(flat, 0)
  }
  checkValue(o.Labels, `${at}.Labels`, 0)
  const labels = decodeValue(o.Labels)
  if (labels !== null && !(Array.isArray(labels) && labels.every((l) => typeof l === 'string'))) throw bad(`${at}.Labels`, 'not a list of strings')
  a.Labels = labels as string[] | null
  if (typeof o.Source === 'number') {
    if (!Number.isInteger(o.Source) || o.Source < 0 || o.Source >= sources.length) throw bad(`${at}.Source`, `no source ${o.Source}`)
    a.Source = sources[o.Source]!.sharedCopy()
  } else {
    a.Source = decodeSource(o.Source, `${at}.Source`)
  }
  return a
}

function earlier(alerts: readonly Alert[], n: number, at: string): Alert {
  if (!Number.isInteger(n) || n < 0 || n >= alerts.length) throw bad(at, `no earlier alert ${n}`)
  return alerts[n]!
}

function metaItems(flat: readonly string[], from: number): MetaItem[] {
  const out: MetaItem[] = []
  for (let i = from; i < flat.length; i += 2) out.push(new MetaItem(flat[i]!, flat[i + 1]!))
  return out
}

function decodeDecision(value: unknown, at: string): Decision {
  const o = record(value, at)
  const d = new Decision({ID: number(o.ID, `${at}.ID`), Simulated: boolean(o.Simulated, `${at}.Simulated`)})
  for (const k of DECISION_STRINGS) d[k] = string(o[k], `${at}.${k}`)
  return d
}

function decodeSource(value: unknown, at: string): Source {
  const f = list(value, at)
  if (f.length !== 9) throw bad(at, 'not a source of 9 fields')
  const s = (i: number): string => string(f[i], `${at}[${i}]`)
  return new Source({Scope: s(0), Value: s(1), IP: s(2), Range: s(3), AsName: s(4), AsNumber: s(5), Cn: s(6),
    Latitude: number(f[7], `${at}[7]`), Longitude: number(f[8], `${at}[8]`)})
}

// plain JSON checks

function record(v: unknown, at: string): Record<string, unknown> {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw bad(at, 'not an object')
  return v as Record<string, unknown>
}

function list(v: unknown, at: string): unknown[] {
  if (!Array.isArray(v)) throw bad(at, 'not a list')
  return v
}

function strings(v: unknown, at: string): string[] {
  const l = list(v, at)
  l.forEach((s, i) => string(s, `${at}[${i}]`))
  return l as string[]
}

function string(v: unknown, at: string): string {
  if (typeof v !== 'string') throw bad(at, 'not a string')
  return v
}

function boolean(v: unknown, at: string): boolean {
  if (typeof v !== 'boolean') throw bad(at, 'not a boolean')
  return v
}

function number(v: unknown, at: string): number {
  if (typeof v !== 'number' || !Number.isFinite(v)) throw bad(at, 'not a finite number')
  return v
}

function count(v: unknown, at: string): number {
  if (!Number.isSafeInteger(v) || (v as number) < 0) throw bad(at, 'not a whole number >= 0')
  return v as number
}

function instant(v: unknown, at: string): Instant {
  const t = list(v, at)
  if (t.length !== 3 || !Number.isSafeInteger(t[0]) || !Number.isInteger(t[1]) || (t[1] as number) < 0 || (t[1] as number) >= 1e9
    || !Number.isSafeInteger(t[2])) {
    throw bad(at, 'not an instant [seconds, nanoseconds, offset]')
  }
  return {sec: t[0] as number, nsec: t[1] as number, offset: t[2] as number}
}

function nullable<T>(v: unknown, at: string, read: (v: unknown, at: string) => T): T | null {
  return v === null ? null : read(v, at)
}

// ---------------------------------------------------------------------------------------------
// binding a decoded snapshot to a detector's stores

/** What restore() applies: nothing in it touches the detector until then. */
export interface RestorePlan {
  clock: Instant | null
  poursSinceSweep: number
  stores: {store: BucketStore; buckets: Bucket[]; blackholes: SavedStore['blackholes'] | undefined}[]
  report: RestoreReport
}

/**
 * Matches saved stores to the detector's (name and filter) and saved instances to its
 * scenarios (scenarioIdentity), and builds the instances. Throws CrowdError (code 'state')
 * when an instance does not fit the scenario of the same identity (a forged or corrupt
 * snapshot: the same document always builds the same limiter and guillotines).
 */
export function bindSnapshot(saved: SavedState, views: readonly StoreView[]): RestorePlan {
  const report: RestoreReport = {restored: 0, dropped: 0, reasons: {removed: 0, changed: 0, overLimit: 0, unsaved: 0},
    droppedByScenario: Object.create(null) as Record<string, number>, blackholes: {restored: 0, dropped: 0}}
  const drop = (name: string, reason: keyof RestoreReport['reasons'], n: number): void => {
    if (n === 0) return
    report.reasons[reason] += n
    report.dropped += n
    report.droppedByScenario[name] = (report.droppedByScenario[name] ?? 0) + n
  }
  const byKey = new Map<string, StoreView>()
  for (const v of views) byKey.set(storeKey(v.name, v.filter), v)
  const names = new Set(views.map((v) => v.name))
  const stores: RestorePlan['stores'] = []
  const seen = new Set<string>()
  saved.stores.forEach((s, i) => {
    const key = storeKey(s.name, s.filter)
    if (seen.has(key)) throw bad(`stores[${i}]`, `a second store for scenario ${s.name} with the same filter`)
    seen.add(key)
    drop(s.name, 'unsaved', s.omitted)
    const view = byKey.get(key)
    if (view === undefined) {
      drop(s.name, names.has(s.name) ? 'changed' : 'removed', s.buckets.length)
      report.blackholes.dropped += s.blackholes.entries.length
      return
    }
    const plan = bindStore(s, view, `stores[${i}]`, drop)
    report.restored += plan.buckets.length
    if (plan.blackholes === undefined) report.blackholes.dropped += s.blackholes.entries.length
    else report.blackholes.restored += s.blackholes.entries.length
    stores.push(plan)
  })
  return {clock: saved.clock, poursSinceSweep: saved.poursSinceSweep, stores, report}
}

function storeKey(name: string, filter: string): string {
  return `${name}\0${filter}`
}

function bindStore(s: SavedStore, view: StoreView, at: string, drop: (name: string, reason: 'changed' | 'overLimit', n: number) => void): RestorePlan['stores'][number] {
  const ids = view.scenarios.map(scenarioIdentity)
  const byIdentity = new Map<string, CompiledScenario>()
  view.scenarios.forEach((sc, i) => {
    if (!byIdentity.has(ids[i]!)) byIdentity.set(ids[i]!, sc)
  })
  const buckets: Bucket[] = []
  s.buckets.forEach((saved, i) => {
    const scenario = byIdentity.get(saved.identity)
    if (scenario === undefined) drop(s.name, 'changed', 1)
    else buckets.push(buildBucket(saved, scenario, `${at}.buckets[${i}]`))
  })
  // the newest instances are kept: eviction would have taken the oldest first
  const over = buckets.length - view.store.maxBuckets
  if (over > 0) {
    buckets.splice(0, over)
    drop(s.name, 'overLimit', over)
  }
  // blackhole ends were computed with the old durations: kept only when the store's scenarios are the same
  const same = s.identities.length === ids.length && s.identities.every((id, i) => id === ids[i])
  return {store: view.store, buckets, blackholes: same ? s.blackholes : undefined}
}

function buildBucket(saved: SavedBucket, scenario: CompiledScenario, at: string): Bucket {
  const b = new Bucket(scenario, saved.key, saved.mode)
  if ((saved.tokens !== null) !== b.limiter instanceof TokenBucket) throw bad(`${at}.tokens`, `does not fit the limiter of ${scenario.name}`)
  if (saved.tokens !== null) (b.limiter as TokenBucket).setState(saved.tokens)
  if ((saved.guillotines === null) !== (b.guillotines === undefined) || (saved.guillotines !== null && saved.guillotines.length !== b.guillotines!.length)) {
    throw bad(`${at}.guillotines`, `does not fit the bayesian conditions of ${scenario.name}`)
  }
  if (saved.guillotines !== null) b.guillotines = saved.guillotines
  if (saved.queue.length > 0) b.queue = saved.queue
  b.totalCount = saved.totalCount
  b.firstTs = saved.firstTs
  b.lastTs = saved.lastTs
  b.ovflwTs = saved.ovflwTs
  if (saved.distinct !== null) b.distinctSeen = new Set(saved.distinct)
  b.restoreSerial(saved.serial)
  return b
}
