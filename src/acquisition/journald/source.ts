/**
 * The journald source: runs journalctl, reads its JSON output (json-reader.ts) and hands on the
 * lines CrowdSec's journalctl datasource would read (render.ts), with the journal cursor after
 * each batch, so that a restart goes on where the last committed batch ended.
 *
 * - follow: `journalctl --follow --output=json --all --no-pager` + the position
 *   (`--lines=0` from the end, as CrowdSec's `-n 0`; `--lines=all` from the beginning;
 *   `--lines=all --after-cursor=C` from a saved cursor) + the user's filters, as CrowdSec
 *   appends them; once: the same without `--follow` and position (to the current end, then exit);
 * - backpressure: `onLines` may return a promise; stdout is not read until it resolves, so
 *   journalctl blocks on a full pipe and memory stays at one chunk plus one entry's kept fields;
 * - bounded: a MESSAGE over maxLineBytes is cut while it is read (counted in `truncated`), a
 *   line of output that is not an entry is counted in `malformed` and reported, stderr lines
 *   are counted and the first ones of each run reported;
 * - journalctl exiting (any exit while following, a non-zero one once) or not starting is
 *   reported with the tail of its stderr; when following it is started again after a backoff
 *   (doubling from restartDelayMs to maxRestartDelayMs, counted in `restarts`) from the last
 *   cursor handed on; after maxRestarts failed runs in a row the source gives up;
 * - the child is killed (SIGTERM, then SIGKILL) on stop, abort, and when onLines throws.
 */
import {abortableSleep} from '../bytes-and-waits.js'
import {spawn, type ChildProcess} from 'node:child_process'
import {CrowdError} from '../../model/errors.js'
import {DEFAULT_MAX_LINE_BYTES} from '../line-splitter.js'
import type {RawLine, SourceMetrics} from '../types.js'
import {JournalJsonReader, type JournalJsonError, type JournalRecord} from './json-reader.js'
import {keptFields, renderEntry, type JournalLineFormat} from './render.js'

export const JOURNALD_MODULE = 'journalctl'
export const DEFAULT_RESTART_DELAY_MS = 1000
export const DEFAULT_MAX_RESTART_DELAY_MS = 30_000
export const DEFAULT_KILL_TIMEOUT_MS = 2000
/** A run that lasted this long counts as healthy: the backoff starts over after it. */
const HEALTHY_RUN_MS = 60_000
/** Reports per run for stderr lines and for malformed output (all are counted). */
const REPORTS_PER_RUN = 10
const STDERR_TAIL_BYTES = 2048

/** CrowdSec's Line.Src for a journalctl source: `journalctl-` + the filters joined with `.`. */
export function journaldSrc(filters: readonly string[]): string {
  return 'journalctl-' + filters.join('.')
}

export interface JournaldBatch {
  lines: RawLine[]
  /** The cursor of the last entry read (entries without a message advance it too); '' before any. */
  cursor: string
}

export interface JournaldMetrics extends SourceMetrics {
  /** Journal entries read. */
  entries: number
  /** Entries without MESSAGE: no line, as journalctl's short output skips them. */
  noMessage: number
  /** Messages that are not printable, handed on as `[N blob data]` as journalctl prints them. */
  blobs: number
  /** Lines of journalctl output that are not an entry (skipped). */
  malformed: number
  /** journalctl runs that ended without being stopped, or did not start. */
  exits: number
  /** journalctl started again after an exit. */
  restarts: number
  /** Lines journalctl wrote to stderr. */
  stderrLines: number
}

export function newJournaldMetrics(): JournaldMetrics {
  return {lines: 0, bytes: 0, truncated: 0, invalidUtf8: 0, empty: 0, entries: 0, noMessage: 0, blobs: 0, malformed: 0, exits: 0, restarts: 0, stderrLines: 0}
}

export type JournaldErrorKind = 'spawn' | 'exit' | 'stderr' | 'malformed'

export interface JournaldError {
  kind: JournaldErrorKind
  message: string
  /** The source (journaldSrc of the filters). */
  src: string
  /** exit: the exit code (null when killed by a signal). */
  code?: number | null
  signal?: string | null
  /** exit, spawn: the end of what journalctl wrote to stderr. */
  stderr?: string
}

