/**
 * Syslog message parsing: RFC 5424 and RFC 3164 (with the variants real senders use), by
 * hand-written scanners that look at each character at most a bounded number of times (the
 * text is attacker-written; no backtracking regex).
 *
 * Which format: after `<PRI>`, a run of 1-2 digits followed by a space is the RFC 5424 VERSION;
 * anything else is RFC 3164. A message that fits neither is a `SyslogParseError` with a reason;
 * nothing here throws on input.
 *
 * The line crowd's parsers get (`line`) is the one CrowdSec's syslog datasource builds
 * (pkg/acquisition/modules/syslog, `buildLogFromSyslog`): an RFC 3164-like line,
 * `Jan 2 15:04:05 HOST APP[PID]: MSG`, which `crowdsecurity/syslog-logs` matches with
 * `^%{SYSLOGLINE}` (parsers.md §12.1).
 */
import {pad2} from '../../model/go-time.js'
import {SHORT_MONTHS} from '../../model/go-time-layout.js'

export type SyslogFormat = 'rfc5424' | 'rfc3164'

/** Why a message was not accepted (also used by the server for framing and limit errors). */
export type SyslogParseErrorReason =
  | 'empty'            // nothing (or only line terminators) in the frame
  | 'missing-pri'      // does not start with `<`
  | 'bad-pri'          // `<` not followed by 1-3 digits, `>`, value 0..191
  | 'bad-timestamp'    // RFC 3164: no valid `Mmm dd hh:mm:ss` or RFC 3339 timestamp; RFC 5424: invalid TIMESTAMP
  | 'bad-header'       // RFC 5424: HOSTNAME, APP-NAME, PROCID or MSGID missing, too long or not printable ASCII
  | 'bad-structured-data' // RFC 5424: malformed STRUCTURED-DATA

export interface SyslogParseError {
  ok: false
  reason: SyslogParseErrorReason
  /** A short human explanation (position, what was expected). */
  detail: string
}

export interface SyslogTimestamp {
  /** The timestamp as it appears in the message. */
  text: string
  /**
   * The instant. RFC 3339 timestamps carry their offset; RFC 3164 (`Mmm dd hh:mm:ss`) has no
   * year and no zone: the current UTC year and UTC are assumed, as CrowdSec does.
   */
  date: Date
  /** The wall clock as written (month 1-12), what CrowdSec prints in the line. */
  wall: {month: number; day: number; hour: number; minute: number; second: number}
}

export interface SdElement {
  id: string
  /** Parameters in order, values unescaped (`\"`, `\\`, `\]`). A name may repeat. */
  params: [name: string, value: string][]
}

export interface SyslogMessage {
  ok: true
  format: SyslogFormat
  /** PRI / 8 (0 kern .. 23 local7). */
  facility: number
  /** PRI % 8 (0 emerg .. 7 debug). */
  severity: number
  /** RFC 5424 VERSION (1); undefined for RFC 3164. */
  version?: number
  /** Undefined when absent (RFC 5424 `-`, or an RFC 3164 message without one is an error). */
  timestamp?: SyslogTimestamp
  hostname?: string
  /** RFC 5424 APP-NAME; RFC 3164 TAG. */
  appName?: string
  procId?: string
  /** RFC 5424 only. */
  msgId?: string
  /** RFC 5424 only; empty for `-` and for RFC 3164. */
  structuredData: SdElement[]
  /** MSG, without a leading UTF-8 BOM and without trailing `\n`, `\r`, NUL. */
  message: string
  /** RFC 5424: MSG started with a UTF-8 BOM. */
  bom: boolean
  /** The line crowd's parsers get (CrowdSec `Line.Raw` for the syslog datasource). */
  line: string
}

export type SyslogParseResult = SyslogMessage | SyslogParseError

export interface ParseOptions {
  /** The clock, for RFC 3164 years and for the line of a message without a timestamp. */
  now?: () => Date
}

const decoder = new TextDecoder('utf-8', {fatal: false, ignoreBOM: true})

const MAX_HOSTNAME = 255
const MAX_APPNAME = 48
const MAX_PROCID = 128
const MAX_MSGID = 32
const MAX_SD_NAME = 32
/** RFC 3164 says 32; real tags (systemd units, containers) are longer. */
const MAX_TAG = 128

