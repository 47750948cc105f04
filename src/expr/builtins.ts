/**
 * The expr builtins (expr.md §7), as one table: name -> arity, result type, function.
 * Predicate builtins (`all`, `filter`, `reduce`...) receive their predicate as a JS
 * function `(element, index, acc) => value`, built by compile.ts.
 */
import {Buffer} from 'node:buffer'
import {goToLower, goToUpper} from '../model/go-case.js'
import {GoFloat, goFloat, isStringSlice, numberValue, stringSlice} from '../model/go-values.js'
import {isDuration, isNamedInt, isTime, location, parseDate, parseDuration, timeNow} from './time-adapter.js'
import {ANY_ARRAY, ANY_MAP, BOOL, DURATION, FLOAT, INT, STRING, STRING_ARRAY, TIME, UNKNOWN, type Type} from './types.js'
import {
  byteIndexOf, compareOp, equal, exprTypeName, fetch, formatV, fromGoJSON, fromUtf8, goTypeName, isAscii, isMapValue, isNumeric,
  length, toGoJSON, toIndex, utf8,
} from './value.js'

export type Predicate = (element: unknown, index: number, acc?: unknown) => unknown

export interface BuiltinSpec {
  name: string
  min: number
  /** undefined: variadic. */
  max?: number
  result: Type
  /** Index of the predicate argument for predicate builtins. */
  predicate?: boolean
  fn: (...args: any[]) => unknown
}

// --- argument checks -------------------------------------------------------------------------

function str(name: string, v: unknown, position = 1): string {
  if (typeof v !== 'string') throw new Error(`${name}: argument #${position} must be a string, got ${goTypeName(v)}`)
  return v
}

function arr(name: string, v: unknown): unknown[] {
  if (!Array.isArray(v)) throw new Error(`${name}: cannot use ${goTypeName(v)} as array`)
  return v
}

function int(name: string, v: unknown, position = 2): number {
  if (typeof v === 'number' && Number.isInteger(v)) return v
  if (v instanceof GoFloat) return v.value
  throw new Error(`${name}: argument #${position} must be an integer, got ${goTypeName(v)}`)
}

function bool(name: string, v: unknown): boolean {
  if (typeof v !== 'boolean') throw new Error(`${name}: predicate should return boolean (got ${goTypeName(v)})`)
  return v
}

// --- strings (Go semantics) ------------------------------------------------------------------

const SPACE_CLASS = '\\t\\n\\v\\f\\r \\u0085\\u00A0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000'
const LEADING_SPACE = new RegExp(`^[${SPACE_CLASS}]+`)
const TRAILING_SPACE = new RegExp(`[${SPACE_CLASS}]+$`)

export function trimSpace(s: string): string {
  return s.replace(LEADING_SPACE, '').replace(TRAILING_SPACE, '')
}

export function trimCutset(s: string, cutset: string, left = true, right = true): string {
  const set = new Set(cutset)
  const chars = [...s]
  let a = 0
  let b = chars.length
  if (left) while (a < b && set.has(chars[a]!)) a++
  if (right) while (b > a && set.has(chars[b - 1]!)) b--
  return chars.slice(a, b).join('')
}

/** Go strings.ToUpper / ToLower: simple per-code-point mapping (`ß` stays `ß`), see go-case.ts. */
export const goUpper = goToUpper
export const goLower = goToLower

/** Go strings.SplitN / SplitAfterN (expr.md §10.5). */
export function goSplit(s: string, sep: string, n = -1, after = false): string[] {
  if (n === 0) return stringSlice([])
  if (sep === '') {
    const runes = [...s]
    if (n > 0 && runes.length > n) return stringSlice([...runes.slice(0, n - 1), runes.slice(n - 1).join('')])
    return stringSlice(runes)
  }
  const out: string[] = []
  let start = 0
  while (n < 0 || out.length < n - 1) {
    const i = s.indexOf(sep, start)
    if (i < 0) break
    out.push(s.slice(start, after ? i + sep.length : i))
    start = i + sep.length
  }
  out.push(s.slice(start))
  return stringSlice(out)
}

