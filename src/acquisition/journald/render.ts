/**
 * A journal entry -> the line(s) the pipeline reads.
 *
 * CrowdSec's journalctl datasource runs `journalctl` in its default output mode, `short`, and
 * every line it prints is one `Line.Raw`: `Nov 14 22:13:20 myhost sshd[123]: Invalid user ...`.
 * The hub's acquis examples label it `type: syslog`, so the syslog-logs parser splits that
 * prefix into timestamp, host, program and pid. crowd reads `--output=json` instead (for the
 * cursors, and to bound memory on huge entries) and rebuilds what `short` would have printed,
 * as systemd 252's journalctl does without `--all`:
 *
 * - the time is `_SOURCE_REALTIME_TIMESTAMP` when it is a valid time, else
 *   `__REALTIME_TIMESTAMP`, as `%b %d %H:%M:%S` in the local time zone (C locale month names);
 * - ` HOSTNAME` when `_HOSTNAME` is printable and under 300 bytes, then ` SYSLOG_IDENTIFIER`
 *   (or ` _COMM`, or ` unknown`), then `[_PID]` (or `[SYSLOG_PID]`), then `: `;
 * - the message with ANSI color (ESC [ ... m) and OSC (ESC ] ... BEL) sequences removed, tabs
 *   turned into 8 spaces, carriage returns before a newline dropped; if it is still not printable UTF-8 (control characters other than tab
 *   and newline, invalid UTF-8): `[N blob data]` with its size (`6B`, `1.5K`);
 * - a multi-line message gives one line per message line, the later ones indented under the
 *   message (by the byte length of the prefix; ` unknown` is not counted, as in journalctl);
 * - an entry without MESSAGE gives no line.
 *
 * Format `message` is the bare MESSAGE (one line, newlines kept), for parsers that expect it.
 */
import {SHORT_MONTHS} from '../../model/go-time-layout.js'
import {Buffer} from 'node:buffer'
import type {JournalField, JournalRecord} from './json-reader.js'

export type JournalLineFormat = 'short' | 'message'

/** The fields rendering reads, and how many bytes of each are kept (MESSAGE: the line limit). */
export const SHORT_FIELDS = ['__CURSOR', '__REALTIME_TIMESTAMP', '_SOURCE_REALTIME_TIMESTAMP', '_HOSTNAME', 'SYSLOG_IDENTIFIER', '_COMM', '_PID', 'SYSLOG_PID'] as const
/** Bytes kept of the fields other than MESSAGE: journalctl prints none of 300 bytes or more. */
export const SMALL_FIELD_CAP = 1024

export function keptFields(maxMessageBytes: number): Map<string, number> {
  const keep = new Map<string, number>(SHORT_FIELDS.map((f) => [f, SMALL_FIELD_CAP]))
  keep.set('MESSAGE', maxMessageBytes)
  return keep
}

export interface RenderedEntry {
  /** The lines, each at most maxLineBytes of UTF-8 (empty when the entry has no MESSAGE). */
  lines: string[]
  /** Lines cut to maxLineBytes (including a MESSAGE cut while it was read). */
  truncated: number
  /** The message was not printable and was shown as `[N blob data]`. */
  blob: boolean
  /** The message held invalid UTF-8 (format `message`: replaced by U+FFFD). */
  invalidUtf8: boolean
  /** No MESSAGE field (or one journalctl left out): no line. */
  noMessage: boolean
}

const PRINT_CHAR_THRESHOLD = 300
/** USEC_TIMESTAMP_FORMATTABLE_MAX on 64-bit systems. */
const REALTIME_MAX = 253402214399999999n

function text(field: JournalField | undefined): string | undefined {
  return field === undefined || field.kind !== 'text' ? undefined : field.bytes.toString('utf8')
}

/** journalctl's shall_print without --all: printable (a JSON string) and under 300 bytes. */
function printableField(field: JournalField | undefined): Buffer | undefined {
  if (field === undefined || field.kind !== 'text' || field.length >= PRINT_CHAR_THRESHOLD) return undefined
  return field.bytes
}

/** Microseconds since the epoch, when the text is a valid journal realtime timestamp. */
export function parseRealtime(value: string | undefined): bigint | undefined {
  if (value === undefined || !/^[0-9]{1,20}$/.test(value)) return undefined
  const usec = BigInt(value)
  return usec > 0n && usec < REALTIME_MAX ? usec : undefined
}

