/**
 * Go reference-layout formatting and parsing (`time.Format`, `time.Parse`,
 * `time.ParseInLocation`), used by `evt.Time.Format(...)`, `date(...)` and the ParseDate
 * enricher (parsers.md §7.1, §8.2), which runs per log line. A layout is split into its
 * parts once and cached by layout string.
 *
 * This module and go-time.ts import each other; nothing here touches go-time bindings at
 * module load time, only inside functions.
 */
import {GoTime, UTC, civilFromDays, daysIn, daysFromCivil, fixedZone, localLocation, pad2, type GoLocation} from './go-time.js'

export const Layout = "01/02 03:04:05PM '06 -0700"
export const ANSIC = 'Mon Jan _2 15:04:05 2006'
export const UnixDate = 'Mon Jan _2 15:04:05 MST 2006'
export const RubyDate = 'Mon Jan 02 15:04:05 -0700 2006'
export const RFC822 = '02 Jan 06 15:04 MST'
export const RFC822Z = '02 Jan 06 15:04 -0700'
export const RFC850 = 'Monday, 02-Jan-06 15:04:05 MST'
export const RFC1123 = 'Mon, 02 Jan 2006 15:04:05 MST'
export const RFC1123Z = 'Mon, 02 Jan 2006 15:04:05 -0700'
export const RFC3339 = '2006-01-02T15:04:05Z07:00'
export const RFC3339Nano = '2006-01-02T15:04:05.999999999Z07:00'
export const Kitchen = '3:04PM'
export const Stamp = 'Jan _2 15:04:05'
export const StampMilli = 'Jan _2 15:04:05.000'
export const StampMicro = 'Jan _2 15:04:05.000000'
export const StampNano = 'Jan _2 15:04:05.000000000'
export const DateTime = '2006-01-02 15:04:05'
export const DateOnly = '2006-01-02'
export const TimeOnly = '15:04:05'

/** The named layouts, as Go's time package spells them. */
export const NAMED_LAYOUTS: Readonly<Record<string, string>> = {
  Layout, ANSIC, UnixDate, RubyDate, RFC822, RFC822Z, RFC850, RFC1123, RFC1123Z, RFC3339, RFC3339Nano,
  Kitchen, Stamp, StampMilli, StampMicro, StampNano, DateTime, DateOnly, TimeOnly,
}

// Layout element codes (Go's std* constants).
const enum Std {
  None = 0,
  LongMonth, Month, NumMonth, ZeroMonth,
  LongWeekDay, WeekDay,
  Day, UnderDay, ZeroDay, UnderYearDay, ZeroYearDay,
  Hour, Hour12, ZeroHour12,
  Minute, ZeroMinute,
  Second, ZeroSecond,
  LongYear, Year,
  PM, pm,
  TZ,
  ISO8601TZ, ISO8601SecondsTZ, ISO8601ShortTZ, ISO8601ColonTZ, ISO8601ColonSecondsTZ,
  NumTZ, NumSecondsTz, NumShortTZ, NumColonTZ, NumColonSecondsTZ,
  FracSecond0, FracSecond9,
}

interface Part {
  /** Literal text before the element. */
  readonly prefix: string
  readonly std: Std
  /** The element's text in the layout (for error messages). */
  readonly text: string
  /** Fraction digits and separator for FracSecond0/9. */
  readonly digits: number
  readonly sep: string
}

interface Compiled {
  readonly parts: Part[]
  /** Literal text after the last element. */
  readonly tail: string
}

/** Go's abbreviated month names (`Jan`), also what syslog and journalctl print. */
export const SHORT_MONTHS: readonly string[] = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec']
const LONG_MONTHS = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December']
const SHORT_DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat']
const LONG_DAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday']

const STD_0X = [Std.ZeroMonth, Std.ZeroDay, Std.ZeroHour12, Std.ZeroMinute, Std.ZeroSecond, Std.Year]

function isDigitAt(s: string, i: number): boolean {
  if (i >= s.length) return false
  const c = s.charCodeAt(i)
  return c >= 48 && c <= 57
}

function startsWithLower(s: string, i: number): boolean {
  if (i >= s.length) return false
  const c = s.charCodeAt(i)
  return c >= 97 && c <= 122
}

interface Chunk {
  start: number
  end: number
  std: Std
  digits: number
  sep: string
}

