/**
 * Runtime semantics of values (expr.md §4-6, §10): equality, ordering, arithmetic with
 * Go's int/float rules, member access on maps/structs/arrays, UTF-8 byte offsets, and Go's
 * `%v` and JSON formatting. Values follow src/model/go-values.ts.
 */
import {GoFloat, goFloat, isGoMap, isStringMap, isStringSlice, numberValue} from '../model/go-values.js'
import {duration, isDuration, isNamedInt, isTime} from './time-adapter.js'
import {isAsciiText as isAscii} from '../model/go-case.js'
import {compareBytes} from '../model/order.js'

const hasOwn = Object.hasOwn

// --- kinds and names ---------------------------------------------------------------------

export function isNumeric(v: unknown): v is number | GoFloat {
  return typeof v === 'number' || v instanceof GoFloat
}

/** A map (Go map): a null-prototype or plain object. Class instances are structs. */
export function isMapValue(v: unknown): v is Record<string, unknown> {
  return isGoMap(v)
}

export function isStruct(v: unknown): v is object {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !isMapValue(v) && !(v instanceof GoFloat)
}

/** The Go type name of a runtime value, for messages (`int`, `float64`, `[]interface {}`...). */
export function goTypeName(v: unknown): string {
  if (v === null || v === undefined) return 'nil'
  if (typeof v === 'number') return Number.isInteger(v) ? 'int' : 'float64'
  if (v instanceof GoFloat) return 'float64'
  if (typeof v === 'string') return 'string'
  if (typeof v === 'boolean') return 'bool'
  if (typeof v === 'function') return 'func'
  if (Array.isArray(v)) return isStringSlice(v) ? '[]string' : '[]interface {}'
  if (isTime(v)) return 'time.Time'
  if (isDuration(v)) return 'time.Duration'
  if (isMapValue(v)) return isStringMap(v) ? 'map[string]string' : 'map[string]interface {}'
  const name = (v as object).constructor?.name
  if (name === 'GoWeekday') return 'time.Weekday'
  if (name === 'GoMonth') return 'time.Month'
  return name ? `*${name}` : 'struct'
}

/** expr's `type()` builtin. */
export function exprTypeName(v: unknown): string {
  if (v === null || v === undefined) return 'nil'
  if (typeof v === 'boolean') return 'bool'
  if (typeof v === 'number') return Number.isInteger(v) ? 'int' : 'float'
  if (v instanceof GoFloat) return 'float'
  if (typeof v === 'string') return 'string'
  if (typeof v === 'function') return 'func'
  if (Array.isArray(v)) return 'array'
  if (isTime(v)) return 'time.Time'
  if (isDuration(v)) return 'time.Duration'
  if (isNamedInt(v)) return goTypeName(v)
  if (isMapValue(v)) return 'map'
  return 'struct'
}

// --- equality and ordering -----------------------------------------------------------------

export function equal(a: unknown, b: unknown): boolean {
  if (a === b) return a === a || typeof a !== 'number' // NaN != NaN
  if (a === null || b === null || a === undefined || b === undefined) return (a ?? null) === (b ?? null)
  const ta = typeof a
  if (ta === 'string' || ta === 'boolean' || typeof b === 'string' || typeof b === 'boolean') return false
  if (isNumeric(a)) return isNumeric(b) ? numberValue(a) === numberValue(b) : false
  if (isNumeric(b)) return false
  if (isTime(a)) return isTime(b) && a.Equal(b)
  if (isDuration(a)) return isDuration(b) && a.ns === b.ns
  if (isNamedInt(a)) return isNamedInt(b) && a.constructor === b.constructor && a.value === b.value
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false
    for (let i = 0; i < a.length; i++) if (!equal(a[i], b[i])) return false
    return true
  }
  if (isMapValue(a)) {
    if (!isMapValue(b)) return false
    const ka = Object.keys(a)
    if (ka.length !== Object.keys(b).length) return false
    for (const k of ka) if (!hasOwn(b, k) || !equal(a[k], b[k])) return false
    return true
  }
  return false
}

