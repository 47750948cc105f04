/**
 * The sources of `crowd watch` in follow mode, each turning what it reads into WatchBatches on
 * the bounded queue (watch-queue.ts):
 *
 * - files and globs (acquisition/follow: positions, rename and copytruncate rotation); globs
 *   are expanded again every `globPollMs`, so files created later are followed from their
 *   first line; a directory watch wakes the followers as soon as a file changes, the poll is
 *   the fallback;
 * - journald (acquisition/journald: `journalctl --follow -o json`, positions are cursors);
 * - syslog (acquisition/syslog: UDP/TCP server; no position, so nothing to resume);
 * - stdin (read to its end).
 *
 * `once` (cron mode): each source is read from its saved position to its current end, one
 * after the other in the order given, and then stops; lines are replayed on event time. In
 * daemon mode the backlog a follower finds (before it first catches up) is replayed on event
 * time, and what comes after runs on the wall clock (`replay: false`).
 */
import * as fs from 'node:fs'
import * as path from 'node:path'
import {followFile, type FileFollower, type FilePosition, type FollowMetrics} from '../acquisition/follow/index.js'
import {hasGlobMagic, globFiles} from '../acquisition/glob.js'
import {stdinSource as stdinReader} from '../acquisition/stdin.js'
import {startSyslogServer, syslogServerOptions, type SyslogAcquisConfig, type SyslogServer} from '../acquisition/syslog/index.js'
import {CrowdError} from '../model/errors.js'
import type {Logger} from '../model/logger.js'
import type {BoundedQueue, QueueItem} from './watch-queue.js'
import type {SourcePosition} from './watch-state.js'

/** One source as configured (from arguments, `[[watch.sources]]` or acquis.yaml). */
export type WatchSourceSpec =
  | {kind: 'file'; paths: string[]; exclude?: {test(path: string): boolean}[]; labels: Record<string, string>; origin?: string}
  | {kind: 'stdin'; labels: Record<string, string>; origin?: string}
  | {kind: 'syslog'; syslog: SyslogAcquisConfig; labels: Record<string, string>; origin?: string}
  | {kind: 'journald'; filters: string[]; labels: Record<string, string>; origin?: string}

/** Lines of one source on their way to the consumer. */
export interface WatchBatch extends QueueItem {
  /** The source key: `file:<path>`, `journald:<filters>`, `syslog:<address>`, `stdin`. */
  readonly key: string
  /** Line.Src / datasource_path. */
  readonly src: string
  readonly module: string
  /** Shared by every line of the source (`type` is the log type once chosen). */
  readonly labels: Record<string, string>
  readonly lines: readonly string[]
  /** Where the source will be once these lines are processed (committed with them). */
  readonly position?: SourcePosition
  /** Replayed on event time (backlog, cron mode) rather than run on the wall clock. */
  readonly replay: boolean
  /** A source that stopped for good: its position is forgotten. */
  readonly forget?: boolean
}

/** Per source counters (acquisition figures). */
export interface SourceFigures {
  key: string
  src: string
  module: string
  lines: number
  bytes: number
  truncated: number
  /** Lines (or messages) dropped before the pipeline: queue full for syslog, counted never silent. */
  dropped: number
  rotations?: number
  truncations?: number
  errors: number
}

export interface SourceContext {
  queue: BoundedQueue<WatchBatch>
  once: boolean
  fromEnd: boolean
  maxLineBytes: number
  pollMs: number
  globPollMs: number
  closeRotatedAfterMs: number
  positions: Readonly<Record<string, SourcePosition>>
  logger: Logger
  /** Errors that make a source (or one file of it) unreadable, for the exit code and the report. */
  onSourceError(key: string, error: CrowdError): void
}

export interface RunningSource {
  readonly spec: WatchSourceSpec
  /** Resolves when the source has nothing more to give (cron mode: caught up; stdin: its end). */
  readonly done: Promise<void>
  stop(): Promise<void>
  figures(): SourceFigures[]
}

export function fileKey(file: string): string {
  return `file:${file}`
}

