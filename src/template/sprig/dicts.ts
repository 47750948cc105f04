/**
 * Sprig's dict functions (sprig/dict.go) over map[string]interface {} (null-prototype
 * objects: keys come from the data). Go's map order is random; crowd answers keys and values
 * in sorted key order, one of the orders Go may give.
 */
import {stringSlice} from '../../model/go-values.js'
import {fn, type CallContext, type TemplateFunc} from '../funcs.js'
import {isMap, mapKeys, newMap} from '../value.js'
import {isSprigEmpty, strval} from './convert.js'

const ANY = 'interface {}'
const MAP = 'map[string]interface {}'
type Dict = Record<string, unknown>

function dict(ctx: CallContext, args: unknown[]): Dict {
  ctx.checkSize(args.length / 2, 'dict size')
  const d = newMap()
  for (let i = 0; i < args.length; i += 2) d[strval(args[i])] = i + 1 < args.length ? args[i + 1] : ''
  return d
}

/** mergo.Merge: fills keys the destination lacks (or holds empty), deeply for nested dicts. */
function merge(dst: Dict, src: Dict, overwrite: boolean, depth = 0): void {
  if (depth > 32) return
  for (const k of Object.keys(src)) {
    const s = src[k]
    const has = Object.hasOwn(dst, k)
    const d = has ? dst[k] : undefined
    if (has && isMap(d) && isMap(s)) merge(d, s, overwrite, depth + 1)
    else if (!has || isSprigEmpty(d) || (overwrite && !isSprigEmpty(s))) dst[k] = s
  }
}

function pick(d: Dict, keys: unknown[], keep: boolean): Dict {
  const wanted = new Set(keys.map(String))
  const out = newMap()
  for (const k of Object.keys(d)) if (wanted.has(k) === keep) out[k] = d[k]
  return out
}

export const DICT_FUNCS: ReadonlyArray<[string, TemplateFunc]> = [
  ['dict', fn([], (args, ctx) => dict(ctx, args), ANY)],
  ['get', fn([MAP, 'string'], ([d, k]) => (Object.hasOwn(d as Dict, k as string) ? (d as Dict)[k as string] : ''))],
  ['set', fn([MAP, 'string', ANY], ([d, k, v]) => {
    ;(d as Dict)[k as string] = v
    return d
  })],
  ['unset', fn([MAP, 'string'], ([d, k]) => {
    delete (d as Dict)[k as string]
    return d
  })],
  ['hasKey', fn([MAP, 'string'], ([d, k]) => Object.hasOwn(d as Dict, k as string))],
  ['keys', fn([], (dicts) => stringSlice(dicts.flatMap((d) => mapKeys(d as Dict))), MAP)],
  ['values', fn([MAP], ([d]) => mapKeys(d as Dict).map((k) => (d as Dict)[k]))],
  ['pick', fn([MAP], ([d, ...keys]) => pick(d as Dict, keys, true), 'string')],
  ['omit', fn([MAP], ([d, ...keys]) => pick(d as Dict, keys, false), 'string')],
  ['merge', fn([MAP], ([d, ...srcs]) => {
    for (const s of srcs) merge(d as Dict, s as Dict, false)
    return d
  }, MAP)],
  ['mergeOverwrite', fn([MAP], ([d, ...srcs]) => {
    for (const s of srcs) merge(d as Dict, s as Dict, true)
    return d
  }, MAP)],
  ['pluck', fn(['string'], ([k, ...dicts]) => dicts.filter((d) => Object.hasOwn(d as Dict, k as string)).map((d) => (d as Dict)[k as string]), MAP)],
  ['dig', fn([ANY], (args) => {
    // dig "a" "b" DEFAULT DICT
    const d = args[args.length - 1]
    const dflt = args[args.length - 2]
    let cur: unknown = d
    for (const k of args.slice(0, -2)) {
      if (!isMap(cur) || !Object.hasOwn(cur, strval(k))) return dflt
      cur = cur[strval(k)]
    }
    return cur
  }, ANY)],
]
