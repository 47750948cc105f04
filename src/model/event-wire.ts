/**
 * A compact wire form of parsed LOG events, for the parse worker of `crowd scan`
 * (src/pipeline/parse-worker.ts): structured clone would lose the Event class, GoTime,
 * GoFloat and the map kinds of go-values.ts, which expressions and reports depend on.
 *
 * An event becomes one JSON-safe array (a batch is an array of them, posted to the other
 * thread as it is: structured clone copies it natively, with flat strings on the other side):
 *
 *   [Type, ExpectMode, Whitelisted, WhitelistReason, Stage, Line.Raw, Line.Src, Line.Process,
 *    Line.Module, StrTime, StrTimeFormat, MarshaledTime, Process, Unmarshaled (null when empty),
 *    ...Line.Time, ...Time, ...Line.Labels, ...Parsed, ...Enriched, ...Meta]
 *
 * A time is three values (sec, nsec, zone). A string map is its shape (its key list the first
 * time the stream meets it, then the shape's number) followed by its values, key order kept
 * (see WireEncoder). Other Go values (Unmarshaled) are tagged
 * arrays, so that attacker-chosen map keys can never be taken for a tag:
 *
 *   ["M", k, v, ...] map[string]any      ["S", k, v, ...] map[string]string
 *   ["A", v, ...]    []any               ["L", s, ...]    []string (stringSlice)
 *   ["F", n]         integral float64    ["N", "NaN"|"+Inf"|"-Inf"] non-finite number
 *   ["T", sec, nsec, zone...] time.Time  ["D", ns] time.Duration
 *
 * Strings, booleans, null and finite numbers are themselves. Only what a parsed log event can
 * hold is encoded: an event that carries an Overflow or Appsec part is refused.
 *
 * With WireKeys, an encoder sends only the keys of Parsed, Enriched and Unmarshaled that the
 * receiving side can read (the detection side's expressions, src/detect/event-fields.ts), and
 * Line.Raw only when it is read: a parsed nginx event has some 45 map entries, its scenarios
 * read a dozen.
 */
import {CrowdError} from './errors.js'
import {Event} from './event.js'
import {fixedZone, GoDuration, GoTime, loadLocation, localLocation, UTC, type GoLocation} from './go-time.js'
import {GoFloat, isMapPrototype, isStringMap, isStringSlice, markStringMap, newAnyMap, newStringMap, stringSlice, type AnyMap, type StringMap} from './go-values.js'

export type WireEvent = unknown[]

/** The zero Overflow and Appsec values every new log event shares. */
const BLANK = new Event()

/**
 * The keys of the keyed maps an encoder sends (undefined: every key, in map order; a list:
 * those present, in list order) and whether Line.Raw is sent (else it arrives empty).
 */
export interface WireKeys {
  Parsed?: readonly string[]
  Enriched?: readonly string[]
  Unmarshaled?: readonly string[]
  raw: boolean
}

/**
 * Encodes the events of one stream, in order, for one WireDecoder with the same WireKeys.
 * The key list of a string map is a *shape*, sent once per stream and then named by number
 * (the events of one log share a few shapes), so a map is its shape and its values. The
 * selected keys of Parsed and Enriched are sent by position (a value, or null when the event
 * lacks the key).
 */
export class WireEncoder {
  private readonly shapes = new Map<string, number>()
  /** The last shape met per map slot (Labels, Parsed, Enriched, Meta): usually the next one too. */
  private readonly last: (string[] | undefined)[] = [undefined, undefined, undefined, undefined]
  private readonly lastId: number[] = [-1, -1, -1, -1]

  constructor(private readonly select?: WireKeys) {}

  encode(evt: Event): WireEvent {
    if (evt.Overflow !== BLANK.Overflow || evt.Appsec !== BLANK.Appsec) {
      throw new CrowdError('internal', 'only log events without overflow or appsec parts can cross to another thread')
    }
    const line = evt.Line
    const select = this.select
    const out: unknown[] = [
      evt.Type, evt.ExpectMode, evt.Whitelisted, evt.WhitelistReason, evt.Stage,
      select === undefined || select.raw ? line.Raw : '', line.Src, line.Process, line.Module,
      evt.StrTime, evt.StrTimeFormat, evt.MarshaledTime, evt.Process,
      encodeUnmarshaled(evt.Unmarshaled, select?.Unmarshaled),
    ]
    pushTime(out, line.Time)
    pushTime(out, evt.Time)
    this.pushMap(out, 0, line.Labels)
    this.pushSelected(out, 1, evt.Parsed, select?.Parsed)
    this.pushSelected(out, 2, evt.Enriched, select?.Enriched)
    this.pushMap(out, 3, evt.Meta)
    return out
  }

