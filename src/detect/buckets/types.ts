/**
 * What a bucket type contributes (CrowdSec pkg/leakybucket/buckettype.go: name -> Validate +
 * BuildProcessors). One file per type; buckets/index.ts is the table.
 */
import type {ScenarioConfig} from '../scenario-config.js'
import type {Limiter} from '../limiter.js'

/** The durations a type needs, parsed once (nanoseconds; 0 when absent). */
export interface TypeDurations {
  leakspeedNs: number
  durationNs: number
  hasLeakspeed: boolean
  hasDuration: boolean
}

export interface BucketType {
  readonly name: string
  /** Load-time rules of scenarios.md §3.1; returns error messages (empty when valid). */
  validate(config: ScenarioConfig, d: TypeDurations): string[]
  /** The limiter of a new instance. */
  limiter(capacity: number, d: TypeDurations): Limiter
  /** Inactivity lifetime D in ns (§8.5); null: never expires by inactivity. */
  lifetimeNs(capacity: number, d: TypeDurations): number | null
  /** true: D counts from the first pour and is never reset (counter). */
  readonly absoluteLifetime: boolean
  /** true: the first pour overflows at once, before distinct/cancel_on (trigger). */
  readonly overflowsOnPour: boolean
  /** true: a refused token means overflow (leaky). */
  readonly limiterOverflows: boolean
}
