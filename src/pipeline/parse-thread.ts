/**
 * The main-thread end of the parse worker (`--parse-workers`, issue 6): when one core is not
 * enough, one worker thread does acquisition, log type detection and parsing
 * (parse-worker.ts, with parse-side.ts, the same code a single-threaded scan runs) and sends
 * batches of records in input order; this thread pours the events into the scenarios and
 * replays warnings, logs and progress exactly where they happened.
 *
 * - The worker is started before the content is chosen when the inputs allow one
 *   (BlankParseWorker, parse-worker-start.ts: `crowd scan` starts it before loading the rest of
 *   the pipeline), and given its work once the content is chosen (EarlyParseWorker, prepareScan):
 *   it compiles while this thread compiles, and reads nothing before `go` (wire keys, hand-off).
 * - It previews each event against its own copy of the scenarios: events no scenario takes
 *   cross as a few numbers (Detector.preview / pourPreviewed).
 * - When this thread is about to run out of batches, the worker hands it a batch of raw lines
 *   to parse itself (not when parsers stash from line to line); their counts join the report.
 *
 * Every counter and result is that of a single-threaded scan (tests compare the JSON).
 * Back-pressure: the worker keeps at most MAX_IN_FLIGHT batches unacknowledged. A worker that
 * fails or exits early is an error naming the input it was reading, never a hang.
 */
import type {Worker} from 'node:worker_threads'
import type {InputSpec} from '../acquisition/types.js'
import {CrowdError, type ErrorCode} from '../model/errors.js'
import {decodePreviewed, WireDecoder, type WireEvent, type WireKeys} from '../model/event-wire.js'
import {GoTime, UTC} from '../model/go-time.js'
import type {Logger} from '../model/logger.js'
import {mergeParserMetrics} from './build-engines.js'
import type {ScanContent} from './content.js'
import type {ParserMetric, ParserStage} from './engines.js'
import {OWN_STRINGS, OWNED_LINE_MAX, parseLines, type LineCounts, type LinesSource, type ParseSideResult, type ParseSink} from './parse-side.js'
import type {ScanOptions, WorkerLogLevel} from './scan.js'
import {availableCores, BlankParseWorker, inputsRuleOutWorker, parseWorkerUrl, startWorker} from './parse-worker-start.js'

/** Batches the worker may have sent and not yet seen acknowledged. */
export const MAX_IN_FLIGHT = 8

/** Events per batch (the worker flushes at the first line-batch boundary past it). */
export const BATCH_EVENTS = 256

/**
 * The worker hands a batch of lines to the main thread (to parse there) when no more than this
 * many batches are in flight: the main thread is about to run out of work. With previews most
 * events cost the main thread little, so it has time to parse too; when detection is heavy,
 * batches stay in flight and the worker parses everything.
 */
export const HAND_OFF_IN_FLIGHT = 3

export interface ParseWorkerPlan {
  use: boolean
  content?: ScanContent
  /** The worker may hand lines back to this thread (parsers keep no state from line to line). */
  handOff?: boolean
  /** Why the worker is (not) used, for the debug log. */
  note?: string
}

/**
 * Whether a scan parses in a worker: never with 0 or without compiled-content info; never when
 * the content keeps state across parsers and scenarios (stash helpers), when stdin is read,
 * or when the runtime has no second core; with 1 otherwise; with auto when the regular files
 * add up to AUTO_MIN_BYTES or more.
 */
export function planParseWorker(options: Pick<ScanOptions, 'parseWorkers' | 'parseWorkerContent' | 'inputs' | 'stdin'>, cores = availableCores()): ParseWorkerPlan {
  const setting = options.parseWorkers ?? 0
  if (setting === 0) return {use: false}
  const plan = options.parseWorkerContent
  if (plan === undefined) return {use: false, note: 'parse worker: no compiled content description, parsing in this thread'}
  if (plan.sharedState) return {use: false, note: 'parse worker: the content uses stash helpers outside parsers, parsing in this thread'}
  const ruledOut = inputsRuleOutWorker(setting, options.inputs, options.stdin !== undefined, cores)
  if (ruledOut !== undefined) return {use: false, note: ruledOut}
  // parsers that stash across lines must see every line in one thread: then none is handed back
  const handOff = plan.parserState !== true
  return {use: true, content: plan.content, handOff, note: `parse worker: parsing in a worker thread${handOff ? '' : ' (parsers use stash helpers: no lines handed back)'}`}
}

