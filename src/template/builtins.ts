/**
 * text/template's own functions (funcs.go): and, or (short-circuit, in exec.ts), not, len,
 * index, print, printf, println, html, js, urlquery, call, and the comparisons eq, ne, lt, le,
 * gt, ge with Go's basic-kind rules (an int never equals a float; pointers and structs are
 * not ordered; `eq` takes several right operands). `slice` is Sprig's, which CrowdSec's
 * function map puts over Go's.
 */
import {FuncError, fn, type TemplateFunc} from './funcs.js'
import {GoNum, GoPointer, GoStruct, formatValue, indirect, isMap, isNilSlice, isTrue, kindOf, lengthOf, mapGet, numberOf, printable, sprint, sprintf, sprintln, typeName} from './value.js'

type BasicKind = 'bool' | 'int' | 'uint' | 'float' | 'string' | 'invalid'

function basicKind(v: unknown): BasicKind {
  const k = kindOf(v)
  return k === 'bool' || k === 'int' || k === 'uint' || k === 'float' || k === 'string' ? k : 'invalid'
}

function isNilValue(v: unknown): boolean {
  if (v === null || v === undefined) return true
  if (v instanceof GoPointer) return v.isNil()
  return isNilSlice(v)
}

function eqPair(a: unknown, b: unknown): boolean {
  const k1 = basicKind(a)
  const k2 = basicKind(b)
  if (k1 !== k2) {
    if ((k1 === 'int' && k2 === 'uint') || (k1 === 'uint' && k2 === 'int')) return numberOf(a) >= 0 && numberOf(b) >= 0 && numberOf(a) === numberOf(b)
    if (a !== null && b !== null) throw new FuncError('incompatible types for comparison')
    return false
  }
  switch (k1) {
    case 'bool': case 'string': return a === b
    case 'int': case 'uint': case 'float': return numberOf(a) === numberOf(b)
  }
  // not basic: nil comparisons, pointers by identity; slices, maps and functions are not comparable
  const ka = kindOf(a)
  const kb = kindOf(b)
  if (ka !== kb && ka !== 'invalid' && kb !== 'invalid') throw new FuncError(`non-comparable types ${formatValue(a)}: ${typeName(a)}, ${typeName(b)}: ${formatValue(b)}`)
  if (isNilValue(a) || isNilValue(b)) return isNilValue(a) === isNilValue(b)
  if (kb === 'slice' || kb === 'map' || kb === 'func') throw new FuncError(`non-comparable type ${formatValue(b)}: ${typeName(b)}`)
  if (a instanceof GoStruct && b instanceof GoStruct) return a.type === b.type && a.type.fields.every((f) => a.values[f.name] === b.values[f.name])
  return a === b
}

function eq(args: unknown[]): boolean {
  const [a, ...rest] = args
  if (rest.length === 0) throw new FuncError('missing argument for comparison')
  for (const b of rest) if (eqPair(a, b)) return true
  return false
}

function lt(a: unknown, b: unknown): boolean {
  const k1 = basicKind(a)
  const k2 = basicKind(b)
  if (k1 === 'invalid' || k2 === 'invalid') throw new FuncError('invalid type for comparison')
  if (k1 !== k2) {
    if (k1 === 'int' && k2 === 'uint') return numberOf(a) < 0 || numberOf(a) < numberOf(b)
    if (k1 === 'uint' && k2 === 'int') return numberOf(b) >= 0 && numberOf(a) < numberOf(b)
    throw new FuncError('incompatible types for comparison')
  }
  if (k1 === 'bool') throw new FuncError('invalid type for comparison')
  if (k1 === 'string') return (a as string) < (b as string)
  return numberOf(a) < numberOf(b)
}

function le(a: unknown, b: unknown): boolean {
  return lt(a, b) || eq([a, b])
}

/** Go's indexArg. */
function indexArg(index: unknown, cap: number): number {
  const k = kindOf(index)
  if (k === 'invalid') throw new FuncError('cannot index slice/array with nil')
  if (k !== 'int' && k !== 'uint') throw new FuncError(`cannot index slice/array with type ${typeName(index)}`)
  const x = numberOf(index)
  if (x < 0 || x > cap) throw new FuncError(`index out of range: ${x}`)
  return x
}

function index(args: unknown[]): unknown {
  let item = args[0]
  if (item === null) throw new FuncError('index of untyped nil')
  for (const ix of args.slice(1)) {
    item = indirect(item)
    if (item instanceof GoPointer) throw new FuncError('index of nil pointer')
    if (Array.isArray(item)) {
      const x = indexArg(ix, item.length)
      if (x === item.length) throw new FuncError('reflect: slice index out of range')
      item = item[x]
    } else if (typeof item === 'string') {
      const bytes = Buffer.from(item)
      const x = indexArg(ix, bytes.length)
      if (x === bytes.length) throw new FuncError('reflect: string index out of range')
      item = new GoNum('uint8', bytes[x]!)
    } else if (isMap(item)) {
      if (ix === null) throw new FuncError('value is nil; should be of type string')
      if (typeof ix !== 'string') throw new FuncError(`value has type ${typeName(ix)}; should be string`)
      const v = mapGet(item, ix)
      item = v !== undefined ? v : typeName(item) === 'map[string]string' ? '' : null
    } else {
      throw new FuncError(`can't index item of type ${typeName(item)}`)
    }
  }
  return item
}

