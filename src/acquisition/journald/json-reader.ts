/**
 * Reads `journalctl --output=json` as a byte stream, one entry per line, without ever holding a
 * whole line: a journal entry can be megabytes (`--all` lifts journalctl's 4 KiB field limit).
 *
 * journalctl writes each entry as one flat JSON object whose values are:
 * - a string: the field is printable UTF-8;
 * - an array of numbers: the field's bytes, when they are not printable UTF-8 (binary data,
 *   invalid UTF-8, control characters such as ESC or CR);
 * - null: the field was over journalctl's size threshold (only without `--all`);
 * - an array of the above: the field appears more than once in the entry (the last one is
 *   what `journalctl -o short` shows).
 *
 * Only the fields asked for are kept, each up to a byte cap (the rest of the value is read,
 * counted in `length`, and dropped); every other field is skipped as it streams by. A line that
 * is not such an object is reported once and skipped to its end; the next line starts afresh.
 * Lines starting with `-` are journalctl's notices (`-- Boot ... --`) and are skipped silently.
 */
import {utf8Boundary} from '../bytes-and-waits.js'
import {Buffer} from 'node:buffer'

export interface JournalField {
  /** `text`: a JSON string; `bytes`: a byte array; `null`: left out by journalctl. */
  kind: 'text' | 'bytes' | 'null'
  /** The value's bytes (UTF-8 for text), at most the field's cap. */
  bytes: Buffer
  /** The value's full length in bytes (more than bytes.length when it was cut). */
  length: number
}

/** One entry: the kept fields by name. */
export interface JournalRecord {
  fields: Map<string, JournalField>
}

export interface JournalJsonError {
  /** What was wrong, with the start of the line. */
  message: string
}

export interface JournalJsonReaderOptions {
  /** Field name -> bytes kept of its value. Other fields are skipped. */
  keep: ReadonlyMap<string, number>
}

const enum S {
  Line, // before '{'
  KeyOrClose, // after '{'
  Key, // after ','
  KeyStr,
  Colon,
  Value,
  Str,
  Esc,
  Hex,
  Lit,
  Num,
  Arr1First,
  Arr1Elem,
  Arr1Next,
  Arr2First,
  Arr2Elem,
  Arr2Next,
  AfterValue,
  End,
  Skip,
}

const QUOTE = 0x22
const BACKSLASH = 0x5c
const NL = 0x0a
const MAX_KEY = 256
const HEAD_BYTES = 80
const NULL_TEXT = 'null'

function isWs(b: number): boolean {
  return b === 0x20 || b === 0x09 || b === 0x0d
}
function isDigit(b: number): boolean {
  return b >= 0x30 && b <= 0x39
}
function hexValue(b: number): number {
  if (b >= 0x30 && b <= 0x39) return b - 0x30
  if (b >= 0x61 && b <= 0x66) return b - 0x57
  if (b >= 0x41 && b <= 0x46) return b - 0x37
  return -1
}

/** A value being read: bytes kept up to `cap`, the full length counted. */
class ValueBuilder {
  buf: Buffer
  len = 0
  total = 0
  constructor(readonly cap: number, readonly kind: JournalField['kind']) {
    this.buf = Buffer.allocUnsafe(Math.min(cap, 256))
  }
  append(src: Buffer, start: number, end: number): void {
    const n = end - start
    this.total += n
    const room = this.cap - this.len
    if (room <= 0) return
    const take = Math.min(room, n)
    this.reserve(take)
    src.copy(this.buf, this.len, start, start + take)
    this.len += take
  }
  appendByte(b: number): void {
    this.total++
    if (this.len >= this.cap) return
    this.reserve(1)
    this.buf[this.len++] = b
  }
  appendCodePoint(cp: number): void {
    if (cp < 0x80) this.appendByte(cp)
    else if (cp < 0x800) {
      this.appendByte(0xc0 | (cp >> 6))
      this.appendByte(0x80 | (cp & 0x3f))
    } else if (cp < 0x10000) {
      this.appendByte(0xe0 | (cp >> 12))
      this.appendByte(0x80 | ((cp >> 6) & 0x3f))
      this.appendByte(0x80 | (cp & 0x3f))
    } else {
      this.appendByte(0xf0 | (cp >> 18))
      this.appendByte(0x80 | ((cp >> 12) & 0x3f))
      this.appendByte(0x80 | ((cp >> 6) & 0x3f))
      this.appendByte(0x80 | (cp & 0x3f))
    }
  }
  field(): JournalField {
    // a value cut at the cap ends at a character boundary (a cut sequence is not invalid UTF-8)
    const len = this.total > this.len ? utf8Boundary(this.buf, this.len) : this.len
    return {kind: this.kind, bytes: Buffer.from(this.buf.subarray(0, len)), length: this.total}
  }
  private reserve(n: number): void {
    if (this.len + n <= this.buf.length) return
    const grown = Buffer.allocUnsafe(Math.min(this.cap, Math.max(this.len + n, this.buf.length * 2)))
    this.buf.copy(grown, 0, 0, this.len)
    this.buf = grown
  }
}

