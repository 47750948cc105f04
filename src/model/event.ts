/**
 * The Event that walks the parser stages and the buckets, with exactly CrowdSec's field
 * names (parsers.md §1): hub expressions read them (`evt.Parsed.x`, `evt.Line.Labels.type`),
 * so they are an API and keep Go's spelling. Crowd-only helpers are free functions below,
 * never fields or methods, so expressions cannot see them.
 */
import {GoTime} from './go-time.js'
import {isGoMap, isStringMap, newAnyMap, newSmallStringMap, newStringMap, type AnyMap, type StringMap} from './go-values.js'

export const EventType = {log: 0, overflow: 1, appsec: 2} as const
export const ExpectMode = {live: 0, timeMachine: 1} as const

/** The acquired line (CrowdSec `types.Line`). */
export interface Line {
  Raw: string
  Src: string
  Time: GoTime
  Labels: StringMap
  Process: boolean
  Module: string
}

/**
 * The overflow part of an event (CrowdSec `types.RuntimeAlert`). Its real shape belongs to
 * the detect stage (src/model/alert.ts); a log event carries the zero value: no Alert.
 */
export interface OverflowLike {
  Alert: unknown
  Sources?: Record<string, unknown>
  Whitelisted?: boolean
  [field: string]: unknown
}

export interface RawLineInput {
  raw: string
  src: string
  module: string
  labels: Record<string, string>
  time?: GoTime
}

/**
 * Counts the writes expressions make into maps while they run: Event.SetMeta/SetParsed and the
 * helpers that fill a target map (UnmarshalJSON, ParseKV, ParseKVLax). Per-event caches of pure
 * results (the detector's shared filter parts, sub-expression memo and prefilter) compare it
 * to know whether the event may have changed since they were filled.
 */
export const expressionWrites = {count: 0}

/** GoTime is immutable: one zero value serves every new event. */
const ZERO_TIME = GoTime.zero()

/**
 * A log event's Overflow (no alert) and Appsec are never written in place (statics can only
 * assign existing string fields of an overflow, and the detect stage replaces Overflow
 * wholesale): every new event shares these frozen zero values instead of allocating two
 * objects per line.
 */
const NO_OVERFLOW: OverflowLike = Object.freeze({Alert: null}) as OverflowLike
const NO_APPSEC: Record<string, unknown> = Object.freeze(Object.create(null) as Record<string, unknown>)

export class Event {
  Type: number = EventType.log
  ExpectMode: number = ExpectMode.live
  Whitelisted = false
  WhitelistReason = ''
  Stage = ''
  Line: Line
  Parsed: StringMap
  Enriched: StringMap
  Unmarshaled: AnyMap
  Meta: StringMap
  Overflow: OverflowLike = NO_OVERFLOW
  Time: GoTime = ZERO_TIME
  StrTime = ''
  StrTimeFormat = ''
  MarshaledTime = ''
  Process = false
  Appsec: Record<string, unknown> = NO_APPSEC

  /** The maps default to new empty ones. */
  constructor(line?: Line, parsed?: StringMap, enriched?: StringMap, unmarshaled?: AnyMap, meta?: StringMap) {
    this.Line = line ?? {Raw: '', Src: '', Time: ZERO_TIME, Labels: newSmallStringMap(), Process: false, Module: ''}
    this.Parsed = parsed ?? newStringMap()
    this.Enriched = enriched ?? newSmallStringMap()
    this.Unmarshaled = unmarshaled ?? newAnyMap()
    this.Meta = meta ?? newStringMap()
  }

  /** LOG: Meta[key] or ""; OVFLW: the first non-empty value of key among the alert's events. */
  GetMeta(key: string): string {
    if (this.Type === EventType.overflow) return overflowMeta(this.Overflow, key)
    return Object.hasOwn(this.Meta, key) ? this.Meta[key]! : ''
  }

  SetMeta(key: string, value: string): boolean {
    expressionWrites.count++
    this.Meta[key] = value
    return true
  }