/** Go's nextStdChunk: the next layout element at or after `from`. */
function nextChunk(layout: string, from: number): Chunk | undefined {
  const at = (i: number, s: string): boolean => layout.startsWith(s, i)
  for (let i = from; i < layout.length; i++) {
    const c = layout[i]
    const mk = (len: number, std: Std): Chunk => ({start: i, end: i + len, std, digits: 0, sep: ''})
    switch (c) {
      case 'J':
        if (at(i, 'Jan')) {
          if (at(i, 'January')) return mk(7, Std.LongMonth)
          if (!startsWithLower(layout, i + 3)) return mk(3, Std.Month)
        }
        break
      case 'M':
        if (at(i, 'Mon')) {
          if (at(i, 'Monday')) return mk(6, Std.LongWeekDay)
          if (!startsWithLower(layout, i + 3)) return mk(3, Std.WeekDay)
        }
        if (at(i, 'MST')) return mk(3, Std.TZ)
        break
      case '0': {
        const n = layout.charCodeAt(i + 1)
        if (n >= 49 && n <= 54) return mk(2, STD_0X[n - 49]!)
        if (at(i, '002')) return mk(3, Std.ZeroYearDay)
        break
      }
      case '1':
        if (at(i, '15')) return mk(2, Std.Hour)
        return mk(1, Std.NumMonth)
      case '2':
        if (at(i, '2006')) return mk(4, Std.LongYear)
        return mk(1, Std.Day)
      case '_':
        if (layout[i + 1] === '2') {
          if (at(i + 1, '2006')) return {start: i + 1, end: i + 5, std: Std.LongYear, digits: 0, sep: ''}
          return mk(2, Std.UnderDay)
        }
        if (at(i, '__2')) return mk(3, Std.UnderYearDay)
        break
      case '3':
        return mk(1, Std.Hour12)
      case '4':
        return mk(1, Std.Minute)
      case '5':
        return mk(1, Std.Second)
      case 'P':
        if (layout[i + 1] === 'M') return mk(2, Std.PM)
        break
      case 'p':
        if (layout[i + 1] === 'm') return mk(2, Std.pm)
        break
      case '-':
        if (at(i, '-070000')) return mk(7, Std.NumSecondsTz)
        if (at(i, '-07:00:00')) return mk(9, Std.NumColonSecondsTZ)
        if (at(i, '-0700')) return mk(5, Std.NumTZ)
        if (at(i, '-07:00')) return mk(6, Std.NumColonTZ)
        if (at(i, '-07')) return mk(3, Std.NumShortTZ)
        break
      case 'Z':
        if (at(i, 'Z070000')) return mk(7, Std.ISO8601SecondsTZ)
        if (at(i, 'Z07:00:00')) return mk(9, Std.ISO8601ColonSecondsTZ)
        if (at(i, 'Z0700')) return mk(5, Std.ISO8601TZ)
        if (at(i, 'Z07:00')) return mk(6, Std.ISO8601ColonTZ)
        if (at(i, 'Z07')) return mk(3, Std.ISO8601ShortTZ)
        break
      case '.':
      case ',': {
        const d = layout[i + 1]
        if (d === '0' || d === '9') {
          let j = i + 1
          while (j < layout.length && layout[j] === d) j++
          if (!isDigitAt(layout, j)) {
            return {start: i, end: j, std: d === '0' ? Std.FracSecond0 : Std.FracSecond9, digits: j - (i + 1), sep: c}
          }
        }
        break
      }
    }
  }
  return undefined
}

const CACHE = new Map<string, Compiled>()

function compile(layout: string): Compiled {
  const hit = CACHE.get(layout)
  if (hit !== undefined) return hit
  const parts: Part[] = []
  let pos = 0
  for (;;) {
    const ch = nextChunk(layout, pos)
    if (ch === undefined) break
    parts.push({prefix: layout.slice(pos, ch.start), std: ch.std, text: layout.slice(ch.start, ch.end), digits: ch.digits, sep: ch.sep})
    pos = ch.end
  }
  const compiled: Compiled = {parts, tail: layout.slice(pos)}
  if (CACHE.size > 1000) CACHE.clear()
  CACHE.set(layout, compiled)
  return compiled
}

// ---------------------------------------------------------------------------------------
// Formatting

function zeroPad(n: number, width: number): string {
  if (n < 0) return '-' + zeroPad(-n, width)
  const s = String(n)
  return s.length >= width ? s : '0'.repeat(width - s.length) + s
}

function appendNano(nsec: number, std: Std, digits: number, sep: string): string {
  const trim = std === Std.FracSecond9
  if (trim && (digits === 0 || nsec === 0)) return ''
  let s = zeroPad(nsec, 9)
  if (digits < 9) s = s.slice(0, digits)
  if (trim) {
    let end = s.length
    while (end > 0 && s.charCodeAt(end - 1) === 48) end--
    s = s.slice(0, end)
    if (s === '') return ''
  }
  return sep + s
}

