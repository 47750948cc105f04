/**
 * The parse stage's façade: `loadParsers(...)` compiles parser files (or
 * `loadPostoverflows(...)`, the same engine on overflow events, parsers.md §11) into a
 * ParserSet; `ParserSet.parse(event)` walks the stages and returns a ParseOutcome which,
 * in explain mode, also lists per stage which nodes ran, whether they succeeded and which
 * fields they set.
 */
import {CrowdError} from '../model/errors.js'
import {copyStringMap, type Event} from '../model/event.js'
import {GoTime} from '../model/go-time.js'
import {silentLogger, type Logger} from '../model/logger.js'
import {compileNode, type CompiledNode} from './compile-node.js'
import {loadGeoIpDatabases, type GeoIpDatabases} from './enrich/geoip.js'
import type {EnrichContext} from './enrich/registry.js'
import type {ReverseDnsResolver} from './enrich/reverse-dns.js'
import {findParserFiles, loadParserFiles, type ParserFileRef} from './load.js'
import {walkStages, type NodeObserver, type RunContext} from './run.js'
import {createCompileEnv, type ParseServices} from './services.js'
import type {CompiledStatic} from './statics.js'

export type {ParserFileRef} from './load.js'
export type {CompiledNode} from './compile-node.js'

export interface LoadParsersOptions extends ParseServices {
  /** A CrowdSec-layout directory (`<dir>/<stage>/*.yaml`)... */
  dir?: string
  /** ...and/or explicit files. */
  files?: ParserFileRef[]
  logger?: Logger
  /** The clock (ParseDate year inference and "now" fallback); default: real time. */
  now?: () => GoTime
  /** MaxMind databases; default: opened from dataDir when a node uses a GeoIP method. */
  geoip?: GeoIpDatabases
  /** Reverse DNS for `method: reverse_dns`; default: off. */
  reverseDns?: ReverseDnsResolver
}

export interface FieldChange {
  field: string
  value: string
}

export interface NodeTrace {
  stage: string
  node: string
  file: string
  success: boolean
  /** Fields that the node set or changed (explain mode). */
  changes: FieldChange[]
}

export interface ParseOutcome {
  event: Event
  /** The Process flag: every stage passed. */
  parsed: boolean
  whitelisted: boolean
  /** Stage where the event stopped, when not parsed. */
  stoppedAt?: string
  /** A static that aborted the event (parsers.md §4.5). */
  error?: CrowdError
  /** Explain mode: every top-level node run, in order. */
  trace?: NodeTrace[]
}

export interface ParseOptions {
  explain?: boolean
  /** Called after each top-level node run (hub-test results). */
  observe?: NodeObserver
}

const NO_OPTIONS: ParseOptions = Object.freeze({})

export class ParserSet {
  readonly stages: readonly string[]
  readonly nodes: readonly CompiledNode[]
  /** Load problems: files skipped (bad YAML, unknown keys, compile errors). */
  readonly errors: readonly CrowdError[]
  readonly warnings: readonly string[]
  readonly files: readonly string[]
  private readonly byStage: Map<string, CompiledNode[]>
  private readonly ctx: RunContext

  constructor(nodes: CompiledNode[], ctx: Omit<RunContext, 'stages'>, report: {errors: CrowdError[]; warnings: string[]; files: string[]}) {
    this.nodes = nodes
    this.byStage = new Map()
    for (const n of nodes) {
      const list = this.byStage.get(n.stage)
      if (list === undefined) this.byStage.set(n.stage, [n])
      else list.push(n)
    }
    this.stages = [...this.byStage.keys()].sort()
    this.ctx = {...ctx, stages: this.stages, stageNodes: this.stages.map((st) => this.byStage.get(st)!)}
    this.errors = report.errors
    this.warnings = report.warnings
    this.files = report.files
  }

  parse(evt: Event, options: ParseOptions = NO_OPTIONS): ParseOutcome {
    let trace: NodeTrace[] | undefined
    let snapshot: Snapshot | undefined
    let before: ((stage: string, node: CompiledNode, e: Event) => void) | undefined
    let observe = options.observe
    if (options.explain === true) {
      const list: NodeTrace[] = []
      trace = list
      before = (_s, _n, e) => {
        snapshot = takeSnapshot(e)
      }
      const outer = observe
      observe = (stage, node, e, success) => {
        list.push({stage, node: node.name, file: node.file, success, changes: diffSnapshot(snapshot!, takeSnapshot(e))})
        outer?.(stage, node, e, success)
      }
    }
    const result = walkStages(this.byStage, evt, this.ctx, observe, before)
    const outcome: ParseOutcome = {event: evt, parsed: result.parsed, whitelisted: evt.Whitelisted}
    if (result.stoppedAt !== undefined) outcome.stoppedAt = result.stoppedAt
    if (result.error !== undefined) outcome.error = result.error
    if (trace !== undefined) outcome.trace = trace
    return outcome
  }
}

