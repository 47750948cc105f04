/**
 * `method: ParseDate` (parsers.md §7.1, §8): the StrTimeFormat layout first, then the
 * layout list in CrowdSec's order, then a Unix timestamp, else "now". Year-less results get
 * the current UTC year (AddDate semantics: Feb 29 of year 0 rolls to Mar 1). The result is
 * RFC 3339 with trimmed nanoseconds and `Z` for a zero offset; in time-machine mode the
 * event's Time becomes the parsed date.
 */
import {ExpectMode, type Event} from '../../model/event.js'
import {GoTime, inYearZero} from '../../model/go-time.js'
import {formatGoTime, formatRfc3339Nano, tryParseGoTime} from '../../model/go-time-layout.js'
import type {EnrichContext} from './registry.js'

export const DATE_LAYOUTS: readonly string[] = [
  '2006-01-02T15:04:05Z07:00',
  '02/Jan/2006:15:04:05 -0700',
  'Mon Jan 2 15:04:05 2006',
  '02-Jan-2006 15:04:05 europe/paris',
  '01/02/2006 15:04:05',
  '2006-01-02 15:04:05.999999999 -0700 MST',
  'Jan  2 15:04:05',
  'Mon Jan 02 15:04:05.000000 2006',
  '2006-01-02T15:04:05Z07:00',
  '2006/01/02',
  '2006/01/02 15:04',
  '2006-01-02',
  '2006-01-02 15:04',
  '2006/01/02 15:04:05',
  '2006-01-02 15:04:05',
  '2006-01-02T15:04:05',
]

/**
 * A necessary condition for each layout above (its fixed-width start), checked before the
 * Go layout parser so that the usual misses cost a regex test, not a parse error.
 */
const LAYOUT_PREFILTERS: readonly RegExp[] = [
  /^\d{4}-\d{2}-\d{2}T/,
  /^\d{2}\/[A-Za-z]{3}\//,
  /^[A-Za-z]{3} [A-Za-z]{3} /,
  /^\d{2}-[A-Za-z]{3}-/,
  /^\d{2}\/\d{2}\//,
  /^\d{4}-\d{2}-\d{2} /,
  /^[A-Za-z]{3} /,
  /^[A-Za-z]{3} [A-Za-z]{3} /,
  /^\d{4}-\d{2}-\d{2}T/,
  /^\d{4}\/\d{2}\/\d{2}/,
  /^\d{4}\/\d{2}\/\d{2}/,
  /^\d{4}-\d{2}-\d{2}/,
  /^\d{4}-\d{2}-\d{2}/,
  /^\d{4}\/\d{2}\/\d{2}/,
  /^\d{4}-\d{2}-\d{2}/,
  /^\d{4}-\d{2}-\d{2}T/,
]

const RFC3339 = '2006-01-02T15:04:05Z07:00'

/** Adds `years` to a time the way Go's AddDate does (normalising Feb 29 into Mar 1). */
export function addYears(t: GoTime, years: number): GoTime {
  return GoTime.date(t.Year() + years, t.Month().value, t.Day(), t.Hour(), t.Minute(), t.Second(), t.nsec, t.loc)
}

/** Layout parse + year inference; undefined when it fails or gives the zero time. */
function parseWithLayout(layout: string, text: string, clock: DateClock): GoTime | undefined {
  let t = tryParseGoTime(layout, text)
  if (t === undefined) return undefined
  if (inYearZero(t)) {
    clock.used = true
    t = addYears(t, clock.source.now().UTC().Year())
  }
  return t.IsZero() ? undefined : t
}

export interface ParsedDate {
  marshaled: string
  time: GoTime | undefined
  /** The ParseDate method's result for this date, made once (a remembered result is shared). */
  fields?: Readonly<Record<string, string>>
}

/** The pure part of ParseDate: text (+ optional layout) -> MarshaledTime and the time. */
export function parseDate(text: string, strTimeFormat: string, now: GoTime): ParsedDate {
  return parseDateLazy(text, strTimeFormat, {now: () => now})
}

interface DateClock {
  source: {now(): GoTime}
  used: boolean
}

/**
 * parseDate with the clock read only when needed (year-less layouts, no parse). Results
 * that do not depend on the clock (the layout has a year) are remembered for the last text:
 * consecutive log lines mostly share their timestamp.
 */
function parseDateLazy(text: string, strTimeFormat: string, source: {now(): GoTime}): ParsedDate {
  if (text === '') return {marshaled: formatRfc3339Nano(source.now().UTC()), time: undefined}
  if (text === lastText && strTimeFormat === lastFormat && lastResult !== undefined) return lastResult
  const clock: DateClock = {source, used: false}
  let result: ParsedDate | undefined
  if (strTimeFormat !== '') {
    const t = parseWithLayout(strTimeFormat, text, clock)
    if (t !== undefined) result = {marshaled: formatRfc3339Nano(t), time: t}
  }
  for (let i = 0; result === undefined && i < DATE_LAYOUTS.length; i++) {
    if (!LAYOUT_PREFILTERS[i]!.test(text)) continue
    const t = parseWithLayout(DATE_LAYOUTS[i]!, text, clock)
    if (t !== undefined) result = {marshaled: formatRfc3339Nano(t), time: t}
  }
  if (result === undefined) {
    const unix = parseUnixSeconds(text)
    if (unix !== undefined) {
      const t = GoTime.fromEpochMs(unix * 1000).UTC()
      result = {marshaled: formatGoTime(t, RFC3339), time: t}
    }
  }
  if (result === undefined) return {marshaled: formatRfc3339Nano(source.now().UTC()), time: undefined}
  if (!clock.used) {
    // GoTime is immutable and callers only read the result: it can be shared
    lastText = text
    lastFormat = strTimeFormat
    lastResult = result
  }
  return result
}

let lastText = ''
let lastFormat = ''
let lastResult: ParsedDate | undefined

function parseUnixSeconds(text: string): number | undefined {
  const head = text.split('.')[0]!
  if (!/^[-+]?[0-9]+$/.test(head)) return undefined
  const n = BigInt(head)
  if (n <= 0n || n > 9223372036854775807n) return undefined
  return Number(n)
}

export function parseDateMethod(value: string, evt: Event, ctx: EnrichContext): Record<string, string> {
  const result = parseDateLazy(value, evt.StrTimeFormat, ctx)
  if (result.time !== undefined && evt.ExpectMode === ExpectMode.timeMachine) evt.Time = result.time
  return (result.fields ??= Object.freeze({MarshaledTime: result.marshaled})) as Record<string, string>
}