  SetParsed(key: string, value: string): boolean {
    expressionWrites.count++
    this.Parsed[key] = value
    return true
  }

  GetType(): string {
    if (this.Type === EventType.log) return 'log'
    if (this.Type === EventType.overflow) return 'overflow'
    return 'unknown'
  }
}

function overflowMeta(overflow: OverflowLike, key: string): string {
  const alerts = (overflow as {APIAlerts?: unknown}).APIAlerts
  const list = Array.isArray(alerts) ? alerts : overflow.Alert ? [overflow.Alert] : []
  for (const alert of list) {
    const events = (alert as {Events?: unknown} | null)?.Events
    if (!Array.isArray(events)) continue
    for (const e of events) {
      const meta = (e as {Meta?: unknown} | null)?.Meta
      if (!Array.isArray(meta)) continue
      for (const m of meta) {
        const entry = m as {Key?: unknown; Value?: unknown}
        if (entry.Key === key && typeof entry.Value === 'string' && entry.Value !== '') return entry.Value
      }
    }
  }
  return ''
}

/** A LOG event for one acquired line, as the file datasource builds it (hubtest.md §3.3). */
export function newLogEvent(line: RawLineInput): Event {
  return lineEvent(line.raw, line.src, line.module, line.labels, line.time ?? GoTime.now())
}

/** newLogEvent with the line's parts as arguments: the parse loop makes one per line, without an input object. */
export function lineEvent(raw: string, src: string, module: string, sourceLabels: Record<string, string>, time: GoTime): Event {
  const labels = newSmallStringMap()
  for (const k in sourceLabels) if (Object.hasOwn(sourceLabels, k)) labels[k] = sourceLabels[k]!
  const evt = new Event({Raw: raw, Src: src, Time: time, Labels: labels, Process: true, Module: module})
  evt.Process = true
  return evt
}

/**
 * A deep copy for hub-test results: maps are copied (keeping their map kind), nested
 * Unmarshaled values are copied, times are immutable and shared. Overflow is shared (the
 * parse stage never records overflow internals other than through statics on strings).
 */
export function cloneEvent(evt: Event): Event {
  const copy = new Event()
  copy.Type = evt.Type
  copy.ExpectMode = evt.ExpectMode
  copy.Whitelisted = evt.Whitelisted
  copy.WhitelistReason = evt.WhitelistReason
  copy.Stage = evt.Stage
  copy.Line = {...evt.Line, Labels: copyStringMap(evt.Line.Labels)}
  copy.Parsed = copyStringMap(evt.Parsed)
  copy.Enriched = copyStringMap(evt.Enriched)
  copy.Meta = copyStringMap(evt.Meta)
  copy.Unmarshaled = deepCopyValue(evt.Unmarshaled) as AnyMap
  copy.Overflow = evt.Overflow
  copy.Time = evt.Time
  copy.StrTime = evt.StrTime
  copy.StrTimeFormat = evt.StrTimeFormat
  copy.MarshaledTime = evt.MarshaledTime
  copy.Process = evt.Process
  copy.Appsec = evt.Appsec
  return copy
}

export function copyStringMap(m: StringMap): StringMap {
  const out = newStringMap()
  for (const k of Object.keys(m)) out[k] = m[k]!
  return out
}

function deepCopyValue(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(deepCopyValue)
  if (v !== null && typeof v === 'object') {
    if (!isGoMap(v)) return v // class instances (GoFloat, GoTime): immutable
    const out: Record<string, unknown> = isStringMap(v) ? newStringMap() : newAnyMap()
    for (const k of Object.keys(v)) out[k] = deepCopyValue((v as Record<string, unknown>)[k])
    return out
  }
  return v
}

/**
 * A string that holds no reference to a larger one. V8 keeps substrings (grok captures,
 * lines split from a read buffer) as views into their parent, so one kept field can pin a
 * whole read chunk; a concatenation flattened by slice() copies just the characters.
 */