/** `%b %d %H:%M:%S` of a realtime timestamp, in the local time zone. */
export function formatShortTime(usec: bigint): string {
  const d = new Date(Number(usec / 1000000n) * 1000)
  const two = (n: number) => (n < 10 ? `0${n}` : String(n))
  return `${SHORT_MONTHS[d.getMonth()]} ${two(d.getDate())} ${two(d.getHours())}:${two(d.getMinutes())}:${two(d.getSeconds())}`
}

/** systemd's FORMAT_BYTES: `512B`, `1.5K`, `2.0M` (IEC factors, one decimal, floor). */
export function formatBytes(n: number): string {
  const units = ['E', 'P', 'T', 'G', 'M', 'K']
  for (let i = 0; i < units.length; i++) {
    const factor = 1024 ** (units.length - i)
    if (n >= factor) {
      const whole = Math.floor(n / factor)
      const tenth = i < units.length - 1 ? Math.floor((Math.floor(n / 1024 ** (units.length - i - 1)) * 10) / 1024) % 10 : Math.floor((n * 10) / factor) % 10
      return `${whole}.${tenth}${units[i]}`
    }
  }
  return `${n}B`
}

/**
 * systemd's strip_tab_ansi (252): tabs -> 8 spaces; `ESC [ digits/; m` and `ESC ] printable BEL`
 * removed (an unfinished or other escape sequence is kept as it is); carriage returns right
 * before a newline or at the end dropped (others kept).
 */
export function stripTabAnsi(src: Buffer): Buffer {
  if (src.indexOf(0x09) === -1 && src.indexOf(0x1b) === -1 && src.indexOf(0x0d) === -1) return src
  const out: number[] = []
  const n = src.length
  let crs = 0
  for (let i = 0; i < n; i++) {
    const c = src[i]!
    if (c === 0x0d) {
      crs++
      continue
    }
    if (c === 0x0a) crs = 0
    for (; crs > 0; crs--) out.push(0x0d)
    if (c === 0x09) {
      for (let k = 0; k < 8; k++) out.push(0x20)
      continue
    }
    if (c !== 0x1b) {
      out.push(c)
      continue
    }
    if (i + 1 >= n) {
      out.push(c)
      continue
    }
    const kind = src[i + 1]!
    if (kind !== 0x5b && kind !== 0x5d) {
      // ESC and the byte after it, both as they are
      out.push(c, kind)
      i++
      continue
    }
    // find the end of the sequence; on a bad byte (or the end of the text) keep ESC and the
    // introducer and read on from the byte after them
    let j = i + 2
    let ended = false
    for (; j < n; j++) {
      const b = src[j]!
      if (kind === 0x5b) {
        if (b === 0x6d) {
          ended = true
          break
        }
        if (!((b >= 0x30 && b <= 0x39) || b === 0x3b)) break
      } else {
        if (b === 0x07) {
          ended = true
          break
        }
        if (b < 0x20 || b > 0x7e) break
      }
    }
    if (ended) {
      i = j
    } else {
      out.push(0x1b, kind)
      i++
    }
  }
  return Buffer.from(out)
}

/** systemd's utf8_is_printable (newlines allowed): valid UTF-8, no C0 (but tab, newline), no DEL/C1. */
export function isPrintable(buf: Buffer): boolean {
  return scanUtf8(buf, false)
}

/** Valid UTF-8 (any characters). */
export function isValidUtf8(buf: Buffer): boolean {
  return scanUtf8(buf, true)
}

function scanUtf8(buf: Buffer, controls: boolean): boolean {
  const n = buf.length
  for (let i = 0; i < n; ) {
    const b = buf[i]!
    if (b < 0x80) {
      if (!controls && ((b < 0x20 && b !== 0x09 && b !== 0x0a) || b === 0x7f)) return false
      i++
      continue
    }
    const len = b >= 0xf0 && b <= 0xf4 ? 4 : b >= 0xe0 ? (b <= 0xef ? 3 : 0) : b >= 0xc2 ? 2 : 0
    if (len === 0 || i + len > n) return false
    let cp = len === 2 ? b & 0x1f : len === 3 ? b & 0x0f : b & 0x07
    for (let k = 1; k < len; k++) {
      const c = buf[i + k]!
      if ((c & 0xc0) !== 0x80) return false
      cp = (cp << 6) | (c & 0x3f)
    }
    const min = len === 2 ? 0x80 : len === 3 ? 0x800 : 0x10000
    if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return false
    if (!controls && cp >= 0x80 && cp <= 0x9f) return false
    i += len
  }
  return true
}

