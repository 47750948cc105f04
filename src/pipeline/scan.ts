/**
 * One-shot scan (issue 6): acquisition -> parser stages -> scenarios (replay mode) ->
 * postoverflows -> profiles, over every input in the order given, strictly sequentially, so
 * a scan always gives the same alerts in the same order.
 *
 * Each source gets its log type from `PATH:TYPE`, `--type`, or detection on its first lines
 * (acquisition/detect-type.ts, with a trial parse by the loaded parsers). An input that cannot
 * be read is recorded with its error and the scan goes on (exit code 3). At the end of the
 * input open buckets are discarded (scenarios.md §9.4).
 */
import type {InputSpec, SourceInfo, SourceMetrics} from '../acquisition/types.js'
import {applyProfiles, type Profile} from '../decide/profiles.js'
import {applySimulation, type SimulationConfig} from '../decide/simulation.js'
import type {EventKeyNeeds, KeyNeeds} from '../detect/index.js'
import type {Alert} from '../model/alert.js'
import type {Event} from '../model/event.js'
import type {WireKeys} from '../model/event-wire.js'
import {ExitCode, type ExitCodeValue} from '../model/exit-codes.js'
import {silentLogger, type Logger} from '../model/logger.js'
import {alertsOfOverflow, type BucketMetric, type Engines, type ParserMetric} from './engines.js'
import {parseInputs, type ParseSideResult, type ParseSink} from './parse-side.js'
import {HAND_OFF_IN_FLIGHT, MAX_IN_FLIGHT, parseInWorker, planParseWorker, type EarlyParseWorker, type ParseWorkerData, type ParseWorkerGo} from './parse-thread.js'
import type {ParseWorkerSetting} from './parse-worker-start.js'
import type {ScanContent} from './content.js'

export interface ScanOptions {
  inputs: readonly InputSpec[]
  /** Log type for every input without its own `:TYPE` (`--type`). */
  type?: string
  engines: Engines
  profiles: readonly Profile[]
  simulation?: SimulationConfig
  maxLineBytes?: number
  /** Lines sampled per source for type detection (default 32). */
  sampleLines?: number
  stdin?: AsyncIterable<Uint8Array>
  logger?: Logger
  /** Called for each alert as soon as its decisions are known (`--ndjson`). */
  onAlert?: (alert: Alert) => void
  /** Called after every batch of a source, and once when it ends. */
  onProgress?: (progress: ScanProgress) => void
  /** `--fail-on`: whether alerts make the exit code 1 (default alert). */
  failOn?: 'none' | 'alert'
  /** Which content was used, copied into the result. */
  content?: ContentReport
  /**
   * Parse in a worker thread (`--parse-workers`): 0 never, 1 when possible, auto (default 0
   * here; the CLI passes auto) when the inputs are big enough; see planParseWorker.
   */
  parseWorkers?: ParseWorkerSetting
  /**
   * With the parse worker: whether it hands batches of lines to this thread to parse when this
   * thread is about to run out of work (auto, the default: see HAND_OFF_IN_FLIGHT), always, or
   * never. Results do not depend on it (tests compare all three).
   */
  parseHandOff?: 'auto' | 'always' | 'never'
  /**
   * What the parse worker needs to compile the parsers itself (prepareScan sets it); whether
   * the content keeps state between parsers and scenarios (stash helpers), which keeps parsing
   * in this thread; whether parsers keep state from line to line (stash helpers in parser
   * files), which keeps every line in the worker (none is handed back).
   */
  parseWorkerContent?: {content: ScanContent; sharedState: boolean; parserState?: boolean}
  /** A parse worker prepareScan started for these inputs (it compiles while this thread does); used once. */
  parseWorkerEarly?: EarlyParseWorker
  /** The logger's level: the parse worker sends only logs at this level or above (default: all). */
  logLevel?: WorkerLogLevel
}

export type WorkerLogLevel = 'error' | 'warn' | 'info' | 'debug' | 'trace'

export interface ContentReport {
  /** `hub` (--hub DIR), `installed` (the data dir's hub) or `embedded` (crowd's first-party collections). */
  origin: string
  /** The collections asked for (expanded ones included); empty for installed content. */
  collections: string[]
  scenarios: number
  parsers: number
}

export interface ScanProgress {
  input: string
  src: string
  metrics: Readonly<SourceMetrics>
  done: boolean
}

