/**
 * Go values as templates see them. The conventions of src/model/go-values.ts, plus what
 * reflection needs that plain JS values lack:
 *
 *   nil (no value, or a nil interface)  -> null
 *   string, bool                         -> string, boolean
 *   int                                  -> integral JS number
 *   float64                              -> non-integral number, or GoFloat
 *   int8..int64, uint.., float32         -> GoNum (typed: `eq` and parameters check types)
 *   *T                                   -> GoPointer (elem undefined: a nil pointer)
 *   struct                               -> GoStruct (a StructType: Go and JSON field names)
 *   []T                                  -> JS array; its Go type in a registry ([]interface {}
 *                                           by default, []string for stringSlice arrays); a nil
 *                                           slice is an empty array marked nil (JSON null)
 *   map[string]T                         -> null-prototype object (map[string]string when
 *                                           marked by go-values; other types in the registry)
 *   time.Time, time.Duration             -> GoTime, GoDuration
 *
 * Also here: Go's type names (`%T`, error messages), kinds, truth (`if`), indirection,
 * printing (fmt's %v through src/model/go-format.ts) and the encoding/json view.
 */
import {encodeGoJSON, formatGoValue, goSprintf} from '../model/go-format.js'
import {GoDuration, GoMonth, GoTime, GoWeekday} from '../model/go-time.js'
import {GoFloat, goFloat, isGoMap, isStringMap, isStringSlice, markStringMap, stringSlice} from '../model/go-values.js'
import {compareBytes} from '../model/order.js'

export type NumType = 'int8' | 'int16' | 'int32' | 'int64' | 'uint' | 'uint8' | 'uint16' | 'uint32' | 'uint64' | 'float32'

/** A number of a Go type other than int and float64. */
export class GoNum {
  constructor(readonly type: NumType, readonly value: number) {}
}

let nextAddress = 0

/** A Go pointer. `elem` undefined is a nil pointer of that type. */
export class GoPointer {
  /** A synthetic address, for fmt's `0xc...` output (Go's are random anyway). */
  readonly address = 0xc000010000 + 16 * nextAddress++

  constructor(readonly elemType: string, readonly elem?: unknown) {}

  isNil(): boolean {
    return this.elem === undefined
  }
}

export interface FieldSpec {
  /** Go field name. */
  name: string
  /** encoding/json name. */
  json: string
  omitempty: boolean
}

/** A method callable from templates (`.GetMeta "key"`), with its parameter types. */
export interface MethodSpec {
  params: readonly string[]
  call(receiver: GoStruct, args: readonly unknown[]): unknown
}

export interface StructType {
  /** Go type name: `models.Alert`. */
  name: string
  fields: readonly FieldSpec[]
  methods?: Readonly<Record<string, MethodSpec>>
}

const structTypes = new Map<string, StructType>()

/** Makes a struct type known by name, so that a nil pointer to it knows its fields. */
export function registerStructType<T extends StructType>(type: T): T {
  structTypes.set(type.name, type)
  return type
}

export function structTypeNamed(name: string): StructType | undefined {
  return structTypes.get(name)
}

/** A Go struct value. */
export class GoStruct {
  constructor(readonly type: StructType, readonly values: Readonly<Record<string, unknown>>) {}

  hasField(name: string): boolean {
    return this.type.fields.some((f) => f.name === name)
  }
}

const sliceTypes = new WeakMap<readonly unknown[], string>()
const nilSlices = new WeakSet<readonly unknown[]>()
const mapTypes = new WeakMap<object, string>()

/** Records the Go type of an array (`[]*models.Decision`). Returns the array. */
export function typedSlice<T extends unknown[]>(array: T, type: string): T {
  if (type === '[]string') return stringSlice(array as unknown as string[]) as unknown as T
  sliceTypes.set(array, type)
  return array
}

/** A nil slice of a type. */
export function nilSlice(type: string): unknown[] {
  const a = typedSlice([], type)
  nilSlices.add(a)
  return a
}

export function isNilSlice(v: unknown): boolean {
  return Array.isArray(v) && nilSlices.has(v)
}

/** Records the Go type of a map (`map[string]int`). Returns the map. */
export function typedMap<T extends object>(map: T, type: string): T {
  if (type === 'map[string]string') return markStringMap(map)
  mapTypes.set(map, type)
  return map
}

/** A template's maps are Go maps (src/model/go-values.ts). */
export const isMap: (v: unknown) => v is Record<string, unknown> = isGoMap

