/**
 * The parse side of a scan: acquisition -> log type detection -> parser stages, over every
 * input in the order given. Every parsed event, warning and progress step goes to a ParseSink
 * in the order it happens; the scan loop (scan.ts) pours events into the scenarios as they
 * come. The same code runs in the main thread (the sink pours at once) or in the parse worker
 * (parse-worker.ts: the sink batches records for the main thread), so both give the same
 * reports, counters and order.
 */
import type {PourHints, PreviewedEvent} from '../detect/index.js'
import {detectLogType, typesFromFilters} from '../acquisition/detect-type.js'
import {expandInput} from '../acquisition/registry.js'
import type {InputSpec, RawLine, SourceInfo} from '../acquisition/types.js'
import {CrowdError} from '../model/errors.js'
import {ExpectMode, lineEvent, newLogEvent, type Event} from '../model/event.js'
import {GoTime, UTC} from '../model/go-time.js'
import type {Logger} from '../model/logger.js'
import type {ParserMetric, ParserStage} from './engines.js'
import type {ErrorReport, InputReport, ScanProgress, SourceReport, TypeChoice} from './scan.js'

/** Where the parse side sends what it produces, in order. */
export interface ParseSink {
  /** An event that passed the parsers (to pour into the scenarios), with what is known about it. */
  event(evt: Event, hints?: PourHints): void
  /** Such an event, previewed where it was parsed: no scenario takes it (Detector.preview). */
  previewed?(evt: PreviewedEvent): void
  /** A warning for the scan result. */
  warning(message: string): void
  progress(progress: ScanProgress): void
  /** The parse side starts reading the input at this index of `inputs`. */
  input?(index: number): void
  /** Called after each batch of lines: where a worker flushes and waits for room. */
  drain?(): Promise<void> | void
  /**
   * Offers a batch of lines of one source before they are parsed: true when the sink takes them
   * to parse elsewhere (the parse worker hands lines to an idle main thread), which then parses
   * and counts them with parseLines; this side neither parses nor counts them.
   */
  takeLines?(lines: readonly RawLine[], source: LinesSource): boolean
}

/** Where a batch of lines comes from: its source and the time its batch was read. */
export interface LinesSource {
  /** Index of the input in ParseSideOptions.inputs, and of the source in that input's report. */
  input: number
  source: number
  src: string
  module: string
  labels: Record<string, string>
  now: GoTime
}

/** What parsing lines counts, per source (SourceReport fields). */
export interface LineCounts {
  parsed: number
  unparsed: number
  whitelisted: number
  poured: number
}

/** Events whose strings may be kept as they are (PourHints.ownStrings): decoded or handed-over ones. */
export const OWN_STRINGS: PourHints = Object.freeze({ownStrings: true})

/**
 * Lines that are strings of their own (each decoded on its own by the LineSplitter, or handed
 * over by structured clone): fields cut from one of at most this many characters are kept
 * without a copy, pinning no more than the line each; longer lines' kept fields are copied.
 */
export const OWNED_LINE_MAX = 512

/**
 * Parses lines of one source and gives the events that pass to `sink.event`: the per-line work
 * of the parse side, wherever it runs. `ownedUpTo`: lines of at most this many characters are
 * strings of their own (not views into a read buffer: lines handed over by the parse worker),
 * so the fields cut from them pin no more than their line and need not be copied when kept.
 * `mode`: replayed on event time (scans, backlogs) or live on the wall clock (`crowd watch`).
 */
export function parseLines(parsers: ParserStage, raws: readonly string[], from: LinesSource, counts: LineCounts, sink: Pick<ParseSink, 'event'>, ownedUpTo = 0, mode: number = ExpectMode.timeMachine): void {
  // read once per batch: `from` is a fresh spread copy per batch, so reads in the loop would go megamorphic
  const {src, module, labels, now} = from
  for (const raw of raws) {
    const evt = lineEvent(raw, src, module, labels, now)
    evt.ExpectMode = mode
    if (parsers.parse(evt)) {
      counts.parsed++
      counts.poured++
      sink.event(evt, raw.length <= ownedUpTo ? OWN_STRINGS : undefined)
    } else if (evt.Whitelisted) {
      counts.whitelisted++
    } else {
      counts.unparsed++
    }
  }
}

