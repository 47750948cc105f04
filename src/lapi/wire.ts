/**
 * The Local API's JSON (lapi.md §3): alerts in (validated as CrowdSec's swagger models are, with
 * its status codes: a wrong type is a bind error, 400; a missing required field a validation
 * error, 500) and alerts and decisions out, in Go's key order with its omitempty rules, live
 * countdown durations (§7) and the event timestamp quirk (§3.3).
 */
import {randomUUID} from 'node:crypto'
import {parseDecisionDuration} from '../decide/duration.js'
import {Alert, Decision, EventEntry, MetaItem, Source} from '../model/alert.js'
import {remaining} from '../model/decision-text.js'
import {isAddressScope, normalizeScope, parseIpInterval} from '../store/ip-range.js'
import type {AlertRecord, DecisionRecord, EventRecord, MetaRecord, NewAlert, NewDecision} from '../store/types.js'

/** A request the LAPI refuses, with the status CrowdSec gives it. */
export {ApiError} from '../platform/http-error.js'
import {ApiError} from '../platform/http-error.js'

type Json = Record<string, unknown>

const goType: Record<string, string> = {string: 'string', number: 'int32', boolean: 'bool', object: 'object', array: 'array'}

function kindOf(v: unknown): string {
  if (v === null) return 'null'
  if (Array.isArray(v)) return 'array'
  return typeof v
}

function bindError(value: unknown, field: string, want: string): ApiError {
  return new ApiError(400, `json: cannot unmarshal ${kindOf(value) === 'object' ? 'object' : kindOf(value)} into Go struct field ${field} of type ${goType[want] ?? want}`)
}

/** Reads one field: absent or null gives undefined (for the required check), a wrong type a 400. */
function field<T>(obj: Json, key: string, want: 'string' | 'number' | 'boolean' | 'array' | 'object', where: string): T | undefined {
  const v = obj[key]
  if (v === undefined || v === null) return undefined
  if (kindOf(v) !== want) throw bindError(v, `${where}.${key}`, want)
  return v as T
}

class Missing {
  readonly names: string[] = []
  need<T>(value: T | undefined, name: string): T {
    if (value === undefined) this.names.push(name)
    return value as T
  }
}

/**
 * Decodes the body of `POST /v1/alerts` into model Alerts (Go field names, for profiles).
 * Throws ApiError 400 (not an array, wrong types) or 500 (required fields missing, as CrowdSec).
 */
export function decodeAlerts(body: unknown): Alert[] {
  if (!Array.isArray(body)) throw new ApiError(400, `json: cannot unmarshal ${kindOf(body)} into Go value of type models.AddAlertsRequest`)
  const missing = new Missing()
  const alerts = body.map((item, i) => {
    if (kindOf(item) !== 'object') throw new ApiError(400, `json: cannot unmarshal ${kindOf(item)} into Go value of type models.Alert`)
    return decodeAlert(item as Json, `${i}`, missing)
  })
  if (missing.names.length > 0) {
    throw new ApiError(500, `validation failure list:\n${missing.names.map((n) => `${n} in body is required`).join('\n')}`)
  }
  return alerts
}

