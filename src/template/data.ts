/**
 * The data CrowdSec's notification templates run over: the list of alerts (`[]*models.Alert`)
 * as Go values with the LAPI model's Go field names and pointer fields (lapi.md §3,
 * notifications-and-cti.md §4), built from crowd's model Alerts. Pointer fields matter:
 * `{{if .Simulated}}` is true for a simulated *false* (a non-nil pointer), `eq .Scenario "x"`
 * is a type error, and `{{.Scenario}}` prints the value. Times stay the strings the LAPI
 * model holds. The JSON names and omitempty rules are those of Alert.toJSON() (crowd's LAPI
 * wire form), so `{{. | toJson}}` writes the alerts' LAPI JSON.
 */
import type {Alert, Decision, EventEntry, MetaItem, Source} from '../model/alert.js'
import {GoNum, GoPointer, GoStruct, nilSlice, registerStructType, typedSlice, type FieldSpec, type StructType} from './value.js'
import {stringSlice} from '../model/go-values.js'

function fields(spec: string): FieldSpec[] {
  // "GoName json[,omitempty] ..." per line
  return spec.trim().split('\n').map((line) => {
    const [name, tag] = line.trim().split(/\s+/) as [string, string]
    const [json, opt] = tag.split(',')
    return {name, json: json!, omitempty: opt === 'omitempty'}
  })
}

function str(v: string): GoPointer {
  return new GoPointer('string', v)
}

function int32(v: number): GoPointer {
  return new GoPointer('int32', new GoNum('int32', v))
}

const META_ITEM: StructType = registerStructType({name: 'models.MetaItems0', fields: fields(`
  Key key,omitempty
  Value value,omitempty`)})

function metaList(items: readonly MetaItem[]): unknown[] {
  return typedSlice(items.map((m) => new GoPointer(META_ITEM.name, new GoStruct(META_ITEM, {Key: m.Key, Value: m.Value}))), 'models.Meta')
}

function metaValue(items: unknown, key: string): string {
  for (const p of items as GoPointer[]) {
    const item = p.elem as GoStruct
    if (item.values.Key === key) return item.values.Value as string
  }
  return ''
}

const EVENT: StructType = registerStructType({
  name: 'models.Event',
  fields: fields(`
    Meta meta
    Timestamp timestamp`),
  methods: {GetMeta: {params: ['string'], call: (e, [key]) => metaValue(e.values.Meta, key as string)}},
})

function deref(v: unknown): unknown {
  return v instanceof GoPointer ? v.elem : v
}

const SOURCE: StructType = registerStructType({
  name: 'models.Source',
  fields: fields(`
    AsName as_name,omitempty
    AsNumber as_number,omitempty
    Cn cn,omitempty
    IP ip,omitempty
    Latitude latitude,omitempty
    Longitude longitude,omitempty
    Range range,omitempty
    Scope scope
    Value value`),
  methods: {
    GetValue: {params: [], call: (s) => deref(s.values.Value)},
    GetScope: {params: [], call: (s) => deref(s.values.Scope)},
    GetAsNumberName: {params: [], call: (s) => (s.values.AsName === '' ? s.values.AsNumber : `${s.values.AsNumber as string} ${s.values.AsName as string}`)},
  },
})

const DECISION: StructType = registerStructType({name: 'models.Decision', fields: fields(`
  Duration duration
  ID id,omitempty
  Origin origin
  Scenario scenario
  Scope scope
  Simulated simulated,omitempty
  Type type
  Until until,omitempty
  UUID uuid,omitempty
  Value value`)})

