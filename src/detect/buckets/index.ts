/** The bucket type table: scenario `type:` -> its rules. An explicit list, no registration side effects. */
import {bayesian} from './bayesian.js'
import {conditional} from './conditional.js'
import {counter} from './counter.js'
import {leaky} from './leaky.js'
import {trigger} from './trigger.js'
import type {BucketType} from './types.js'

export type {BucketType, TypeDurations} from './types.js'

export const BUCKET_TYPES: ReadonlyMap<string, BucketType> = new Map(
  [leaky, trigger, counter, conditional, bayesian].map((t) => [t.name, t]),
)