/** Go Time.Format(layout). */
export function formatGoTime(t: GoTime, layout: string): string {
  const {parts, tail} = compile(layout)
  let out = ''
  const year = t.Year()
  const month = t.Month().value
  const day = t.Day()
  const hour = t.Hour()
  const min = t.Minute()
  const sec = t.Second()
  for (const p of parts) {
    out += p.prefix
    switch (p.std) {
      case Std.Year: out += zeroPad(((year % 100) + 100) % 100, 2); break
      case Std.LongYear: out += zeroPad(year, 4); break
      case Std.Month: out += SHORT_MONTHS[month - 1]; break
      case Std.LongMonth: out += LONG_MONTHS[month - 1]; break
      case Std.NumMonth: out += String(month); break
      case Std.ZeroMonth: out += zeroPad(month, 2); break
      case Std.WeekDay: out += SHORT_DAYS[t.Weekday().value]; break
      case Std.LongWeekDay: out += LONG_DAYS[t.Weekday().value]; break
      case Std.Day: out += String(day); break
      case Std.UnderDay: out += (day < 10 ? ' ' : '') + String(day); break
      case Std.ZeroDay: out += zeroPad(day, 2); break
      case Std.UnderYearDay: out += String(t.YearDay()).padStart(3, ' '); break
      case Std.ZeroYearDay: out += zeroPad(t.YearDay(), 3); break
      case Std.Hour: out += zeroPad(hour, 2); break
      case Std.Hour12: out += String(hour % 12 === 0 ? 12 : hour % 12); break
      case Std.ZeroHour12: out += zeroPad(hour % 12 === 0 ? 12 : hour % 12, 2); break
      case Std.Minute: out += String(min); break
      case Std.ZeroMinute: out += zeroPad(min, 2); break
      case Std.Second: out += String(sec); break
      case Std.ZeroSecond: out += zeroPad(sec, 2); break
      case Std.PM: out += hour >= 12 ? 'PM' : 'AM'; break
      case Std.pm: out += hour >= 12 ? 'pm' : 'am'; break
      case Std.ISO8601TZ: case Std.ISO8601ColonTZ: case Std.ISO8601SecondsTZ: case Std.ISO8601ShortTZ:
      case Std.ISO8601ColonSecondsTZ: case Std.NumTZ: case Std.NumColonTZ: case Std.NumSecondsTz:
      case Std.NumShortTZ: case Std.NumColonSecondsTZ:
        out += formatOffset(t.offset, p.std)
        break
      case Std.TZ:
        if (t.zone !== '') {
          out += t.zone
        } else {
          let zone = Math.trunc(t.offset / 60)
          if (zone < 0) {
            out += '-'
            zone = -zone
          } else {
            out += '+'
          }
          out += zeroPad(Math.trunc(zone / 60), 2) + zeroPad(zone % 60, 2)
        }
        break
      case Std.FracSecond0: case Std.FracSecond9:
        out += appendNano(t.nsec, p.std, p.digits, p.sep)
        break
    }
  }
  return out + tail
}

function formatOffset(offset: number, std: Std): string {
  const iso = std === Std.ISO8601TZ || std === Std.ISO8601ColonTZ || std === Std.ISO8601SecondsTZ || std === Std.ISO8601ShortTZ || std === Std.ISO8601ColonSecondsTZ
  if (offset === 0 && iso) return 'Z'
  let zone = Math.trunc(offset / 60)
  let abs = offset
  let out: string
  if (zone < 0) {
    out = '-'
    zone = -zone
    abs = -abs
  } else {
    out = '+'
  }
  out += zeroPad(Math.trunc(zone / 60), 2)
  const colon = std === Std.ISO8601ColonTZ || std === Std.NumColonTZ || std === Std.ISO8601ColonSecondsTZ || std === Std.NumColonSecondsTZ
  if (colon) out += ':'
  if (std !== Std.NumShortTZ && std !== Std.ISO8601ShortTZ) out += zeroPad(zone % 60, 2)
  if (std === Std.ISO8601SecondsTZ || std === Std.NumSecondsTz || std === Std.NumColonSecondsTZ || std === Std.ISO8601ColonSecondsTZ) {
    if (std === Std.NumColonSecondsTZ || std === Std.ISO8601ColonSecondsTZ) out += ':'
    out += zeroPad(abs % 60, 2)
  }
  return out
}

// ---------------------------------------------------------------------------------------
// Parsing

/** Go's *time.ParseError. */
export class GoTimeParseError extends Error {
  constructor(
    readonly layout: string,
    readonly value: string,
    readonly layoutElem: string,
    readonly valueElem: string,
    readonly detail: string,
  ) {
    super(
      detail === ''
        ? `parsing time ${goQuote(value)} as ${goQuote(layout)}: cannot parse ${goQuote(valueElem)} as ${goQuote(layoutElem)}`
        : `parsing time ${goQuote(value)}${detail}`,
    )
    this.name = 'GoTimeParseError'
  }
}

function goQuote(s: string): string {
  let out = '"'
  for (const ch of s) {
    const c = ch.codePointAt(0)!
    if (ch === '"' || ch === '\\') out += '\\' + ch
    else if (c >= 0x20 && c < 0x7f) out += ch
    else if (c === 0x0a) out += '\\n'
    else if (c === 0x09) out += '\\t'
    else if (c === 0x0d) out += '\\r'
    else if (c < 0x20 || c === 0x7f) out += '\\x' + c.toString(16).padStart(2, '0')
    else out += ch
  }
  return out + '"'
}

/** Second result of the scanning helpers below (they return the new index, or -1). */
let NUM = 0

function cutSpace(s: string, i: number): number {
  while (i < s.length && s.charCodeAt(i) === 32) i++
  return i
}