function fail(reason: SyslogParseErrorReason, detail: string): SyslogParseError {
  return {ok: false, reason, detail}
}

/** Parses one syslog message (a datagram or a TCP frame, without framing). Never throws. */
export function parseSyslogMessage(input: Uint8Array | string, options: ParseOptions = {}): SyslogParseResult {
  let s = typeof input === 'string' ? input : decoder.decode(input)
  // Trailing terminators (CrowdSec trims one `\n`; senders also add `\r\n` or NUL).
  let end = s.length
  while (end > 0) {
    const c = s.charCodeAt(end - 1)
    if (c !== 0x0a && c !== 0x0d && c !== 0x00) break
    end--
  }
  if (end !== s.length) s = s.slice(0, end)
  if (s.length === 0) return fail('empty', 'empty message')
  if (s.charCodeAt(0) !== 0x3c /* < */) return fail('missing-pri', 'the message does not start with <PRI>')
  let i = 1
  let pri = 0
  while (i < s.length && i <= 4 && isDigit(s.charCodeAt(i))) {
    pri = pri * 10 + (s.charCodeAt(i) - 48)
    i++
  }
  if (i === 1 || i > 4 || s.charCodeAt(i) !== 0x3e /* > */) return fail('bad-pri', 'expected <PRI> with 1 to 3 digits')
  if (pri > 191) return fail('bad-pri', `PRI ${pri} is over 191`)
  i++
  const now = options.now ?? (() => new Date())
  // RFC 5424: VERSION (1-2 digits, not 0) then SP.
  let v = i
  while (v < s.length && v - i < 3 && isDigit(s.charCodeAt(v))) v++
  if (v > i && v - i <= 2 && s.charCodeAt(v) === 0x20 && s.charCodeAt(i) !== 0x30) {
    return parse5424(s, v + 1, pri, Number(s.slice(i, v)), now)
  }
  return parse3164(s, i, pri, now)
}

function parse5424(s: string, start: number, pri: number, version: number, now: () => Date): SyslogParseResult {
  let i = start
  const field = (name: string, max: number): string | undefined | SyslogParseError => {
    const from = i
    while (i < s.length && s.charCodeAt(i) !== 0x20) {
      const c = s.charCodeAt(i)
      if (c < 33 || c > 126) return fail('bad-header', `${name}: character ${i} is not printable ASCII`)
      if (i - from >= max) return fail('bad-header', `${name} is longer than ${max} characters`)
      i++
    }
    if (i === from) return fail('bad-header', `${name} is empty (expected a value or -)`)
    if (i >= s.length) return fail('bad-header', `the message ends after ${name}`)
    const value = s.slice(from, i)
    i++ // SP
    return value === '-' ? undefined : value
  }
  const tsText = field('TIMESTAMP', 64)
  if (isError(tsText)) return tsText.reason === 'bad-header' && tsText.detail.startsWith('the message ends') ? tsText : fail('bad-timestamp', tsText.detail)
  let timestamp: SyslogTimestamp | undefined
  if (tsText !== undefined) {
    timestamp = parseRfc3339(tsText)
    if (timestamp === undefined) return fail('bad-timestamp', `invalid RFC 3339 TIMESTAMP ${JSON.stringify(tsText)}`)
  }
  const hostname = field('HOSTNAME', MAX_HOSTNAME)
  if (isError(hostname)) return hostname
  const appName = field('APP-NAME', MAX_APPNAME)
  if (isError(appName)) return appName
  const procId = field('PROCID', MAX_PROCID)
  if (isError(procId)) return procId
  const msgId = field('MSGID', MAX_MSGID)
  if (isError(msgId)) return msgId
  // STRUCTURED-DATA
  const structuredData: SdElement[] = []
  if (s.charCodeAt(i) === 0x2d /* - */) {
    i++
  } else if (s.charCodeAt(i) === 0x5b /* [ */) {
    while (s.charCodeAt(i) === 0x5b) {
      const element = parseSdElement(s, i + 1)
      if (isError(element)) return element
      structuredData.push(element.element)
      i = element.next
    }
  } else {
    return fail('bad-structured-data', `expected [ or - at character ${i}`)
  }
  let message = ''
  let bom = false
  if (i < s.length) {
    if (s.charCodeAt(i) !== 0x20) return fail('bad-structured-data', `expected a space after STRUCTURED-DATA at character ${i}`)
    message = s.slice(i + 1)
    if (message.charCodeAt(0) === 0xfeff) {
      bom = true
      message = message.slice(1)
    }
  }
  const msg: SyslogMessage = {
    ok: true, format: 'rfc5424', facility: pri >> 3, severity: pri & 7, version, timestamp,
    hostname, appName, procId, msgId, structuredData, message, bom, line: '',
  }
  msg.line = crowdsecLine(msg, now)
  return msg
}

