/**
 * The scenario stage: every event is offered to every scenario in order (scenarios.md §4-§6),
 * buckets are filled and overflow, overflows become alerts, go through the postoverflow hook,
 * and are handed out (whitelisted ones flagged, §14.2). `reprocess: true` overflows are
 * re-injected right after the current event (§14.3).
 */
import type {Program} from '../expr/index.js'
import {RuntimeAlert} from '../model/alert.js'
import {CrowdError} from '../model/errors.js'
import {detachString, Event, EventType, ExpectMode, expressionWrites, slimEvent, SOURCE_ENRICHED_KEYS} from '../model/event.js'
import type {PourPreview, PreviewedEvent} from '../model/event-wire.js'
import {GoTime} from '../model/go-time.js'
import {silentLogger, type Logger} from '../model/logger.js'
import {Bucket, MODE_TIME_MACHINE} from './bucket.js'
import {BucketStore} from './bucket-store.js'
import {EventClock, MarshaledTimeCache, SYSTEM_CLOCK, type Clock} from './clock.js'
import type {CompiledScenario} from './compile.js'
import {eventKeyNeeds, mergeNeeds, type EventKeyNeeds} from './event-fields.js'
import {allows, FilterDispatch} from './dispatch.js'
import {FilterMemo, mayHaveEffects} from './filter-share.js'
import {newScenarioMetrics, type DetectorMetrics} from './metrics.js'
import {buildAlert, overflowTime, type AlertContext} from './overflow.js'
import {PrefilterIndex} from './prefilter.js'
import {bindSnapshot, decodeSnapshot, encodeSnapshot, type DetectorSnapshot, type RestoreReport, type StoreView} from './snapshot.js'
import {SnapshotTracker, type SnapshotChanges} from './snapshot-rows.js'
import type {Instant} from './time.js'

export interface DetectorOptions {
  /** replay: time-machine buckets run on event time; live: wall clock and a periodic tick. */
  mode?: 'replay' | 'live'
  /** Max live instances per scenario (default 100000). */
  maxBuckets?: number
  logger?: Logger
  /** Runs postoverflow parsers on an overflow event (mutating it); see parsers.md §11. */
  postoverflow?: (evt: Event) => void
  /** Alert context expressions (§13.4). */
  context?: AlertContext
  /** Keep overflow events for takeOverflows() (default true). */
  collect?: boolean
  clock?: Clock
  /** Live mode: call tick() every this many ms (default 1000; 0 = never, call tick() yourself). */
  tickMs?: number
  /** Evaluate conjuncts shared by several filters once per event (default true; false runs each whole filter). */
  shareFilters?: boolean
  /**
   * Skip a scenario whose literal prefilter (prefilter.ts, set by loadScenarios) or opening field
   * tests (dispatch.ts) prove its filter false for this event (default true; false
   * evaluates every filter, for comparisons).
   */
  prefilter?: boolean
}

export type OverflowListener = (evt: Event) => void


/** What the caller knows about a poured event. */
export interface PourHints {
  /**
   * The event's strings are its own, or views into a short line of its own, never into a larger
   * buffer (events decoded from the parse worker, lines it handed over): queue copies, bucket
   * keys and distinct values need not detach them (src/model/event.ts slimEvent).
   */
  ownStrings?: boolean
}

const MAX_REPROCESS_PER_EVENT = 10_000

/** Event fields a slim copy keeps only on demand (see slimEvent). */
const OPTIONAL_FIELDS = ['Enriched', 'Line', 'Parsed', 'StrTime', 'StrTimeFormat', 'Unmarshaled']

/**
 * What the queue of a scenario's buckets keeps of a log event: a slim copy with the fields in
 * `keep`, or the event (keep null). `slot`: where the detector holds the copy made for the event
 * being poured, one per field set (scenarios keeping the same fields share it).
 */
interface QueueSpec {
  keep: ReadonlySet<string> | null
  slot: number
}

/** A scenario in the per-event loop. */
interface Entry {
  scenario: CompiledScenario
  store: BucketStore
  /** Shared filter part ids (FilterMemo), null = run the whole filter. */
  parts: Int32Array | null
  strict: boolean
  /** Prefilter clause ids (PrefilterIndex), null = always evaluate the filter. */
  pre: Int32Array | null
  /** The filter is pure (no effects, no changing state read): `preview` may run it. */
  pure: boolean
}

