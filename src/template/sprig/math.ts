/**
 * Sprig's integer math (every argument through cast.ToInt64, results int64; a division by
 * zero is Go's runtime panic) and its float helpers (floor, ceil, round, maxf, minf), plus the
 * conversions int, int64, float64, atoi.
 */
import {FuncError, fn, type TemplateFunc} from '../funcs.js'
import {float64, int64, toFloat64, toInt64} from './convert.js'

const ANY = 'interface {}'

function divide(a: number, b: number, op: 'div' | 'mod'): number {
  if (b === 0) throw new FuncError('runtime error: integer divide by zero')
  return op === 'div' ? Math.trunc(a / b) : a % b
}

/** Sprig's round(a, places, roundOn=.5). */
function round(a: unknown, places: number, roundOn: number): number {
  const pow = 10 ** places
  const digit = pow * toFloat64(a)
  const frac = digit - Math.trunc(digit)
  return (frac >= roundOn ? Math.ceil(digit) : Math.floor(digit)) / pow
}

/** strconv.Atoi, errors give 0. */
function atoi(s: string): number {
  return /^[+-]?\d+$/.test(s) ? Number(s) : 0
}

export const MATH_FUNCS: ReadonlyArray<[string, TemplateFunc]> = [
  ['add', fn([], (args) => int64(args.reduce<number>((n, a) => n + toInt64(a), 0)), ANY)],
  ['add1', fn([ANY], ([a]) => int64(toInt64(a) + 1))],
  ['sub', fn([ANY, ANY], ([a, b]) => int64(toInt64(a) - toInt64(b)))],
  ['mul', fn([ANY], ([a, ...rest]) => int64(rest.reduce<number>((n, b) => n * toInt64(b), toInt64(a))), ANY)],
  ['div', fn([ANY, ANY], ([a, b]) => int64(divide(toInt64(a), toInt64(b), 'div')))],
  ['mod', fn([ANY, ANY], ([a, b]) => int64(divide(toInt64(a), toInt64(b), 'mod')))],
  ['max', fn([ANY], ([a, ...rest]) => int64(rest.reduce<number>((n, b) => Math.max(n, toInt64(b)), toInt64(a))), ANY)],
  ['biggest', fn([ANY], ([a, ...rest]) => int64(rest.reduce<number>((n, b) => Math.max(n, toInt64(b)), toInt64(a))), ANY)],
  ['min', fn([ANY], ([a, ...rest]) => int64(rest.reduce<number>((n, b) => Math.min(n, toInt64(b)), toInt64(a))), ANY)],
  ['maxf', fn([ANY], ([a, ...rest]) => float64(rest.reduce<number>((n, b) => Math.max(n, toFloat64(b)), toFloat64(a))), ANY)],
  ['minf', fn([ANY], ([a, ...rest]) => float64(rest.reduce<number>((n, b) => Math.min(n, toFloat64(b)), toFloat64(a))), ANY)],
  ['floor', fn([ANY], ([a]) => float64(Math.floor(toFloat64(a))))],
  ['ceil', fn([ANY], ([a]) => float64(Math.ceil(toFloat64(a))))],
  ['round', fn([ANY, 'int'], ([a, p, on]) => float64(round(a, p as number, on === undefined ? 0.5 : Number(on))), 'float64')],
  ['int', fn([ANY], ([a]) => toInt64(a))],
  ['int64', fn([ANY], ([a]) => int64(toInt64(a)))],
  ['float64', fn([ANY], ([a]) => float64(toFloat64(a)))],
  ['atoi', fn(['string'], ([s]) => atoi(s as string))],
]
