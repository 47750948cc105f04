/** Human views of hub results (the --json view is the result itself). Pure string builders. */
import {describePermissions, type Permissions} from '../sandbox/permissions.js'
import type {InspectResult, ListResult, PlanResult} from './operations.js'
import type {PlanStep} from './plan.js'

export function renderPlan(result: PlanResult): string {
  const head = result.dryRun ? 'plan (dry run, nothing changed):' : result.applied ? 'done:' : ''
  const indent = head ? '  ' : ''
  const lines = head ? [head] : []
  result.plan.forEach((line, i) => {
    lines.push(indent + line)
    const p = result.steps[i]?.permissions
    if (p === undefined || p.grantedBy === 'not-needed') return
    if (p.grantedBy === 'earlier') {
      lines.push(`${indent}  permissions: covered by the earlier grant`)
      return
    }
    const what = {ask: 'it would ask (grant with --yes)', yes: 'granted with --yes', prompt: 'granted at the prompt'}[p.grantedBy]
    lines.push(`${indent}  ${sameAsked(p.asked, p.added) ? 'permissions' : 'new permissions (beyond the earlier grant)'} ${what}:`)
    for (const d of describePermissions(p.added)) lines.push(`${indent}    ${d}`)
  })
  for (const n of result.notes) lines.push(`note: ${n}`)
  return lines.join('\n')
}

function sameAsked(asked: Permissions, added: Permissions): boolean {
  return JSON.stringify(asked) === JSON.stringify(added)
}

/**
 * What steps needing a grant ask, for the prompt and for the refusal without --yes: per package,
 * the permissions it asks (on an upgrade, only those beyond its earlier grant).
 */
export function renderPermissionRequests(steps: PlanStep[]): string[] {
  const lines: string[] = []
  for (const s of steps) {
    if (s.permissions === undefined) continue
    const what = `${s.name}@${s.version} (${s.type}${s.from !== undefined && s.from !== s.version ? `, ${s.action} from ${s.from}` : ''}${s.action === 'install' && !s.explicit ? ', a dependency' : ''})`
    lines.push(sameAsked(s.permissions.asked, s.permissions.added) ? `${what} asks to:` : `${what} asks, beyond what was granted before, to:`)
    for (const d of describePermissions(s.permissions.added)) lines.push(`  - ${d}`)
  }
  return lines
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
    if (r.installed.granted !== undefined) {
      lines.push('  granted:')
      for (const d of describePermissions(r.installed.granted)) lines.push(`    ${d}`)
    } else if (r.type === 'notification' || r.type === 'bouncer') {
      lines.push('  granted: nothing recorded (`crowd hub install --force` asks again)')
    }
  } else {
    lines.push('not installed')
  }
  for (const v of r.available) {
    const deps = Object.entries(v.dependencies).map(([n, range]) => `${n} ${range}`).join(', ')
    lines.push(`version ${v.version}  crowd ${v.crowd}${deps ? `  needs ${deps}` : ''}${v.source ? `  (${v.source})` : ''}`)
    if (v.main !== undefined) lines.push(`  main: ${v.main}`)
    if (v.serves !== undefined) lines.push(`  serves ${r.type === 'bouncer' ? 'bouncer' : 'notification'} types: ${v.serves.join(', ')}`)
    if (v.permissions !== undefined) {
      lines.push('  permissions:')
      for (const d of describePermissions(v.permissions)) lines.push(`    ${d}`)
    }
  }
  return lines.join('\n')
}
