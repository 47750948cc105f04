/**
 * Sprig's date functions (sprig/date.go) on crowd's Go time (src/model/go-time.ts and its
 * layouts): now, date, dateInZone, htmlDate, toDate, unixEpoch, dateModify, ago, duration,
 * durationRound. Like Sprig, `date` formats time.Time, *time.Time and Unix seconds (int,
 * int32, int64) and takes the current time for anything else (a string is not parsed: use
 * toDate); unknown zones fall back to UTC.
 */
import {GoDuration, GoTime, loadLocation, localLocation, parseGoDuration, UTC, type GoLocation} from '../../model/go-time.js'
import {tryParseGoTime} from '../../model/go-time-layout.js'
import {FuncError, fn, type TemplateFunc} from '../funcs.js'
import {GoNum, GoPointer} from '../value.js'

const ANY = 'interface {}'
const S = 'string'
const TIME = 'time.Time'

function zone(name: string): GoLocation {
  try {
    return loadLocation(name)
  } catch {
    return UTC
  }
}

/** The time Sprig's date functions take from their argument. */
function timeOf(v: unknown): GoTime {
  if (v instanceof GoTime) return v
  if (v instanceof GoPointer && v.elem instanceof GoTime) return v.elem
  if (v instanceof GoNum && (v.type === 'int64' || v.type === 'int32')) return GoTime.unix(v.value, 0, localLocation())
  if (typeof v === 'number' && Number.isInteger(v)) return GoTime.unix(v, 0, localLocation())
  return GoTime.now()
}

function dateInZone(layout: string, date: unknown, zoneName: string): string {
  return timeOf(date).In(zone(zoneName)).Format(layout)
}

function toDate(layout: string, text: string): GoTime | undefined {
  return tryParseGoTime(layout, text, localLocation())
}

/** Sprig 3.2's duration: seconds as a string or an int64 (any other type counts as 0). */
function duration(v: unknown): string {
  let n = 0
  if (typeof v === 'string') n = /^[+-]?\d+$/.test(v) ? Number(v) : 0
  else if (v instanceof GoNum && v.type === 'int64') n = v.value
  return new GoDuration(n * 1e9).String()
}

function durationRound(v: unknown): string {
  let ns = 0
  if (typeof v === 'string') {
    try {
      ns = parseGoDuration(v).ns
    } catch {
      ns = 0
    }
  } else if (v instanceof GoNum && v.type === 'int64') ns = v.value
  else if (v instanceof GoTime) ns = GoTime.now().Sub(v).ns
  const u = Math.abs(ns)
  const hour = 3600e9
  const units: [number, string][] = [[hour * 24 * 365, 'y'], [hour * 24 * 30, 'mo'], [hour * 24, 'd'], [hour, 'h'], [60e9, 'm'], [1e9, 's']]
  for (const [size, suffix] of units) if (u > size) return Math.floor(u / size) + suffix
  return '0s'
}

function ago(v: unknown): string {
  let t: GoTime
  if (v instanceof GoTime) t = v
  else if (v instanceof GoNum && v.type === 'int64') t = GoTime.unix(v.value)
  else if (typeof v === 'number' && Number.isInteger(v)) t = GoTime.unix(v)
  else t = GoTime.now()
  return GoTime.now().Sub(t).Round(1e9).String()
}

function dateModify(layout: string, t: GoTime): GoTime {
  return t.Add(parseGoDuration(layout))
}

export const DATE_FUNCS: ReadonlyArray<[string, TemplateFunc]> = [
  ['now', fn([], () => GoTime.now())],
  ['date', fn([S, ANY], ([f, d]) => dateInZone(f as string, d, 'Local'))],
  ['dateInZone', fn([S, ANY, S], ([f, d, z]) => dateInZone(f as string, d, z as string))],
  ['date_in_zone', fn([S, ANY, S], ([f, d, z]) => dateInZone(f as string, d, z as string))],
  ['htmlDate', fn([ANY], ([d]) => dateInZone('2006-01-02', d, 'Local'))],
  ['htmlDateInZone', fn([ANY, S], ([d, z]) => dateInZone('2006-01-02', d, z as string))],
  ['toDate', fn([S, S], ([f, s]) => toDate(f as string, s as string) ?? GoTime.zero())],
  ['mustToDate', fn([S, S], ([f, s]) => {
    const t = toDate(f as string, s as string)
    if (t === undefined) throw new FuncError(`parsing time ${JSON.stringify(s)} as ${JSON.stringify(f)}: cannot parse`)
    return t
  })],
  ['unixEpoch', fn([TIME], ([t]) => String((t as GoTime).Unix()))],
  ['dateModify', fn([S, TIME], ([f, t]) => {
    try {
      return dateModify(f as string, t as GoTime)
    } catch {
      return t
    }
  })],
  ['date_modify', fn([S, TIME], ([f, t]) => {
    try {
      return dateModify(f as string, t as GoTime)
    } catch {
      return t
    }
  })],
  ['mustDateModify', fn([S, TIME], ([f, t]) => {
    try {
      return dateModify(f as string, t as GoTime)
    } catch (error) {
      throw new FuncError((error as Error).message)
    }
  })],
  ['ago', fn([ANY], ([d]) => ago(d))],
  ['duration', fn([ANY], ([d]) => duration(d))],
  ['durationRound', fn([ANY], ([d]) => durationRound(d))],
]
