/** `conditional`: overflows on the first pour whose `condition` is true; leakspeed is the inactivity lifetime. */
import {ALWAYS_FULL, TokenBucket} from '../limiter.js'
import type {BucketType} from './types.js'

export const conditional: BucketType = {
  name: 'conditional',
  validate(config, d) {
    const errors: string[] = []
    if (config.condition === undefined || config.condition === '') errors.push('conditional bucket requires a condition')
    if (!d.hasLeakspeed) errors.push('leakspeed is required for conditional bucket')
    else if (d.leakspeedNs <= 0) errors.push('bad leakspeed for conditional bucket: must be > 0')
    return errors
  },
  // capacity N >= 0 still builds (and drains) a token bucket whose answers are ignored (§7.1)
  limiter: (capacity, d) => (capacity > 0 && d.leakspeedNs > 0 ? new TokenBucket(capacity, d.leakspeedNs) : ALWAYS_FULL),
  lifetimeNs: (_capacity, d) => d.leakspeedNs,
  absoluteLifetime: false,
  overflowsOnPour: false,
  limiterOverflows: false,
}
