/**
 * Byte-bounded line splitting, the way CrowdSec's file datasource reads a file, with limits:
 *
 * - a line is the bytes up to `\n`; one `\r` right before it is removed;
 * - exactly empty lines are skipped (CrowdSec does the same) and counted in `empty`;
 * - a line longer than `maxLineBytes` is cut to that length (never inside a UTF-8 sequence),
 *   emitted, and counted in `truncated`; the rest of it is read and dropped without being stored;
 * - invalid UTF-8 is replaced by U+FFFD and the line is counted in `invalidUtf8`.
 *
 * Memory per source is bounded: at most one partial line of maxLineBytes (+3) bytes is kept
 * between chunks. Chunks are split with Buffer.indexOf (native) and each line is decoded once.
 */
import {Buffer} from 'node:buffer'
import type {RawLine, SourceMetrics} from './types.js'

export const DEFAULT_MAX_LINE_BYTES = 64 * 1024

const NL = 0x0a
const CR = 0x0d
const REPLACEMENT = '\uFFFD'

export class LineSplitter {
  private readonly maxLineBytes: number
  /** The partial line carried between chunks (capacity maxLineBytes + 3). */
  private pending: Buffer | undefined
  private pendingLen = 0
  /** The partial line is already longer than the limit: the rest of it is dropped. */
  private overLong = false
  private lineNo = 0
  /** The chunk being drained, and where its next line starts. */
  private chunk: Buffer | undefined
  private chunkPos = 0

  constructor(
    private readonly src: string,
    private readonly module: string,
    private readonly labels: Record<string, string>,
    private readonly metrics: SourceMetrics,
    maxLineBytes: number = DEFAULT_MAX_LINE_BYTES,
  ) {
    if (!Number.isInteger(maxLineBytes) || maxLineBytes < 1) throw new RangeError(`maxLineBytes must be a positive integer, got ${maxLineBytes}`)
    this.maxLineBytes = maxLineBytes
  }

  /** Splits one chunk; complete lines are appended to `out`. */
  push(chunk: Uint8Array, out: RawLine[]): void {
    this.feed(chunk)
    this.drain(out, Infinity)
  }

  /**
   * Takes the next chunk; its lines are then taken with `drain`. The chunk is read in place
   * (not copied), so it must not be reused by the caller until it is drained.
   */
  feed(chunk: Uint8Array): void {
    if (this.chunk !== undefined) throw new Error('LineSplitter.feed: the previous chunk is not drained')
    const buf = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength)
    this.metrics.bytes += buf.length
    this.chunk = buf
    this.chunkPos = 0
  }

  /**
   * Appends at most `maxLines` complete lines of the fed chunk to `out`; returns true while the
   * chunk may hold more. Taking lines in small batches lets the caller process each line soon
   * after it is decoded: a whole chunk of lines decoded up front outlives young-generation
   * collections and is promoted to the old generation, which inflates the peak RSS.
   */
  drain(out: RawLine[], maxLines: number): boolean {
    const buf = this.chunk
    if (buf === undefined) return false
    let pos = this.chunkPos
    let taken = 0
    while (taken < maxLines) {
      const nl = buf.indexOf(NL, pos)
      if (nl === -1) break
      const before = out.length
      if (this.pendingLen > 0 || this.overLong) {
        this.appendPending(buf, pos, nl)
        this.emit(this.pending!, 0, this.pendingLen, this.overLong, out)
        this.pendingLen = 0
        this.overLong = false
      } else {
        this.emit(buf, pos, nl, false, out)
      }
      pos = nl + 1
      if (out.length > before) taken++
    }
    if (taken >= maxLines && pos < buf.length) {
      this.chunkPos = pos
      return true
    }
    if (pos < buf.length) this.appendPending(buf, pos, buf.length)
    this.chunk = undefined
    this.chunkPos = 0
    return false
  }

  /** Flushes the last line when the input does not end with a newline. */
  end(out: RawLine[]): void {
    if (this.chunk !== undefined) this.drain(out, Infinity)
    if (this.pendingLen > 0 || this.overLong) this.emit(this.pending!, 0, this.pendingLen, this.overLong, out)
    this.pendingLen = 0
    this.overLong = false
  }

  private appendPending(buf: Buffer, start: number, end: number): void {
    if (this.overLong) return
    const capacity = this.maxLineBytes + 3
    this.pending ??= Buffer.allocUnsafe(Math.min(capacity, Math.max(256, end - start)))
    const want = this.pendingLen + (end - start)
    if (want > this.pending.length && this.pending.length < capacity) {
      const grown = Buffer.allocUnsafe(Math.min(capacity, Math.max(want, this.pending.length * 2)))
      this.pending.copy(grown, 0, 0, this.pendingLen)
      this.pending = grown
    }
    const room = this.pending.length - this.pendingLen
    const n = Math.min(room, end - start)
    buf.copy(this.pending, this.pendingLen, start, start + n)
    this.pendingLen += n
    // One byte of slack: a trailing `\r` is removed before the length is checked.
    if (want > this.maxLineBytes + 1) this.overLong = true
  }

  private emit(buf: Buffer, start: number, end: number, overLong: boolean, out: RawLine[]): void {
    this.lineNo++
    if (!overLong && end > start && buf[end - 1] === CR) end--
    if (end === start && !overLong) {
      this.metrics.empty++
      return
    }
    if (overLong || end - start > this.maxLineBytes) {
      end = start + this.maxLineBytes
      // Never cut inside a UTF-8 sequence: back off over continuation bytes (10xxxxxx).
      let back = 0
      while (back < 3 && end > start && (buf[end]! & 0xc0) === 0x80) {
        end--
        back++
      }
      this.metrics.truncated++
    }
    const raw = buf.toString('utf8', start, end)
    if (raw.includes(REPLACEMENT) && hasInvalidUtf8(buf, start, end, raw)) this.metrics.invalidUtf8++
    this.metrics.lines++
    out.push({raw, src: this.src, module: this.module, labels: this.labels, lineNo: this.lineNo})
  }
}

/** True when the decoded text holds more U+FFFD than the bytes spelled out (EF BF BD). */
function hasInvalidUtf8(buf: Buffer, start: number, end: number, decoded: string): boolean {
  let replaced = 0
  for (let i = decoded.indexOf(REPLACEMENT); i !== -1; i = decoded.indexOf(REPLACEMENT, i + 1)) replaced++
  let literal = 0
  for (let i = buf.indexOf(0xef, start); i !== -1 && i + 2 < end; i = buf.indexOf(0xef, i + 1)) {
    if (buf[i + 1] === 0xbf && buf[i + 2] === 0xbd) literal++
  }
  return replaced > literal
}