function compareTag(op: string, a: unknown, b: unknown): never {
  throw new Error(`invalid operation: ${goTypeName(a)} ${op} ${goTypeName(b)}`)
}

/** `<`, `>`, `<=`, `>=` on numbers, strings (byte order), times, durations. */
export function less(a: unknown, b: unknown, op = '<'): boolean {
  return ordering(a, b, op) < 0
}

export function ordering(a: unknown, b: unknown, op: string): number {
  if (isNumeric(a) && isNumeric(b)) {
    const x = numberValue(a)!
    const y = numberValue(b)!
    return x < y ? -1 : x > y ? 1 : x === y ? 0 : NaN
  }
  if (typeof a === 'string' && typeof b === 'string') return compareBytes(a, b)
  if (isTime(a) && isTime(b)) return a.sec !== b.sec ? a.sec - b.sec : a.nsec - b.nsec
  if (isDuration(a) && isDuration(b)) return a.ns - b.ns
  if (isDuration(a) && isNumeric(b)) return a.ns - numberValue(b)!
  if (isNumeric(a) && isDuration(b)) return numberValue(a)! - b.ns
  return compareTag(op, a, b)
}

export function compareOp(op: string, a: unknown, b: unknown): boolean {
  const c = ordering(a, b, op)
  switch (op) {
    case '<':
      return c < 0
    case '>':
      return c > 0
    case '<=':
      return c <= 0
    default:
      return c >= 0
  }
}

// --- arithmetic ----------------------------------------------------------------------------

function arithError(op: string, a: unknown, b: unknown): never {
  throw new Error(`invalid operation: ${goTypeName(a)} ${op} ${goTypeName(b)}`)
}

/** int ⊕ int stays int; anything with a float is float (GoFloat when integral). */
function numeric(op: string, a: unknown, b: unknown, f: (x: number, y: number) => number): number | GoFloat {
  if (typeof a === 'number' && typeof b === 'number') {
    const r = f(a, b)
    return Number.isInteger(a) && Number.isInteger(b) ? r : goFloat(r)
  }
  const x = numberValue(a)
  const y = numberValue(b)
  if (x === undefined || y === undefined) arithError(op, a, b)
  return goFloat(f(x, y))
}

export function add(a: unknown, b: unknown): unknown {
  if (typeof a === 'string' && typeof b === 'string') return a + b
  if (isTime(a) && isDuration(b)) return a.Add(b)
  if (isDuration(a) && isTime(b)) return b.Add(a)
  if (isDuration(a) && isDuration(b)) return duration(a.ns + b.ns)
  if (!isNumeric(a) || !isNumeric(b)) arithError('+', a, b)
  return numeric('+', a, b, (x, y) => x + y)
}

export function sub(a: unknown, b: unknown): unknown {
  if (isTime(a) && isTime(b)) return a.Sub(b)
  if (isTime(a) && isDuration(b)) return a.Add(-b.ns)
  if (isDuration(a) && isDuration(b)) return duration(a.ns - b.ns)
  if (!isNumeric(a) || !isNumeric(b)) arithError('-', a, b)
  return numeric('-', a, b, (x, y) => x - y)
}

export function mul(a: unknown, b: unknown): unknown {
  if (isDuration(a) && isDuration(b)) return duration(a.ns * b.ns)
  if (isDuration(a) && isNumeric(b)) return duration(a.ns * numberValue(b)!)
  if (isNumeric(a) && isDuration(b)) return duration(numberValue(a)! * b.ns)
  if (!isNumeric(a) || !isNumeric(b)) arithError('*', a, b)
  return numeric('*', a, b, (x, y) => x * y)
}

export function div(a: unknown, b: unknown): unknown {
  const x = numberValue(a)
  const y = numberValue(b)
  if (x === undefined || y === undefined) arithError('/', a, b)
  return goFloat(x / y)
}

export function mod(a: unknown, b: unknown): unknown {
  if (!isInteger(a) || !isInteger(b)) arithError('%', a, b)
  if (b === 0) throw new Error('integer divide by zero')
  const r = a % b
  return r === 0 ? 0 : r
}

