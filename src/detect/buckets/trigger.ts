/** `trigger`: capacity 0, the first event poured overflows at once. */
import {ALWAYS_FULL} from '../limiter.js'
import type {BucketType} from './types.js'

export const trigger: BucketType = {
  name: 'trigger',
  validate(config) {
    return (config.capacity ?? 0) !== 0 ? ['bad capacity for trigger bucket: capacity must be 0'] : []
  },
  limiter: () => ALWAYS_FULL,
  lifetimeNs: () => null,
  absoluteLifetime: false,
  overflowsOnPour: true,
  limiterOverflows: false,
}
