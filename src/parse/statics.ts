/**
 * Statics (parsers.md §6): a value (verbatim `value`, or an `expression` result converted
 * by the table of §6.1) written to a destination (§6.2): an enrichment method, a Parsed /
 * Meta / Enriched key, or a `target:` path into the event (§6.3).
 */
import {eventFn, mapReadOf, type EventFn, type Program} from '../expr/index.js'
import {CrowdError} from '../model/errors.js'
import type {Event} from '../model/event.js'
import {isFloat, isGoMap, isMapPrototype, isStringMap, isStringSlice, numberValue} from '../model/go-values.js'
import type {Logger} from '../model/logger.js'
import type {EnrichContext, EnrichMethod} from './enrich/registry.js'

export type StaticDestination =
  | {kind: 'method'; name: string; method: EnrichMethod | undefined}
  | {kind: 'parsed' | 'meta' | 'enriched'; key: string}
  | {kind: 'target'; path: string[]; text: string; assign: TargetAssign}

/** A `target:` path compiled once: writes the value, false when the assignment fails (§6.3). */
export type TargetAssign = (evt: Event, value: string) => boolean

export interface CompiledStatic {
  destination: StaticDestination
  /** Non-empty `value:` wins over `expression:`. */
  value: string | undefined
  expression: Program | undefined
  /** The event evaluator of `expression` (src/expr eventFn). */
  evaluate: EventFn | undefined
  file: string
  line: number
  /** A specialised applyStatic for this static, when there is one. */
  apply: StaticApply | undefined
}

export type StaticApply = (evt: Event, rt: StaticsRuntime) => void

/** The run-time parts of a static built from its config parts (compile-node.ts). */
export function makeStatic(destination: StaticDestination, value: string | undefined, expression: Program | undefined, file: string, line: number): CompiledStatic {
  const s: CompiledStatic = {destination, value, expression, evaluate: expression !== undefined ? eventFn(expression) : undefined, file, line, apply: undefined}
  s.apply = specialise(s)
  return s
}

/**
 * One closure for the commonest statics: a `value:` or an expression written to a Parsed /
 * Meta / Enriched key. Same behaviour as applyStatic.
 */
function specialise(s: CompiledStatic): StaticApply | undefined {
  const d = s.destination
  if (d.kind === 'method') return specialiseMethod(s, d)
  if (d.kind === 'target') return specialiseTarget(s, d)
  if (d.kind !== 'parsed' && d.kind !== 'meta' && d.kind !== 'enriched') return undefined
  const key = d.key
  const label = `${d.kind === 'parsed' ? 'Parsed' : d.kind === 'meta' ? 'Meta' : 'Enriched'}.${key}`
  const value = s.value
  if (value !== undefined) {
    if (value === '') return () => {}
    switch (d.kind) {
      case 'parsed':
        return (evt, rt) => {
          evt.Parsed[key] = value
          rt.onWrite?.(label, value)
        }
      case 'meta':
        return (evt, rt) => {
          evt.Meta[key] = value
          rt.onWrite?.(label, value)
        }
      default:
        return (evt, rt) => {
          evt.Enriched[key] = value
          rt.onWrite?.(label, value)
        }
    }
  }
  const evaluate = s.evaluate
  if (evaluate === undefined || s.expression === undefined) return undefined
  /** The text to write, or undefined to skip (errors are logged; type errors throw). */
  const textOf = (evt: Event, rt: StaticsRuntime): string | undefined => {
    let result: unknown
    try {
      result = evaluate(evt)
    } catch (error) {
      rt.logger.debug(`static expression failed (${s.file}:${s.line}): ${(error as Error).message}`)
      return undefined
    }
    const text = typeof result === 'string' ? result : staticValueText(result, s)
    return text === '' ? undefined : text
  }
  const read = mapReadOf(s.expression)
  if (read !== undefined) {
    // `<map>: evt.<Map>.<key>`, the bulk of parser statics, in one step: a string entry is
    // written as is, a missing one reads "" (nothing written); anything else takes the long way
    const from = read.field
    const readKey = read.key
    const to = d.kind
    return (evt, rt) => {
      const m = from === 'Parsed' ? evt.Parsed : from === 'Meta' ? evt.Meta : evt.Enriched
      let text: string | undefined
      if (typeof m === 'object' && m !== null) {
        const v = m[readKey]
        if (typeof v === 'string') text = v
        else if (!Object.hasOwn(m, readKey)) return
      }
      if (text === undefined) text = textOf(evt, rt)
      if (text === undefined || text === '') return
      ;(to === 'parsed' ? evt.Parsed : to === 'meta' ? evt.Meta : evt.Enriched)[key] = text
      rt.onWrite?.(label, text)
    }
  }
  switch (d.kind) {
    case 'parsed':
      return (evt, rt) => {
        const text = textOf(evt, rt)
        if (text === undefined) return
        evt.Parsed[key] = text
        rt.onWrite?.(label, text)
      }
    case 'meta':
      return (evt, rt) => {
        const text = textOf(evt, rt)
        if (text === undefined) return
        evt.Meta[key] = text
        rt.onWrite?.(label, text)
      }
    default:
      return (evt, rt) => {
        const text = textOf(evt, rt)
        if (text === undefined) return
        evt.Enriched[key] = text
        rt.onWrite?.(label, text)
      }
  }
}

