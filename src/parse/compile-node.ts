/**
 * NodeConfig (the YAML shape) -> CompiledNode (what runs per event), once at load time,
 * with the validation of parsers.md §3.2 and the compilation order of §3.3 (filter,
 * pattern_syntax, grok, stash, children, statics, whitelist). Everything the node needs
 * from other stages (expressions, grok, data files, stash caches) comes through CompileEnv.
 */
import {eventFn, type EventFn, type Program} from '../expr/index.js'
import {CrowdError} from '../model/errors.js'
import type {Logger} from '../model/logger.js'
import {findEnrichMethod} from './enrich/registry.js'
import type {DataConfig, GrokConfig, NodeConfig, StashConfig, StaticConfig} from './node-config.js'
import {makeStatic, targetDestination, type CompiledStatic, type StaticDestination} from './statics.js'
import {parseAddr, parsePrefix, type CompiledWhitelist} from './whitelist.js'

/** A compiled grok pattern: the field map of a match, or null (grok.md §3). */
export interface GrokMatcher {
  match(text: string): Record<string, string> | null
  /** The declared fields (every one is in a match result); lets the runtime skip key enumeration. */
  readonly fields?: readonly string[]
  /** `match` writing the fields straight into `target`; false when the grok fails (src/grok GrokPattern). */
  matchInto?(text: string, target: Record<string, string>): boolean
}

/** A stash definition's writer (one cache per definition, parsers.md §9). */
export interface StashWriter {
  set(key: string, value: string): void
}

export interface CompileEnv {
  logger: Logger
  /** Compiles an expression in the `evt` environment with every helper. Throws CrowdError. */
  compileExpr(source: string, location: {file: string; line: number}): Program
  /** Registers a pattern_syntax entry; an existing name keeps its first definition (returns false). */
  addPattern(name: string, definition: string, location: {file: string; line: number}): boolean
  /** Compiles an inline grok pattern. Throws CrowdError. */
  compileGrok(pattern: string, location: {file: string; line: number}): GrokMatcher
  /** Compiles the library pattern NAME, or undefined when it does not exist. */
  compileNamedGrok(name: string, location: {file: string; line: number}): GrokMatcher | undefined
  /** Loads a `data:` entry (errors are logged by the implementation). */
  loadData(entry: DataConfig, file: string): void
  /** Creates the cache of a stash definition. */
  createStash(config: StashConfig, ttlMs: number): StashWriter
}

export interface CompiledGrok {
  matcher: GrokMatcher
  /** `Line.Raw`, a Parsed key, or undefined when the input is an expression. */
  applyOn: string | undefined
  expression: Program | undefined
  /** The evaluator of `expression`. */
  expressionFn: EventFn | undefined
  statics: CompiledStatic[]
  source: string
}

export interface CompiledStash {
  writer: StashWriter
  key: Program
  value: Program
  keyFn: EventFn
  valueFn: EventFn
  name: string
}

export interface CompiledNode {
  /** The node name ('' for an unnamed top-level node; `child-<parent>` for unnamed children). */
  name: string
  stage: string
  file: string
  line: number
  filter: Program | undefined
  /** The event evaluator of `filter` (src/expr eventFn). */
  filterFn: EventFn | undefined
  nextStage: boolean
  grok: CompiledGrok | undefined
  stash: CompiledStash[]
  children: CompiledNode[]
  statics: CompiledStatic[]
  whitelist: CompiledWhitelist | undefined
  debug: boolean
}

interface Where {
  file: string
  stage: string
}

function err(where: Where, line: number, reason: string): CrowdError {
  return new CrowdError('parser', reason, {file: where.file, line: line || undefined})
}

/** Parses a Go duration ("1m", "30s", "1h30m", "10ms") into milliseconds. */
export function parseGoDurationMs(text: string): number | undefined {
  const m = /^([-+]?)((?:[0-9]*\.?[0-9]+(?:ns|us|µs|ms|s|m|h))+|0)$/.exec(text)
  if (!m) return undefined
  const unit: Record<string, number> = {ns: 1e-6, us: 1e-3, 'µs': 1e-3, ms: 1, s: 1000, m: 60_000, h: 3_600_000}
  let total = 0
  for (const part of m[2]!.matchAll(/([0-9]*\.?[0-9]+)(ns|us|µs|ms|s|m|h)/g)) total += Number(part[1]) * unit[part[2]!]!
  return m[1] === '-' ? -total : total
}

function isStaticSet(s: StaticConfig): boolean {
  return s.value !== '' || s.expression !== ''
}

function compileStatics(list: StaticConfig[], env: CompileEnv, where: Where, validate: boolean): CompiledStatic[] {
  return list.map((s) => {
    if (validate) {
      if (s.method !== '') {
        if (!isStaticSet(s)) throw err(where, s.line, `static with method ${s.method}: value or expression is required`)
      } else {
        if (s.meta === '' && s.parsed === '' && s.target === '') throw err(where, s.line, 'static: one of meta, parsed or target is required')
        if (!isStaticSet(s)) throw err(where, s.line, 'static: value or expression is required')
      }
    }
    let destination: StaticDestination
    if (s.method !== '') {
      const method = findEnrichMethod(s.method)
      if (method === undefined) env.logger.warn(`${where.file}:${s.line}: unknown enrichment method ${s.method}`)
      destination = {kind: 'method', name: s.method, method}
    } else if (s.parsed !== '') destination = {kind: 'parsed', key: s.parsed}
    else if (s.meta !== '') destination = {kind: 'meta', key: s.meta}
    else if (s.enriched !== '') destination = {kind: 'enriched', key: s.enriched}
    else if (s.target !== '') destination = targetDestination(s.target)
    else destination = {kind: 'target', path: [], text: '', assign: () => false}
    const expression = s.value === '' && s.expression !== '' ? env.compileExpr(s.expression, {file: where.file, line: s.line}) : undefined
    return makeStatic(destination, s.value !== '' ? s.value : undefined, expression, where.file, s.line)
  })
}