/**
 * Queued events are read later only by the scope expression, condition, bayesian
 * conditions, overflow_filter, the alert context, and the alert itself (sources, events with
 * meta: always kept). Fields none of those expressions can read are dropped.
 */
function queueSpec(s: CompiledScenario, context: AlertContext | undefined, slots: Map<string, number>): QueueSpec {
  const programs = [s.scope.expression, s.condition, s.overflowFilter, ...(s.bayesian?.conditions.map((c) => c.program) ?? [])]
  for (const c of context ?? []) programs.push(...c.programs)
  const needs = mergeNeeds(programs, [])
  if (needs === 'all') return {keep: null, slot: -1}
  const keep = new Set(OPTIONAL_FIELDS.filter((f) => needs.has(f)))
  const fields = [...keep].join(',')
  let slot = slots.get(fields)
  if (slot === undefined) slots.set(fields, (slot = slots.size))
  return {keep, slot}
}

export class Detector {
  readonly metrics: DetectorMetrics
  /** One entry per scenario, in evaluation order; scenarios with the same name and filter share a store. */
  private readonly stores: Entry[]
  private readonly memo = new FilterMemo()
  private readonly pre: PrefilterIndex | undefined
  private readonly dispatch: FilterDispatch | undefined
  private readonly uniqueStores: BucketStore[]
  private readonly listeners: OverflowListener[] = []
  private collected: Event[] = []
  private readonly collect: boolean
  private readonly logger: Logger
  private readonly clock: Clock
  private readonly timeCache = new MarshaledTimeCache()
  private readonly eventClock = new EventClock()
  private readonly reprocessQueue: Event[] = []
  /**
   * Whether reprocessQueue has events: what every pour reads, rather than the array's length (the
   * array changes its V8 map at its first push, which threw away the optimised code of the whole
   * per-line loop that had inlined that read).
   */
  private reprocessQueued = false
  private poursSinceSweep = 0
  private liveBuckets = 0
  private timer: ReturnType<typeof setInterval> | undefined
  private pouring = false
  /** Overflows emitted so far (each runs postoverflows and listeners, which may change the event being poured). */
  private overflowCount = 0
  private readonly queueSpecs = new Map<CompiledScenario, QueueSpec>()
  /** The event being poured, whose slim copies `slims` holds. */
  private slimSource: Event | undefined
  /** PourHints.ownStrings of the event being poured. */
  private ownStrings = false
  /**
   * The slim copies of the event being poured, by QueueSpec slot (scenarios share them), emptied
   * after each pour. Not a Map cleared per event: Map.clear() allocates the next table where the
   * last one lived, so once the Map is old every table is, and each dead table keeps that
   * event's copies alive through scavenges until a full collection (docs/performance.md, the
   * garbage collection regimes).
   */
  private readonly slims: (Event | undefined)[]
  private slimsHeld = false
  private readonly expirers = new Map<BucketStore, (b: Bucket) => void>()
  private tracker: SnapshotTracker | undefined

  constructor(readonly scenarios: readonly CompiledScenario[], private readonly options: DetectorOptions = {}) {
    this.logger = options.logger ?? silentLogger
    this.clock = options.clock ?? SYSTEM_CLOCK
    this.collect = options.collect ?? true
    const max = options.maxBuckets ?? 100_000
    this.metrics = {events: 0, skipped: 0, unpourable: 0, exprErrors: 0, reprocessed: 0, prefilterSkipped: 0, dispatchSkipped: 0, scenarios: Object.create(null) as DetectorMetrics['scenarios']}
    const shared = new Map<string, BucketStore>()
    const pre = (this.pre = options.prefilter === false ? undefined : PrefilterIndex.build(scenarios))
    this.dispatch = options.prefilter === false ? undefined : FilterDispatch.build(scenarios.map((s) => s.filterText))
    this.stores = scenarios.map((s) => {
      const m = this.metrics.scenarios[s.name] ?? (this.metrics.scenarios[s.name] = newScenarioMetrics())
      const id = `${s.name}\0${s.filterText}`
      let store = shared.get(id)
      if (store === undefined) shared.set(id, (store = new BucketStore(m, max)))
      const plan = options.shareFilters === false ? undefined : s.filterPlan
      return {scenario: s, store, parts: plan ? this.memo.intern(plan) : null, strict: plan?.strict ?? false,
        pre: pre?.clausesOf(s) ?? null, pure: !mayHaveEffects(s.filterText)}
    })
    // filter programs share sub-expression results through their memo: this detector advances it per event
    for (const s of scenarios) if (s.exprMemo !== undefined) this.memo.attach(s.exprMemo)
    // the prefilter's subject values are per event too: forgotten whenever the shared results are
    if (pre !== undefined) this.memo.attach(pre)
    this.uniqueStores = [...shared.values()]
    const slots = new Map<string, number>()
    for (const s of scenarios) this.queueSpecs.set(s, queueSpec(s, options.context, slots))
    this.slims = new Array<Event | undefined>(slots.size).fill(undefined)
    if (options.mode === 'live' && (options.tickMs ?? 1000) > 0) {
      this.timer = setInterval(() => this.tick(), options.tickMs ?? 1000)
      this.timer.unref?.()
    }
  }

