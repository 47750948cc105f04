/**
 * The metric names crowd exposes and reads, in one place: registry.ts writes them, exposition.ts
 * reads them back. The `cs_*` names and their labels are CrowdSec 1.4's (cmd/crowdsec/metrics.go,
 * pkg/parser/runtime.go, pkg/leakybucket/bucket.go, pkg/acquisition/modules/<module>/), so that
 * `cscli metrics` and CrowdSec's Prometheus dashboards read crowd's endpoint. The `crowd_*` names
 * carry what CrowdSec's labels cannot say (the log type label, the parser stage, crowd's own
 * per-source counts) and follow `crowd_<name>_<unit>_total` for counters.
 */

/** CrowdSec's names (1.4.x), with the labels CrowdSec gives them. */
export const CS = {
  /** Events that entered the parsers {source, type}: `type` is the acquisition module (Line.Module), not the log type. */
  parserHits: 'cs_parser_hits_total',
  parserHitsOk: 'cs_parser_hits_ok_total',
  parserHitsKo: 'cs_parser_hits_ko_total',
  /** Events that entered / left successfully / left unsuccessfully a parser node {source, type, name}. */
  nodeHits: 'cs_node_hits_total',
  nodeHitsOk: 'cs_node_hits_ok_total',
  nodeHitsKo: 'cs_node_hits_ko_total',
  /** Events poured into a bucket {source, type, name}. */
  bucketPoured: 'cs_bucket_poured_total',
  bucketCreated: 'cs_bucket_created_total',
  bucketOverflowed: 'cs_bucket_overflowed_total',
  bucketUnderflowed: 'cs_bucket_underflowed_total',
  bucketCanceled: 'cs_bucket_canceled_total',
  /** Gauge: buckets alive now {name}. */
  buckets: 'cs_buckets',
  /** Gauge {version}. */
  info: 'cs_info',
  /** Gauge of the alerts a CrowdSec LAPI stores {reason} (read only: crowd's watch is not a LAPI). */
  alerts: 'cs_alerts',
} as const

/** Lines read by an acquisition module {source}, by crowd module name (CrowdSec has no stdin datasource). */
export const CS_SOURCE_HITS: Readonly<Record<string, string>> = {
  file: 'cs_filesource_hits_total',
  syslog: 'cs_syslogsource_hits_total',
  journalctl: 'cs_journalctlsource_hits_total',
}

/** crowd's own names. */
export const CROWD = {
  /** Per acquisition source {source, module, type}: type is the log type label (`labels.type`). */
  readLines: 'crowd_acquisition_read_lines_total',
  parsedLines: 'crowd_acquisition_parsed_lines_total',
  unparsedLines: 'crowd_acquisition_unparsed_lines_total',
  pouredLines: 'crowd_acquisition_poured_lines_total',
  /** Per parser {stage, name}: events in, events parsed, events not parsed. */
  parserHits: 'crowd_parser_hit_events_total',
  parserParsed: 'crowd_parser_parsed_events_total',
  parserUnparsed: 'crowd_parser_unparsed_events_total',
  /** Alerts the scenarios raised {scenario}. */
  alerts: 'crowd_alerts_total',
  /** Gauges, in unix seconds: when the figures were taken, and since when they count. */
  figuresAt: 'crowd_figures_timestamp_seconds',
  figuresSince: 'crowd_figures_since_timestamp_seconds',
} as const

/** prom-client's and client_golang's process start time (default process metrics), in unix seconds. */
export const PROCESS_START = 'process_start_time_seconds'