/** What the worker gets (structured clone: plain data only). */
export interface ParseWorkerData {
  content: ScanContent
  inputs: InputSpec[]
  type?: string
  maxLineBytes?: number
  sampleLines?: number
  logLevel: WorkerLogLevel
  /** Preview each event against the scenarios (same content): those no scenario takes cross as a PreviewedEvent. */
  preview?: boolean
  /** `crowd watch`: no inputs; lines come in `parse` messages, each answered with a `parsed` (watch-parse.ts). */
  follow?: boolean
}

/**
 * What the worker is told when the scan starts (`go`): it compiles its content as soon as it
 * is started, possibly while this thread still compiles its own (EarlyParseWorker), and reads
 * nothing before.
 */
export interface ParseWorkerGo {
  /** The event fields this thread reads (default: all). */
  keys?: WireKeys
  /** This thread parses lines the worker hands it while it is idle (parseInWorker's `parsers`). */
  handOff?: boolean
  /** Hand lines over while no more than this many batches are in flight (default HAND_OFF_IN_FLIGHT). */
  handOffInFlight?: number
}

/** Lines the worker hands to the main thread to parse: input and source indexes, source, batch time, raw lines. */
export interface WireLines {
  i: number
  s: number
  src: string
  module: string
  labels: Record<string, string>
  /** The batch time (UTC): sec, nsec. */
  t: [number, number]
  lines: string[]
}

/**
 * A batch is an array of records, posted as is (structured clone): an array is an event
 * (event-wire.ts), a string a previewed event (encodePreviewed); objects are `{w}` a warning,
 * `{l, m}` a log line, `{p}` a progress step, `{r}` lines for this thread to parse.
 */
export type WireRecord = WireEvent | string | {w: string} | {l: LogLevelName; m: string} | {p: WireProgress} | {r: WireLines}
export type LogLevelName = 'error' | 'warn' | 'info' | 'debug'
export interface WireProgress {
  input: string
  src: string
  metrics: {lines: number; bytes: number; truncated: number; invalidUtf8: number; empty: number}
  done: boolean
}

export type WorkerMessage =
  | {type: 'batch'; records: WireRecord[]}
  | {type: 'parsed'; id: number; records: WireRecord[]; counts: LineCounts; parserMetrics?: ParserMetric[]}
  | {type: 'input'; index: number}
  | {type: 'end'; result: ParseSideResult}
  | {type: 'error'; code: ErrorCode; message: string; file?: string; line?: number}

export type MainMessage = {type: 'work'; data: ParseWorkerData} | {type: 'ack'} | {type: 'go'; go: ParseWorkerGo} | {type: 'parse'; id: number; r: WireLines; mode: number} | {type: 'end'}

/**
 * A parse worker started ahead of its scan (prepareScan starts it, or gives its work to the
 * BlankParseWorker the command started, as soon as the content is chosen): it compiles parsers
 * and scenarios while this thread compiles its own, then waits for
 * `go`. Until taken it does not keep the process alive; a worker that failed or exited before
 * is not handed out (the scan starts a fresh one, which reports the problem).
 */
export class EarlyParseWorker {
  private readonly started: string
  private readonly worker: BlankParseWorker

  /** Gives the work to `blank` (started before the content was chosen) when it is still alive, or to a new worker. */
  constructor(data: ParseWorkerData, blank?: BlankParseWorker, url: URL = parseWorkerUrl()) {
    this.started = sameWork(data)
    let worker = blank
    if (worker === undefined || !worker.assign(data)) {
      worker = new BlankParseWorker(url)
      worker.assign(data)
    }
    this.worker = worker
  }

  /** The worker, once, when it was started for this same work (content, inputs, options). */
  take(data: ParseWorkerData): Worker | undefined {
    if (sameWork(data) !== this.started) {
      this.dispose()
      return undefined
    }
    return this.worker.take()
  }

  /** Stops a worker nobody took. */
  dispose(): void {
    this.worker.dispose()
  }
}

/** What a worker started with `data` will do (compared before an early worker is used). */
function sameWork(data: ParseWorkerData): string {
  return JSON.stringify(data)
}

export interface ParseInWorkerOptions {
  /** What the worker is told at the start (keys...; handOff is set from `parsers`). */
  go?: ParseWorkerGo
  /** The same content compiled here: lines the worker hands over are parsed with it. */
  parsers?: ParserStage
  /** A worker already started for this request (EarlyParseWorker.take). */
  worker?: Worker
  /** The worker script (tests). */
  url?: URL
}

/**
 * Runs the parse side in a worker and feeds `sink` (and `logger`) in input order. With
 * `parsers` (the same content compiled here), lines the worker hands over while this thread
 * is idle are parsed here, and counted in the result as if the worker had.
 */