  /**
   * The fields of a poured log event that this detector's expressions and alerts may read
   * (every scenario expression, the alert context, the Enriched keys of alert sources).
   */
  eventKeyNeeds(): EventKeyNeeds {
    const programs: (Program | undefined)[] = []
    for (const s of this.scenarios) {
      programs.push(s.filter, s.groupby, s.distinct, s.cancelOn, s.condition, s.overflowFilter, s.scope.expression)
      for (const c of s.bayesian?.conditions ?? []) programs.push(c.program)
    }
    for (const c of this.options.context ?? []) programs.push(...c.programs)
    return eventKeyNeeds(programs, {Enriched: SOURCE_ENRICHED_KEYS})
  }

  onOverflow(listener: OverflowListener): void {
    this.listeners.push(listener)
  }

  /** Overflow events emitted since the last call (post-postoverflow, whitelisted ones included). */
  takeOverflows(): Event[] {
    const out = this.collected
    this.collected = []
    return out
  }

  /** Offers one parsed event to every scenario, then any reprocessed overflows it caused. */
  pour(evt: Event, hints?: PourHints): void {
    this.metrics.events++
    if (evt.Type === EventType.log && (!evt.Process || evt.Whitelisted)) {
      this.metrics.skipped++
      return
    }
    this.ownStrings = hints?.ownStrings === true
    this.pourOne(evt)
    // slim copies are shared only among the scenarios of one pour (the caller may reuse the event)
    this.releaseSlims()
    this.ownStrings = false
    this.afterPour()
  }

  /**
   * What pouring this event would come to when every scenario would pass it by: the skips
   * (field tests, prefilter) that pour() would count, so another thread can pour it with
   * pourPreviewed() without the event. undefined when a scenario could take it: a pure filter
   * that is true or fails, or a filter that is not pure (it runs where the buckets are).
   * Reads the event only; leaves buckets and metrics alone. Give it the event as it will be
   * poured (same fields), with this detector's scenarios in the same order.
   */
  preview(evt: Event): PourPreview | undefined {
    if (evt.Type === EventType.log && (!evt.Process || evt.Whitelisted)) return {dispatchSkipped: 0, prefilterSkipped: 0}
    const vars = {evt}
    const memo = this.memo
    const pre = this.pre
    memo.next()
    const gate = this.dispatch === undefined ? null : this.dispatch.mask(evt)
    let dispatchSkipped = 0
    let prefilterSkipped = 0
    const stores = this.stores
    for (let i = 0; i < stores.length; i++) {
      const entry = stores[i]!
      if (gate !== null && !allows(gate, i)) {
        dispatchSkipped++
        continue
      }
      if (entry.pre !== null && !pre!.pass(entry.pre, evt)) {
        prefilterSkipped++
        continue
      }
      if (!entry.pure) return undefined
      let ok: unknown
      try {
        ok = entry.parts === null ? entry.scenario.filter.run(vars) : memo.run(entry.parts, entry.strict, vars)
      } catch {
        return undefined // the error aborts the loop where the event is poured (and is counted there)
      }
      if (ok === true) return undefined
    }
    return {dispatchSkipped, prefilterSkipped}
  }

