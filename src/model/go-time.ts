/**
 * Go's time.Time and time.Duration as CrowdSec expressions see them (`evt.Time`, `now()`,
 * `duration("1m")`, `t.Sub(u)`). Methods carry Go's names and semantics so that compiled
 * expressions can call them directly.
 *
 * A GoTime is an instant (unix seconds + nanoseconds) plus a location; `offset` and `zone`
 * are the location's offset and abbreviation in force at that instant. Calendar fields use
 * the proleptic Gregorian calendar with a year 0 (Go's), computed without Date objects.
 */
import {formatGoTime, formatRfc3339Nano} from './go-time-layout.js'
import {goFloat, type GoFloat} from './go-values.js'

// ---------------------------------------------------------------------------------------
// Locations

export interface ZoneInfo {
  /** Abbreviation (`UTC`, `CET`) or, when unknown, "" (printed as the numeric offset). */
  readonly name: string
  /** Seconds east of UTC. */
  readonly offset: number
}

/** A Go *time.Location: a name and the zone in force at any instant. */
export interface GoLocation {
  readonly name: string
  lookup(unixSec: number): ZoneInfo
  String(): string
}

class FixedLocation implements GoLocation {
  private readonly zone: ZoneInfo
  constructor(readonly name: string, abbreviation: string, offset: number) {
    this.zone = {name: abbreviation, offset}
  }
  lookup(): ZoneInfo {
    return this.zone
  }
  String(): string {
    return this.name
  }
}

export const UTC: GoLocation = new FixedLocation('UTC', 'UTC', 0)

/** Go time.FixedZone(name, offset). */
export function fixedZone(name: string, offset: number): GoLocation {
  if (offset === 0 && name === 'UTC') return UTC
  return new FixedLocation(name, name, offset)
}

/** An IANA zone, resolved through Intl (Node and Deno ship the tz database). */
class IanaLocation implements GoLocation {
  private readonly format: Intl.DateTimeFormat
  private alternate: Intl.DateTimeFormat | undefined
  private readonly cache = new Map<number, ZoneInfo>()
  constructor(readonly name: string) {
    this.format = new Intl.DateTimeFormat('en-US', {
      timeZone: name,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
      timeZoneName: 'short',
      era: 'short',
    })
  }
  lookup(unixSec: number): ZoneInfo {
    // Offsets change at most on whole quarter hours: cache per 15 minutes.
    const slot = Math.floor(unixSec / 900)
    const hit = this.cache.get(slot)
    if (hit !== undefined) return hit
    const at = slot * 900
    const ms = Math.max(-8.64e15, Math.min(8.64e15, at * 1000))
    const parts = this.format.formatToParts(new Date(ms))
    let year = 0, month = 1, day = 1, hour = 0, minute = 0, second = 0, abbr = '', bc = false
    for (const p of parts) {
      switch (p.type) {
        case 'year': year = Number(p.value); break
        case 'month': month = Number(p.value); break
        case 'day': day = Number(p.value); break
        case 'hour': hour = Number(p.value); break
        case 'minute': minute = Number(p.value); break
        case 'second': second = Number(p.value); break
        case 'timeZoneName': abbr = p.value; break
        case 'era': bc = p.value.startsWith('B'); break
      }
    }
    if (bc) year = 1 - year
    const wall = daysFromCivil(year, month, day) * 86400 + hour * 3600 + minute * 60 + second
    const offset = wall - Math.floor(ms / 1000)
    // Intl writes "GMT+2" where tzdata has no abbreviation; Go prints "+02" there.
    let name = abbr
    if (/^(GMT|UTC)[+-]/.test(abbr)) {
      // en-US knows North American abbreviations, en-GB the European ones (CET, BST).
      this.alternate ??= new Intl.DateTimeFormat('en-GB', {timeZone: this.name, timeZoneName: 'short'})
      const alt = this.alternate.formatToParts(new Date(ms)).find((p) => p.type === 'timeZoneName')?.value ?? ''
      name = /^[A-Z]{3,5}$/.test(alt) ? alt : formatShortOffset(offset)
    }
    else if (abbr === 'GMT' && offset === 0 && this.name !== 'GMT' && !this.name.startsWith('Etc/')) name = 'GMT'
    const zone = {name, offset}
    if (this.cache.size > 4096) this.cache.clear()
    this.cache.set(slot, zone)
    return zone
  }
  String(): string {
    return this.name
  }
}

