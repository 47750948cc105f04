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
 *   map[string]string          -> null-prototype object marked with stringMap(): missing key reads ""
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
 * String maps are null-prototype objects carrying this symbol as an own property: Object.keys,
 * for...in and JSON ignore it, the check is one property read, and (measured) filling such a map
 * is faster than one with a custom prototype or registered in a WeakSet.
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

/** A new, empty map[string]string (Parsed, Meta, Enriched, Labels, ParseKV results). */
export function newStringMap(): StringMap {
  const m = Object.create(null) as StringMap & {[STRING_MAP]?: true}
  m[STRING_MAP] = true
  return m
}

/** Marks an existing null-prototype object as a map[string]string. */
export function markStringMap<T extends object>(m: T): T {
  ;(m as {[STRING_MAP]?: true})[STRING_MAP] = true
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
  const proto = Object.getPrototypeOf(v) as unknown
  return proto === null || proto === Object.prototype
}