export function pow(a: unknown, b: unknown): unknown {
  const x = numberValue(a)
  const y = numberValue(b)
  if (x === undefined || y === undefined) arithError('**', a, b)
  return goFloat(x ** y)
}

export function negate(a: unknown): unknown {
  if (typeof a === 'number') return a === 0 ? 0 : -a
  if (a instanceof GoFloat) return new GoFloat(-a.value)
  if (isDuration(a)) return duration(-a.ns)
  throw new Error(`invalid operation: - ${goTypeName(a)}`)
}

export function plus(a: unknown): unknown {
  if (isNumeric(a)) return a
  throw new Error(`invalid operation: + ${goTypeName(a)}`)
}

export function isInteger(v: unknown): v is number {
  return typeof v === 'number' && Number.isInteger(v)
}

/** An integer argument (index, count): ints as is, floats truncated. */
export function toIndex(v: unknown, what = 'index'): number {
  if (typeof v === 'number') return Math.trunc(v)
  if (v instanceof GoFloat) return v.value
  throw new Error(`invalid ${what} type ${goTypeName(v)}`)
}

export function range(a: unknown, b: unknown): number[] {
  if (!isInteger(a) || !isInteger(b)) throw new Error(`invalid operation: ${goTypeName(a)} .. ${goTypeName(b)}`)
  const out: number[] = []
  for (let i = a; i <= b; i++) out.push(i)
  return out
}

// --- UTF-8 -----------------------------------------------------------------------------------

const encoder = new TextEncoder()
const decoder = new TextDecoder('utf-8')

export {isAscii}

export function utf8(s: string): Uint8Array {
  return encoder.encode(s)
}

export function fromUtf8(bytes: Uint8Array): string {
  return decoder.decode(bytes)
}

export function byteLength(s: string): number {
  return isAscii(s) ? s.length : encoder.encode(s).length
}

/** Go `strings.Index`: byte offset or -1. */
export function byteIndexOf(s: string, sub: string, last = false): number {
  const i = last ? s.lastIndexOf(sub) : s.indexOf(sub)
  if (i <= 0 || isAscii(s)) return i
  return byteLength(s.slice(0, i))
}

/** `s[from:to]` with byte offsets (expr.md §3.7). */
export function sliceString(s: string, from: number, to: number): string {
  if (isAscii(s)) return s.slice(from, to)
  return fromUtf8(utf8(s).subarray(from, to))
}

/** Number of Unicode code points (expr `len` on strings). */
export function runeCount(s: string): number {
  if (isAscii(s)) return s.length
  let n = 0
  for (const _ of s) n++
  return n
}

// --- member access -----------------------------------------------------------------------------

/** Struct members visible to expressions: exported Go names only (upper-case initial). */
export function isExportedName(name: string): boolean {
  const c = name.charCodeAt(0)
  return c >= 65 && c <= 90
}

/**
 * `obj[key]` / `obj.key` on a runtime value of unknown static type (expr.md §6).
 * Maps: missing key -> "" for string maps, nil otherwise. Arrays/strings: integer index,
 * negative from the end, out of range is an error (strings give a byte).
 */
export function fetch(obj: unknown, key: unknown): unknown {
  if (obj === null || obj === undefined) throw new Error(`cannot fetch ${formatV(key)} from <nil>`)
  if (Array.isArray(obj)) {
    if (!isNumeric(key)) throw new Error(`cannot fetch ${formatV(key)} from ${goTypeName(obj)}`)
    let i = toIndex(key)
    if (i < 0) i += obj.length
    if (i < 0 || i >= obj.length) throw new Error(`index out of range: ${toIndex(key)} (array length is ${obj.length})`)
    return obj[i] ?? null
  }
  if (typeof obj === 'string') {
    if (!isNumeric(key)) throw new Error(`cannot fetch ${formatV(key)} from string`)
    const bytes = utf8(obj)
    let i = toIndex(key)
    if (i < 0) i += bytes.length
    if (i < 0 || i >= bytes.length) throw new Error(`index out of range: ${toIndex(key)} (array length is ${bytes.length})`)
    return bytes[i]!
  }
  if (typeof obj !== 'object') throw new Error(`cannot fetch ${formatV(key)} from ${goTypeName(obj)}`)
  if (isMapValue(obj)) {
    const k = typeof key === 'string' ? key : formatV(key)
    if (hasOwn(obj, k)) return obj[k] ?? null
    return isStringMap(obj) ? '' : null
  }
  if (typeof key === 'string' && isExportedName(key)) {
    const value = readStructField(obj, key)
    if (value !== undefined) return value
  }
  throw new Error(`cannot fetch ${formatV(key)} from ${goTypeName(obj)}`)
}

