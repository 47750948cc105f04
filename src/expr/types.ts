/**
 * Type descriptors used by the checker (expr's `checker/nature`). `unknown` is Go's
 * interface{}: accepted at compile time, checked at runtime.
 */

export type Type =
  | {kind: 'unknown'}
  | {kind: 'nil'}
  | {kind: 'bool'}
  | {kind: 'int'; name?: string}
  | {kind: 'float'}
  | {kind: 'string'}
  | {kind: 'array'; elem: Type}
  | {kind: 'map'; value: Type}
  | StructType
  | {kind: 'func'; sig?: FuncSig}
  | {kind: 'time'}
  | {kind: 'duration'}

export interface FuncSig {
  /** Parameter count range; undefined max means variadic. */
  min: number
  max?: number
  result: Type
}

export interface StructType {
  kind: 'struct'
  /** Go type name, as printed in messages (`pipeline.Event`). */
  name: string
  /** Field types; a thunk so that recursive types (Alert -> Event) can be declared. */
  fields: () => Readonly<Record<string, Type>>
  methods: () => Readonly<Record<string, FuncSig>>
}

export const UNKNOWN: Type = {kind: 'unknown'}
export const NIL: Type = {kind: 'nil'}
export const BOOL: Type = {kind: 'bool'}
export const INT: Type = {kind: 'int'}
export const INT32: Type = {kind: 'int', name: 'int32'}
export const INT64: Type = {kind: 'int', name: 'int64'}
export const FLOAT: Type = {kind: 'float'}
export const STRING: Type = {kind: 'string'}
export const TIME: Type = {kind: 'time'}
export const DURATION: Type = {kind: 'duration'}
export const WEEKDAY: Type = {kind: 'int', name: 'time.Weekday'}
export const MONTH: Type = {kind: 'int', name: 'time.Month'}
export const ANY_ARRAY: Type = {kind: 'array', elem: UNKNOWN}
export const STRING_ARRAY: Type = {kind: 'array', elem: STRING}
export const STRING_MAP: Type = {kind: 'map', value: STRING}
export const ANY_MAP: Type = {kind: 'map', value: UNKNOWN}

export function arrayOf(elem: Type): Type {
  return {kind: 'array', elem}
}

export function mapOf(value: Type): Type {
  return {kind: 'map', value}
}

export function sig(min: number, result: Type, max: number | undefined = min): FuncSig {
  return {min, max, result}
}

export function struct(name: string, fields: () => Record<string, Type>, methods: () => Record<string, FuncSig> = () => ({})): StructType {
  let cachedFields: Record<string, Type> | undefined
  let cachedMethods: Record<string, FuncSig> | undefined
  return {
    kind: 'struct',
    name,
    fields: () => (cachedFields ??= Object.assign(Object.create(null) as Record<string, Type>, fields())),
    methods: () => (cachedMethods ??= Object.assign(Object.create(null) as Record<string, FuncSig>, methods())),
  }
}

/** Methods of the Go time types (expr.md §6.3). */
export const TIME_METHODS: Readonly<Record<string, FuncSig>> = Object.assign(Object.create(null) as Record<string, FuncSig>, {
  Hour: sig(0, INT),
  Minute: sig(0, INT),
  Second: sig(0, INT),
  Nanosecond: sig(0, INT),
  Year: sig(0, INT),
  Month: sig(0, MONTH),
  Day: sig(0, INT),
  YearDay: sig(0, INT),
  Weekday: sig(0, WEEKDAY),
  Unix: sig(0, INT64),
  UnixNano: sig(0, INT64),
  UnixMilli: sig(0, INT64),
  UTC: sig(0, TIME),
  Local: sig(0, TIME),
  In: sig(1, TIME),
  Format: sig(1, STRING),
  Before: sig(1, BOOL),
  After: sig(1, BOOL),
  Equal: sig(1, BOOL),
  Sub: sig(1, DURATION),
  Add: sig(1, TIME),
  IsZero: sig(0, BOOL),
  String: sig(0, STRING),
  Truncate: sig(1, TIME),
  Round: sig(1, TIME),
})

export const DURATION_METHODS: Readonly<Record<string, FuncSig>> = Object.assign(Object.create(null) as Record<string, FuncSig>, {
  Seconds: sig(0, FLOAT),
  Minutes: sig(0, FLOAT),
  Hours: sig(0, FLOAT),
  Milliseconds: sig(0, INT64),
  Microseconds: sig(0, INT64),
  Nanoseconds: sig(0, INT64),
  String: sig(0, STRING),
  Abs: sig(0, DURATION),
  Round: sig(1, DURATION),
  Truncate: sig(1, DURATION),
})

/** Named integer types with a String() method (time.Weekday, time.Month). */
export const NAMED_INT_METHODS: Readonly<Record<string, FuncSig>> = Object.assign(Object.create(null) as Record<string, FuncSig>, {
  String: sig(0, STRING),
})

/** The Go spelling of a type, for messages. */
export function typeName(t: Type): string {
  switch (t.kind) {
    case 'unknown':
      return 'interface {}'
    case 'nil':
      return 'nil'
    case 'int':
      return t.name ?? 'int'
    case 'float':
      return 'float64'
    case 'array':
      return `[]${typeName(t.elem)}`
    case 'map':
      return `map[string]${typeName(t.value)}`
    case 'struct':
      return t.name
    case 'func':
      return 'func'
    case 'time':
      return 'time.Time'
    case 'duration':
      return 'time.Duration'
    default:
      return t.kind
  }
}

export function isUnknown(t: Type): boolean {
  return t.kind === 'unknown'
}

export function isNumber(t: Type): boolean {
  return t.kind === 'int' || t.kind === 'float'
}

/** Plain numbers (not the named time.Weekday/time.Month, which expr compares by deep equality). */
export function isPlainNumber(t: Type): boolean {
  return t.kind === 'float' || (t.kind === 'int' && (t.name === undefined || t.name === 'int32' || t.name === 'int64'))
}

/** Methods callable on a value of this type, or undefined when the type has none known. */
export function methodsOf(t: Type): Readonly<Record<string, FuncSig>> | undefined {
  switch (t.kind) {
    case 'struct':
      return t.methods()
    case 'time':
      return TIME_METHODS
    case 'duration':
      return DURATION_METHODS
    case 'int':
      return t.name === 'time.Weekday' || t.name === 'time.Month' ? NAMED_INT_METHODS : undefined
    default:
      return undefined
  }
}
