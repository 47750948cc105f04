/**
 * The data an HTML scan report embeds, drawn from a ScanResult: totals and the timeline are
 * computed over everything, while the per-alert event detail, the alerts, the decisions and the
 * warnings are capped so a large scan still gives a file a browser opens quickly. `caps` says
 * what was left out. Every string in here may come from an attacker's log line: the page
 * renders them as text only.
 */
import type {Alert} from '../../model/alert.js'
import type {ScanResult} from '../../pipeline/scan.js'

export interface HtmlReportLimits {
  /** Alerts listed with their details (the newest are dropped first: alerts keep scan order). */
  alerts: number
  /** Events shown per alert (its first ones). */
  eventsPerAlert: number
  /** Events shown over all alerts. */
  events: number
  /** Decision rows. */
  decisions: number
  /** Rows of the top sources and top scenarios tables. */
  top: number
  /** Timeline columns at most. */
  timelineBuckets: number
  /** Characters of one meta value shown (longer ones end with …). */
  valueChars: number
}

export const DEFAULT_LIMITS: HtmlReportLimits = {
  alerts: 5000,
  eventsPerAlert: 20,
  events: 20_000,
  decisions: 10_000,
  top: 50,
  timelineBuckets: 96,
  valueChars: 2000,
}

export interface ReportAlert {
  /** Position in the scan's alert list (1-based). */
  n: number
  scenario: string
  scope: string
  value: string
  cn: string
  start: string
  stop: string
  events_count: number
  decisions: number
  simulated: boolean
  message: string
  /** The first events of the alert: timestamp and [key, value] meta pairs. */
  events: {t: string; meta: [string, string][]}[]
}

export interface ReportDecision {
  type: string
  scope: string
  value: string
  duration: string
  until: string
  scenario: string
  origin: string
  simulated: boolean
}

export interface Cap {
  total: number
  shown: number
}

export interface ReportData {
  format: 1
  generated_at: string
  summary: ScanResult['summary'] & {sources_with_errors: number}
  content?: ScanResult['content']
  inputs: {input: string; src: string; type: string; type_from: string; lines: number; bytes: number; parsed: number; unparsed: number; whitelisted: number; poured: number; truncated: number; invalid_utf8: number; error: string}[]
  acquisition: ScanResult['metrics']['acquisition']
  parsers: {name: string; stage: string; hits: number; parsed: number; unparsed: number}[]
  buckets: {name: string; poured: number; instantiated: number; overflows: number; underflows: number; live: number; limited: number}[]
  /** Events (those the alerts carry) and alerts per scenario, counted per time bucket. */
  timeline: {start: number; bucket_ms: number; buckets: number; scenarios: {name: string; events: number[]; alerts: number[]}[]}
  top_sources: {source: string; alerts: number; events: number; scenarios: number; decisions: number}[]
  top_scenarios: {scenario: string; alerts: number; events: number; sources: number; decisions: number}[]
  alerts: ReportAlert[]
  decisions: ReportDecision[]
  warnings: string[]
  caps: {
    alerts: Cap
    events: Cap & {per_alert: number; max: number}
    decisions: Cap
    top_sources: Cap
    top_scenarios: Cap
    warnings: Cap
    values_cut: number
    value_chars: number
  }
}

const NICE_STEPS_MS = [1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 10800, 21600, 43200, 86400, 172800, 604800].map((s) => s * 1000)

/** The smallest "round" bucket width that spreads [min, max] over at most `count` buckets. */
export function bucketWidth(min: number, max: number, count: number): number {
  const span = Math.max(0, max - min)
  for (const step of NICE_STEPS_MS) if (Math.floor(span / step) + 1 <= count) return step
  const week = NICE_STEPS_MS.at(-1)!
  return Math.ceil((span + 1) / count / week) * week
}

function sourceKey(a: Alert): string {
  return `${a.Source.Scope}:${a.Source.Value}`
}

