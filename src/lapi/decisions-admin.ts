/**
 * The `crowd decisions` and `crowd alerts` commands' logic, on any AlertsApi (local store or
 * remote LAPI): flags become LAPI query strings, manual decisions become the alert cscli sends
 * (lapi.md §4.1), imports (CSV, JSON, one value per line) are checked whole before anything is
 * written, and listings come back in the LAPI's alert shape or as a flat list of decisions.
 */
import * as fs from 'node:fs'
import {parseDecisionDuration} from '../decide/duration.js'
import {CrowdError, CrowdErrorList} from '../model/errors.js'
import {isAddressScope, normalizeScope, parseIpInterval, intervalContains} from '../store/ip-range.js'
import type {AlertJson, AlertsApi} from './client.js'
import {rfc3339} from './wire.js'

/** Filters shared by `decisions list|delete` and `alerts list|delete`. */
export interface DecisionTarget {
  ip?: string
  range?: string
  scope?: string
  value?: string
  type?: string
  origin?: string
  scenario?: string
}

function checkTarget(t: DecisionTarget): void {
  if (t.ip !== undefined && (t.ip.includes('/') || parseIpInterval(t.ip) === null)) throw new CrowdError('usage', `'${t.ip}' is not a valid IP address`)
  if (t.range !== undefined && (!t.range.includes('/') || parseIpInterval(t.range) === null)) throw new CrowdError('usage', `'${t.range}' is not a valid range (CIDR)`)
}

const hasTarget = (t: DecisionTarget): boolean => Object.values(t).some((v) => v !== undefined)

/** The `GET /v1/alerts` query for alerts having an active decision matching the target. */
export function activeDecisionQuery(t: DecisionTarget, includeExpired = false): URLSearchParams {
  checkTarget(t)
  const q = new URLSearchParams()
  if (!includeExpired) q.set('has_active_decision', 'true')
  if (t.ip !== undefined) q.set('ip', t.ip)
  if (t.range !== undefined) q.set('range', t.range)
  if (t.type !== undefined) q.set('decision_type', t.type)
  if (t.origin !== undefined) q.set('origin', t.origin)
  if (t.scenario !== undefined) q.set('scenario', t.scenario)
  // no `scope`/`value` here: on /v1/alerts they test the alert's source, and a decision's scope and
  // value may differ from it (imports: the source is the file; profiles may set another scope).
  // flattenDecisions tests them on each decision.
  // community-blocklist and list decisions stay out unless asked for by origin, as cscli shows them
  if (t.origin === undefined) q.set('include_capi', 'false')
  q.set('limit', '0')
  return q
}

export interface FlatDecision {
  id: number
  alert_id: number
  origin: string
  type: string
  scope: string
  value: string
  scenario: string
  /** Time left, Go format; negative when expired. */
  duration: string
  simulated: boolean
}

/** The decisions of LAPI-shaped alerts that match the target, one row each, by id. */
export function flattenDecisions(alerts: readonly AlertJson[], t: DecisionTarget, includeExpired = false): FlatDecision[] {
  const out: FlatDecision[] = []
  const want = t.ip ?? t.range
  const interval = want === undefined ? null : parseIpInterval(want)
  for (const alert of alerts) {
    for (const d of (alert.decisions as Record<string, unknown>[] | null) ?? []) {
      const f: FlatDecision = {id: Number(d.id), alert_id: Number(alert.id), origin: String(d.origin), type: String(d.type), scope: String(d.scope),
        value: String(d.value), scenario: String(d.scenario), duration: String(d.duration), simulated: d.simulated === true}
      if (!includeExpired && f.duration.startsWith('-')) continue
      if (t.type !== undefined && f.type !== t.type) continue
      if (t.origin !== undefined && f.origin !== t.origin) continue
      if (t.value !== undefined && f.value !== t.value) continue
      if (t.scope !== undefined && f.scope !== normalizeScope(t.scope)) continue
      if (t.scenario !== undefined && f.scenario !== t.scenario && alert.scenario !== t.scenario) continue
      if (interval !== null) {
        const own = isAddressScope(f.scope) ? parseIpInterval(f.value) : null
        if (own === null || !intervalContains(own, interval)) continue
      }
      out.push(f)
    }
  }
  return out.sort((a, b) => a.id - b.id)
}

export async function listDecisions(api: AlertsApi, t: DecisionTarget, options: {limit?: number; includeExpired?: boolean} = {}): Promise<FlatDecision[]> {
  const rows = flattenDecisions(await api.listAlerts(activeDecisionQuery(t, options.includeExpired)), t, options.includeExpired)
  return options.limit !== undefined && options.limit > 0 ? rows.slice(0, options.limit) : rows
}

export interface ManualDecision {
  ip?: string
  range?: string
  scope?: string
  value?: string
  duration?: string
  type?: string
  reason?: string
}