export function detachString(s: string): string {
  if (s.length < 13) return s // V8 copies short substrings already
  const known = detached.get(s)
  if (known !== undefined) return known
  const copy = (' ' + s).slice(1)
  // kept values repeat a lot (log_type, service, source_ip...): share one copy of each
  if (detached.size >= DETACHED_MAX) detached.clear()
  detached.set(copy, copy)
  return copy
}

/** Recently detached strings, by value (bounded; a cache, never a source of truth). */
const detached = new Map<string, string>()
const DETACHED_MAX = 50_000

const keepString = (s: string): string => s

function detachedStringMap(m: StringMap, detach: (s: string) => string): StringMap {
  const out = newStringMap()
  for (const k in m) {
    if (!Object.hasOwn(m, k)) continue
    const v = m[k]
    out[k] = typeof v === 'string' ? detach(v) : v! // keys come from parser files
  }
  return out
}

const EMPTY_STRING_MAP: StringMap = Object.freeze(newStringMap())
const EMPTY_ANY_MAP: AnyMap = Object.freeze(newAnyMap())
const EMPTY_LINE: Line = Object.freeze({Raw: '', Src: '', Time: ZERO_TIME, Labels: EMPTY_STRING_MAP, Process: false, Module: ''})

/**
 * A read-only copy of a LOG event for bucket queues that holds only what is needed later:
 * always Type, ExpectMode, Whitelisted, Stage, Process, Time, MarshaledTime, Meta (alert
 * events) and the Enriched keys of alert sources, plus the top-level fields named in `keep`
 * (those the scenario's queue expressions read: Line, Parsed, Enriched, Unmarshaled,
 * StrTime, StrTimeFormat). Other fields are shared, frozen empty values. Kept strings are
 * detached from the line they were cut from, unless `ownStrings` says the event's strings
 * are their own already (events decoded from the parse worker: JSON.parse makes flat strings).
 */
export function slimEvent(evt: Event, keep: ReadonlySet<string>, ownStrings = false): Event {
  const detach = ownStrings ? keepString : detachString
  const slim = new Event(
    keep.has('Line') ? detachedLine(evt.Line, detach) : EMPTY_LINE,
    keep.has('Parsed') ? detachedStringMap(evt.Parsed, detach) : EMPTY_STRING_MAP,
    keep.has('Enriched') ? detachedStringMap(evt.Enriched, detach) : sourceEnrichment(evt.Enriched, detach),
    keep.has('Unmarshaled') ? evt.Unmarshaled : EMPTY_ANY_MAP,
    detachedStringMap(evt.Meta, detach),
  )
  slim.Type = evt.Type
  slim.ExpectMode = evt.ExpectMode
  slim.Whitelisted = evt.Whitelisted
  slim.WhitelistReason = evt.WhitelistReason
  slim.Stage = evt.Stage
  slim.Process = evt.Process
  slim.Time = evt.Time
  slim.MarshaledTime = detach(evt.MarshaledTime)
  slim.Overflow = evt.Overflow
  slim.Appsec = evt.Appsec
  if (keep.has('StrTime')) slim.StrTime = detach(evt.StrTime)
  if (keep.has('StrTimeFormat')) slim.StrTimeFormat = evt.StrTimeFormat
  return slim
}

/** The Enriched keys an alert source reads (scenarios.md §13.2). */
export const SOURCE_ENRICHED_KEYS: readonly string[] = ['ASNumber', 'ASNNumber', 'IsoCode', 'ASNOrg', 'Latitude', 'Longitude']

function sourceEnrichment(m: StringMap, detach: (s: string) => string): StringMap {
  let out: StringMap | undefined
  for (const k of SOURCE_ENRICHED_KEYS) {
    if (!Object.hasOwn(m, k)) continue
    out ??= newSmallStringMap()
    out[k] = detach(m[k]!)
  }
  return out ?? EMPTY_STRING_MAP
}

function detachedLine(l: Line, detach: (s: string) => string): Line {
  return {Raw: detach(l.Raw), Src: l.Src, Time: l.Time, Labels: detachedStringMap(l.Labels, detach), Process: l.Process, Module: l.Module}
}