/** What both the follower and the one-shot read take. */
export interface JournaldReadOptions {
  /** journalctl arguments from the acquis entry (`journalctl_filter`), e.g. `_SYSTEMD_UNIT=ssh.service`. */
  filters: readonly string[]
  /** The journalctl binary (default `journalctl`, looked up in PATH). */
  journalctl?: string
  /** RawLine.labels (shared by every line). */
  labels?: Record<string, string>
  /** Lines longer than this many bytes are cut and counted (default 64 KiB). */
  maxLineBytes?: number
  /** `short` (default): the line journalctl prints, as CrowdSec reads it; `message`: MESSAGE alone. */
  format?: JournalLineFormat
  onLines(batch: JournaldBatch): Promise<void> | void
  onError?(error: JournaldError): void
  signal?: AbortSignal
  /** journalctl's environment (default: this process's); colors and the pager are always off. */
  env?: NodeJS.ProcessEnv
  /** After SIGTERM, SIGKILL follows after this long (default 2000 ms). */
  killTimeoutMs?: number
}

export interface JournaldOptions extends JournaldReadOptions {
  /** Where to start: the current end (default, as CrowdSec), the beginning, or after a saved cursor. */
  from?: 'beginning' | 'end' | string
  /** First wait before starting journalctl again (default 1000 ms), doubled each failed run. */
  restartDelayMs?: number
  /** Longest wait between runs (default 30 s). */
  maxRestartDelayMs?: number
  /** Failed runs in a row (no entry read, under a minute) before giving up (default: never). */
  maxRestarts?: number
  /** Waits between runs (tests pass their own). */
  sleep?: (ms: number, signal: AbortSignal) => Promise<void>
}

export interface JournaldOnceOptions extends JournaldReadOptions {
  /** Read the entries after this cursor (default: the whole journal). */
  afterCursor?: string
  /** journalctl `--since` (CrowdSec's DSN `since=`). */
  since?: string
}

export interface JournaldSource {
  readonly metrics: JournaldMetrics
  /** The cursor of the last batch handed on (undefined before the first). */
  readonly cursor: string | undefined
  /** Settles when the source stops: resolves on abort/stop, rejects when onLines threw or journalctl kept failing. */
  readonly done: Promise<void>
  /** Stops reading and kills journalctl; resolves when it is gone (an error stays on `done`). */
  stop(): Promise<void>
}

const CURSOR_KEYS = new Set(['s', 'i', 'b', 'm', 't', 'x'])

/** True for text shaped like a journal cursor (`s=...;i=...;...`): what --after-cursor takes. */
export function isJournalCursor(text: string): boolean {
  if (text.length === 0 || text.length > 1024) return false
  return text.split(';').every((part) => {
    const eq = part.indexOf('=')
    return eq === 1 && CURSOR_KEYS.has(part[0]!) && /^[0-9a-fA-F]+$/.test(part.slice(2))
  })
}

/** journalctl options a filter may not carry: they change the output format, the position, or make it print something else. */
const LONG_FORBIDDEN = [
  'output', 'output-fields', 'follow', 'lines', 'no-tail', 'reverse', 'cursor', 'after-cursor', 'cursor-file', 'show-cursor',
  'pager-end', 'field', 'fields', 'list-boots', 'disk-usage', 'vacuum-size', 'vacuum-time', 'vacuum-files', 'verify', 'verify-key',
  'header', 'list-catalog', 'dump-catalog', 'update-catalog', 'flush', 'rotate', 'sync', 'relinquish-var', 'smart-relinquish-var',
  'setup-keys', 'new-id128', 'help', 'version', 'list-namespaces', 'list-fields', 'list-invocations', 'interval', 'force',
]
const SHORT_FORBIDDEN = new Set(['o', 'f', 'n', 'r', 'e', 'c', 'N', 'F', 'h'])
/** Short options whose argument is the rest of the word (`-ussh.service`). */
const SHORT_WITH_ARG = new Set(['D', 'M', 'i', 'p', 'g', 'S', 'U', 't', 'u', 'b', 'I', 'T'])

/** Why a filter cannot be passed to journalctl, or undefined when it can. */
export function checkJournalFilter(filter: string): string | undefined {
  if (filter.includes('\0')) return 'it holds a NUL byte'
  if (filter.startsWith('--')) {
    const name = filter.slice(2).split('=')[0]!
    if (LONG_FORBIDDEN.includes(name)) return `crowd sets --${name} itself (the source reads journalctl's JSON output from a position it chooses)`
    return undefined
  }
  if (filter.startsWith('-') && filter.length > 1) {
    for (const c of filter.slice(1)) {
      if (SHORT_FORBIDDEN.has(c)) return `crowd sets -${c} itself or it changes what journalctl prints`
      if (SHORT_WITH_ARG.has(c)) break
    }
  }
  return undefined
}

