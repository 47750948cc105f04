/**
 * The YAML shape of a parser node, with CrowdSec's key spelling (parsers.md §3), decoded
 * strictly from a `yaml` document tree: unknown keys are errors, string fields keep the
 * scalar's source text (`value: 200` is "200", `~` is ""), booleans follow YAML 1.1.
 * Every decoded item keeps the line it came from, for error messages.
 */
import type {Document, LineCounter, Node as YamlNode} from 'yaml'
import {isAlias, isMap, isPair, isScalar, isSeq, PLAIN_SCALAR} from '../platform/yaml.js'
import {CrowdError} from '../model/errors.js'

export interface StaticConfig {
  method: string
  meta: string
  parsed: string
  enriched: string
  target: string
  value: string
  expression: string
  line: number
}

export interface GrokConfig {
  pattern: string
  name: string
  apply_on: string
  expression: string
  statics: StaticConfig[]
  line: number
  expressionLine: number
}

export interface StashConfig {
  name: string
  key: string
  value: string
  ttl: string
  size: number
  strategy: string
  line: number
}

export interface WhitelistConfig {
  reason: string
  ip: string[]
  cidr: string[]
  expression: string[]
  /** Line of each ip / cidr / expression entry. */
  ipLines: number[]
  cidrLines: number[]
  expressionLines: number[]
  line: number
}

export interface DataConfig {
  source_url: string
  dest_file: string
  type: string
  cache: boolean | undefined
  strategy: string
  size: number | undefined
  ttl: string
  line: number
}

export interface NodeConfig {
  name: string
  description: string
  author: string
  references: string[]
  format: string
  debug: boolean
  profiling: boolean
  stage: string
  filter: string
  filterLine: number
  onsuccess: string
  /** Ordered: registration order matters (grok.md §4.4). */
  pattern_syntax: Array<{name: string; pattern: string; line: number}>
  grok: GrokConfig | undefined
  statics: StaticConfig[]
  stash: StashConfig[]
  whitelist: WhitelistConfig | undefined
  data: DataConfig[]
  nodes: NodeConfig[]
  line: number
}

/** Where decoding happens: the file (for messages) and a line counter of its text. */
export interface DecodeContext {
  file: string
  lines: LineCounter
  doc: Document
}

const NODE_KEYS = new Set([
  'name', 'description', 'author', 'references', 'format', 'debug', 'profiling', 'stage', 'filter', 'onsuccess',
  'pattern_syntax', 'grok', 'statics', 'stash', 'whitelist', 'data', 'nodes',
])
const GROK_KEYS = new Set(['pattern', 'name', 'apply_on', 'expression', 'statics'])
const STATIC_KEYS = new Set(['method', 'meta', 'parsed', 'enriched', 'target', 'value', 'expression'])
const STASH_KEYS = new Set(['name', 'key', 'value', 'ttl', 'size', 'strategy'])
const WHITELIST_KEYS = new Set(['reason', 'ip', 'cidr', 'expression'])
const DATA_KEYS = new Set(['source_url', 'dest_file', 'type', 'cache', 'strategy', 'size', 'ttl'])

export function lineOf(ctx: DecodeContext, node: YamlNode | null | undefined): number {
  const offset = node?.range?.[0]
  return offset === undefined ? 0 : ctx.lines.linePos(offset).line
}

function fail(ctx: DecodeContext, node: YamlNode | null | undefined, reason: string): never {
  throw new CrowdError('parser', reason, {file: ctx.file, line: lineOf(ctx, node) || undefined})
}

function deref(ctx: DecodeContext, node: unknown): YamlNode | null {
  if (node === null || node === undefined) return null
  if (isAlias(node)) return (node.resolve(ctx.doc) as YamlNode | undefined) ?? null
  return node as YamlNode
}

function isNullScalar(node: YamlNode | null): boolean {
  if (node === null) return true
  if (!isScalar(node)) return false
  if (node.type !== PLAIN_SCALAR) return false
  const v = String(node.value ?? '')
  return v === '' || v === '~' || v === 'null' || v === 'Null' || v === 'NULL'
}

/** A string field: the scalar's text whatever type YAML would give it; null is "". */
export function decodeString(ctx: DecodeContext, raw: unknown, what: string): string {
  const node = deref(ctx, raw)
  if (isNullScalar(node)) return ''
  if (!isScalar(node)) fail(ctx, node, `${what}: expected a string, got a ${isSeq(node) ? 'list' : 'mapping'}`)
  return String(node.value)
}

const TRUE_WORDS = new Set(['y', 'Y', 'yes', 'Yes', 'YES', 'true', 'True', 'TRUE', 'on', 'On', 'ON'])
const FALSE_WORDS = new Set(['n', 'N', 'no', 'No', 'NO', 'false', 'False', 'FALSE', 'off', 'Off', 'OFF'])

