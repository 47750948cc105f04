/**
 * The expression engine's view of Go time (contract 3, src/model/go-time.ts). Everything
 * time-related in src/expr goes through this file.
 */
import {GoDuration, GoMonth, GoTime, GoWeekday, UTC, loadLocation, localLocation, parseGoDuration} from '../model/go-time.js'
import {RFC1123, RFC3339, RFC822, RFC850, tryParseGoTime, parseGoTime} from '../model/go-time-layout.js'

export {GoDuration, GoMonth, GoTime, GoWeekday}

export function isTime(v: unknown): v is GoTime {
  return v instanceof GoTime
}

export function isDuration(v: unknown): v is GoDuration {
  return v instanceof GoDuration
}

export function isNamedInt(v: unknown): v is GoWeekday | GoMonth {
  return v instanceof GoWeekday || v instanceof GoMonth
}

export function duration(ns: number): GoDuration {
  return new GoDuration(ns)
}

export function parseDuration(text: string): GoDuration {
  return parseGoDuration(text)
}

export function timeNow(): GoTime {
  return GoTime.now()
}

export function location(name: string): ReturnType<typeof loadLocation> {
  return loadLocation(name)
}

export {localLocation, UTC}

const DEFAULT_LAYOUTS = ['2006-01-02', '15:04:05', '2006-01-02 15:04:05', RFC3339, RFC822, RFC850, RFC1123]

/** expr `date(s[, layout[, tz]])` (expr.md §7.2). */
export function parseDate(text: string, layout?: string, tz?: string): GoTime {
  const loc = tz === undefined ? UTC : loadLocation(tz)
  if (layout !== undefined) return parseGoTime(layout, text, loc)
  for (const l of DEFAULT_LAYOUTS) {
    const t = tryParseGoTime(l, text, loc)
    if (t !== undefined) return t
  }
  throw new Error(`cannot parse ${JSON.stringify(text)} as date`)
}
