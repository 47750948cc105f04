/**
 * The YAML shape of one scenario document, with CrowdSec's key spelling (scenarios.md §3).
 * Kept apart from the compiled runtime object (compile.ts), as CrowdSec keeps BucketFactory's
 * YAML fields apart from its processors.
 */

export interface BayesianConditionConfig {
  condition: string
  prob_given_evil: number
  prob_given_benign: number
  guillotine?: boolean
}

export interface DataFileConfig {
  source_url?: string
  dest_file?: string
  type?: string
  strategy?: string
  size?: number
  ttl?: string
  cache?: boolean
}

export interface ScopeConfig {
  type?: string
  expression?: string
}

export interface ScenarioConfig {
  type: string
  name: string
  description: string
  filter: string
  groupby?: string
  distinct?: string
  capacity?: number
  leakspeed?: string
  duration?: string
  blackhole?: string
  cache_size?: number
  overflow_filter?: string
  cancel_on?: string
  condition?: string
  bayesian_prior?: number
  bayesian_threshold?: number
  bayesian_conditions?: BayesianConditionConfig[]
  scope?: ScopeConfig
  labels?: Record<string, unknown>
  reprocess?: boolean
  data?: DataFileConfig[]
  debug?: boolean
  format?: string
  references?: string[]
  version?: string
}

type FieldKind = 'string' | 'int' | 'float' | 'bool' | 'duration' | 'map' | 'list' | 'scope' | 'bayesian' | 'data' | 'strings'

/** Every accepted key and its Go type; anything else is a load error (strict decoding). */
export const SCENARIO_FIELDS: Readonly<Record<keyof ScenarioConfig, FieldKind>> = {
  type: 'string',
  name: 'string',
  description: 'string',
  filter: 'string',
  groupby: 'string',
  distinct: 'string',
  capacity: 'int',
  leakspeed: 'duration',
  duration: 'duration',
  blackhole: 'duration',
  cache_size: 'int',
  overflow_filter: 'string',
  cancel_on: 'string',
  condition: 'string',
  bayesian_prior: 'float',
  bayesian_threshold: 'float',
  bayesian_conditions: 'bayesian',
  scope: 'scope',
  labels: 'map',
  reprocess: 'bool',
  data: 'data',
  debug: 'bool',
  format: 'string',
  references: 'strings',
  version: 'string',
}

export const BAYESIAN_CONDITION_FIELDS: Readonly<Record<keyof BayesianConditionConfig, FieldKind>> = {
  condition: 'string',
  prob_given_evil: 'float',
  prob_given_benign: 'float',
  guillotine: 'bool',
}

export const SCOPE_FIELDS: Readonly<Record<keyof ScopeConfig, FieldKind>> = {type: 'string', expression: 'string'}

export const DATA_FIELDS: Readonly<Record<keyof DataFileConfig, FieldKind>> = {
  source_url: 'string',
  dest_file: 'string',
  type: 'string',
  strategy: 'string',
  size: 'int',
  ttl: 'duration',
  cache: 'bool',
}