function decodeAlert(o: Json, at: string, missing: Missing): Alert {
  const w = 'Alert'
  const a = new Alert()
  a.Scenario = missing.need(field<string>(o, 'scenario', 'string', w), `${at}.scenario`)
  a.ScenarioHash = missing.need(field<string>(o, 'scenario_hash', 'string', w), `${at}.scenario_hash`)
  a.ScenarioVersion = missing.need(field<string>(o, 'scenario_version', 'string', w), `${at}.scenario_version`)
  a.Message = missing.need(field<string>(o, 'message', 'string', w), `${at}.message`)
  a.EventsCount = int32(missing.need(field<number>(o, 'events_count', 'number', w), `${at}.events_count`), 'Alert.events_count')
  a.StartAt = missing.need(field<string>(o, 'start_at', 'string', w), `${at}.start_at`)
  a.StopAt = missing.need(field<string>(o, 'stop_at', 'string', w), `${at}.stop_at`)
  a.Capacity = int32(missing.need(field<number>(o, 'capacity', 'number', w), `${at}.capacity`), 'Alert.capacity')
  a.Leakspeed = missing.need(field<string>(o, 'leakspeed', 'string', w), `${at}.leakspeed`)
  a.Simulated = missing.need(field<boolean>(o, 'simulated', 'boolean', w), `${at}.simulated`)
  a.Remediation = field<boolean>(o, 'remediation', 'boolean', w) ?? false
  a.Kind = field<string>(o, 'kind', 'string', w) ?? ''
  a.UUID = field<string>(o, 'uuid', 'string', w) ?? ''
  a.CreatedAt = field<string>(o, 'created_at', 'string', w) ?? ''
  const events = missing.need(field<unknown[]>(o, 'events', 'array', w), `${at}.events`) ?? []
  a.Events = events.map((e, i) => decodeEvent(e, `${at}.events.${i}`, missing))
  const source = missing.need(field<Json>(o, 'source', 'object', w), `${at}.source`)
  a.Source = source === undefined ? new Source() : decodeSource(source, `${at}.source`, missing)
  const meta = field<unknown[]>(o, 'meta', 'array', w) ?? []
  a.Meta = meta.map((m) => decodeMeta(m, 'Alert.meta'))
  const decisions = field<unknown[]>(o, 'decisions', 'array', w)
  a.Decisions = decisions === undefined ? null : decisions.map((d, i) => decodeDecision(d, `${at}.decisions.${i}`, missing))
  return a
}

function int32(v: number | undefined, where: string): number {
  if (v === undefined) return 0
  if (!Number.isInteger(v) || v < -2147483648 || v > 2147483647) throw new ApiError(400, `json: cannot unmarshal number ${v} into Go struct field ${where} of type int32`)
  return v
}

function decodeEvent(e: unknown, at: string, missing: Missing): EventEntry {
  if (kindOf(e) !== 'object') throw bindError(e, 'Alert.events', 'object')
  const o = e as Json
  const timestamp = missing.need(field<string>(o, 'timestamp', 'string', 'Event'), `${at}.timestamp`) ?? ''
  const meta = missing.need(field<unknown[]>(o, 'meta', 'array', 'Event'), `${at}.meta`) ?? []
  return new EventEntry(timestamp, meta.map((m) => decodeMeta(m, 'Event.meta')))
}

function decodeMeta(m: unknown, where: string): MetaItem {
  if (kindOf(m) !== 'object') throw bindError(m, where, 'object')
  const o = m as Json
  return new MetaItem(field<string>(o, 'key', 'string', 'MetaItems0') ?? '', field<string>(o, 'value', 'string', 'MetaItems0') ?? '')
}

function decodeSource(o: Json, at: string, missing: Missing): Source {
  const w = 'Source'
  const num = (key: string): number => field<number>(o, key, 'number', w) ?? 0
  return new Source({
    Scope: normalizeScope(missing.need(field<string>(o, 'scope', 'string', w), `${at}.scope`) ?? ''),
    Value: missing.need(field<string>(o, 'value', 'string', w), `${at}.value`) ?? '',
    IP: field<string>(o, 'ip', 'string', w) ?? '',
    Range: field<string>(o, 'range', 'string', w) ?? '',
    AsNumber: field<string>(o, 'as_number', 'string', w) ?? '',
    AsName: field<string>(o, 'as_name', 'string', w) ?? '',
    Cn: field<string>(o, 'cn', 'string', w) ?? '',
    Latitude: num('latitude'),
    Longitude: num('longitude'),
  })
}