function checkCommon(options: JournaldReadOptions): {maxLineBytes: number; src: string} {
  if (!Array.isArray(options.filters) || options.filters.some((f) => typeof f !== 'string')) throw new TypeError('filters must be a list of strings')
  const src = journaldSrc(options.filters)
  for (const f of options.filters) {
    const why = checkJournalFilter(f)
    if (why !== undefined) throw new CrowdError('config', `journalctl filter ${JSON.stringify(f)}: ${why}`, {file: src})
  }
  const maxLineBytes = options.maxLineBytes ?? DEFAULT_MAX_LINE_BYTES
  if (!Number.isInteger(maxLineBytes) || maxLineBytes < 1) throw new RangeError(`maxLineBytes must be a positive integer, got ${maxLineBytes}`)
  return {maxLineBytes, src}
}

/** The arguments of a follow run from a position. */
export function followArgs(from: 'beginning' | 'end' | string, filters: readonly string[]): string[] {
  const position = from === 'end' ? ['--lines=0'] : from === 'beginning' ? ['--lines=all'] : ['--lines=all', `--after-cursor=${from}`]
  return ['--follow', '--output=json', '--all', '--no-pager', ...position, ...filters]
}

/** The arguments of a one-shot read. */
export function onceArgs(filters: readonly string[], afterCursor?: string, since?: string): string[] {
  return [
    '--output=json', '--all', '--no-pager',
    ...(since === undefined ? [] : [`--since=${since}`]),
    ...(afterCursor === undefined ? [] : [`--after-cursor=${afterCursor}`]),
    ...filters,
  ]
}

/** What one run of journalctl came to. */
interface RunResult {
  code: number | null
  signal: string | null
  /** The spawn failed (ENOENT, EACCES). */
  error?: NodeJS.ErrnoException
  stderrTail: string
  entries: number
  ms: number
}

/** State shared by the runs of one source. */
class Reading {
  readonly metrics = newJournaldMetrics()
  cursor: string | undefined
  private lineNo = 0
  private readonly labels: Record<string, string>
  private readonly format: JournalLineFormat
  private readonly keep: Map<string, number>

  constructor(
    readonly options: JournaldReadOptions,
    readonly src: string,
    readonly maxLineBytes: number,
    readonly signal: AbortSignal,
  ) {
    this.labels = options.labels ?? {}
    this.format = options.format ?? 'short'
    this.keep = keptFields(maxLineBytes)
  }

  report(error: Omit<JournaldError, 'src'>): void {
    try {
      this.options.onError?.({...error, src: this.src})
    } catch {
      // a failing error callback is not ours to report
    }
  }

