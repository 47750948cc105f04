/**
 * The parse worker's entry point (see parse-thread.ts): compiles the parsers (and, with
 * `preview`, the scenarios) of the content it is given, waits for `go`, runs the parse side
 * (parse-side.ts) over the inputs, and posts batches of records (events in their wire form or
 * previewed, lines handed back, warnings, logs, progress) in order. It waits for room when
 * MAX_IN_FLIGHT batches are unacknowledged. Load logs are dropped: the main thread compiled the
 * same content and already reported them; a compile failure is reported once told to start.
 */
import {parentPort, workerData} from 'node:worker_threads'
import type {Detector} from '../detect/index.js'
import {CrowdError} from '../model/errors.js'
import {encodePreviewed, WireEncoder} from '../model/event-wire.js'
import type {Logger} from '../model/logger.js'
import {createParserStage, loadParserSet, loadPreviewDetector} from './build-engines.js'
import type {ParserStage} from './engines.js'
import {parseInputs, type ParseSink} from './parse-side.js'
import {BATCH_EVENTS, HAND_OFF_IN_FLIGHT, MAX_IN_FLIGHT, type LogLevelName, type MainMessage, type ParseWorkerData, type ParseWorkerGo, type WireRecord, type WorkerMessage} from './parse-thread.js'

const RANK: Record<string, number> = {error: 0, warn: 1, info: 2, debug: 3, trace: 4}

async function main(): Promise<void> {
  const port = parentPort
  if (port === null) return
  const data = workerData as ParseWorkerData
  const post = (msg: WorkerMessage): void => port.postMessage(msg)

  let records: WireRecord[] = []
  let events = 0
  let inFlight = 0
  let room: (() => void) | undefined
  let started: ((go: ParseWorkerGo) => void) | undefined
  const go = new Promise<ParseWorkerGo>((resolve) => {
    started = resolve
  })
  port.on('message', (msg: MainMessage) => {
    if (msg.type === 'go') {
      started?.(msg.go)
      return
    }
    if (msg.type !== 'ack') return
    inFlight--
    const wake = room
    room = undefined
    wake?.()
  })

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
    compiled = {parsers: createParserStage(loadParserSet(data.content, logger)), previewer: data.preview === true ? loadPreviewDetector(data.content, logger) : undefined}
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
      if (options.handOff !== true || inFlight > (options.handOffInFlight ?? HAND_OFF_IN_FLIGHT)) return false
      records.push({r: {i: from.input, s: from.source, src: from.src, module: from.module, labels: {...from.labels}, t: [from.now.sec, from.now.nsec], lines: lines.map((l) => l.raw)}})
      events += lines.length
      return true
    },
    async drain() {
      if (events < BATCH_EVENTS) return
      flush()
      while (inFlight >= MAX_IN_FLIGHT) {
        await new Promise<void>((resolve) => {
          room = resolve
        })
      }
    },
  }

  const result = await parseInputs({inputs: data.inputs, type: data.type, maxLineBytes: data.maxLineBytes, sampleLines: data.sampleLines, parsers, logger}, sink)
  flush()
  post({type: 'end', result})
  port.close()
}

main().catch((error: unknown) => {
  const msg: WorkerMessage =
    error instanceof CrowdError
      ? {type: 'error', code: error.code, message: error.reason, ...(error.file !== undefined ? {file: error.file} : {}), ...(error.line !== undefined ? {line: error.line} : {})}
      : {type: 'error', code: 'internal', message: error instanceof Error ? error.message : String(error)}
  parentPort?.postMessage(msg)
})