interface Snapshot {
  maps: Record<string, Record<string, string>>
  scalars: Record<string, string>
}

function takeSnapshot(e: Event): Snapshot {
  const unmarshaled: Record<string, string> = Object.create(null) as Record<string, string>
  for (const k of Object.keys(e.Unmarshaled)) unmarshaled[k] = JSON.stringify(e.Unmarshaled[k]) ?? 'null'
  return {
    maps: {Parsed: copyStringMap(e.Parsed), Meta: copyStringMap(e.Meta), Enriched: copyStringMap(e.Enriched), Unmarshaled: unmarshaled},
    scalars: {
      StrTime: e.StrTime, StrTimeFormat: e.StrTimeFormat, MarshaledTime: e.MarshaledTime, Stage: e.Stage,
      Whitelisted: String(e.Whitelisted), WhitelistReason: e.WhitelistReason, 'Line.Module': e.Line.Module,
    },
  }
}

function diffSnapshot(a: Snapshot, b: Snapshot): FieldChange[] {
  const out: FieldChange[] = []
  for (const map of Object.keys(b.maps)) {
    const before = a.maps[map]!
    const after = b.maps[map]!
    for (const k of Object.keys(after)) {
      if (!Object.hasOwn(before, k) || before[k] !== after[k]) out.push({field: `${map}.${k}`, value: after[k]!})
    }
  }
  for (const k of Object.keys(b.scalars)) {
    if (a.scalars[k] !== b.scalars[k]) out.push({field: k, value: b.scalars[k]!})
  }
  return out
}

const GEOIP_METHODS = new Set(['GeoIpCity', 'GeoIpASN', 'IpToRange'])

function usesMethod(nodes: readonly CompiledNode[], names: Set<string>): boolean {
  const inStatics = (list: CompiledStatic[]): boolean => list.some((s) => s.destination.kind === 'method' && names.has(s.destination.name))
  return nodes.some((n) => inStatics(n.statics) || (n.grok !== undefined && inStatics(n.grok.statics)) || usesMethod(n.children, names))
}

/** Whether any node of the set calls a GeoIP method (hub tests skip such tests without databases). */
export function usesGeoIp(set: ParserSet): boolean {
  return usesMethod(set.nodes, GEOIP_METHODS)
}

function load(options: LoadParsersOptions, kind: 'parsers' | 'postoverflows'): ParserSet {
  const logger = options.logger ?? silentLogger
  const refs: ParserFileRef[] = [...(options.dir !== undefined ? findParserFiles(options.dir) : []), ...(options.files ?? [])]
  const loaded = loadParserFiles(refs)
  const errors = [...loaded.errors]
  const env = createCompileEnv(options, logger, kind)
  const nodes: CompiledNode[] = []
  let failedFile: string | undefined
  for (const n of loaded.nodes) {
    if (n.file === failedFile) continue
    try {
      nodes.push(compileNode(n.config, env, {file: n.file, stage: n.stage}))
    } catch (error) {
      if (!(error instanceof CrowdError)) throw error
      errors.push(error)
      // the whole file is skipped: drop its nodes compiled so far
      failedFile = n.file
      while (nodes.length > 0 && nodes[nodes.length - 1]!.file === n.file) nodes.pop()
    }
  }
  const now = options.now ?? (() => GoTime.now().UTC())
  const enrich: EnrichContext = {logger, now, geoip: options.geoip, dns: options.reverseDns}
  if (enrich.geoip === undefined && options.dataDir !== undefined && usesMethod(nodes, GEOIP_METHODS)) enrich.geoip = loadGeoIpDatabases(options.dataDir, logger)
  return new ParserSet(nodes, {logger, enrich, statics: {logger, enrich}}, {errors, warnings: loaded.warnings, files: loaded.files})
}

/** Compiles parsers (s00-raw, s01-parse, s02-enrich, ...). Problems are in `set.errors`. */
export function loadParsers(options: LoadParsersOptions): ParserSet {
  return load(options, 'parsers')
}

/** Compiles postoverflows: same engine, separate grok pattern host (parsers.md §11). */
export function loadPostoverflows(options: LoadParsersOptions): ParserSet {
  return load(options, 'postoverflows')
}
