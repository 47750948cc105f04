/**
 * The main-thread end of the parse worker (`--parse-workers`, issue 6): when one core is not
 * enough, one worker thread does acquisition, log type detection and parsing
 * (parse-worker.ts, with parse-side.ts, the same code a single-threaded scan runs) and sends
 * batches of records in input order; this thread pours the events into the scenarios and
 * replays warnings, logs and progress exactly where they happened. With one worker and lines
 * in order, parser state and every counter are those of a single-threaded scan.
 *
 * Back-pressure: the worker keeps at most MAX_IN_FLIGHT batches unacknowledged. A worker that
 * fails or exits early is an error naming the input it was reading, never a hang.
 */
import * as fs from 'node:fs'
import * as os from 'node:os'
import {fileURLToPath} from 'node:url'
import {Worker} from 'node:worker_threads'
import {expandInput} from '../acquisition/registry.js'
import type {InputSpec} from '../acquisition/types.js'
import type {PourHints} from '../detect/index.js'
import {CrowdError, type ErrorCode} from '../model/errors.js'
import {WireDecoder, type WireEvent, type WireKeys} from '../model/event-wire.js'
import type {Logger} from '../model/logger.js'
import type {ScanContent} from './content.js'
import type {ParseSideResult, ParseSink} from './parse-side.js'
import type {ScanOptions, WorkerLogLevel} from './scan.js'

export type ParseWorkerSetting = 'auto' | 0 | 1

/** Below this many bytes of regular files, `auto` parses in the main thread (a worker costs a parser compile). */
export const AUTO_MIN_BYTES = 8 * 1024 * 1024

/** Batches the worker may have sent and not yet seen acknowledged. */
export const MAX_IN_FLIGHT = 4

/** Events per batch (the worker flushes at the first line-batch boundary past it). */
export const BATCH_EVENTS = 256

export interface ParseWorkerPlan {
  use: boolean
  content?: ScanContent
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
  if (options.stdin !== undefined || options.inputs.some((i) => i.input === '-')) return {use: false, note: 'parse worker: stdin is parsed in this thread'}
  if (cores < 2) return {use: false, note: 'parse worker: one core, parsing in this thread'}
  if (setting === 'auto') {
    const bytes = inputBytes(options.inputs)
    if (bytes < AUTO_MIN_BYTES) return {use: false, note: `parse worker: ${bytes} input bytes, below ${AUTO_MIN_BYTES}, parsing in this thread`}
  }
  return {use: true, content: plan.content, note: 'parse worker: parsing in a worker thread'}
}

function availableCores(): number {
  try {
    return typeof os.availableParallelism === 'function' ? os.availableParallelism() : os.cpus().length
  } catch {
    return 1
  }
}

/** Bytes of the regular files the inputs name (unreadable ones count 0: they fail later, the same way). */
export function inputBytes(inputs: readonly InputSpec[]): number {
  let total = 0
  for (const spec of inputs) {
    let paths
    try {
      paths = expandInput(spec.input)
    } catch {
      continue
    }
    for (const p of paths) {
      try {
        const st = fs.statSync(p.path)
        if (st.isFile()) total += st.size
      } catch {
        // counted as 0
      }
    }
  }
  return total
}

/** What the worker gets (structured clone: plain data only). */
export interface ParseWorkerData {
  content: ScanContent
  inputs: InputSpec[]
  type?: string
  maxLineBytes?: number
  sampleLines?: number
  logLevel: WorkerLogLevel
  /** The event fields the main thread reads (default: all). */
  keys?: WireKeys
}

/**
 * A batch is an array of records, posted as is (structured clone): an array is an event
 * (event-wire.ts); objects are `{w}` a warning, `{l, m}` a log line, `{p}` a progress step.
 */
export type WireRecord = WireEvent | {w: string} | {l: LogLevelName; m: string} | {p: WireProgress}
export type LogLevelName = 'error' | 'warn' | 'info' | 'debug'
export interface WireProgress {
  input: string
  src: string
  metrics: {lines: number; bytes: number; truncated: number; invalidUtf8: number; empty: number}
  done: boolean
}

export type WorkerMessage =
  | {type: 'batch'; records: WireRecord[]}
  | {type: 'input'; index: number}
  | {type: 'end'; result: ParseSideResult}
  | {type: 'error'; code: ErrorCode; message: string; file?: string; line?: number}

export type MainMessage = {type: 'ack'}

/** Decoded events own their strings (JSON.parse makes flat ones): queue copies need not detach them. */
const DECODED: PourHints = Object.freeze({ownStrings: true})

/** Runs the parse side in a worker and feeds `sink` (and `logger`) in input order. */
export function parseInWorker(request: ParseWorkerData, sink: ParseSink, logger: Logger, workerUrl: URL = parseWorkerUrl()): Promise<ParseSideResult> {
  return new Promise<ParseSideResult>((resolve, reject) => {
    let inputIndex = -1
    const decoder = new WireDecoder(request.keys)
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
      worker = startWorker(workerUrl, request)
    } catch (error) {
      reject(new CrowdError('internal', `cannot start the parse worker: ${(error as Error).message}`))
      return
    }
    worker.on('message', (msg: WorkerMessage) => {
      if (settled) return
      try {
        if (msg.type === 'batch') {
          for (const rec of msg.records) {
            if (Array.isArray(rec)) sink.event(decoder.decode(rec), DECODED)
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
          resolve(msg.result)
        } else if (msg.type === 'error') {
          fail(new CrowdError(msg.code, `parse worker ${naming()}: ${msg.message}`, {file: msg.file, line: msg.line}))
        }
      } catch (error) {
        fail(error instanceof Error ? error : new Error(String(error)))
      }
    })
    worker.on('error', (error: Error) => fail(new CrowdError('input', `parse worker failed ${naming()}: ${error.message}`)))
    worker.on('exit', (code) => fail(new CrowdError('input', `parse worker exited (code ${code}) ${naming()}`)))
  })
}

function startWorker(url: URL, workerData: ParseWorkerData): Worker {
  if (!url.pathname.endsWith('.ts')) return new Worker(url, {workerData, stdout: false, stderr: false})
  // Run from source (tests under tsx): hooks registered by --import do not reach workers, so
  // the worker registers tsx itself before importing the TypeScript entry.
  const boot = `import('tsx/esm/api').then((m) => { m.register(); return import(${JSON.stringify(url.href)}) })`
  return new Worker(boot, {eval: true, workerData, stdout: false, stderr: false})
}

/** The worker script next to this module (`.js` when built; `.ts` when run from source by tsx). */
export function parseWorkerUrl(): URL {
  const js = new URL('./parse-worker.js', import.meta.url)
  if (js.protocol !== 'file:' || fs.existsSync(fileURLToPath(js))) return js
  return new URL('./parse-worker.ts', import.meta.url)
}
