/**
 * The live instances of one scenario, keyed by groupby value (scenarios.md §5), plus the
 * scenario-wide blackhole list (§12.2). CrowdSec keys instances by (filter, groupby value,
 * name): scenarios sharing name and filter share one store, and an instance keeps the config
 * of the scenario that created it. Bounded: instances past their lifetime are collected
 * on the event clock, and at most `maxBuckets` live at once (the oldest is evicted, counted).
 */
import {Bucket} from './bucket.js'
import type {CompiledScenario} from './compile.js'
import type {ScenarioMetrics} from './metrics.js'
import {addNs, type Instant} from './time.js'

export class BucketStore {
  /** Insertion order = creation order, so the first entry is the oldest instance. */
  readonly buckets = new Map<string, Bucket>()
  private readonly blackholes = new Map<string, Instant>()
  private blackholeSweepAt = 1024
  /**
   * Keys of the instances created, changed or removed since the snapshot rows were last taken
   * (snapshot-rows.ts); null while nobody takes them (`crowd scan`), so a pour pays nothing.
   */
  touched: Set<string> | null = null

  constructor(readonly metrics: ScenarioMetrics, readonly maxBuckets: number) {}

  get(key: string): Bucket | undefined {
    return this.buckets.get(key)
  }

  /** Creates an instance; when full, expired ones are collected first, then the oldest is evicted. */
  create(scenario: CompiledScenario, key: string, mode: number, now: (mode: number) => Instant | null, onExpire: (b: Bucket) => void): Bucket {
    if (this.buckets.size >= this.maxBuckets) {
      this.collect(now, onExpire)
      if (this.buckets.size >= this.maxBuckets) {
        const [oldest, victim] = this.buckets.entries().next().value as [string, Bucket]
        this.buckets.delete(oldest)
        victim.release()
        this.touched?.add(oldest)
        this.metrics.evicted++
      }
    }
    const b = new Bucket(scenario, key, mode)
    this.buckets.set(key, b)
    this.touched?.add(key)
    this.metrics.instantiated++
    this.metrics.current = this.buckets.size
    return b
  }

  delete(b: Bucket): void {
    if (this.buckets.get(b.key) === b) {
      this.buckets.delete(b.key)
      this.touched?.add(b.key)
    }
    this.metrics.current = this.buckets.size
  }

  /** Removes every instance whose lifetime ended before `now(mode)`; onExpire decides what expiry means. */
  collect(now: (mode: number) => Instant | null, onExpire: (b: Bucket) => void): void {
    for (const b of [...this.buckets.values()]) {
      const t = now(b.mode)
      if (t !== null && b.expiredAt(t)) {
        this.buckets.delete(b.key)
        this.touched?.add(b.key)
        onExpire(b)
      }
    }
    this.metrics.current = this.buckets.size
  }

  /** Blackhole check at overflow time T; true = discard. Adds (key, T + blackhole) otherwise. */
  blackholed(scenario: CompiledScenario, key: string, t: Instant): boolean {
    const ns = scenario.blackholeNs
    if (ns <= 0) return false
    const until = this.blackholes.get(key)
    if (until !== undefined && (until.sec > t.sec || (until.sec === t.sec && until.nsec > t.nsec))) return true
    this.blackholes.set(key, addNs(t, ns))
    if (this.blackholes.size >= this.blackholeSweepAt) {
      for (const [k, u] of this.blackholes) if (!(u.sec > t.sec || (u.sec === t.sec && u.nsec > t.nsec))) this.blackholes.delete(k)
      this.blackholeSweepAt = Math.max(1024, this.blackholes.size * 2)
    }
    return false
  }

  /** The blackhole list (key, end of the blackhole) and when it is next swept, for detector snapshots. */
  blackholeState(): {entries: [string, Instant][]; sweepAt: number} {
    return {entries: [...this.blackholes], sweepAt: this.blackholeSweepAt}
  }

  /**
   * Replaces the instances with saved ones (snapshot.ts), oldest first as the map keeps them,
   * and, when given, the blackhole list with one blackholeState() gave.
   */
  restore(buckets: readonly Bucket[], blackholes?: {entries: readonly (readonly [string, Instant])[]; sweepAt: number}): void {
    this.buckets.clear()
    for (const b of buckets) this.buckets.set(b.key, b)
    if (blackholes !== undefined) {
      this.blackholes.clear()
      for (const [key, until] of blackholes.entries) this.blackholes.set(key, until)
      this.blackholeSweepAt = blackholes.sweepAt
    }
    this.metrics.current = this.buckets.size
  }

  clear(): number {
    const n = this.buckets.size
    if (this.touched !== null) for (const key of this.buckets.keys()) this.touched.add(key)
    this.buckets.clear()
    this.metrics.current = 0
    return n
  }
}