/** A `target:` static as one closure; same behaviour as applyStatic. */
function specialiseTarget(s: CompiledStatic, d: {path: string[]; text: string; assign: TargetAssign}): StaticApply | undefined {
  const assign = d.assign
  const label = d.path.join('.')
  const value = s.value
  if (value !== undefined) {
    return (evt, rt) => {
      if (assign(evt, value)) rt.onWrite?.(label, value)
      else rt.logger.debug(`cannot assign target ${d.text} (${s.file}:${s.line})`)
    }
  }
  const evaluate = s.evaluate
  if (evaluate === undefined) return undefined
  return (evt, rt) => {
    let result: unknown
    try {
      result = evaluate(evt)
    } catch (error) {
      rt.logger.debug(`static expression failed (${s.file}:${s.line}): ${(error as Error).message}`)
      return
    }
    const text = typeof result === 'string' ? result : staticValueText(result, s)
    if (text === undefined || text === '') return
    if (assign(evt, text)) rt.onWrite?.(label, text)
    else rt.logger.debug(`cannot assign target ${d.text} (${s.file}:${s.line})`)
  }
}

/** An enrichment static (`method:` with a value or an expression) as one closure; same behaviour as applyStatic. */
function specialiseMethod(s: CompiledStatic, d: {name: string; method: EnrichMethod | undefined}): StaticApply | undefined {
  const method = d.method
  if (method === undefined) return undefined
  const value = s.value
  const evaluate = s.evaluate
  if (value === undefined && evaluate === undefined) return undefined
  const allowEmpty = d.name === 'ParseDate'
  const name = d.name
  return (evt, rt) => {
    let text: string | undefined
    if (value !== undefined) text = value
    else {
      let result: unknown
      try {
        result = evaluate!(evt)
      } catch (error) {
        rt.logger.debug(`static expression failed (${s.file}:${s.line}): ${(error as Error).message}`)
        return
      }
      text = typeof result === 'string' ? result : staticValueText(result, s)
    }
    if (text === undefined || (text === '' && !allowEmpty)) return
    let out: Record<string, string> | undefined
    try {
      out = method(text, evt, rt.enrich)
    } catch (error) {
      rt.logger.warn(`enrichment ${name} failed: ${(error as Error).message}`)
      return
    }
    if (out === undefined) return
    const enriched = evt.Enriched
    for (const k in out) {
      if (!Object.hasOwn(out, k)) continue
      const v = out[k]!
      enriched[k] = v
      rt.onWrite?.(`Enriched.${k}`, v)
    }
  }
}

/** The destination of `target: text`. */
export function targetDestination(text: string): StaticDestination {
  const path = parseTargetPath(text)
  return {kind: 'target', path, text, assign: compileTarget(path)}
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
    if (isMapPrototype(Object.getPrototypeOf(result)) && !isStringMap(result)) return undefined
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
  for (let i = 0; i < statics.length; i++) {
    const s = statics[i]!
    if (s.apply !== undefined) s.apply(evt, rt)
    else applyStatic(s, evt, rt)
  }
}

export function applyStatic(s: CompiledStatic, evt: Event, rt: StaticsRuntime): void {
  if (s.apply !== undefined) {
    s.apply(evt, rt)
    return
  }
  let text: string | undefined
  if (s.value !== undefined) {
    text = s.value
  } else if (s.expression !== undefined) {
    let result: unknown
    try {
      result = s.evaluate !== undefined ? s.evaluate(evt) : s.expression.run({evt})
    } catch (error) {
      rt.logger.debug(`static expression failed (${s.file}:${s.line}): ${(error as Error).message}`)
      return
    }
    text = typeof result === 'string' ? result : staticValueText(result, s)
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
      for (const k in out) {
        if (!Object.hasOwn(out, k)) continue
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
      if (d.assign(evt, text)) rt.onWrite?.(d.path.join('.'), text)
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
  return compileTarget(path)(evt, value)
}

const FAIL: TargetAssign = () => false

/** assignTarget with the path resolved once. */
export function compileTarget(path: readonly string[]): TargetAssign {
  const [head, ...rest] = path
  if (head === undefined) return FAIL
  if (EVENT_MAP_FIELDS.has(head)) {
    const key = rest[0]
    if (key === undefined) return FAIL
    // one closure per map: a fixed property read, not a keyed one
    switch (head) {
      case 'Parsed':
        return function assignParsed(evt, value) {
          evt.Parsed[key] = value
          return true
        }
      case 'Meta':
        return function assignMeta(evt, value) {
          evt.Meta[key] = value
          return true
        }
      case 'Enriched':
        return function assignEnriched(evt, value) {
          evt.Enriched[key] = value
          return true
        }
    }
    return function assignUnmarshaled(evt, value) {
      ;(evt.Unmarshaled as Record<string, unknown>)[key] = value
      return true
    }
  }
  if (EVENT_STRING_FIELDS.has(head)) {
    if (rest.length !== 0) return FAIL
    const field = head as 'StrTime'
    return function assignStringField(evt, value) {
      evt[field] = value
      return true
    }
  }
  if (head === 'Line') {
    const [field, key] = rest
    if (field === 'Labels') {
      if (key === undefined) return FAIL
      return function assignLabel(evt, value) {
        evt.Line.Labels[key] = value
        return true
      }
    }
    if ((field === 'Raw' || field === 'Src' || field === 'Module') && rest.length === 1) {
      return function assignLineField(evt, value) {
        evt.Line[field] = value
        return true
      }
    }
    return FAIL
  }
  if (head === 'Overflow') return function assignOverflowPath(evt, value) {
    return assignObjectPath(evt.Overflow, rest, value)
  }
  return FAIL
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