/** Go strings.Replace with n (< 0: all). */
export function goReplace(s: string, old: string, replacement: string, n = -1): string {
  if (n === 0 || old === replacement) return s
  if (old === '') {
    const runes = [...s]
    let out = ''
    let done = 0
    for (let i = 0; i <= runes.length; i++) {
      if (n < 0 || done < n) {
        out += replacement
        done++
      }
      if (i < runes.length) out += runes[i]
    }
    return out
  }
  if (n < 0) return s.split(old).join(replacement)
  let out = ''
  let start = 0
  for (let done = 0; done < n; done++) {
    const i = s.indexOf(old, start)
    if (i < 0) break
    out += s.slice(start, i) + replacement
    start = i + old.length
  }
  return out + s.slice(start)
}

// --- numbers ----------------------------------------------------------------------------------

/** Go strconv.Atoi (expr `int("...")`). */
export function parseGoInt(s: string): number {
  if (!/^[+-]?[0-9]+$/.test(s)) throw new Error(`strconv.Atoi: parsing ${JSON.stringify(s)}: invalid syntax`)
  const n = Number(s)
  if (!Number.isSafeInteger(n) && Math.abs(n) > 9223372036854775807) throw new Error(`strconv.Atoi: parsing ${JSON.stringify(s)}: value out of range`)
  return n === 0 ? 0 : n
}

/** Go strconv.ParseFloat(s, 64). */
export function parseGoFloat(s: string): number {
  const t = s.replaceAll('_', '')
  if (/^[+-]?(inf|infinity)$/i.test(t)) return t.startsWith('-') ? -Infinity : Infinity
  if (/^nan$/i.test(t)) return NaN
  if (/^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i.test(t)) return Number(t)
  const hex = /^([+-]?)0x([0-9a-f]*)\.?([0-9a-f]*)p([+-]?\d+)$/i.exec(t)
  if (hex && (hex[2] !== '' || hex[3] !== '')) {
    const mant = parseInt((hex[2] || '0') + (hex[3] ?? ''), 16) / 16 ** (hex[3] ?? '').length
    return (hex[1] === '-' ? -1 : 1) * mant * 2 ** Number(hex[4])
  }
  throw new Error(`strconv.ParseFloat: parsing ${JSON.stringify(s)}: invalid syntax`)
}

function toInt(v: unknown): number {
  if (typeof v === 'number') return Math.trunc(v)
  if (v instanceof GoFloat) return v.value
  if (typeof v === 'string') return parseGoInt(v)
  if (isDuration(v)) return v.ns
  if (isNamedInt(v)) return v.value
  throw new Error(`invalid operation: int(${goTypeName(v)})`)
}

function toFloat(v: unknown): number | GoFloat {
  if (typeof v === 'number') return goFloat(v)
  if (v instanceof GoFloat) return v
  if (typeof v === 'string') return goFloat(parseGoFloat(v))
  if (isDuration(v)) return goFloat(v.ns)
  if (isNamedInt(v)) return goFloat(v.value)
  throw new Error(`invalid operation: float(${goTypeName(v)})`)
}

function num(name: string, v: unknown): number {
  const n = numberValue(v)
  if (n === undefined) throw new Error(`invalid argument for ${name} (type ${goTypeName(v)})`)
  return n
}

function flattenNumbers(name: string, args: unknown[], out: unknown[] = []): unknown[] {
  for (const a of args) {
    if (Array.isArray(a)) flattenNumbers(name, a, out)
    else if (isNumeric(a)) out.push(a)
    else throw new Error(`invalid argument for ${name} (type ${goTypeName(a)})`)
  }
  return out
}

function extremum(name: string, args: unknown[], pick: (a: unknown, b: unknown) => boolean): unknown {
  const values = flattenNumbers(name, args)
  if (values.length === 0) throw new Error(`not enough arguments to call ${name}`)
  let best = values[0]
  for (const v of values) if (pick(v, best)) best = v
  return best
}