  /** Runs journalctl once with `args` until it exits or the signal aborts; rethrows an onLines error. */
  async run(args: string[]): Promise<RunResult> {
    const started = Date.now()
    const bin = this.options.journalctl ?? 'journalctl'
    const env = {...(this.options.env ?? process.env), SYSTEMD_COLORS: '0', SYSTEMD_URLIFY: '0', SYSTEMD_PAGER: 'cat', PAGER: 'cat'}
    let child: ChildProcess
    try {
      child = spawn(bin, args, {stdio: ['ignore', 'pipe', 'pipe'], env})
    } catch (error) {
      return {code: null, signal: null, error: error as NodeJS.ErrnoException, stderrTail: '', entries: 0, ms: Date.now() - started}
    }
    let spawnError: NodeJS.ErrnoException | undefined
    const closed = new Promise<{code: number | null; signal: string | null}>((resolve) => {
      // 'on', not 'once': a later error (a failed kill) must not be an unhandled 'error' event
      child.on('error', (error) => {
        if (child.pid !== undefined) return
        spawnError ??= error as NodeJS.ErrnoException
        resolve({code: null, signal: null})
      })
      child.once('close', (code, signal) => resolve({code, signal}))
    })
    let isClosed = false
    void closed.then(() => (isClosed = true))
    let killTimer: NodeJS.Timeout | undefined
    const kill = () => {
      if (isClosed || child.pid === undefined || killTimer !== undefined) return
      child.kill('SIGTERM')
      killTimer = setTimeout(() => {
        if (!isClosed) child.kill('SIGKILL')
      }, this.options.killTimeoutMs ?? DEFAULT_KILL_TIMEOUT_MS)
      killTimer.unref?.()
    }
    this.signal.addEventListener('abort', kill, {once: true})

    let stderrTail = ''
    let stderrPartial = ''
    let stderrReports = 0
    const stderrLine = (line: string) => {
      if (line === '') return
      this.metrics.stderrLines++
      if (stderrReports++ < REPORTS_PER_RUN) this.report({kind: 'stderr', message: `journalctl: ${line}`})
    }
    child.stderr!.on('error', () => undefined)
    child.stderr!.setEncoding('utf8')
    child.stderr!.on('data', (text: string) => {
      stderrTail = (stderrTail + text).slice(-STDERR_TAIL_BYTES)
      const parts = (stderrPartial + text).split('\n')
      stderrPartial = parts.pop()!.slice(-STDERR_TAIL_BYTES)
      for (const line of parts) stderrLine(line)
    })

    const reader = new JournalJsonReader({keep: this.keep})
    let entries = 0
    let malformedReports = 0
    const take = async (records: JournalRecord[], errors: JournalJsonError[]) => {
      for (const e of errors) {
        this.metrics.malformed++
        if (malformedReports++ < REPORTS_PER_RUN) this.report({kind: 'malformed', message: e.message})
      }
      if (records.length === 0) return
      entries += records.length
      const lines = this.lines(records)
      try {
        await this.options.onLines({lines, cursor: this.cursor ?? ''})
      } catch (error) {
        callbackFailed = true
        throw error
      }
    }
    let callbackFailed = false
    let ended = false
    try {
      if (this.signal.aborted) kill()
      for await (const chunk of child.stdout!) {
        const buf = chunk as Buffer
        this.metrics.bytes += buf.length
        const records: JournalRecord[] = []
        const errors: JournalJsonError[] = []
        reader.push(buf, records, errors)
        await take(records, errors)
        if (this.signal.aborted) break
      }
      if (!this.signal.aborted) {
        const records: JournalRecord[] = []
        const errors: JournalJsonError[] = []
        reader.end(records, errors)
        await take(records, errors)
        ended = true
      }
    } catch (error) {
      // onLines' error ends the source; a read error on stdout ends this run (Deno reports a
      // child that could not start as a "premature close" of its stdout)
      if (callbackFailed) throw error
    } finally {
      // stdout ended on its own: journalctl is exiting, give it the time to (its code matters)
      if (ended) await Promise.race([closed, delay(this.options.killTimeoutMs ?? DEFAULT_KILL_TIMEOUT_MS)])
      kill()
      await closed
      if (killTimer !== undefined) clearTimeout(killTimer)
      this.signal.removeEventListener('abort', kill)
      child.stdout!.destroy()
      if (stderrPartial !== '') stderrLine(stderrPartial)
      stderrPartial = ''
    }
    const exit = await closed
    return {...exit, error: spawnError, stderrTail: stderrTail.trim(), entries, ms: Date.now() - started}
  }

  /** Entries -> lines; moves the cursor and the counters. */
  private lines(records: JournalRecord[]): RawLine[] {
    const out: RawLine[] = []
    const m = this.metrics
    for (const record of records) {
      m.entries++
      const cursor = record.fields.get('__CURSOR')
      if (cursor !== undefined && cursor.kind === 'text') this.cursor = cursor.bytes.toString('utf8')
      const r = renderEntry(record, {format: this.format, maxLineBytes: this.maxLineBytes})
      if (r.noMessage) m.noMessage++
      if (r.blob) m.blobs++
      if (r.invalidUtf8) m.invalidUtf8++
      m.truncated += r.truncated
      for (const raw of r.lines) {
        this.lineNo++
        if (raw === '') {
          m.empty++
          continue
        }
        m.lines++
        out.push({raw, src: this.src, module: JOURNALD_MODULE, labels: this.labels, lineNo: this.lineNo})
      }
    }
    return out
  }
}

function describeExit(bin: string, r: RunResult): {kind: JournaldErrorKind; message: string} {
  const tail = r.stderrTail === '' ? '' : `: ${r.stderrTail.split('\n').slice(-5).join(' | ')}`
  if (r.error !== undefined) {
    const why = r.error.code === 'ENOENT' ? 'not found' : r.error.code === 'EACCES' ? 'permission denied' : r.error.message
    return {kind: 'spawn', message: `cannot run journalctl (${bin}): ${why}${tail}`}
  }
  if (r.code === null) return {kind: 'exit', message: `journalctl was killed by ${r.signal ?? 'a signal'}${tail}`}
  return {kind: 'exit', message: `journalctl exited with code ${r.code}${tail}`}
}