export function buildReportData(result: ScanResult, options: {limits?: Partial<HtmlReportLimits>; now?: Date} = {}): ReportData {
  const limits = {...DEFAULT_LIMITS, ...options.limits}
  let valuesCut = 0
  const cut = (s: string): string => {
    if (s.length <= limits.valueChars) return s
    valuesCut++
    return s.slice(0, limits.valueChars) + '…'
  }

  // timeline over every event the alerts carry, and every alert (at its start)
  const times: {scenario: string; t: number; alert: boolean}[] = []
  let min = Infinity
  let max = -Infinity
  const note = (scenario: string, stamp: string, alert: boolean): void => {
    const t = Date.parse(stamp)
    if (!Number.isFinite(t)) return
    if (t < min) min = t
    if (t > max) max = t
    times.push({scenario, t, alert})
  }
  const sources = new Map<string, {alerts: number; events: number; scenarios: Set<string>; decisions: number}>()
  const scenarios = new Map<string, {alerts: number; events: number; sources: Set<string>; decisions: number}>()
  let eventsTotal = 0
  let decisionsTotal = 0
  for (const a of result.alerts) {
    note(a.Scenario, a.StartAt, true)
    for (const e of a.Events) note(a.Scenario, e.Timestamp, false)
    eventsTotal += a.Events.length
    const nd = a.Decisions?.length ?? 0
    decisionsTotal += nd
    const key = sourceKey(a)
    const s = sources.get(key) ?? {alerts: 0, events: 0, scenarios: new Set<string>(), decisions: 0}
    s.alerts++
    s.events += a.EventsCount
    s.scenarios.add(a.Scenario)
    s.decisions += nd
    sources.set(key, s)
    const c = scenarios.get(a.Scenario) ?? {alerts: 0, events: 0, sources: new Set<string>(), decisions: 0}
    c.alerts++
    c.events += a.EventsCount
    c.sources.add(key)
    c.decisions += nd
    scenarios.set(a.Scenario, c)
  }
  const timeline: ReportData['timeline'] = {start: 0, bucket_ms: 1000, buckets: 0, scenarios: []}
  if (times.length > 0) {
    const width = bucketWidth(min, max, limits.timelineBuckets)
    const start = Math.floor(min / width) * width
    const count = Math.floor((max - start) / width) + 1
    const rows = new Map<string, {name: string; events: number[]; alerts: number[]}>()
    for (const name of [...scenarios.keys()].sort()) rows.set(name, {name, events: new Array<number>(count).fill(0), alerts: new Array<number>(count).fill(0)})
    for (const {scenario, t, alert} of times) {
      const row = rows.get(scenario)!
      const i = Math.floor((t - start) / width)
      if (alert) row.alerts[i]!++
      else row.events[i]!++
    }
    Object.assign(timeline, {start, bucket_ms: width, buckets: count, scenarios: [...rows.values()]})
  }

  const byCount = <T extends {alerts: number; events: number}>(a: [string, T], b: [string, T]): number => b[1].alerts - a[1].alerts || b[1].events - a[1].events || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0)
  const topSources = [...sources.entries()].sort(byCount)
  const topScenarios = [...scenarios.entries()].sort(byCount)

  const alerts: ReportAlert[] = []
  let eventsShown = 0
  for (const [i, a] of result.alerts.entries()) {
    if (alerts.length >= limits.alerts) break
    const room = Math.max(0, Math.min(limits.eventsPerAlert, limits.events - eventsShown))
    const events = a.Events.slice(0, room).map((e) => ({t: e.Timestamp, meta: e.Meta.map((m): [string, string] => [cut(m.Key), cut(m.Value)])}))
    eventsShown += events.length
    alerts.push({
      n: i + 1,
      scenario: a.Scenario,
      scope: a.Source.Scope,
      value: cut(a.Source.Value),
      cn: a.Source.Cn,
      start: a.StartAt,
      stop: a.StopAt,
      events_count: a.EventsCount,
      decisions: a.Decisions?.length ?? 0,
      simulated: a.Simulated,
      message: cut(a.Message),
      events,
    })
  }

  const decisions: ReportDecision[] = []
  outer: for (const a of result.alerts) {
    for (const d of a.Decisions ?? []) {
      if (decisions.length >= limits.decisions) break outer
      decisions.push({type: d.Type, scope: d.Scope, value: cut(d.Value), duration: d.Duration, until: d.Until, scenario: d.Scenario, origin: d.Origin, simulated: d.Simulated})
    }
  }

  const inputs: ReportData['inputs'] = []
  let sourcesWithErrors = 0
  for (const input of result.inputs) {
    if (input.error !== undefined) {
      sourcesWithErrors++
      inputs.push({input: input.input, src: input.input, type: input.type ?? '', type_from: '', lines: 0, bytes: 0, parsed: 0, unparsed: 0, whitelisted: 0, poured: 0, truncated: 0, invalid_utf8: 0, error: cut(input.error.message)})
    }
    for (const s of input.sources) {
      if (s.error !== undefined) sourcesWithErrors++
      inputs.push({input: input.input, src: s.src, type: s.type, type_from: s.type_from, lines: s.lines, bytes: s.bytes, parsed: s.parsed, unparsed: s.unparsed, whitelisted: s.whitelisted, poured: s.poured, truncated: s.truncated, invalid_utf8: s.invalid_utf8, error: s.error === undefined ? '' : cut(s.error.message)})
    }
  }

  const warnings = result.warnings.slice(0, 200).map(cut)
  return {
    format: 1,
    generated_at: (options.now ?? new Date()).toISOString(),
    summary: {...result.summary, sources_with_errors: sourcesWithErrors},
    ...(result.content === undefined ? {} : {content: result.content}),
    inputs,
    acquisition: result.metrics.acquisition,
    parsers: result.metrics.parsers.map((p) => ({name: p.name, stage: p.stage ?? '', hits: p.hits, parsed: p.parsed, unparsed: p.unparsed})),
    buckets: result.metrics.buckets.map((b) => ({name: b.name, poured: b.poured, instantiated: b.instantiated, overflows: b.overflows, underflows: b.underflows, live: b.live ?? 0, limited: b.limited ?? 0})),
    timeline,
    top_sources: topSources.slice(0, limits.top).map(([source, s]) => ({source: cut(source), alerts: s.alerts, events: s.events, scenarios: s.scenarios.size, decisions: s.decisions})),
    top_scenarios: topScenarios.slice(0, limits.top).map(([scenario, s]) => ({scenario, alerts: s.alerts, events: s.events, sources: s.sources.size, decisions: s.decisions})),
    alerts,
    decisions,
    warnings,
    caps: {
      alerts: {total: result.alerts.length, shown: alerts.length},
      events: {total: eventsTotal, shown: eventsShown, per_alert: limits.eventsPerAlert, max: limits.events},
      decisions: {total: decisionsTotal, shown: decisions.length},
      top_sources: {total: sources.size, shown: Math.min(sources.size, limits.top)},
      top_scenarios: {total: scenarios.size, shown: Math.min(scenarios.size, limits.top)},
      warnings: {total: result.warnings.length, shown: warnings.length},
      values_cut: valuesCut,
      value_chars: limits.valueChars,
    },
  }
}

/**
 * JSON that can sit inside `<script type="application/json">`: `<`, `>` and `&` (so no
 * `</script>` or `<!--` can appear) and U+2028/U+2029 are written as \u escapes, which
 * JSON.parse reads back unchanged.
 */
export function scriptSafeJson(value: unknown): string {
  return JSON.stringify(value).replace(/[<>&\u2028\u2029]/g, (ch) => `\\u${ch.charCodeAt(0).toString(16).padStart(4, '0')}`)
}