function length(item: unknown): number {
  const v = indirect(item)
  if (v instanceof GoPointer) throw new FuncError('len of nil pointer')
  if (v === null) throw new FuncError('reflect: call of reflect.Value.Type on zero Value')
  const n = lengthOf(v)
  if (n === undefined) throw new FuncError(`len of type ${typeName(v)}`)
  return n
}

/** text/template's evalArgs: Sprint of the arguments, pointers followed. */
function evalArgs(args: readonly unknown[]): string {
  if (args.length === 1 && typeof args[0] === 'string') return args[0]
  return sprint(args.map(printable))
}

/** template.HTMLEscapeString. */
export function htmlEscape(s: string): string {
  return s.replace(/[\0"'&<>]/g, (c) => ({'\0': '\ufffd', '"': '&#34;', "'": '&#39;', '&': '&amp;', '<': '&lt;', '>': '&gt;'})[c]!)
}

/** template.JSEscapeString. */
function jsEscape(s: string): string {
  let out = ''
  for (const ch of s) {
    const c = ch.codePointAt(0)!
    switch (ch) {
      case '\\': out += '\\\\'; continue
      case "'": out += "\\'"; continue
      case '"': out += '\\"'; continue
      case '<': out += '\\u003C'; continue
      case '>': out += '\\u003E'; continue
      case '&': out += '\\u0026'; continue
      case '=': out += '\\u003D'; continue
    }
    if (c < 0x20) out += '\\u00' + c.toString(16).toUpperCase().padStart(2, '0')
    else if (c < 0x80 || /^[\p{L}\p{M}\p{N}\p{P}\p{S} ]$/u.test(ch)) out += ch
    else out += '\\u' + c.toString(16).toUpperCase().padStart(4, '0')
  }
  return out
}

/** url.QueryEscape. */
export function queryEscape(s: string): string {
  let out = ''
  for (const b of Buffer.from(s)) {
    const c = String.fromCharCode(b)
    if (/[A-Za-z0-9\-_.~]/.test(c)) out += c
    else if (c === ' ') out += '+'
    else out += '%' + b.toString(16).toUpperCase().padStart(2, '0')
  }
  return out
}

const ANY = 'interface {}'
const VALUE = 'reflect.Value'

export const BUILTINS: ReadonlyMap<string, TemplateFunc> = new Map<string, TemplateFunc>([
  // and/or: evaluated by exec.ts (short-circuit); declared for arity and parsing
  ['and', fn([VALUE], ([a]) => a, VALUE)],
  ['or', fn([VALUE], ([a]) => a, VALUE)],
  ['not', fn([VALUE], ([a]) => !isTrue(a))],
  ['len', fn([VALUE], ([a]) => length(a))],
  ['index', fn([VALUE], (args) => index(args), VALUE)],
  ['print', fn([], (args) => sprint(args), ANY)],
  ['printf', fn(['string'], ([format, ...rest], ctx) => {
    // a width or precision is padding fmt would allocate: bounded like any output
    for (const m of (format as string).matchAll(/%[#0+\- ]*(\d*)(?:\.(\d*))?/g)) ctx.checkSize(Math.max(Number(m[1] || 0), Number(m[2] || 0)), 'printf width')
    return sprintf(format as string, rest)
  }, ANY)],
  ['println', fn([], (args) => sprintln(args), ANY)],
  ['html', fn([], (args) => htmlEscape(evalArgs(args)), ANY)],
  ['js', fn([], (args) => jsEscape(evalArgs(args)), ANY)],
  ['urlquery', fn([], (args) => queryEscape(evalArgs(args)), ANY)],
  ['call', fn([VALUE], ([f]) => {
    if (f === null) throw new FuncError('call of nil')
    throw new FuncError(`non-function of type ${typeName(f)}`)
  }, VALUE)],
  ['eq', fn([VALUE], (args) => eq(args), VALUE)],
  ['ne', fn([VALUE, VALUE], ([a, b]) => !eq([a, b]))],
  ['lt', fn([VALUE, VALUE], ([a, b]) => lt(a, b))],
  ['le', fn([VALUE, VALUE], ([a, b]) => le(a, b))],
  ['gt', fn([VALUE, VALUE], ([a, b]) => !le(a, b))],
  ['ge', fn([VALUE, VALUE], ([a, b]) => !lt(a, b))],
])