/**
 * The streaming reader. `push` takes any chunk boundaries; complete entries are appended to
 * `out`, bad lines to `errors`. Memory: the kept fields of one entry, a key, and 80 bytes of
 * the current line for error messages.
 */
export class JournalJsonReader {
  private readonly keep: ReadonlyMap<string, number>
  private state = S.Line
  private fields = new Map<string, JournalField>()
  private key = Buffer.allocUnsafe(MAX_KEY)
  private keyLen = 0
  private keyOver = false
  /** The kept field's name and cap for the value being read (undefined: skipped). */
  private target: string | undefined
  private targetCap = 0
  private value: ValueBuilder | undefined
  /** The current value sits in an array (1: the field's values or bytes, 2: the bytes of one value). */
  private depth = 0
  private arrMode: 'bytes' | 'multi' | undefined
  /** Where a string's escape leads, and what it holds. */
  private inKey = false
  private hex = 0
  private hexDigits = 0
  private highSurrogate = -1
  private litPos = 0
  private num = 0
  private numDigits = 0
  /** The reason the current line is being skipped, until it is reported. */
  private pending: string | undefined
  private head = Buffer.allocUnsafe(HEAD_BYTES)
  private headLen = 0
  private lineBytes = 0

  constructor(options: JournalJsonReaderOptions) {
    this.keep = options.keep
  }

