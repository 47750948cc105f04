/**
 * The function seam: a template function declares its Go parameter types, so that execution
 * converts and checks arguments exactly as text/template's reflection does (a `*string` field
 * passed to a `string` parameter is dereferenced; a nil one is an error; an int32 is not an
 * int). Functions throw FuncError for what Go returns as an error or panics with; execution
 * reports it as `error calling NAME: MESSAGE`.
 *
 * Parameter types are Go type names: `interface {}` (any value, as is), `reflect.Value`
 * (the same, for builtins), `string`, `int`, `int64`, `float64`, `bool`, `[]string`,
 * `[]interface {}`, `map[string]interface {}`, `time.Time`, `*models.Alert`...
 */
import {GoFloat} from '../model/go-values.js'
import {GoNum, GoPointer, kindOf, newMap, nilSlice, typeName, typedMap, type NumType} from './value.js'

/** An error or panic of a template function: Go's message. */
export class FuncError extends Error {}

/** Output and work limits a function must respect before allocating. */
export interface FuncBudget {
  /** Throws a limit error when a string or list of this size would exceed the limits. */
  checkSize(size: number, what: string): void
  /** Counts work (steps) proportional to `units`. */
  charge(units: number): void
}

export interface CallContext extends FuncBudget {
  /** The CTI smoke lookup of the render options. */
  ctiLookup(ip: string): unknown
  /** The host name Hostname answers. */
  hostname(): string
}

export interface TemplateFunc {
  params: readonly string[]
  /** Element type of a final variadic parameter (`...interface {}`). */
  variadic?: string
  call(args: unknown[], ctx: CallContext): unknown
}

export type FuncMap = ReadonlyMap<string, TemplateFunc>

/** A function from its parameter types and body. */
export function fn(params: readonly string[], call: (args: unknown[], ctx: CallContext) => unknown, variadic?: string): TemplateFunc {
  return variadic === undefined ? {params, call} : {params, variadic, call}
}

const ANY = new Set(['interface {}', 'reflect.Value'])
const INT_TYPES = new Set(['int', 'int8', 'int16', 'int32', 'int64', 'uint', 'uint8', 'uint16', 'uint32', 'uint64'])

export function isAnyType(type: string): boolean {
  return ANY.has(type)
}

export function isIntType(type: string): boolean {
  return INT_TYPES.has(type)
}

/** Whether Go's nil can be assigned to the type. */
export function canBeNil(type: string): boolean {
  return ANY.has(type) || type.startsWith('[]') || type.startsWith('map[') || type.startsWith('*') || type.startsWith('func')
}

/** The zero value of a nillable type. */
export function zeroOf(type: string): unknown {
  if (type.startsWith('[]')) return nilSlice(type)
  if (type.startsWith('map[')) return typedMap(newMap(), type)
  if (type.startsWith('*')) return new GoPointer(type.slice(1))
  return null
}

/** An integer constant as a value of an integer type. */
export function intOf(type: string, n: number): unknown {
  return type === 'int' ? n : new GoNum(type as NumType, n)
}

/** A float constant as a value of a float type. */
export function floatOf(type: string, n: number): unknown {
  if (type === 'float32') return new GoNum('float32', n)
  return Number.isInteger(n) ? new GoFloat(n) : n
}

/**
 * text/template's validateType: the value as a parameter of `type`, or an error message.
 * One dereference is allowed (`*string` -> `string`).
 */
export function validateType(value: unknown, type: string): {value: unknown} | {error: string} {
  if (ANY.has(type)) return {value}
  if (kindOf(value) === 'invalid') {
    if (canBeNil(type)) return {value: zeroOf(type)}
    return {error: `invalid value; expected ${type}`}
  }
  const actual = typeName(value)
  if (actual === type) return {value}
  if (value instanceof GoPointer && value.elemType === type) {
    if (value.isNil()) return {error: `dereference of nil pointer of type ${type}`}
    return {value: value.elem}
  }
  return {error: `wrong type for value; expected ${type}; got ${actual}`}
}
