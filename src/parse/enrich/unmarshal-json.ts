/**
 * `method: UnmarshalJSON` (parsers.md §7.4): ignores its value and decodes `evt.Line.Raw`
 * as a JSON object whose top-level keys are merged into `evt.Unmarshaled`. JSON numbers are
 * Go float64s (goFloat keeps integral ones formatting as floats).
 */
import type {Event} from '../../model/event.js'
import {goFloat} from '../../model/go-values.js'
import type {EnrichContext} from './registry.js'

export function toGoJsonValue(v: unknown): unknown {
  if (v === null) return null
  if (typeof v === 'number') return goFloat(v)
  if (Array.isArray(v)) return v.map(toGoJsonValue)
  if (typeof v === 'object') {
    const out = Object.create(null) as Record<string, unknown>
    for (const k of Object.keys(v)) out[k] = toGoJsonValue((v as Record<string, unknown>)[k])
    return out
  }
  return v
}

export function unmarshalJsonMethod(_value: string, evt: Event, ctx: EnrichContext): undefined {
  let parsed: unknown
  try {
    parsed = JSON.parse(evt.Line.Raw)
  } catch (error) {
    ctx.logger.debug(`UnmarshalJSON: ${(error as Error).message}`)
    return undefined
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    ctx.logger.debug('UnmarshalJSON: the line is not a JSON object')
    return undefined
  }
  const converted = toGoJsonValue(parsed) as Record<string, unknown>
  for (const k of Object.keys(converted)) evt.Unmarshaled[k] = converted[k]
  return undefined
}