/**
 * Go's skip: match literal layout text; a space run matches a (possibly empty at end) space
 * run. Returns the new index, or -(index reached + 1) on a mismatch.
 */
function skip(value: string, vi: number, prefix: string): number {
  let pi = 0
  while (pi < prefix.length) {
    if (prefix.charCodeAt(pi) === 32) {
      if (vi < value.length && value.charCodeAt(vi) !== 32) return -(vi + 1)
      pi = cutSpace(prefix, pi)
      vi = cutSpace(value, vi)
      continue
    }
    if (vi >= value.length || value[vi] !== prefix[pi]) return -(vi + 1)
    pi++
    vi++
  }
  return vi
}

/** Case-insensitive name lookup; returns the index after the name (NUM = table index) or -1. */
function lookupName(table: readonly string[], value: string, vi: number): number {
  for (let i = 0; i < table.length; i++) {
    const name = table[i]!
    if (value.length - vi >= name.length) {
      let ok = true
      for (let k = 0; k < name.length; k++) {
        let a = value.charCodeAt(vi + k)
        let b = name.charCodeAt(k)
        if (a !== b) {
          a |= 0x20
          b |= 0x20
          if (a !== b || a < 97 || a > 122) {
            ok = false
            break
          }
        }
      }
      if (ok) {
        NUM = i
        return vi + name.length
      }
    }
  }
  return -1
}

/** Go getnum: one or two digits (exactly two if fixed); returns the new index (NUM = value) or -1. */
function getNum(value: string, vi: number, fixed: boolean): number {
  if (!isDigitAt(value, vi)) return -1
  if (!isDigitAt(value, vi + 1)) {
    if (fixed) return -1
    NUM = value.charCodeAt(vi) - 48
    return vi + 1
  }
  NUM = (value.charCodeAt(vi) - 48) * 10 + value.charCodeAt(vi + 1) - 48
  return vi + 2
}

function getNum3(value: string, vi: number, fixed: boolean): number {
  let n = 0
  let i = 0
  for (; i < 3 && isDigitAt(value, vi + i); i++) n = n * 10 + value.charCodeAt(vi + i) - 48
  if (i === 0 || (fixed && i !== 3)) return -1
  NUM = n
  return vi + i
}

/** Go atoi on a short field (optional sign, digits); NaN when invalid. */
function atoi(s: string): number {
  let i = s[0] === '+' || s[0] === '-' ? 1 : 0
  if (i === s.length) return NaN
  let n = 0
  for (; i < s.length; i++) {
    const c = s.charCodeAt(i)
    if (c < 48 || c > 57) return NaN
    n = n * 10 + c - 48
  }
  return s[0] === '-' ? -n : n
}

/** Go parseNanoseconds: value[vi] is the separator, nbytes includes it; -1 when invalid. */
function parseNanos(value: string, vi: number, nbytes: number): number {
  const c = value[vi]
  if (c !== '.' && c !== ',') return -1
  if (nbytes > 10) nbytes = 10
  if (nbytes < 2) return -1
  let ns = 0
  for (let i = vi + 1; i < vi + nbytes; i++) {
    const d = value.charCodeAt(i)
    if (d < 48 || d > 57) return -1
    ns = ns * 10 + d - 48
  }
  for (let i = 0; i < 10 - nbytes; i++) ns *= 10
  return ns
}

function parseTimeZone(value: string, vi: number): number {
  const rest = value.length - vi
  if (rest < 3) return 0
  if (rest >= 4 && (value.startsWith('ChST', vi) || value.startsWith('MeST', vi))) return 4
  if (value.startsWith('GMT', vi)) {
    if (rest === 3) return 3
    return 3 + parseSignedOffset(value, vi + 3)
  }
  const c0 = value[vi]
  if (c0 === '+' || c0 === '-') return parseSignedOffset(value, vi)
  let nUpper = 0
  for (; nUpper < 6; nUpper++) {
    if (vi + nUpper >= value.length) break
    const c = value.charCodeAt(vi + nUpper)
    if (c < 65 || c > 90) break
  }
  switch (nUpper) {
    case 3: return 3
    case 4: return value[vi + 3] === 'T' || value.startsWith('WITA', vi) ? 4 : 0
    case 5: return value[vi + 4] === 'T' ? 5 : 0
    default: return 0
  }
}

function parseSignedOffset(value: string, vi: number): number {
  const c = value[vi]
  if (c !== '+' && c !== '-') return 0
  let i = vi + 1
  let x = 0
  while (isDigitAt(value, i)) {
    x = x * 10 + value.charCodeAt(i) - 48
    i++
    if (x > 1e9) return 0
  }
  if (i === vi + 1) return 0
  if (x > 23) return 0
  return i - vi
}

/**
 * Go time.Parse (defaultLocation undefined: UTC, local zone = Local) or
 * time.ParseInLocation (defaultLocation given: also used as the local zone).
 * Throws GoTimeParseError with Go's messages.
 */
