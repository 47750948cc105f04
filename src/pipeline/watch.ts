/**
 * `crowd watch`: the scan's pipeline over sources that keep growing. One consumer takes the
 * sources' batches from a bounded queue (watch-queue.ts), parses them, pours them into the
 * scenarios, and commits the alerts with the state that covers them (watch-state.ts: positions,
 * and the bucket rows that changed) to an AgentSink (watch-sink.ts) in one step. Everything that
 * changes detector state happens in that one loop, between batches, so the saved buckets always
 * match the positions they are saved with.
 *
 * Two ways to run:
 * - daemon: sources follow their files (journald, syslog...) until `stop()`; a backlog is
 *   replayed on event time, new lines run on the wall clock, and live buckets are swept by the
 *   loop's tick. `stop()` drains what is queued (within `drainMs`), commits, and resolves.
 *   `reload()` swaps in new content, keeping the buckets of unchanged scenarios.
 * - once (cron): every source is read from its saved position to its current end, one after
 *   the other, on event time; the state is saved and the run ends. K runs over K pieces of a
 *   log give the alerts one scan of the whole log gives.
 *
 * Commit policy: alerts are committed as soon as the batch that made them is done (at most one
 * commit every `alertCommitMs`), positions alone every `stateCommitMs`. A commit that fails is
 * retried with backoff; meanwhile alerts are kept, and past `maxPendingAlerts` the loop stops
 * taking batches, so the sources wait instead of memory growing.
 */
import {detectLogType, typesFromFilters} from '../acquisition/detect-type.js'
import {applySimulation, type SimulationConfig} from '../decide/simulation.js'
import type {Detector} from '../detect/index.js'
import type {Alert} from '../model/alert.js'
import {CrowdError} from '../model/errors.js'
import {ExpectMode, newLogEvent, type Event} from '../model/event.js'
import {ExitCode, type ExitCodeValue} from '../model/exit-codes.js'
import {GoTime, UTC} from '../model/go-time.js'
import {silentLogger, type Logger} from '../model/logger.js'
import {buildWatchEngines, mergeParserMetrics, type LoadedStages} from './build-engines.js'
import {throughContentBundle, type ContentBundle} from './content-bundle.js'
import type {ScanContent} from './content.js'
import type {PourHints, PreviewedEvent} from '../detect/index.js'
import {alertsOfOverflow, type BucketMetric, type Engines, type ParserMetric} from './engines.js'
import {parseLines, type LineCounts, type LinesSource} from './parse-side.js'
import {wireKeys, type WorkerLogLevel} from './scan.js'
import {WatchParseWorker} from './watch-parse.js'
import {BoundedQueue} from './watch-queue.js'
import type {AgentSink, AgentStateChange, CommitOutcome} from './watch-sink.js'
import {startSource, type RunningSource, type SourceFigures, type WatchBatch, type WatchSourceSpec} from './watch-sources.js'
import {decodeWatchState, emptyWatchState, encodeWatchState, WATCH_STATE_VERSION, type RestoredWatchState, type SourcePosition, type WatchState} from './watch-state.js'

export interface WatchOptions {
  sources: readonly WatchSourceSpec[]
  stages: LoadedStages
  /** The cache bundle of the content the stages were compiled from (PreparedContent.bundle): the engines are built with it in force. */
  contentBundle?: ContentBundle
  sink: AgentSink
  once?: boolean
  /** Sources without a saved position start at their current end (CrowdSec's tail mode). */
  fromEnd?: boolean
  maxBuckets?: number
  maxLineBytes?: number
  simulation?: SimulationConfig
  logger?: Logger
  /** Lines the queue holds before sources wait (default 20000). */
  maxQueueLines?: number
  pollMs?: number
  globPollMs?: number
  closeRotatedAfterMs?: number
  /** Wall-clock sweep of live buckets (default 1000 ms). */
  tickMs?: number
  alertCommitMs?: number
  stateCommitMs?: number
  maxPendingAlerts?: number
  /** How long stop() may spend processing what is queued (default 10 s). */
  drainMs?: number
  /** Lines sampled to choose a source's log type when it has none (default 32). */
  sampleLines?: number
  /** Each alert once stored, with its id. */
  onAlert?: (alert: Alert, id: string) => void
  /** Alerts the profiles route to notification plugins (the notifications dispatcher subscribes here). */
  onNotify?: (notify: CommitOutcome['notify']) => void
  /** After each successful commit (tests, metrics). */
  onCommit?: (info: {alerts: number; decisions: number; stateBytes: number}) => void
  /**
   * Parse in a worker thread (watch-parse.ts), with the content the stages were compiled from;
   * the caller decides when (planWatchParseWorker: not when parsers share state with scenarios).
   */
  parseWorker?: WatchParseWorkerContent
}