const ALERT: StructType = registerStructType({
  name: 'models.Alert',
  fields: fields(`
    Capacity capacity
    CreatedAt created_at,omitempty
    Decisions decisions
    Events events
    EventsCount events_count
    ID id,omitempty
    Kind kind
    Labels labels
    Leakspeed leakspeed
    MachineID machine_id,omitempty
    Message message
    Meta meta,omitempty
    Remediation remediation,omitempty
    Scenario scenario
    ScenarioHash scenario_hash
    ScenarioVersion scenario_version
    Simulated simulated
    Source source
    StartAt start_at
    StopAt stop_at
    UUID uuid,omitempty`),
  methods: {
    GetScope: {params: [], call: (a) => ((a.values.Source as GoPointer).elem as GoStruct).type.methods!.GetScope!.call((a.values.Source as GoPointer).elem as GoStruct, [])},
    GetValue: {params: [], call: (a) => ((a.values.Source as GoPointer).elem as GoStruct).type.methods!.GetValue!.call((a.values.Source as GoPointer).elem as GoStruct, [])},
    GetScenario: {params: [], call: (a) => deref(a.values.Scenario)},
    GetEventsCount: {params: [], call: (a) => deref(a.values.EventsCount)},
    GetMeta: {params: ['string'], call: (a, [key]) => metaValue(a.values.Meta, key as string)},
  },
})

function source(s: Source): GoPointer {
  return new GoPointer(SOURCE.name, new GoStruct(SOURCE, {
    AsName: s.AsName,
    AsNumber: s.AsNumber,
    Cn: s.Cn,
    IP: s.IP,
    Latitude: new GoNum('float32', s.Latitude),
    Longitude: new GoNum('float32', s.Longitude),
    Range: s.Range,
    Scope: str(s.Scope),
    Value: str(s.Value),
  }))
}

function event(e: EventEntry): GoPointer {
  return new GoPointer(EVENT.name, new GoStruct(EVENT, {Meta: metaList(e.Meta), Timestamp: str(e.Timestamp)}))
}

function decision(d: Decision): GoPointer {
  return new GoPointer(DECISION.name, new GoStruct(DECISION, {
    Duration: str(d.Duration),
    ID: new GoNum('int64', d.ID),
    Origin: str(d.Origin),
    Scenario: str(d.Scenario),
    Scope: str(d.Scope),
    // set only when true, as the LAPI model's JSON shows it (§1: `simulated` only if simulated)
    Simulated: d.Simulated ? new GoPointer('bool', true) : new GoPointer('bool'),
    Type: str(d.Type),
    Until: d.Until,
    UUID: d.UUID,
    Value: str(d.Value),
  }))
}

/** One alert as the Go value `*models.Alert`. */
export function alertTemplateValue(a: Alert): GoPointer {
  return new GoPointer(ALERT.name, new GoStruct(ALERT, {
    Capacity: int32(a.Capacity),
    CreatedAt: a.CreatedAt,
    Decisions: a.Decisions === null ? nilSlice('[]*models.Decision') : typedSlice(a.Decisions.map(decision), '[]*models.Decision'),
    Events: typedSlice(a.Events.map(event), '[]*models.Event'),
    EventsCount: int32(a.EventsCount),
    ID: new GoNum('int64', a.ID),
    Kind: a.Kind,
    Labels: a.Labels === null ? nilSlice('[]string') : stringSlice([...a.Labels]),
    Leakspeed: str(a.Leakspeed),
    MachineID: a.MachineID,
    Message: str(a.Message),
    Meta: metaList(a.Meta),
    Remediation: a.Remediation,
    Scenario: str(a.Scenario),
    ScenarioHash: str(a.ScenarioHash),
    ScenarioVersion: str(a.ScenarioVersion),
    Simulated: new GoPointer('bool', a.Simulated),
    Source: source(a.Source),
    StartAt: str(a.StartAt),
    StopAt: str(a.StopAt),
    UUID: a.UUID,
  }))
}

/** The data of a notification template: the alerts of one message, as `[]*models.Alert`. */
export function alertsTemplateData(alerts: readonly Alert[]): unknown[] {
  return typedSlice(alerts.map(alertTemplateValue), '[]*models.Alert')
}
