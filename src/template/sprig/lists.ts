/**
 * Sprig's list functions (sprig/list.go): results are []interface {}; the list arguments must
 * be slices (Sprig panics otherwise: `Cannot find first on type string`). Equality (has,
 * uniq, without) is reflect.DeepEqual. Lists built here are size-checked before they grow.
 */
import {FuncError, fn, type CallContext, type TemplateFunc} from '../funcs.js'
import {deepEqual} from '../value.js'
import {asList, isSprigEmpty, kindName, toInt64} from './convert.js'

const ANY = 'interface {}'

function list(v: unknown, verb: string): unknown[] {
  return asList(v, `Cannot ${verb}`)
}

function sliceOf(l: unknown[], start: number, end: number): unknown[] {
  if (start < 0 || end > l.length || start > end) throw new FuncError('reflect.Value.Slice: slice index out of bounds')
  return l.slice(start, end)
}

function until(ctx: CallContext, start: number, stop: number, step: number): unknown[] {
  const out: unknown[] = []
  if (step === 0 || (step > 0 && start >= stop) || (step < 0 && start <= stop)) return out
  const count = Math.ceil(Math.abs((stop - start) / step))
  ctx.checkSize(count, 'until list length')
  ctx.charge(count)
  for (let i = start; step > 0 ? i < stop : i > stop; i += step) out.push(i)
  return out
}

/** Sprig's seq: like the seq(1) command; returns the numbers joined by spaces. */
function seq(ctx: CallContext, params: number[]): string {
  let start = 1
  let end = 0
  let step = 1
  if (params.length === 1) end = params[0]!
  else if (params.length === 2) [start, end] = params as [number, number]
  else if (params.length === 3) [start, step, end] = params as [number, number, number]
  else return ''
  if (params.length === 3 && ((end < start && step >= 0) || (end > start && step <= 0))) return ''
  if (params.length < 3) step = end < start ? -1 : 1
  const nums = until(ctx, start, end + (step > 0 ? 1 : -1), step)
  return nums.join(' ')
}

function push(ctx: CallContext, l: unknown[], items: unknown[], front: boolean): unknown[] {
  ctx.checkSize(l.length + items.length, 'list length')
  ctx.charge(l.length + items.length)
  return front ? [...items, ...l] : [...l, ...items]
}

export const LIST_FUNCS: ReadonlyArray<[string, TemplateFunc]> = [
  ['list', fn([], (args, ctx) => push(ctx, [], args, false), ANY)],
  ['tuple', fn([], (args, ctx) => push(ctx, [], args, false), ANY)],
  ['first', fn([ANY], ([l]) => list(l, 'find first')[0] ?? null)],
  ['last', fn([ANY], ([l]) => {
    const a = list(l, 'find last')
    return a.length === 0 ? null : a[a.length - 1]
  })],
  ['rest', fn([ANY], ([l]) => {
    const a = list(l, 'find rest')
    return a.length === 0 ? null : a.slice(1)
  })],
  ['initial', fn([ANY], ([l]) => {
    const a = list(l, 'find initial')
    return a.length === 0 ? null : a.slice(0, -1)
  })],
  ['append', fn([ANY, ANY], ([l, v], ctx) => push(ctx, list(l, 'push'), [v], false))],
  ['push', fn([ANY, ANY], ([l, v], ctx) => push(ctx, list(l, 'push'), [v], false))],
  ['prepend', fn([ANY, ANY], ([l, v], ctx) => push(ctx, list(l, 'prepend'), [v], true))],
  ['concat', fn([], (lists, ctx) => {
    let out: unknown[] = []
    for (const l of lists) {
      if (!Array.isArray(l)) throw new FuncError(`Cannot concat type ${kindName(l)} as list`)
      out = push(ctx, out, l, false)
    }
    return out
  }, ANY)],
  ['reverse', fn([ANY], ([l]) => [...list(l, 'find reverse')].reverse())],
  ['uniq', fn([ANY], ([l], ctx) => {
    const a = list(l, 'find uniq')
    ctx.charge(a.length * a.length)
    const out: unknown[] = []
    for (const v of a) if (!out.some((o) => deepEqual(o, v))) out.push(v)
    return out
  })],
  ['without', fn([ANY], ([l, ...omit], ctx) => {
    const a = list(l, 'find without')
    ctx.charge(a.length * omit.length)
    return a.filter((v) => !omit.some((o) => deepEqual(o, v)))
  }, ANY)],
  ['has', fn([ANY, ANY], ([needle, l], ctx) => {
    if (l === null) return false
    const a = list(l, 'find has')
    ctx.charge(a.length)
    return a.some((v) => deepEqual(v, needle))
  })],
  ['compact', fn([ANY], ([l]) => list(l, 'compact').filter((v) => !isSprigEmpty(v)))],
  ['slice', fn([ANY], ([l, ...ix]) => {
    if (l === null) throw new FuncError('runtime error: invalid memory address or nil pointer dereference')
    if (!Array.isArray(l)) throw new FuncError(`list should be type of slice or array but ${kindName(l)}`)
    if (l.length === 0) return null
    const start = ix.length > 0 ? toInt64(ix[0]) : 0
    const end = ix.length < 2 ? l.length : toInt64(ix[1])
    return sliceOf(l, start, end)
  }, ANY)],
  ['until', fn(['int'], ([n], ctx) => until(ctx, 0, n as number, (n as number) < 0 ? -1 : 1))],
  ['untilStep', fn(['int', 'int', 'int'], ([a, b, c], ctx) => until(ctx, a as number, b as number, c as number))],
  ['seq', fn([], (args, ctx) => seq(ctx, args as number[]), 'int')],
]

