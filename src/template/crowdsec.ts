/**
 * The functions CrowdSec adds to its notification templates (pkg/csplugin/helpers.go):
 * `GetMeta ALERT "key"` (the values of that key across the alert's events, duplicates kept;
 * nil when none), `CrowdsecCTI "ip"` (a CTI smoke item, answered by the lookup the caller
 * passes in the render options: crowd never reaches the network from a template; without one,
 * the empty item CrowdSec answers when CTI is disabled), `Hostname`, and `HTMLEscape`
 * (html.EscapeString, which differs from the builtin `html` on NUL).
 */
import {FuncError, fn, type TemplateFunc} from './funcs.js'
import {GoPointer, GoStruct, nilSlice, registerStructType, typedMap, typedSlice, newMap, isMap, type StructType} from './value.js'
import {stringSlice} from '../model/go-values.js'

function getMeta(alert: unknown, key: string): unknown {
  if (!(alert instanceof GoPointer) || alert.isNil()) throw new FuncError('runtime error: invalid memory address or nil pointer dereference')
  const a = alert.elem as GoStruct
  const values: string[] = []
  for (const evt of a.values.Events as GoPointer[]) {
    const e = evt.elem as GoStruct | undefined
    if (e === undefined) throw new FuncError('runtime error: invalid memory address or nil pointer dereference')
    for (const m of e.values.Meta as GoPointer[]) {
      const item = m.elem as GoStruct
      if (item.values.Key === key) values.push(item.values.Value as string)
    }
  }
  return values.length === 0 ? nilSlice('[]string') : stringSlice(values)
}

/** html.EscapeString. */
function htmlEscapeString(s: string): string {
  return s.replace(/[<>&'"]/g, (c) => ({'<': '&lt;', '>': '&gt;', '&': '&amp;', "'": '&#39;', '"': '&#34;'})[c]!)
}

// ---- CTI smoke items (pkg/cticlient types), built from the JSON the CTI API answers

type FieldKind = 'string' | 'int' | 'float' | 'strings' | 'counts' | StructSpec | {list: StructSpec}

interface StructSpec {
  name: string
  fields: readonly [goName: string, json: string, kind: FieldKind][]
}

const INFO: StructSpec = {name: 'cticlient.CTIBehavior', fields: [['Name', 'name', 'string'], ['Label', 'label', 'string'], ['Description', 'description', 'string']]}
const CLASSIFICATION: StructSpec = {name: 'cticlient.CTIClassification', fields: INFO.fields}
const ATTACK: StructSpec = {name: 'cticlient.CTIAttackDetails', fields: [...INFO.fields, ['References', 'references', 'strings']]}
const SCORE: StructSpec = {name: 'cticlient.CTIScore', fields: [['Aggressiveness', 'aggressiveness', 'int'], ['Threat', 'threat', 'int'], ['Trust', 'trust', 'int'], ['Anomaly', 'anomaly', 'int'], ['Total', 'total', 'int']]}

const SMOKE: StructSpec = {
  name: 'cticlient.SmokeItem',
  fields: [
    ['IpRangeScore', 'ip_range_score', 'int'],
    ['Ip', 'ip', 'string'],
    ['IpRange', 'ip_range', 'string'],
    ['AsName', 'as_name', 'string'],
    ['AsNum', 'as_num', 'int'],
    ['Location', 'location', {name: 'cticlient.CTILocationInfo', fields: [['Country', 'country', 'string'], ['City', 'city', 'string'], ['Latitude', 'latitude', 'float'], ['Longitude', 'longitude', 'float']]}],
    ['ReverseDNS', 'reverse_dns', 'string'],
    ['Reputation', 'reputation', 'string'],
    ['BackgroundNoise', 'background_noise', 'string'],
    ['Confidence', 'confidence', 'string'],
    ['BackgroundNoiseScore', 'background_noise_score', 'int'],
    ['Behaviors', 'behaviors', {list: INFO}],
    ['History', 'history', {name: 'cticlient.CTIHistory', fields: [['FirstSeen', 'first_seen', 'string'], ['LastSeen', 'last_seen', 'string'], ['FullAge', 'full_age', 'int'], ['DaysAge', 'days_age', 'int']]}],
    ['Classifications', 'classifications', {name: 'cticlient.CTIClassifications', fields: [['FalsePositives', 'false_positives', {list: CLASSIFICATION}], ['Classifications', 'classifications', {list: CLASSIFICATION}]]}],
    ['AttackDetails', 'attack_details', {list: ATTACK}],
    ['TargetCountries', 'target_countries', 'counts'],
    ['MitreTechniques', 'mitre_techniques', {list: INFO}],
    ['CVEs', 'cves', 'strings'],
    ['Scores', 'scores', {name: 'cticlient.CTIScores', fields: [['Overall', 'overall', SCORE], ['LastDay', 'last_day', SCORE], ['LastWeek', 'last_week', SCORE], ['LastMonth', 'last_month', SCORE]]}],
  ],
}

const structTypes = new Map<StructSpec, StructType>()

function structTypeOf(spec: StructSpec): StructType {
  let t = structTypes.get(spec)
  if (t === undefined) {
    t = registerStructType({name: spec.name, fields: spec.fields.map(([name, json]) => ({name, json, omitempty: false}))})
    structTypes.set(spec, t)
  }
  return t
}

function field(v: unknown, kind: FieldKind): unknown {
  if (kind === 'string') return typeof v === 'string' ? v : ''
  if (kind === 'int') return typeof v === 'number' && Number.isInteger(v) ? v : 0
  if (kind === 'float') return typeof v === 'number' ? v : 0
  if (kind === 'strings') return Array.isArray(v) ? stringSlice(v.filter((e): e is string => typeof e === 'string')) : nilSlice('[]string')
  if (kind === 'counts') {
    const m = typedMap(newMap(), 'map[string]int')
    if (isMap(v) || (typeof v === 'object' && v !== null && !Array.isArray(v))) {
      for (const [k, n] of Object.entries(v as object)) if (typeof n === 'number') m[k] = Math.trunc(n)
    }
    return m
  }
  if ('list' in kind) {
    const type = `[]*${kind.list.name}`
    if (!Array.isArray(v)) return nilSlice(type)
    return typedSlice(v.map((e) => new GoPointer(kind.list.name, struct(e, kind.list))), type)
  }
  return struct(v, kind)
}

function struct(v: unknown, spec: StructSpec): GoStruct {
  const src = typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : {}
  const values: Record<string, unknown> = {}
  for (const [name, json, kind] of spec.fields) values[name] = field(Object.hasOwn(src, json) ? src[json] : undefined, kind)
  return new GoStruct(structTypeOf(spec), values)
}

/** A CTI smoke item (the JSON of the CTI API, or nothing) as the Go value CrowdSec's template gets. */
export function smokeItem(json: unknown): GoPointer {
  return new GoPointer(SMOKE.name, struct(json, SMOKE))
}

export const CROWDSEC_FUNCS: ReadonlyArray<[string, TemplateFunc]> = [
  ['GetMeta', fn(['*models.Alert', 'string'], ([a, k]) => getMeta(a, k as string))],
  ['CrowdsecCTI', fn(['string'], ([ip], ctx) => smokeItem(ctx.ctiLookup(ip as string)))],
  ['Hostname', fn([], (_args, ctx) => ctx.hostname())],
  ['HTMLEscape', fn(['string'], ([s]) => htmlEscapeString(s as string))],
]
