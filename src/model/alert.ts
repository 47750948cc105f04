/**
 * Alerts as CrowdSec's scenario stage builds them and its Local API receives them
 * (scenarios.md §13, hubtest.md §6, lapi.md §3). Field names are Go's (`Alert.Source.IP`,
 * `Overflow.Sources`, `GetEventsCount()`): hub expressions read them. `toJSON()` gives the
 * LAPI wire shape (snake_case keys, Go's struct order, omitempty rules).
 *
 * Go keeps `Source.Scope` and `Source.Value` behind pointers that an alert's source and
 * the matching `RuntimeAlert.Sources` entry share: a postoverflow static writing
 * `evt.Overflow.Alert.Source.Value` is visible through `Sources[ip].GetValue()`
 * (hubtest.md §6.3). Here they are shared mutable cells exposed as own accessor properties.
 */
import {stringSlice} from './go-values.js'

/** A mutable string shared by several sources (Go `*string`). */
export class StringCell {
  constructor(public v: string) {}
}

function defineCellProperty(target: object, name: string, cell: () => StringCell): void {
  Object.defineProperty(target, name, {
    enumerable: true,
    configurable: false,
    get: () => cell().v,
    set: (value: unknown) => {
      cell().v = typeof value === 'string' ? value : String(value ?? '')
    },
  })
}

/** models.Source. */
export class Source {
  AsName = ''
  AsNumber = ''
  Cn = ''
  IP = ''
  Latitude = 0
  Longitude = 0
  Range = ''
  declare Scope: string
  declare Value: string
  #scope: StringCell
  #value: StringCell