/** Starts one source; in cron mode the caller awaits `done` before starting the next. */
export async function startSource(spec: WatchSourceSpec, ctx: SourceContext): Promise<RunningSource> {
  switch (spec.kind) {
    case 'file':
      return new FileSource(spec, ctx)
    case 'stdin':
      return stdinSource(spec, ctx)
    case 'syslog':
      return syslogSource(spec, ctx)
    case 'journald': {
      const {journaldSource} = await import('./watch-journald.js')
      return journaldSource(spec, ctx)
    }
  }
}

// ---- files

interface Followed {
  follower: FileFollower
  metrics: FollowMetrics
  caughtUp: boolean
  /** Found by a later glob expansion: live from its first line. */
  late: boolean
}

class FileSource implements RunningSource {
  readonly done: Promise<void>
  private readonly followed = new Map<string, Followed>()
  private readonly controller = new AbortController()
  private readonly wakers = new DirWakers()
  private finished: (() => void) | undefined
  private expandTimer: ReturnType<typeof setInterval> | undefined
  private started = false

  constructor(readonly spec: Extract<WatchSourceSpec, {kind: 'file'}>, private readonly ctx: SourceContext) {
    this.done = new Promise((resolve) => (this.finished = resolve))
    if (ctx.once) {
      void this.runOnce()
    } else {
      this.expand()
      this.started = true
      this.expandTimer = setInterval(() => this.expand(), ctx.globPollMs)
      this.expandTimer.unref?.()
      this.finished!() // a daemon file source is never "done"
    }
  }

  /** Cron mode: every matching file (and the saved ones a rotation moved), one at a time. */
  private async runOnce(): Promise<void> {
    try {
      for (const file of this.matching()) {
        if (this.controller.signal.aborted) break
        if (this.ctx.positions[fileKey(file)] === undefined && !fs.existsSync(file)) {
          this.ctx.onSourceError(fileKey(file), new CrowdError('input', `${file}: no such file`, {file}))
          continue
        }
        const f = this.follow(file, false)
        await f.follower.done.catch(() => undefined)
      }
    } finally {
      this.finished!()
    }
  }

  /** The files the patterns match now (literal paths always: a missing one is reported by its follower). */
  private matching(): string[] {
    const out = new Set<string>()
    for (const p of this.spec.paths) {
      if (!hasGlobMagic(p)) {
        out.add(p)
        continue
      }
      let files: string[] = []
      try {
        files = globFiles(p)
      } catch (error) {
        this.ctx.onSourceError(fileKey(p), new CrowdError('input', `cannot expand ${p}: ${(error as Error).message}`, {file: p}))
      }
      for (const f of files) if (!(this.spec.exclude ?? []).some((r) => r.test(f))) out.add(f)
    }
    return [...out]
  }

  /**
   * Follows the files the patterns match now. A file that is gone and no longer matched (a dated
   * log deleted by its retention) stops being followed and its position is forgotten, so a
   * directory of daily files does not pile up followers; a literal path is always kept (it may come back).
   */
  private expand(): void {
    const now = this.matching()
    const current = new Set(now)
    for (const file of now) if (!this.followed.has(file)) this.follow(file, this.started)
    for (const [file, f] of this.followed) {
      if (current.has(file) || !f.caughtUp || fs.existsSync(file)) continue
      this.followed.delete(file)
      void f.follower.stop().then(() => this.ctx.queue.push({key: fileKey(file), src: file, module: 'file', labels: this.spec.labels, lines: [], weight: 1, replay: false, forget: true}))
    }
  }