function decodeDecision(d: unknown, at: string, missing: Missing): Decision {
  if (kindOf(d) !== 'object') throw bindError(d, 'Alert.decisions', 'object')
  const o = d as Json
  const w = 'Decision'
  return new Decision({
    Duration: missing.need(field<string>(o, 'duration', 'string', w), `${at}.duration`) ?? '',
    Origin: missing.need(field<string>(o, 'origin', 'string', w), `${at}.origin`) ?? '',
    Scenario: missing.need(field<string>(o, 'scenario', 'string', w), `${at}.scenario`) ?? '',
    Scope: normalizeScope(missing.need(field<string>(o, 'scope', 'string', w), `${at}.scope`) ?? ''),
    Type: missing.need(field<string>(o, 'type', 'string', w), `${at}.type`) ?? '',
    Value: missing.need(field<string>(o, 'value', 'string', w), `${at}.value`) ?? '',
    Simulated: field<boolean>(o, 'simulated', 'boolean', w) ?? false,
    UUID: field<string>(o, 'uuid', 'string', w) ?? '',
  })
}

/** RFC 3339 (fraction allowed) to Unix ms; unparsable gives `fallback` (CrowdSec: now). */
export function parseTime(text: string, fallback: number): number {
  if (!/^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/.test(text)) return fallback
  const ms = Date.parse(text)
  return Number.isNaN(ms) ? fallback : ms
}

const META_MAX = 8191
const ALERT_META_KEY_MAX = 255
const ALERT_META_VALUE_MAX = 4095

/** An event's meta as CrowdSec stores it: at most 8191 characters of JSON, long values cut first (§3.3). */
export function boundEventMeta(meta: readonly MetaRecord[]): MetaRecord[] {
  // an upper bound of the JSON length first (6 characters per escaped character, 30 per item):
  // most events are far below the limit and need no serialisation here
  let bound = 2
  for (const m of meta) bound += 30 + 6 * (m.key.length + m.value.length)
  if (bound <= META_MAX || JSON.stringify(meta).length <= META_MAX) return [...meta]
  for (let n = 2048; n >= 1; n = Math.floor(n / 2)) {
    const cut = meta.map((m) => (m.value.length > 2 * n ? {key: m.key, value: m.value.slice(0, n) + '<stripped>'} : m))
    if (JSON.stringify(cut).length <= META_MAX) return cut
  }
  return []
}

/** Unique identifiers as the LAPI assigns them. */
export const newUuid = (): string => randomUUID()

/** Whether an alert's own UUID is kept (else the LAPI gives it one). */
export const validAlertUuid = (uuid: string): boolean => uuid !== '' && /^[0-9a-fA-F-]{1,64}$/.test(uuid)

/**
 * A model Alert (decoded, profiles applied) as the store keeps it: times parsed, scopes
 * normalised, decisions with `until = stop_at + duration` and their Ip/Range values checked.
 * Returns null when every decision of an alert that had some was discarded (not stored, §3.4).
 */
export function toNewAlert(a: Alert, machineId: string, now: number): NewAlert | null {
  const startAt = parseTime(a.StartAt, now)
  const stopAt = parseTime(a.StopAt, now)
  const events: EventRecord[] = a.Events.map((e) => ({
    timestamp: parseTime(e.Timestamp, now),
    meta: boundEventMeta(e.Meta.map((m) => ({key: m.Key, value: m.Value}))),
  }))
  const meta = a.Meta.map((m) => ({key: m.Key.slice(0, ALERT_META_KEY_MAX), value: m.Value.slice(0, ALERT_META_VALUE_MAX)}))
  const given = a.Decisions ?? []
  const decisions: NewDecision[] = []
  for (const d of given) {
    if (isAddressScope(d.Scope) && parseIpInterval(d.Value) === null) continue
    let ns: number
    try {
      ns = parseDecisionDuration(d.Duration)
    } catch (error) {
      throw new ApiError(500, `while parsing duration '${d.Duration}': ${(error as Error).message}`)
    }
    decisions.push({
      uuid: d.UUID !== '' ? d.UUID : newUuid(),
      origin: d.Origin,
      type: d.Type,
      scope: d.Scope,
      value: d.Value,
      scenario: d.Scenario,
      simulated: a.Simulated,
      until: stopAt + Math.trunc(ns / 1e6),
    })
  }
  if (given.length > 0 && decisions.length === 0) return null
  const s = a.Source
  return {
    uuid: validAlertUuid(a.UUID) ? a.UUID : newUuid(),
    machineId,
    scenario: a.Scenario,
    scenarioHash: a.ScenarioHash,
    scenarioVersion: a.ScenarioVersion,
    message: a.Message,
    eventsCount: a.EventsCount,
    startAt,
    stopAt,
    capacity: a.Capacity,
    leakspeed: a.Leakspeed,
    simulated: a.Simulated,
    remediation: a.Remediation,
    kind: a.Kind,
    source: {scope: s.Scope, value: s.Value, ip: s.IP, range: s.Range, asNumber: s.AsNumber, asName: s.AsName, cn: s.Cn, latitude: s.Latitude, longitude: s.Longitude},
    events,
    meta,
    decisions,
  }
}