export interface ParseSideOptions {
  inputs: readonly InputSpec[]
  type?: string
  maxLineBytes?: number
  sampleLines?: number
  stdin?: AsyncIterable<Uint8Array>
  parsers: ParserStage
  logger: Logger
}

export interface ParseSideResult {
  inputs: InputReport[]
  inputErrors: number
  parserMetrics: ParserMetric[]
}

interface SourceState {
  report: SourceReport
  info: SourceInfo
  pending: RawLine[] | undefined
  /** Where its lines come from (input and source indexes). */
  from: Omit<LinesSource, 'now'>
}

const DEFAULT_SAMPLE = 32

export async function parseInputs(options: ParseSideOptions, sink: ParseSink): Promise<ParseSideResult> {
  const {parsers, logger} = options
  const sampleLines = options.sampleLines ?? DEFAULT_SAMPLE
  const candidates = typesFromFilters(parsers.filters)
  const inputs: InputReport[] = []
  let inputErrors = 0
  let now = GoTime.now(UTC)

  const processLines = (state: SourceState, lines: readonly RawLine[]): void => {
    if (lines.length === 0) return
    const from: LinesSource = {...state.from, now}
    if (sink.takeLines?.(lines, from) === true) return
    // every input of a scan is read through a LineSplitter, which decodes each line on its own
    parseLines(parsers, lines.map((l) => l.raw), from, state.report, sink, OWNED_LINE_MAX)
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
      sink.warning(`${state.info.src}: could not detect the log type from ${sample.length} lines; give it with --type or ${state.info.src}:TYPE`)
    } else if (detection.type !== undefined) {
      logger.info(`${state.info.src}: log type ${type} (chosen by ${detection.method})`)
    }
    const pending = state.pending ?? []
    state.pending = undefined
    processLines(state, pending)
  }

  for (let index = 0; index < options.inputs.length; index++) {
    const spec = options.inputs[index]!
    sink.input?.(index)
    const forced = spec.type ?? options.type
    const inputReport: InputReport = {input: spec.input, ...(forced !== undefined ? {type: forced} : {}), sources: []}
    inputs.push(inputReport)
    let expanded
    try {
      expanded = expandInput(spec.input)
    } catch (error) {
      inputReport.error = errorReport(error)
      inputErrors++
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
            state = openSource(batch.source, forced, spec.type !== undefined ? 'input' : 'flag', index, inputReport.sources.length)
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
          sink.progress({input: spec.input, src: batch.source.src, metrics: batch.source.metrics, done: batch.done})
          if (sink.drain !== undefined) await sink.drain()
        }
      } catch (error) {
        const report = errorReport(error)
        if (current !== undefined) {
          if (current.pending !== undefined) chooseType(current)
          current.report.error = report
          closeSource(current)
          sink.progress({input: spec.input, src: current.info.src, metrics: current.info.metrics, done: true})
        } else {
          inputReport.error ??= report
        }
        inputErrors++
        logger.error(asMessage(error))
      }
    }
  }

  function openSource(info: SourceInfo, forced: string | undefined, from: TypeChoice, input: number, source: number): SourceState {
    const report: SourceReport = {src: info.src, reader: info.reader, type: forced ?? 'unknown', type_from: forced !== undefined ? from : 'none',
      lines: 0, bytes: 0, truncated: 0, invalid_utf8: 0, empty: 0, parsed: 0, unparsed: 0, whitelisted: 0, poured: 0}
    if (forced !== undefined) info.labels.type = forced
    return {report, info, pending: forced === undefined ? [] : undefined, from: {input, source, src: info.src, module: info.module, labels: info.labels}}
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

  return {inputs, inputErrors, parserMetrics: parsers.metrics?.() ?? []}
}

export function errorReport(error: unknown): ErrorReport {
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
