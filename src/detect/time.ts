/**
 * Nanosecond instants for the bucket clock and the exact Go strings alerts carry
 * (scenarios.md §8.1, §16). Kept as (sec, nsec, offset) like Go's time.Time: a JS number of
 * epoch nanoseconds would lose precision, a Date loses the nanoseconds.
 */
import {civilFromDays, daysFromCivil, daysIn} from '../model/go-time.js'

export interface Instant {
  /** Unix seconds (integer). */
  readonly sec: number
  /** 0..999999999 */
  readonly nsec: number
  /** Seconds east of UTC, used only for formatting. */
  readonly offset: number
}

export const NS_PER_SEC = 1e9

export function instant(sec: number, nsec = 0, offset = 0): Instant {
  return {sec, nsec, offset}
}

/** Now, UTC, with the best sub-millisecond precision the runtime offers. */
export function wallNow(): Instant {
  const ms = Date.now()
  const sec = Math.floor(ms / 1000)
  return {sec, nsec: (ms - sec * 1000) * 1e6, offset: 0}
}

/** a - b in nanoseconds (exact while |a - b| < 2^53 ns, about 104 days). */
export function diffNs(a: Instant, b: Instant): number {
  return (a.sec - b.sec) * NS_PER_SEC + (a.nsec - b.nsec)
}

export function compareInstant(a: Instant, b: Instant): number {
  if (a.sec !== b.sec) return a.sec < b.sec ? -1 : 1
  return a.nsec === b.nsec ? 0 : a.nsec < b.nsec ? -1 : 1
}

export function addNs(t: Instant, ns: number): Instant {
  const whole = Math.floor(ns / NS_PER_SEC)
  let sec = t.sec + whole
  let nsec = t.nsec + (ns - whole * NS_PER_SEC)
  if (nsec >= NS_PER_SEC) {
    sec += 1
    nsec -= NS_PER_SEC
  }
  return {sec, nsec: Math.round(nsec), offset: t.offset}
}

/** Go's Duration.Seconds() of a - b, computed from whole seconds plus remainder as Go does. */
export function elapsedSeconds(a: Instant, b: Instant): number {
  let sec = a.sec - b.sec
  let nsec = a.nsec - b.nsec
  if (nsec < 0) {
    sec -= 1
    nsec += NS_PER_SEC
  }
  if (sec < 0 && nsec > 0) {
    // Go truncates toward zero for negative durations
    sec += 1
    nsec -= NS_PER_SEC
  }
  return sec + nsec / 1e9
}

const RFC3339 = /^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(?:([Zz])|([+-])(\d{2}):(\d{2}))$/

/** Parses RFC 3339 text with up to 9 fraction digits (Go's time.RFC3339Nano); null when invalid. */
export function parseRfc3339(text: string): Instant | null {
  if (text.length > 40) return null
  const m = RFC3339.exec(text)
  if (m === null) return null
  const year = Number(m[1]), month = Number(m[2]), day = Number(m[3])
  const hour = Number(m[4]), minute = Number(m[5]), second = Number(m[6])
  if (month < 1 || month > 12 || day < 1 || day > daysIn(month, year) || hour > 23 || minute > 59 || second > 59) return null
  const nsec = m[7] === undefined ? 0 : Number(m[7].padEnd(9, '0'))
  let offset = 0
  if (m[8] === undefined) {
    const oh = Number(m[10]), om = Number(m[11])
    if (oh > 23 || om > 59) return null
    offset = (oh * 3600 + om * 60) * (m[9] === '-' ? -1 : 1)
  }
  const local = daysFromCivil(year, month, day) * 86400 + hour * 3600 + minute * 60 + second
  return {sec: local - offset, nsec, offset}
}

const pad = (n: number, w = 2): string => String(n).padStart(w, '0')

function wallParts(t: Instant): {date: string; clock: string} {
  const local = t.sec + t.offset
  const days = Math.floor(local / 86400)
  const rest = local - days * 86400
  const [y, mo, d] = civilFromDays(days)
  const yearText = y < 0 ? '-' + pad(-y, 4) : pad(y, 4)
  return {
    date: `${yearText}-${pad(mo)}-${pad(d)}`,
    clock: `${pad(Math.floor(rest / 3600))}:${pad(Math.floor((rest % 3600) / 60))}:${pad(rest % 60)}`,
  }
}