/** The alert cscli posts for `decisions add` (lapi.md §4.1), checked before it is sent. */
export function manualDecisionAlert(d: ManualDecision, machine: string, now: number, origin = 'cscli'): Record<string, unknown> {
  let scope: string
  let value: string
  if (d.ip !== undefined) {
    if (d.ip.includes('/') || parseIpInterval(d.ip) === null) throw new CrowdError('usage', `'${d.ip}' is not a valid IP address`)
    scope = 'Ip'
    value = d.ip
  } else if (d.range !== undefined) {
    if (!d.range.includes('/') || parseIpInterval(d.range) === null) throw new CrowdError('usage', `'${d.range}' is not a valid range (CIDR)`)
    scope = 'Range'
    value = d.range
  } else if (d.scope !== undefined && d.value !== undefined) {
    scope = normalizeScope(d.scope)
    value = d.value
    if (isAddressScope(scope) && parseIpInterval(value) === null) throw new CrowdError('usage', `'${value}' is not a valid ${scope === 'Ip' ? 'IP address' : 'range'}`)
  } else {
    throw new CrowdError('usage', 'give --ip IP, --range CIDR, or --scope S with --value V')
  }
  if (value === '') throw new CrowdError('usage', 'the value must not be empty')
  const duration = d.duration ?? '4h'
  try {
    if (parseDecisionDuration(duration) <= 0) throw new Error('must be positive')
  } catch (error) {
    throw new CrowdError('usage', `invalid duration '${duration}': ${(error as Error).message}`)
  }
  const type = d.type ?? 'ban'
  const reason = d.reason ?? `manual '${type}' from '${machine}'`
  const at = rfc3339(now)
  const source: Record<string, string> = {scope, value}
  if (scope === 'Ip') source.ip = value
  if (scope === 'Range') source.range = value
  return {
    capacity: 0, events_count: 1, leakspeed: '0', message: reason, scenario: reason, scenario_hash: '', scenario_version: '', simulated: false,
    remediation: true, kind: 'cscli', events: [], start_at: at, stop_at: at, source,
    decisions: [{duration, origin, scenario: reason, scope, type, value}],
  }
}

export interface AddDecisionResult {
  alert_id: string
  scope: string
  value: string
  type: string
  duration: string
}

export async function addDecision(api: AlertsApi, d: ManualDecision, machine: string, now = Date.now()): Promise<AddDecisionResult> {
  const alert = manualDecisionAlert(d, machine, now)
  const ids = await api.postAlerts([alert])
  const decision = (alert.decisions as Record<string, string>[])[0]!
  return {alert_id: ids[0] ?? '', scope: decision.scope!, value: decision.value!, type: decision.type!, duration: decision.duration!}
}

export interface DeleteRequest extends DecisionTarget {
  id?: string
  all?: boolean
}

/** Expires decisions by id, by filter, or all of them (`--all`, required for no filter). */
export async function deleteDecisions(api: AlertsApi, r: DeleteRequest): Promise<{deleted: number}> {
  const {id, all, ...target} = r
  if (id !== undefined) {
    if (hasTarget(target) || all) throw new CrowdError('usage', '--id cannot be combined with filters or --all')
    return {deleted: await api.deleteDecision(id)}
  }
  if (!hasTarget(target) && all !== true) throw new CrowdError('usage', 'give a filter (--ip, --range, --scope, --value, --type, --origin, --scenario), --id N, or --all')
  checkTarget(target)
  const q = new URLSearchParams()
  if (target.ip !== undefined) q.set('ip', target.ip)
  if (target.range !== undefined) q.set('range', target.range)
  if (target.scope !== undefined) q.set('scopes', target.scope)
  if (target.value !== undefined) q.set('value', target.value)
  if (target.type !== undefined) q.set('type', target.type)
  if (target.origin !== undefined) q.set('origin', target.origin)
  if (target.scenario !== undefined) q.set('scenario', target.scenario)
  return {deleted: await api.deleteDecisions(q)}
}

export interface ImportDefaults {
  duration?: string
  type?: string
  scope?: string
  reason?: string
}

interface ImportRow {
  value: string
  duration: string
  type: string
  scope: string
  reason: string
  line: number
}

/** Decisions per alert when importing (one alert carries a batch, as cscli does). */
const IMPORT_BATCH = 1000

function splitCsvLine(line: string): string[] {
  const out: string[] = []
  let cur = ''
  let quoted = false
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!
    if (quoted) {
      if (c === '"' && line[i + 1] === '"') {
        cur += '"'
        i++
      } else if (c === '"') quoted = false
      else cur += c
    } else if (c === '"') quoted = true
    else if (c === ',') {
      out.push(cur)
      cur = ''
    } else cur += c
  }
  out.push(cur)
  return out.map((s) => s.trim())
}

