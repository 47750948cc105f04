/** The human tables of every command: padded columns under a bold header, ANSI-aware widths. */
import type {Chalk} from 'chalk'

/** A plain box-less table: padded columns, a header line, one row per line. */
export function table(c: InstanceType<typeof Chalk>, header: string[], rows: string[][]): string {
  // eslint-disable-next-line no-control-regex
  const visible = (s: string): number => s.replace(/\u001b\[[0-9;]*m/g, '').length
  const widths = header.map((h, i) => Math.max(visible(h), ...rows.map((r) => visible(r[i] ?? ''))))
  const line = (cells: string[]): string => '  ' + cells.map((cell, i) => (i === cells.length - 1 ? cell : cell + ' '.repeat(widths[i]! - visible(cell)))).join('  ').trimEnd()
  const lines = [c.bold(line(header)), '  ' + widths.map((w) => '─'.repeat(w)).join('  ')]
  for (const r of rows) lines.push(line(r))
  if (rows.length === 0) lines.push('  (none)')
  return lines.join('\n')
}
