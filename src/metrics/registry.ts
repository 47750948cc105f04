/**
 * The Prometheus view of crowd watch's figures: a dedicated prom-client Registry (never the
 * global one, so several watches or tests in one process do not mix) whose metrics read the
 * figures when scraped. The pipeline keeps its plain counters; nothing here runs per event.
 *
 * CrowdSec's names keep CrowdSec's labels exactly (names.ts). Where crowd does not count per
 * label the way CrowdSec does, the series says only what is known:
 * - `cs_node_hits*{source,type,name}` and `cs_bucket_poured_total{source,type,name}`: crowd counts
 *   per parser and per bucket, not per source. When a single source can account for every count
 *   (it is the only source with lines read, resp. poured) the series carry its labels, which is
 *   then exact; otherwise they carry only `name`, and cscli shows those pours on a row with an
 *   empty source. Per-source figures are always exact in the `crowd_acquisition_*` counters.
 *   As in CrowdSec (which creates the series at the first pour), buckets never poured have no
 *   cs_bucket_poured_total series: a zero one without source would add an empty row to cscli.
 * - `cs_parser_hits*{source,type}`: `type` is the acquisition module (CrowdSec's Line.Module), so
 *   cscli's "file:/var/log/auth.log" rows look the same; crowd's log type label is in `crowd_*`.
 * - Not exposed, for want of a crowd figure: the per-line timing histograms
 *   (cs_parsing_time_seconds, cs_bucket_pour_seconds), cs_bucket_pour_ok/ko_total,
 *   cs_syslogsource_parsed_total, and the LAPI's cs_lapi_*, cs_active_decisions and cs_alerts
 *   (the watch is not a LAPI; its alerts are `crowd_alerts_total{scenario}`).
 * - `cs_info{version}` is 1 (CrowdSec leaves its value at 0; only the label is meant to be read).
 */
import {collectDefaultMetrics, Counter, Gauge, Registry} from 'prom-client'
import {checkFigures, type AcquisitionFigures, type WatchFigures} from './figures.js'
import {CROWD, CS, CS_SOURCE_HITS} from './names.js'

export interface MetricsRegistryOptions {
  /** The `version` label of cs_info: the running crowd's version. */
  version?: string
  /** Add prom-client's default process and Node.js metrics (default true). */
  defaultMetrics?: boolean
}

type Labels = Record<string, string>
interface Series {
  labels: Labels
  value: number
}
interface Family {
  name: string
  help: string
  type: 'counter' | 'gauge'
  labelNames: readonly string[]
  series(f: WatchFigures, version: string): Series[]
}

const ACQUISITION_LABELS = ['source', 'module', 'type'] as const
const acquisitionLabels = (r: AcquisitionFigures): Labels => ({source: r.source, module: r.module, type: r.type})

