/**
 * The Event that walks the parser stages and the buckets, with exactly CrowdSec's field
 * names (parsers.md §1): hub expressions read them (`evt.Parsed.x`, `evt.Line.Labels.type`),
 * so they are an API and keep Go's spelling. Crowd-only helpers are free functions below,
 * never fields or methods, so expressions cannot see them.
 */
import {GoTime} from './go-time.js'
import {isGoMap, isStringMap, newAnyMap, newStringMap, type AnyMap, type StringMap} from './go-values.js'

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

/** GoTime is immutable: one zero value serves every new event. */
const ZERO_TIME = GoTime.zero()

export class Event {
  Type: number = EventType.log
  ExpectMode: number = ExpectMode.live
  Whitelisted = false
  WhitelistReason = ''
  Stage = ''
  Line: Line
  Parsed: StringMap = newStringMap()
  Enriched: StringMap = newStringMap()
  Unmarshaled: AnyMap = newAnyMap()
  Meta: StringMap = newStringMap()
  Overflow: OverflowLike = {Alert: null}
  Time: GoTime = ZERO_TIME
  StrTime = ''
  StrTimeFormat = ''
  MarshaledTime = ''
  Process = false
  Appsec: Record<string, unknown> = Object.create(null) as Record<string, unknown>

  constructor(line?: Line) {
    this.Line = line ?? {Raw: '', Src: '', Time: ZERO_TIME, Labels: newStringMap(), Process: false, Module: ''}
  }

  /** LOG: Meta[key] or ""; OVFLW: the first non-empty value of key among the alert's events. */
  GetMeta(key: string): string {
    if (this.Type === EventType.overflow) return overflowMeta(this.Overflow, key)
    return Object.hasOwn(this.Meta, key) ? this.Meta[key]! : ''
  }

  SetMeta(key: string, value: string): boolean {
    this.Meta[key] = value
    return true
  }

  SetParsed(key: string, value: string): boolean {
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
  const labels = newStringMap()
  for (const k of Object.keys(line.labels)) labels[k] = line.labels[k]!
  const evt = new Event({Raw: line.raw, Src: line.src, Time: line.time ?? GoTime.now(), Labels: labels, Process: true, Module: line.module})
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