  /** Pours an event preview() found every scenario passes by: what pour() does with it, without the event. */
  pourPreviewed(evt: PreviewedEvent): void {
    this.metrics.events++
    if (evt.Type === EventType.log && (!evt.Process || evt.Whitelisted)) {
      this.metrics.skipped++
      return
    }
    const tmTime = this.timeCache.parse(evt.MarshaledTime)
    if (tmTime !== null && evt.ExpectMode === ExpectMode.timeMachine) this.eventClock.observe(tmTime)
    this.metrics.dispatchSkipped += evt.dispatchSkipped
    this.metrics.prefilterSkipped += evt.prefilterSkipped
    this.afterPour()
  }

  /** After an event's own pour: the overflows it made that are reprocessed, then the periodic sweep. */
  private afterPour(): void {
    if (this.pouring) return
    if (this.reprocessQueued) this.reprocess()
    if (++this.poursSinceSweep >= Math.max(4096, this.liveBuckets)) this.sweep()
  }

  private reprocess(): void {
    this.pouring = true
    try {
      let n = 0
      while (this.reprocessQueue.length > 0 && n++ < MAX_REPROCESS_PER_EVENT) {
        this.metrics.reprocessed++
        this.pourOne(this.reprocessQueue.shift()!)
      }
      this.reprocessQueue.length = 0
    } finally {
      this.pouring = false
      this.reprocessQueued = false
    }
  }

  private pourOne(evt: Event): void {
    const tmTime = this.timeCache.parse(evt.MarshaledTime)
    if (tmTime !== null && evt.ExpectMode === ExpectMode.timeMachine) this.eventClock.observe(tmTime)
    const vars = {evt}
    const memo = this.memo
    const pre = this.pre
    memo.next()
    let writes = expressionWrites.count
    const dispatch = this.dispatch
    let gate = dispatch === undefined ? null : dispatch.mask(evt)
    let overflows = this.overflowCount
    const stores = this.stores
    for (let i = 0; i < stores.length; i++) {
      const entry = stores[i]!
      const s = entry.scenario
      // an expression wrote into a map (SetMeta...): results computed before may be stale
      if (expressionWrites.count !== writes) {
        memo.next()
        writes = expressionWrites.count
        if (dispatch !== undefined) gate = dispatch.mask(evt)
      }
      // the filter opens with a field test this event fails: false without error
      if (gate !== null && !allows(gate, i)) {
        this.metrics.dispatchSkipped++
        continue
      }
      // the filter is certain to be false without error: same as running it
      if (entry.pre !== null && !pre!.pass(entry.pre, evt)) {
        this.metrics.prefilterSkipped++
        continue
      }
      let ok: unknown
      try {
        ok = entry.parts === null ? s.filter.run(vars) : memo.run(entry.parts, entry.strict, vars)
      } catch (e) {
        this.metrics.exprErrors++
        this.logger.debug(`scenario ${s.name}: filter error: ${(e as Error).message}`)
        return // CrowdSec aborts the whole per-event loop (§4)
      }
      if (ok !== true) continue
      let key = ''
      if (s.groupby) {
        let k: unknown
        try {
          k = s.groupby.run(vars)
        } catch (e) {
          this.metrics.exprErrors++
          this.logger.debug(`scenario ${s.name}: groupby error: ${(e as Error).message}`)
          return
        }
        if (typeof k !== 'string') {
          this.metrics.exprErrors++
          this.logger.warn(`scenario ${s.name}: groupby returned a non-string`)
          continue
        }
        key = k
      }
      this.pourInto(s, entry.store, key, evt, tmTime, vars)
      // an overflow runs postoverflows and listeners (arbitrary code): look at the fields again
      if (dispatch !== undefined && this.overflowCount !== overflows) {
        overflows = this.overflowCount
        gate = dispatch.mask(evt)
      }
    }
  }

  private now = (mode: number): Instant | null =>
    mode === MODE_TIME_MACHINE ? this.eventClock.latest : this.clock.now()

