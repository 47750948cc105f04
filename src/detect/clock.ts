/**
 * Where bucket time comes from (scenarios.md §9): replay (time-machine) buckets use the
 * event's MarshaledTime, live buckets the wall clock. The replay "event clock" is the
 * latest event time seen, used to collect expired buckets on long replays.
 */
import {lastRfc3339NanoInstant} from '../model/go-time-layout.js'
import {parseRfc3339, wallNow, type Instant} from './time.js'

export interface Clock {
  /** Wall-clock now (UTC). Injectable for tests. */
  now(): Instant
}

export const SYSTEM_CLOCK: Clock = {now: wallNow}

/**
 * Parses MarshaledTime, remembering the last text: consecutive log lines often share it. A new
 * text is most often the one the date parser has just formatted, whose instant it remembers.
 */
export class MarshaledTimeCache {
  private lastText = ''
  private lastValue: Instant | null = null

  parse(text: string): Instant | null {
    if (text === this.lastText) return this.lastValue
    const value = text === '' ? null : (lastRfc3339NanoInstant(text) ?? parseRfc3339(text))
    this.lastText = text
    this.lastValue = value
    return value
  }
}

/** The replay event clock: monotonic maximum of event times. */
export class EventClock {
  latest: Instant | null = null

  observe(t: Instant): void {
    const l = this.latest
    if (l === null || t.sec > l.sec || (t.sec === l.sec && t.nsec > l.nsec)) this.latest = t
  }
}
