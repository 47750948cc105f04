/** Synthetic scan results for the HTML report tests: hostile strings, many alerts. */
import {Alert, Decision, EventEntry, MetaItem, Source} from '../../../src/model/alert.js'
import type {ScanResult} from '../../../src/pipeline/scan.js'

/** Strings an attacker can put in a log line, each trying to leave the text it is shown as. */
export const HOSTILE = {
  closeScript: '</script><script>window.__crowdPwned=1;alert(1)</script>',
  attribute: '"><img src=x onerror="window.__crowdPwned=2;alert(2)">',
  separators: 'line\u2028separator\u2029paragraph',
  comment: '<!--<script>alert(3)</script>-->',
  entity: '&lt;script&gt;alert(4)&lt;/script&gt; &amp;',
  template: "${alert(5)}`'\\u003c",
}

export function alertOf(options: {scenario: string; ip: string; start: Date; events: {t: Date; meta: Record<string, string>}[]; decisions?: number}): Alert {
  const a = new Alert()
  a.Scenario = options.scenario
  a.Kind = 'crowdsec'
  a.Source = new Source({Scope: 'Ip', Value: options.ip, IP: options.ip})
  a.StartAt = options.start.toISOString().replace('.000Z', 'Z')
  const last = options.events.at(-1)?.t ?? options.start
  a.StopAt = last.toISOString().replace('.000Z', 'Z')
  a.Events = options.events.map((e) => new EventEntry(e.t.toISOString().replace('.000Z', 'Z'), Object.entries(e.meta).map(([k, v]) => new MetaItem(k, v))))
  a.EventsCount = options.events.length
  a.Message = `Ip ${options.ip} performed '${options.scenario}' (${options.events.length} events)`
  a.Decisions = Array.from({length: options.decisions ?? 1}, () => new Decision({Type: 'ban', Scope: 'Ip', Value: options.ip, Duration: '4h', Origin: 'crowdsec', Scenario: options.scenario, Until: a.StopAt}))
  return a
}

export function resultOf(alerts: Alert[], extra: Partial<ScanResult> = {}): ScanResult {
  const decisions = alerts.reduce((n, a) => n + (a.Decisions?.length ?? 0), 0)
  return {
    alerts,
    inputs: [{input: 'access.log', sources: [{src: 'access.log', reader: 'file', type: 'nginx', type_from: 'parsers', lines: 100, bytes: 9000, truncated: 0, invalid_utf8: 0, empty: 0, parsed: 100, unparsed: 0, whitelisted: 0, poured: 100}]}],
    metrics: {acquisition: [{source: 'access.log', lines_read: 100, lines_parsed: 100, lines_unparsed: 0, lines_poured: 100}], parsers: [{name: 'crowd/nginx-logs', stage: 's01-parse', hits: 100, parsed: 100, unparsed: 0}], buckets: []},
    summary: {inputs: 1, sources: 1, lines: 100, parsed: 100, unparsed: 0, whitelisted: 0, alerts: alerts.length, decisions, whitelisted_overflows: 0, input_errors: 0},
    warnings: [],
    exit_code: alerts.length > 0 ? 1 : 0,
    ...extra,
  } as ScanResult
}

/** One alert whose events carry every HOSTILE string, in paths, user agents, the source and meta keys. */
export function hostileResult(): ScanResult {
  const start = new Date('2026-11-26T07:00:00Z')
  const values = Object.values(HOSTILE)
  const events = values.map((v, i) => ({t: new Date(start.getTime() + i * 1000), meta: {http_path: `/x${v}`, http_user_agent: v, [`key${HOSTILE.attribute}`]: 'k'}}))
  const a = alertOf({scenario: `crowd/http-probing${HOSTILE.attribute}`, ip: '198.51.100.99', start, events})
  return resultOf([a], {warnings: [`warning ${HOSTILE.closeScript}`]})
}

/** `count` alerts of `events` events each over 3 scenarios and 7 sources, one per minute. */
export function manyAlerts(count: number, events: number): ScanResult {
  const t0 = Date.parse('2026-11-26T00:00:00Z')
  const alerts: Alert[] = []
  for (let i = 0; i < count; i++) {
    const start = new Date(t0 + i * 60_000)
    alerts.push(alertOf({
      scenario: `crowd/scenario-${i % 3}`,
      ip: `192.0.2.${i % 7}`,
      start,
      events: Array.from({length: events}, (_, j) => ({t: new Date(start.getTime() + j * 1000), meta: {http_path: `/p/${i}/${j}`}})),
    }))
  }
  return resultOf(alerts)
}