  private follow(file: string, late: boolean): Followed {
    const key = fileKey(file)
    const saved = this.ctx.positions[key]
    const start: 'beginning' | 'end' | FilePosition = saved !== undefined && 'file' in saved ? saved.file : this.ctx.fromEnd && !late ? 'end' : 'beginning'
    const labels = Object.assign(Object.create(null) as Record<string, string>, this.spec.labels)
    const ctx = this.ctx
    const entry: Followed = {follower: undefined as unknown as FileFollower, metrics: undefined as unknown as FollowMetrics, caughtUp: false, late}
    const signal = this.controller.signal
    const waker = this.wakers
    const follower = followFile(file, {
      start,
      pollMs: ctx.pollMs,
      maxLineBytes: ctx.maxLineBytes,
      closeRotatedAfterMs: ctx.once ? 0 : ctx.closeRotatedAfterMs,
      labels,
      signal,
      onLines: (batch) => {
        if (batch.lines.length === 0 && batch.endPosition === undefined) return
        const item: WatchBatch = {
          key, src: file, module: 'file', labels, lines: batch.lines.map((l) => l.raw), weight: Math.max(1, batch.lines.length),
          position: {file: batch.endPosition}, replay: ctx.once || (!entry.caughtUp && !entry.late),
        }
        return ctx.queue.push(item)
      },
      onError: (e) => {
        ctx.logger.warn(`${e.file}: ${e.message}`)
        ctx.onSourceError(key, new CrowdError('input', e.message, {file: e.file}))
      },
      // the first wait means the follower read everything there was: the backlog is over
      sleep: (ms, s) => {
        entry.caughtUp = true
        if (ctx.once) {
          void entry.follower.stop()
          return Promise.resolve()
        }
        return waker.sleep(path.dirname(file), ms, s)
      },
    })
    entry.follower = follower
    entry.metrics = follower.metrics
    this.followed.set(file, entry)
    return entry
  }

  async stop(): Promise<void> {
    if (this.expandTimer !== undefined) clearInterval(this.expandTimer)
    this.controller.abort()
    await Promise.all([...this.followed.values()].map((f) => f.follower.stop()))
    this.wakers.close()
    this.finished?.()
  }

  figures(): SourceFigures[] {
    return [...this.followed].map(([file, f]) => ({
      key: fileKey(file), src: file, module: 'file', lines: f.metrics.lines, bytes: f.metrics.bytes, truncated: f.metrics.truncated,
      dropped: 0, rotations: f.metrics.rotations, truncations: f.metrics.truncations, errors: f.metrics.errors,
    }))
  }
}

/**
 * Wakes sleeping followers when something changes in their directory (inotify through
 * fs.watch), so a line is read within milliseconds rather than at the next poll. Where
 * fs.watch is not available the poll interval is the only clock.
 */
class DirWakers {
  private readonly dirs = new Map<string, {watcher: fs.FSWatcher | undefined; sleepers: Set<() => void>}>()

  sleep(dir: string, ms: number, signal: AbortSignal): Promise<void> {
    let entry = this.dirs.get(dir)
    if (entry === undefined) {
      const sleepers = new Set<() => void>()
      let watcher: fs.FSWatcher | undefined
      try {
        watcher = fs.watch(dir, {persistent: false}, () => {
          for (const wake of [...sleepers]) wake()
        })
        watcher.on('error', () => {
          watcher?.close()
          this.dirs.delete(dir)
        })
      } catch {
        watcher = undefined
      }
      entry = {watcher, sleepers}
      this.dirs.set(dir, entry)
    }
    const sleepers = entry.sleepers
    return new Promise<void>((resolve) => {
      if (signal.aborted) return resolve()
      const done = () => {
        clearTimeout(timer)
        sleepers.delete(done)
        signal.removeEventListener('abort', done)
        resolve()
      }
      const timer = setTimeout(done, ms)
      sleepers.add(done)
      signal.addEventListener('abort', done, {once: true})
    })
  }

  close(): void {
    for (const {watcher, sleepers} of this.dirs.values()) {
      watcher?.close()
      for (const wake of [...sleepers]) wake()
    }
    this.dirs.clear()
  }
}

// ---- stdin

const STDIN_BATCH_LINES = 1024