export function parseGoTime(layout: string, value: string, defaultLocation?: GoLocation): GoTime {
  const r = parseCore(layout, value, defaultLocation)
  if (r instanceof GoTime) return r
  throw new GoTimeParseError(layout, value, r.layoutElem, r.valueElem, r.detail)
}

interface Failure {
  layoutElem: string
  valueElem: string
  detail: string
}

function failure(layoutElem: string, valueElem: string, detail: string): Failure {
  return {layoutElem, valueElem, detail}
}

function parseCore(layout: string, value: string, defaultLocation: GoLocation | undefined): GoTime | Failure {
  const {parts, tail} = compile(layout)
  const defLoc = defaultLocation ?? UTC
  const localLoc = defaultLocation ?? localLocation()
  let year = 0
  let month = -1
  let day = -1
  let yday = -1
  let hour = 0
  let min = 0
  let sec = 0
  let nsec = 0
  let pmSet = false
  let amSet = false
  let z: GoLocation | undefined
  let zoneOffset = -1
  let zoneName = ''
  let vi = 0

  for (let pi = 0; pi < parts.length; pi++) {
    const part = parts[pi]!
    const after = skip(value, vi, part.prefix)
    if (after < 0) return failure(part.prefix, value.slice(-after - 1), '')
    vi = after
    const hold = vi
    let rangeErr = ''
    let bad = false
    {
      switch (part.std) {
        case Std.Year: {
          if (value.length - vi < 2 || Number.isNaN((year = atoi(value.slice(vi, vi + 2))))) {
            bad = true
            break
          }
          vi += 2
          year += year >= 69 ? 1900 : 2000
          break
        }
        case Std.LongYear:
          if (value.length - vi < 4 || !isDigitAt(value, vi) || Number.isNaN((year = atoi(value.slice(vi, vi + 4))))) {
            bad = true
            break
          }
          vi += 4
          break
        case Std.Month:
          if ((vi = lookupName(SHORT_MONTHS, value, vi)) < 0) {
            bad = true
            break
          }
          month = NUM + 1
          break
        case Std.LongMonth:
          if ((vi = lookupName(LONG_MONTHS, value, vi)) < 0) {
            bad = true
            break
          }
          month = NUM + 1
          break
        case Std.NumMonth:
        case Std.ZeroMonth:
          if ((vi = getNum(value, vi, part.std === Std.ZeroMonth)) < 0) {
            bad = true
            break
          }
          month = NUM
          if (month <= 0 || month > 12) rangeErr = 'month'
          break
        case Std.WeekDay:
          if ((vi = lookupName(SHORT_DAYS, value, vi)) < 0) bad = true
          break
        case Std.LongWeekDay:
          if ((vi = lookupName(LONG_DAYS, value, vi)) < 0) bad = true
          break
        case Std.Day:
        case Std.UnderDay:
        case Std.ZeroDay:
          if (part.std === Std.UnderDay && value.charCodeAt(vi) === 32) vi++
          if ((vi = getNum(value, vi, part.std === Std.ZeroDay)) < 0) bad = true
          else day = NUM
          break
        case Std.UnderYearDay:
        case Std.ZeroYearDay:
          for (let i = 0; i < 2; i++) if (part.std === Std.UnderYearDay && value.charCodeAt(vi) === 32) vi++
          if ((vi = getNum3(value, vi, part.std === Std.ZeroYearDay)) < 0) bad = true
          else yday = NUM
          break
        case Std.Hour:
          if ((vi = getNum(value, vi, false)) < 0) {
            bad = true
            break
          }
          hour = NUM
          if (hour < 0 || hour >= 24) rangeErr = 'hour'
          break
        case Std.Hour12:
        case Std.ZeroHour12:
          if ((vi = getNum(value, vi, part.std === Std.ZeroHour12)) < 0) {
            bad = true
            break
          }
          hour = NUM
          if (hour < 0 || hour > 12) rangeErr = 'hour'
          break
        case Std.Minute:
        case Std.ZeroMinute:
          if ((vi = getNum(value, vi, part.std === Std.ZeroMinute)) < 0) {
            bad = true
            break
          }
          min = NUM
          if (min < 0 || min >= 60) rangeErr = 'minute'
          break
        case Std.Second:
        case Std.ZeroSecond: {
          if ((vi = getNum(value, vi, part.std === Std.ZeroSecond)) < 0) {
            bad = true
            break
          }
          sec = NUM
          if (sec < 0 || sec >= 60) {
            rangeErr = 'second'
            break
          }
          const c = value[vi]
          if ((c === '.' || c === ',') && isDigitAt(value, vi + 1)) {
            const next = parts[pi + 1]
            if (next !== undefined && (next.std === Std.FracSecond0 || next.std === Std.FracSecond9)) break
            let n = vi + 2
            while (isDigitAt(value, n)) n++
            nsec = parseNanos(value, vi, n - vi)
            if (nsec < 0) {
              bad = true
              break
            }
            vi = n
          }
          break
        }
        case Std.PM:
        case Std.pm: {
          if (value.length - vi < 2) {
            bad = true
            break
          }
          const p = value.slice(vi, vi + 2)
          vi += 2
          const [PM, AM] = part.std === Std.PM ? ['PM', 'AM'] : ['pm', 'am']
          if (p === PM) pmSet = true
          else if (p === AM) amSet = true
          else bad = true
          break
        }
        case Std.ISO8601TZ: case Std.ISO8601ShortTZ: case Std.ISO8601ColonTZ: case Std.ISO8601SecondsTZ:
        case Std.ISO8601ColonSecondsTZ: case Std.NumTZ: case Std.NumShortTZ: case Std.NumColonTZ:
        case Std.NumSecondsTz: case Std.NumColonSecondsTZ: {
          const std = part.std
          const iso = std === Std.ISO8601TZ || std === Std.ISO8601ShortTZ || std === Std.ISO8601ColonTZ || std === Std.ISO8601SecondsTZ || std === Std.ISO8601ColonSecondsTZ
          if (iso && value[vi] === 'Z') {
            vi++
            z = UTC
            break
          }
          const rest = value.length - vi
          let sign: string, hh: string, mm: string, ss: string
          if (std === Std.ISO8601ColonTZ || std === Std.NumColonTZ) {
            if (rest < 6 || value[vi + 3] !== ':') {
              bad = true
              break
            }
            sign = value[vi]!; hh = value.slice(vi + 1, vi + 3); mm = value.slice(vi + 4, vi + 6); ss = '00'; vi += 6
          } else if (std === Std.NumShortTZ || std === Std.ISO8601ShortTZ) {
            if (rest < 3) {
              bad = true
              break
            }
            sign = value[vi]!; hh = value.slice(vi + 1, vi + 3); mm = '00'; ss = '00'; vi += 3
          } else if (std === Std.ISO8601ColonSecondsTZ || std === Std.NumColonSecondsTZ) {
            if (rest < 9 || value[vi + 3] !== ':' || value[vi + 6] !== ':') {
              bad = true
              break
            }
            sign = value[vi]!; hh = value.slice(vi + 1, vi + 3); mm = value.slice(vi + 4, vi + 6); ss = value.slice(vi + 7, vi + 9); vi += 9
          } else if (std === Std.ISO8601SecondsTZ || std === Std.NumSecondsTz) {
            if (rest < 7) {
              bad = true
              break
            }
            sign = value[vi]!; hh = value.slice(vi + 1, vi + 3); mm = value.slice(vi + 3, vi + 5); ss = value.slice(vi + 5, vi + 7); vi += 7
          } else {
            if (rest < 5) {
              bad = true
              break
            }
            sign = value[vi]!; hh = value.slice(vi + 1, vi + 3); mm = value.slice(vi + 3, vi + 5); ss = '00'; vi += 5
          }
          if (getNum(hh, 0, true) < 0) {
            bad = true
            break
          }
          const hr = NUM
          if (getNum(mm, 0, true) < 0) {
            bad = true
            break
          }
          const mi = NUM
          if (getNum(ss, 0, true) < 0) {
            bad = true
            break
          }
          const se = NUM
          if (hr > 24) rangeErr = 'time zone offset hour'
          if (mi > 60) rangeErr = 'time zone offset minute'
          if (se > 60) rangeErr = 'time zone offset second'
          zoneOffset = (hr * 60 + mi) * 60 + se
          if (sign === '-') zoneOffset = -zoneOffset
          else if (sign !== '+') bad = true
          break
        }
        case Std.TZ: {
          if (value.startsWith('UTC', vi)) {
            z = UTC
            vi += 3
            break
          }
          const n = parseTimeZone(value, vi)
          if (n === 0) {
            bad = true
            break
          }
          zoneName = value.slice(vi, vi + n)
          vi += n
          break
        }
        case Std.FracSecond0: {
          const ndigit = 1 + part.digits
          if (value.length - vi < ndigit || (nsec = parseNanos(value, vi, ndigit)) < 0) {
            bad = true
            break
          }
          vi += ndigit
          break
        }
        case Std.FracSecond9: {
          const c = value[vi]
          if (value.length - vi < 2 || (c !== '.' && c !== ',') || !isDigitAt(value, vi + 1)) break
          let i = 0
          while (isDigitAt(value, vi + i + 1)) i++
          nsec = parseNanos(value, vi, 1 + i)
          if (nsec < 0) {
            bad = true
            break
          }
          vi += 1 + i
          break
        }
      }
    }
    if (bad && rangeErr === '') return failure(part.text, value.slice(hold), '')
    if (rangeErr !== '') return failure(part.text, value.slice(vi), `: ${rangeErr} out of range`)
  }
  const after = skip(value, vi, tail)
  if (after < 0) return failure(tail, value.slice(-after - 1), '')
  vi = after
  if (vi < value.length) return failure('', value.slice(vi), `: extra text: ${goQuote(value.slice(vi))}`)

  if (pmSet && hour < 12) hour += 12
  else if (amSet && hour === 12) hour = 0

  if (yday >= 0) {
    let d = 0
    let m = 0
    if (isLeapYear(year)) {
      if (yday === 31 + 29) {
        m = 2
        d = 29
      } else if (yday > 31 + 29) {
        yday--
      }
    }
    if (yday < 1 || yday > 365) return failure('', value.slice(vi), ': day-of-year out of range')
    if (m === 0) {
      m = Math.floor((yday - 1) / 31) + 1
      if (NON_LEAP_END[m]! < yday) m++
      d = yday - NON_LEAP_END[m - 1]!
    }
    if (month >= 0 && month !== m) return failure('', value.slice(vi), ': day-of-year does not match month')
    month = m
    if (day >= 0 && day !== d) return failure('', value.slice(vi), ': day-of-year does not match day')
    day = d
  } else {
    if (month < 0) month = 1
    if (day < 0) day = 1
  }

  if (day < 1 || day > daysIn(month, year)) return failure('', value.slice(vi), ': day out of range')

  if (z !== undefined) return GoTime.date(year, month, day, hour, min, sec, nsec, z)

  if (zoneOffset !== -1) {
    const wall = daysFromCivil(year, month, day) * 86400 + hour * 3600 + min * 60 + sec
    const utc = wall - zoneOffset
    const local = localLoc.lookup(utc)
    if (local.offset === zoneOffset && (zoneName === '' || local.name === zoneName)) return new GoTime(utc, nsec, localLoc)
    return new GoTime(utc, nsec, fixedZone(zoneName, zoneOffset))
  }

  if (zoneName !== '') {
    const wall = daysFromCivil(year, month, day) * 86400 + hour * 3600 + min * 60 + sec
    // Does the local zone use this abbreviation around that time?
    const local = localLoc.lookup(wall - localLoc.lookup(wall).offset)
    if (local.name === zoneName) return new GoTime(wall - local.offset, nsec, localLoc)
    // Go keeps the wall clock read as UTC and only attaches the made-up zone (so GMT+2
    // shifts the printed time by two hours).
    let offset = 0
    if (zoneName.length > 3 && zoneName.startsWith('GMT')) offset = Number(zoneName.slice(3)) * 3600
    return new GoTime(wall, nsec, fixedZone(zoneName, offset))
  }

  return GoTime.date(year, month, day, hour, min, sec, nsec, defLoc)
}

