/**
 * TCP syslog framing (RFC 6587), decided per frame by its first byte:
 *
 * - a digit: octet counting, `MSG-LEN SP SYSLOG-MSG` (what `logger --octet-count`, rsyslog and
 *   syslog-ng send);
 * - anything else: non-transparent framing, the message runs to the next LF (one CR before it
 *   is dropped).
 *
 * Memory is bounded: at most `maxMessageLen` bytes of a frame are kept. A longer frame is cut
 * to that length (counted by the caller through `truncated`) and the rest of it is consumed as
 * it streams in, never buffered. A MSG-LEN that is not digits-then-space, or that is larger than
 * `maxFrameLen`, is a fatal framing error: the stream is out of sync and the connection must close.
 * CR, LF and NUL bytes between frames are skipped.
 */
import {utf8Boundary} from '../bytes-and-waits.js'

export interface Frame {
  /** The message bytes (at most maxMessageLen; a copy, owned by the receiver). */
  bytes: Uint8Array
  /** The frame was longer than maxMessageLen and was cut. */
  truncated: boolean
  framing: 'octet-counting' | 'non-transparent'
}

export type FramingError = 'bad-octet-count' | 'absurd-octet-count'

export interface TcpFramerOptions {
  maxMessageLen: number
  /** An octet count above this closes the connection (default: max(1 MiB, maxMessageLen)). */
  maxFrameLen?: number
}

const LF = 0x0a
const CR = 0x0d
const SP = 0x20
/** MSG-LEN digits we accept before deciding the count is absurd (10 digits > any sane frame). */
const MAX_LEN_DIGITS = 10

type State =
  | {kind: 'between'}
  | {kind: 'length'; digits: number; value: number}
  | {kind: 'counted'; remaining: number; total: number}
  | {kind: 'line'}
  | {kind: 'dead'}

export class TcpFramer {
  private readonly maxMessageLen: number
  private readonly maxFrameLen: number
  private readonly buf: Uint8Array
  private len = 0
  private overLong = false
  private state: State = {kind: 'between'}

  constructor(options: TcpFramerOptions) {
    if (!Number.isInteger(options.maxMessageLen) || options.maxMessageLen < 1) throw new RangeError(`maxMessageLen must be a positive integer, got ${options.maxMessageLen}`)
    this.maxMessageLen = options.maxMessageLen
    this.maxFrameLen = options.maxFrameLen ?? Math.max(1024 * 1024, options.maxMessageLen)
    this.buf = new Uint8Array(this.maxMessageLen)
  }

  /** Bytes held for the frame in progress (never more than maxMessageLen). */
  get buffered(): number {
    return this.len
  }

  /**
   * Takes the next chunk; complete frames go to `onFrame`. Returns a framing error when the
   * stream cannot be resynchronised (the caller closes the connection); the framer is then dead.
   */
  push(chunk: Uint8Array, onFrame: (frame: Frame) => void): FramingError | undefined {
    let i = 0
    const n = chunk.length
    while (i < n) {
      const st = this.state
      switch (st.kind) {
        case 'dead':
          return 'bad-octet-count'
        case 'between': {
          const c = chunk[i]!
          if (c === LF || c === CR || c === 0 || c === SP) {
            i++
          } else if (c >= 0x30 && c <= 0x39) {
            this.state = {kind: 'length', digits: 0, value: 0}
          } else {
            this.state = {kind: 'line'}
          }
          break
        }
        case 'length': {
          const c = chunk[i]!
          i++
          if (c >= 0x30 && c <= 0x39) {
            st.digits++
            st.value = st.value * 10 + (c - 0x30)
            if (st.digits > MAX_LEN_DIGITS) return this.die('absurd-octet-count')
          } else if (c === SP) {
            if (st.value > this.maxFrameLen) return this.die('absurd-octet-count')
            if (st.value === 0) {
              this.state = {kind: 'between'}
              this.emit(onFrame, 'octet-counting')
            } else {
              this.state = {kind: 'counted', remaining: st.value, total: st.value}
            }
          } else {
            return this.die('bad-octet-count')
          }
          break
        }
        case 'counted': {
          const take = Math.min(st.remaining, n - i)
          this.append(chunk, i, take)
          i += take
          st.remaining -= take
          if (st.remaining === 0) {
            this.state = {kind: 'between'}
            this.emit(onFrame, 'octet-counting')
          }
          break
        }
        case 'line': {
          let e = i
          while (e < n && chunk[e] !== LF) e++
          this.append(chunk, i, e - i)
          if (e < n) {
            i = e + 1
            if (!this.overLong && this.len > 0 && this.buf[this.len - 1] === CR) this.len--
            this.state = {kind: 'between'}
            this.emit(onFrame, 'non-transparent')
          } else {
            i = n
          }
          break
        }
      }
    }
    return undefined
  }

  /**
   * The connection ended: a pending non-transparent frame (no final LF) is delivered. A
   * partial octet-counted frame is returned as 'bad-octet-count' (the count was not honoured).
   */
  end(onFrame: (frame: Frame) => void): FramingError | undefined {
    const st = this.state
    this.state = {kind: 'dead'}
    if (st.kind === 'line') {
      this.emit(onFrame, 'non-transparent')
    } else if (st.kind === 'counted' || st.kind === 'length') {
      this.len = 0
      this.overLong = false
      return 'bad-octet-count'
    }
    return undefined
  }

  private die(error: FramingError): FramingError {
    this.state = {kind: 'dead'}
    this.len = 0
    return error
  }

  private append(chunk: Uint8Array, from: number, count: number): void {
    const room = this.maxMessageLen - this.len
    if (count > room) this.overLong = true
    const take = Math.min(room, count)
    if (take > 0) {
      this.buf.set(chunk.subarray(from, from + take), this.len)
      this.len += take
    }
  }

  private emit(onFrame: (frame: Frame) => void, framing: Frame['framing']): void {
    const bytes = this.buf.slice(0, this.overLong ? utf8Boundary(this.buf, this.len) : this.len)
    const truncated = this.overLong
    this.len = 0
    this.overLong = false
    onFrame({bytes, truncated, framing})
  }
}

export {utf8Boundary}