function formatShortOffset(offset: number): string {
  const sign = offset < 0 ? '-' : '+'
  const abs = Math.abs(offset)
  const h = Math.floor(abs / 3600)
  const m = Math.floor((abs % 3600) / 60)
  return sign + pad2(h) + (m !== 0 ? pad2(m) : '')
}

const LOCATIONS = new Map<string, GoLocation>()

/** Go time.LoadLocation: "" and "UTC" are UTC, "Local" the local zone, else an IANA name. */
export function loadLocation(name: string): GoLocation {
  if (name === '' || name === 'UTC') return UTC
  if (name === 'Local') return localLocation()
  const known = LOCATIONS.get(name)
  if (known !== undefined) return known
  let loc: GoLocation
  try {
    loc = new IanaLocation(name)
  } catch {
    throw new Error(`unknown time zone ${name}`)
  }
  LOCATIONS.set(name, loc)
  return loc
}

let local: GoLocation | undefined

/** Go's Local: the zone named by TZ, UTC when unset (as on servers and in hub tests). */
export function localLocation(): GoLocation {
  if (local !== undefined) return local
  let tz: string | undefined
  try {
    tz = (globalThis as {process?: {env?: Record<string, string | undefined>}}).process?.env?.TZ
  } catch {
    tz = undefined
  }
  local = UTC
  if (tz !== undefined && tz !== '' && tz !== 'UTC' && tz !== 'Etc/UTC') {
    try {
      local = new IanaLocation(tz.startsWith(':') ? tz.slice(1) : tz)
    } catch {
      local = UTC
    }
  }
  return local
}

/** For tests: force the local zone (undefined re-reads TZ). */
export function setLocalLocation(loc: GoLocation | undefined): void {
  local = loc
}

// ---------------------------------------------------------------------------------------
// Calendar arithmetic (days since 1970-01-01, proleptic Gregorian, year 0 exists)

export function daysFromCivil(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year
  const era = Math.floor(y / 400)
  const yoe = y - era * 400
  const doy = Math.floor((153 * (month + (month > 2 ? -3 : 9)) + 2) / 5) + day - 1
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy
  return era * 146097 + doe - 719468
}

export function civilFromDays(days: number): [number, number, number] {
  const z = days + 719468
  const era = Math.floor(z / 146097)
  const doe = z - era * 146097
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36524) - Math.floor(doe / 146096)) / 365)
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100))
  const mp = Math.floor((5 * doy + 2) / 153)
  const d = doy - Math.floor((153 * mp + 2) / 5) + 1
  const m = mp < 10 ? mp + 3 : mp - 9
  return [yoe + era * 400 + (m <= 2 ? 1 : 0), m, d]
}

/** The day numbers (days since the Unix epoch) of 0000-01-01 and 0001-01-01. */
const YEAR_ZERO_FIRST_DAY = daysFromCivil(0, 1, 1)
const YEAR_ONE_FIRST_DAY = daysFromCivil(1, 1, 1)

/** t.Year() === 0, from the wall-clock day alone (no civil date made, none cached on t). */
export function inYearZero(t: GoTime): boolean {
  const days = Math.floor((t.sec + t.offset) / 86400)
  return days >= YEAR_ZERO_FIRST_DAY && days < YEAR_ONE_FIRST_DAY
}

export function isLeap(year: number): boolean {
  return year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0)
}

const DAYS_BEFORE = [0, 31, 59, 90, 120, 151, 181, 212, 243, 273, 304, 334, 365]

export function daysIn(month: number, year: number): number {
  if (month === 2 && isLeap(year)) return 29
  return DAYS_BEFORE[month]! - DAYS_BEFORE[month - 1]!
}