const NON_LEAP_END = [0, 31, 59, 90, 120, 151, 181, 212, 243, 273, 304, 334, 365]

function isLeapYear(y: number): boolean {
  return y % 4 === 0 && (y % 100 !== 0 || y % 400 === 0)
}

/** parseGoTime that returns undefined instead of throwing (hot paths trying many layouts): no error is built. */
export function tryParseGoTime(layout: string, value: string, defaultLocation?: GoLocation): GoTime | undefined {
  if (layout === ACCESS_LOG_LAYOUT) {
    const t = parseAccessLogTime(value, defaultLocation ?? localLocation())
    if (t !== undefined) return t
  }
  const r = parseCore(layout, value, defaultLocation)
  return r instanceof GoTime ? r : undefined
}

// ---------------------------------------------------------------------------------------
// Fixed-shape fast paths (the ParseDate enricher runs per line)

/** The time of nginx and Apache access logs (`%d/%b/%Y:%H:%M:%S %z`), ParseDate's second layout. */
export const ACCESS_LOG_LAYOUT = '02/Jan/2006:15:04:05 -0700'

/** Month number by the three char codes of its usual spelling (`Jan` -> 1). */
const MONTH_BY_CODES = new Map<number, number>(SHORT_MONTHS.map((m, i) => [(m.charCodeAt(0) << 16) | (m.charCodeAt(1) << 8) | m.charCodeAt(2), i + 1]))