function fraction(nsec: number): string {
  if (nsec === 0) return ''
  return '.' + String(nsec).padStart(9, '0').replace(/0+$/, '')
}

function offsetText(offset: number, colon: boolean): string {
  const sign = offset < 0 ? '-' : '+'
  const abs = Math.abs(offset)
  return `${sign}${pad(Math.floor(abs / 3600))}${colon ? ':' : ''}${pad(Math.floor((abs % 3600) / 60))}`
}

/** Go's default Time.String() format: `2006-01-02 15:04:05.999999999 -0700 MST`. */
export function formatGoDefault(t: Instant, zone?: string): string {
  const {date, clock} = wallParts(t)
  const name = zone !== undefined && zone !== '' ? zone : t.offset === 0 ? 'UTC' : offsetText(t.offset, false)
  return `${date} ${clock}${fraction(t.nsec)} ${offsetText(t.offset, false)} ${name}`
}

/** Go's Duration.String() of a nanosecond count (scenarios.md §16). */
export function formatGoDuration(ns: number): string {
  if (ns === 0) return '0s'
  const neg = ns < 0
  const u = Math.abs(Math.trunc(ns))
  let out: string
  if (u < NS_PER_SEC) {
    if (u < 1e3) out = `${u}ns`
    else if (u < 1e6) out = `${trimDecimal(u, 3)}µs`
    else out = `${trimDecimal(u, 6)}ms`
  } else {
    const secTotal = Math.floor(u / NS_PER_SEC)
    const frac = u - secTotal * NS_PER_SEC
    const h = Math.floor(secTotal / 3600)
    const m = Math.floor((secTotal % 3600) / 60)
    const s = secTotal % 60
    out = `${s}${fraction(frac)}s`
    if (h > 0 || m > 0) out = `${m}m` + out
    if (h > 0) out = `${h}h` + out
  }
  return neg ? '-' + out : out
}

function trimDecimal(value: number, digits: number): string {
  const scale = 10 ** digits
  const whole = Math.floor(value / scale)
  const rest = value - whole * scale
  if (rest === 0) return String(whole)
  return `${whole}.${String(rest).padStart(digits, '0').replace(/0+$/, '')}`
}

const UNIT_NS: Record<string, number> = {ns: 1, us: 1e3, 'µs': 1e3, 'μs': 1e3, ms: 1e6, s: 1e9, m: 60e9, h: 3600e9}
const DURATION_PART = /^(\d*)(?:\.(\d*))?(ns|us|µs|μs|ms|s|m|h)/

/** Go time.ParseDuration; returns nanoseconds or throws Error with Go's message. */
export function parseDurationNs(text: string): number {
  const orig = text
  if (text === '') throw new Error(`time: invalid duration ${JSON.stringify(orig)}`)
  let neg = false
  if (text[0] === '-' || text[0] === '+') {
    neg = text[0] === '-'
    text = text.slice(1)
  }
  if (text === '0') return 0
  if (text === '') throw new Error(`time: invalid duration ${JSON.stringify(orig)}`)
  let total = 0
  while (text !== '') {
    const m = DURATION_PART.exec(text)
    if (m === null || (m[1] === '' && (m[2] === undefined || m[2] === ''))) {
      if (/^[0-9.]+$/.test(text)) throw new Error(`time: missing unit in duration ${JSON.stringify(orig)}`)
      throw new Error(`time: invalid duration ${JSON.stringify(orig)}`)
    }
    const unit = UNIT_NS[m[3]!]!
    const whole = m[1] === '' ? 0 : Number(m[1])
    const frac = m[2] === undefined || m[2] === '' ? 0 : Number('0.' + m[2])
    total += whole * unit + Math.trunc(frac * unit)
    text = text.slice(m[0].length)
  }
  return neg ? -total : total
}