function parseSdElement(s: string, start: number): {element: SdElement; next: number} | SyslogParseError {
  let i = start
  const name = (what: string): string | SyslogParseError => {
    const from = i
    for (; i < s.length; i++) {
      const c = s.charCodeAt(i)
      if (c === 0x20 || c === 0x5d || c === 0x3d || c === 0x22) break
      if (c < 33 || c > 126) return fail('bad-structured-data', `${what}: character ${i} is not printable ASCII`)
      if (i - from >= MAX_SD_NAME) return fail('bad-structured-data', `${what} is longer than ${MAX_SD_NAME} characters`)
    }
    if (i === from) return fail('bad-structured-data', `${what} is empty at character ${i}`)
    return s.slice(from, i)
  }
  const id = name('SD-ID')
  if (isError(id)) return id
  const params: [string, string][] = []
  for (;;) {
    const c = s.charCodeAt(i)
    if (c === 0x5d /* ] */) return {element: {id, params}, next: i + 1}
    if (c !== 0x20) return fail('bad-structured-data', i >= s.length ? 'unterminated SD-ELEMENT' : `expected a space or ] at character ${i}`)
    i++
    const pname = name('PARAM-NAME')
    if (isError(pname)) return pname
    if (s.charCodeAt(i) !== 0x3d || s.charCodeAt(i + 1) !== 0x22) return fail('bad-structured-data', `expected =" after PARAM-NAME at character ${i}`)
    i += 2
    let value = ''
    let from = i
    for (;;) {
      if (i >= s.length) return fail('bad-structured-data', 'unterminated PARAM-VALUE')
      const ch = s.charCodeAt(i)
      if (ch === 0x22) break
      if (ch === 0x5c /* \ */) {
        const next = s.charCodeAt(i + 1)
        if (next === 0x22 || next === 0x5c || next === 0x5d) {
          value += s.slice(from, i)
          from = i + 1 // keep the escaped character
          i += 2
          continue
        }
      } else if (ch === 0x5d) {
        return fail('bad-structured-data', `unescaped ] in PARAM-VALUE at character ${i}`)
      }
      i++
    }
    value += s.slice(from, i)
    i++ // closing quote
    params.push([pname, value])
  }
}

function parse3164(s: string, start: number, pri: number, now: () => Date): SyslogParseResult {
  let i = start
  let timestamp: SyslogTimestamp | undefined
  const bsd = parseBsdTimestamp(s, i, now)
  if (bsd !== undefined) {
    timestamp = bsd.timestamp
    i = bsd.next
  } else {
    // rsyslog's RFC 3339 variant: `<PRI>2023-11-14T00:20:42.738197+01:00 host tag: msg`.
    let e = i
    while (e < s.length && e - i <= 40 && s.charCodeAt(e) !== 0x20) e++
    timestamp = e - i <= 40 ? parseRfc3339(s.slice(i, e)) : undefined
    if (timestamp === undefined) return fail('bad-timestamp', 'expected an RFC 3164 timestamp (Mmm dd hh:mm:ss) or an RFC 3339 one after <PRI>')
    i = e
  }
  if (i < s.length && s.charCodeAt(i) !== 0x20) return fail('bad-timestamp', `expected a space after the timestamp at character ${i}`)
  if (i < s.length) i++
  // HOSTNAME (optional): the first word, unless it is already the tag (`tag:` / `tag[pid]:`).
  let hostname: string | undefined
  let appName: string | undefined
  let procId: string | undefined
  const first = scanTag(s, i)
  if (first === undefined) {
    let e = i
    while (e < s.length && s.charCodeAt(e) !== 0x20) e++
    if (e > i && e < s.length && e - i <= MAX_HOSTNAME) {
      hostname = s.slice(i, e)
      i = e + 1
      const tag = scanTag(s, i)
      if (tag !== undefined) {
        appName = tag.tag
        procId = tag.pid
        i = tag.next
      }
    }
  } else {
    appName = first.tag
    procId = first.pid
    i = first.next
  }
  const message = s.slice(i)
  const msg: SyslogMessage = {
    ok: true, format: 'rfc3164', facility: pri >> 3, severity: pri & 7, timestamp,
    hostname, appName, procId, structuredData: [], message, bom: false, line: '',
  }
  msg.line = crowdsecLine(msg, now)
  return msg
}