/** The digit at `i` (0-9), or -1. */
function digitAt(s: string, i: number): number {
  const c = s.charCodeAt(i) - 48
  return c >= 0 && c <= 9 ? c : -1
}

/**
 * ACCESS_LOG_LAYOUT without the general parser, for the one shape web servers write:
 * `DD/Mon/YYYY:HH:MM:SS ±hhmm`, the month spelt as in the layout, every field in range. Any other
 * text is undefined, and parseCore decides (for the texts taken here it computes the same time in
 * the same location: test/model/go-time-layout.test.ts compares the two).
 */
function parseAccessLogTime(value: string, localLoc: GoLocation): GoTime | undefined {
  if (value.length !== 26) return undefined
  if (value.charCodeAt(2) !== 47 || value.charCodeAt(6) !== 47 || value.charCodeAt(11) !== 58 || value.charCodeAt(14) !== 58 || value.charCodeAt(17) !== 58 || value.charCodeAt(20) !== 32) return undefined
  const month = MONTH_BY_CODES.get((value.charCodeAt(3) << 16) | (value.charCodeAt(4) << 8) | value.charCodeAt(5))
  if (month === undefined) return undefined
  const d0 = digitAt(value, 0), d1 = digitAt(value, 1)
  const y0 = digitAt(value, 7), y1 = digitAt(value, 8), y2 = digitAt(value, 9), y3 = digitAt(value, 10)
  const h0 = digitAt(value, 12), h1 = digitAt(value, 13), m0 = digitAt(value, 15), m1 = digitAt(value, 16), s0 = digitAt(value, 18), s1 = digitAt(value, 19)
  const zh0 = digitAt(value, 22), zh1 = digitAt(value, 23), zm0 = digitAt(value, 24), zm1 = digitAt(value, 25)
  if ((d0 | d1 | y0 | y1 | y2 | y3 | h0 | h1 | m0 | m1 | s0 | s1 | zh0 | zh1 | zm0 | zm1) < 0) return undefined
  const sign = value.charCodeAt(21)
  if (sign !== 43 && sign !== 45) return undefined
  const year = y0 * 1000 + y1 * 100 + y2 * 10 + y3
  const day = d0 * 10 + d1
  const hour = h0 * 10 + h1
  const min = m0 * 10 + m1
  const sec = s0 * 10 + s1
  const zoneHour = zh0 * 10 + zh1
  const zoneMin = zm0 * 10 + zm1
  if (day < 1 || day > daysIn(month, year) || hour > 23 || min > 59 || sec > 59 || zoneHour > 24 || zoneMin > 59) return undefined
  let zoneOffset = (zoneHour * 60 + zoneMin) * 60
  if (sign === 45) zoneOffset = -zoneOffset
  // as parseCore ends for a numeric zone: the local zone when it has that offset then
  const utc = daysFromCivil(year, month, day) * 86400 + hour * 3600 + min * 60 + sec - zoneOffset
  if (localLoc.lookup(utc).offset === zoneOffset) return new GoTime(utc, 0, localLoc)
  return new GoTime(utc, 0, fixedZone('', zoneOffset))
}