  push(chunk: Uint8Array, out: JournalRecord[], errors: JournalJsonError[]): void {
    const buf = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength)
    let i = 0
    const n = buf.length
    while (i < n) {
      const b = buf[i]!
      if (this.headLen < HEAD_BYTES && this.lineBytes === this.headLen) this.fillHead(buf, i)
      switch (this.state) {
        case S.Line:
          if (b === NL) {
            this.newLine()
            i++
            continue
          }
          if (isWs(b)) break
          if (b === 0x7b) {
            this.state = S.KeyOrClose
            break
          }
          if (b === 0x2d) {
            // `-- Boot ... --` and other notices journalctl prints between entries
            this.state = S.Skip
            break
          }
          i = this.fail(buf, i, errors, 'a line does not start with {')
          continue
        case S.KeyOrClose:
        case S.Key:
          if (isWs(b)) break
          if (b === QUOTE) {
            this.keyLen = 0
            this.keyOver = false
            this.inKey = true
            this.state = S.KeyStr
            break
          }
          if (b === 0x7d && this.state === S.KeyOrClose) {
            this.state = S.End
            break
          }
          i = this.fail(buf, i, errors, 'expected a field name')
          continue
        case S.KeyStr:
        case S.Str: {
          // a run of plain bytes up to the next quote, backslash or newline
          let j = i
          while (j < n) {
            const c = buf[j]!
            if (c === QUOTE || c === BACKSLASH || c === NL) break
            j++
          }
          if (j > i) {
            this.flushSurrogate()
            this.stringBytes(buf, i, j)
            this.lineBytes += j - i
            i = j
            continue
          }
          if (b === NL) {
            i = this.fail(buf, i, errors, 'a string is not closed before the end of the line')
            continue
          }
          if (b === BACKSLASH) {
            this.state = S.Esc
            break
          }
          this.flushSurrogate()
          this.endString()
          break
        }
        case S.Esc: {
          if (b === 0x75) {
            this.hex = 0
            this.hexDigits = 0
            this.state = S.Hex
            break
          }
          const c = b === 0x6e ? 0x0a : b === 0x74 ? 0x09 : b === 0x72 ? 0x0d : b === 0x62 ? 0x08 : b === 0x66 ? 0x0c
            : b === QUOTE || b === BACKSLASH || b === 0x2f ? b : -1
          if (c === -1) {
            i = this.fail(buf, i, errors, 'invalid escape in a string')
            continue
          }
          this.flushSurrogate()
          this.stringCodePoint(c)
          this.state = this.inKey ? S.KeyStr : S.Str
          break
        }
        case S.Hex: {
          const h = hexValue(b)
          if (h === -1) {
            i = this.fail(buf, i, errors, 'invalid \\u escape in a string')
            continue
          }
          this.hex = this.hex * 16 + h
          if (++this.hexDigits < 4) break
          this.codeUnit(this.hex)
          this.state = this.inKey ? S.KeyStr : S.Str
          break
        }
        case S.Colon:
          if (isWs(b)) break
          if (b === 0x3a) {
            this.state = S.Value
            break
          }
          i = this.fail(buf, i, errors, 'expected : after a field name')
          continue
        case S.Value:
          if (isWs(b)) break
          if (b === QUOTE) this.startString()
          else if (b === 0x6e) this.startNull()
          else if (b === 0x5b) {
            this.depth = 1
            this.arrMode = undefined
            this.state = S.Arr1First
          } else {
            i = this.fail(buf, i, errors, 'a field value is not a string, null or an array')
            continue
          }
          break
        case S.Lit:
          if (b !== NULL_TEXT.charCodeAt(this.litPos)) {
            i = this.fail(buf, i, errors, 'invalid literal')
            continue
          }
          if (++this.litPos === NULL_TEXT.length) this.endValue()
          break
        case S.Num:
          if (isDigit(b)) {
            this.num = this.num * 10 + (b - 0x30)
            if (++this.numDigits > 3 || this.num > 255) {
              i = this.fail(buf, i, errors, 'a byte array holds a number that is not a byte')
              continue
            }
            break
          }
          this.value?.appendByte(this.num)
          this.state = this.depth === 2 ? S.Arr2Next : S.Arr1Next
          continue // the byte after the number is read in the next state
        case S.Arr1First:
        case S.Arr1Elem:
          if (isWs(b)) break
          if (this.state === S.Arr1First && b === 0x5d) {
            // []: an empty byte value
            this.beginValue('bytes')
            this.depth = 0
            this.endValue()
            break
          }
          if (isDigit(b) && this.arrMode !== 'multi') {
            if (this.arrMode === undefined) {
              this.arrMode = 'bytes'
              this.beginValue('bytes')
            }
            this.startNumber(b)
            break
          }
          if (this.arrMode !== 'bytes') {
            this.arrMode = 'multi'
            if (b === QUOTE) {
              this.startString()
              break
            }
            if (b === 0x6e) {
              this.startNull()
              break
            }
            if (b === 0x5b) {
              this.beginValue('bytes')
              this.depth = 2
              this.state = S.Arr2First
              break
            }
          }
          i = this.fail(buf, i, errors, 'unexpected array element')
          continue
        case S.Arr1Next:
          if (isWs(b)) break
          if (b === 0x2c) {
            this.state = S.Arr1Elem
            break
          }
          if (b === 0x5d) {
            this.depth = 0
            if (this.arrMode === 'bytes') this.endValue()
            else this.state = S.AfterValue
            break
          }
          i = this.fail(buf, i, errors, 'expected , or ] in an array')
          continue
        case S.Arr2First:
        case S.Arr2Elem:
          if (isWs(b)) break
          if (this.state === S.Arr2First && b === 0x5d) {
            this.depth = 1
            this.endValue()
            break
          }
          if (isDigit(b)) {
            this.startNumber(b)
            break
          }
          i = this.fail(buf, i, errors, 'a byte array holds something else than numbers')
          continue
        case S.Arr2Next:
          if (isWs(b)) break
          if (b === 0x2c) {
            this.state = S.Arr2Elem
            break
          }
          if (b === 0x5d) {
            this.depth = 1
            this.endValue()
            break
          }
          i = this.fail(buf, i, errors, 'expected , or ] in a byte array')
          continue
        case S.AfterValue:
          if (isWs(b)) break
          if (b === 0x2c) {
            this.state = S.Key
            break
          }
          if (b === 0x7d) {
            this.state = S.End
            break
          }
          i = this.fail(buf, i, errors, 'expected , or } after a field value')
          continue
        case S.End:
          if (isWs(b)) break
          if (b === NL) {
            out.push({fields: this.fields})
            this.newLine()
            i++
            continue
          }
          i = this.fail(buf, i, errors, 'text after the end of the entry')
          continue
        case S.Skip: {
          if (this.pending !== undefined && this.headLen >= HEAD_BYTES) this.flushError(errors)
          const nl = buf.indexOf(NL, i)
          if (nl === -1) {
            this.lineBytes += n - i
            i = n
            continue
          }
          this.flushError(errors)
          this.newLine()
          i = nl + 1
          continue
        }
      }
      this.lineBytes++
      i++
    }
  }

  /**
   * The input ended: a last entry without its newline is taken, anything else pending is an
   * error (journalctl was cut off mid-entry).
   */
  end(out: JournalRecord[], errors: JournalJsonError[]): void {
    this.flushError(errors)
    if (this.state === S.End) out.push({fields: this.fields})
    else if (this.state !== S.Line && this.state !== S.Skip) errors.push({message: this.describe('the output ended inside an entry')})
    this.newLine()
  }

  /** Copies the line's next bytes (from `i`, where the line is at byte headLen) into `head`. */
  private fillHead(buf: Buffer, i: number): void {
    let end = Math.min(buf.length, i + HEAD_BYTES - this.headLen)
    const nl = buf.indexOf(NL, i)
    if (nl !== -1 && nl < end) end = nl
    buf.copy(this.head, this.headLen, i, end)
    this.headLen += end - i
  }

  private newLine(): void {
    this.state = S.Line
    this.fields = new Map()
    this.value = undefined
    this.target = undefined
    this.depth = 0
    this.arrMode = undefined
    this.highSurrogate = -1
    this.headLen = 0
    this.lineBytes = 0
  }

  /**
   * Skips the rest of the line; it is reported once its first 80 bytes are known (or it ends).
   * Returns where to go on (the same byte, now in Skip).
   */
  private fail(buf: Buffer, i: number, errors: JournalJsonError[], reason: string): number {
    this.pending = `${reason} (byte ${this.lineBytes + 1})`
    this.state = S.Skip
    this.value = undefined
    if (buf[i] === NL) {
      this.flushError(errors)
      this.newLine()
      return i + 1
    }
    return i
  }

  private flushError(errors: JournalJsonError[]): void {
    if (this.pending === undefined) return
    errors.push({message: this.describe(this.pending)})
    this.pending = undefined
  }

  private describe(reason: string): string {
    const start = this.head.toString('utf8', 0, this.headLen).replace(/[\u0000-\u001f]/g, ' ')
    return `malformed journalctl JSON: ${reason}; the line starts ${JSON.stringify(start)}`
  }

  private startString(): void {
    this.inKey = false
    this.beginValue('text')
    this.state = S.Str
  }

  private startNull(): void {
    this.beginValue('null')
    this.litPos = 1
    this.state = S.Lit
  }

  private startNumber(b: number): void {
    this.num = b - 0x30
    this.numDigits = 1
    this.state = S.Num
  }

  /** A value starts (for a field given several times, each one replaces the one before). */
  private beginValue(kind: JournalField['kind']): void {
    this.value = this.target === undefined ? undefined : new ValueBuilder(kind === 'null' ? 0 : this.targetCap, kind)
  }

  private endValue(): void {
    if (this.value !== undefined && this.target !== undefined) this.fields.set(this.target, this.value.field())
    this.value = undefined
    this.state = this.depth === 1 ? S.Arr1Next : S.AfterValue
  }

  private endString(): void {
    if (this.inKey) {
      this.inKey = false
      const name = this.keyOver ? undefined : this.key.toString('latin1', 0, this.keyLen)
      const cap = name === undefined ? undefined : this.keep.get(name)
      this.target = cap === undefined ? undefined : name
      this.targetCap = cap ?? 0
      this.state = S.Colon
      return
    }
    this.endValue()
  }

  private stringBytes(buf: Buffer, start: number, end: number): void {
    if (this.inKey) {
      const take = Math.min(end - start, MAX_KEY - this.keyLen)
      buf.copy(this.key, this.keyLen, start, start + take)
      this.keyLen += take
      if (take < end - start) this.keyOver = true
      return
    }
    this.value?.append(buf, start, end)
  }

  private stringCodePoint(cp: number): void {
    if (this.inKey) {
      // field names are ASCII (A-Z, 0-9, _); anything else cannot be a field we keep
      if (cp < 0x80 && this.keyLen < MAX_KEY) this.key[this.keyLen++] = cp
      else this.keyOver = true
      return
    }
    this.value?.appendCodePoint(cp)
  }

  /** One \uXXXX code unit: surrogate pairs are joined, a lone surrogate becomes U+FFFD. */
  private codeUnit(u: number): void {
    if (u >= 0xd800 && u <= 0xdbff) {
      this.flushSurrogate()
      this.highSurrogate = u
      return
    }
    if (u >= 0xdc00 && u <= 0xdfff) {
      if (this.highSurrogate === -1) return this.stringCodePoint(0xfffd)
      const cp = 0x10000 + ((this.highSurrogate - 0xd800) << 10) + (u - 0xdc00)
      this.highSurrogate = -1
      return this.stringCodePoint(cp)
    }
    this.flushSurrogate()
    this.stringCodePoint(u)
  }

  private flushSurrogate(): void {
    if (this.highSurrogate === -1) return
    this.highSurrogate = -1
    this.stringCodePoint(0xfffd)
  }
}