  /** A batch (JSON-safe and structured-clone-safe). */
  encodeBatch(events: readonly Event[]): WireEvent[] {
    return events.map((e) => this.encode(e))
  }

  /** The map's shape (a number, or its key list the first time) then its values. */
  private pushMap(out: unknown[], slot: number, m: StringMap): void {
    const at = out.length
    out.push(0)
    let n = 0
    const last = this.last[slot]
    let same = last !== undefined
    for (const k in m) {
      if (!Object.hasOwn(m, k)) continue
      if (same && last![n] !== k) same = false
      out.push(m[k]!)
      n++
    }
    if (same && n === last!.length) {
      out[at] = this.lastId[slot]!
      return
    }
    const keys: string[] = []
    for (const k in m) if (Object.hasOwn(m, k)) keys.push(k)
    const name = keys.join('\u0000')
    const known = this.shapes.get(name)
    this.last[slot] = keys
    if (known !== undefined) {
      this.lastId[slot] = known
      out[at] = known
      return
    }
    const id = this.shapes.size
    this.shapes.set(name, id)
    this.lastId[slot] = id
    out[at] = keys // a new shape: its keys, numbered `id` on both sides from now on
  }

  /** The values of `only`, by position (null: absent); the whole map without `only`. */
  private pushSelected(out: unknown[], slot: number, m: StringMap, only: readonly string[] | undefined): void {
    if (only === undefined) {
      this.pushMap(out, slot, m)
      return
    }
    for (let i = 0; i < only.length; i++) {
      const k = only[i]!
      out.push(Object.hasOwn(m, k) ? m[k]! : null)
    }
  }
}

/** The other end of one WireEncoder's stream (same WireKeys): decodes its events in the same order. */
export class WireDecoder {
  private readonly shapes: string[][] = []
  private at = 0

  constructor(private readonly select?: WireKeys) {}

  decode(w: WireEvent): Event {
    const select = this.select
    this.at = 14
    const lineTime = this.time(w)
    const time = this.time(w)
    const labels = this.map(w)
    const parsed = this.selected(w, select?.Parsed)
    const enriched = this.selected(w, select?.Enriched)
    const meta = this.map(w)
    if (this.at !== w.length) throw new CrowdError('internal', `malformed wire event: ${w.length - this.at} values left over`)
    const evt = new Event({Raw: w[5] as string, Src: w[6] as string, Time: lineTime, Labels: labels, Process: w[7] as boolean, Module: w[8] as string},
      parsed, enriched, decodeUnmarshaled(w[13]), meta)
    evt.Type = w[0] as number
    evt.ExpectMode = w[1] as number
    evt.Whitelisted = w[2] as boolean
    evt.WhitelistReason = w[3] as string
    evt.Stage = w[4] as string
    evt.StrTime = w[9] as string
    evt.StrTimeFormat = w[10] as string
    evt.MarshaledTime = w[11] as string
    evt.Process = w[12] as boolean
    evt.Time = time
    return evt
  }

  decodeBatch(batch: readonly WireEvent[]): Event[] {
    return batch.map((w) => this.decode(w))
  }

  private time(w: WireEvent): GoTime {
    const at = this.at
    this.at += 3
    return new GoTime(w[at] as number, w[at + 1] as number, decodeLocation(w[at + 2]))
  }

  private map(w: WireEvent): StringMap {
    const ref = w[this.at++]
    let keys: string[]
    if (typeof ref === 'number') {
      keys = this.shapes[ref]!
      if (keys === undefined) throw new CrowdError('internal', `unknown wire map shape ${ref}`)
    } else {
      keys = ref as string[]
      this.shapes.push(keys)
    }
    const m = newStringMap()
    let at = this.at
    for (let i = 0; i < keys.length; i++) m[keys[i]!] = w[at++] as string
    this.at = at
    return m
  }

  private selected(w: WireEvent, only: readonly string[] | undefined): StringMap {
    if (only === undefined) return this.map(w)
    const m = newStringMap()
    let at = this.at
    for (let i = 0; i < only.length; i++) {
      const v = w[at++]
      if (v !== null) m[only[i]!] = v as string
    }
    this.at = at
    return m
  }
}

