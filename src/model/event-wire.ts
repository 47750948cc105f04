/**
 * A compact wire form of parsed LOG events, for the parse worker of `crowd scan`
 * (src/pipeline/parse-worker.ts): structured clone would lose the Event class, GoTime,
 * GoFloat and the map kinds of go-values.ts, which expressions and reports depend on.
 *
 * An event becomes one JSON-safe array (many of them make one JSON string per batch):
 *
 *   [Type, ExpectMode, Whitelisted, WhitelistReason, Stage,
 *    Line.Raw, Line.Src, Line.Time, Line.Labels, Line.Process, Line.Module,
 *    Parsed, Enriched, Unmarshaled, Meta, Time, StrTime, StrTimeFormat, MarshaledTime, Process]
 *
 * String maps are flat [key, value, ...] arrays (key order kept); keys and repeated strings
 * may be numbers (see WireEncoder). Other Go values (Unmarshaled) are tagged
 * arrays, so that attacker-chosen map keys can never be taken for a tag:
 *
 *   ["M", k, v, ...] map[string]any      ["S", k, v, ...] map[string]string
 *   ["A", v, ...]    []any               ["L", s, ...]    []string (stringSlice)
 *   ["F", n]         integral float64    ["N", "NaN"|"+Inf"|"-Inf"] non-finite number
 *   ["T", sec, nsec, zone...] time.Time  ["D", ns] time.Duration
 *
 * Strings, booleans, null and finite numbers are themselves. Only what a parsed log event can
 * hold is encoded: an event that carries an Overflow or Appsec part is refused.
 */
import {CrowdError} from './errors.js'
import {Event} from './event.js'
import {fixedZone, GoDuration, GoTime, loadLocation, localLocation, UTC, type GoLocation} from './go-time.js'
import {GoFloat, isStringMap, isStringSlice, markStringMap, newAnyMap, newStringMap, stringSlice, type AnyMap, type StringMap} from './go-values.js'

export type WireEvent = unknown[]

/** The zero Overflow and Appsec values every new log event shares. */
const BLANK = new Event()

/** Strings at least this long are sent once per event; repeats become back-references. */
const MIN_SHARED = 8
/** Map keys get stream-wide numbers, up to this many distinct keys (then they are sent as text). */
const MAX_KEYS = 4096

/**
 * Encodes the events of one stream, in order, for one WireDecoder. Map keys (parser field
 * names) are numbered once per stream; a string repeated within an event (Parsed.message is
 * Line.Raw, the user agent is in Parsed and Meta) is sent once and then referenced by number.
 */
export class WireEncoder {
  private readonly keys = new Map<string, number>()
  private readonly seen = new Map<string, number>()

  encode(evt: Event): WireEvent {
    if (evt.Overflow !== BLANK.Overflow || evt.Appsec !== BLANK.Appsec) {
      throw new CrowdError('internal', 'only log events without overflow or appsec parts can cross to another thread')
    }
    this.seen.clear()
    const line = evt.Line
    return [
      evt.Type, evt.ExpectMode, evt.Whitelisted, this.str(evt.WhitelistReason), this.str(evt.Stage),
      this.str(line.Raw), this.str(line.Src), encodeTime(line.Time), this.stringMap(line.Labels), line.Process, this.str(line.Module),
      this.stringMap(evt.Parsed), this.stringMap(evt.Enriched), encodeAnyMapBody(evt.Unmarshaled), this.stringMap(evt.Meta),
      encodeTime(evt.Time), this.str(evt.StrTime), this.str(evt.StrTimeFormat), this.str(evt.MarshaledTime), evt.Process,
    ]
  }

  /** A batch as one JSON string. */
  encodeBatch(events: readonly Event[]): string {
    return JSON.stringify(events.map((e) => this.encode(e)))
  }

  private str(s: string): string | number {
    if (s.length < MIN_SHARED) return s
    const at = this.seen.get(s)
    if (at !== undefined) return at
    this.seen.set(s, this.seen.size)
    return s
  }

  private key(k: string): string | number {
    const at = this.keys.get(k)
    if (at !== undefined) return at
    if (this.keys.size < MAX_KEYS) this.keys.set(k, this.keys.size)
    return k
  }

  private stringMap(m: StringMap): (string | number)[] {
    const out: (string | number)[] = []
    for (const k in m) {
      if (Object.hasOwn(m, k)) out.push(this.key(k), this.str(m[k]!))
    }
    return out
  }
}

/** The other end of one WireEncoder's stream: decodes its events in the same order. */
export class WireDecoder {
  private readonly keys: string[] = []
  private seen: string[] = []

  decode(w: WireEvent): Event {
    this.seen = []
    const whitelistReason = this.str(w[3])
    const stage = this.str(w[4])
    const raw = this.str(w[5])
    const src = this.str(w[6])
    const lineTime = decodeTime(w[7] as unknown[])
    const labels = this.stringMap(w[8] as unknown[])
    const module = this.str(w[10])
    const parsed = this.stringMap(w[11] as unknown[])
    const enriched = this.stringMap(w[12] as unknown[])
    const unmarshaled = decodeAnyMapBody(w[13] as unknown[], 0)
    const meta = this.stringMap(w[14] as unknown[])
    const evt = new Event({Raw: raw, Src: src, Time: lineTime, Labels: labels, Process: w[9] as boolean, Module: module}, parsed, enriched, unmarshaled, meta)
    evt.Type = w[0] as number
    evt.ExpectMode = w[1] as number
    evt.Whitelisted = w[2] as boolean
    evt.WhitelistReason = whitelistReason
    evt.Stage = stage
    evt.Time = decodeTime(w[15] as unknown[])
    evt.StrTime = this.str(w[16])
    evt.StrTimeFormat = this.str(w[17])
    evt.MarshaledTime = this.str(w[18])
    evt.Process = w[19] as boolean
    return evt
  }