/** Every family this registry serves, in exposition order. */
const FAMILIES: readonly Family[] = [
  ...Object.entries(CS_SOURCE_HITS).map(([module, name]): Family => ({
    name, help: `Lines read by the ${module} acquisition module.`, type: 'counter', labelNames: ['source'],
    series: (f) => sumBy(f.acquisition.filter((r) => r.module === module), (r) => ({source: r.source}), (r) => r.lines_read),
  })),
  {
    name: CS.parserHits, help: 'Events that entered the parsers (type: acquisition module).', type: 'counter', labelNames: ['source', 'type'],
    series: (f) => sumBy(f.acquisition, csSourceLabels, (r) => r.lines_read),
  },
  {
    name: CS.parserHitsOk, help: 'Events that the parsers parsed.', type: 'counter', labelNames: ['source', 'type'],
    series: (f) => sumBy(f.acquisition, csSourceLabels, (r) => r.lines_parsed),
  },
  {
    name: CS.parserHitsKo, help: 'Events that the parsers did not parse.', type: 'counter', labelNames: ['source', 'type'],
    series: (f) => sumBy(f.acquisition, csSourceLabels, (r) => r.lines_unparsed),
  },
  {
    name: CS.nodeHits, help: 'Events that entered a parser (source and type only when one source read every line).', type: 'counter',
    labelNames: ['source', 'type', 'name'], series: (f) => nodeSeries(f, (p) => p.hits),
  },
  {
    name: CS.nodeHitsOk, help: 'Events that a parser parsed.', type: 'counter', labelNames: ['source', 'type', 'name'],
    series: (f) => nodeSeries(f, (p) => p.parsed),
  },
  {
    name: CS.nodeHitsKo, help: 'Events that a parser did not parse.', type: 'counter', labelNames: ['source', 'type', 'name'],
    series: (f) => nodeSeries(f, (p) => p.unparsed),
  },
  {
    name: CS.bucketPoured, help: 'Events poured into a bucket (source and type only when one source poured every event).', type: 'counter',
    labelNames: ['source', 'type', 'name'],
    series: (f) => {
      const sole = soleSource(f.acquisition, (r) => r.lines_poured)
      return sumBy(f.buckets.filter((b) => b.poured > 0), (b) => ({...sole, name: b.name}), (b) => b.poured)
    },
  },
  {
    name: CS.bucketCreated, help: 'Buckets instantiated.', type: 'counter', labelNames: ['name'],
    series: (f) => sumBy(f.buckets, (b) => ({name: b.name}), (b) => b.instantiated),
  },
  {
    name: CS.bucketOverflowed, help: 'Buckets that overflowed.', type: 'counter', labelNames: ['name'],
    series: (f) => sumBy(f.buckets, (b) => ({name: b.name}), (b) => b.overflows),
  },
  {
    name: CS.bucketUnderflowed, help: 'Buckets that leaked out without overflowing.', type: 'counter', labelNames: ['name'],
    series: (f) => sumBy(f.buckets, (b) => ({name: b.name}), (b) => b.underflows),
  },
  {
    name: CS.bucketCanceled, help: 'Buckets destroyed by cancel_on.', type: 'counter', labelNames: ['name'],
    series: (f) => sumBy(f.buckets.filter((b) => b.canceled !== undefined), (b) => ({name: b.name}), (b) => b.canceled ?? 0),
  },
  {
    name: CS.buckets, help: 'Buckets alive now.', type: 'gauge', labelNames: ['name'],
    series: (f) => sumBy(f.buckets, (b) => ({name: b.name}), (b) => b.current),
  },
  {
    name: CS.info, help: 'The version of crowd serving these metrics.', type: 'gauge', labelNames: ['version'],
    series: (_f, version) => [{labels: {version}, value: 1}],
  },
  {
    name: CROWD.readLines, help: 'Lines read, per acquisition source.', type: 'counter', labelNames: ACQUISITION_LABELS,
    series: (f) => sumBy(f.acquisition, acquisitionLabels, (r) => r.lines_read),
  },
  {
    name: CROWD.parsedLines, help: 'Lines parsed, per acquisition source.', type: 'counter', labelNames: ACQUISITION_LABELS,
    series: (f) => sumBy(f.acquisition, acquisitionLabels, (r) => r.lines_parsed),
  },
  {
    name: CROWD.unparsedLines, help: 'Lines not parsed, per acquisition source.', type: 'counter', labelNames: ACQUISITION_LABELS,
    series: (f) => sumBy(f.acquisition, acquisitionLabels, (r) => r.lines_unparsed),
  },
  {
    name: CROWD.pouredLines, help: 'Parsed events handed to the scenarios, per acquisition source.', type: 'counter', labelNames: ACQUISITION_LABELS,
    series: (f) => sumBy(f.acquisition, acquisitionLabels, (r) => r.lines_poured),
  },
  {
    name: CROWD.parserHits, help: 'Events that entered a parser, per stage.', type: 'counter', labelNames: ['stage', 'name'],
    series: (f) => sumBy(f.parsers, parserLabels, (p) => p.hits),
  },
  {
    name: CROWD.parserParsed, help: 'Events that a parser parsed, per stage.', type: 'counter', labelNames: ['stage', 'name'],
    series: (f) => sumBy(f.parsers, parserLabels, (p) => p.parsed),
  },
  {
    name: CROWD.parserUnparsed, help: 'Events that a parser did not parse, per stage.', type: 'counter', labelNames: ['stage', 'name'],
    series: (f) => sumBy(f.parsers, parserLabels, (p) => p.unparsed),
  },
  {
    name: CROWD.alerts, help: 'Alerts raised, per scenario.', type: 'counter', labelNames: ['scenario'],
    series: (f) => sumBy(f.alerts, (a) => ({scenario: a.scenario}), (a) => a.count),
  },
  {
    name: CROWD.figuresAt, help: 'When these figures were taken (unix seconds).', type: 'gauge', labelNames: [],
    series: (f) => [{labels: {}, value: Date.parse(f.at) / 1000}],
  },
  {
    name: CROWD.figuresSince, help: 'Since when these figures count (unix seconds).', type: 'gauge', labelNames: [],
    series: (f) => [{labels: {}, value: Date.parse(f.since) / 1000}],
  },
]