function mean(args: unknown[]): number | GoFloat {
  const values = flattenNumbers('mean', args)
  if (values.length === 0) return new GoFloat(0)
  return goFloat(values.reduce<number>((s, v) => s + numberValue(v)!, 0) / values.length)
}

function median(args: unknown[]): number | GoFloat {
  const values = flattenNumbers('median', args).map((v) => numberValue(v)!).sort((a, b) => a - b)
  if (values.length === 0) return new GoFloat(0)
  const mid = values.length >> 1
  return goFloat(values.length % 2 === 1 ? values[mid]! : (values[mid - 1]! + values[mid]!) / 2)
}

function sumValues(values: unknown[]): unknown {
  let total = 0
  let float = false
  for (const v of values) {
    if (typeof v === 'number') {
      total += v
      if (!Number.isInteger(v)) float = true
    } else if (v instanceof GoFloat) {
      total += v.value
      float = true
    } else {
      throw new Error(`invalid operation: sum of ${goTypeName(v)}`)
    }
  }
  return float ? goFloat(total) : total
}

const I64 = (v: unknown, name: string): bigint => BigInt(int(name, v, 1))
const fromI64 = (b: bigint): number => Number(BigInt.asIntN(64, b))

// --- collections --------------------------------------------------------------------------

function compareForSort(a: unknown, b: unknown): number {
  if (compareOp('<', a, b)) return -1
  if (compareOp('>', a, b)) return 1
  return 0
}

function order(name: string, v: unknown): 1 | -1 {
  if (v === undefined || v === 'asc') return 1
  if (v === 'desc') return -1
  throw new Error(`${name}: unknown order ${formatV(v)}, use asc or desc`)
}

function flattenDeep(v: unknown[], out: unknown[] = []): unknown[] {
  for (const e of v) {
    if (Array.isArray(e)) flattenDeep(e, out)
    else out.push(e)
  }
  return out
}

function mapKeys(name: string, m: unknown): string[] {
  if (!isMapValue(m)) throw new Error(`${name}: cannot use ${goTypeName(m)} as map`)
  return Object.keys(m).sort()
}

function newMap(): Record<string, unknown> {
  return Object.create(null) as Record<string, unknown>
}

function base64Decode(s: string): string {
  if (!/^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/.test(s)) throw new Error('illegal base64 data at input byte 0')
  return fromUtf8(Uint8Array.from(Buffer.from(s, 'base64')))
}

function get(v: unknown, k: unknown): unknown {
  if (v === null || v === undefined) return null
  try {
    if (isMapValue(v)) {
      const key = typeof k === 'string' ? k : formatV(k)
      return Object.hasOwn(v, key) ? (v[key] ?? null) : null
    }
    return fetch(v, k)
  } catch {
    return null
  }
}

function def(name: string, min: number, max: number | undefined, result: Type, fn: (...args: any[]) => unknown, predicate = false): BuiltinSpec {
  return {name, min, max, result, fn, predicate}
}