export type TypeChoice = 'input' | 'flag' | 'parsers' | 'signature' | 'none'

export interface SourceReport {
  src: string
  reader: SourceInfo['reader']
  /** The log type the source was read as (`unknown` when nothing fitted). */
  type: string
  /** How the type was chosen. */
  type_from: TypeChoice
  lines: number
  bytes: number
  truncated: number
  invalid_utf8: number
  empty: number
  parsed: number
  unparsed: number
  whitelisted: number
  poured: number
  error?: ErrorReport
}

export interface InputReport {
  input: string
  type?: string
  sources: SourceReport[]
  error?: ErrorReport
}

export interface ErrorReport {
  code: string
  message: string
  file?: string
  line?: number
}

export interface AcquisitionMetric {
  source: string
  lines_read: number
  lines_parsed: number
  lines_unparsed: number
  lines_poured: number
}

export interface ScanSummary {
  inputs: number
  sources: number
  lines: number
  parsed: number
  unparsed: number
  whitelisted: number
  alerts: number
  decisions: number
  /** Overflows dropped by postoverflow whitelists. */
  whitelisted_overflows: number
  input_errors: number
}

export interface ScanResult {
  content?: ContentReport
  alerts: Alert[]
  inputs: InputReport[]
  metrics: {acquisition: AcquisitionMetric[]; parsers: ParserMetric[]; buckets: BucketMetric[]}
  summary: ScanSummary
  warnings: string[]
  exit_code: ExitCodeValue
}

export async function runScan(options: ScanOptions): Promise<ScanResult> {
  const logger = options.logger ?? silentLogger
  const {parsers, detector, postoverflows} = options.engines
  const result: ScanResult = {
    ...(options.content !== undefined ? {content: options.content} : {}),
    alerts: [],
    inputs: [],
    metrics: {acquisition: [], parsers: [], buckets: []},
    summary: {inputs: 0, sources: 0, lines: 0, parsed: 0, unparsed: 0, whitelisted: 0, alerts: 0, decisions: 0, whitelisted_overflows: 0, input_errors: 0},
    warnings: [...options.engines.warnings],
    exit_code: ExitCode.ok,
  }

  const handleOverflows = (overflows: Event[]): void => {
    for (const ov of overflows) {
      if (postoverflows !== undefined && !postoverflows.process(ov)) {
        result.summary.whitelisted_overflows++
        continue
      }
      for (const alert of alertsOfOverflow(ov)) {
        if (options.simulation !== undefined) applySimulation(alert, options.simulation)
        const outcome = applyProfiles(alert, options.profiles, logger)
        for (const e of outcome.errors) result.warnings.push(`${alert.Scenario}: ${e}`)
        result.alerts.push(alert)
        result.summary.alerts++
        result.summary.decisions += outcome.decisions.length
        options.onAlert?.(alert)
      }
    }
  }

  // Parsed events are poured as they come, from this thread or from the parse worker.
  const sink: ParseSink = {
    event: (evt, hints) => {
      const overflows = detector.pour(evt, hints)
      if (overflows.length > 0) handleOverflows(overflows)
    },
    previewed: (evt) => {
      const overflows = detector.pourPreviewed!(evt)
      if (overflows.length > 0) handleOverflows(overflows)
    },
    warning: (message) => void result.warnings.push(message),
    progress: (p) => options.onProgress?.(p),
  }
  const sideOptions = {inputs: options.inputs, type: options.type, maxLineBytes: options.maxLineBytes, sampleLines: options.sampleLines, stdin: options.stdin, parsers, logger}
  const plan = planParseWorker(options)
  const side = plan.use && plan.content !== undefined
    ? await inWorker(options, plan.content, plan.handOff === true, sink, logger)
    : await parseInputs(sideOptions, sink)
  if (plan.note !== undefined) logger.debug(plan.note)
  result.inputs = side.inputs
  result.summary.inputs = side.inputs.length
  result.summary.input_errors = side.inputErrors
  handleOverflows(detector.flush())

  for (const input of result.inputs) {
    for (const s of input.sources) {
      result.summary.sources++
      result.summary.lines += s.lines
      result.summary.parsed += s.parsed
      result.summary.unparsed += s.unparsed
      result.summary.whitelisted += s.whitelisted
      result.metrics.acquisition.push({source: s.src, lines_read: s.lines, lines_parsed: s.parsed, lines_unparsed: s.unparsed, lines_poured: s.poured})
      if (s.truncated > 0) result.warnings.push(`${s.src}: ${s.truncated} line(s) longer than the limit were truncated`)
      if (s.invalid_utf8 > 0) result.warnings.push(`${s.src}: ${s.invalid_utf8} line(s) with invalid UTF-8 (replaced)`)
    }
  }
  result.metrics.parsers = side.parserMetrics
  result.metrics.buckets = detector.metrics?.() ?? []
  result.exit_code = scanExitCode(result.summary, options.failOn ?? 'alert')
  return result
}