/**
 * A previewed event (Detector.preview: no scenario takes it) as one string: the skip counts,
 * Type, ExpectMode, Process and Whitelisted, then MarshaledTime (the rest, after the fifth
 * space). What Detector.pourPreviewed needs, for a fraction of a whole event's cost.
 */
export function encodePreviewed(evt: Event, preview: PourPreview): string {
  return `${preview.dispatchSkipped} ${preview.prefilterSkipped} ${evt.Type} ${evt.ExpectMode} ${evt.Process ? 1 : 0}${evt.Whitelisted ? 1 : 0} ${evt.MarshaledTime}`
}

/** The skips pouring an event counts when no scenario takes it (Detector.preview). */
export interface PourPreview {
  dispatchSkipped: number
  prefilterSkipped: number
}

/** What Detector.pourPreviewed needs of an event no scenario takes. */
export interface PreviewedEvent extends PourPreview {
  Type: number
  ExpectMode: number
  Process: boolean
  Whitelisted: boolean
  MarshaledTime: string
}

const PREVIEWED = /^(\d+) (\d+) (\d+) (\d+) ([01])([01]) /

export function decodePreviewed(w: string): PreviewedEvent {
  const m = PREVIEWED.exec(w)
  if (m === null) throw new CrowdError('internal', 'malformed previewed event on the wire')
  return {
    dispatchSkipped: Number(m[1]),
    prefilterSkipped: Number(m[2]),
    Type: Number(m[3]),
    ExpectMode: Number(m[4]),
    Process: m[5] === '1',
    Whitelisted: m[6] === '1',
    MarshaledTime: w.slice(m[0].length),
  }
}

/** One event on its own (a one-event stream). */
export function encodeEvent(evt: Event): WireEvent {
  return new WireEncoder().encode(evt)
}

export function decodeEvent(w: WireEvent): Event {
  return new WireDecoder().decode(w)
}

/** Unmarshaled: its flat body, or null when empty (most events: an empty array is one more object to clone). */
function encodeUnmarshaled(m: Record<string, unknown>, only?: readonly string[]): unknown[] | null {
  const body = encodeAnyMapBody(m, only)
  return body.length === 0 ? null : body
}

function decodeUnmarshaled(w: unknown): AnyMap {
  if (w === null) return newAnyMap()
  if (!Array.isArray(w)) throw new CrowdError('internal', 'malformed wire event: Unmarshaled is not a list')
  return decodeAnyMapBody(w, 0)
}

function encodeAnyMapBody(m: Record<string, unknown>, only?: readonly string[]): unknown[] {
  const out: unknown[] = []
  if (only !== undefined) {
    for (const k of only) if (Object.hasOwn(m, k)) out.push(k, encodeValue(m[k]))
    return out
  }
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
  if (isMapPrototype(Object.getPrototypeOf(v))) {
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

// A time is sec, nsec, zone; zones: 0 UTC, 1 Local, [2, IANA name], [3, name, offset] (fixed).
function zoneOf(t: GoTime): number | unknown[] {
  const loc = t.loc
  if (loc === UTC) return 0
  if (loc === localLocation()) return 1
  if (isIana(loc)) return [2, loc.name]
  return [3, loc.name, loc.lookup(t.sec).offset]
}

function pushTime(out: unknown[], t: GoTime): void {
  out.push(t.sec, t.nsec, zoneOf(t))
}

function encodeTime(t: GoTime): unknown[] {
  return [t.sec, t.nsec, zoneOf(t)]
}

function decodeTime(w: readonly unknown[]): GoTime {
  return new GoTime(w[0] as number, w[1] as number, decodeLocation(w[2]))
}

const fixedZones = new Map<string, GoLocation>()

function decodeLocation(zone: unknown): GoLocation {
  if (zone === 0) return UTC
  if (zone === 1) return localLocation()
  const z = zone as unknown[]
  if (z[0] === 2) return loadLocation(z[1] as string)
  const key = `${z[2] as number} ${z[1] as string}`
  let loc = fixedZones.get(key)
  if (loc === undefined) {
    if (fixedZones.size > 1024) fixedZones.clear()
    loc = fixedZone(z[1] as string, z[2] as number)
    fixedZones.set(key, loc)
  }
  return loc
}

/** IANA locations resolve offsets through Intl (they hold a formatter); fixed ones do not. */
function isIana(loc: GoLocation): boolean {
  return 'format' in loc
}