/** `TAG:` or `TAG[PID]:` (then one optional space) at `i`; undefined when the word there is not a tag. */
function scanTag(s: string, i: number): {tag: string; pid?: string; next: number} | undefined {
  const from = i
  while (i < s.length && i - from <= MAX_TAG) {
    const c = s.charCodeAt(i)
    if (c === 0x3a /* : */ || c === 0x5b /* [ */ || c <= 0x20 || c === 0x5d || c === 0x7f) break
    i++
  }
  if (i === from || i - from > MAX_TAG) return undefined
  const tag = s.slice(from, i)
  let pid: string | undefined
  if (s.charCodeAt(i) === 0x5b) {
    const p = i + 1
    let e = p
    while (e < s.length && e - p <= MAX_PROCID) {
      const c = s.charCodeAt(e)
      if (c === 0x5d || c <= 0x20) break
      e++
    }
    if (e === p || s.charCodeAt(e) !== 0x5d) return undefined
    pid = s.slice(p, e)
    i = e + 1
  }
  if (s.charCodeAt(i) !== 0x3a) return undefined
  i++
  if (s.charCodeAt(i) === 0x20) i++
  return {tag, pid, next: i}
}

/** `Mmm dd hh:mm:ss` (day space-padded or not) at `i`. */
function parseBsdTimestamp(s: string, i: number, now: () => Date): {timestamp: SyslogTimestamp; next: number} | undefined {
  const from = i
  if (i + 3 > s.length) return undefined
  const mon = s.slice(i, i + 3)
  const month = SHORT_MONTHS.findIndex((m) => m.toLowerCase() === mon.toLowerCase()) + 1
  if (month === 0 || s.charCodeAt(i + 3) !== 0x20) return undefined
  i += 4
  if (s.charCodeAt(i) === 0x20) i++
  const day = digits(s, i, 1, 2)
  if (day === undefined) return undefined
  i = day.next
  if (s.charCodeAt(i) !== 0x20) return undefined
  const time = parseClock(s, i + 1)
  if (time === undefined) return undefined
  const year = now().getUTCFullYear()
  const ms = Date.UTC(year, month - 1, day.value, time.hour, time.minute, time.second)
  const date = new Date(ms)
  if (day.value < 1 || date.getUTCDate() !== day.value || date.getUTCMonth() !== month - 1) return undefined
  return {
    timestamp: {text: s.slice(from, time.next), date, wall: {month, day: day.value, hour: time.hour, minute: time.minute, second: time.second}},
    next: time.next,
  }
}

function parseClock(s: string, i: number): {hour: number; minute: number; second: number; next: number} | undefined {
  const h = digits(s, i, 2, 2)
  if (h === undefined || s.charCodeAt(h.next) !== 0x3a) return undefined
  const m = digits(s, h.next + 1, 2, 2)
  if (m === undefined || s.charCodeAt(m.next) !== 0x3a) return undefined
  const sec = digits(s, m.next + 1, 2, 2)
  if (sec === undefined || h.value > 23 || m.value > 59 || sec.value > 60) return undefined
  return {hour: h.value, minute: m.value, second: Math.min(sec.value, 59), next: sec.next}
}