/** Runs the parse side in the worker prepareScan started, or in a new one. */
function inWorker(options: ScanOptions, content: ScanContent, handOff: boolean, sink: ParseSink, logger: Logger): Promise<ParseSideResult> {
  const data = parseWorkerData(options, content, options.engines.detector.pourPreviewed !== undefined)
  const go: ParseWorkerGo = {handOffInFlight: options.parseHandOff === 'always' ? MAX_IN_FLIGHT : HAND_OFF_IN_FLIGHT}
  const needs = options.engines.detector.eventKeyNeeds?.()
  if (needs !== undefined) go.keys = wireKeys(needs)
  const parsers = handOff && options.parseHandOff !== 'never' ? options.engines.parsers : undefined
  const worker = options.parseWorkerEarly?.take(data)
  if (worker !== undefined) logger.debug('parse worker: started ahead, while this thread compiled')
  return parseInWorker(data, sink, logger, {go, parsers, worker})
}

/**
 * What the parse worker is sent when started: plain data only (structured clone). With
 * `preview`, events no scenario takes cross as a few numbers (the detector pours them with
 * pourPreviewed).
 */
export function parseWorkerData(options: Pick<ScanOptions, 'inputs' | 'type' | 'maxLineBytes' | 'sampleLines' | 'logLevel'>, content: ScanContent, preview: boolean): ParseWorkerData {
  const data: ParseWorkerData = {content, inputs: options.inputs.map((i) => ({...i})), logLevel: options.logLevel ?? 'trace'}
  if (options.type !== undefined) data.type = options.type
  if (options.maxLineBytes !== undefined) data.maxLineBytes = options.maxLineBytes
  if (options.sampleLines !== undefined) data.sampleLines = options.sampleLines
  if (preview) data.preview = true
  return data
}

/** The wire form of what the detector reads: the events then cross with only those fields. */
export function wireKeys(needs: EventKeyNeeds): WireKeys {
  const list = (k: KeyNeeds): string[] | undefined => (k === 'all' ? undefined : [...k].sort())
  const keys: WireKeys = {raw: needs.raw}
  const parsed = list(needs.Parsed)
  const enriched = list(needs.Enriched)
  const unmarshaled = list(needs.Unmarshaled)
  if (parsed !== undefined) keys.Parsed = parsed
  if (enriched !== undefined) keys.Enriched = enriched
  if (unmarshaled !== undefined) keys.Unmarshaled = unmarshaled
  return keys
}

/** 3 when an input could not be read (the report is incomplete), else 1 when alerts were found (unless --fail-on none), else 0. */
export function scanExitCode(summary: ScanSummary, failOn: 'none' | 'alert'): ExitCodeValue {
  if (summary.input_errors > 0) return ExitCode.input
  if (failOn === 'alert' && summary.alerts > 0) return ExitCode.found
  return ExitCode.ok
}

/**
 * The alerts of a scan as an async iterable (`--ndjson`): alerts come out as the scan finds
 * them; `result` resolves with the whole ScanResult at the end.
 */
export function scanAlerts(options: Omit<ScanOptions, 'onAlert'>): AsyncIterable<Alert> & {result: Promise<ScanResult>} {
  const queue: Alert[] = []
  let wake: (() => void) | undefined
  let finished = false
  const result = runScan({
    ...options,
    onAlert: (alert) => {
      queue.push(alert)
      wake?.()
    },
  }).finally(() => {
    finished = true
    wake?.()
  })
  return {
    result,
    async *[Symbol.asyncIterator]() {
      for (;;) {
        if (queue.length > 0) {
          yield queue.shift()!
          continue
        }
        if (finished) {
          await result
          return
        }
        await new Promise<void>((resolve) => {
          wake = resolve
        })
        wake = undefined
      }
    },
  }
}