  private pourInto(scenario: CompiledScenario, store: BucketStore, key: string, evt: Event, tmTime: Instant | null, vars: {evt: Event}): void {
    const m = store.metrics
    let b = store.get(key)
    // the clock of the instance (existing one's mode, or the event's for a new one)
    const mode = b?.mode ?? evt.ExpectMode
    let t = mode === MODE_TIME_MACHINE ? tmTime : this.clock.now()
    if (b !== undefined && t !== null && b.expiredAt(t)) {
      store.delete(b)
      this.liveBuckets--
      this.expire(store, b)
      b = undefined
    }
    if (b === undefined) {
      const before = store.buckets.size
      // the key lives as long as the bucket: never a view into the event's line
      b = store.create(scenario, this.ownStrings ? key : detachString(key), evt.ExpectMode, this.now, this.expireIn(store))
      this.liveBuckets += store.buckets.size - before
    }
    store.touched?.add(b.key)
    // an instance runs with the config of the scenario that created it
    const s = b.scenario
    // replay event without a usable time: a trigger overflows at wall-clock now, others are not poured (§6)
    if (t === null && s.type.overflowsOnPour) t = this.clock.now()

    if (s.type.overflowsOnPour) {
      m.poured++
      b.totalCount = 1
      b.firstTs = b.lastTs = b.ovflwTs = t
      b.append(evt)
      this.overflow(store, b)
      return
    }
    if (s.distinct) {
      let v: unknown = ''
      let failed = false
      try {
        v = s.distinct.run(vars)
      } catch {
        failed = true
      }
      if (!failed) {
        const value = typeof v === 'string' ? v : ''
        if (b.distinctSeen === undefined) b.distinctSeen = new Set()
        else if (b.distinctSeen.has(value)) {
          m.distinctDropped++
          return
        }
        b.distinctSeen.add(this.ownStrings ? value : detachString(value))
      }
    }
    if (s.cancelOn) {
      let cancel: unknown = false
      try {
        cancel = s.cancelOn.run(vars)
      } catch {
        cancel = false
      }
      if (cancel === true) {
        store.delete(b)
        this.liveBuckets--
        m.canceled++
        b.release()
        return
      }
    }

    let pending = false
    if (t === null) {
      this.metrics.unpourable++
    } else {
      m.poured++
      b.totalCount++
      if (b.firstTs === null) b.firstTs = t
      b.lastTs = t
      const granted = b.limiter.allow(t)
      b.append(this.queued(evt, s))
      if (!granted && s.type.limiterOverflows) {
        b.ovflwTs = t
        pending = true
      }
    }
    if (s.condition) {
      let r: unknown = false
      try {
        r = s.condition.run({evt, queue: b.queueView(), leaky: leakyView(b)})
      } catch {
        r = false
      }
      if (r === true) {
        b.ovflwTs = b.lastTs
        pending = true
      }
    }
    if (s.bayesian && b.guillotines) {
      const {prior, threshold, conditions} = s.bayesian
      let p = prior
      const vars = {evt, queue: b.queueView(), leaky: leakyView(b)}
      for (let i = 0; i < conditions.length; i++) {
        const c = conditions[i]!
        let truth: boolean
        if (c.guillotine && b.guillotines[i]) {
          truth = true
        } else {
          let r: unknown
          try {
            r = c.program.run(vars)
          } catch {
            continue
          }
          if (typeof r !== 'boolean') continue
          truth = r
          if (truth && c.guillotine) b.guillotines[i] = true
        }
        p = truth ? bayesUpdate(p, c.probGivenEvil, c.probGivenBenign)
          : bayesUpdate(p, Math.fround(1 - c.probGivenEvil), Math.fround(1 - c.probGivenBenign))
      }
      if (p > threshold) {
        b.ovflwTs = b.lastTs
        pending = true
      }
    }
    if (pending && b.firstTs !== null) this.overflow(store, b)
  }

  /** The expiry callback of a store (one per store, made once). */
  private expireIn(store: BucketStore): (b: Bucket) => void {
    let fn = this.expirers.get(store)
    if (fn === undefined) {
      fn = (b: Bucket) => this.expire(store, b)
      this.expirers.set(store, fn)
    }
    return fn
  }

  /** What a bucket of scenario `s` keeps of `evt` in its queue (a shared slim copy when possible). */
  private queued(evt: Event, s: CompiledScenario): Event {
    if (evt.Type !== EventType.log) return evt
    const spec = this.queueSpecs.get(s)
    if (spec === undefined || spec.keep === null) return evt
    if (this.slimSource !== evt) {
      this.releaseSlims()
      this.slimSource = evt
    }
    let slim = this.slims[spec.slot]
    if (slim === undefined) {
      slim = slimEvent(evt, spec.keep, this.ownStrings)
      this.slims[spec.slot] = slim
      this.slimsHeld = true
    }
    return slim
  }