/** Two digits for 0-99 (hours, minutes, days, months). */
export function pad2(n: number): string {
  return n < 10 ? '0' + n : String(n)
}

export const LONG_MONTH_NAMES = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December']
export const LONG_DAY_NAMES = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday']

/** time.Month: an int with a String() method (Go named type; see expr.md §5.1). */
export class GoMonth {
  constructor(readonly value: number) {}
  String(): string {
    return LONG_MONTH_NAMES[this.value - 1] ?? `%!Month(${this.value})`
  }
  valueOf(): number {
    return this.value
  }
  toString(): string {
    return this.String()
  }
}

/** time.Weekday: 0 = Sunday ... 6 = Saturday, String() gives the English name. */
export class GoWeekday {
  constructor(readonly value: number) {}
  String(): string {
    return LONG_DAY_NAMES[this.value] ?? `%!Weekday(${this.value})`
  }
  valueOf(): number {
    return this.value
  }
  toString(): string {
    return this.String()
  }
}

// ---------------------------------------------------------------------------------------
// Duration

const NS = 1
const US = 1e3
const MS = 1e6
const SECOND = 1e9
const MINUTE = 60e9
const HOUR = 3600e9
const MAX_DURATION = 9223372036854775807
const MIN_DURATION = -9223372036854775808

/** time.Duration, in nanoseconds (a JS number: exact up to about 104 days). */
export class GoDuration {
  readonly ns: number
  constructor(ns: number) {
    this.ns = Math.trunc(ns) || 0
  }
  static readonly Nanosecond = NS
  static readonly Microsecond = US
  static readonly Millisecond = MS
  static readonly Second = SECOND
  static readonly Minute = MINUTE
  static readonly Hour = HOUR

  Nanoseconds(): number {
    return this.ns
  }
  Microseconds(): number {
    return Math.trunc(this.ns / US)
  }
  Milliseconds(): number {
    return Math.trunc(this.ns / MS)
  }
  Seconds(): number | GoFloat {
    const sec = Math.trunc(this.ns / SECOND)
    return goFloat(sec + (this.ns - sec * SECOND) / 1e9)
  }
  Minutes(): number | GoFloat {
    const min = Math.trunc(this.ns / MINUTE)
    return goFloat(min + (this.ns - min * MINUTE) / 60e9)
  }
  Hours(): number | GoFloat {
    const h = Math.trunc(this.ns / HOUR)
    return goFloat(h + (this.ns - h * HOUR) / 3600e9)
  }
  Abs(): GoDuration {
    return this.ns >= 0 ? this : new GoDuration(-this.ns)
  }
  Truncate(m: GoDuration | number): GoDuration {
    const unit = m instanceof GoDuration ? m.ns : m
    if (unit <= 0) return this
    return new GoDuration(this.ns - (this.ns % unit))
  }
  Round(m: GoDuration | number): GoDuration {
    const unit = m instanceof GoDuration ? m.ns : m
    if (unit <= 0) return this
    let r = this.ns % unit
    if (this.ns < 0) {
      r = -r
      if (r + r < unit) return new GoDuration(this.ns + r)
      return new GoDuration(this.ns - unit + r)
    }
    if (r + r < unit) return new GoDuration(this.ns - r)
    return new GoDuration(this.ns + unit - r)
  }
  /** Go Duration.String: `1h2m3.5s`, `1.5ms`, `500µs`, `0s`. */
  String(): string {
    return formatDuration(this.ns)
  }
  toString(): string {
    return this.String()
  }
  valueOf(): number {
    return this.ns
  }
}

function trimFraction(digits: string): string {
  let end = digits.length
  while (end > 0 && digits.charCodeAt(end - 1) === 48) end--
  return digits.slice(0, end)
}