export interface WatchParseWorkerContent {
  content: ScanContent
  logLevel?: WorkerLogLevel
  /** The worker script (tests: one that fails). */
  url?: URL
}

/** Per source counters, as `crowd metrics` and the run report show them. */
export interface WatchSourceReport extends SourceFigures {
  type: string
  parsed: number
  unparsed: number
  whitelisted: number
  poured: number
}

export interface WatchFiguresSnapshot {
  at: string
  since: string
  sources: WatchSourceReport[]
  parsers: ParserMetric[]
  buckets: (BucketMetric & {current: number})[]
  alerts: {scenario: string; count: number}[]
  queue: {lines: number; waits: number}
  /** Commits made and failed; time spent taking the state (changed rows and JSON) and what the last commit wrote (bytes). */
  commits: {ok: number; failed: number; stateMs: number; stateBytes: number; lastError?: string}
}

export interface WatchResult {
  /** What the sink is (`local store ...` or the LAPI URL). */
  target: string
  summary: {sources: number; lines: number; parsed: number; unparsed: number; alerts: number; decisions: number; source_errors: number}
  figures: WatchFiguresSnapshot
  errors: {source: string; code: string; message: string; file?: string; line?: number}[]
  warnings: string[]
  /** Buckets restored from the previous run, and dropped because their scenario changed or went away. */
  restored: {buckets: number; dropped: number}
  exit_code: ExitCodeValue
}

export interface WatchRun {
  /** Resolves when the run ends (once: at the end; daemon: after stop()). */
  readonly done: Promise<WatchResult>
  /** Stops the sources, drains the queue (within drainMs), commits, ends the run. */
  stop(): Promise<WatchResult>
  /** Swaps in new content (and sources, when given) without losing buckets of unchanged scenarios. */
  reload(next: WatchReload): Promise<{restored: number; dropped: number}>
  figures(): WatchFiguresSnapshot
}

export interface WatchReload {
  stages: LoadedStages
  /** As WatchOptions.contentBundle, for the new stages. */
  contentBundle?: ContentBundle
  sources?: readonly WatchSourceSpec[]
  /** The content of the new stages for the parse worker (without it, a reload parses in this thread). */
  parseWorker?: WatchParseWorkerContent
}

/**
 * Work whose effects (pours, positions) apply in the order the batches came: with a parse worker,
 * a batch's events are poured when its reply arrives, and a position moves only after the lines
 * before it were poured. `local` parses the batch here instead (its worker failed).
 */
interface Ticket {
  ready: boolean
  apply: () => void
  worker?: WatchParseWorker
  local?: () => void
}

/** Batches sent to the parse worker and not answered yet, at most. */
const WORKER_IN_FLIGHT = 8

/** Batches sent and not poured yet, with the work queued behind them, at most. */
const MAX_TICKETS = 2 * WORKER_IN_FLIGHT

interface SourceState {
  type: string | undefined
  /** Lines waiting for a log type to be chosen. */
  pending: {batch: WatchBatch; lines: readonly string[]}[]
  pendingLines: number
  counts: LineCounts
  report: WatchSourceReport
}

const DEFAULTS = {maxQueueLines: 20_000, pollMs: 100, globPollMs: 2000, closeRotatedAfterMs: 1000, tickMs: 1000, alertCommitMs: 50, stateCommitMs: 1000, maxPendingAlerts: 10_000, drainMs: 10_000, sampleLines: 32}