  /** Forgets the slim copies of the event poured last (the bucket queues that took them keep them). */
  private releaseSlims(): void {
    this.slimSource = undefined
    if (!this.slimsHeld) return
    this.slims.fill(undefined)
    this.slimsHeld = false
  }

  /** An instance past its lifetime: counters overflow (at their deadline), others just end. */
  private expire(store: BucketStore, b: Bucket): void {
    if (b.scenario.type.absoluteLifetime && b.totalCount > 0) {
      b.ovflwTs = b.deadline()
      this.overflow(store, b, false)
      return
    }
    store.metrics.underflows++
    b.release()
  }

  /** An instance overflows: its alert, through overflow_filter, blackhole and postoverflows; the instance is gone after. */
  private overflow(store: BucketStore, b: Bucket, live = true): void {
    try {
      this.emitOverflow(store, b, live)
    } finally {
      b.release()
    }
  }

  private emitOverflow(store: BucketStore, b: Bucket, live: boolean): void {
    const s = b.scenario
    const m = store.metrics
    if (live) {
      store.delete(b)
      this.liveBuckets--
    }
    const built = buildAlert(b, this.options.context)
    let alert: RuntimeAlert
    if (built.alert === null) {
      this.logger.debug(`scenario ${s.name}: overflow of ${b.key} dropped: ${built.reason}`)
      alert = new RuntimeAlert()
      alert.Mapkey = b.key
    } else {
      alert = built.alert
    }
    if (s.overflowFilter) {
      let keep: unknown = true
      try {
        keep = s.overflowFilter.run({queue: b.queueView(), signal: alert, leaky: leakyView(b)})
      } catch {
        keep = true
      }
      if (keep === false) {
        m.filtered++
        return
      }
    }
    if (store.blackholed(s, b.key, b.ovflwTs!)) {
      m.blackholed++
      return
    }
    if (built.alert === null) {
      m.dropped++
      return
    }
    m.overflows++
    const evt = new Event()
    evt.Type = EventType.overflow
    evt.ExpectMode = ExpectMode.live
    evt.Overflow = alert as unknown as Event['Overflow']
    evt.MarshaledTime = overflowTime(b.ovflwTs!)
    this.options.postoverflow?.(evt)
    const whitelisted = evt.Whitelisted || alert.Whitelisted
    if (whitelisted) {
      alert.Whitelisted = true
      m.whitelisted++
    }
    if (this.collect) this.collected.push(evt)
    for (const l of this.listeners) l(evt)
    // postoverflow parsers and listeners run arbitrary code (even a nested pour): shared filter results are forgotten
    this.memo.next()
    this.overflowCount++
    if (s.reprocess && !whitelisted) {
      this.reprocessQueue.push(reprocessEvent(evt, alert))
      this.reprocessQueued = true
    }
  }

  /** Collects expired instances (replay: on the event clock; live: wall clock), firing due counters. */
  sweep(): void {
    this.poursSinceSweep = 0
    let live = 0
    for (const store of this.uniqueStores) {
      store.collect(this.now, this.expireIn(store))
      live += store.buckets.size
    }
    this.liveBuckets = live
  }

  /** Live mode timer work: expiry and counters on the wall clock. */
  tick(): void {
    this.sweep()
  }

  /**
   * Expiry on the wall clock of live instances only (`crowd watch`'s tick): replayed instances
   * keep expiring on the event clock as pours sweep them, so a replayed backlog gives what a
   * scan of it gives, whenever the ticks fall.
   */
  sweepLive(): void {
    const now = (mode: number): Instant | null => (mode === MODE_TIME_MACHINE ? null : this.clock.now())
    let live = 0
    for (const store of this.uniqueStores) {
      store.collect(now, this.expireIn(store))
      live += store.buckets.size
    }
    this.liveBuckets = live
  }

  /** Live instances and the events their queues hold (memory diagnostics). */
  liveState(): {buckets: number; events: number} {
    let buckets = 0, events = 0
    for (const store of this.uniqueStores) {
      buckets += store.buckets.size
      for (const b of store.buckets.values()) events += b.queue.length
    }
    return {buckets, events}
  }