/**
 * Go Time.Format(RFC3339Nano) of an instant and its offset (a GoTime, or the detector's Instant):
 * the same text as formatGoTime(t, RFC3339Nano), without walking the layout's parts. ParseDate
 * writes it for every line with a new timestamp, and alerts carry it. The date part and the
 * zone part are remembered for the last day and offset (a log's lines share them), so a call
 * builds only the clock part.
 */
export function formatRfc3339Nano(t: {readonly sec: number; readonly nsec: number; readonly offset: number}): string {
  const offset = t.offset
  const wall = t.sec + offset
  const days = Math.floor(wall / 86400)
  if (days !== rfc3339Day) {
    const [year, month, day] = civilFromDays(days)
    rfc3339DayText = zeroPad(year, 4) + '-' + pad2(month) + '-' + pad2(day) + 'T'
    rfc3339DayExact = year >= 0 && year <= 9999
    rfc3339Day = days
  }
  if (offset !== rfc3339Offset) {
    rfc3339OffsetText = formatOffset(offset, Std.ISO8601ColonTZ)
    rfc3339Offset = offset
  }
  const secOfDay = wall - days * 86400
  const minOfDay = Math.floor(secOfDay / 60)
  const hour = Math.floor(minOfDay / 60)
  const min = minOfDay % 60
  const sec = secOfDay % 60
  // the clock as one flat string (concatenating its six parts made six intermediate strings)
  const clock = String.fromCharCode(48 + Math.floor(hour / 10), 48 + (hour % 10), 58, 48 + Math.floor(min / 10), 48 + (min % 10), 58, 48 + Math.floor(sec / 10), 48 + (sec % 10))
  let out = rfc3339DayText + clock
  if (t.nsec !== 0) out += appendNano(t.nsec, Std.FracSecond9, 9, '.')
  out += rfc3339OffsetText
  // parsing the text back gives this instant exactly: a 4-digit year, an offset of whole minutes under a day
  if (rfc3339DayExact && offset % 60 === 0 && offset > -86400 && offset < 86400) {
    lastRfc3339 = out
    lastRfc3339Sec = t.sec
    lastRfc3339Nsec = t.nsec
    lastRfc3339Offset = offset
  } else {
    lastRfc3339 = ''
  }
  return out
}

/**
 * The instant that formatRfc3339Nano last made `text` from, when `text` is that text and
 * parsing it back (RFC 3339) gives that instant; otherwise undefined. The detector reads the
 * MarshaledTime the date parser has just written: this saves parsing it again.
 */
export function lastRfc3339NanoInstant(text: string): {sec: number; nsec: number; offset: number} | undefined {
  if (text !== lastRfc3339 || text === '') return undefined
  return {sec: lastRfc3339Sec, nsec: lastRfc3339Nsec, offset: lastRfc3339Offset}
}

let rfc3339Day = NaN
let rfc3339DayText = ''
let rfc3339DayExact = false
let rfc3339Offset = NaN
let rfc3339OffsetText = ''
let lastRfc3339 = ''
let lastRfc3339Sec = 0
let lastRfc3339Nsec = 0
let lastRfc3339Offset = 0
