/**
 * Number and time helpers (expr.md §8.2): Atof, FloatApproxEqual, TimeNow, ParseUnix,
 * Distance, AverageInterval, MedianInterval.
 */
import {GoDuration, GoTime, localLocation} from '../../model/go-time.js'
import {goFloat} from '../../model/go-values.js'
import {float, str} from './args.js'
import type {HelperContext} from './context.js'

type Helper = (...args: unknown[]) => unknown

const RFC3339_SECONDS = '2006-01-02T15:04:05Z07:00'

export class GoNumError extends Error {}

/** Go strconv.ParseFloat(s, 64). Throws GoNumError (`invalid syntax` / `value out of range`, with ±Inf in `value`). */
export function parseGoFloat(s: string): number {
  const fail = (what: string): never => {
    throw new GoNumError(`strconv.ParseFloat: parsing ${JSON.stringify(s)}: ${what}`)
  }
  const special = /^([+-]?)(inf|infinity|nan)$/i.exec(s)
  if (special) {
    if (special[2]!.toLowerCase() === 'nan') return special[1] === '' ? NaN : fail('invalid syntax')
    return special[1] === '-' ? -Infinity : Infinity
  }
  let value: number
  if (/^[+-]?(?:\d(?:_?\d)*\.?(?:\d(?:_?\d)*)?|\.\d(?:_?\d)*)(?:[eE][+-]?\d+)?$/.test(s)) {
    if (s.includes('_')) fail('invalid syntax') // underscores need a base prefix
    value = Number(s)
  } else {
    const hex = /^([+-]?)0[xX](_?[0-9a-fA-F_]*)(?:\.([0-9a-fA-F_]*))?[pP]([+-]?\d+)$/.exec(s)
    if (hex === null) return fail('invalid syntax')
    const intPart = hex[2]!.replace(/_/g, '')
    const fracPart = (hex[3] ?? '').replace(/_/g, '')
    if (intPart === '' && fracPart === '') return fail('invalid syntax')
    let mant = 0
    for (const c of intPart + fracPart) mant = mant * 16 + parseInt(c, 16)
    value = mant * 2 ** (Number(hex[4]) - 4 * fracPart.length)
    if (hex[1] === '-') value = -value
  }
  if (!Number.isFinite(value)) {
    const e = new GoNumError(`strconv.ParseFloat: parsing ${JSON.stringify(s)}: value out of range`)
    ;(e as GoNumError & {value: number}).value = value
    throw e
  }
  return value
}

function timesOf(helper: string, v: unknown): GoTime[] {
  if (!Array.isArray(v)) throw new Error(`${helper} expects a slice of times`)
  return v.map((t, i) => {
    if (!(t instanceof GoTime)) throw new Error(`element at index ${i} is not a time.Time`)
    return t
  })
}

function gaps(times: GoTime[]): number[] {
  const sorted = [...times].sort((a, b) => (a.Before(b) ? -1 : a.After(b) ? 1 : 0))
  const out: number[] = []
  for (let i = 1; i < sorted.length; i++) out.push(sorted[i]!.Sub(sorted[i - 1]!).ns)
  return out
}

export function haversineKm(lat1: number, lon1: number, lat2: number, lon2: number): number {
  const rad = Math.PI / 180
  const dLat = (lat2 - lat1) * rad
  const dLon = (lon2 - lon1) * rad
  const a = Math.sin(dLat / 2) ** 2 + Math.cos(lat1 * rad) * Math.cos(lat2 * rad) * Math.sin(dLon / 2) ** 2
  return 6371 * 2 * Math.atan2(Math.sqrt(a), Math.sqrt(1 - a))
}

export function numberTimeHelpers(ctx: HelperContext): Record<string, Helper> {
  return {
    Atof(s) {
      const text = str(s)
      try {
        return goFloat(parseGoFloat(text))
      } catch (e) {
        ctx.logger.debug(`Atof: ${(e as Error).message}`)
        const inf = (e as {value?: number}).value
        return goFloat(inf ?? 0)
      }
    },
    FloatApproxEqual(a, b) {
      return Math.abs(float(a) - float(b)) < 1e-6
    },
    TimeNow() {
      return ctx.clock.now().UTC().Format(RFC3339_SECONDS)
    },
    ParseUnix(s) {
      const text = str(s)
      const intPart = text.split('.')[0]!
      if (!/^[+-]?\d+$/.test(intPart) || Math.abs(Number(intPart)) > 9223372036854775807 || Number(intPart) <= 0) {
        ctx.logger.debug(`ParseUnix: unable to parse ${JSON.stringify(text)} as a unix timestamp`)
        return ''
      }
      return new GoTime(Number(intPart), 0, localLocation()).Format(RFC3339_SECONDS)
    },
    Distance(lat1, lon1, lat2, lon2) {
      const texts = [lat1, lon1, lat2, lon2].map((x) => str(x))
      const v = texts.map((text, i) => {
        try {
          return parseGoFloat(text)
        } catch (e) {
          throw new Error(`${['lat1', 'long1', 'lat2', 'long2'][i]} is not a float : ${(e as Error).message}`)
        }
      }) as [number, number, number, number]
      if ((v[0] === 0 && v[1] === 0) || (v[2] === 0 && v[3] === 0)) return goFloat(0)
      return goFloat(haversineKm(v[0], v[1], v[2], v[3]))
    },
    AverageInterval(times) {
      const t = timesOf('AverageInterval', times)
      if (t.length < 2) throw new Error('need at least two times to calculate an average interval')
      const g = gaps(t)
      return new GoDuration(g.reduce((a, b) => a + b, 0) / g.length)
    },
    MedianInterval(times) {
      const t = timesOf('MedianInterval', times)
      if (t.length < 2) throw new Error('need at least two times to calculate a median')
      const g = gaps(t).sort((a, b) => a - b)
      const mid = g.length >> 1
      return new GoDuration(g.length % 2 === 1 ? g[mid]! : Math.trunc((g[mid - 1]! + g[mid]!) / 2))
    },
  }
}
