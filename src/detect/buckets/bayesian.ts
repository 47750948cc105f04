/** `bayesian`: posterior over conditions recomputed on every pour; overflow when > threshold (§11). */
import {ALWAYS_FULL} from '../limiter.js'
import type {BucketType} from './types.js'

export const bayesian: BucketType = {
  name: 'bayesian',
  validate(config, d) {
    const errors: string[] = []
    if (!config.bayesian_conditions || config.bayesian_conditions.length === 0) errors.push('bayesian bucket requires bayesian_conditions')
    const prior = config.bayesian_prior ?? 0
    if (!(prior > 0 && prior <= 1)) errors.push('bayesian_prior must be > 0 and <= 1')
    const threshold = config.bayesian_threshold ?? 0
    if (!(threshold > 0 && threshold <= 1)) errors.push('bayesian_threshold must be > 0 and <= 1')
    if (config.capacity !== -1) errors.push('bad capacity for bayesian bucket: capacity must be -1')
    // CrowdSec does not check it, but a bayesian bucket without leakspeed crashes it (§11)
    if (!d.hasLeakspeed || d.leakspeedNs <= 0) errors.push('leakspeed is required for bayesian bucket')
    return errors
  },
  limiter: () => ALWAYS_FULL,
  lifetimeNs: (_capacity, d) => d.leakspeedNs,
  absoluteLifetime: false,
  overflowsOnPour: false,
  limiterOverflows: false,
}