export function decodeBool(ctx: DecodeContext, raw: unknown, what: string): boolean | undefined {
  const node = deref(ctx, raw)
  if (isNullScalar(node)) return undefined
  const text = isScalar(node) ? String(node.value) : ''
  if (TRUE_WORDS.has(text)) return true
  if (FALSE_WORDS.has(text)) return false
  fail(ctx, node, `${what}: cannot unmarshal ${JSON.stringify(text)} into a bool`)
}

export function decodeInt(ctx: DecodeContext, raw: unknown, what: string): number | undefined {
  const node = deref(ctx, raw)
  if (isNullScalar(node)) return undefined
  const text = isScalar(node) ? String(node.value).replace(/_/g, '') : ''
  if (/^[-+]?(0|[1-9][0-9]*)$/.test(text)) return Number.parseInt(text, 10)
  if (/^[-+]?0x[0-9a-fA-F]+$/.test(text)) return Number.parseInt(text, 16)
  fail(ctx, node, `${what}: cannot unmarshal ${JSON.stringify(text)} into an int`)
}

export function decodeStringList(ctx: DecodeContext, raw: unknown, what: string): {values: string[]; lines: number[]} {
  const node = deref(ctx, raw)
  if (isNullScalar(node)) return {values: [], lines: []}
  if (!isSeq(node)) fail(ctx, node, `${what}: expected a list`)
  const values: string[] = []
  const lines: number[] = []
  for (const item of node.items) {
    values.push(decodeString(ctx, item, what))
    lines.push(lineOf(ctx, deref(ctx, item)))
  }
  return {values, lines}
}

/** The pairs of a mapping, with strict checks: known keys only, no duplicates. */
export function mappingEntries(ctx: DecodeContext, raw: unknown, allowed: Set<string> | undefined, what: string): Array<{key: string; value: unknown; keyNode: YamlNode}> {
  const node = deref(ctx, raw)
  if (isNullScalar(node)) return []
  if (!isMap(node)) fail(ctx, node, `${what}: expected a mapping`)
  const seen = new Set<string>()
  const out: Array<{key: string; value: unknown; keyNode: YamlNode}> = []
  for (const pair of node.items) {
    if (!isPair(pair)) continue
    const keyNode = deref(ctx, pair.key)
    const key = decodeString(ctx, keyNode, what)
    if (allowed !== undefined && !allowed.has(key)) fail(ctx, keyNode, `${what}: field ${key} not found in type`)
    if (seen.has(key)) fail(ctx, keyNode, `${what}: duplicate key ${key}`)
    seen.add(key)
    out.push({key, value: pair.value, keyNode: keyNode!})
  }
  return out
}

function decodeStatic(ctx: DecodeContext, raw: unknown): StaticConfig {
  const s: StaticConfig = {method: '', meta: '', parsed: '', enriched: '', target: '', value: '', expression: '', line: lineOf(ctx, deref(ctx, raw))}
  for (const {key, value} of mappingEntries(ctx, raw, STATIC_KEYS, 'statics')) {
    s[key as Exclude<keyof StaticConfig, 'line'>] = decodeString(ctx, value, `statics.${key}`)
  }
  return s
}

function decodeStatics(ctx: DecodeContext, raw: unknown): StaticConfig[] {
  const node = deref(ctx, raw)
  if (isNullScalar(node)) return []
  if (!isSeq(node)) fail(ctx, node, 'statics: expected a list')
  return node.items.map((item) => decodeStatic(ctx, item))
}

function decodeGrok(ctx: DecodeContext, raw: unknown): GrokConfig | undefined {
  const node = deref(ctx, raw)
  if (isNullScalar(node)) return undefined
  const g: GrokConfig = {pattern: '', name: '', apply_on: '', expression: '', statics: [], line: lineOf(ctx, node), expressionLine: 0}
  for (const {key, value} of mappingEntries(ctx, node, GROK_KEYS, 'grok')) {
    if (key === 'statics') g.statics = decodeStatics(ctx, value)
    else {
      g[key as 'pattern' | 'name' | 'apply_on' | 'expression'] = decodeString(ctx, value, `grok.${key}`)
      if (key === 'expression') g.expressionLine = lineOf(ctx, deref(ctx, value))
    }
  }
  return g
}