/** A new map[string]interface {} (null prototype: keys are template data). */
export function newMap(): Record<string, unknown> {
  return Object.create(null) as Record<string, unknown>
}

export function mapKeys(m: Record<string, unknown>): string[] {
  return Object.keys(m).sort(compareBytes)
}

export function mapGet(m: Record<string, unknown>, key: string): unknown {
  return Object.hasOwn(m, key) ? m[key] : undefined
}

export type Kind = 'invalid' | 'bool' | 'int' | 'uint' | 'float' | 'string' | 'slice' | 'map' | 'ptr' | 'struct' | 'func'

export function kindOf(v: unknown): Kind {
  if (v === null || v === undefined) return 'invalid'
  switch (typeof v) {
    case 'string': return 'string'
    case 'boolean': return 'bool'
    case 'number': return Number.isInteger(v) ? 'int' : 'float'
    case 'function': return 'func'
  }
  if (v instanceof GoNum) return v.type === 'float32' ? 'float' : v.type.startsWith('u') ? 'uint' : 'int'
  if (v instanceof GoFloat) return 'float'
  if (v instanceof GoPointer) return 'ptr'
  if (Array.isArray(v)) return 'slice'
  if (v instanceof GoDuration || v instanceof GoMonth || v instanceof GoWeekday) return 'int'
  if (isMap(v)) return 'map'
  return 'struct'
}

/** Go's name of the value's type (reflect.Type.String()). */
export function typeName(v: unknown): string {
  if (v === null || v === undefined) return '<nil>'
  switch (typeof v) {
    case 'string': return 'string'
    case 'boolean': return 'bool'
    case 'number': return Number.isInteger(v) ? 'int' : 'float64'
    case 'function': return 'func'
  }
  if (v instanceof GoNum) return v.type
  if (v instanceof GoFloat) return 'float64'
  if (v instanceof GoPointer) return '*' + v.elemType
  if (v instanceof GoStruct) return v.type.name
  if (v instanceof GoTime) return 'time.Time'
  if (v instanceof GoDuration) return 'time.Duration'
  if (v instanceof GoMonth) return 'time.Month'
  if (v instanceof GoWeekday) return 'time.Weekday'
  if (Array.isArray(v)) return isStringSlice(v) ? '[]string' : sliceTypes.get(v) ?? '[]interface {}'
  if (isMap(v)) return isStringMap(v) ? 'map[string]string' : mapTypes.get(v) ?? 'map[string]interface {}'
  return 'interface {}'
}

/** The value of an int, uint or float kind. */
export function numberOf(v: unknown): number {
  if (typeof v === 'number') return v
  if (v instanceof GoNum || v instanceof GoMonth || v instanceof GoWeekday) return v.value
  if (v instanceof GoFloat) return v.value
  if (v instanceof GoDuration) return v.ns
  return NaN
}

/** Follows pointers; returns the nil pointer itself when one is nil. */
export function indirect(v: unknown): unknown {
  while (v instanceof GoPointer && v.elem !== undefined) v = v.elem
  return v
}

/** Go's isTrue: the truth of `if`, `with`, `and`, `or`, `not`. */
export function isTrue(v: unknown): boolean {
  switch (kindOf(v)) {
    case 'invalid': return false
    case 'string': return (v as string).length > 0
    case 'bool': return v as boolean
    case 'int': case 'uint': case 'float': return numberOf(v) !== 0
    case 'slice': return (v as unknown[]).length > 0
    case 'map': return Object.keys(v as object).length > 0
    case 'ptr': return !(v as GoPointer).isNil()
    case 'struct': case 'func': return true
  }
}

/** Length of a string (bytes, as Go), slice or map; undefined for other kinds. */
export function lengthOf(v: unknown): number | undefined {
  if (typeof v === 'string') return Buffer.byteLength(v)
  if (Array.isArray(v)) return v.length
  if (isMap(v)) return Object.keys(v).length
  return undefined
}

// ---------------------------------------------------------------------------------------
// fmt

/** Raised when a value is too big or deep to format (a map that contains itself...). */
export class ValueTooLargeError extends Error {}

const MAX_FORMAT_NODES = 200_000
const MAX_DEPTH = 64

/** A struct as go-format prints it: own enumerable fields in order. */
class FmtStruct {}

function pointerText(p: GoPointer): string {
  return '0x' + p.address.toString(16)
}

