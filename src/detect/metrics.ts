/** Bucket counters per scenario, named like `cscli metrics` columns (Scenarios table). */

export interface ScenarioMetrics {
  /** Live instances now ("Current Count"). */
  current: number
  /** Events poured into an instance ("Poured"). */
  poured: number
  /** Instances created ("Instantiated"). */
  instantiated: number
  /** Overflows that produced an alert ("Overflows"). */
  overflows: number
  /** Instances that expired without overflow ("Expired"/underflows). */
  underflows: number
  /** Instances destroyed by cancel_on. */
  canceled: number
  /** Overflows discarded by overflow_filter. */
  filtered: number
  /** Overflows discarded by blackhole. */
  blackholed: number
  /** Overflows whose alert could not be built (§13.6). */
  dropped: number
  /** Overflows whitelisted in postoverflows. */
  whitelisted: number
  /** Instances evicted because the scenario reached maxBuckets. */
  evicted: number
  /** Events dropped by distinct. */
  distinctDropped: number
  /** Instances still open at end of input, discarded (§9.4). */
  discardedAtEnd: number
}

export function newScenarioMetrics(): ScenarioMetrics {
  return {current: 0, poured: 0, instantiated: 0, overflows: 0, underflows: 0, canceled: 0, filtered: 0, blackholed: 0,
    dropped: 0, whitelisted: 0, evicted: 0, distinctDropped: 0, discardedAtEnd: 0}
}

export interface DetectorMetrics {
  /** Events given to pour(). */
  events: number
  /** Log events skipped because Process was false or they were whitelisted by a parser. */
  skipped: number
  /** Replay events without a usable MarshaledTime (not poured, §6). */
  unpourable: number
  /** Events whose scenario loop was aborted by a filter or groupby runtime error (§4). */
  exprErrors: number
  /** Overflow events re-injected because of `reprocess: true`. */
  reprocessed: number
  /** Scenario filter evaluations skipped because the literal prefilter proved them false (prefilter.ts). */
  prefilterSkipped: number
  /** Scenario filter evaluations skipped because the event fails one of the filter's opening field tests (dispatch.ts). */
  dispatchSkipped: number
  scenarios: Record<string, ScenarioMetrics>
}
