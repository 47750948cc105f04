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
import {detectLogType, typesFromFilters} from '../acquisition/detect-type.js'
import {expandInput} from '../acquisition/registry.js'
import type {InputSpec, RawLine, SourceInfo, SourceMetrics} from '../acquisition/types.js'
import {applyProfiles, type Profile} from '../decide/profiles.js'
import {applySimulation, type SimulationConfig} from '../decide/simulation.js'
import type {Alert} from '../model/alert.js'
import {CrowdError} from '../model/errors.js'
import {ExpectMode, newLogEvent, type Event} from '../model/event.js'
import {ExitCode, type ExitCodeValue} from '../model/exit-codes.js'
import {GoTime, UTC} from '../model/go-time.js'
import {silentLogger, type Logger} from '../model/logger.js'
import {alertsOfOverflow, type BucketMetric, type Engines, type ParserMetric} from './engines.js'

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
}

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

interface SourceState {
  report: SourceReport
  info: SourceInfo
  pending: RawLine[] | undefined
}

const DEFAULT_SAMPLE = 32

export async function runScan(options: ScanOptions): Promise<ScanResult> {
  const logger = options.logger ?? silentLogger
  const {parsers, detector, postoverflows} = options.engines
  const sampleLines = options.sampleLines ?? DEFAULT_SAMPLE
  const candidates = typesFromFilters(parsers.filters)
  const result: ScanResult = {
    ...(options.content !== undefined ? {content: options.content} : {}),
    alerts: [],
    inputs: [],
    metrics: {acquisition: [], parsers: [], buckets: []},
    summary: {inputs: 0, sources: 0, lines: 0, parsed: 0, unparsed: 0, whitelisted: 0, alerts: 0, decisions: 0, whitelisted_overflows: 0, input_errors: 0},
    warnings: [...options.engines.warnings],
    exit_code: ExitCode.ok,
  }

  let now = GoTime.now(UTC)

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

  const processLines = (state: SourceState, lines: readonly RawLine[]): void => {
    const report = state.report
    for (const line of lines) {
      const evt = newLogEvent({raw: line.raw, src: line.src, module: line.module, labels: line.labels, time: now})
      evt.ExpectMode = ExpectMode.timeMachine
      if (parsers.parse(evt)) {
        report.parsed++
        report.poured++
        const overflows = detector.pour(evt)
        if (overflows.length > 0) handleOverflows(overflows)
      } else if (evt.Whitelisted) {
        report.whitelisted++
      } else {
        report.unparsed++
      }
    }
  }

  const chooseType = (state: SourceState): void => {
    const sample = (state.pending ?? []).map((l) => l.raw)
    const detection = detectLogType(sample, {
      candidates,
      trial: (type, lines) => {
        let ok = 0
        for (const raw of lines) {
          const labels = Object.create(null) as Record<string, string>
          labels.type = type
          const evt = newLogEvent({raw, src: state.info.src, module: state.info.module, labels, time: now})
          evt.ExpectMode = ExpectMode.timeMachine
          if (parsers.parse(evt, {trial: true})) ok++
        }
        return ok
      },
    })
    const type = detection.type ?? 'unknown'
    state.info.labels.type = type
    state.report.type = type
    state.report.type_from = detection.method === 'none' ? 'none' : detection.method
    if (detection.type === undefined && sample.length > 0) {
      result.warnings.push(`${state.info.src}: could not detect the log type from ${sample.length} lines; give it with --type or ${state.info.src}:TYPE`)
    } else if (detection.type !== undefined) {
      logger.info(`${state.info.src}: log type ${type} (chosen by ${detection.method})`)
    }
    const pending = state.pending ?? []
    state.pending = undefined
    processLines(state, pending)
  }

  for (const spec of options.inputs) {
    result.summary.inputs++
    const forced = spec.type ?? options.type
    const inputReport: InputReport = {input: spec.input, ...(forced !== undefined ? {type: forced} : {}), sources: []}
    result.inputs.push(inputReport)
    let expanded
    try {
      expanded = expandInput(spec.input)
    } catch (error) {
      inputReport.error = errorReport(error)
      result.summary.input_errors++
      logger.error(asMessage(error))
      continue
    }
    for (const {path, spec: reader} of expanded) {
      const states = new Map<SourceInfo, SourceState>()
      let current: SourceState | undefined
      try {
        for await (const batch of reader.open(path, {maxLineBytes: options.maxLineBytes, stdin: options.stdin})) {
          let state = states.get(batch.source)
          if (state === undefined) {
            if (current !== undefined) closeSource(current)
            state = openSource(batch.source, forced, spec.type !== undefined ? 'input' : 'flag')
            states.set(batch.source, state)
            inputReport.sources.push(state.report)
            current = state
          }
          now = GoTime.now(UTC)
          if (state.pending !== undefined) {
            state.pending.push(...batch.lines)
            if (state.pending.length >= sampleLines || batch.done) chooseType(state)
          } else if (batch.lines.length > 0) {
            processLines(state, batch.lines)
          }
          if (batch.done) {
            closeSource(state)
            current = undefined
          }
          options.onProgress?.({input: spec.input, src: batch.source.src, metrics: batch.source.metrics, done: batch.done})
        }
      } catch (error) {
        const report = errorReport(error)
        if (current !== undefined) {
          if (current.pending !== undefined) chooseType(current)
          current.report.error = report
          closeSource(current)
          options.onProgress?.({input: spec.input, src: current.info.src, metrics: current.info.metrics, done: true})
        } else {
          inputReport.error ??= report
        }
        result.summary.input_errors++
        logger.error(asMessage(error))
      }
    }
  }
  handleOverflows(detector.flush())

  function openSource(info: SourceInfo, forced: string | undefined, from: TypeChoice): SourceState {
    const report: SourceReport = {src: info.src, reader: info.reader, type: forced ?? 'unknown', type_from: forced !== undefined ? from : 'none',
      lines: 0, bytes: 0, truncated: 0, invalid_utf8: 0, empty: 0, parsed: 0, unparsed: 0, whitelisted: 0, poured: 0}
    if (forced !== undefined) info.labels.type = forced
    return {report, info, pending: forced === undefined ? [] : undefined}
  }

  function closeSource(state: SourceState): void {
    if (state.pending !== undefined) chooseType(state)
    const m = state.info.metrics
    const r = state.report
    r.lines = m.lines
    r.bytes = m.bytes
    r.truncated = m.truncated
    r.invalid_utf8 = m.invalidUtf8
    r.empty = m.empty
  }

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
  result.metrics.parsers = parsers.metrics?.() ?? []
  result.metrics.buckets = detector.metrics?.() ?? []
  result.exit_code = scanExitCode(result.summary, options.failOn ?? 'alert')
  return result
}

/** 3 when an input could not be read (the report is incomplete), else 1 when alerts were found (unless --fail-on none), else 0. */
export function scanExitCode(summary: ScanSummary, failOn: 'none' | 'alert'): ExitCodeValue {
  if (summary.input_errors > 0) return ExitCode.input
  if (failOn === 'alert' && summary.alerts > 0) return ExitCode.found
  return ExitCode.ok
}

function errorReport(error: unknown): ErrorReport {
  if (error instanceof CrowdError) {
    const out: ErrorReport = {code: error.code, message: error.reason}
    if (error.file !== undefined) out.file = error.file
    if (error.line !== undefined) out.line = error.line
    return out
  }
  return {code: 'input', message: error instanceof Error ? error.message : String(error)}
}

function asMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error)
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