export function formatDuration(ns: number): string {
  if (ns === 0) return '0s'
  const neg = ns < 0
  const u = Math.abs(ns)
  let out: string
  if (u < SECOND) {
    let unit: string, scale: number, prec: number
    if (u < US) { unit = 'ns'; scale = 1; prec = 0 }
    else if (u < MS) { unit = 'µs'; scale = US; prec = 3 }
    else { unit = 'ms'; scale = MS; prec = 6 }
    const whole = Math.floor(u / scale)
    const frac = u - whole * scale
    const fracText = prec === 0 || frac === 0 ? '' : trimFraction(String(frac).padStart(prec, '0'))
    out = String(whole) + (fracText === '' ? '' : '.' + fracText) + unit
  } else {
    const totalSec = Math.floor(u / SECOND)
    const frac = u - totalSec * SECOND
    const fracText = frac === 0 ? '' : '.' + trimFraction(String(frac).padStart(9, '0'))
    const sec = totalSec % 60
    const totalMin = Math.floor(totalSec / 60)
    out = String(sec) + fracText + 's'
    if (totalMin > 0) {
      out = String(totalMin % 60) + 'm' + out
      const hours = Math.floor(totalMin / 60)
      if (hours > 0) out = String(hours) + 'h' + out
    }
  }
  return neg ? '-' + out : out
}

const DURATION_UNITS: Record<string, number> = {
  ns: NS,
  us: US,
  'µs': US, // U+00B5
  'μs': US, // U+03BC
  ms: MS,
  s: SECOND,
  m: MINUTE,
  h: HOUR,
}

function quoteGo(s: string): string {
  return JSON.stringify(s)
}

/** Go time.ParseDuration: `1h30m`, `1.5h`, `-2m`, `300ms`, `0`. Throws Go's error messages. */
export function parseGoDuration(text: string): GoDuration {
  const orig = text
  let s = text
  let neg = false
  if (s !== '' && (s[0] === '-' || s[0] === '+')) {
    neg = s[0] === '-'
    s = s.slice(1)
  }
  if (s === '0') return new GoDuration(0)
  if (s === '') throw new Error(`time: invalid duration ${quoteGo(orig)}`)
  let total = 0
  while (s !== '') {
    let i = 0
    // integer part
    const c0 = s.charCodeAt(0)
    if (!(c0 === 46 || (c0 >= 48 && c0 <= 57))) throw new Error(`time: invalid duration ${quoteGo(orig)}`)
    while (i < s.length && s.charCodeAt(i) >= 48 && s.charCodeAt(i) <= 57) i++
    const intText = s.slice(0, i)
    const pre = i > 0
    let fracText = ''
    let post = false
    if (i < s.length && s[i] === '.') {
      i++
      const start = i
      while (i < s.length && s.charCodeAt(i) >= 48 && s.charCodeAt(i) <= 57) i++
      fracText = s.slice(start, i)
      post = i > start
    }
    if (!pre && !post) throw new Error(`time: invalid duration ${quoteGo(orig)}`)
    s = s.slice(i)
    let j = 0
    while (j < s.length) {
      const c = s[j]!
      if (c === '.' || (c >= '0' && c <= '9')) break
      j++
    }
    if (j === 0) throw new Error(`time: missing unit in duration ${quoteGo(orig)}`)
    const unitText = s.slice(0, j)
    const unit = DURATION_UNITS[unitText]
    if (unit === undefined) throw new Error(`time: unknown unit ${quoteGo(unitText)} in duration ${quoteGo(orig)}`)
    s = s.slice(j)
    const whole = intText === '' ? 0 : Number(intText)
    let value = whole * unit
    if (fracText !== '') value += Math.floor(Number('0.' + fracText) * unit)
    if (value > MAX_DURATION) throw new Error(`time: invalid duration ${quoteGo(orig)}`)
    total += value
    if (total > MAX_DURATION + (neg ? 1 : 0)) throw new Error(`time: invalid duration ${quoteGo(orig)}`)
  }
  return new GoDuration(neg ? -total : total)
}

// ---------------------------------------------------------------------------------------
// Time

/** Seconds from 0001-01-01 UTC (Go's zero time) to the unix epoch. */
export const ZERO_UNIX = -62135596800