/** The length of the longest prefix of `buf` (at most max) that does not end inside a UTF-8 sequence. */
function utf8Cut(buf: Buffer, max: number): number {
  if (buf.length <= max) return buf.length
  let end = max
  let back = 0
  while (back < 3 && end > 0 && (buf[end]! & 0xc0) === 0x80) {
    end--
    back++
  }
  return end
}

/** Decodes at most maxLineBytes of `buf` (cut at a character boundary); `cut` when it was longer. */
function boundedLine(buf: Buffer, maxLineBytes: number): {line: string; cut: boolean} {
  const end = utf8Cut(buf, maxLineBytes)
  return {line: buf.toString('utf8', 0, end), cut: end < buf.length}
}

export interface RenderOptions {
  format: JournalLineFormat
  maxLineBytes: number
}

/** Renders one entry (see the module comment). Pure; the time zone is the process's. */
export function renderEntry(record: JournalRecord, options: RenderOptions): RenderedEntry {
  const f = record.fields
  const message = f.get('MESSAGE')
  const result: RenderedEntry = {lines: [], truncated: 0, blob: false, invalidUtf8: false, noMessage: false}
  if (message === undefined || message.kind === 'null') {
    result.noMessage = true
    return result
  }
  const messageCut = message.length > message.bytes.length
  if (options.format === 'message') {
    const {line, cut} = boundedLine(message.bytes, options.maxLineBytes)
    if (cut || messageCut) result.truncated++
    result.invalidUtf8 = message.kind === 'bytes' && !isValidUtf8(message.bytes)
    result.lines.push(line)
    return result
  }

  const usec = parseRealtime(text(f.get('_SOURCE_REALTIME_TIMESTAMP'))) ?? parseRealtime(text(f.get('__REALTIME_TIMESTAMP')))
  if (usec === undefined) {
    // journalctl cannot print such an entry either ("No valid realtime timestamp available")
    result.noMessage = true
    return result
  }
  const parts: Buffer[] = [Buffer.from(formatShortTime(usec))]
  const hostname = printableField(f.get('_HOSTNAME'))
  if (hostname !== undefined) parts.push(Buffer.from(' '), hostname)
  const ident = printableField(f.get('SYSLOG_IDENTIFIER')) ?? printableField(f.get('_COMM'))
  let prefixLen = parts.reduce((sum, p) => sum + p.length, 0)
  if (ident !== undefined) {
    parts.push(Buffer.from(' '), ident)
    prefixLen += 1 + ident.length
  } else {
    parts.push(Buffer.from(' unknown'))
  }
  const pid = printableField(f.get('_PID')) ?? printableField(f.get('SYSLOG_PID'))
  if (pid !== undefined) {
    parts.push(Buffer.from('['), pid, Buffer.from(']'))
    prefixLen += pid.length + 2
  }
  parts.push(Buffer.from(': '))
  const prefix = Buffer.concat(parts)

  let body = stripTabAnsi(message.bytes)
  if (message.kind === 'bytes' && !isPrintable(body)) {
    result.blob = true
    // a message cut while it was read: its full size, less what stripping removed from the kept part
    const size = message.length - message.bytes.length + body.length
    body = Buffer.from(`[${formatBytes(size)} blob data]`)
  }
  const messageLines: Buffer[] = []
  if (body.length === 0) messageLines.push(body)
  for (let pos = 0; pos < body.length; ) {
    let end = body.indexOf(0x0a, pos)
    if (end === -1) end = body.length
    messageLines.push(body.subarray(pos, end))
    pos = end + 1
  }
  const indent = Buffer.alloc(prefixLen + 2, 0x20)
  for (let k = 0; k < messageLines.length; k++) {
    const full = Buffer.concat([k === 0 ? prefix : indent, messageLines[k]!])
    const {line, cut} = boundedLine(full, options.maxLineBytes)
    // the message was cut while it was read: its last line is a cut line
    if (cut || (messageCut && !result.blob && k === messageLines.length - 1)) result.truncated++
    result.lines.push(line)
  }
  return result
}
