/**
 * Argument checks shared by the helper groups. CrowdSec helpers take `...any` and assert
 * types (`params[0].(string)`); a wrong type panics, which expr turns into a runtime
 * error. These checks throw the same Go panic text.
 */
import {goTypeName} from '../../model/go-format.js'
import {GoFloat, isGoMap, isStringMap} from '../../model/go-values.js'
import {isAsciiText as isAscii} from '../../model/go-case.js'

function goName(v: unknown): string {
  return v === null || v === undefined ? 'nil' : goTypeName(v)
}

export function conversionError(v: unknown, want: string): Error {
  return new Error(`interface conversion: interface {} is ${goName(v)}, not ${want}`)
}

export function str(v: unknown): string {
  if (typeof v !== 'string') throw conversionError(v, 'string')
  return v
}

export function int(v: unknown): number {
  if (typeof v !== 'number' || !Number.isInteger(v)) throw conversionError(v, 'int')
  return v
}

/** A float64 parameter: Go converts int literals at compile time, so any number is accepted. */
export function float(v: unknown): number {
  if (typeof v === 'number') return v
  if (v instanceof GoFloat) return v.value
  throw conversionError(v, 'float64')
}

export function bool(v: unknown): boolean {
  if (typeof v !== 'boolean') throw conversionError(v, 'bool')
  return v
}

/** A map[string]any argument (a plain or null-prototype object; a map[string]string is refused, as in Go). */
export function map(v: unknown, want = 'map[string]interface {}'): Record<string, unknown> {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw conversionError(v, want)
  if (!isGoMap(v) || isStringMap(v)) throw conversionError(v, want)
  return v as Record<string, unknown>
}

export function array(v: unknown, want = '[]interface {}'): unknown[] {
  if (!Array.isArray(v)) throw conversionError(v, want)
  return v
}

export function arity(name: string, args: readonly unknown[], min: number, max = min): void {
  if (args.length < min || args.length > max) {
    const want = min === max ? `${min}` : max === Infinity ? `at least ${min}` : `${min} to ${max}`
    throw new Error(`${name}: expected ${want} arguments, got ${args.length}`)
  }
}

/** UTF-8 byte length of s.slice(0, end). */
export function utf8Length(s: string, end = s.length): number {
  let n = 0
  for (let i = 0; i < end; i++) {
    const c = s.charCodeAt(i)
    if (c < 0x80) n += 1
    else if (c < 0x800) n += 2
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < end) {
      const d = s.charCodeAt(i + 1)
      if (d >= 0xdc00 && d <= 0xdfff) {
        n += 4
        i++
      } else {
        n += 3
      }
    } else n += 3
  }
  return n
}

const ENCODER = new TextEncoder()
const DECODER = new TextDecoder('utf-8', {fatal: false})

export function utf8Bytes(s: string): Uint8Array {
  return ENCODER.encode(s)
}

export function utf8Decode(bytes: Uint8Array): string {
  return DECODER.decode(bytes)
}

export {isAscii}