  /**
   * The bucket state, JSON-safe (snapshot.ts): what a new detector needs to go on exactly where
   * this one is (cron runs of `crowd watch --once`, SIGHUP reloads). Take it between pours, not
   * from an overflow listener; overflows not taken yet and the metrics are not part of it.
   */
  snapshot(): DetectorSnapshot {
    return encodeSnapshot({clock: this.eventClock.latest, poursSinceSweep: this.poursSinceSweep, stores: this.storeViews()})
  }

  /**
   * The bucket state as rows (snapshot-rows.ts): all of them the first time, then only those
   * created, changed or removed since the previous call. Take it between pours, like snapshot().
   */
  snapshotChanges(): SnapshotChanges {
    this.tracker ??= new SnapshotTracker(this.storeViews())
    return this.tracker.take({clock: this.eventClock.latest, poursSinceSweep: this.poursSinceSweep})
  }

  /**
   * Puts back a snapshot() or the rows of snapshotChanges() (a SnapshotRows: the last header and
   * every row) (of this scenario set, or of an older one) into this detector, which
   * must not have poured yet. Instances of scenarios that are gone or changed are dropped and
   * counted in the report. The snapshot is checked whole before anything changes: a malformed
   * one throws CrowdError (code 'state') and leaves the detector as it was.
   */
  restore(snapshot: unknown): RestoreReport {
    if (this.liveBuckets > 0 || this.eventClock.latest !== null || this.metrics.events > 0) {
      throw new CrowdError('internal', 'a snapshot can only be restored into a detector that has not poured yet')
    }
    const plan = bindSnapshot(decodeSnapshot(snapshot), this.storeViews())
    let live = 0
    for (const {store, buckets, blackholes} of plan.stores) {
      store.restore(buckets, blackholes)
      live += buckets.length
    }
    this.eventClock.latest = plan.clock
    this.poursSinceSweep = plan.poursSinceSweep
    this.liveBuckets = live
    return plan.report
  }

  /** Each bucket store once, with the scenarios that use it (the store's key: name and filter). */
  private storeViews(): StoreView[] {
    const views = new Map<BucketStore, StoreView & {scenarios: CompiledScenario[]}>()
    for (const {scenario, store} of this.stores) {
      let view = views.get(store)
      if (view === undefined) views.set(store, (view = {name: scenario.name, filter: scenario.filterText, scenarios: [], store}))
      view.scenarios.push(scenario)
    }
    return [...views.values()]
  }

  /** End of input (§9.4): open instances are discarded without overflow. Returns how many. */
  flush(): number {
    let n = 0
    for (const store of this.uniqueStores) {
      const c = store.clear()
      store.metrics.discardedAtEnd += c
      n += c
    }
    this.liveBuckets = 0
    return n
  }

  /** Stops the live timer. */
  close(): void {
    if (this.timer !== undefined) clearInterval(this.timer)
    this.timer = undefined
  }
}

/** A whitelisted-free overflow going back to the scenarios (§14.3): LIVE, empty Meta/Parsed. */
function reprocessEvent(overflowEvt: Event, alert: RuntimeAlert): Event {
  const evt = new Event()
  evt.Type = EventType.overflow
  evt.ExpectMode = ExpectMode.live
  evt.Overflow = alert as unknown as Event['Overflow']
  evt.MarshaledTime = overflowEvt.MarshaledTime
  evt.Time = overflowEvt.Time
  evt.Process = true
  return evt
}

function bayesUpdate(prior: number, pe: number, pb: number): number {
  const num = Math.fround(pe * prior)
  const den = Math.fround(num + Math.fround(pb * Math.fround(1 - prior)))
  return Math.fround(num / den)
}

function toGoTime(t: Instant | null): GoTime {
  return t === null ? GoTime.zero() : new GoTime(t.sec, t.nsec)
}

/** `leaky` as expressions see it (CrowdSec field names). */
function leakyView(b: Bucket): Record<string, unknown> {
  return {
    Total_count: b.totalCount,
    First_ts: toGoTime(b.firstTs),
    Last_ts: toGoTime(b.lastTs),
    Ovflw_ts: toGoTime(b.ovflwTs),
    Mapkey: b.key,
    Uuid: b.uuid,
    Name: b.scenario.name,
    Mode: b.mode,
    Queue: b.queueView(),
  }
}