/** An exported field of a struct (own property, or a getter below Object.prototype). */
export function readStructField(obj: object, name: string): unknown {
  if (hasOwn(obj, name)) {
    const v = (obj as Record<string, unknown>)[name]
    return typeof v === 'function' ? undefined : (v ?? null)
  }
  let proto = Object.getPrototypeOf(obj) as object | null
  while (proto !== null && proto !== Object.prototype) {
    const d = Object.getOwnPropertyDescriptor(proto, name)
    if (d !== undefined) return d.get !== undefined ? (d.get.call(obj) ?? null) : undefined
    proto = Object.getPrototypeOf(proto) as object | null
  }
  return undefined
}

/** A Go method (exported name) of a struct, or a function stored in a map. */
export function findMethod(obj: unknown, name: string): ((...args: unknown[]) => unknown) | undefined {
  if (obj === null || obj === undefined || typeof obj !== 'object') return undefined
  if (isMapValue(obj)) {
    const v = hasOwn(obj, name) ? obj[name] : undefined
    return typeof v === 'function' ? (v as (...args: unknown[]) => unknown) : undefined
  }
  if (!isExportedName(name)) return undefined
  if (hasOwn(obj, name)) {
    const v = (obj as Record<string, unknown>)[name]
    return typeof v === 'function' ? (v as (...args: unknown[]) => unknown) : undefined
  }
  let proto = Object.getPrototypeOf(obj) as object | null
  while (proto !== null && proto !== Object.prototype) {
    const d = Object.getOwnPropertyDescriptor(proto, name)
    if (d !== undefined) return typeof d.value === 'function' ? (d.value as (...args: unknown[]) => unknown) : undefined
    proto = Object.getPrototypeOf(proto) as object | null
  }
  return undefined
}

export function callMethod(obj: unknown, name: string, args: unknown[]): unknown {
  if (obj === null || obj === undefined) throw new Error(`cannot call method ${name} on <nil>`)
  const f = findMethod(obj, name)
  if (f === undefined) throw new Error(`type ${goTypeName(obj)} has no method ${name}`)
  const r = f.apply(obj, args)
  return r === undefined ? null : r
}

export function length(v: unknown): number {
  if (typeof v === 'string') return runeCount(v)
  if (Array.isArray(v)) return v.length
  if (isMapValue(v)) return Object.keys(v).length
  throw new Error(`invalid argument for len (type ${goTypeName(v)})`)
}

// --- formatting ------------------------------------------------------------------------------

/** Go `%v` of a float64 (expr.md §10.2). */
export function formatFloat(n: number): string {
  if (Number.isNaN(n)) return 'NaN'
  if (n === Infinity) return '+Inf'
  if (n === -Infinity) return '-Inf'
  if (n === 0) return Object.is(n, -0) ? '-0' : '0'
  const [mantissa, expText] = n.toExponential().split('e') as [string, string]
  const exp = Number(expText)
  if (exp < -4 || exp >= 6) {
    const e = Math.abs(exp)
    return `${mantissa}e${exp < 0 ? '-' : '+'}${e < 10 ? '0' + e : e}`
  }
  return String(n)
}

