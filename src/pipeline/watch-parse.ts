/**
 * The parse worker of `crowd watch`: the watch loop (watch.ts) keeps acquisition, type detection,
 * detection and commits, and sends each batch of lines to a worker thread that parses it with its
 * own copy of the parsers (parse-worker.ts, `follow` mode) while the loop pours the events of the
 * batches before. Replies come back in the order batches were sent; events cross in their wire
 * form with only the fields the scenarios read, or, when no scenario takes them, as a preview
 * (the same mechanics as `crowd scan`'s worker, parse-thread.ts).
 *
 * Content that shares state between parsers and scenarios (stash helpers) is parsed in the loop's
 * thread, as a scan does (planWatchParseWorker). A worker that fails is reported once; the lines
 * it had not answered are then parsed in the loop's thread, so nothing is lost.
 */
import type {Worker} from 'node:worker_threads'
import type {PourHints} from '../detect/index.js'
import {decodePreviewed, WireDecoder, type PreviewedEvent, type WireKeys} from '../model/event-wire.js'
import type {Event} from '../model/event.js'
import type {GoTime} from '../model/go-time.js'
import type {Logger} from '../model/logger.js'
import type {ScanContent} from './content.js'
import type {ParserMetric} from './engines.js'
import {OWN_STRINGS, type LineCounts} from './parse-side.js'
import type {MainMessage, WorkerMessage} from './parse-thread.js'
import {availableCores, parseWorkerUrl, startWorker} from './parse-worker-start.js'
import type {WorkerLogLevel} from './scan.js'

/** What the loop does with a reply: the events in order (wire-decoded or previewed), then the counts. */
export interface ParsedSink {
  event(evt: Event, hints: PourHints): void
  previewed(evt: PreviewedEvent): void
}

export interface ParsedReply {
  /** Pours the reply's records into `sink` (in order; logs go to the logger) and returns its counts. */
  pour(sink: ParsedSink): LineCounts
}

export interface WatchParseWorkerOptions {
  content: ScanContent
  /** The fields the detector reads (Detector.eventKeyNeeds through wireKeys). */
  keys?: WireKeys
  logLevel?: WorkerLogLevel
  /** The worker script (default: parse-worker next to parse-thread.ts; tests give one that fails). */
  url?: URL
  logger: Logger
  /** Called (once) when the worker fails: the caller parses the lines it had not answered itself. */
  onFailure(error: Error, worker: WatchParseWorker): void
  /** Called when a reply arrives (the loop wakes up to pour it). */
  onReply(): void
}

/** When a watch parses in a worker: not for content whose parsers share state with scenarios, nor on one core. */
export function planWatchParseWorker(setting: 'auto' | 0 | 1, sharedState: boolean, cores = availableCores()): {use: boolean; note: string} {
  if (setting === 0) return {use: false, note: 'parse worker: off, parsing in this thread'}
  if (sharedState) return {use: false, note: 'parse worker: the content uses stash helpers outside parsers, parsing in this thread'}
  if (cores < 2 && setting === 'auto') return {use: false, note: 'parse worker: one core, parsing in this thread'}
  return {use: true, note: 'parse worker: parsing in a worker thread'}
}

export class WatchParseWorker {
  private readonly worker: Worker
  private readonly decoder: WireDecoder
  private nextId = 0
  private readonly waiting = new Map<number, (records: WorkerMessage & {type: 'parsed'}) => void>()
  private latestMetrics: ParserMetric[] = []
  private ended: ((metrics: ParserMetric[]) => void) | undefined
  private failed = false
  private closing = false
  private retiring = false

  constructor(private readonly options: WatchParseWorkerOptions) {
    this.decoder = new WireDecoder(options.keys)
    this.worker = startWorker(options.url ?? parseWorkerUrl(), {content: options.content, inputs: [], logLevel: options.logLevel ?? 'info', preview: true, follow: true})
    this.worker.on('message', (msg: WorkerMessage) => this.receive(msg))
    this.worker.on('error', (error: Error) => this.fail(error))
    this.worker.on('exit', (code) => {
      if (!this.closing) this.fail(new Error(`exited with code ${code}`))
    })
    this.post({type: 'go', go: options.keys !== undefined ? {keys: options.keys} : {}})
  }

  /** Batches sent and not answered yet. */
  get inFlight(): number {
    return this.waiting.size
  }

  get broken(): boolean {
    return this.failed
  }

  /** The parser counters the worker last sent (about once a second, and at the end). */
  metrics(): ParserMetric[] {
    return this.latestMetrics
  }

  /**
   * Sends a batch; `answer` gets the reply (in the order batches were sent) unless the worker
   * fails first (then onFailure is called and no answer comes).
   */
  send(lines: readonly string[], from: {src: string; module: string; labels: Record<string, string>; now: GoTime}, mode: number, answer: (reply: ParsedReply) => void): void {
    const id = this.nextId++
    this.waiting.set(id, (msg) => answer({pour: (sink) => this.pourRecords(msg, sink)}))
    this.post({type: 'parse', id, mode, r: {i: 0, s: 0, src: from.src, module: from.module, labels: {...from.labels}, t: [from.now.sec, from.now.nsec], lines: lines as string[]}})
  }

  /** Asks for the final parser counters and stops the worker (at once if it failed). */
  async end(): Promise<ParserMetric[]> {
    if (this.failed) return this.latestMetrics
    const metrics = await new Promise<ParserMetric[]>((resolve) => {
      this.ended = resolve
      this.post({type: 'end'})
    })
    await this.terminate()
    return metrics
  }

  async terminate(): Promise<void> {
    this.closing = true
    await this.worker.terminate()
  }

  /** Stops the worker once every batch sent was answered (a reload: the new content has its own worker). */
  retire(): void {
    this.retiring = true
    if (this.waiting.size === 0) void this.terminate()
  }

  private pourRecords(msg: WorkerMessage & {type: 'parsed'}, sink: ParsedSink): LineCounts {
    const logger = this.options.logger
    for (const rec of msg.records) {
      if (Array.isArray(rec)) sink.event(this.decoder.decode(rec), OWN_STRINGS)
      else if (typeof rec === 'string') sink.previewed(decodePreviewed(rec))
      else if ('l' in rec) logger[rec.l](rec.m)
      else if ('w' in rec) logger.warn(rec.w)
    }
    return msg.counts
  }

  private receive(msg: WorkerMessage): void {
    if (msg.type === 'parsed') {
      if (msg.parserMetrics !== undefined) this.latestMetrics = msg.parserMetrics
      const answer = this.waiting.get(msg.id)
      this.waiting.delete(msg.id)
      answer?.(msg)
      if (this.retiring && this.waiting.size === 0) void this.terminate()
      this.options.onReply()
    } else if (msg.type === 'end') {
      this.latestMetrics = msg.result.parserMetrics
      this.ended?.(this.latestMetrics)
      this.ended = undefined
    } else if (msg.type === 'error') {
      this.fail(new Error(msg.message))
    }
  }

  private fail(error: Error): void {
    if (this.failed || this.closing) return
    this.failed = true
    this.waiting.clear()
    this.ended?.(this.latestMetrics)
    this.ended = undefined
    void this.worker.terminate()
    this.options.onFailure(error, this)
  }

  private post(msg: MainMessage): void {
    this.worker.postMessage(msg)
  }
}
