/**
 * How Go values that CrowdSec expressions see are represented in crowd.
 *
 *   Go int (any integer type)  -> JS number with an integral value
 *   Go float64                 -> JS number when non-integral; an integral float (200.0,
 *                                 a JSON number, float(3)) is a GoFloat, so that it keeps
 *                                 formatting as a float ("200.000000" in statics, "%!d")
 *   string, bool               -> string, boolean
 *   nil                        -> null (undefined is never a value)
 *   []any                      -> JS array
 *   []string                   -> JS array marked with stringSlice()
 *   map[string]string          -> object from newStringMap() (no inherited string key; marked as a
 *                                 string map): missing key reads ""
 *   map[string]any             -> null-prototype object (or JSON object): missing key reads nil
 *   time.Time                  -> GoTime
 *   time.Duration              -> GoDuration
 *
 * Maps hold attacker-controlled keys: always create them with Object.create(null) (or
 * newStringMap/newAnyMap) and read them with Object.hasOwn, never through the prototype.
 */

/** A float64 whose value happens to be integral (200.0). Non-integral floats stay plain numbers. */
export class GoFloat {
  constructor(readonly value: number) {}
  valueOf(): number {
    return this.value
  }
  toString(): string {
    return String(this.value)
  }
}

/** Wraps a JS number known to be a Go float64. */
export function goFloat(n: number): number | GoFloat {
  return Number.isInteger(n) ? new GoFloat(n) : n
}

export function isGoFloat(v: unknown): v is GoFloat {
  return v instanceof GoFloat
}

/** The numeric value of an int or float, or undefined for anything else. */
export function numberValue(v: unknown): number | undefined {
  if (typeof v === 'number') return v
  if (v instanceof GoFloat) return v.value
  return undefined
}

export function isFloat(v: unknown): boolean {
  return v instanceof GoFloat || (typeof v === 'number' && !Number.isInteger(v))
}

export function isInt(v: unknown): v is number {
  return typeof v === 'number' && Number.isInteger(v)
}

const STRING_SLICES = new WeakSet<readonly unknown[]>()

/**
 * Marks string maps: new ones inherit it from STRING_MAP_PROTOTYPE, maps made otherwise (decoded
 * JSON) carry it as an own property. Object.keys, for...in and JSON ignore a symbol, and the
 * check is one property read.
 */
const STRING_MAP: unique symbol = Symbol('crowd.stringMap')

/** Marks an array as a Go []string (Split, File, ...). Returns the same array. */
export function stringSlice<T extends string[]>(array: T): T {
  STRING_SLICES.add(array)
  return array
}

export function isStringSlice(v: unknown): v is string[] {
  return Array.isArray(v) && STRING_SLICES.has(v)
}

export type StringMap = Record<string, string>
export type AnyMap = Record<string, unknown>

/**
 * The prototype of new string maps: frozen, the mark its only property, its own prototype null, so
 * no string key is ever inherited (a map still holds attacker-controlled keys: read with
 * Object.hasOwn). Not Object.create(null) for every map: V8 keeps such an object as a hash table
 * from the start and reallocates it as it fills (an nginx event's maps: ~1.5 KB of garbage per
 * line); an object with a prototype stays in fast mode until it holds many keys. Measured, A/B:
 * nginx 200k -87 ms (7 of 8 pairs), ssh 200k -67 ms (7 of 8), the same alerts byte for byte. Made
 * with `new`, not Object.create(prototype), which measured +190 ms at nginx 200k
 * (docs/performance.md).
 */
const STRING_MAP_PROTOTYPE: object = Object.freeze(Object.create(null, {[STRING_MAP]: {value: true}}) as object)

/**
 * How many keys a new string map holds inside the object itself: 16.
 *
 * V8 turns an object into a hash table when a store by computed key (`m[k] = v`, as grok,
 * statics and the event decoder write) adds a key beyond its in-object room plus 12. The
 * room of objects made by a constructor is what the parser counts of its `this.x =`
 * assignments, plus 8, cut back (slack tracking) to the most that the first few objects used.
 * Those were small maps (labels), so the room was 4, and an http event's Parsed (23 keys
 * with CrowdSec's nginx parsers) became a hash table at its 16th key and was reallocated as
 * it grew: ~2.7 KB of garbage per line, a third of all that a scan allocated. The sixteen
 * assignments below give the room; SIZING, a map that used all of it and stays alive, keeps
 * slack tracking from cutting it back. A map now stays in fast mode up to 32 keys.
 * Measured, A/B: nginx 200k -0.15 to -0.22 s (6 of 6 pairs, three times), ssh 200k
 * unchanged (its maps have at most 13 keys), the same alerts byte for byte; 24 in-object
 * keys measured the same at nginx 200k and cost ssh a little (more bytes per map).
 */
function StringMapObject(this: Record<string, string>, sizing?: true): void {
  if (sizing === true) {
    // the parser's count of these sixteen assignments is the in-object room (see above)
    this.f0 = this.f1 = this.f2 = this.f3 = ''
    this.f4 = this.f5 = this.f6 = this.f7 = ''
    this.f8 = this.f9 = this.f10 = this.f11 = ''
    this.f12 = this.f13 = this.f14 = this.f15 = ''
  }
}
StringMapObject.prototype = STRING_MAP_PROTOTYPE
type StringMapConstructor = new (sizing?: true) => StringMap
/** The first string map, with every in-object key used; never read (see StringMapObject). */
const SIZING: object = Object.freeze(new (StringMapObject as unknown as StringMapConstructor)(true))

/** A new, empty map[string]string (Parsed, Meta, ParseKV results). */
export function newStringMap(): StringMap {
  return new (StringMapObject as unknown as StringMapConstructor)()
}

/** The constructor of small string maps: the same prototype, no room reserved (see newSmallStringMap). */
function SmallStringMapObject(): void {}
SmallStringMapObject.prototype = STRING_MAP_PROTOTYPE

/**
 * A new, empty map[string]string for a map that holds a few keys: an event's Labels (`type`)
 * and Enriched (a date, a few geoip fields). A map of newStringMap keeps room for sixteen keys
 * in the object (~150 bytes), made for every line; these get what their first few used.
 */
export function newSmallStringMap(): StringMap {
  return new (SmallStringMapObject as unknown as StringMapConstructor)()
}

/** True for the prototype of a Go map: null, Object.prototype (JSON objects), or a new string map's. */
export function isMapPrototype(proto: unknown): boolean {
  return proto === null || proto === Object.prototype || proto === STRING_MAP_PROTOTYPE
}

/** Marks an existing null-prototype object as a map[string]string. */
export function markStringMap<T extends object>(m: T): T {
  if ((m as {[STRING_MAP]?: true})[STRING_MAP] !== true) (m as {[STRING_MAP]?: true})[STRING_MAP] = true
  return m
}

export function isStringMap(v: unknown): v is StringMap {
  return typeof v === 'object' && v !== null && (v as {[STRING_MAP]?: true})[STRING_MAP] === true
}

/** A new, empty map[string]any (Unmarshaled). */
export function newAnyMap(): AnyMap {
  return Object.create(null) as AnyMap
}

/** True for any Go map: a map[string]string, or a map[string]any (null-prototype or plain object). */
export function isGoMap(v: unknown): v is Record<string, unknown> {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return false
  return isMapPrototype(Object.getPrototypeOf(v))
}