/** Go `%v` (used by `string()`, map keys, Sprintf). */
export function formatV(v: unknown): string {
  if (v === null || v === undefined) return '<nil>'
  switch (typeof v) {
    case 'string':
      return v
    case 'boolean':
      return v ? 'true' : 'false'
    case 'number':
      return Number.isInteger(v) ? String(v) : formatFloat(v)
    case 'function':
      return 'func'
  }
  if (v instanceof GoFloat) return formatFloat(v.value)
  if (Array.isArray(v)) return `[${v.map(formatV).join(' ')}]`
  if (isTime(v) || isDuration(v) || isNamedInt(v)) return (v as {String(): string}).String()
  if (isMapValue(v)) {
    const keys = Object.keys(v).sort(compareBytes)
    return `map[${keys.map((k) => `${k}:${formatV(v[k])}`).join(' ')}]`
  }
  const fields = Object.keys(v as object).filter(isExportedName)
  return `&{${fields.map((k) => formatV((v as Record<string, unknown>)[k])).join(' ')}}`
}

/** Go encoding/json string quoting (expr.md §10.3). */
export function jsonQuote(s: string): string {
  let out = '"'
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i)
    if (c === 0x22) out += '\\"'
    else if (c === 0x5c) out += '\\\\'
    else if (c === 0x0a) out += '\\n'
    else if (c === 0x0d) out += '\\r'
    else if (c === 0x09) out += '\\t'
    else if (c < 0x20 || c === 0x3c || c === 0x3e || c === 0x26 || c === 0x2028 || c === 0x2029) out += '\\u' + c.toString(16).padStart(4, '0')
    else if (c >= 0xd800 && c <= 0xdfff) {
      const next = s.charCodeAt(i + 1)
      if (c <= 0xdbff && next >= 0xdc00 && next <= 0xdfff) {
        out += s[i]! + s[i + 1]!
        i++
      } else {
        out += '\\ufffd'
      }
    } else out += s[i]
  }
  return out + '"'
}

function jsonFloat(n: number): string {
  if (!Number.isFinite(n)) throw new Error(`json: unsupported value: ${formatFloat(n)}`)
  return String(n)
}

/** Go encoding/json: sorted keys, HTML-safe escaping; `indent` '' gives the compact form. */
export function toGoJSON(v: unknown, indent = '', prefix = ''): string {
  if (v === null || v === undefined) return 'null'
  switch (typeof v) {
    case 'string':
      return jsonQuote(v)
    case 'boolean':
      return v ? 'true' : 'false'
    case 'number':
      return Number.isInteger(v) ? String(v) : jsonFloat(v)
    case 'function':
      throw new Error('json: unsupported type: func')
  }
  if (v instanceof GoFloat) return jsonFloat(v.value)
  const inner = prefix + indent
  const nl = indent === '' ? '' : '\n'
  const sep = indent === '' ? ':' : ': '
  if (Array.isArray(v)) {
    if (v.length === 0) return '[]'
    return `[${nl}${v.map((e) => inner + toGoJSON(e, indent, inner)).join(',' + nl)}${nl}${prefix}]`
  }
  const custom = (v as {toJSON?: unknown}).toJSON
  if (!isMapValue(v) && typeof custom === 'function') return toGoJSON(reviveForJSON(custom.call(v)), indent, prefix)
  const record = isMapValue(v) ? v : Object.fromEntries(Object.entries(v as object).filter(([k]) => isExportedName(k)))
  const keys = Object.keys(record).sort(compareBytes)
  if (keys.length === 0) return '{}'
  return `{${nl}${keys.map((k) => inner + jsonQuote(k) + sep + toGoJSON(record[k], indent, inner)).join(',' + nl)}${nl}${prefix}}`
}

function reviveForJSON(v: unknown): unknown {
  return v
}

/** Parses JSON as Go's encoding/json into interface{}: numbers become float64. */
export function fromGoJSON(text: string): unknown {
  const parsed = JSON.parse(text) as unknown
  const convert = (v: unknown): unknown => {
    if (typeof v === 'number') return goFloat(v)
    if (Array.isArray(v)) return v.map(convert)
    if (v !== null && typeof v === 'object') {
      const out = Object.create(null) as Record<string, unknown>
      for (const [k, x] of Object.entries(v)) out[k] = convert(x)
      return out
    }
    return v
  }
  return convert(parsed)
}

