/**
 * Overflowing bucket -> RuntimeAlert (scenarios.md §13): sources from every queued event,
 * the alert fields, event entries with sorted Meta, alert context, one API alert per source.
 * Returns null (with the reason) in the silent-drop cases of §13.6.
 */
import {Alert, EventEntry, MetaItem, RuntimeAlert, Source, StringCell} from '../model/alert.js'
import {EventType, type Event} from '../model/event.js'
import type {Program} from '../expr/index.js'
import type {Bucket} from './bucket.js'
import {isValidIP, normalizeCidr} from './ip.js'
import {formatRfc3339Nano} from '../model/go-time-layout.js'
import {diffNs, formatGoDefault, formatGoDuration, type Instant} from './time.js'
import {compareBytes} from '../model/order.js'

/** Alert context (console/context.yaml + hub contexts): key -> expressions. */
export type AlertContext = ReadonlyArray<{key: string; programs: Program[]}>

export const CONTEXT_VALUE_MAX = 4000

export type BuildResult = {alert: RuntimeAlert} | {alert: null; reason: string}

export function buildAlert(bucket: Bucket, context?: AlertContext): BuildResult {
  const s = bucket.scenario
  const scopeType = s.scope.type
  const sources = new Map<string, Source>()
  for (const evt of bucket.queue) {
    const failure = collectSources(bucket, evt, sources)
    if (failure !== null) return {alert: null, reason: failure}
  }
  if (sources.size === 0) return {alert: null, reason: 'no source in overflow'}
  let scope: string | undefined
  for (const src of sources.values()) {
    if (scope === undefined) scope = src.GetScope()
    else if (scope !== src.GetScope()) return {alert: null, reason: 'sources of different scopes in one overflow'}
  }

  const first = bucket.firstTs!, last = bucket.lastTs!, ovflw = bucket.ovflwTs ?? last
  const sourceText = sources.size === 1 ? [...sources.keys()][0]! : `${sources.size} sources`
  const base = new Alert()
  base.Capacity = s.capacity
  base.Events = eventEntries(bucket.queue)
  base.EventsCount = bucket.totalCount
  base.Kind = 'crowdsec'
  base.Leakspeed = s.leakspeedText
  base.Message = `${scopeType} ${sourceText} performed '${s.name}' (${bucket.totalCount} events over ${formatGoDuration(diffNs(ovflw, first))}) at ${formatGoDefault(last)}`
  base.Remediation = s.remediation
  base.Scenario = s.name
  base.ScenarioHash = s.hash
  base.ScenarioVersion = s.version
  base.Simulated = s.simulated
  base.StartAt = formatRfc3339Nano(first)
  base.StopAt = formatRfc3339Nano(ovflw)
  if (context !== undefined && context.length > 0) base.Meta = alertContext(bucket.queue, context)

  const runtime = new RuntimeAlert()
  runtime.Mapkey = bucket.key
  runtime.BucketId = bucket.uuid
  runtime.Reprocess = s.reprocess
  for (const [key, src] of sources) runtime.Sources[key] = src
  runtime.APIAlerts = [...sources.values()].map((src) => base.withSource(src.sharedCopy()))
  runtime.Alert = runtime.APIAlerts[0]!
  return {alert: runtime}
}

