/**
 * Follows one file path, the way `tail -F` does, for `crowd watch`:
 *
 * - polling (fs.watch is unreliable across platforms and Deno): every `pollMs` the open file is
 *   read to its end, then its size and first bytes and the inode at the path are checked;
 * - complete lines only (line-splitter.ts: a partial last line waits for its newline; over-long
 *   lines are cut to maxLineBytes and counted, and never take more memory than that);
 * - every batch carries the position right after its last line; the caller commits it after
 *   processing the lines, and hands it back as `start` on the next run;
 * - backpressure: `onLines` returns a promise and nothing more is read until it resolves, so at
 *   most one chunk (chunkBytes) plus one partial line is held;
 * - rotation by rename (+ create): the open descriptor is read on until the renamed file has not
 *   grown for `closeRotatedAfterMs`, its last partial line is handed on, and the new file at the
 *   path is read from 0; a deleted file likewise;
 * - copytruncate and any shrink (size below our offset, or the first bytes changed): the rest is
 *   read from the copy (`path.1`...) if one has the same first bytes, then the file from 0; a
 *   file that kept its first bytes and only lost its end is read on from its new end;
 * - a saved position is resumed with position.ts (same file: go on; rotated meanwhile: the old
 *   file is finished from the offset, then the new one; rewritten: start over);
 * - bad input is never a throw: a vanished path is waited for (counted), an unreadable one
 *   (EACCES, a directory...) is reported once per episode to `onError`, counted, and retried
 *   every poll. Only an exception from `onLines` ends the follower (`done` rejects with it).
 */
import {abortableSleep} from '../bytes-and-waits.js'
import * as fsp from 'node:fs/promises'
import {Buffer} from 'node:buffer'
import {DEFAULT_MAX_LINE_BYTES, LineSplitter} from '../line-splitter.js'
import type {RawLine, SourceMetrics} from '../types.js'
import {FINGERPRINT_BYTES, decideResume, fingerprintOf, relate, findOld, type CandidateState, type FilePosition, type Fingerprint} from './position.js'
import {findCandidates, probeError, probePath, readHead} from './probe.js'

export const DEFAULT_POLL_MS = 250
export const DEFAULT_CLOSE_ROTATED_AFTER_MS = 1000
export const DEFAULT_FOLLOW_CHUNK = 64 * 1024

export interface FollowBatch {
  lines: RawLine[]
  /** The position right after these lines: commit it once they are processed. */
  endPosition: FilePosition
  /** The file they were read from: the followed path, or a rotated file being finished. */
  file: string
}

export interface FollowMetrics extends SourceMetrics {
  /** The file at the path was replaced (rename + create, or found replaced on resume). */
  rotations: number
  /** The file shrank below the offset or its first bytes changed (copytruncate); read again from 0. */
  truncations: number
  /** The path disappeared (once per disappearance). */
  vanished: number
  /** Error episodes (EACCES, EISDIR, EIO...): counted and reported once until a success or another error. */
  errors: number
}

export interface FollowError {
  code: string
  message: string
  file: string
}

export interface FollowOptions {
  /** Where to start: the beginning (default), the current end, or a saved position. */
  start?: 'beginning' | 'end' | FilePosition
  /** Milliseconds between polls (default 250). */
  pollMs?: number
  /** Lines longer than this are cut and counted (default 64 KiB). */
  maxLineBytes?: number
  /** Bytes per read (default 64 KiB): also the read-ahead bound. */
  chunkBytes?: number
  /** A renamed or deleted file is read until it has not grown for this long (default 1000 ms). */
  closeRotatedAfterMs?: number
  /** RawLine.labels (shared by every line). */
  labels?: Record<string, string>
  /** RawLine.module (default `file`). */
  module?: string
  onLines(batch: FollowBatch): Promise<void> | void
  onError?(error: FollowError): void
  signal?: AbortSignal
  /** Waits between polls (tests drive polling with their own). */
  sleep?: (ms: number, signal: AbortSignal) => Promise<void>
  /** Earlier files of the path, newest first (default: probe.ts findCandidates). */
  candidates?: (path: string) => Promise<CandidateState[]>
}

export interface FileFollower {
  readonly metrics: FollowMetrics
  /** The end position of the last batch handed on (undefined before the first). */
  readonly position: FilePosition | undefined
  /** Settles when the follower stops: resolves on abort/stop, rejects when onLines threw. */
  readonly done: Promise<void>
  /** Stops following and closes the file; resolves when done (an onLines error stays on `done`). */
  stop(): Promise<void>
}