/**
 * Follows the journal (see the module comment). Throws at once (CrowdError 'config') for a
 * filter crowd cannot pass on, and for a `from` that is neither a position nor a cursor.
 */
export function startJournald(options: JournaldOptions): JournaldSource {
  const {maxLineBytes, src} = checkCommon(options)
  const from = options.from ?? 'end'
  if (from !== 'beginning' && from !== 'end' && !isJournalCursor(from)) throw new CrowdError('config', `not a journal cursor: ${JSON.stringify(from)}`, {file: src})
  const base = options.restartDelayMs ?? DEFAULT_RESTART_DELAY_MS
  const maxDelay = options.maxRestartDelayMs ?? DEFAULT_MAX_RESTART_DELAY_MS
  const maxRestarts = options.maxRestarts ?? Infinity
  for (const [name, v] of [['restartDelayMs', base], ['maxRestartDelayMs', maxDelay], ['maxRestarts', maxRestarts]] as const) {
    if (Number.isNaN(v) || v < 0) throw new RangeError(`${name} must be a number >= 0, got ${v}`)
  }
  const sleep = options.sleep ?? abortableSleep
  const controller = new AbortController()
  const signal = controller.signal
  const onAbort = () => controller.abort()
  if (options.signal?.aborted) controller.abort()
  else options.signal?.addEventListener('abort', onAbort, {once: true})
  const reading = new Reading(options, src, maxLineBytes, signal)
  const bin = options.journalctl ?? 'journalctl'

  const run = async () => {
    let failures = 0
    try {
      while (!signal.aborted) {
        const position = reading.cursor ?? from
        const r = await reading.run(followArgs(position, options.filters))
        if (signal.aborted) break
        reading.metrics.exits++
        const {kind, message} = describeExit(bin, r)
        reading.report({kind, message, code: r.code, signal: r.signal, stderr: r.stderrTail})
        failures = r.entries > 0 || r.ms >= HEALTHY_RUN_MS ? 1 : failures + 1
        if (failures > maxRestarts) {
          throw new CrowdError('input', `journalctl failed ${failures} times in a row, giving up: ${message}`, {file: src})
        }
        await sleep(Math.min(maxDelay, base * 2 ** (failures - 1)), signal)
        if (signal.aborted) break
        reading.metrics.restarts++
      }
    } finally {
      options.signal?.removeEventListener('abort', onAbort)
    }
  }

  const done = run()
  done.catch(() => undefined) // a caller that never awaits `done` gets no unhandled rejection
  return {
    metrics: reading.metrics,
    get cursor() {
      return reading.cursor
    },
    done,
    async stop() {
      controller.abort()
      await done.catch(() => undefined)
    },
  }
}

/**
 * Reads the journal to its current end and returns (journalctl without --follow): for cron-like
 * runs that resume from the cursor they saved. Rejects with a CrowdError ('input') when
 * journalctl cannot run or exits with an error (the batches before it were handed on), and
 * with onLines' error when it throws.
 */
export async function readJournalOnce(options: JournaldOnceOptions): Promise<{cursor: string | undefined; metrics: JournaldMetrics}> {
  const {maxLineBytes, src} = checkCommon(options)
  if (options.afterCursor !== undefined && !isJournalCursor(options.afterCursor)) {
    throw new CrowdError('config', `not a journal cursor: ${JSON.stringify(options.afterCursor)}`, {file: src})
  }
  const controller = new AbortController()
  const onAbort = () => controller.abort()
  if (options.signal?.aborted) controller.abort()
  else options.signal?.addEventListener('abort', onAbort, {once: true})
  const reading = new Reading(options, src, maxLineBytes, controller.signal)
  try {
    const r = await reading.run(onceArgs(options.filters, options.afterCursor, options.since))
    if (!controller.signal.aborted && (r.error !== undefined || r.code !== 0)) {
      reading.metrics.exits++
      const {message} = describeExit(options.journalctl ?? 'journalctl', r)
      throw new CrowdError('input', message, {file: src})
    }
    return {cursor: reading.cursor, metrics: reading.metrics}
  } finally {
    options.signal?.removeEventListener('abort', onAbort)
  }
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref?.())
}
