/**
 * A decision as the Local API writes it (lapi.md §5, §7): Go's key order and string escaping, and
 * the time left as a Go duration counted down from `now`. One definition for the LAPI's answers
 * and for the store, which builds the decision stream's text itself.
 */
import {goJsonString} from './go-format.js'
import {formatDuration} from './go-time.js'

/** The fields a decision's wire text shows; `until` in Unix ms. */
export interface DecisionFields {
  id: number
  uuid: string
  until: number
  origin: string
  scenario: string
  scope: string
  type: string
  value: string
}

/** Remaining time as Go prints a duration rounded to the second (halves away from zero); negative when expired. */
export function remaining(until: number, now: number): string {
  const ms = until - now
  const seconds = ms < 0 ? -Math.round(-ms / 1000) : Math.round(ms / 1000)
  return formatDuration(seconds * 1e9)
}

const PLAIN = /^[^"\\<>&\u0000-\u001f\u2028\u2029\u007f-\uffff]*$/

/** A JSON string as Go's encoder writes it (`<`, `>`, `&` escaped); fast for plain ASCII. */
export function jsonString(s: string): string {
  return PLAIN.test(s) ? `"${s}"` : goJsonString(s)
}

/**
 * A decision's text after its id, as the stream writes it: the fields that do not change once the
 * decision exists (origin, scenario, scope, type, uuid when set, value) and the closing brace. The
 * store keeps it with the decision so that the stream only adds the countdown and the id.
 */
export function decisionTail(d: Omit<DecisionFields, 'id' | 'until'>, withUuid = true): string {
  return `,"origin":${jsonString(d.origin)},"scenario":${jsonString(d.scenario)},"scope":${jsonString(d.scope)},"type":${jsonString(d.type)}${withUuid && d.uuid !== '' ? `,"uuid":${jsonString(d.uuid)}` : ''},"value":${jsonString(d.value)}}`
}

/**
 * One decision of `/v1/decisions` and `/v1/decisions/stream`, as text in Go's key order:
 * duration, id, origin, scenario, scope, type, uuid (stream only, omitted when empty), value.
 */
export function decisionText(d: DecisionFields, now: number, withUuid: boolean): string {
  return `{"duration":"${remaining(d.until, now)}","id":${d.id}${decisionTail(d, withUuid)}`
}