// ---- out

export {decisionText, jsonString, remaining} from '../model/decision-text.js'

/** A decision nested in an alert of `GET /v1/alerts` (with `simulated`, without uuid). */
export function alertDecisionJson(d: DecisionRecord, now: number): Json {
  return {duration: remaining(d.until, now), id: d.id, origin: d.origin, scenario: d.scenario, scope: d.scope, simulated: d.simulated, type: d.type, value: d.value}
}

/** RFC 3339 in UTC without a fraction, as the LAPI prints alert times. */
export function rfc3339(ms: number): string {
  return new Date(Math.floor(ms / 1000) * 1000).toISOString().replace('.000Z', 'Z')
}

/** Go's default time format (`2006-01-02 15:04:05.999999999 -0700 MST`), in UTC: event timestamps on GET (§3.3). */
export function goTimeString(ms: number): string {
  const iso = new Date(ms).toISOString()
  const frac = iso.slice(20, 23).replace(/0+$/, '')
  return `${iso.slice(0, 10)} ${iso.slice(11, 19)}${frac === '' ? '' : '.' + frac} +0000 UTC`
}

function metaJson(meta: readonly MetaRecord[]): Json[] {
  return meta.map((m) => {
    const out: Json = {}
    if (m.key !== '') out.key = m.key
    if (m.value !== '') out.value = m.value
    return out
  })
}

/** An alert as `GET /v1/alerts` shows it (§4.2). */
export function alertJson(a: AlertRecord, now: number): Json {
  const s = a.source
  const source = new Source({Scope: s.scope, Value: s.value, IP: s.ip, Range: s.range, AsNumber: s.asNumber, AsName: s.asName, Cn: s.cn,
    Latitude: s.latitude, Longitude: s.longitude}).toJSON()
  const out: Json = {capacity: a.capacity, created_at: rfc3339(a.createdAt)}
  out.decisions = a.decisions === null || a.decisions.length === 0 ? null : a.decisions.map((d) => alertDecisionJson(d, now))
  out.events = a.events.length === 0 ? null : a.events.map((e) => ({meta: metaJson(e.meta), timestamp: goTimeString(e.timestamp)}))
  out.events_count = a.eventsCount
  out.id = a.id
  out.kind = a.kind
  out.labels = null
  out.leakspeed = a.leakspeed
  out.machine_id = a.machineId === '' ? 'N/A' : a.machineId
  out.message = a.message
  if (a.meta.length > 0) out.meta = metaJson(a.meta)
  if (a.remediation) out.remediation = true
  out.scenario = a.scenario
  out.scenario_hash = a.scenarioHash
  out.scenario_version = a.scenarioVersion
  out.simulated = a.simulated
  out.source = source
  out.start_at = rfc3339(a.startAt)
  out.stop_at = rfc3339(a.stopAt)
  out.uuid = a.uuid
  return out
}