/** The value in go-format's representation (depth: nesting, as fmt's: pointers below the top print as addresses). */
function toFmt(v: unknown, depth: number, budget: {nodes: number}): unknown {
  if (++budget.nodes > MAX_FORMAT_NODES || depth > MAX_DEPTH) throw new ValueTooLargeError('value too large to format')
  if (v === null || v === undefined) return null
  if (v instanceof GoNum) return v.type === 'float32' ? goFloat(v.value) : v.value
  if (v instanceof GoPointer) {
    if (v.isNil()) return null
    if (depth === 0 && v.elem instanceof GoStruct) return toFmt(v.elem, depth, budget)
    return pointerText(v)
  }
  if (v instanceof GoStruct) {
    const out = new FmtStruct() as Record<string, unknown>
    for (const f of v.type.fields) out[f.name] = toFmt(v.values[f.name], depth + 1, budget)
    return out
  }
  if (Array.isArray(v)) {
    const out = v.map((e) => toFmt(e, depth + 1, budget))
    return isStringSlice(v) ? stringSlice(out as string[]) : out
  }
  if (isMap(v)) {
    const out = newMap()
    for (const k of Object.keys(v)) out[k] = toFmt(v[k], depth + 1, budget)
    return isStringMap(v) ? markStringMap(out) : out
  }
  return v
}

/** An argument of Sprintf/Sprint in go-format's representation. */
export function fmtArg(v: unknown): unknown {
  return toFmt(v, 0, {nodes: 0})
}

/** fmt's %v of a value at the top level (a struct value prints `{...}`, not `&{...}`). */
function formatTop(v: unknown): string {
  if (v instanceof GoStruct) {
    // go-format prints any struct at depth 0 as a pointer's `&{...}`: one level down it is `{...}`
    const text = formatGoValue([fmtArg(v)])
    return text.slice(1, -1)
  }
  return formatGoValue(fmtArg(v))
}

/** fmt.Sprint(args...): spaces between operands when neither is a string. */
export function sprint(args: readonly unknown[]): string {
  let out = ''
  args.forEach((a, i) => {
    if (i > 0 && typeof a !== 'string' && typeof args[i - 1] !== 'string') out += ' '
    out += formatTop(a)
  })
  return out
}

/** fmt.Sprintln(args...): always spaces, and a newline. */
export function sprintln(args: readonly unknown[]): string {
  return args.map(formatTop).join(' ') + '\n'
}

/**
 * fmt.Sprintf. go-format knows crowd's plain values only: `%T` of the types it cannot see
 * (pointers, int32, structs) is answered here, as `%s` of the type name.
 */