/** RFC 3339 `YYYY-MM-DDTHH:MM:SS[.frac](Z|±HH:MM)`, the whole string. */
export function parseRfc3339(text: string): SyslogTimestamp | undefined {
  const y = digits(text, 0, 4, 4)
  if (y === undefined || text.charCodeAt(4) !== 0x2d) return undefined
  const mo = digits(text, 5, 2, 2)
  if (mo === undefined || text.charCodeAt(7) !== 0x2d) return undefined
  const d = digits(text, 8, 2, 2)
  if (d === undefined || (text[10] !== 'T' && text[10] !== 't')) return undefined
  const clock = parseClock(text, 11)
  if (clock === undefined) return undefined
  let i = clock.next
  let ms = 0
  if (text.charCodeAt(i) === 0x2e /* . */) {
    const f = digits(text, i + 1, 1, 9)
    if (f === undefined) return undefined
    ms = Math.floor(Number(text.slice(i + 1, f.next).padEnd(3, '0').slice(0, 3)))
    i = f.next
  }
  let offsetMin = 0
  const z = text[i]
  if (z === 'Z' || z === 'z') {
    i++
  } else if (z === '+' || z === '-') {
    const oh = digits(text, i + 1, 2, 2)
    if (oh === undefined || text.charCodeAt(oh.next) !== 0x3a) return undefined
    const om = digits(text, oh.next + 1, 2, 2)
    if (om === undefined || oh.value > 23 || om.value > 59) return undefined
    offsetMin = (z === '-' ? -1 : 1) * (oh.value * 60 + om.value)
    i = om.next
  } else {
    return undefined
  }
  if (i !== text.length) return undefined
  if (mo.value < 1 || mo.value > 12 || d.value < 1) return undefined
  const local = Date.UTC(y.value, mo.value - 1, d.value, clock.hour, clock.minute, clock.second, ms)
  const check = new Date(local)
  if (check.getUTCDate() !== d.value || check.getUTCMonth() !== mo.value - 1) return undefined
  const date = new Date(local - offsetMin * 60_000)
  if (y.value < 100) date.setUTCFullYear(y.value) // Date.UTC maps 0-99 to 1900-1999
  return {text, date, wall: {month: mo.value, day: d.value, hour: clock.hour, minute: clock.minute, second: clock.second}}
}

function digits(s: string, i: number, min: number, max: number): {value: number; next: number} | undefined {
  let value = 0
  let n = 0
  while (n < max && i + n < s.length && isDigit(s.charCodeAt(i + n))) {
    value = value * 10 + (s.charCodeAt(i + n) - 48)
    n++
  }
  return n < min ? undefined : {value, next: i + n}
}

function isDigit(c: number): boolean {
  return c >= 48 && c <= 57
}

function isError(x: unknown): x is SyslogParseError {
  return typeof x === 'object' && x !== null && (x as {ok?: unknown}).ok === false
}

/** Go's `Jan 2 15:04:05` layout (day not padded). */
export function formatStamp(wall: SyslogTimestamp['wall']): string {
  return `${SHORT_MONTHS[wall.month - 1]} ${wall.day} ${pad2(wall.hour)}:${pad2(wall.minute)}:${pad2(wall.second)}`
}

/**
 * CrowdSec's `buildLogFromSyslog`: `STAMP HOST[ APP][[PID]]: MSG`, where STAMP is the message's
 * own wall clock in Go's `Jan 2 15:04:05` layout (the current UTC time when it has none), HOST
 * is `unknownhost` when absent, and `[PID]` and the space before APP only appear when present.
 */
export function crowdsecLine(msg: Pick<SyslogMessage, 'timestamp' | 'hostname' | 'appName' | 'procId' | 'message'>, now: () => Date = () => new Date()): string {
  let wall = msg.timestamp?.wall
  if (wall === undefined) {
    const d = now()
    wall = {month: d.getUTCMonth() + 1, day: d.getUTCDate(), hour: d.getUTCHours(), minute: d.getUTCMinutes(), second: d.getUTCSeconds()}
  }
  let line = formatStamp(wall)
  line += ' ' + (msg.hostname !== undefined && msg.hostname !== '' ? msg.hostname : 'unknownhost')
  if (msg.appName !== undefined && msg.appName !== '') line += ' ' + msg.appName
  line += msg.procId !== undefined && msg.procId !== '' ? `[${msg.procId}]: ` : ': '
  line += msg.message
  return line.endsWith('\n') ? line.slice(0, -1) : line
}