function stdinSource(spec: Extract<WatchSourceSpec, {kind: 'stdin'}>, ctx: SourceContext): RunningSource {
  const labels = Object.assign(Object.create(null) as Record<string, string>, spec.labels)
  const figures: SourceFigures = {key: 'stdin', src: '-', module: 'stdin', lines: 0, bytes: 0, truncated: 0, dropped: 0, errors: 0}
  let stopped = false
  const done = (async () => {
    try {
      for await (const batch of stdinReader.open('-', {maxLineBytes: ctx.maxLineBytes})) {
        if (stopped) break
        figures.lines = batch.source.metrics.lines
        figures.bytes = batch.source.metrics.bytes
        figures.truncated = batch.source.metrics.truncated
        for (let i = 0; i < batch.lines.length; i += STDIN_BATCH_LINES) {
          const lines = batch.lines.slice(i, i + STDIN_BATCH_LINES).map((l) => l.raw)
          await ctx.queue.push({key: 'stdin', src: '-', module: 'stdin', labels, lines, weight: lines.length, replay: ctx.once})
        }
      }
    } catch (error) {
      figures.errors++
      ctx.onSourceError('stdin', new CrowdError('input', `stdin: ${(error as Error).message}`))
    }
  })()
  return {
    spec,
    done,
    async stop() {
      stopped = true
    },
    figures: () => [{...figures}],
  }
}

// ---- syslog

/** Messages buffered for the queue before they are pushed (a burst beyond this is dropped and counted: UDP cannot wait). */
const SYSLOG_BUFFER_LINES = 20_000
const SYSLOG_FLUSH_MS = 10

async function syslogSource(spec: Extract<WatchSourceSpec, {kind: 'syslog'}>, ctx: SourceContext): Promise<RunningSource> {
  if (ctx.once) throw new CrowdError('usage', 'a syslog source has no position to read up to: it cannot be used with --once', {file: spec.origin})
  const labels = Object.assign(Object.create(null) as Record<string, string>, spec.labels)
  const key = `syslog:${spec.syslog.host}:${spec.syslog.port}`
  const figures: SourceFigures = {key, src: key.slice(7), module: 'syslog', lines: 0, bytes: 0, truncated: 0, dropped: 0, errors: 0}
  let buffer: {src: string; line: string}[] = []
  let flushing = false
  let timer: ReturnType<typeof setTimeout> | undefined
  const flush = async () => {
    timer = undefined
    if (flushing || buffer.length === 0) return
    flushing = true
    try {
      while (buffer.length > 0) {
        const take = buffer
        buffer = []
        // one batch per sender address: Line.Src is the sender, as CrowdSec's syslog datasource sets it
        const bySender = new Map<string, string[]>()
        for (const m of take) {
          let list = bySender.get(m.src)
          if (list === undefined) bySender.set(m.src, (list = []))
          list.push(m.line)
        }
        for (const [src, lines] of bySender) await ctx.queue.push({key, src, module: 'syslog', labels, lines, weight: lines.length, replay: false})
      }
    } finally {
      flushing = false
    }
  }
  const server: SyslogServer = await startSyslogServer(syslogServerOptions(spec.syslog, {
    maxConnections: undefined,
    onMessage: (msg, sender) => {
      figures.lines++
      figures.bytes += msg.line.length
      if (buffer.length >= SYSLOG_BUFFER_LINES) {
        figures.dropped++
        return
      }
      buffer.push({src: sender.address, line: msg.line})
      timer ??= setTimeout(() => void flush(), SYSLOG_FLUSH_MS)
    },
    onError: (reason, sender, detail) => {
      figures.errors++
      ctx.logger.debug(`syslog ${sender.address}: ${reason}: ${detail}`)
    },
  }))
  ctx.logger.info(`syslog: listening on ${server.addresses.map((a) => `${a.protocol}://${a.address}:${a.port}`).join(', ')}`)
  return {
    spec,
    done: Promise.resolve(),
    async stop() {
      if (timer !== undefined) clearTimeout(timer)
      await server.close()
      await flush()
    },
    figures: () => {
      const m = server.metrics()
      return [{...figures, truncated: m.oversized, dropped: figures.dropped + m.droppedByRate}]
    },
  }
}
