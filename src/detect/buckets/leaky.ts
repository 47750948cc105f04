/** `leaky`: token bucket of capacity N refilled 1 per leakspeed; overflow on refusal. */
import {TokenBucket} from '../limiter.js'
import type {BucketType} from './types.js'

export const leaky: BucketType = {
  name: 'leaky',
  validate(config, d) {
    const errors: string[] = []
    if ((config.capacity ?? 0) <= 0) errors.push('bad capacity for leaky bucket: capacity must be > 0')
    if (!d.hasLeakspeed) errors.push('leakspeed is required for leaky bucket')
    else if (d.leakspeedNs <= 0) errors.push('bad leakspeed for leaky bucket: must be > 0')
    return errors
  },
  limiter: (capacity, d) => new TokenBucket(capacity, d.leakspeedNs),
  lifetimeNs: (capacity, d) => (capacity + 1) * d.leakspeedNs,
  absoluteLifetime: false,
  overflowsOnPour: false,
  limiterOverflows: true,
}
