/**
 * Statics (parsers.md §6): a value (verbatim `value`, or an `expression` result converted
 * by the table of §6.1) written to a destination (§6.2): an enrichment method, a Parsed /
 * Meta / Enriched key, or a `target:` path into the event (§6.3).
 */
import type {Program} from '../expr/index.js'
import {CrowdError} from '../model/errors.js'
import type {Event} from '../model/event.js'
import {isFloat, isGoMap, isStringMap, isStringSlice, numberValue} from '../model/go-values.js'
import type {Logger} from '../model/logger.js'
import type {EnrichContext, EnrichMethod} from './enrich/registry.js'

export type StaticDestination =
  | {kind: 'method'; name: string; method: EnrichMethod | undefined}
  | {kind: 'parsed' | 'meta' | 'enriched'; key: string}
  | {kind: 'target'; path: string[]; text: string}

export interface CompiledStatic {
  destination: StaticDestination
  /** Non-empty `value:` wins over `expression:`. */
  value: string | undefined
  expression: Program | undefined
  file: string
  line: number
}

/** Thrown by a static whose expression returned a type statics cannot write: aborts the event (§4.5). */
export class StaticTypeError extends CrowdError {
  constructor(reason: string, file: string, line: number) {
    super('parser', reason, {file, line: line || undefined})
  }
}

export interface StaticsRuntime {
  logger: Logger
  enrich: EnrichContext
  /** Explain mode: collects the fields each static wrote. */
  onWrite?: (field: string, value: string) => void
}

/** Go `%f`: fixed point with 6 decimals. */
export function formatGoFloatF(n: number): string {
  if (Number.isNaN(n)) return 'NaN'
  if (!Number.isFinite(n)) return n > 0 ? '+Inf' : '-Inf'
  if (Math.abs(n) < 1e21) return n.toFixed(6)
  return BigInt(Math.trunc(n)).toString() + '.000000'
}

/**
 * The conversion table of §6.1. Returns the text to write, undefined to skip the static,
 * or throws StaticTypeError for types that abort the event.
 */
export function staticValueText(result: unknown, where: {file: string; line: number}): string | undefined {
  if (result === null || result === undefined) return undefined
  if (typeof result === 'string') return result
  if (isFloat(result)) return formatGoFloatF(numberValue(result)!)
  if (typeof result === 'number') return String(result)
  if (Array.isArray(result)) {
    if (isStringSlice(result)) throw new StaticTypeError('unexpected type []string in static expression', where.file, where.line)
    return undefined
  }
  if (typeof result === 'object') {
    const proto = Object.getPrototypeOf(result) as unknown
    if ((proto === null || proto === Object.prototype) && !isStringMap(result)) return undefined
    throw new StaticTypeError(`unexpected type ${isStringMap(result) ? 'map[string]string' : describe(result)} in static expression`, where.file, where.line)
  }
  throw new StaticTypeError(`unexpected type ${typeof result === 'boolean' ? 'bool' : typeof result} in static expression`, where.file, where.line)
}

function describe(v: object): string {
  const name = (v as {constructor?: {name?: string}}).constructor?.name
  return name ?? 'struct'
}

/** Applies a list of statics in order. Later statics see the effects of earlier ones. */
export function applyStatics(statics: readonly CompiledStatic[], evt: Event, rt: StaticsRuntime): void {
  for (const s of statics) applyStatic(s, evt, rt)
}

