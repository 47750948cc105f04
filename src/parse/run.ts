/**
 * The runtime of parsers.md §4: one event walks the stages; in each stage the top-level
 * nodes are tried in load order; a node runs filter -> whitelist -> grok (+ grok statics)
 * -> stash -> children -> node statics -> stage move. Failures are normal results; only a
 * static of an unsupported type is an error, which drops the event.
 */
import type {Event} from '../model/event.js'
import {GoTime, UTC} from '../model/go-time.js'
import type {Logger} from '../model/logger.js'
import type {CompiledGrok, CompiledNode} from './compile-node.js'
import type {EnrichContext} from './enrich/registry.js'
import {applyStatics, formatGoFloatF, StaticTypeError, type StaticsRuntime} from './statics.js'
import {checkWhitelist} from './whitelist.js'
import {isFloat, numberValue} from '../model/go-values.js'

export interface RunContext {
  /** Sorted stage names that own at least one node. */
  stages: readonly string[]
  logger: Logger
  enrich: EnrichContext
  statics: StaticsRuntime
  /** The top-level nodes of each stage, aligned with `stages` (else looked up by name). */
  stageNodes?: readonly (readonly CompiledNode[])[]
}

/** Called after each top-level node run (hub-test results, explain). */
export type NodeObserver = (stage: string, node: CompiledNode, evt: Event, success: boolean) => void

export interface WalkResult {
  /** Process flag: true when every stage was passed. */
  parsed: boolean
  /** The stage where the event stopped (undefined when parsed). */
  stoppedAt: string | undefined
  /** Set when a static aborted the event. */
  error: StaticTypeError | undefined
}

const NO_NODES: readonly CompiledNode[] = []
const PARSED: WalkResult = Object.freeze({parsed: true, stoppedAt: undefined, error: undefined})

/** §4.1. `before` (explain mode) is called before each top-level node. */
export function walkStages(
  nodesByStage: ReadonlyMap<string, readonly CompiledNode[]>,
  evt: Event,
  ctx: RunContext,
  observe?: NodeObserver,
  before?: (stage: string, node: CompiledNode, evt: Event) => void,
): WalkResult {
  const stages = ctx.stages
  if (evt.Stage === '' && stages.length > 0) evt.Stage = stages[0]!
  evt.Process = false
  if (evt.Time.IsZero()) evt.Time = GoTime.now(UTC)
  for (let si = 0; si < stages.length; si++) {
    const stage = stages[si]!
    if (evt.Stage > stage) continue
    if (evt.Stage !== stage) return {parsed: false, stoppedAt: evt.Stage, error: undefined}
    let stageOK = false
    const nodes = ctx.stageNodes?.[si] ?? nodesByStage.get(stage) ?? NO_NODES
    for (let ni = 0; ni < nodes.length; ni++) {
      const node = nodes[ni]!
      const stageBefore = evt.Stage
      before?.(stage, node, evt)
      let ok: boolean
      try {
        ok = runNodeWith(node, evt, ctx)
      } catch (error) {
        if (error instanceof StaticTypeError) {
          ctx.logger.warn(`event dropped: ${error.message}`)
          return {parsed: false, stoppedAt: stage, error}
        }
        throw error
      }
      observe?.(stage, node, evt, ok)
      if (ok) stageOK = true
      if (ok && node.nextStage) break
      if (evt.Stage !== stageBefore) break
    }
    if (!stageOK) return {parsed: false, stoppedAt: stage, error: undefined}
  }
  evt.Process = true
  return PARSED
}

function moveStage(evt: Event, stages: readonly string[]): void {
  const i = stages.indexOf(evt.Stage)
  if (i === stages.length - 1) return
  evt.Stage = stages[i + 1]!
}

/** The grok input (§5); undefined when the grok fails before matching. */
function grokInput(g: CompiledGrok, evt: Event, logger: Logger): string | undefined {
  if (g.applyOn === 'Line.Raw') return evt.Line.Raw
  if (g.applyOn !== undefined) return Object.hasOwn(evt.Parsed, g.applyOn) ? evt.Parsed[g.applyOn] : undefined
  if (g.expression === undefined) return undefined
  let v: unknown
  try {
    v = g.expressionFn !== undefined ? g.expressionFn(evt) : g.expression.run({evt})
  } catch (error) {
    logger.debug(`grok expression failed: ${(error as Error).message}`)
    return undefined
  }
  if (typeof v === 'string') return v
  if (isFloat(v)) return formatGoFloatF(numberValue(v)!)
  if (typeof v === 'number') return String(v)
  logger.debug(`grok expression ${g.expression.source} did not return a string`)
  return ''
}

function runGrok(g: CompiledGrok, evt: Event, logger: Logger): boolean {
  const input = grokInput(g, evt, logger)
  if (input === undefined) return false
  const matcher = g.matcher
  // a successful match has at least one field (src/grok), so success is "fields were written"
  if (matcher.matchInto !== undefined) return matcher.matchInto(input, evt.Parsed)
  const result = matcher.match(input)
  if (result === null) return false
  const parsed = evt.Parsed
  const fields = g.matcher.fields
  if (fields !== undefined) {
    for (let i = 0; i < fields.length; i++) {
      const f = fields[i]!
      parsed[f] = result[f]!
    }
    return fields.length > 0
  }
  let any = false
  for (const k in result) {
    any = true
    parsed[k] = result[k]!
  }
  return any
}

/** §4.2: one node (and its children) on one event. Throws StaticTypeError. */
export function runNode(node: CompiledNode, evt: Event, ctx: RunContext): boolean {
  return runNodeWith(node, evt, ctx)
}

function runNodeWith(node: CompiledNode, evt: Event, ctx: RunContext): boolean {
  if (node.filter !== undefined) {
    let r: unknown
    try {
      r = node.filterFn !== undefined ? node.filterFn(evt) : node.filter.run({evt})
    } catch (error) {
      ctx.logger.debug(`filter of ${node.name} failed: ${(error as Error).message}`)
      return false
    }
    if (r !== true) return false
  }
  const whitelisted = node.whitelist !== undefined ? checkWhitelist(node.whitelist, evt, ctx.logger) : false
  let state = true
  let grokOK = false
  const grok = node.grok
  if (grok !== undefined) {
    grokOK = runGrok(grok, evt, ctx.logger)
    state = grokOK
    if (grokOK && grok.statics.length > 0) applyStatics(grok.statics, evt, ctx.statics)
  }
  if (node.stash.length > 0 && (grok === undefined || grokOK)) runStash(node, evt, ctx.logger)
  const children = node.children
  for (let i = 0; i < children.length; i++) {
    if (runNodeWith(children[i]!, evt, ctx)) {
      state = true
      if (node.nextStage) break
    } else if (!grokOK) {
      state = false
    }
  }
  if (!state) return false
  if (node.statics.length > 0 && (whitelisted || node.whitelist === undefined || !node.whitelist.hasEntries)) applyStatics(node.statics, evt, ctx.statics)
  if (node.nextStage) moveStage(evt, ctx.stages)
  return true
}

function runStash(node: CompiledNode, evt: Event, logger: Logger): void {
  for (const s of node.stash) {
    let value: unknown
    let key: unknown
    try {
      value = s.valueFn(evt)
    } catch (error) {
      logger.debug(`stash ${s.name} value failed: ${(error as Error).message}`)
      value = null
    }
    if (typeof value !== 'string') continue
    try {
      key = s.keyFn(evt)
    } catch (error) {
      logger.debug(`stash ${s.name} key failed: ${(error as Error).message}`)
      key = null
    }
    if (typeof key !== 'string') continue
    s.writer.set(key, value)
  }
}