interface Civil {
  year: number
  month: number
  day: number
  yday: number
  wday: number
  hour: number
  minute: number
  second: number
}

/** GoTime.now's last values: one for UTC, one for any other location. */
let lastUtcMs = NaN
let lastUtc: GoTime | undefined
let lastNowMs = NaN
let lastNow: GoTime | undefined

export class GoTime {
  /** Unix seconds (integer). */
  readonly sec: number
  /** Nanoseconds within the second, 0..999999999. */
  readonly nsec: number
  /** Seconds east of UTC at this instant. */
  readonly offset: number
  /** Zone abbreviation ("" for an unnamed fixed offset). */
  readonly zone: string
  readonly loc: GoLocation
  private civilCache: Civil | undefined

  constructor(sec: number, nsec = 0, loc: GoLocation = UTC) {
    if (nsec < 0 || nsec >= 1e9) {
      const carry = Math.floor(nsec / 1e9)
      sec += carry
      nsec -= carry * 1e9
    }
    this.sec = Math.floor(sec)
    this.nsec = Math.floor(nsec)
    this.loc = loc
    const z = loc.lookup(this.sec)
    this.offset = z.offset
    this.zone = z.name
  }

  static zero(): GoTime {
    return new GoTime(ZERO_UNIX, 0, UTC)
  }

  static now(loc: GoLocation = localLocation()): GoTime {
    const ms = Date.now()
    // GoTime is immutable: calls within the same millisecond share one value (hot paths
    // stamp every log line with now)
    if (loc === UTC) {
      if (ms === lastUtcMs) return lastUtc!
      lastUtcMs = ms
      return (lastUtc = GoTime.fromEpochMs(ms, UTC))
    }
    if (ms === lastNowMs && loc === lastNow!.loc) return lastNow!
    const t = GoTime.fromEpochMs(ms, loc)
    lastNowMs = ms
    lastNow = t
    return t
  }

  static fromEpochMs(ms: number, loc: GoLocation = UTC): GoTime {
    const sec = Math.floor(ms / 1000)
    return new GoTime(sec, Math.round((ms - sec * 1000) * 1e6), loc)
  }

  static unix(sec: number, nsec = 0, loc: GoLocation = localLocation()): GoTime {
    return new GoTime(sec, nsec, loc)
  }

  /** Go time.Date: normalises out-of-range fields, interprets the wall clock in `loc`. */
  static date(year: number, month: number, day: number, hour = 0, minute = 0, second = 0, nsec = 0, loc: GoLocation = UTC): GoTime {
    let m = month - 1
    year += Math.floor(m / 12)
    m = ((m % 12) + 12) % 12
    const carry = Math.floor(nsec / 1e9)
    nsec -= carry * 1e9
    const wall = (daysFromCivil(year, m + 1, 1) + day - 1) * 86400 + hour * 3600 + minute * 60 + second + carry
    let off = loc.lookup(wall).offset
    let utc = wall - off
    if (off !== 0) {
      const off2 = loc.lookup(utc).offset
      if (off2 !== off) {
        off = off2
        utc = wall - off
      }
    }
    return new GoTime(utc, nsec, loc)
  }

  private civil(): Civil {
    if (this.civilCache !== undefined) return this.civilCache
    const wall = this.sec + this.offset
    const days = Math.floor(wall / 86400)
    const secOfDay = wall - days * 86400
    const [year, month, day] = civilFromDays(days)
    const yday = daysFromCivil(year, month, day) - daysFromCivil(year, 1, 1) + 1
    const c: Civil = {
      year,
      month,
      day,
      yday,
      wday: (((days + 4) % 7) + 7) % 7,
      hour: Math.floor(secOfDay / 3600),
      minute: Math.floor((secOfDay % 3600) / 60),
      second: secOfDay % 60,
    }
    this.civilCache = c
    return c
  }