export function newFollowMetrics(): FollowMetrics {
  return {lines: 0, bytes: 0, truncated: 0, invalidUtf8: 0, empty: 0, rotations: 0, truncations: 0, vanished: 0, errors: 0}
}

/** One open file. */
interface Open {
  fh: fsp.FileHandle
  file: string
  dev: number
  ino: number
  /** The first min(size, FINGERPRINT_BYTES) bytes known. */
  head: Buffer
  fp: Fingerprint | undefined
  /** Next byte to read. */
  readOffset: number
  /** The byte after the last complete line. */
  lineEnd: number
  splitter: LineSplitter
  /** Opened to finish an earlier file (found by a decision): closed as soon as it is drained. */
  finishWhenDrained: boolean
  /** The path no longer leads to this file (already counted). */
  gone: boolean
  /** Polls in a row that read nothing since the path stopped leading here. */
  idlePolls: number
}

export function followFile(path: string, options: FollowOptions): FileFollower {
  const pollMs = options.pollMs ?? DEFAULT_POLL_MS
  const chunkBytes = options.chunkBytes ?? DEFAULT_FOLLOW_CHUNK
  const maxLineBytes = options.maxLineBytes ?? DEFAULT_MAX_LINE_BYTES
  const closeAfter = options.closeRotatedAfterMs ?? DEFAULT_CLOSE_ROTATED_AFTER_MS
  for (const [name, v, min] of [['pollMs', pollMs, 0], ['chunkBytes', chunkBytes, 1], ['maxLineBytes', maxLineBytes, 1], ['closeRotatedAfterMs', closeAfter, 0]] as const) {
    if (!Number.isFinite(v) || v < min) throw new RangeError(`${name} must be a number >= ${min}, got ${v}`)
  }
  const graceTicks = closeAfter === 0 ? 0 : Math.max(1, Math.ceil(closeAfter / Math.max(1, pollMs)))
  const labels = options.labels ?? {}
  const module = options.module ?? 'file'
  const sleep = options.sleep ?? abortableSleep
  const candidatesOf = options.candidates ?? ((p: string) => findCandidates(p))
  const metrics = newFollowMetrics()
  const controller = new AbortController()
  const signal = controller.signal
  const onAbort = () => controller.abort()
  if (options.signal?.aborted) controller.abort()
  else options.signal?.addEventListener('abort', onAbort, {once: true})

  const buf = Buffer.allocUnsafe(chunkBytes)
  let cur: Open | undefined
  /** A position to resume from when the path is next opened. */
  let resume: FilePosition | undefined = typeof options.start === 'object' ? options.start : undefined
  /** `resume` is a file already finished or searched for: only `same` matters, no candidate search. */
  let resumeSearched = false
  let firstOpen = true
  /** The path was there once (or a saved position says so): its absence is counted. */
  let seen = resume !== undefined
  let missingCounted = false
  let errorCode: string | undefined
  let lastEmitted: FilePosition | undefined

  const report = (code: string, message: string, file: string) => {
    if (errorCode === code) return
    errorCode = code
    metrics.errors++
    try {
      options.onError?.({code, message, file})
    } catch {
      // a failing error callback is not ours to report
    }
  }
  const reportError = (error: unknown, file: string) => {
    const e = probeError(error)
    report(e.code, e.message, file)
  }

  const fingerprint = (o: Open): Fingerprint => {
    if (o.fp === undefined || o.fp.bytes !== o.head.length) o.fp = fingerprintOf(o.head)
    return o.fp
  }
  const positionOf = (o: Open, offset: number): FilePosition => ({path, dev: o.dev, ino: o.ino, offset, fingerprint: fingerprint(o)})

  const emit = async (o: Open, lines: RawLine[]) => {
    const endPosition = positionOf(o, o.lineEnd)
    const last = lastEmitted
    if (lines.length === 0 && last !== undefined && last.dev === endPosition.dev && last.ino === endPosition.ino && last.offset === endPosition.offset) return
    await options.onLines({lines, endPosition, file: o.file})
    lastEmitted = endPosition
  }

  const openFile = async (file: string, offset: number, finishWhenDrained: boolean, expect?: {dev: number; ino: number}): Promise<boolean> => {
    let fh: fsp.FileHandle | undefined
    try {
      fh = await fsp.open(file, 'r')
      const st = await fh.stat()
      if (!st.isFile()) throw Object.assign(new Error(`${file} is not a regular file`), {code: 'NOTREG'})
      const dev = Number(st.dev)
      const ino = Number(st.ino)
      if (expect !== undefined && (expect.dev !== dev || expect.ino !== ino)) {
        await fh.close()
        return false // replaced between the probe and the open: looked at again next poll
      }
      const head = await readHead(fh, st.size)
      cur = {
        fh, file, dev, ino, head, fp: undefined, readOffset: offset, lineEnd: offset,
        splitter: new LineSplitter(path, module, labels, metrics, maxLineBytes),
        finishWhenDrained, gone: finishWhenDrained, idlePolls: 0,
      }
      return true
    } catch (error) {
      await fh?.close().catch(() => undefined)
      reportError(error, file)
      return false
    }
  }

  /** Closes the open file; its position becomes the one to resume from. */
  const closeCur = async (o: Open, offset: number) => {
    cur = undefined
    resume = positionOf(o, offset)
    resumeSearched = true
    await o.fh.close().catch(() => undefined)
  }

  /** Hands on the last partial line of a file that will not grow any more, and closes it. */
  const finish = async (o: Open) => {
    const out: RawLine[] = []
    o.splitter.end(out)
    o.lineEnd = o.readOffset
    await emit(o, out)
    await closeCur(o, o.readOffset)
  }

  /** Opens the path (no file open): where to start comes from the saved position, `start`, or 0. */
  const openPath = async () => {
    const probe = await probePath(path)
    // `--from-end` means the end when following starts: a file not readable then is read from 0.
    if (probe.kind !== 'file') firstOpen = false
    if (probe.kind === 'error') return report(probe.code, probe.message, path)
    if (probe.kind === 'missing') {
      if (seen && !missingCounted) metrics.vanished++
      missingCounted = true
      if (resume !== undefined && !resumeSearched) {
        resumeSearched = true
        const d = decideResume(resume, undefined, await candidatesOf(path))
        if (d.action === 'vanished' && d.old !== undefined) await openOld(d.old.path, d.old.offset)
      }
      return
    }
    seen = true
    missingCounted = false
    const st = probe.state
    let offset = 0
    if (resume !== undefined) {
      const saved = resume
      resume = undefined
      const relation = relate(saved, st)
      if (relation === 'same') offset = saved.offset
      else if (relation === 'cut' && resumeSearched) offset = st.size
      else if (!resumeSearched) {
        const d = decideResume(saved, st, await candidatesOf(path))
        if (d.action === 'rotated') metrics.rotations++
        else if (d.action === 'restart' || d.action === 'cut') metrics.truncations++
        if (d.action === 'cut') offset = d.offset
        if ((d.action === 'rotated' || d.action === 'restart') && d.old !== undefined && (await openOld(d.old.path, d.old.offset))) return
      }
    } else if (firstOpen && options.start === 'end') {
      offset = st.size
    }
    firstOpen = false
    if (await openFile(path, offset, false, {dev: st.dev, ino: st.ino})) errorCode = undefined
  }

  const openOld = async (file: string, offset: number): Promise<boolean> => {
    const probe = await probePath(file)
    if (probe.kind !== 'file') return false
    firstOpen = false
    return openFile(file, offset, true, {dev: probe.state.dev, ino: probe.state.ino})
  }

  /** Reads the open file to its end, one chunk per batch; returns the bytes read. */
  const drain = async (o: Open): Promise<number> => {
    let total = 0
    while (!signal.aborted) {
      let n: number
      try {
        n = (await o.fh.read(buf, 0, chunkBytes, o.readOffset)).bytesRead
      } catch (error) {
        reportError(error, o.file)
        await closeCur(o, o.lineEnd)
        return total
      }
      if (n === 0) break
      errorCode = undefined
      const start = o.readOffset
      const chunk = buf.subarray(0, n)
      o.readOffset += n
      total += n
      if (start <= o.head.length && o.head.length < FINGERPRINT_BYTES) {
        const take = chunk.subarray(o.head.length - start, Math.min(n, FINGERPRINT_BYTES - start))
        if (take.length > 0) o.head = Buffer.concat([o.head, take])
      }
      const nl = chunk.lastIndexOf(0x0a)
      if (nl !== -1) o.lineEnd = start + nl + 1
      const out: RawLine[] = []
      o.splitter.push(chunk, out)
      await emit(o, out)
    }
    return total
  }

  /**
   * Before reading: was the open file truncated or rewritten? Returns 'ok', 'switched' (reset to
   * another offset, or another file opened) or 'closed'.
   */
  const checkContent = async (o: Open): Promise<'ok' | 'switched' | 'closed'> => {
    let size: number
    let head: Buffer
    try {
      size = (await o.fh.stat()).size
      head = await readHead(o.fh, size)
    } catch (error) {
      reportError(error, o.file)
      await closeCur(o, o.lineEnd)
      return 'closed'
    }
    const common = Math.min(head.length, o.head.length)
    const prefixSame = head.subarray(0, common).equals(o.head.subarray(0, common))
    if (size < o.readOffset || !prefixSame) return (await truncated(o, head, size, prefixSame)) ? 'switched' : 'closed'
    if (head.length !== o.head.length) o.head = head
    return 'ok'
  }

  /**
   * After a drain: does the path still lead to the open file? Returns true when another file
   * was opened (to be read in the same poll).
   */
  const checkPath = async (o: Open, readNow: number): Promise<boolean> => {
    let same: boolean
    try {
      const st = await fsp.stat(path)
      same = Number(st.dev) === o.dev && Number(st.ino) === o.ino
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') {
        reportError(error, path) // the path cannot be looked at: go on with the open file
        return false
      }
      same = false
      if (!o.gone) {
        o.gone = true
        metrics.vanished++
        missingCounted = true
      }
    }
    if (same) {
      o.idlePolls = 0
      return false
    }
    if (!o.gone) {
      o.gone = true
      metrics.rotations++
    }
    o.idlePolls = readNow > 0 ? 0 : o.idlePolls + 1
    if (!o.finishWhenDrained && o.idlePolls < graceTicks) return false
    await finish(o)
    await openPath()
    return cur !== undefined
  }

  /**
   * The open file shrank below our offset or its first bytes changed. A copy with the same first
   * bytes (copytruncate's `path.1`) is finished from our offset first, then the file is read
   * from 0; without one, a file that kept its first bytes only lost its end and is read on from
   * there (what it still holds was read), and any other is read again from 0.
   */
  const truncated = async (o: Open, head: Buffer, size: number, prefixSame: boolean): Promise<boolean> => {
    metrics.truncations++
    const saved = positionOf(o, o.lineEnd)
    if (!o.gone && saved.fingerprint.bytes > 0 && o.lineEnd > 0) {
      const old = findOld(saved, await candidatesOf(path), {dev: o.dev, ino: o.ino, size: 0, head: Buffer.alloc(0)})
      if (old !== undefined && old.by === 'fingerprint') {
        cur = undefined
        await o.fh.close().catch(() => undefined)
        resume = undefined
        firstOpen = false
        await openOld(old.path, old.offset)
        if (cur === undefined) await openPath()
        return cur !== undefined
      }
    }
    const offset = prefixSame ? Math.min(o.lineEnd, size) : 0
    o.head = head
    o.fp = undefined
    o.readOffset = offset
    o.lineEnd = offset
    o.idlePolls = 0
    o.splitter = new LineSplitter(path, module, labels, metrics, maxLineBytes)
    return true
  }

  const poll = async () => {
    if (cur === undefined) await openPath()
    // A poll may go through a few files (a rotated one finished, then the new one); bounded.
    for (let hop = 0; hop < 6 && cur !== undefined && !signal.aborted; hop++) {
      const o = cur
      const content = await checkContent(o)
      if (content === 'closed') return
      if (content === 'switched') continue
      const n = await drain(o)
      if (cur !== o || signal.aborted) return
      if (!(await checkPath(o, n))) return
    }
  }

  const run = async () => {
    try {
      while (!signal.aborted) {
        await poll()
        if (signal.aborted) break
        await sleep(pollMs, signal)
      }
    } finally {
      options.signal?.removeEventListener('abort', onAbort)
      const o = cur
      cur = undefined
      await o?.fh.close().catch(() => undefined)
    }
  }

  const done = run()
  done.catch(() => undefined) // a caller that never awaits `done` gets no unhandled rejection
  return {
    metrics,
    get position() {
      return lastEmitted
    },
    done,
    async stop() {
      controller.abort()
      await done.catch(() => undefined)
    },
  }
}
