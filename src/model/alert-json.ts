/**
 * The inverse of `Alert.toJSON()`: an alert in the LAPI's JSON shape (lapi.md §3) back into a
 * model Alert. Lenient where the LAPI's own decoder (src/lapi/wire.ts) is strict: a missing or
 * mistyped field takes Go's zero value instead of failing, because the JSON read here was written
 * by crowd (a notification queued in the store) or printed by a crowd command (`crowd alerts list
 * --json`, `crowd scan --json`), not sent by a client.
 */
import {Alert, Decision, EventEntry, MetaItem, Source} from './alert.js'

type Json = Record<string, unknown>

const isObject = (v: unknown): v is Json => v !== null && typeof v === 'object' && !Array.isArray(v)
const text = (o: Json, key: string): string => (typeof o[key] === 'string' ? (o[key] as string) : '')
const num = (o: Json, key: string): number => (typeof o[key] === 'number' && Number.isFinite(o[key]) ? (o[key] as number) : 0)
const bool = (o: Json, key: string): boolean => o[key] === true
const list = (o: Json, key: string): unknown[] => (Array.isArray(o[key]) ? (o[key] as unknown[]) : [])

function metaOf(value: unknown): MetaItem[] {
  if (!Array.isArray(value)) return []
  return value.filter(isObject).map((m) => new MetaItem(text(m, 'key'), text(m, 'value')))
}

function decisionOf(d: Json): Decision {
  return new Decision({
    Duration: text(d, 'duration'),
    ID: num(d, 'id'),
    Origin: text(d, 'origin'),
    Scenario: text(d, 'scenario'),
    Scope: text(d, 'scope'),
    Simulated: bool(d, 'simulated'),
    Type: text(d, 'type'),
    Until: text(d, 'until'),
    UUID: text(d, 'uuid'),
    Value: text(d, 'value'),
  })
}

/** An alert from its LAPI JSON; throws a TypeError when `value` is not an object. */
export function alertFromJson(value: unknown): Alert {
  if (!isObject(value)) throw new TypeError(`an alert must be a JSON object, not ${value === null ? 'null' : Array.isArray(value) ? 'an array' : typeof value}`)
  const o = value
  const a = new Alert()
  a.Capacity = num(o, 'capacity')
  a.CreatedAt = text(o, 'created_at')
  a.Decisions = Array.isArray(o.decisions) ? o.decisions.filter(isObject).map(decisionOf) : null
  a.Events = list(o, 'events').filter(isObject).map((e) => new EventEntry(text(e, 'timestamp'), metaOf(e.meta)))
  a.EventsCount = num(o, 'events_count')
  a.ID = num(o, 'id')
  a.Kind = text(o, 'kind')
  a.Labels = Array.isArray(o.labels) ? o.labels.filter((l): l is string => typeof l === 'string') : null
  a.Leakspeed = text(o, 'leakspeed')
  a.MachineID = text(o, 'machine_id')
  a.Message = text(o, 'message')
  a.Meta = metaOf(o.meta)
  a.Remediation = bool(o, 'remediation')
  a.Scenario = text(o, 'scenario')
  a.ScenarioHash = text(o, 'scenario_hash')
  a.ScenarioVersion = text(o, 'scenario_version')
  a.Simulated = bool(o, 'simulated')
  const s = isObject(o.source) ? o.source : {}
  a.Source = new Source({
    Scope: text(s, 'scope'), Value: text(s, 'value'), IP: text(s, 'ip'), Range: text(s, 'range'), AsName: text(s, 'as_name'),
    AsNumber: text(s, 'as_number'), Cn: text(s, 'cn'), Latitude: num(s, 'latitude'), Longitude: num(s, 'longitude'),
  })
  a.StartAt = text(o, 'start_at')
  a.StopAt = text(o, 'stop_at')
  a.UUID = text(o, 'uuid')
  return a
}
