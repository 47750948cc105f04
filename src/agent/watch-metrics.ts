/**
 * The watch's figures (src/pipeline/watch.ts) in the shape the metrics speak (src/metrics:
 * the Prometheus endpoint, the file a `--once` run leaves for `crowd metrics`).
 */
import type {WatchFigures} from '../metrics/figures.js'
import type {WatchFiguresSnapshot} from '../pipeline/watch.js'

export {figuresFile} from '../metrics/figures.js'
export {startMetricsServer, type MetricsServer} from '../metrics/server.js'

export function watchFigures(f: WatchFiguresSnapshot): WatchFigures {
  return {
    acquisition: f.sources.map((s) => ({
      source: s.src, module: s.module, type: s.type === 'unknown' ? '' : s.type,
      lines_read: s.lines, lines_parsed: s.parsed, lines_unparsed: s.unparsed, lines_poured: s.poured,
    })),
    parsers: f.parsers.map((p) => ({...p})),
    buckets: f.buckets.map((b) => ({name: b.name, current: b.current, poured: b.poured, instantiated: b.instantiated, overflows: b.overflows, underflows: b.underflows})),
    alerts: f.alerts.map((a) => ({...a})),
    at: f.at,
    since: f.since,
  }
}