/** Starts a watch run (loads the saved state first: a corrupt one is set aside and the run starts clean). */
export async function startWatch(options: WatchOptions): Promise<WatchRun> {
  const o = {...DEFAULTS, ...definedOnly(options)}
  const logger = options.logger ?? silentLogger
  const once = options.once === true
  const sink = options.sink
  const warnings: string[] = []
  const errors: WatchResult['errors'] = []
  const since = new Date().toISOString()

  // ---- state from the previous run
  let state: RestoredWatchState = emptyWatchState()
  const saved = await sink.loadState()
  if (saved !== undefined) {
    try {
      state = decodeWatchState(saved, sink.target)
    } catch (error) {
      const where = await sink.setAsideState(saved)
      const message = `${(error as Error).message}; set aside in ${where}, starting clean`
      logger.error(message)
      warnings.push(message)
    }
  }

  // the engines over compiled stages, built with the content's cache bundle in force
  const build = (stages: LoadedStages, bundle: ContentBundle | undefined) =>
    throughContentBundle(bundle, () => buildWatchEngines(stages, {mode: once ? 'replay' : 'live', maxBuckets: options.maxBuckets, logger}))
  let {engines, detector} = build(options.stages, options.contentBundle)
  let candidates = typesFromFilters(engines.parsers.filters)
  const restored = {buckets: 0, dropped: 0}
  if (state.buckets !== null) {
    try {
      const report = detector.restore(state.buckets as Parameters<Detector['restore']>[0])
      restored.buckets = report.restored
      restored.dropped = report.dropped
      if (report.dropped > 0) warnings.push(`${report.dropped} saved bucket(s) dropped: their scenario changed or is no longer loaded`)
    } catch (error) {
      const where = await sink.setAsideState(saved!)
      const message = `${(error as Error).message}; set aside in ${where}, starting clean`
      logger.error(message)
      warnings.push(message)
      state = emptyWatchState()
      ;({engines, detector} = build(options.stages, options.contentBundle))
    }
  }

  const positions: Record<string, SourcePosition> = state.positions
  const queue = new BoundedQueue<WatchBatch>(o.maxQueueLines)

  // ---- the parse worker, and the tickets that keep its replies in order

  const tickets: Ticket[] = []
  let replyWake: (() => void) | undefined
  /** Parser counters of workers that ended (a reload resets them, as it resets this thread's). */
  let endedWorkerMetrics: ParserMetric[] = []
  const onFailure = (error: Error, failed: WatchParseWorker): void => {
    const message = `parse worker failed (${error.message}): parsing in this thread from now on`
    logger.error(message)
    warnings.push(message)
    for (const t of tickets) {
      if (!t.ready && t.worker === failed) {
        t.ready = true
        t.apply = t.local!
      }
    }
    if (worker === failed) worker = undefined
    wakeLoop()
  }
  const wakeLoop = (): void => {
    queue.interrupt()
    const wake = replyWake
    replyWake = undefined
    wake?.()
  }
  const startParseWorker = (content: WatchParseWorkerContent | undefined): WatchParseWorker | undefined => {
    if (content === undefined) return undefined
    const needs = engines.detector.eventKeyNeeds?.()
    return new WatchParseWorker({...content, keys: needs === undefined ? undefined : wireKeys(needs), logger, onFailure, onReply: wakeLoop})
  }
  let worker = startParseWorker(options.parseWorker)
  /** Runs `apply` now when nothing is waiting for the worker, else after what is. */
  const later = (apply: () => void): void => {
    if (tickets.length === 0) apply()
    else tickets.push({ready: true, apply})
  }
  /** Applies the tickets whose turn came. */
  const settle = (): void => {
    while (tickets.length > 0 && tickets[0]!.ready) tickets.shift()!.apply()
  }
  const inFlight = (): number => tickets.length === 0 ? 0 : tickets.filter((t) => !t.ready).length
  /** Waits for a reply from the worker, at most until `deadline`. */
  const replyBefore = (deadline: number): Promise<void> =>
    new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        replyWake = undefined
        resolve()
      }, Math.max(1, deadline - Date.now()))
      replyWake = () => {
        clearTimeout(timer)
        resolve()
      }
    })
  const sourceStates = new Map<string, SourceState>()
  const alertCounts = new Map<string, number>()
  let pending: Alert[] = []
  let dirty = false
  let lastCommit = Date.now()
  let lastAlertCommit = 0
  let nextTick = Date.now() + o.tickMs
  let retryAt = 0
  let backoff = 500
  const commits: WatchFiguresSnapshot['commits'] = {ok: 0, failed: 0, stateMs: 0, stateBytes: 0}
  let totalAlerts = 0
  let totalDecisions = 0

  const onSourceError = (key: string, error: CrowdError): void => {
    if (errors.some((e) => e.source === key && e.message === error.reason)) return
    errors.push({source: key, code: error.code, message: error.reason, ...(error.file !== undefined ? {file: error.file} : {}), ...(error.line !== undefined ? {line: error.line} : {})})
  }

  const sourceCtx = () => ({
    queue, once, fromEnd: options.fromEnd === true, maxLineBytes: o.maxLineBytes ?? 64 * 1024, pollMs: o.pollMs, globPollMs: o.globPollMs,
    closeRotatedAfterMs: o.closeRotatedAfterMs, positions, logger, onSourceError,
  })

  // ---- the detection side of one batch

  const handleOverflows = (overflows: Event[]): void => {
    for (const ov of overflows) {
      if (engines.postoverflows !== undefined && !engines.postoverflows.process(ov)) continue
      for (const alert of alertsOfOverflow(ov)) {
        if (options.simulation !== undefined) applySimulation(alert, options.simulation)
        pending.push(alert)
        alertCounts.set(alert.Scenario, (alertCounts.get(alert.Scenario) ?? 0) + 1)
      }
    }
  }
  const sink$ = {
    event: (evt: Event, hints?: PourHints) => {
      const overflows = engines.detector.pour(evt, hints)
      if (overflows.length > 0) handleOverflows(overflows)
    },
    previewed: (evt: PreviewedEvent) => {
      const overflows = engines.detector.pourPreviewed!(evt)
      if (overflows.length > 0) handleOverflows(overflows)
    },
  }

  const stateOf = (batch: WatchBatch): SourceState => {
    // one state per file or journal; a syslog server's senders share one (they are as many as an attacker wants)
    const id = batch.module === 'syslog' ? batch.key : `${batch.key}\u0000${batch.src}`
    let s = sourceStates.get(id)
    if (s === undefined) {
      const type = batch.labels.type
      s = {
        type, pending: [], pendingLines: 0, counts: {parsed: 0, unparsed: 0, whitelisted: 0, poured: 0},
        report: {key: batch.key, src: batch.module === 'syslog' ? batch.key.slice('syslog:'.length) : batch.src, module: batch.module, type: type ?? 'unknown', lines: 0, bytes: 0, truncated: 0, dropped: 0, errors: 0, parsed: 0, unparsed: 0, whitelisted: 0, poured: 0},
      }
      sourceStates.set(id, s)
    }
    return s
  }

  const parseBatch = (s: SourceState, batch: WatchBatch, lines: readonly string[]): void => {
    if (lines.length === 0) return
    const from: LinesSource = {input: 0, source: 0, src: batch.src, module: batch.module, labels: batch.labels, now: GoTime.now(UTC)}
    const mode = batch.replay ? ExpectMode.timeMachine : ExpectMode.live
    const here = (): void => parseLines(engines.parsers, lines, from, s.counts, sink$, 0, mode)
    const w = worker
    if (w === undefined) {
      later(here)
      return
    }
    const ticket: Ticket = {ready: false, apply: here, worker: w, local: here}
    tickets.push(ticket)
    w.send(lines, from, mode, (reply) => {
      ticket.ready = true
      ticket.apply = () => addCounts(s.counts, reply.pour(sink$))
    })
  }

  /** A source without a log type: its first lines choose one (as the scan does), trial-parsed by the loaded parsers. */
  const chooseType = (s: SourceState, batch: WatchBatch, force: boolean): void => {
    const sample = s.pending.flatMap((p) => p.lines).slice(0, o.sampleLines)
    if (!force && sample.length < o.sampleLines) return
    const detection = detectLogType(sample, {
      candidates,
      trial: (type, lines) => {
        let ok = 0
        for (const raw of lines) {
          const labels = Object.assign(Object.create(null) as Record<string, string>, batch.labels, {type})
          const evt = newLogEvent({raw, src: batch.src, module: batch.module, labels, time: GoTime.now(UTC)})
          evt.ExpectMode = ExpectMode.timeMachine
          if (engines.parsers.parse(evt, {trial: true})) ok++
        }
        return ok
      },
    })
    s.type = detection.type ?? 'unknown'
    batch.labels.type = s.type
    s.report.type = s.type
    if (detection.type === undefined) warnings.push(`${batch.src}: could not detect the log type from ${sample.length} lines; give it as PATH:TYPE or labels.type`)
    else logger.info(`${batch.src}: log type ${s.type} (chosen by ${detection.method})`)
    const waiting = s.pending
    s.pending = []
    s.pendingLines = 0
    for (const p of waiting) parseBatch(s, p.batch, p.lines)
  }

  const processBatch = (batch: WatchBatch): void => {
    if (batch.forget === true) {
      later(() => {
        delete positions[batch.key]
        for (const [id, st] of sourceStates) if (st.report.key === batch.key) sourceStates.delete(id)
        dirty = true
      })
      return
    }
    const s = stateOf(batch)
    if (s.type === undefined) {
      s.pending.push({batch, lines: batch.lines})
      s.pendingLines += batch.lines.length
      // in a daemon the sample is what the first read found: a quiet file does not wait for 32 lines
      chooseType(s, batch, !once || s.pendingLines >= o.sampleLines)
    } else {
      parseBatch(s, batch, batch.lines)
    }
    const position = s.type !== undefined ? batch.position : undefined
    later(() => {
      if (position !== undefined) positions[batch.key] = position
      dirty = true
    })
  }

  // ---- commits

  /** Bucket rows taken from the detector and not committed yet (null: deleted); a failed commit's join the next. */
  let rowsToWrite = {full: false, rows: new Map<string, string | null>()}
  const stateChange = (): AgentStateChange => {
    const changes = detector.snapshotChanges()
    if (changes.full) rowsToWrite = {full: true, rows: new Map()}
    for (const key of changes.deletes) rowsToWrite.rows.set(key, null)
    for (const [key, row] of changes.upserts) rowsToWrite.rows.set(key, JSON.stringify(row))
    const upserts: [string, string][] = []
    const deletes: string[] = []
    for (const [key, value] of rowsToWrite.rows) {
      if (value !== null) upserts.push([key, value])
      else if (!rowsToWrite.full) deletes.push(key)
    }
    const state: WatchState = {version: WATCH_STATE_VERSION, savedAt: new Date().toISOString(), positions, buckets: changes.header}
    return {state: encodeWatchState(state), rows: {full: rowsToWrite.full, upserts, deletes}}
  }

  const commit = async (): Promise<boolean> => {
    const alerts = pending
    pending = []
    const started = performance.now()
    const change = stateChange()
    lastStateMs = performance.now() - started
    commits.stateMs += lastStateMs
    const bytes = change.state.length + change.rows.upserts.reduce((n, [k, v]) => n + k.length + v.length, 0)
    commits.stateBytes = bytes
    try {
      const outcome = await sink.commit(alerts, change)
      rowsToWrite = {full: false, rows: new Map()}
      commits.ok++
      backoff = 500
      retryAt = 0
      dirty = false
      lastCommit = Date.now()
      if (alerts.length > 0) lastAlertCommit = lastCommit
      totalAlerts += alerts.length
      totalDecisions += outcome.decisions
      if (options.onAlert !== undefined) alerts.forEach((a, i) => options.onAlert!(a, outcome.ids[i] ?? ''))
      if (outcome.notify.length > 0) options.onNotify?.(outcome.notify)
      options.onCommit?.({alerts: alerts.length, decisions: outcome.decisions, stateBytes: bytes})
      return true
    } catch (error) {
      pending = alerts.concat(pending)
      commits.failed++
      commits.lastError = (error as Error).message
      retryAt = Date.now() + backoff
      logger.error(`commit to ${sink.target} failed (retrying in ${backoff} ms): ${(error as Error).message}`)
      backoff = Math.min(backoff * 2, 30_000)
      return false
    }
  }

  /**
   * A commit writes the bucket rows the batches since the last one changed (snapshot-rows.ts), so
   * its cost follows the load, not the live buckets. Alert commits are still spaced so that taking
   * the state uses at most about a fifth of the time, state-only commits a tenth: light loads
   * commit alerts within alertCommitMs, heavy ones in fewer, larger commits.
   */
  let lastStateMs = 0
  const commitDue = (now: number): boolean => {
    if (now < retryAt) return false
    if (pending.length > 0 && now - lastAlertCommit >= Math.max(o.alertCommitMs, 5 * lastStateMs)) return true
    return dirty && now - lastCommit >= Math.max(o.stateCommitMs, 10 * lastStateMs)
  }

  // ---- sources and the loop

  let sources: RunningSource[] = []
  let stopping = false
  let reloading: Promise<unknown> | undefined
  let drainDeadline = Infinity
  let sourcesDone: {done: Promise<void>}

  /** Starts the sources; `done` settles when (in cron mode) all of them were read to their end. */
  const startSources = async (specs: readonly WatchSourceSpec[]): Promise<{done: Promise<void>}> => {
    if (once) {
      // one after the other, in the order given: the same input order as a scan
      const done = (async () => {
        for (const spec of specs) {
          if (stopping) break
          try {
            const src = await startSource(spec, sourceCtx())
            sources.push(src)
            await src.done
          } catch (error) {
            onSourceError(spec.kind, error instanceof CrowdError ? error : new CrowdError('input', (error as Error).message))
          }
        }
      })()
      return {done}
    }
    for (const spec of specs) {
      try {
        sources.push(await startSource(spec, sourceCtx()))
      } catch (error) {
        const e = error instanceof CrowdError ? error : new CrowdError('input', (error as Error).message)
        if (e.code === 'usage' || e.code === 'config') throw e
        onSourceError(spec.kind, e)
        logger.error(e.message)
      }
    }
    return {done: Promise.resolve()}
  }

  /** The last figures of sources that were stopped (the end of a cron run, a reload). */
  const finished = new Map<string, SourceFigures>()
  const figuresKey = (f: {key: string; src: string}): string => `${f.key}\u0000${f.src}`
  const stopSources = async (): Promise<void> => {
    const list = sources
    sources = []
    await Promise.all(list.map((s) => s.stop()))
    for (const s of list) for (const f of s.figures()) finished.set(figuresKey(f), f)
  }

  let currentSpecs = options.sources
  try {
    sourcesDone = await startSources(currentSpecs)
  } catch (error) {
    await stopSources()
    throw error
  }
  let inputsEnded = false
  void sourcesDone.done.then(() => {
    if (once) {
      inputsEnded = true
      queue.interrupt()
    }
  })

  /** The run ended with processed lines or alerts it could not commit. */
  let unsaved = false
  const loop = async (): Promise<void> => {
    for (;;) {
      settle()
      const now = Date.now()
      if (!once && now >= nextTick) {
        detector.sweepLive()
        handleOverflows(detector.takeOverflows())
        nextTick = now + o.tickMs
      }
      if (commitDue(now)) await commit()
      if (reloading !== undefined) await reloading
      const blocked = pending.length >= o.maxPendingAlerts
      const endOfInput = (once && inputsEnded) || stopping
      if (endOfInput && ((queue.length === 0 && tickets.length === 0) || Date.now() > drainDeadline)) break
      const wakeAt = Math.min(once ? Date.now() + 50 : nextTick, dirty ? lastCommit + Math.max(o.stateCommitMs, 10 * lastStateMs) : Infinity,
        pending.length > 0 ? lastAlertCommit + Math.max(o.alertCommitMs, 5 * lastStateMs) : Infinity, retryAt > 0 ? retryAt : Infinity)
      if (blocked) {
        await new Promise((r) => setTimeout(r, Math.max(10, Math.min(1000, retryAt - Date.now()))))
        continue
      }
      // the worker has enough to do, or the input ended: wait for its replies
      if (tickets.length > 0 && (inFlight() >= WORKER_IN_FLIGHT || tickets.length >= MAX_TICKETS || (endOfInput && queue.length === 0))) {
        await replyBefore(wakeAt)
        continue
      }
      const batch = await queue.take(endOfInput ? Date.now() : wakeAt)
      if (batch !== undefined) processBatch(batch)
    }
    // sources without a chosen type yet: choose with what came
    for (const [, s] of sourceStates) {
      if (s.type === undefined && s.pending.length > 0) {
        const waiting = s.pending
        chooseType(s, waiting[0]!.batch, true)
        for (const p of waiting) {
          const position = p.batch.position
          if (position !== undefined) later(() => void (positions[p.batch.key] = position))
        }
      }
    }
    // the lines still with the worker (within the drain time; what is left is read again next time)
    while (tickets.length > 0 && (Date.now() <= drainDeadline || !stopping)) {
      settle()
      if (tickets.length > 0) await replyBefore(Date.now() + 1000)
    }
    if (worker !== undefined) {
      endedWorkerMetrics = await worker.end()
      worker = undefined
    }
    // the last commit: retried a few times (a daemon being stopped should not lose its alerts to a busy database)
    for (let attempt = 0; attempt < 5 && (dirty || pending.length > 0 || commits.ok === 0); attempt++) {
      if (await commit()) break
      await new Promise((r) => setTimeout(r, Math.min(2000, 200 * 2 ** attempt)))
    }
    // what could not be committed is read again next time (positions did not move): the run still failed
    unsaved = dirty || pending.length > 0
  }

  const figures = (): WatchFiguresSnapshot => {
    // what each source read (lines, bytes, cuts, drops, errors): running sources, else their last figures
    const read = new Map(finished)
    for (const src of sources) for (const f of src.figures()) read.set(figuresKey(f), f)
    const reports: WatchSourceReport[] = []
    for (const [, s] of sourceStates) {
      const r = Object.assign(s.report, s.counts)
      const f = read.get(figuresKey(r))
      if (f !== undefined) Object.assign(r, {lines: f.lines, bytes: f.bytes, truncated: f.truncated, dropped: f.dropped, errors: f.errors, rotations: f.rotations, truncations: f.truncations})
      else r.lines = s.counts.parsed + s.counts.unparsed + s.counts.whitelisted
      reports.push({...r})
    }
    reports.sort((a, b) => (a.src < b.src ? -1 : a.src > b.src ? 1 : 0))
    const scenarios = detector.metrics.scenarios
    const buckets = (engines.detector.metrics?.() ?? []).map((b) => ({...b, current: scenarios[b.name]?.current ?? 0}))
    return {
      at: new Date().toISOString(), since, sources: reports, parsers: mergeParserMetrics(engines.parsers.metrics?.() ?? [], worker?.metrics() ?? endedWorkerMetrics), buckets,
      alerts: [...alertCounts].map(([scenario, count]) => ({scenario, count})).sort((a, b) => (a.scenario < b.scenario ? -1 : 1)),
      queue: {lines: queue.lines, waits: queue.waits}, commits: {...commits},
    }
  }

  const result = (): WatchResult => {
    const f = figures()
    const summary = {sources: f.sources.length, lines: 0, parsed: 0, unparsed: 0, alerts: totalAlerts, decisions: totalDecisions, source_errors: errors.length}
    for (const s of f.sources) {
      summary.lines += s.lines
      summary.parsed += s.parsed
      summary.unparsed += s.unparsed
    }
    const exit: ExitCodeValue = unsaved ? ExitCode.service : errors.length > 0 ? ExitCode.input : totalAlerts > 0 ? ExitCode.found : ExitCode.ok
    return {target: sink.target, summary, figures: f, errors, warnings, restored, exit_code: exit}
  }

  const done = (async () => {
    try {
      await loop()
    } finally {
      stopping = true
      queue.close()
      await stopSources()
      if (worker !== undefined) await worker.terminate()
    }
    return result()
  })()

  const stop = async (): Promise<WatchResult> => {
    if (!stopping) {
      stopping = true
      drainDeadline = Date.now() + o.drainMs
      await stopSources()
      queue.close()
    }
    return done
  }

  const reload = async (next: WatchReload): Promise<{restored: number; dropped: number}> => {
    let release!: () => void
    const gate = new Promise<void>((r) => (release = r))
    let outcome = {restored: 0, dropped: 0}
    const work = (async () => {
      const snap = detector.snapshot()
      const built = build(next.stages, next.contentBundle)
      const report = built.detector.restore(snap)
      engines = built.engines
      detector = built.detector
      candidates = typesFromFilters(engines.parsers.filters)
      // the new content gets its own worker; the old one answers what it was sent, then stops
      worker?.retire()
      endedWorkerMetrics = []
      worker = startParseWorker(next.parseWorker)
      outcome = {restored: report.restored, dropped: report.dropped}
      if (next.sources !== undefined) {
        await stopSources()
        currentSpecs = next.sources
        await startSources(currentSpecs)
      }
    })()
    reloading = gate
    try {
      await work
    } finally {
      reloading = undefined
      release()
    }
    return outcome
  }

  return {done, stop, reload, figures}
}

function addCounts(to: LineCounts, more: LineCounts): void {
  to.parsed += more.parsed
  to.unparsed += more.unparsed
  to.whitelisted += more.whitelisted
  to.poured += more.poured
}

function definedOnly<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>
}
