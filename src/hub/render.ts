/** Human views of hub results (the --json view is the result itself). Pure string builders. */
import type {InspectResult, ListResult, PlanResult} from './operations.js'

export function renderPlan(result: PlanResult): string {
  const head = result.dryRun ? 'plan (dry run, nothing changed):' : result.applied ? 'done:' : ''
  const lines = [...(head ? [head] : []), ...result.plan.map((l) => (head ? '  ' + l : l))]
  for (const n of result.notes) lines.push(`note: ${n}`)
  return lines.join('\n')
}

export function renderList(result: ListResult): string {
  const lines: string[] = []
  const table = (rows: string[][]): void => {
    const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)))
    for (const r of rows) lines.push(r.map((c, i) => c.padEnd(widths[i])).join('  ').trimEnd())
  }
  lines.push(`installed (${result.installed.length})`)
  if (result.installed.length > 0) {
    table([
      ['NAME', 'TYPE', 'VERSION', 'LATEST', 'STATUS'],
      ...result.installed.map((p) => [p.name, p.type, p.installed ?? '', p.latest ?? '-', [p.tainted ? 'tainted' : 'ok', p.explicit ? '' : 'dependency'].filter(Boolean).join(', ')]),
    ])
  }
  lines.push('', `available (${result.available.length})`)
  if (result.available.length > 0) {
    table([['NAME', 'TYPE', 'VERSION', 'DESCRIPTION'], ...result.available.map((p) => [p.name, p.type, p.latest ?? '', p.description])])
  }
  return lines.join('\n')
}

export function renderInspect(r: InspectResult): string {
  const lines = [`${r.name}  (${r.type})`, r.description]
  if (r.installed) {
    lines.push(`installed ${r.installed.version} from ${r.installed.source}${r.installed.explicit ? '' : ' (as a dependency)'}${r.tainted ? '  TAINTED' : ''}`)
    for (const f of r.installed.files) lines.push(`  ${f.state.padEnd(8)} ${f.path}`)
    if (r.installed.missingData.length > 0) lines.push(`  missing data files: ${r.installed.missingData.join(', ')}`)
    if (r.installed.neededBy.length > 0) lines.push(`  needed by: ${r.installed.neededBy.join(', ')}`)
  } else {
    lines.push('not installed')
  }
  for (const v of r.available) {
    const deps = Object.entries(v.dependencies).map(([n, range]) => `${n} ${range}`).join(', ')
    lines.push(`version ${v.version}  crowd ${v.crowd}${deps ? `  needs ${deps}` : ''}${v.source ? `  (${v.source})` : ''}`)
    if (v.permissions) lines.push(`  permissions: net ${v.permissions.net.join(' ') || '-'}; env ${v.permissions.env.join(' ') || '-'}; fs ${v.permissions.fs.join(' ') || '-'}`)
  }
  return lines.join('\n')
}