function compileGrok(g: GrokConfig, env: CompileEnv, where: Where): CompiledGrok | undefined {
  const hasPattern = g.pattern !== '' || g.name !== ''
  if (!hasPattern && g.apply_on === '') return undefined
  if (g.apply_on === '' && g.expression === '') throw err(where, g.line, 'grok: apply_on or expression is required')
  if (!hasPattern) throw err(where, g.line, 'grok: pattern or name is required')
  const location = {file: where.file, line: g.line}
  let matcher: GrokMatcher
  if (g.name !== '') {
    const named = env.compileNamedGrok(g.name, location)
    if (named === undefined) throw err(where, g.line, `grok: unable to find pattern ${g.name}`)
    matcher = named
  } else {
    matcher = env.compileGrok(g.pattern, location)
  }
  const expression = g.apply_on === '' ? env.compileExpr(g.expression, {file: where.file, line: g.expressionLine || g.line}) : undefined
  return {
    matcher,
    applyOn: g.apply_on !== '' ? g.apply_on : undefined,
    expression,
    expressionFn: expression !== undefined ? eventFn(expression) : undefined,
    statics: compileStatics(g.statics, env, where, false),
    source: g.name !== '' ? `%{${g.name}}` : g.pattern,
  }
}

function compileStash(list: StashConfig[], env: CompileEnv, where: Where): CompiledStash[] {
  return list.map((s) => {
    for (const field of ['name', 'value', 'key', 'ttl'] as const) {
      if (s[field] === '') throw err(where, s.line, `stash: ${field} is required`)
    }
    const ttlMs = parseGoDurationMs(s.ttl)
    if (ttlMs === undefined) throw err(where, s.line, `stash: invalid ttl ${JSON.stringify(s.ttl)}`)
    const config = {...s, size: s.size > 0 ? s.size : 100, strategy: s.strategy !== '' ? s.strategy : 'LRU'}
    const value = env.compileExpr(s.value, {file: where.file, line: s.line})
    const key = env.compileExpr(s.key, {file: where.file, line: s.line})
    return {name: s.name, value, key, valueFn: eventFn(value), keyFn: eventFn(key), writer: env.createStash(config, ttlMs)}
  })
}

function compileWhitelist(node: NodeConfig, env: CompileEnv, where: Where): CompiledWhitelist | undefined {
  const w = node.whitelist
  if (w === undefined) return undefined
  const ips = w.ip.map((text, i) => {
    const a = parseAddr(text)
    if (a === undefined) throw err(where, w.ipLines[i] ?? w.line, `whitelist: invalid ip ${JSON.stringify(text)}`)
    return a
  })
  const cidrs = w.cidr.map((text, i) => {
    const p = parsePrefix(text)
    if (p === undefined) throw err(where, w.cidrLines[i] ?? w.line, `whitelist: invalid cidr ${JSON.stringify(text)}`)
    return p
  })
  const expressions = w.expression.map((text, i) => env.compileExpr(text, {file: where.file, line: w.expressionLines[i] ?? w.line}))
  return {reason: w.reason, ips, cidrs, expressions, hasEntries: ips.length + cidrs.length + expressions.length > 0}
}

/** Compiles one node and its children (recursively). Throws the first CrowdError. */
export function compileNode(config: NodeConfig, env: CompileEnv, where: Where, parentName?: string): CompiledNode {
  const g = config.grok
  const hasGrok = g !== undefined && (g.name !== '' || g.pattern !== '' || g.expression !== '')
  const hasWhitelist = config.whitelist !== undefined && config.whitelist.ip.length + config.whitelist.cidr.length + config.whitelist.expression.length > 0
  if (!hasGrok && config.nodes.length === 0 && config.statics.length === 0 && !hasWhitelist) throw err(where, config.line, 'Node is empty')
  if (config.onsuccess !== '' && config.onsuccess !== 'continue' && config.onsuccess !== 'next_stage') {
    throw err(where, config.line, `onsuccess: ${JSON.stringify(config.onsuccess)} is not next_stage or continue`)
  }
  const name = config.name !== '' ? config.name : parentName !== undefined ? `child-${parentName}` : ''
  const filter = config.filter !== '' ? env.compileExpr(config.filter, {file: where.file, line: config.filterLine || config.line}) : undefined
  for (const p of config.pattern_syntax) {
    if (p.name === '' || p.pattern === '') throw err(where, p.line, 'pattern_syntax: empty name or definition')
    if (!env.addPattern(p.name, p.pattern, {file: where.file, line: p.line})) env.logger.debug(`${where.file}:${p.line}: pattern ${p.name} already exists, first definition kept`)
  }
  const grok = g !== undefined ? compileGrok(g, env, where) : undefined
  const stash = compileStash(config.stash, env, where)
  const children = config.nodes.map((child) => compileNode(child, env, where, name))
  const statics = compileStatics(config.statics, env, where, true)
  const whitelist = compileWhitelist(config, env, where)
  for (const d of config.data) env.loadData(d, where.file)
  return {
    name,
    stage: where.stage,
    file: where.file,
    line: config.line,
    filter,
    filterFn: filter !== undefined ? eventFn(filter) : undefined,
    nextStage: config.onsuccess === 'next_stage',
    grok,
    stash,
    children,
    statics,
    whitelist,
    debug: config.debug,
  }
}
