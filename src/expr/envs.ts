/**
 * The environments expressions are compiled against: the Go types of the variables each
 * caller provides (parsers.md §1, hubtest.md §4/§6, scenarios.md §2/§4, lapi.md §3).
 * Unknown fields of these structs are compile errors (`type pipeline.Event has no field Foo`).
 */
import {
  ANY_ARRAY, ANY_MAP, BOOL, FLOAT, INT, INT32, STRING, STRING_ARRAY, STRING_MAP, TIME, UNKNOWN,
  arrayOf, mapOf, sig, struct, type StructType, type Type,
} from './types.js'

export type ExprEnvName = 'event' | 'parser-assert' | 'scenario-assert' | 'alert' | 'bucket' | 'overflow-filter' | 'any'

export const META_ITEM: StructType = struct('models.MetaItems0', () => ({Key: STRING, Value: STRING}))

export const API_EVENT: StructType = struct(
  'models.Event',
  () => ({Meta: arrayOf(META_ITEM), Timestamp: STRING}),
  () => ({GetMeta: sig(1, STRING)}),
)

export const DECISION: StructType = struct('models.Decision', () => ({
  Duration: STRING, ID: INT, Origin: STRING, Scenario: STRING, Scope: STRING, Simulated: BOOL, Type: STRING, Until: STRING, UUID: STRING, Value: STRING,
}))

export const SOURCE: StructType = struct(
  'models.Source',
  () => ({AsName: STRING, AsNumber: STRING, Cn: STRING, IP: STRING, Latitude: FLOAT, Longitude: FLOAT, Range: STRING, Scope: STRING, Value: STRING}),
  () => ({GetScope: sig(0, STRING), GetValue: sig(0, STRING)}),
)

export const ALERT: StructType = struct(
  'models.Alert',
  () => ({
    Capacity: INT32, CreatedAt: STRING, Decisions: arrayOf(DECISION), Events: arrayOf(API_EVENT), EventsCount: INT32, ID: INT,
    Labels: STRING_ARRAY, Leakspeed: STRING, MachineID: STRING, Message: STRING, Meta: arrayOf(META_ITEM), Remediation: BOOL,
    Scenario: STRING, ScenarioHash: STRING, ScenarioVersion: STRING, Simulated: BOOL, Source: SOURCE, StartAt: STRING,
    StopAt: STRING, UUID: STRING, Kind: STRING,
  }),
  () => ({
    GetScenario: sig(0, STRING), GetScope: sig(0, STRING), GetValue: sig(0, STRING), GetEventsCount: sig(0, INT32),
    GetMeta: sig(1, STRING), HasRemediation: sig(0, BOOL),
  }),
)

export const RUNTIME_ALERT: StructType = struct(
  'pipeline.RuntimeAlert',
  () => ({
    Mapkey: STRING, BucketId: STRING, Whitelisted: BOOL, Reprocess: BOOL, Sources: mapOf(SOURCE), Alert: ALERT, APIAlerts: arrayOf(ALERT),
  }),
  () => ({GetSources: sig(0, STRING_ARRAY)}),
)

export const LINE: StructType = struct('pipeline.Line', () => ({
  Raw: STRING, Src: STRING, Time: TIME, Labels: STRING_MAP, Process: BOOL, Module: STRING,
}))

export const EVENT: StructType = struct(
  'pipeline.Event',
  () => ({
    Type: INT, ExpectMode: INT, Whitelisted: BOOL, WhitelistReason: STRING, Stage: STRING, Line: LINE,
    Parsed: STRING_MAP, Enriched: STRING_MAP, Unmarshaled: ANY_MAP, Meta: STRING_MAP, Overflow: RUNTIME_ALERT,
    Time: TIME, StrTime: STRING, StrTimeFormat: STRING, MarshaledTime: STRING, Process: BOOL, Appsec: UNKNOWN,
  }),
  () => ({
    GetMeta: sig(1, STRING), SetMeta: sig(2, BOOL), SetParsed: sig(2, BOOL), GetType: sig(0, STRING), ParseIPSources: sig(0, ANY_ARRAY),
  }),
)

export const PARSER_RESULT: StructType = struct('dumps.ParserResult', () => ({Idx: INT, Evt: EVENT, Success: BOOL}))

export interface ExprEnv {
  name: ExprEnvName
  /** Variables and their types; undefined for 'any' (every name accepted, read at run time). */
  vars?: Readonly<Record<string, Type>>
  /** Extra functions of this environment (hub asserts add `basename`). */
  functions: Readonly<Record<string, (...args: unknown[]) => unknown>>
}

/** Go filepath.Base. */
export function basename(path: unknown): string {
  if (typeof path !== 'string') throw new Error(`basename: argument must be a string, got ${path === null ? 'nil' : typeof path}`)
  if (path === '') return '.'
  const trimmed = path.replace(/\/+$/, '')
  if (trimmed === '') return '/'
  return trimmed.slice(trimmed.lastIndexOf('/') + 1)
}

const ASSERT_FUNCTIONS = {basename: basename as (...args: unknown[]) => unknown}

function vars(record: Record<string, Type>): Readonly<Record<string, Type>> {
  return Object.assign(Object.create(null) as Record<string, Type>, record)
}

export const ENVS: Readonly<Record<ExprEnvName, ExprEnv>> = {
  event: {name: 'event', vars: vars({evt: EVENT}), functions: {}},
  'parser-assert': {name: 'parser-assert', vars: vars({results: mapOf(mapOf(arrayOf(PARSER_RESULT)))}), functions: ASSERT_FUNCTIONS},
  'scenario-assert': {name: 'scenario-assert', vars: vars({results: arrayOf(EVENT)}), functions: ASSERT_FUNCTIONS},
  alert: {name: 'alert', vars: vars({Alert: ALERT}), functions: {}},
  /** Scenario `condition` and bayesian conditions: evt, queue, leaky (scenarios.md §4). */
  bucket: {name: 'bucket', vars: vars({evt: EVENT, queue: UNKNOWN, leaky: UNKNOWN}), functions: {}},
  /** Scenario `overflow_filter`: queue, signal, leaky. */
  'overflow-filter': {name: 'overflow-filter', vars: vars({queue: UNKNOWN, signal: RUNTIME_ALERT, leaky: UNKNOWN}), functions: {}},
  any: {name: 'any', functions: {}},
}

export const ENV_NAMES = Object.keys(ENVS) as ExprEnvName[]