function decodeStash(ctx: DecodeContext, raw: unknown): StashConfig[] {
  const node = deref(ctx, raw)
  if (isNullScalar(node)) return []
  if (!isSeq(node)) fail(ctx, node, 'stash: expected a list')
  return node.items.map((item) => {
    const s: StashConfig = {name: '', key: '', value: '', ttl: '', size: 0, strategy: '', line: lineOf(ctx, deref(ctx, item))}
    for (const {key, value} of mappingEntries(ctx, item, STASH_KEYS, 'stash')) {
      if (key === 'size') s.size = decodeInt(ctx, value, 'stash.size') ?? 0
      else s[key as 'name' | 'key' | 'value' | 'ttl' | 'strategy'] = decodeString(ctx, value, `stash.${key}`)
    }
    return s
  })
}

function decodeWhitelist(ctx: DecodeContext, raw: unknown): WhitelistConfig | undefined {
  const node = deref(ctx, raw)
  if (isNullScalar(node)) return undefined
  const w: WhitelistConfig = {reason: '', ip: [], cidr: [], expression: [], ipLines: [], cidrLines: [], expressionLines: [], line: lineOf(ctx, node)}
  for (const {key, value} of mappingEntries(ctx, node, WHITELIST_KEYS, 'whitelist')) {
    if (key === 'reason') w.reason = decodeString(ctx, value, 'whitelist.reason')
    else {
      const list = decodeStringList(ctx, value, `whitelist.${key}`)
      if (key === 'ip') [w.ip, w.ipLines] = [list.values, list.lines]
      else if (key === 'cidr') [w.cidr, w.cidrLines] = [list.values, list.lines]
      else [w.expression, w.expressionLines] = [list.values, list.lines]
    }
  }
  return w
}

function decodeData(ctx: DecodeContext, raw: unknown): DataConfig[] {
  const node = deref(ctx, raw)
  if (isNullScalar(node)) return []
  if (!isSeq(node)) fail(ctx, node, 'data: expected a list')
  return node.items.map((item) => {
    const d: DataConfig = {source_url: '', dest_file: '', type: '', cache: undefined, strategy: '', size: undefined, ttl: '', line: lineOf(ctx, deref(ctx, item))}
    for (const {key, value} of mappingEntries(ctx, item, DATA_KEYS, 'data')) {
      if (key === 'cache') d.cache = decodeBool(ctx, value, 'data.cache')
      else if (key === 'size') d.size = decodeInt(ctx, value, 'data.size')
      else d[key as 'source_url' | 'dest_file' | 'type' | 'strategy' | 'ttl'] = decodeString(ctx, value, `data.${key}`)
    }
    return d
  })
}

function decodePatternSyntax(ctx: DecodeContext, raw: unknown): NodeConfig['pattern_syntax'] {
  return mappingEntries(ctx, raw, undefined, 'pattern_syntax').map(({key, value, keyNode}) => ({
    name: key,
    pattern: decodeString(ctx, value, `pattern_syntax.${key}`),
    line: lineOf(ctx, keyNode),
  }))
}

/** Decodes one node (a YAML document's root, or an entry of `nodes:`). */
export function decodeNodeConfig(ctx: DecodeContext, raw: unknown): NodeConfig {
  const node = deref(ctx, raw)
  const n: NodeConfig = {
    name: '', description: '', author: '', references: [], format: '', debug: false, profiling: false, stage: '',
    filter: '', filterLine: 0, onsuccess: '', pattern_syntax: [], grok: undefined, statics: [], stash: [],
    whitelist: undefined, data: [], nodes: [], line: lineOf(ctx, node),
  }
  for (const {key, value} of mappingEntries(ctx, node, NODE_KEYS, 'node')) {
    switch (key) {
      case 'references':
        n.references = decodeStringList(ctx, value, 'references').values
        break
      case 'debug':
      case 'profiling':
        n[key] = decodeBool(ctx, value, key) ?? false
        break
      case 'filter':
        n.filter = decodeString(ctx, value, 'filter')
        n.filterLine = lineOf(ctx, deref(ctx, value))
        break
      case 'pattern_syntax':
        n.pattern_syntax = decodePatternSyntax(ctx, value)
        break
      case 'grok':
        n.grok = decodeGrok(ctx, value)
        break
      case 'statics':
        n.statics = decodeStatics(ctx, value)
        break
      case 'stash':
        n.stash = decodeStash(ctx, value)
        break
      case 'whitelist':
        n.whitelist = decodeWhitelist(ctx, value)
        break
      case 'data':
        n.data = decodeData(ctx, value)
        break
      case 'nodes': {
        const seq = deref(ctx, value)
        if (isNullScalar(seq)) break
        if (!isSeq(seq)) fail(ctx, seq, 'nodes: expected a list')
        n.nodes = seq.items.map((item) => decodeNodeConfig(ctx, item))
        break
      }
      default:
        n[key as 'name' | 'description' | 'author' | 'format' | 'stage' | 'onsuccess'] = decodeString(ctx, value, key)
    }
  }
  return n
}
