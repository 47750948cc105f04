/**
 * One live bucket instance (scenarios.md §6): the bounded event queue, counters, timestamps,
 * limiter and the pour-time state (distinct set, guillotines). Destroyed after any overflow,
 * cancel or expiry; the next event for the key starts a fresh instance.
 */
import type {Event} from '../model/event.js'
import type {CompiledScenario} from './compile.js'
import type {Limiter} from './limiter.js'
import {addNs, type Instant} from './time.js'

export const MODE_LIVE = 0
export const MODE_TIME_MACHINE = 1

let uuidCounter = 0

/** The queue of a bucket that holds nothing yet (never written: append replaces it). */
const NO_EVENTS: Event[] = []

export class Bucket {
  /** The queued events (an array of the exact size until a second event arrives). */
  queue: Event[] = NO_EVENTS
  totalCount = 0
  firstTs: Instant | null = null
  lastTs: Instant | null = null
  ovflwTs: Instant | null = null
  readonly limiter: Limiter
  /** Values of `distinct` seen (made on the first pour). */
  distinctSeen: Set<string> | undefined = undefined
  guillotines: boolean[] | undefined
  private serial: number

  constructor(readonly scenario: CompiledScenario, readonly key: string, readonly mode: number) {
    this.limiter = scenario.type.limiter(scenario.capacity, scenario.durations)
    if (scenario.bayesian) this.guillotines = new Array<boolean>(scenario.bayesian.conditions.length).fill(false)
    this.serial = ++uuidCounter
  }

  /** A unique id of this instance (made when asked: most buckets never are). */
  get uuid(): string {
    return `bucket-${this.serial}`
  }

  /** The number in uuid (detector snapshots keep it). */
  get serialNumber(): number {
    return this.serial
  }

  /**
   * A restored instance keeps the serial it was saved with (its uuid may already be in an
   * alert or an expression's result); instances made later get higher ones, so no live uuid
   * is given twice.
   */
  restoreSerial(serial: number): void {
    this.serial = serial
    if (serial > uuidCounter) uuidCounter = serial
  }

  /** Appends with the queue limit of §7.2: drop the oldest while more than L are held. */
  append(evt: Event): void {
    if (this.queue.length === 0) {
      this.queue = [evt]
      return
    }
    const limit = this.scenario.queueLimit
    if (limit >= 0 && this.queue.length > limit) this.queue.splice(0, this.queue.length - limit)
    this.queue.push(evt)
  }

  /**
   * Lets go of the queued events once the instance is gone (overflowed, expired, cancelled,
   * evicted), after its alert was built. V8 pretenures arrays that tend to live long, as queues
   * do; a dead queue in the old generation would keep its events alive through every scavenge
   * until the next full collection, and they would be promoted in turn (docs/performance.md, the
   * garbage collection regimes).
   */
  release(): void {
    this.queue.length = 0
    this.queue = NO_EVENTS
  }

  /** The instant after which this bucket is dead (§6 step 1, §8.5), or null when it never expires. */
  deadline(): Instant | null {
    const d = this.scenario.lifetimeNs
    if (d === null) return null
    const from = this.scenario.type.absoluteLifetime ? this.firstTs : this.lastTs
    return from === null ? null : addNs(from, d)
  }

  /** True when t is strictly after the deadline (deadline() without the allocation: runs on every pour). */
  expiredAt(t: Instant): boolean {
    const d = this.scenario.lifetimeNs
    if (d === null) return false
    const from = this.scenario.type.absoluteLifetime ? this.firstTs : this.lastTs
    if (from === null) return false
    const whole = Math.floor(d / 1e9)
    let sec = from.sec + whole
    let nsec = from.nsec + (d - whole * 1e9)
    if (nsec >= 1e9) {
      sec += 1
      nsec -= 1e9
    }
    return t.sec > sec || (t.sec === sec && t.nsec > nsec)
  }

  /** `queue` as expressions see it (queue.Queue, queue.L). */
  queueView(): {Queue: Event[]; L: number} {
    return {Queue: this.queue, L: this.scenario.queueLimit}
  }
}
