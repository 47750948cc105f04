/**
 * Sprig's defaults, JSON and reflection functions (sprig/defaults.go, reflect.go): default,
 * empty, coalesce, all, any, ternary, fromJson/toJson (Go's encoding/json: HTML escapes,
 * struct fields in declaration order with their json names and omitempty, sorted map keys),
 * typeOf/kindOf..., fail. And env/expandenv, which must not reveal crowd's environment to a
 * downloaded template: they answer as if no variable were set.
 */
import {GoJsonError} from '../../model/go-format.js'
import {GoFloat} from '../../model/go-values.js'
import {FuncError, fn, type CallContext, type TemplateFunc} from '../funcs.js'
import {ValueTooLargeError, deepEqual, marshalJson, newMap, typeName, unescapeHtmlInJson} from '../value.js'
import {isSprigEmpty, kindName} from './convert.js'

const ANY = 'interface {}'

/** A JSON document as Go's json.Unmarshal into interface{} gives it (numbers float64). */
function fromJsonValue(v: unknown, depth: number): unknown {
  if (depth > 10000) throw new FuncError('exceeded max depth')
  if (typeof v === 'number') return Number.isInteger(v) ? new GoFloat(v) : v
  if (Array.isArray(v)) return v.map((e) => fromJsonValue(e, depth + 1))
  if (v !== null && typeof v === 'object') {
    const m = newMap()
    for (const [k, e] of Object.entries(v)) m[k] = fromJsonValue(e, depth + 1)
    return m
  }
  return v
}

function decodeJson(text: string): unknown {
  try {
    return fromJsonValue(JSON.parse(text), 0)
  } catch (error) {
    if (error instanceof SyntaxError) throw new FuncError(`invalid character in JSON input: ${error.message}`)
    if (error instanceof RangeError) throw new FuncError('exceeded max depth')
    throw error
  }
}

function encodeJson(ctx: CallContext, v: unknown, mode: 'plain' | 'pretty' | 'raw'): string {
  let out: string
  try {
    out = marshalJson(v, mode === 'pretty' ? '  ' : '')
  } catch (error) {
    if (error instanceof ValueTooLargeError || error instanceof GoJsonError) throw new FuncError(error.message)
    throw error
  }
  ctx.checkSize(out.length, 'JSON text')
  ctx.charge(out.length)
  return mode === 'raw' ? unescapeHtmlInJson(out) : out
}

/** The non-must JSON functions swallow errors (Sprig): an empty string, or nil. */
function quietly<T>(f: () => T, fallback: T): T {
  try {
    return f()
  } catch (error) {
    if (error instanceof FuncError && !/limit|steps/.test(error.message)) return fallback
    throw error
  }
}

export const DEFAULT_FUNCS: ReadonlyArray<[string, TemplateFunc]> = [
  ['default', fn([ANY], ([d, ...given]) => (given.length === 0 || isSprigEmpty(given[0]) ? d : given[0]), ANY)],
  ['empty', fn([ANY], ([v]) => isSprigEmpty(v))],
  ['coalesce', fn([], (args) => args.find((a) => !isSprigEmpty(a)) ?? null, ANY)],
  ['all', fn([], (args) => args.every((a) => !isSprigEmpty(a)), ANY)],
  ['any', fn([], (args) => args.some((a) => !isSprigEmpty(a)), ANY)],
  ['ternary', fn([ANY, ANY, 'bool'], ([t, f, c]) => (c ? t : f))],
  ['fromJson', fn(['string'], ([s]) => quietly(() => decodeJson(s as string), null))],
  ['mustFromJson', fn(['string'], ([s]) => decodeJson(s as string))],
  ['toJson', fn([ANY], ([v], ctx) => quietly(() => encodeJson(ctx, v, 'plain'), ''))],
  ['mustToJson', fn([ANY], ([v], ctx) => encodeJson(ctx, v, 'plain'))],
  ['toPrettyJson', fn([ANY], ([v], ctx) => quietly(() => encodeJson(ctx, v, 'pretty'), ''))],
  ['mustToPrettyJson', fn([ANY], ([v], ctx) => encodeJson(ctx, v, 'pretty'))],
  ['toRawJson', fn([ANY], ([v], ctx) => quietly(() => encodeJson(ctx, v, 'raw'), ''))],
  ['mustToRawJson', fn([ANY], ([v], ctx) => encodeJson(ctx, v, 'raw'))],
  ['deepEqual', fn([ANY, ANY], ([a, b]) => deepEqual(a, b))],
  ['typeOf', fn([ANY], ([v]) => typeName(v))],
  ['typeIs', fn(['string', ANY], ([t, v]) => t === typeName(v))],
  ['typeIsLike', fn(['string', ANY], ([t, v]) => t === typeName(v) || '*' + (t as string) === typeName(v))],
  ['kindOf', fn([ANY], ([v]) => kindName(v))],
  ['kindIs', fn(['string', ANY], ([k, v]) => k === kindName(v))],
  ['fail', fn(['string'], ([msg]) => {
    throw new FuncError(msg as string)
  })],
  // the environment stays private: a template is downloaded content
  ['env', fn(['string'], () => '')],
  ['expandenv', fn(['string'], ([s]) => (s as string).replace(/\$\{[^}]*\}|\$[A-Za-z0-9_]+/g, ''))],
]
