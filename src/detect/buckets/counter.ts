/** `counter`: capacity -1, collects events and overflows `duration` after the first one. */
import {ALWAYS_FULL} from '../limiter.js'
import type {BucketType} from './types.js'

export const counter: BucketType = {
  name: 'counter',
  validate(config, d) {
    const errors: string[] = []
    if (config.capacity !== -1) errors.push('bad capacity for counter bucket: capacity must be -1')
    if (!d.hasDuration) errors.push('duration is required for counter bucket')
    else if (d.durationNs <= 0) errors.push('bad duration for counter bucket: must be > 0')
    return errors
  },
  limiter: () => ALWAYS_FULL,
  lifetimeNs: (_capacity, d) => d.durationNs,
  absoluteLifetime: true,
  overflowsOnPour: false,
  limiterOverflows: false,
}