/**
 * A registry serving `figures()` under CrowdSec's and crowd's metric names (and, by default,
 * prom-client's process metrics). `figures` is called once per scrape; figures that do not have
 * the WatchFigures shape fail the scrape with the offending field named.
 */
export function createMetricsRegistry(figures: () => WatchFigures, options: MetricsRegistryOptions = {}): Registry {
  const registry = new Registry()
  const version = options.version ?? 'unknown'
  const snapshot = oncePerScrape(() => {
    const f = checkFigures(figures())
    return new Map(FAMILIES.map((family) => [family.name, family.series(f, version)]))
  })
  for (const family of FAMILIES) {
    const config = {name: family.name, help: family.help, labelNames: family.labelNames, registers: [registry]}
    if (family.type === 'counter') {
      new Counter({...config, collect(this: Counter) {
        this.reset()
        for (const s of snapshot().get(family.name)!) this.inc(s.labels, s.value)
      }})
    } else {
      new Gauge({...config, collect(this: Gauge) {
        this.reset()
        for (const s of snapshot().get(family.name)!) this.set(s.labels, s.value)
      }})
    }
  }
  if (options.defaultMetrics !== false) collectDefaultMetrics({register: registry})
  return registry
}

/**
 * `read` memoised for one scrape: prom-client runs the collect() of every metric of a scrape in one
 * synchronous pass, so the cache is dropped at the next microtask and each scrape reads once.
 */
function oncePerScrape<T>(read: () => T): () => T {
  let cached: {value: T} | undefined
  return () => {
    if (cached === undefined) {
      cached = {value: read()}
      queueMicrotask(() => (cached = undefined))
    }
    return cached.value
  }
}

/** One series per distinct label set, values summed (so duplicate rows never make duplicate series). */
function sumBy<T>(rows: readonly T[], labels: (row: T) => Labels, value: (row: T) => number): Series[] {
  const out = new Map<string, Series>()
  for (const row of rows) {
    const l = labels(row)
    const key = JSON.stringify(Object.entries(l))
    const seen = out.get(key)
    if (seen === undefined) out.set(key, {labels: l, value: value(row)})
    else seen.value += value(row)
  }
  return [...out.values()]
}

/** cs_parser_hits labels: CrowdSec's `type` is the acquisition module. */
function csSourceLabels(r: AcquisitionFigures): Labels {
  return {source: r.source, type: r.module}
}

function parserLabels(p: WatchFigures['parsers'][number]): Labels {
  return p.stage !== undefined ? {stage: p.stage, name: p.name} : {name: p.name}
}

/** cs_node_hits* per parser name (CrowdSec has no stage label: stages are summed). */
function nodeSeries(f: WatchFigures, value: (p: WatchFigures['parsers'][number]) => number): Series[] {
  const sole = soleSource(f.acquisition, (r) => r.lines_read)
  return sumBy(f.parsers, (p) => ({...sole, name: p.name}), value)
}

/**
 * CrowdSec's {source, type} labels of the one source with a non-zero `count`, when there is exactly
 * one (every counted event then came from it); undefined when several sources (or none) count.
 */
function soleSource(rows: readonly AcquisitionFigures[], count: (r: AcquisitionFigures) => number): Labels | undefined {
  const counting = rows.filter((r) => count(r) > 0)
  const first = counting[0]
  if (first === undefined || counting.some((r) => r.source !== first.source || r.module !== first.module)) return undefined
  return csSourceLabels(first)
}
