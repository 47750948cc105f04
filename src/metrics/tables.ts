/**
 * The tables `cscli metrics` prints, as data: the same sections, columns and order (rows sorted by
 * their first column, `-` for zero), so crowd's and CrowdSec's outputs read alike. Counts are
 * exact (cscli abbreviates 12345 as 12.35k unless --no-unit). Sections with no rows are left out,
 * as cscli does. The command draws them with src/outputs/table.ts.
 */
import {type WatchFigures} from './figures.js'
import {compareBytes} from '../model/order.js'

export interface FiguresTable {
  title: string
  header: string[]
  rows: string[][]
}

export function figuresTables(figures: WatchFigures): FiguresTable[] {
  const n = (v: number | undefined): string => (v === undefined || v === 0 ? '-' : String(v))
  const byFirst = (rows: string[][]): string[][] => rows.sort((a, b) => compareBytes(a[0]!, b[0]!) || compareBytes(a[1]!, b[1]!))
  // A parser name in several stages gets its stage, so that no two rows look the same.
  const stagesOf = new Map<string, number>()
  for (const p of figures.parsers) stagesOf.set(p.name, (stagesOf.get(p.name) ?? 0) + 1)
  const tables: FiguresTable[] = [
    {
      title: 'Acquisition Metrics',
      header: ['Source', 'Lines read', 'Lines parsed', 'Lines unparsed', 'Lines poured to bucket'],
      rows: byFirst(figures.acquisition.map((a) => [`${a.module}:${a.source}`, n(a.lines_read), n(a.lines_parsed), n(a.lines_unparsed), n(a.lines_poured)])),
    },
    {
      title: 'Bucket Metrics',
      header: ['Bucket', 'Current Count', 'Overflows', 'Instantiated', 'Poured', 'Expired'],
      rows: byFirst(figures.buckets.map((b) => [b.name, n(b.current), n(b.overflows), n(b.instantiated), n(b.poured), n(b.underflows)])),
    },
    {
      title: 'Parser Metrics',
      header: ['Parsers', 'Hits', 'Parsed', 'Unparsed'],
      rows: byFirst(figures.parsers.map((p) => [
        (stagesOf.get(p.name) ?? 0) > 1 && p.stage !== undefined ? `${p.name} (${p.stage})` : p.name, n(p.hits), n(p.parsed), n(p.unparsed),
      ])),
    },
    {
      title: 'Alerts',
      header: ['Scenario', 'Count'],
      rows: byFirst(figures.alerts.map((a) => [a.scenario, n(a.count)])),
    },
  ]
  return tables.filter((t) => t.rows.length > 0)
}
