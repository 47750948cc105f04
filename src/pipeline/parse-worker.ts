/**
 * The parse worker's entry point (see parse-thread.ts): compiles the parsers (and, with
 * `preview`, the scenarios) of the content it is given (as workerData, or as its first message
 * when it was started ahead of its work: parse-worker-start.ts), waits for `go`, runs the parse side
 * (parse-side.ts) over the inputs, and posts batches of records (events in their wire form or
 * previewed, lines handed back, warnings, logs, progress) in order. It waits for room when
 * MAX_IN_FLIGHT batches are unacknowledged. Load logs are dropped: the main thread compiled the
 * same content and already reported them; a compile failure is reported once told to start.
 * With `follow` (`crowd watch`), there are no inputs: the main thread sends batches of lines as
 * its sources read them, and each is answered in order (parseFollowed).
 */
import {parentPort, receiveMessageOnPort, workerData, type MessagePort} from 'node:worker_threads'
import type {Detector} from '../detect/index.js'
import {CrowdError} from '../model/errors.js'
import {encodePreviewed, WireEncoder} from '../model/event-wire.js'
import type {Logger} from '../model/logger.js'
import {createParserStage, loadParserSet, loadPreviewDetector} from './build-engines.js'
import {workerContentCache} from './content-bundle.js'
import {withContentCache} from '../platform/content-cache.js'
import type {ParserStage} from './engines.js'
import {GoTime, UTC} from '../model/go-time.js'
import {parseInputs, parseLines, type LineCounts, type LinesSource, type ParseSink} from './parse-side.js'
import {BATCH_EVENTS, HAND_OFF_IN_FLIGHT, MAX_IN_FLIGHT, type LogLevelName, type MainMessage, type ParseWorkerData, type ParseWorkerGo, type WireRecord, type WorkerMessage} from './parse-thread.js'

const RANK: Record<string, number> = {error: 0, warn: 1, info: 2, debug: 3, trace: 4}

async function main(): Promise<void> {
  const port = parentPort
  if (port === null) return
  const post = (msg: WorkerMessage): void => port.postMessage(msg)
  // a worker started before its work was known (BlankParseWorker) gets it as its first message
  let assigned: ((data: ParseWorkerData) => void) | undefined
  const work = workerData !== undefined && workerData !== null
    ? Promise.resolve(workerData as ParseWorkerData)
    : new Promise<ParseWorkerData>((resolve) => {
      assigned = resolve
    })

  let records: WireRecord[] = []
  let events = 0
  let inFlight = 0
  let room: (() => void) | undefined
  let started: ((go: ParseWorkerGo) => void) | undefined
  const go = new Promise<ParseWorkerGo>((resolve) => {
    started = resolve
  })
  const onMessage = (msg: MainMessage): void => {
    if (msg.type === 'work') {
      assigned?.(msg.data)
      return
    }
    if (msg.type === 'go') {
      started?.(msg.go)
      return
    }
    if (msg.type !== 'ack') return
    inFlight--
    const wake = room
    room = undefined
    wake?.()
  }
  port.on('message', onMessage)
  const data = await work
  // Acknowledgements wait in the port's queue while this thread parses (its event loop turns only
  // on file reads, which are far apart): taken synchronously where the count of batches in flight
  // decides something, so the hand-off sees how busy the main thread really is. Not in follow
  // mode (its lines come as messages, read by parseFollowed), nor under Deno, whose worker port
  // receiveMessageOnPort refuses (the count is then as fresh as the last turn of the loop).
  let polling = data.follow !== true
  const takeAcks = (): void => {
    if (!polling) return
    try {
      for (let m = receiveMessageOnPort(port); m !== undefined; m = receiveMessageOnPort(port)) onMessage(m.message as MainMessage)
    } catch {
      polling = false
    }
  }

  const flush = (): void => {
    if (records.length === 0) return
    post({type: 'batch', records})
    inFlight++
    records = []
    events = 0
  }

  let loading = true
  const max = RANK[data.logLevel] ?? 4
  const log = (level: LogLevelName) => (message: string): void => {
    if (loading || RANK[level]! > max) return
    records.push({l: level, m: message})
  }
  const logger: Logger = {error: log('error'), warn: log('warn'), info: log('info'), debug: log('debug')}

  // compile first (maybe while the main thread compiles too), report a failure only once told to start
  let compiled: {parsers: ParserStage; previewer: Detector | undefined} | undefined
  let failure: unknown
  try {
    // from the bundle the main thread read (or wrote) for this content, when there is one
    compiled = withContentCache(workerContentCache(data.content.cacheFile), () => ({
      parsers: createParserStage(loadParserSet(data.content, logger)),
      previewer: data.preview === true ? loadPreviewDetector(data.content, logger) : undefined,
    }))
  } catch (error) {
    failure = error
  }
  const options = await go
  if (compiled === undefined) throw failure
  const {parsers, previewer} = compiled
  loading = false

  const encoder = new WireEncoder(options.keys)
  const sink: ParseSink = {
    event(evt) {
      const preview = previewer?.preview(evt)
      records.push(preview === undefined ? encoder.encode(evt) : encodePreviewed(evt, preview))
      events++
    },
    warning(message) {
      records.push({w: message})
    },
    progress(p) {
      const m = p.metrics
      records.push({p: {input: p.input, src: p.src, metrics: {lines: m.lines, bytes: m.bytes, truncated: m.truncated, invalidUtf8: m.invalidUtf8, empty: m.empty}, done: p.done}})
    },
    input(index) {
      post({type: 'input', index})
    },
    // the main thread is about to run out of work: it parses these lines itself
    takeLines(lines, from) {
      if (options.handOff !== true) return false
      takeAcks()
      if (inFlight > (options.handOffInFlight ?? HAND_OFF_IN_FLIGHT)) return false
      records.push({r: {i: from.input, s: from.source, src: from.src, module: from.module, labels: {...from.labels}, t: [from.now.sec, from.now.nsec], lines: lines.map((l) => l.raw)}})
      events += lines.length
      return true
    },
    async drain() {
      if (events < BATCH_EVENTS) return
      flush()
      takeAcks()
      while (inFlight >= MAX_IN_FLIGHT) {
        await new Promise<void>((resolve) => {
          room = resolve
        })
      }
    },
  }

  if (data.follow === true) {
    await parseFollowed(port, post, parsers, sink, () => {
      const out = records
      records = []
      events = 0
      return out
    })
    return
  }
  const result = await parseInputs({inputs: data.inputs, type: data.type, maxLineBytes: data.maxLineBytes, sampleLines: data.sampleLines, parsers, logger}, sink)
  flush()
  post({type: 'end', result})
  port.close()
}