export function sprintf(format: string, args: readonly unknown[]): string {
  const converted = args.map(fmtArg)
  let rewritten = ''
  let last = 0
  let argNum = 0
  for (const m of format.matchAll(/%([#0+\- ]*)(\*|\d*)(?:\.(\*|\d*))?(.|$)/gsu)) {
    const [, , width, prec, verb] = m
    if (verb === '%') continue
    if (width === '*') argNum++
    if (prec === '*') argNum++
    if (verb === 'T' && argNum < args.length) {
      rewritten += format.slice(last, m.index) + '%' + m[1] + (width ?? '') + 's'
      last = m.index + m[0].length
      converted[argNum] = typeName(args[argNum])
    }
    argNum++
  }
  return goSprintf(rewritten + format.slice(last), converted)
}

/**
 * text/template's printableValue: pointers are followed (a nil one prints `<nil>`), no value
 * prints `<no value>`. What `{{.X}}` writes, and what html/js/urlquery format.
 */
export function printable(v: unknown): unknown {
  if (v instanceof GoPointer) {
    const target = indirect(v)
    return target instanceof GoPointer ? null : target
  }
  return v === null || v === undefined ? '<no value>' : v
}

/** The text `{{pipeline}}` writes for a value. */
export function printText(v: unknown): string {
  if (typeof v === 'string') return v
  return sprint([printable(v)])
}

/** fmt's %v of one value (Sprig's strval default). */
export function formatValue(v: unknown): string {
  return formatTop(v)
}

// ---------------------------------------------------------------------------------------
// encoding/json

/** A struct as encodeGoJSON writes it: own enumerable properties, in order. */
class JsonStruct {}

function isEmptyValue(v: unknown): boolean {
  switch (kindOf(v)) {
    case 'invalid': return true
    case 'string': return v === ''
    case 'bool': return v === false
    case 'int': case 'uint': case 'float': return numberOf(v) === 0
    case 'slice': return (v as unknown[]).length === 0
    case 'map': return Object.keys(v as object).length === 0
    case 'ptr': return (v as GoPointer).isNil()
    default: return false
  }
}

function toJsonView(v: unknown, seen: Set<object>, depth: number): unknown {
  if (depth > MAX_DEPTH) throw new ValueTooLargeError('json: value nested too deeply')
  if (v === null || v === undefined) return null
  if (v instanceof GoNum) return v.type === 'float32' ? goFloat(v.value) : v.value
  if (v instanceof GoPointer) return v.isNil() ? null : toJsonView(v.elem, seen, depth + 1)
  if (typeof v !== 'object') return v
  if (v instanceof GoTime || v instanceof GoDuration || v instanceof GoMonth || v instanceof GoWeekday || v instanceof GoFloat) return v
  if (seen.has(v)) throw new ValueTooLargeError(`json: unsupported value: encountered a cycle via ${typeName(v)}`)
  seen.add(v)
  try {
    if (v instanceof GoStruct) {
      const out = new JsonStruct() as Record<string, unknown>
      for (const f of v.type.fields) {
        const field = v.values[f.name]
        if (f.omitempty && isEmptyValue(field)) continue
        out[f.json] = toJsonView(field, seen, depth + 1)
      }
      return out
    }
    if (Array.isArray(v)) return isNilSlice(v) ? null : v.map((e) => toJsonView(e, seen, depth + 1))
    if (isMap(v)) {
      const out = newMap()
      for (const k of Object.keys(v)) out[k] = toJsonView(v[k], seen, depth + 1)
      return out
    }
    return null
  } finally {
    seen.delete(v)
  }
}

/** json.Marshal (indent '') or json.MarshalIndent(v, '', indent). Throws on cycles and NaN. */
export function marshalJson(v: unknown, indent = ''): string {
  return encodeGoJSON(toJsonView(v, new Set(), 0), indent)
}

/** A JSON text without Go's HTML escapes (`\u003c`, `\u003e`, `\u0026`): Encoder.SetEscapeHTML(false). */
export function unescapeHtmlInJson(json: string): string {
  let out = ''
  let last = 0
  for (let i = 0; i < json.length; i++) {
    if (json[i] !== '\\') continue
    // an escape: `\u003c` is one of ours only when its backslash is not itself escaped
    const seq = json.slice(i, i + 6)
    const ch = seq === '\\u003c' ? '<' : seq === '\\u003e' ? '>' : seq === '\\u0026' ? '&' : undefined
    if (ch !== undefined) {
      out += json.slice(last, i) + ch
      last = i + 6
      i += 5
    } else {
      i++ // skip the escaped character (`\\`, `\"`, ...)
    }
  }
  return out + json.slice(last)
}

// ---------------------------------------------------------------------------------------
// equality (reflect.DeepEqual, for Sprig's has/uniq/without)

export function deepEqual(a: unknown, b: unknown, depth = 0): boolean {
  if (depth > MAX_DEPTH) throw new ValueTooLargeError('value nested too deeply')
  if (a === b) return true
  if (typeName(a) !== typeName(b)) return false
  if (a instanceof GoPointer && b instanceof GoPointer) {
    if (a.isNil() || b.isNil()) return a.isNil() && b.isNil()
    return deepEqual(a.elem, b.elem, depth + 1)
  }
  if (a instanceof GoNum || a instanceof GoFloat || a instanceof GoDuration || a instanceof GoMonth || a instanceof GoWeekday) return numberOf(a) === numberOf(b)
  if (a instanceof GoTime && b instanceof GoTime) return a.Equal(b) && a.Location() === b.Location()
  if (a instanceof GoStruct && b instanceof GoStruct) return a.type.fields.every((f) => deepEqual(a.values[f.name], b.values[f.name], depth + 1))
  if (Array.isArray(a) && Array.isArray(b)) {
    if (isNilSlice(a) !== isNilSlice(b) || a.length !== b.length) return false
    return a.every((e, i) => deepEqual(e, b[i], depth + 1))
  }
  if (isMap(a) && isMap(b)) {
    const ka = Object.keys(a)
    if (ka.length !== Object.keys(b).length) return false
    return ka.every((k) => Object.hasOwn(b, k) && deepEqual(a[k], b[k], depth + 1))
  }
  return false
}