/**
 * Reads an import file as cscli does: JSON (a list of objects with `value` and optional
 * `duration`, `type`, `scope`, `reason`), CSV with a header naming those columns, or one value per
 * line (`values`). Every bad row is reported with its line; nothing is imported if one is bad.
 */
export function readImportFile(file: string, format: 'auto' | 'json' | 'csv' | 'values', defaults: ImportDefaults): ImportRow[] {
  let text: string
  try {
    text = fs.readFileSync(file, 'utf8')
  } catch (error) {
    throw new CrowdError('input', `cannot read: ${(error as NodeJS.ErrnoException).code ?? String(error)}`, {file})
  }
  const kind = format !== 'auto' ? format : /\.json$/i.test(file) || /^\s*\[/.test(text) ? 'json' : /\.csv$/i.test(file) ? 'csv' : 'values'
  const base = {duration: defaults.duration ?? '4h', type: defaults.type ?? 'ban', scope: defaults.scope ?? 'Ip', reason: defaults.reason ?? 'manual import'}
  const raw: {fields: Record<string, string>; line: number}[] = []
  if (kind === 'json') {
    let data: unknown
    try {
      data = JSON.parse(text)
    } catch (error) {
      throw new CrowdError('input', `invalid JSON: ${(error as Error).message}`, {file})
    }
    if (!Array.isArray(data)) throw new CrowdError('input', 'a JSON import must be a list of objects', {file})
    data.forEach((item, i) => {
      const fields: Record<string, string> = {}
      if (item !== null && typeof item === 'object') for (const [k, v] of Object.entries(item as object)) if (typeof v === 'string' || typeof v === 'number') fields[k] = String(v)
      raw.push({fields, line: i + 1})
    })
  } else {
    const lines = text.split(/\r?\n/)
    let header: string[] | undefined
    lines.forEach((line, i) => {
      if (line.trim() === '' || line.trimStart().startsWith('#')) return
      if (kind === 'values') return raw.push({fields: {value: line.trim()}, line: i + 1})
      const cells = splitCsvLine(line)
      if (header === undefined) {
        header = cells.map((c) => c.toLowerCase())
        return
      }
      const fields: Record<string, string> = {}
      header.forEach((h, j) => {
        if (cells[j] !== undefined && cells[j] !== '') fields[h] = cells[j]!
      })
      raw.push({fields, line: i + 1})
    })
    if (kind === 'csv' && header !== undefined && !header.includes('value')) throw new CrowdError('input', "the CSV header has no 'value' column", {file, line: 1})
  }
  const errors: CrowdError[] = []
  const rows: ImportRow[] = []
  for (const {fields, line} of raw) {
    const row: ImportRow = {value: fields.value ?? '', duration: fields.duration ?? base.duration, type: fields.type ?? base.type,
      scope: normalizeScope(fields.scope ?? base.scope), reason: fields.reason ?? fields.scenario ?? base.reason, line}
    const where = kind === 'json' ? {file, line: undefined} : {file, line}
    const label = kind === 'json' ? `item ${line}: ` : ''
    if (row.value === '') errors.push(new CrowdError('input', `${label}no value`, where))
    else if (isAddressScope(row.scope) && parseIpInterval(row.value) === null) errors.push(new CrowdError('input', `${label}'${row.value}' is not a valid ${row.scope === 'Ip' ? 'IP address' : 'range'}`, where))
    try {
      parseDecisionDuration(row.duration)
    } catch (error) {
      errors.push(new CrowdError('input', `${label}invalid duration '${row.duration}': ${(error as Error).message}`, where))
    }
    rows.push(row)
  }
  if (errors.length > 0) throw errors.length === 1 ? errors[0]! : new CrowdErrorList(errors)
  return rows
}

export async function importDecisions(api: AlertsApi, rows: readonly ImportRow[], file: string, now = Date.now()): Promise<{imported: number; alerts: string[]}> {
  const alerts: string[] = []
  const at = rfc3339(now)
  for (let i = 0; i < rows.length; i += IMPORT_BATCH) {
    const part = rows.slice(i, i + IMPORT_BATCH)
    const message = `import ${file}: ${part.length} decision${part.length === 1 ? '' : 's'}`
    const alert = {
      capacity: 0, events_count: part.length, leakspeed: '0', message, scenario: message, scenario_hash: '', scenario_version: '', simulated: false,
      remediation: true, kind: 'cscli', events: [], start_at: at, stop_at: at, source: {scope: 'cscli-import', value: file},
      decisions: part.map((r) => ({duration: r.duration, origin: 'cscli-import', scenario: r.reason, scope: r.scope, type: r.type, value: r.value})),
    }
    alerts.push(...(await api.postAlerts([alert])))
  }
  return {imported: rows.length, alerts}
}