  decodeBatch(text: string): Event[] {
    return (JSON.parse(text) as WireEvent[]).map((w) => this.decode(w))
  }

  private str(v: unknown): string {
    if (typeof v === 'number') return this.seen[v]!
    const s = v as string
    if (s.length >= MIN_SHARED) this.seen.push(s)
    return s
  }

  private key(v: unknown): string {
    if (typeof v === 'number') return this.keys[v]!
    const k = v as string
    if (this.keys.length < MAX_KEYS) this.keys.push(k)
    return k
  }

  private stringMap(flat: readonly unknown[]): StringMap {
    const m = newStringMap()
    for (let i = 0; i < flat.length; i += 2) {
      const k = this.key(flat[i])
      m[k] = this.str(flat[i + 1])
    }
    return m
  }
}

/** One event on its own (a one-event stream). */
export function encodeEvent(evt: Event): WireEvent {
  return new WireEncoder().encode(evt)
}

export function decodeEvent(w: WireEvent): Event {
  return new WireDecoder().decode(w)
}

function encodeAnyMapBody(m: Record<string, unknown>): unknown[] {
  const out: unknown[] = []
  for (const k in m) {
    if (Object.hasOwn(m, k)) out.push(k, encodeValue(m[k]))
  }
  return out
}

function decodeAnyMapBody(flat: readonly unknown[], from: number): AnyMap {
  const m = newAnyMap()
  for (let i = from; i < flat.length; i += 2) m[flat[i] as string] = decodeValue(flat[i + 1])
  return m
}

/** One Go value (see the table at the top of this file). */
export function encodeValue(v: unknown): unknown {
  switch (typeof v) {
    case 'string':
    case 'boolean':
      return v
    case 'number':
      if (Number.isFinite(v)) return v
      return ['N', Number.isNaN(v) ? 'NaN' : v > 0 ? '+Inf' : '-Inf']
    case 'undefined':
      return null
    case 'object':
      break
    default:
      throw new CrowdError('internal', `a ${typeof v} value cannot cross to another thread`)
  }
  if (v === null) return null
  if (v instanceof GoFloat) return ['F', v.value]
  if (v instanceof GoTime) return ['T', ...encodeTime(v)]
  if (v instanceof GoDuration) return ['D', v.ns]
  if (Array.isArray(v)) {
    if (isStringSlice(v)) return ['L', ...v]
    const out: unknown[] = ['A']
    for (const item of v) out.push(encodeValue(item))
    return out
  }
  const proto = Object.getPrototypeOf(v) as unknown
  if (proto === null || proto === Object.prototype) {
    if (isStringMap(v)) {
      const out: unknown[] = ['S']
      for (const k in v) if (Object.hasOwn(v, k)) out.push(k, v[k])
      return out
    }
    return ['M', ...encodeAnyMapBody(v as Record<string, unknown>)]
  }
  throw new CrowdError('internal', `a ${(v as object).constructor?.name ?? 'object'} value cannot cross to another thread`)
}

export function decodeValue(w: unknown): unknown {
  if (w === null || typeof w !== 'object') return w
  const a = w as unknown[]
  switch (a[0]) {
    case 'F':
      return new GoFloat(a[1] as number)
    case 'N':
      return a[1] === 'NaN' ? NaN : a[1] === '+Inf' ? Infinity : -Infinity
    case 'T':
      return decodeTime(a.slice(1))
    case 'D':
      return new GoDuration(a[1] as number)
    case 'L':
      return stringSlice(a.slice(1) as string[])
    case 'A': {
      const out: unknown[] = []
      for (let i = 1; i < a.length; i++) out.push(decodeValue(a[i]))
      return out
    }
    case 'S': {
      const m = newStringMap()
      for (let i = 1; i < a.length; i += 2) m[a[i] as string] = a[i + 1] as string
      return markStringMap(m)
    }
    case 'M':
      return decodeAnyMapBody(a, 1)
    default:
      throw new CrowdError('internal', `unknown wire value tag ${JSON.stringify(a[0])}`)
  }
}

// Zones: 0 UTC, 1 Local, 2 an IANA name, 3 a fixed offset [name, offset].
function encodeTime(t: GoTime): unknown[] {
  const loc = t.loc
  if (loc === UTC) return [t.sec, t.nsec, 0]
  if (loc === localLocation()) return [t.sec, t.nsec, 1]
  if (isIana(loc)) return [t.sec, t.nsec, 2, loc.name]
  return [t.sec, t.nsec, 3, loc.name, loc.lookup(t.sec).offset]
}

function decodeTime(w: readonly unknown[]): GoTime {
  return new GoTime(w[0] as number, w[1] as number, decodeLocation(w))
}

const fixedZones = new Map<string, GoLocation>()

function decodeLocation(w: readonly unknown[]): GoLocation {
  switch (w[2]) {
    case 0:
      return UTC
    case 1:
      return localLocation()
    case 2:
      return loadLocation(w[3] as string)
    default: {
      const key = `${w[4] as number} ${w[3] as string}`
      let loc = fixedZones.get(key)
      if (loc === undefined) {
        if (fixedZones.size > 1024) fixedZones.clear()
        loc = fixedZone(w[3] as string, w[4] as number)
        fixedZones.set(key, loc)
      }
      return loc
    }
  }
}

/** IANA locations resolve offsets through Intl (they hold a formatter); fixed ones do not. */
function isIana(loc: GoLocation): boolean {
  return 'format' in loc
}