function collectSources(bucket: Bucket, evt: Event, out: Map<string, Source>): string | null {
  const s = bucket.scenario
  const scopeType = s.scope.type
  if (evt.Type === EventType.overflow) {
    const inner = evt.Overflow as unknown as RuntimeAlert
    const innerSources = inner.Sources ?? {}
    for (const key of Object.keys(innerSources)) {
      const src = innerSources[key]!
      if (src.GetScope() === scopeType) {
        out.set(key, src)
      } else if (scopeType === 'Range' && src.GetScope() === 'Ip') {
        let value = src.Range
        if (s.scope.expression) {
          const v = runScopeExpression(s.scope.expression, evt)
          if (v === null) return 'scope expression failed'
          value = v
        }
        if (value === '') continue
        out.set(value, new Source({Scope: 'Range', Value: value, IP: src.IP, Range: src.Range, AsName: src.AsName,
          AsNumber: src.AsNumber, Cn: src.Cn, Latitude: src.Latitude, Longitude: src.Longitude}))
      }
    }
    return null
  }
  if (scopeType === 'Ip' || scopeType === 'Range') {
    const ip = Object.hasOwn(evt.Meta, 'source_ip') ? evt.Meta.source_ip! : ''
    if (ip === '' || !isValidIP(ip)) return `invalid or missing source_ip '${ip}'`
    const src = new Source({Scope: scopeType, IP: ip})
    const enriched = evt.Enriched
    const get = (k: string): string => (Object.hasOwn(enriched, k) ? enriched[k]! : '')
    src.AsNumber = get('ASNumber') !== '' ? get('ASNumber') : get('ASNNumber')
    src.Cn = get('IsoCode')
    src.AsName = get('ASNOrg')
    src.Latitude = parseFloat32(get('Latitude'))
    src.Longitude = parseFloat32(get('Longitude'))
    const rangeText = Object.hasOwn(evt.Meta, 'SourceRange') ? evt.Meta.SourceRange! : ''
    if (rangeText !== '') {
      const range = normalizeCidr(rangeText)
      if (range === null) return `invalid SourceRange '${rangeText}'`
      src.Range = range
    }
    let value = scopeType === 'Ip' ? ip : src.Range
    if (scopeType === 'Range' && s.scope.expression) {
      const v = runScopeExpression(s.scope.expression, evt)
      if (v === null) return 'scope expression failed'
      value = v
    }
    src.Value = value
    out.set(value, src)
    return null
  }
  let value = ''
  if (s.scope.expression) {
    const v = runScopeExpression(s.scope.expression, evt)
    if (v === null) return 'scope expression failed'
    value = v
  }
  out.set(value, new Source({Scope: new StringCell(scopeType), Value: value}))
  return null
}

/** string result, "" for other types, null on a runtime error (alert dropped). */
function runScopeExpression(program: Program, evt: Event): string | null {
  try {
    const v = program.run({evt})
    return typeof v === 'string' ? v : ''
  } catch {
    return null
  }
}

function parseFloat32(text: string): number {
  if (text === '') return 0
  const n = Number(text)
  return Number.isFinite(n) ? Math.fround(n) : 0
}

function eventTimestamp(evt: Event): string {
  if (evt.MarshaledTime !== '') return evt.MarshaledTime
  return formatRfc3339Nano(evt.Time as Instant)
}

export function eventEntries(queue: readonly Event[]): EventEntry[] {
  const out: EventEntry[] = []
  for (const evt of queue) {
    const meta = evt.Meta
    if (meta === null || meta === undefined) continue
    const keys = Object.keys(meta).sort(compareBytes)
    out.push(new EventEntry(eventTimestamp(evt), keys.map((k) => new MetaItem(k, meta[k]!))))
  }
  return out
}

/** §13.4: per key, collected string values of every expression over every queued event, as a JSON array. */
export function alertContext(queue: readonly Event[], context: AlertContext): MetaItem[] {
  const items: MetaItem[] = []
  for (const {key, programs} of context) {
    const values: string[] = []
    const seen = new Set<string>()
    const add = (v: string): void => {
      if (v === '' || seen.has(v)) return
      seen.add(v)
      values.push(v)
    }
    for (const evt of queue) {
      for (const program of programs) {
        let v: unknown
        try {
          v = program.run({evt})
        } catch {
          continue
        }
        if (typeof v === 'string') add(v)
        else if (typeof v === 'number' && Number.isInteger(v)) add(String(v))
        else if (Array.isArray(v)) {
          for (const x of v) if (typeof x === 'string') add(x)
            else if (typeof x === 'number' && Number.isInteger(x)) add(String(x))
        }
      }
    }
    if (values.length === 0) continue
    items.push(new MetaItem(key, truncateContext(values)))
  }
  return items
}

function truncateContext(values: string[]): string {
  let list = [...values]
  let json = JSON.stringify(list)
  while (Buffer.byteLength(json) > CONTEXT_VALUE_MAX) {
    if (list.length > 1) list = list.slice(0, -1)
    else list = [list[0]!.slice(0, Math.floor(list[0]!.length / 2)) + '...']
    json = JSON.stringify(list)
  }
  return json
}

/** Converts an Instant to RFC 3339 for the overflow event's MarshaledTime. */
export function overflowTime(t: Instant): string {
  return formatRfc3339Nano(t)
}