/** How often a followed parse sends its parser counters along with a reply (ms). */
const FOLLOW_METRICS_MS = 1000

/**
 * `crowd watch` (data.follow): batches of lines come one by one (`parse`), each answered in
 * order with its records and counts (`parsed`); `end` is answered with the parser counters.
 */
async function parseFollowed(port: MessagePort, post: (msg: WorkerMessage) => void, parsers: ParserStage, sink: ParseSink, take: () => WireRecord[]): Promise<void> {
  let lastMetrics = 0
  await new Promise<void>((resolve) => {
    port.on('message', (msg: MainMessage) => {
      if (msg.type === 'parse') {
        const r = msg.r
        const counts: LineCounts = {parsed: 0, unparsed: 0, whitelisted: 0, poured: 0}
        const from: LinesSource = {input: r.i, source: r.s, src: r.src, module: r.module, labels: r.labels, now: new GoTime(r.t[0], r.t[1], UTC)}
        // lines arrive as strings of their own (structured clone): fields cut from them need no copy
        parseLines(parsers, r.lines, from, counts, sink, Infinity, msg.mode)
        const now = Date.now()
        const metrics = now - lastMetrics >= FOLLOW_METRICS_MS ? parsers.metrics?.() : undefined
        if (metrics !== undefined) lastMetrics = now
        post({type: 'parsed', id: msg.id, records: take(), counts, ...(metrics !== undefined ? {parserMetrics: metrics} : {})})
      } else if (msg.type === 'end') {
        post({type: 'end', result: {inputs: [], inputErrors: 0, parserMetrics: parsers.metrics?.() ?? []}})
        resolve()
      }
    })
  })
  port.close()
}

main().catch((error: unknown) => {
  const msg: WorkerMessage =
    error instanceof CrowdError
      ? {type: 'error', code: error.code, message: error.reason, ...(error.file !== undefined ? {file: error.file} : {}), ...(error.line !== undefined ? {line: error.line} : {})}
      : {type: 'error', code: 'internal', message: error instanceof Error ? error.message : String(error)}
  parentPort?.postMessage(msg)
})
