/**
 * The human scan report, drawn from a ScanResult (never computed separately): alerts by
 * scenario and source with counts and time span, decisions, inputs, and cscli-metrics-like
 * tables (acquisition, parsers, scenarios). Colour only when asked (the caller passes whether
 * stdout is a TTY).
 */
import {Chalk} from 'chalk'
import type {Alert} from '../model/alert.js'
import type {ScanResult} from '../pipeline/scan.js'
import {table} from './table.js'

export interface ReportOptions {
  colour: boolean
}

export function renderScanReport(result: ScanResult, options: ReportOptions): string {
  const c = new Chalk({level: options.colour ? 1 : 0})
  const out: string[] = []
  const s = result.summary
  const headline = s.alerts === 0 ? c.green('No alert.') : c.red.bold(`${s.alerts} alert${s.alerts === 1 ? '' : 's'}, ${s.decisions} decision${s.decisions === 1 ? '' : 's'}.`)
  out.push(`${headline} ${s.lines} lines from ${s.sources} source${s.sources === 1 ? '' : 's'} (${s.parsed} parsed, ${s.unparsed} unparsed${s.whitelisted > 0 ? `, ${s.whitelisted} whitelisted` : ''}).`)

  if (result.alerts.length > 0) {
    out.push('', c.bold('Alerts by scenario and source'))
    const groups = new Map<string, {scenario: string; source: string; alerts: number; events: number; first: string; last: string; simulated: boolean}>()
    for (const a of result.alerts) {
      const key = `${a.Scenario}\u0000${a.Source.Scope}:${a.Source.Value}`
      const g = groups.get(key)
      if (g === undefined) {
        groups.set(key, {scenario: a.Scenario, source: sourceLabel(a), alerts: 1, events: a.EventsCount, first: a.StartAt, last: a.StopAt, simulated: a.Simulated})
      } else {
        g.alerts++
        g.events += a.EventsCount
        if (a.StartAt < g.first) g.first = a.StartAt
        if (a.StopAt > g.last) g.last = a.StopAt
      }
    }
    out.push(table(c, ['Scenario', 'Source', 'Alerts', 'Events', 'First', 'Last'], [...groups.values()].map((g) => [g.scenario + (g.simulated ? ' (simulated)' : ''), g.source, String(g.alerts), String(g.events), g.first, g.last])))

    const decisions = result.alerts.flatMap((a) => a.Decisions ?? [])
    if (decisions.length > 0) {
      const rows = new Map<string, string[]>()
      for (const d of decisions) {
        const key = `${d.Type}\u0000${d.Scope}\u0000${d.Value}`
        const row = rows.get(key)
        if (row === undefined) rows.set(key, [d.Type + (d.Simulated ? ' (simulated)' : ''), d.Scope, d.Value, d.Duration, d.Until, d.Scenario])
        else if (d.Until > row[4]!) row.splice(3, 3, d.Duration, d.Until, d.Scenario)
      }
      // One row per type and target: the decision that lasts longest is the one in force.
      out.push('', c.bold(`Decisions in force (${rows.size} of ${decisions.length}: the latest per type and target)`))
      out.push(table(c, ['Type', 'Scope', 'Value', 'Duration', 'Until', 'Scenario'], [...rows.values()]))
    }
  }

  out.push('', c.bold('Inputs'))
  const inputRows: string[][] = []
  for (const input of result.inputs) {
    if (input.error !== undefined) inputRows.push([input.input, '-', '-', '-', '-', c.red(input.error.message)])
    for (const src of input.sources) {
      const notes: string[] = []
      if (src.truncated > 0) notes.push(`${src.truncated} truncated`)
      if (src.invalid_utf8 > 0) notes.push(`${src.invalid_utf8} invalid UTF-8`)
      if (src.error !== undefined) notes.push(c.red(src.error.message))
      inputRows.push([src.src, `${src.type} (${src.type_from})`, String(src.lines), formatBytes(src.bytes), String(src.parsed), notes.join(', ')])
    }
  }
  out.push(table(c, ['Source', 'Type', 'Lines', 'Bytes', 'Parsed', 'Notes'], inputRows))

  out.push('', c.bold('Acquisition metrics'))
  out.push(table(c, ['Source', 'Lines read', 'Lines parsed', 'Lines unparsed', 'Lines poured to bucket'], result.metrics.acquisition.map((m) => [m.source, String(m.lines_read), String(m.lines_parsed), String(m.lines_unparsed), String(m.lines_poured)])))
  if (result.metrics.parsers.length > 0) {
    out.push('', c.bold('Parser metrics'))
    out.push(table(c, ['Parsers', 'Hits', 'Parsed', 'Unparsed'], result.metrics.parsers.map((m) => [m.name, String(m.hits), String(m.parsed), String(m.unparsed)])))
  }
  const buckets = result.metrics.buckets.filter((b) => b.poured > 0 || b.overflows > 0)
  if (buckets.length > 0) {
    out.push('', c.bold('Scenario metrics'))
    out.push(table(c, ['Scenario', 'Instantiated', 'Poured', 'Overflows', 'Expired', 'Open at end'], buckets.map((b) => [b.name, String(b.instantiated), String(b.poured), String(b.overflows), String(b.underflows), String(b.live ?? 0)])))
  }
  if (result.warnings.length > 0) {
    out.push('', c.yellow.bold('Warnings'))
    for (const w of result.warnings) out.push(c.yellow(`  ${w}`))
  }
  return out.join('\n') + '\n'
}

function sourceLabel(a: Alert): string {
  const scope = a.Source.Scope
  const value = a.Source.Value
  const cn = a.Source.Cn !== '' ? ` (${a.Source.Cn})` : ''
  return `${scope}:${value}${cn}`
}

export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KiB`
  if (n < 1024 ** 3) return `${(n / 1024 / 1024).toFixed(1)} MiB`
  return `${(n / 1024 ** 3).toFixed(2)} GiB`
}