export function parseInWorker(request: ParseWorkerData, sink: ParseSink, logger: Logger, options: ParseInWorkerOptions = {}): Promise<ParseSideResult> {
  const parsers = options.parsers
  const go: ParseWorkerGo = {...options.go, handOff: parsers !== undefined}
  return new Promise<ParseSideResult>((resolve, reject) => {
    let inputIndex = -1
    const decoder = new WireDecoder(go.keys)
    // counts of the lines parsed here, by input and source index
    const here = new Map<string, LineCounts>()
    const parseHere = (r: WireLines): void => {
      const key = `${r.i} ${r.s}`
      let counts = here.get(key)
      if (counts === undefined) here.set(key, (counts = {parsed: 0, unparsed: 0, whitelisted: 0, poured: 0}))
      const from: LinesSource = {input: r.i, source: r.s, src: r.src, module: r.module, labels: r.labels, now: new GoTime(r.t[0], r.t[1], UTC)}
      parseLines(parsers!, r.lines, from, counts, sink, OWNED_LINE_MAX)
    }
    let settled = false
    let worker: Worker
    const naming = (): string => {
      const spec = request.inputs[inputIndex]
      return spec === undefined ? 'before reading any input' : `while reading ${spec.input}`
    }
    const fail = (error: Error): void => {
      if (settled) return
      settled = true
      void worker.terminate()
      reject(error)
    }
    try {
      worker = options.worker ?? startWorker(options.url ?? parseWorkerUrl(), request)
    } catch (error) {
      reject(new CrowdError('internal', `cannot start the parse worker: ${(error as Error).message}`))
      return
    }
    worker.on('message', (msg: WorkerMessage) => {
      if (settled) return
      try {
        if (msg.type === 'batch') {
          for (const rec of msg.records) {
            if (Array.isArray(rec)) sink.event(decoder.decode(rec), OWN_STRINGS) // structured clone makes flat strings
            else if (typeof rec === 'string') {
              if (sink.previewed === undefined) throw new CrowdError('internal', 'the parse worker sent a preview nobody asked for')
              sink.previewed(decodePreviewed(rec))
            } else if ('r' in rec) {
              if (parsers === undefined) throw new CrowdError('internal', 'the parse worker handed over lines nobody asked for')
              parseHere(rec.r)
            }
            else if ('l' in rec) logger[rec.l](rec.m)
            else if ('w' in rec) sink.warning(rec.w)
            else sink.progress(rec.p)
          }
          worker.postMessage({type: 'ack'} satisfies MainMessage)
        } else if (msg.type === 'input') {
          // sent as the worker starts an input, ahead of its records: names the input if the worker dies
          inputIndex = msg.index
        } else if (msg.type === 'end') {
          settled = true
          void worker.terminate()
          let handed = 0
          for (const c of here.values()) handed += c.parsed + c.unparsed + c.whitelisted
          logger.debug(`parse worker: ${handed} line(s) handed to the main thread`)
          resolve(here.size === 0 ? msg.result : withLinesParsedHere(msg.result, here, parsers!))
        } else if (msg.type === 'error') {
          fail(new CrowdError(msg.code, `parse worker ${naming()}: ${msg.message}`, {file: msg.file, line: msg.line}))
        }
      } catch (error) {
        fail(error instanceof Error ? error : new Error(String(error)))
      }
    })
    worker.on('error', (error: Error) => fail(new CrowdError('input', `parse worker failed ${naming()}: ${error.message}`)))
    worker.on('exit', (code) => fail(new CrowdError('input', `parse worker exited (code ${code}) ${naming()}`)))
    worker.postMessage({type: 'go', go} satisfies MainMessage)
  })
}

/** The worker's result plus what this thread counted parsing the lines it was handed. */
function withLinesParsedHere(result: ParseSideResult, here: ReadonlyMap<string, LineCounts>, parsers: ParserStage): ParseSideResult {
  for (const [key, counts] of here) {
    const [i, s] = key.split(' ').map(Number) as [number, number]
    const report = result.inputs[i]?.sources[s]
    if (report === undefined) throw new CrowdError('internal', `lines parsed here name a source the parse worker did not report (${key})`)
    report.parsed += counts.parsed
    report.unparsed += counts.unparsed
    report.whitelisted += counts.whitelisted
    report.poured += counts.poured
  }
  return {...result, parserMetrics: mergeParserMetrics(result.parserMetrics, parsers.metrics?.() ?? [])}
}

