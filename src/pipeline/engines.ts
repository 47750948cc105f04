/**
 * The stages a scan joins, as the pipeline sees them. build-engines.ts builds them from the
 * parse and detect façades; tests can pass their own. Keeping this seam small lets the scan
 * loop stay the same whatever the stages do inside.
 */
import type {EventKeyNeeds, PourHints, PreviewedEvent} from '../detect/index.js'
import type {Alert} from '../model/alert.js'
import type {Event} from '../model/event.js'

/** Parser stages (s00-raw, s01-parse, s02-enrich...) applied to a log event in place. */
export interface ParserStage {
  /**
   * Parses the event; true when it passed every stage (CrowdSec's Process flag) and was not
   * whitelisted. `trial` parses (log type detection) are not counted in the metrics.
   */
  parse(evt: Event, options?: {trial?: boolean}): boolean
  /** Filter expressions of the loaded nodes (log type detection reads the types they test). */
  readonly filters: readonly string[]
  /** cscli-style per-parser counters (hits, parsed, unparsed), when the stage keeps them. */
  metrics?(): ParserMetric[]
}

/** Postoverflow stages: run on overflow events; returns false when the overflow is whitelisted (dropped). */
export interface PostoverflowStage {
  process(overflow: Event): boolean
}

/** The scenarios, in replay (time-machine) mode. */
export interface DetectorStage {
  /** Pours one parsed event; returns the overflow events it caused (Type = 1, Overflow set). */
  pour(evt: Event, hints?: PourHints): Event[]
  /**
   * Pours an event the parse worker previewed (Detector.preview: no scenario takes it) without
   * the event itself; returns the overflows due meanwhile. Without it, every event crosses whole.
   */
  pourPreviewed?(evt: PreviewedEvent): Event[]
  /** The fields of poured log events the scenarios may read (the parse worker sends only these); default: all. */
  eventKeyNeeds?(): EventKeyNeeds
  /** End of input (scenarios.md §9.4): returns overflows still pending, if any. */
  flush(): Event[]
  /** cscli-style per-scenario counters, when the detector keeps them. */
  metrics?(): BucketMetric[]
  /** Scenario names loaded. */
  readonly scenarios: readonly string[]
}

export interface ParserMetric {
  name: string
  stage?: string
  hits: number
  parsed: number
  unparsed: number
}

export interface BucketMetric {
  name: string
  poured: number
  instantiated: number
  overflows: number
  underflows: number
  expired?: number
  /** Buckets alive at the end of the input (discarded, §9.4). */
  live?: number
  /** Times the max-buckets limit was hit. */
  limited?: number
}

export interface Engines {
  parsers: ParserStage
  postoverflows?: PostoverflowStage
  detector: DetectorStage
  /** Load warnings (invalid files skipped, ...), reported in the result. */
  warnings: string[]
}

/** The API alerts of an overflow event: one per source (scenarios.md §14.4). */
export function alertsOfOverflow(evt: Event): Alert[] {
  const overflow = evt.Overflow as {APIAlerts?: Alert[]; Alert?: Alert | null}
  // One source: the alert itself, with any postoverflow edits. Several: one copy per source.
  if (Array.isArray(overflow.APIAlerts) && overflow.APIAlerts.length > 1) return overflow.APIAlerts
  if (overflow.Alert) return [overflow.Alert]
  return Array.isArray(overflow.APIAlerts) ? overflow.APIAlerts : []
}