  constructor(init: {Scope?: string | StringCell; Value?: string | StringCell; IP?: string; Range?: string; AsName?: string;
    AsNumber?: string; Cn?: string; Latitude?: number; Longitude?: number} = {}) {
    this.#scope = init.Scope instanceof StringCell ? init.Scope : new StringCell(init.Scope ?? '')
    this.#value = init.Value instanceof StringCell ? init.Value : new StringCell(init.Value ?? '')
    defineCellProperty(this, 'Scope', () => this.#scope)
    defineCellProperty(this, 'Value', () => this.#value)
    if (init.IP !== undefined) this.IP = init.IP
    if (init.Range !== undefined) this.Range = init.Range
    if (init.AsName !== undefined) this.AsName = init.AsName
    if (init.AsNumber !== undefined) this.AsNumber = init.AsNumber
    if (init.Cn !== undefined) this.Cn = init.Cn
    if (init.Latitude !== undefined) this.Latitude = init.Latitude
    if (init.Longitude !== undefined) this.Longitude = init.Longitude
  }

  /** A copy whose Scope and Value share this source's cells (Go: copying a struct of pointers). */
  sharedCopy(): Source {
    return new Source({Scope: this.#scope, Value: this.#value, IP: this.IP, Range: this.Range, AsName: this.AsName,
      AsNumber: this.AsNumber, Cn: this.Cn, Latitude: this.Latitude, Longitude: this.Longitude})
  }

  GetScope(): string {
    return this.#scope.v
  }

  GetValue(): string {
    return this.#value.v
  }

  GetAsNumberName(): string {
    let value = this.AsNumber
    if (this.AsName !== '') value += ` ${this.AsName}`
    return value
  }

  toJSON(): Record<string, unknown> {
    const out: Record<string, unknown> = {}
    if (this.AsName !== '') out.as_name = this.AsName
    if (this.AsNumber !== '') out.as_number = this.AsNumber
    if (this.Cn !== '') out.cn = this.Cn
    if (this.IP !== '') out.ip = this.IP
    if (this.Latitude !== 0) out.latitude = this.Latitude
    if (this.Longitude !== 0) out.longitude = this.Longitude
    if (this.Range !== '') out.range = this.Range
    out.scope = this.#scope.v
    out.value = this.#value.v
    return out
  }
}

/** models.MetaItems0. */
export class MetaItem {
  constructor(public Key: string, public Value: string) {}

  toJSON(): Record<string, string> {
    const out: Record<string, string> = {}
    if (this.Key !== '') out.key = this.Key
    if (this.Value !== '') out.value = this.Value
    return out
  }
}

/** models.Event: one event kept in an alert. */
export class EventEntry {
  constructor(public Timestamp: string, public Meta: MetaItem[]) {}

  GetMeta(key: string): string {
    for (const item of this.Meta) if (item.Key === key) return item.Value
    return ''
  }

  toJSON(): Record<string, unknown> {
    return {meta: this.Meta, timestamp: this.Timestamp}
  }
}

/** models.Decision. */
export class Decision {
  Duration = ''
  ID = 0
  Origin = ''
  Scenario = ''
  Scope = ''
  Simulated = false
  Type = ''
  Until = ''
  UUID = ''
  Value = ''

  constructor(init: Partial<Omit<Decision, 'toJSON'>> = {}) {
    Object.assign(this, init)
  }

  toJSON(): Record<string, unknown> {
    const out: Record<string, unknown> = {duration: this.Duration}
    if (this.ID !== 0) out.id = this.ID
    out.origin = this.Origin
    out.scenario = this.Scenario
    out.scope = this.Scope
    if (this.Simulated) out.simulated = true
    out.type = this.Type
    if (this.Until !== '') out.until = this.Until
    if (this.UUID !== '') out.uuid = this.UUID
    out.value = this.Value
    return out
  }
}

/** models.Alert. */
export class Alert {
  Capacity = 0
  CreatedAt = ''
  Decisions: Decision[] | null = null
  Events: EventEntry[] = []
  EventsCount = 0
  ID = 0
  Kind = ''
  Labels: string[] | null = null
  Leakspeed = ''
  MachineID = ''
  Message = ''
  Meta: MetaItem[] = []
  Remediation = false
  Scenario = ''
  ScenarioHash = ''
  ScenarioVersion = ''
  Simulated = false
  Source: Source = new Source()
  StartAt = ''
  StopAt = ''
  UUID = ''

  GetScenario(): string {
    return this.Scenario
  }

  GetScope(): string {
    return this.Source.GetScope()
  }

  GetValue(): string {
    return this.Source.GetValue()
  }

  GetEventsCount(): number {
    return this.EventsCount
  }

  /** Value of an alert-context key, "" when absent. */
  GetMeta(key: string): string {
    for (const item of this.Meta) if (item.Key === key) return item.Value
    return ''
  }

  GetSources(): string[] {
    return stringSlice([this.Source.GetValue()])
  }

  /** A copy with its own Source object whose cells are shared with `source`. */
  withSource(source: Source): Alert {
    const copy = new Alert()
    Object.assign(copy, this)
    copy.Source = source
    return copy
  }

  toJSON(): Record<string, unknown> {
    const out: Record<string, unknown> = {}
    out.capacity = this.Capacity
    if (this.CreatedAt !== '') out.created_at = this.CreatedAt
    out.decisions = this.Decisions
    out.events = this.Events
    out.events_count = this.EventsCount
    if (this.ID !== 0) out.id = this.ID
    out.kind = this.Kind
    out.labels = this.Labels
    out.leakspeed = this.Leakspeed
    if (this.MachineID !== '') out.machine_id = this.MachineID
    out.message = this.Message
    if (this.Meta.length > 0) out.meta = this.Meta
    if (this.Remediation) out.remediation = true
    out.scenario = this.Scenario
    out.scenario_hash = this.ScenarioHash
    out.scenario_version = this.ScenarioVersion
    out.simulated = this.Simulated
    out.source = this.Source
    out.start_at = this.StartAt
    out.stop_at = this.StopAt
    if (this.UUID !== '') out.uuid = this.UUID
    return out
  }
}

/** types.RuntimeAlert: what `evt.Overflow` holds on an overflow event. */
export class RuntimeAlert {
  Mapkey = ''
  BucketId = ''
  Whitelisted = false
  Reprocess = false
  /** Keyed by source value (attacker text): a null-prototype map. */
  Sources: Record<string, Source> = Object.create(null) as Record<string, Source>
  Alert: Alert | null = null
  APIAlerts: Alert[] = []

  /** Keys of Sources (Go map order is random; crowd uses insertion order). */
  GetSources(): string[] {
    return stringSlice(Object.keys(this.Sources))
  }

  toJSON(): Record<string, unknown> {
    return {Mapkey: this.Mapkey, BucketId: this.BucketId, Whitelisted: this.Whitelisted, Reprocess: this.Reprocess,
      Sources: this.Sources, Alert: this.Alert, APIAlerts: this.APIAlerts}
  }
}

/** Reads `Sources[key]` as Go would: the zero Source when absent. */
export function sourceOf(alert: RuntimeAlert, key: string): Source {
  return Object.hasOwn(alert.Sources, key) ? alert.Sources[key]! : new Source()
}