export function applyStatic(s: CompiledStatic, evt: Event, rt: StaticsRuntime): void {
  let text: string | undefined
  if (s.value !== undefined) {
    text = s.value
  } else if (s.expression !== undefined) {
    let result: unknown
    try {
      result = s.expression.run({evt})
    } catch (error) {
      rt.logger.debug(`static expression failed (${s.file}:${s.line}): ${(error as Error).message}`)
      return
    }
    text = staticValueText(result, s)
  }
  const d = s.destination
  if (d.kind === 'method') {
    if (text === undefined || (text === '' && d.name !== 'ParseDate')) return
    if (d.method === undefined) {
      rt.logger.debug(`unknown enrichment method ${d.name} (${s.file}:${s.line})`)
      return
    }
    let out: Record<string, string> | undefined
    try {
      out = d.method(text, evt, rt.enrich)
    } catch (error) {
      rt.logger.warn(`enrichment ${d.name} failed: ${(error as Error).message}`)
      return
    }
    if (out !== undefined) {
      for (const k of Object.keys(out)) {
        evt.Enriched[k] = out[k]!
        rt.onWrite?.(`Enriched.${k}`, out[k]!)
      }
    }
    return
  }
  if (text === undefined || text === '') return
  switch (d.kind) {
    case 'parsed':
      evt.Parsed[d.key] = text
      rt.onWrite?.(`Parsed.${d.key}`, text)
      return
    case 'meta':
      evt.Meta[d.key] = text
      rt.onWrite?.(`Meta.${d.key}`, text)
      return
    case 'enriched':
      evt.Enriched[d.key] = text
      rt.onWrite?.(`Enriched.${d.key}`, text)
      return
    case 'target':
      if (assignTarget(evt, d.path, text)) rt.onWrite?.(d.path.join('.'), text)
      else rt.logger.debug(`cannot assign target ${d.text} (${s.file}:${s.line})`)
  }
}

/** `evt.X.Y` -> ['X', 'Y'] (a leading `evt.` is dropped). */
export function parseTargetPath(text: string): string[] {
  return (text.startsWith('evt.') ? text.slice(4) : text).split('.')
}

const EVENT_MAP_FIELDS = new Set(['Parsed', 'Meta', 'Enriched', 'Unmarshaled'])
const EVENT_STRING_FIELDS = new Set(['StrTime', 'StrTimeFormat', 'MarshaledTime', 'WhitelistReason', 'Stage'])

/**
 * §6.3: walks the path; the first map segment takes the next segment as key and ends the
 * walk; a string field at the end is assigned. Returns false when the assignment fails.
 */
export function assignTarget(evt: Event, path: readonly string[], value: string): boolean {
  const [head, ...rest] = path
  if (head === undefined) return false
  if (EVENT_MAP_FIELDS.has(head)) {
    if (rest[0] === undefined) return false
    ;(evt[head as 'Parsed'] as Record<string, unknown>)[rest[0]] = value
    return true
  }
  if (EVENT_STRING_FIELDS.has(head)) {
    if (rest.length !== 0) return false
    ;(evt as unknown as Record<string, string>)[head] = value
    return true
  }
  if (head === 'Line') {
    const [field, key] = rest
    if (field === 'Labels') {
      if (key === undefined) return false
      evt.Line.Labels[key] = value
      return true
    }
    if ((field === 'Raw' || field === 'Src' || field === 'Module') && rest.length === 1) {
      evt.Line[field] = value
      return true
    }
    return false
  }
  if (head === 'Overflow') return assignObjectPath(evt.Overflow, rest, value)
  return false
}

/**
 * Assignment inside the overflow (alert) objects, which belong to the detect stage: only
 * existing string fields (or accessor properties, which model Go's string pointers shared
 * between Alert.Source and Sources[key]) are written; a nil object on the way fails.
 */
function assignObjectPath(root: unknown, path: readonly string[], value: string): boolean {
  let current = root
  for (let i = 0; i < path.length; i++) {
    const seg = path[i]!
    if (current === null || typeof current !== 'object') return false
    const obj = current as Record<string, unknown>
    if (i === path.length - 1) {
      if (!(seg in obj)) return false
      const old = obj[seg]
      if (typeof old !== 'string' && !hasSetter(obj, seg)) return false
      obj[seg] = value
      return true
    }
    const next = obj[seg]
    if (isGoMap(next)) {
      // a map: the next segment is the key, the walk ends there
      ;(next as Record<string, unknown>)[path[i + 1]!] = value
      return true
    }
    current = next
  }
  return false
}

function hasSetter(obj: object, key: string): boolean {
  for (let o: object | null = obj; o !== null; o = Object.getPrototypeOf(o) as object | null) {
    const d = Object.getOwnPropertyDescriptor(o, key)
    if (d !== undefined) return d.set !== undefined
  }
  return false
}