  Year(): number {
    return this.civil().year
  }
  Month(): GoMonth {
    return new GoMonth(this.civil().month)
  }
  Day(): number {
    return this.civil().day
  }
  Hour(): number {
    return this.civil().hour
  }
  Minute(): number {
    return this.civil().minute
  }
  Second(): number {
    return this.civil().second
  }
  Nanosecond(): number {
    return this.nsec
  }
  YearDay(): number {
    return this.civil().yday
  }
  Weekday(): GoWeekday {
    return new GoWeekday(this.civil().wday)
  }
  Unix(): number {
    return this.sec
  }
  UnixMilli(): number {
    return this.sec * 1000 + Math.floor(this.nsec / 1e6)
  }
  UnixMicro(): number {
    return this.sec * 1e6 + Math.floor(this.nsec / 1e3)
  }
  /** Nanoseconds since the epoch (a JS number: loses precision below ~256 ns for current dates). */
  UnixNano(): number {
    return this.sec * 1e9 + this.nsec
  }
  /** Exact nanoseconds since the epoch. */
  unixNanoBig(): bigint {
    return BigInt(this.sec) * 1_000_000_000n + BigInt(this.nsec)
  }
  UTC(): GoTime {
    return this.loc === UTC ? this : new GoTime(this.sec, this.nsec, UTC)
  }
  Local(): GoTime {
    return new GoTime(this.sec, this.nsec, localLocation())
  }
  In(loc: GoLocation): GoTime {
    if (loc === null || loc === undefined) throw new Error('time: missing Location in call to Time.In')
    return new GoTime(this.sec, this.nsec, loc)
  }
  Location(): GoLocation {
    return this.loc
  }
  IsZero(): boolean {
    return this.sec === ZERO_UNIX && this.nsec === 0
  }
  Before(u: GoTime): boolean {
    return this.sec < u.sec || (this.sec === u.sec && this.nsec < u.nsec)
  }
  After(u: GoTime): boolean {
    return this.sec > u.sec || (this.sec === u.sec && this.nsec > u.nsec)
  }
  Equal(u: GoTime): boolean {
    return this.sec === u.sec && this.nsec === u.nsec
  }
  Compare(u: GoTime): number {
    return this.Before(u) ? -1 : this.After(u) ? 1 : 0
  }
  /** t - u as a Duration, saturating at the int64 limits like Go. */
  Sub(u: GoTime): GoDuration {
    const d = (this.sec - u.sec) * 1e9 + (this.nsec - u.nsec)
    if (d > MAX_DURATION) return new GoDuration(MAX_DURATION)
    if (d < MIN_DURATION) return new GoDuration(MIN_DURATION)
    return new GoDuration(d)
  }
  Add(d: GoDuration | number): GoTime {
    const ns = d instanceof GoDuration ? d.ns : d
    const dsec = Math.trunc(ns / 1e9)
    return new GoTime(this.sec + dsec, this.nsec + (ns - dsec * 1e9), this.loc)
  }
  AddDate(years: number, months: number, days: number): GoTime {
    const c = this.civil()
    return GoTime.date(c.year + years, c.month + months, c.day + days, c.hour, c.minute, c.second, this.nsec, this.loc)
  }
  Truncate(d: GoDuration | number): GoTime {
    const unit = d instanceof GoDuration ? d.ns : d
    if (unit <= 0) return this
    // Go truncates relative to the zero time.
    const big = (BigInt(this.sec - ZERO_UNIX) * 1_000_000_000n + BigInt(this.nsec)) % BigInt(unit)
    return this.Add(-Number(big))
  }
  Format(layout: string): string {
    // go-time-layout.ts imports this module too; it only uses GoTime inside functions.
    return formatGoTime(this, layout)
  }
  /** Go's default print form, `2006-01-02 15:04:05.999999999 -0700 MST`. */
  String(): string {
    return this.Format('2006-01-02 15:04:05.999999999 -0700 MST')
  }
  toString(): string {
    return this.String()
  }
  /** Go's MarshalJSON: RFC 3339 with nanoseconds. */
  toJSON(): string {
    return formatRfc3339Nano(this)
  }
  valueOf(): number {
    return this.sec * 1e3 + this.nsec / 1e6
  }
}
