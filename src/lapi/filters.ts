/**
 * Query strings of the Local API turned into store filters (lapi.md §4.2, §4.5, §5.1, §5.2),
 * with CrowdSec's answers to bad ones: an invalid IP, duration or boolean, or an unknown
 * parameter where CrowdSec rejects those, is a 500 with its message.
 */
import {parseDecisionDuration} from '../decide/duration.js'
import {normalizeScope, parseIpInterval} from '../store/ip-range.js'
import type {AlertFilter, DecisionFilter} from '../store/types.js'
import {ApiError} from './wire.js'

/** Go strconv.ParseBool. */
export function parseGoBool(text: string, name: string): boolean {
  if (['1', 't', 'T', 'TRUE', 'true', 'True'].includes(text)) return true
  if (['0', 'f', 'F', 'FALSE', 'false', 'False'].includes(text)) return false
  throw new ApiError(500, `unable to parse '${text}' as bool for '${name}': strconv.ParseBool: parsing "${text}": invalid syntax`)
}

function intParam(text: string, name: string): number {
  if (!/^-?\d{1,15}$/.test(text)) throw new ApiError(500, `invalid ${name} '${text}': strconv.Atoi: parsing "${text}": invalid syntax`)
  return Number(text)
}

function ipParam(q: URLSearchParams, filter: {ip?: DecisionFilter['ip']}): void {
  const ip = q.get('ip')
  const range = q.get('range')
  if (ip !== null && ip !== '') {
    const interval = parseIpInterval(ip)
    if (interval === null) throw new ApiError(500, `unable to convert '${ip}' to int: invalid address: invalid ip address / range`)
    filter.ip = interval
  } else if (range !== null && range !== '') {
    const interval = parseIpInterval(range)
    if (interval === null) throw new ApiError(500, `unable to convert '${range}' to int: invalid address: invalid ip address / range`)
    filter.ip = interval
  }
}

const list = (text: string | null): string[] | undefined =>
  text === null || text === '' ? undefined : text.split(',').map((s) => s.trim()).filter((s) => s !== '')

/** `GET /v1/decisions` and the shared part of the stream (§5.1): unknown parameters are ignored. */
export function bouncerDecisionFilter(q: URLSearchParams, defaultScopes?: string[]): DecisionFilter {
  const f: DecisionFilter = {}
  ipParam(q, f)
  const contains = q.get('contains')
  if (contains !== null && contains !== '') f.contains = parseGoBool(contains, 'contains')
  const scopes = list(q.get('scopes') ?? q.get('scope')) ?? defaultScopes
  if (scopes !== undefined) f.scopes = scopes.map(normalizeScope)
  const value = q.get('value')
  if (value !== null && value !== '') f.value = value
  const type = q.get('type')
  if (type !== null && type !== '') f.type = type
  f.origins = list(q.get('origins'))
  f.scenariosContaining = list(q.get('scenarios_containing'))
  f.scenariosNotContaining = list(q.get('scenarios_not_containing'))
  const simulated = q.get('simulated')
  f.includeSimulated = simulated !== null && simulated !== 'false'
  const limit = q.get('limit')
  if (limit !== null && limit !== '') f.limit = intParam(limit, 'limit')
  const offset = q.get('offset')
  if (offset !== null && offset !== '') f.offset = intParam(offset, 'offset')
  return f
}

const ALERT_PARAMS = new Set(['scope', 'value', 'scenario', 'ip', 'range', 'contains', 'since', 'until', 'created_before', 'decision_type', 'origin',
  'include_capi', 'has_active_decision', 'simulated', 'kind', 'limit', 'sort', 'with_decisions'])

function durationAgo(text: string, name: string, now: number): number {
  try {
    return now - Math.trunc(parseDecisionDuration(text) / 1e6)
  } catch (error) {
    throw new ApiError(500, `while parsing duration '${text}' of '${name}': ${(error as Error).message}`)
  }
}

/** `GET`/`DELETE /v1/alerts` (§4.2, §4.4): an unknown parameter is a 500. */
export function alertFilter(q: URLSearchParams, now: number): AlertFilter {
  for (const key of q.keys()) if (!ALERT_PARAMS.has(key)) throw new ApiError(500, `filter parameter '${key}' is unknown (=${q.get(key)}): invalid filter`)
  const f: AlertFilter = {includeCapi: true, limit: 100}
  const get = (k: string): string | undefined => {
    const v = q.get(k)
    return v === null || v === '' ? undefined : v
  }
  const scope = get('scope')
  if (scope !== undefined) f.scope = normalizeScope(scope)
  f.value = get('value')
  f.scenario = get('scenario')
  ipParam(q, f)
  const contains = get('contains')
  if (contains !== undefined) f.contains = parseGoBool(contains, 'contains')
  const since = get('since')
  if (since !== undefined) f.startedAfter = durationAgo(since, 'since', now)
  const until = get('until')
  if (until !== undefined) f.startedBefore = durationAgo(until, 'until', now)
  const createdBefore = get('created_before')
  if (createdBefore !== undefined) f.createdBefore = durationAgo(createdBefore, 'created_before', now)
  f.decisionType = get('decision_type')
  f.origin = get('origin')
  const includeCapi = get('include_capi')
  if (includeCapi !== undefined) f.includeCapi = parseGoBool(includeCapi, 'include_capi')
  if (f.origin !== undefined) f.includeCapi = true
  const active = get('has_active_decision')
  if (active !== undefined) f.hasActiveDecision = parseGoBool(active, 'has_active_decision')
  if (q.get('simulated') === 'false') f.includeSimulated = false
  f.kind = get('kind')
  const limit = get('limit')
  if (limit !== undefined) f.limit = intParam(limit, 'limit')
  const sort = get('sort')
  if (sort !== undefined) f.sort = sort.toUpperCase() === 'ASC' ? 'ASC' : 'DESC'
  const withDecisions = get('with_decisions')
  if (withDecisions !== undefined) f.withDecisions = parseGoBool(withDecisions, 'with_decisions')
  return f
}

const DELETE_DECISION_PARAMS = new Set(['scopes', 'value', 'type', 'origin', 'scenario', 'uuid', 'ip', 'range', 'contains'])

/** `DELETE /v1/decisions` (§4.5): `scopes` is one exact scope; `scope` and other names are a 500. */
export function deleteDecisionFilter(q: URLSearchParams): DecisionFilter {
  for (const key of q.keys()) if (!DELETE_DECISION_PARAMS.has(key)) throw new ApiError(500, `'${key}' doesn't exist: invalid filter`)
  const f: DecisionFilter = {includeSimulated: true}
  ipParam(q, f)
  const contains = q.get('contains')
  if (contains !== null && contains !== '') f.contains = parseGoBool(contains, 'contains')
  const scope = q.get('scopes')
  if (scope !== null && scope !== '') f.scopes = [normalizeScope(scope)]
  const value = q.get('value')
  if (value !== null && value !== '') f.value = value
  const type = q.get('type')
  if (type !== null && type !== '') f.type = type
  const origin = q.get('origin')
  if (origin !== null && origin !== '') f.origins = [origin]
  const scenario = q.get('scenario')
  if (scenario !== null && scenario !== '') f.scenario = scenario
  const uuids = q.getAll('uuid').filter((u) => u !== '')
  if (uuids.length > 0) f.uuids = uuids
  return f
}
