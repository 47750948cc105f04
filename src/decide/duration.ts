/** Decision durations: a Go duration with an optional leading days part (`4h`, `7d`, `1d12h`), lapi.md §3.4. */
import {parseGoDuration} from '../model/go-time.js'

const DAY_NS = 24 * 3600e9

/** Nanoseconds of a decision duration; throws an Error with Go's message when it does not parse. */
export function parseDecisionDuration(text: string): number {
  const m = /^(\d{1,6})d/.exec(text)
  if (m === null) return parseGoDuration(text).ns
  const days = Number(m[1]) * DAY_NS
  const rest = text.slice(m[0].length)
  return rest === '' ? days : days + parseGoDuration(rest).ns
}

/** `start` (RFC 3339) + `ns`, as RFC 3339 in UTC without a fraction when it is zero. */
export function addDurationRfc3339(start: string, ns: number): string {
  const base = Date.parse(start)
  const ms = (Number.isNaN(base) ? Date.now() : base) + Math.trunc(ns / 1e6)
  return new Date(ms).toISOString().replace(/\.000Z$/, 'Z')
}
