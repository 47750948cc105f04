/**
 * Sprig's conversions, shared by its functions: strval and strslice (sprig/strings.go), and
 * spf13/cast's ToInt64 / ToFloat64 (pointers followed, strings parsed with base prefixes,
 * failures give 0), which Sprig's math and list functions apply to every argument.
 */
import {GoDuration} from '../../model/go-time.js'
import {GoFloat, stringSlice} from '../../model/go-values.js'
import {FuncError} from '../funcs.js'
import {GoNum, GoPointer, formatValue, kindOf, numberOf} from '../value.js'

/** Sprig's strval: strings as they are, everything else as fmt's %v (Stringers by String()). */
export function strval(v: unknown): string {
  return typeof v === 'string' ? v : formatValue(v)
}

/** Sprig's strslice: a []string from a list (nil elements dropped) or one value. */
export function strslice(v: unknown): string[] {
  if (Array.isArray(v)) return stringSlice(v.filter((e) => e !== null).map(strval))
  if (v === null) return stringSlice([])
  return stringSlice([strval(v)])
}

/** Whether the value is a Go slice (Sprig's list functions accept no other kind). */
export function asList(v: unknown, what: string): unknown[] {
  if (v === null) throw new FuncError('runtime error: invalid memory address or nil pointer dereference')
  if (!Array.isArray(v)) throw new FuncError(`${what} on type ${kindName(v)}`)
  return v
}

/** reflect.Kind's name, as Sprig's errors print it. */
export function kindName(v: unknown): string {
  if (v instanceof GoNum) return v.type
  const k = kindOf(v)
  switch (k) {
    case 'invalid': return 'invalid'
    case 'ptr': return 'ptr'
    case 'float': return v instanceof GoNum ? 'float32' : 'float64'
    case 'int': return v instanceof GoDuration ? 'int64' : 'int'
    default: return k
  }
}

function followPointers(v: unknown): unknown {
  while (v instanceof GoPointer && !v.isNil()) v = v.elem
  return v
}

/** strconv.ParseInt(s, 0, 64) after cast's trimZeroDecimal ("3.00" -> "3"); undefined when invalid. */
function parseIntBase0(s: string): number | undefined {
  const t = /^[+-]?\d+\.0*$/.test(s) ? s.replace(/\.0*$/, '') : s
  const m = /^([+-]?)(0[xX][0-9a-fA-F]+|0[oO][0-7]+|0[bB][01]+|0[0-7]*|[1-9][0-9]*)$/.exec(t.replaceAll('_', ''))
  if (m === null) return undefined
  const body = m[2]!
  let n: number
  if (/^0[xXoObB]/.test(body)) n = Number(body.slice(0, 2).toLowerCase() + body.slice(2))
  else if (body.length > 1 && body[0] === '0') n = parseInt(body.slice(1), 8)
  else n = Number(body)
  return m[1] === '-' ? -n : n
}

/** cast.ToInt64 (errors give 0). */
export function toInt64(v: unknown): number {
  v = followPointers(v)
  switch (kindOf(v)) {
    case 'int': case 'uint': return numberOf(v)
    case 'float': return Math.trunc(numberOf(v))
    case 'bool': return v ? 1 : 0
    case 'string': return parseIntBase0(v as string) ?? 0
    default: return 0
  }
}

/** cast.ToFloat64 (errors give 0). */
export function toFloat64(v: unknown): number {
  v = followPointers(v)
  switch (kindOf(v)) {
    case 'int': case 'uint': case 'float': return numberOf(v)
    case 'bool': return v ? 1 : 0
    case 'string': {
      const s = (v as string).trim() === v ? (v as string) : ''
      if (!/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$|^[+-]?(Inf|inf|Infinity|NaN)$/.test(s)) return 0
      return Number(s.replace(/^([+-]?)(Inf|inf)$/, '$1Infinity'))
    }
    default: return 0
  }
}

/** An int64 result. */
export function int64(n: number): GoNum {
  return new GoNum('int64', n)
}

/** A float64 result. */
export function float64(n: number): number | GoFloat {
  return Number.isInteger(n) ? new GoFloat(n) : n
}

/** Go's strings.Repeat size check before building: panics on a negative count. */
export function checkRepeat(count: number): void {
  if (count < 0) throw new FuncError('strings: negative Repeat count')
}

/** Sprig's empty: nil, zero numbers, false, empty strings, slices and maps, nil pointers; structs never. */
export function isSprigEmpty(v: unknown): boolean {
  switch (kindOf(v)) {
    case 'invalid': return true
    case 'slice': return (v as unknown[]).length === 0
    case 'map': return Object.keys(v as object).length === 0
    case 'string': return v === ''
    case 'bool': return v === false
    case 'int': case 'uint': case 'float': return numberOf(v) === 0
    case 'ptr': return (v as GoPointer).isNil()
    default: return false
  }
}
