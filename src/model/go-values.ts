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
 * with `new` (V8 sizes such objects by what the first ones held), not Object.create(prototype),
 * which measured +190 ms at nginx 200k (docs/performance.md).
 */
const STRING_MAP_PROTOTYPE: object = Object.freeze(Object.create(null, {[STRING_MAP]: {value: true}}) as object)
function StringMapObject(): void {}
StringMapObject.prototype = STRING_MAP_PROTOTYPE

/** A new, empty map[string]string (Parsed, Meta, Enriched, Labels, ParseKV results). */
export function newStringMap(): StringMap {
  return new (StringMapObject as unknown as new () => StringMap)()
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