const list: BuiltinSpec[] = [
  // predicates: fn(array, predicate, extra?)
  def('all', 2, 2, BOOL, (a: unknown, p: Predicate) => arr('all', a).every((e, i) => bool('all', p(e, i))), true),
  def('any', 2, 2, BOOL, (a: unknown, p: Predicate) => arr('any', a).some((e, i) => bool('any', p(e, i))), true),
  def('none', 2, 2, BOOL, (a: unknown, p: Predicate) => !arr('none', a).some((e, i) => bool('none', p(e, i))), true),
  def('one', 2, 2, BOOL, (a: unknown, p: Predicate) => {
    let n = 0
    for (const [i, e] of arr('one', a).entries()) if (bool('one', p(e, i)) && ++n > 1) return false
    return n === 1
  }, true),
  def('filter', 2, 2, ANY_ARRAY, (a: unknown, p: Predicate) => arr('filter', a).filter((e, i) => bool('filter', p(e, i))), true),
  def('map', 2, 2, ANY_ARRAY, (a: unknown, p: Predicate) => arr('map', a).map((e, i) => p(e, i)), true),
  def('count', 1, 2, INT, (a: unknown, p?: Predicate) => arr('count', a).filter((e, i) => bool('count', p ? p(e, i) : e)).length, true),
  def('sum', 1, 2, UNKNOWN, (a: unknown, p?: Predicate) => sumValues(p ? arr('sum', a).map((e, i) => p(e, i)) : arr('sum', a)), true),
  def('find', 2, 2, UNKNOWN, (a: unknown, p: Predicate) => arr('find', a).find((e, i) => bool('find', p(e, i))) ?? null, true),
  def('findIndex', 2, 2, INT, (a: unknown, p: Predicate) => arr('findIndex', a).findIndex((e, i) => bool('findIndex', p(e, i))), true),
  def('findLast', 2, 2, UNKNOWN, (a: unknown, p: Predicate) => {
    const v = arr('findLast', a)
    for (let i = v.length - 1; i >= 0; i--) if (bool('findLast', p(v[i], i))) return v[i] ?? null
    return null
  }, true),
  def('findLastIndex', 2, 2, INT, (a: unknown, p: Predicate) => {
    const v = arr('findLastIndex', a)
    for (let i = v.length - 1; i >= 0; i--) if (bool('findLastIndex', p(v[i], i))) return i
    return -1
  }, true),
  def('groupBy', 2, 2, ANY_MAP, (a: unknown, p: Predicate) => {
    const out = newMap()
    arr('groupBy', a).forEach((e, i) => {
      const k = formatV(p(e, i))
      ;((out[k] ??= []) as unknown[]).push(e)
    })
    return out
  }, true),
  def('sortBy', 2, 3, ANY_ARRAY, (a: unknown, p: Predicate, o?: unknown) => {
    const dir = order('sortBy', o)
    return arr('sortBy', a)
      .map((e, i) => ({e, k: p(e, i)}))
      .sort((x, y) => dir * compareForSort(x.k, y.k))
      .map((x) => x.e)
  }, true),
  def('reduce', 2, 3, UNKNOWN, (a: unknown, p: Predicate, ...init: unknown[]) => {
    const v = arr('reduce', a)
    let i = 0
    let acc: unknown
    if (init.length > 0) acc = init[0]
    else {
      if (v.length === 0) throw new Error('reduce of empty array with no initial value')
      acc = v[0]
      i = 1
    }
    for (; i < v.length; i++) acc = p(v[i], i, acc)
    return acc
  }, true),

  def('len', 1, 1, INT, (v: unknown) => length(v)),
  def('type', 1, 1, STRING, (v: unknown) => exprTypeName(v)),
  def('abs', 1, 1, UNKNOWN, (v: unknown) => {
    if (typeof v === 'number') return Math.abs(v)
    if (v instanceof GoFloat) return new GoFloat(Math.abs(v.value))
    throw new Error(`invalid argument for abs (type ${goTypeName(v)})`)
  }),
  def('ceil', 1, 1, FLOAT, (v: unknown) => goFloat(Math.ceil(num('ceil', v)))),
  def('floor', 1, 1, FLOAT, (v: unknown) => goFloat(Math.floor(num('floor', v)))),
  def('round', 1, 1, FLOAT, (v: unknown) => {
    const n = num('round', v)
    return goFloat(Math.sign(n) * Math.round(Math.abs(n)))
  }),
  def('int', 1, 1, INT, toInt),
  def('float', 1, 1, FLOAT, toFloat),
  def('string', 1, 1, STRING, (v: unknown) => formatV(v)),
  def('max', 1, undefined, UNKNOWN, (...a: unknown[]) => extremum('max', a, (x, y) => compareOp('>', x, y))),
  def('min', 1, undefined, UNKNOWN, (...a: unknown[]) => extremum('min', a, (x, y) => compareOp('<', x, y))),
  def('mean', 0, undefined, FLOAT, (...a: unknown[]) => mean(a)),
  def('median', 0, undefined, FLOAT, (...a: unknown[]) => median(a)),

  def('trim', 1, 2, STRING, (s: unknown, cut?: unknown) => (cut === undefined ? trimSpace(str('trim', s)) : trimCutset(str('trim', s), str('trim', cut, 2)))),
  def('trimPrefix', 1, 2, STRING, (s: unknown, p: unknown = ' ') => {
    const t = str('trimPrefix', s)
    const q = str('trimPrefix', p, 2)
    return t.startsWith(q) ? t.slice(q.length) : t
  }),
  def('trimSuffix', 1, 2, STRING, (s: unknown, p: unknown = ' ') => {
    const t = str('trimSuffix', s)
    const q = str('trimSuffix', p, 2)
    return q !== '' && t.endsWith(q) ? t.slice(0, t.length - q.length) : t
  }),
  def('upper', 1, 1, STRING, (s: unknown) => goUpper(str('upper', s))),
  def('lower', 1, 1, STRING, (s: unknown) => goLower(str('lower', s))),
  def('split', 2, 3, STRING_ARRAY, (s: unknown, sep: unknown, n?: unknown) => goSplit(str('split', s), str('split', sep, 2), n === undefined ? -1 : int('split', n, 3))),
  def('splitAfter', 2, 3, STRING_ARRAY, (s: unknown, sep: unknown, n?: unknown) =>
    goSplit(str('splitAfter', s), str('splitAfter', sep, 2), n === undefined ? -1 : int('splitAfter', n, 3), true)),
  def('replace', 3, 4, STRING, (s: unknown, o: unknown, r: unknown, n?: unknown) =>
    goReplace(str('replace', s), str('replace', o, 2), str('replace', r, 3), n === undefined ? -1 : int('replace', n, 4))),
  def('repeat', 2, 2, STRING, (s: unknown, n: unknown) => {
    const count = int('repeat', n)
    if (count < 0) throw new Error('strings: negative Repeat count')
    return str('repeat', s).repeat(count)
  }),
  def('join', 1, 2, STRING, (a: unknown, sep: unknown = '') => {
    const parts = arr('join', a).map((e) => {
      if (typeof e !== 'string') throw new Error(`join: cannot join ${goTypeName(e)}`)
      return e
    })
    return parts.join(str('join', sep, 2))
  }),
  def('indexOf', 2, 2, INT, (s: unknown, sub: unknown) => byteIndexOf(str('indexOf', s), str('indexOf', sub, 2))),
  def('lastIndexOf', 2, 2, INT, (s: unknown, sub: unknown) => byteIndexOf(str('lastIndexOf', s), str('lastIndexOf', sub, 2), true)),
  def('hasPrefix', 2, 2, BOOL, (s: unknown, p: unknown) => str('hasPrefix', s).startsWith(str('hasPrefix', p, 2))),
  def('hasSuffix', 2, 2, BOOL, (s: unknown, p: unknown) => str('hasSuffix', s).endsWith(str('hasSuffix', p, 2))),

  def('toJSON', 1, 1, STRING, (v: unknown) => toGoJSON(v, '  ')),
  def('fromJSON', 1, 1, UNKNOWN, (s: unknown) => fromGoJSON(str('fromJSON', s))),
  def('toBase64', 1, 1, STRING, (s: unknown) => Buffer.from(utf8(str('toBase64', s))).toString('base64')),
  def('fromBase64', 1, 1, STRING, (s: unknown) => base64Decode(str('fromBase64', s))),

  def('now', 0, 1, TIME, (tz?: unknown) => (tz === undefined ? timeNow() : timeNow().In(location(str('now', tz) ) as never))),
  def('duration', 1, 1, DURATION, (s: unknown) => parseDuration(str('duration', s))),
  def('date', 1, 3, TIME, (s: unknown, layout?: unknown, tz?: unknown) => {
    if (isTime(s)) return s
    return parseDate(str('date', s), layout === undefined ? undefined : str('date', layout, 2), tz === undefined ? undefined : str('date', tz, 3))
  }),
  def('timezone', 1, 1, UNKNOWN, (name: unknown) => location(str('timezone', name))),

  def('first', 1, 1, UNKNOWN, (a: unknown) => {
    const v = arr('first', a)
    return v.length > 0 ? (v[0] ?? null) : null
  }),
  def('last', 1, 1, UNKNOWN, (a: unknown) => {
    const v = arr('last', a)
    return v.length > 0 ? (v[v.length - 1] ?? null) : null
  }),
  def('get', 2, 2, UNKNOWN, get),
  def('take', 2, 2, ANY_ARRAY, (a: unknown, n: unknown) => arr('take', a).slice(0, Math.max(0, int('take', n)))),
  def('keys', 1, 1, ANY_ARRAY, (m: unknown) => mapKeys('keys', m)),
  def('values', 1, 1, ANY_ARRAY, (m: unknown) => mapKeys('values', m).map((k) => (m as Record<string, unknown>)[k] ?? null)),
  def('toPairs', 1, 1, ANY_ARRAY, (m: unknown) => mapKeys('toPairs', m).map((k) => [k, (m as Record<string, unknown>)[k] ?? null])),
  def('fromPairs', 1, 1, ANY_MAP, (a: unknown) => {
    const out = newMap()
    for (const pair of arr('fromPairs', a)) {
      if (!Array.isArray(pair) || pair.length !== 2) throw new Error('fromPairs: each element must be a [key, value] pair')
      out[formatV(pair[0])] = pair[1] ?? null
    }
    return out
  }),
  def('reverse', 1, 1, ANY_ARRAY, (a: unknown) => [...arr('reverse', a)].reverse()),
  def('uniq', 1, 1, ANY_ARRAY, (a: unknown) => {
    const out: unknown[] = []
    for (const e of arr('uniq', a)) if (!out.some((x) => equal(x, e))) out.push(e)
    return out
  }),
  def('concat', 1, undefined, ANY_ARRAY, (...a: unknown[]) => a.flatMap((x) => arr('concat', x))),
  def('flatten', 1, 1, ANY_ARRAY, (a: unknown) => flattenDeep(arr('flatten', a))),
  def('sort', 1, 2, ANY_ARRAY, (a: unknown, o?: unknown) => {
    const dir = order('sort', o)
    const copy = [...arr('sort', a)].sort((x, y) => dir * compareForSort(x, y))
    return isStringSlice(a) ? stringSlice(copy as string[]) : copy
  }),

  def('bitand', 2, 2, INT, (a: unknown, b: unknown) => fromI64(I64(a, 'bitand') & I64(b, 'bitand'))),
  def('bitor', 2, 2, INT, (a: unknown, b: unknown) => fromI64(I64(a, 'bitor') | I64(b, 'bitor'))),
  def('bitxor', 2, 2, INT, (a: unknown, b: unknown) => fromI64(I64(a, 'bitxor') ^ I64(b, 'bitxor'))),
  def('bitnand', 2, 2, INT, (a: unknown, b: unknown) => fromI64(I64(a, 'bitnand') & ~I64(b, 'bitnand'))),
  def('bitnot', 1, 1, INT, (a: unknown) => fromI64(~I64(a, 'bitnot'))),
  def('bitshl', 2, 2, INT, (a: unknown, b: unknown) => fromI64(I64(a, 'bitshl') << I64(b, 'bitshl'))),
  def('bitshr', 2, 2, INT, (a: unknown, b: unknown) => fromI64(I64(a, 'bitshr') >> I64(b, 'bitshr'))),
  def('bitushr', 2, 2, INT, (a: unknown, b: unknown) => fromI64(BigInt.asUintN(64, I64(a, 'bitushr')) >> I64(b, 'bitushr'))),
]

export const BUILTINS: ReadonlyMap<string, BuiltinSpec> = new Map(list.map((b) => [b.name, b]))

export const BUILTIN_NAMES: ReadonlySet<string> = new Set(BUILTINS.keys())

export {toIndex}
