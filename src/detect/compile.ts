/**
 * Scenario document -> CompiledScenario: validation per type (scenarios.md §3.1), every
 * expression compiled once, durations parsed, queue size and lifetime derived (§7, §8.5).
 * All problems of a document are collected; the caller skips the whole file.
 */
import * as path from 'node:path'
import {compileExpr, type Program, type SharedMemo} from '../expr/index.js'
import {CrowdError} from '../model/errors.js'
import {BUCKET_TYPES, type BucketType, type TypeDurations} from './buckets/index.js'
import type {FilterPlan} from './filter-share.js'
import type {ScenarioDocument} from './load.js'
import type {ScenarioPrefilter} from './prefilter.js'
import type {ScenarioConfig} from './scenario-config.js'
import {formatGoDuration, parseDurationNs} from './time.js'

export type HelperContext = NonNullable<Parameters<typeof compileExpr>[1]>['helpers']

export interface BayesianCondition {
  program: Program
  probGivenEvil: number
  probGivenBenign: number
  guillotine: boolean
}

export interface CompiledScenario {
  /** Position in evaluation order (file order, then document order). */
  readonly index: number
  readonly name: string
  readonly description: string
  readonly type: BucketType
  readonly config: ScenarioConfig
  readonly file: string
  readonly docIndex: number
  readonly filterText: string
  readonly filter: Program
  /** The filter as shared parts (filter-share.ts; set by loadScenarios when a conjunct is shared). */
  readonly filterPlan?: FilterPlan
  /** A necessary condition of its filter over literals (prefilter.ts; set by loadScenarios). */
  readonly prefilter?: ScenarioPrefilter
  /** The sub-expression memo its filter programs share with other scenarios (the detector advances it per event). */
  readonly exprMemo?: SharedMemo
  readonly groupby?: Program
  readonly distinct?: Program
  readonly cancelOn?: Program
  readonly condition?: Program
  readonly overflowFilter?: Program
  readonly bayesian?: {prior: number; threshold: number; conditions: BayesianCondition[]}
  readonly capacity: number
  readonly leakspeedNs: number
  /** Normalised Go duration text of leakspeed (`1m0s` for `60s`), `0s` when unset. */
  readonly leakspeedText: string
  readonly durations: TypeDurations
  readonly blackholeNs: number
  /** Queue limit L (§7.2); -1 = unbounded. The queue holds at most L + 1 events. */
  readonly queueLimit: number
  /** Inactivity lifetime D (ns), null = none. */
  readonly lifetimeNs: number | null
  readonly scope: {type: string; expression?: Program}
  readonly remediation: boolean
  readonly reprocess: boolean
  readonly simulated: boolean
  readonly hash: string
  readonly version: string
}

export interface HubIndexLike {
  scenarios?: Record<string, {path?: string; versions?: Record<string, {digest?: string}>}>
}

export interface CompileContext {
  helpers?: HelperContext
  /** Hub data directory for `data:` dest_file entries. */
  dataDir?: string
  /** Loads a data file for File()/RegexpInFile(); a failure is logged, not fatal (§3.1). */
  loadDataFile?: (file: string, type: string, destFile?: string) => void
  warn?: (message: string) => void
  /** CrowdSec simulation.yaml. */
  simulation?: {simulation?: boolean; exclusions?: string[]}
  /** Parsed hub .index.json, for scenario_version (§12.3). */
  hubIndex?: HubIndexLike
  /** Share pure sub-expressions of scenario filters across scenarios (one evaluation per event; see filter-share.ts). */
  memo?: SharedMemo
}

/** Compiles one document; throws CrowdError (code 'scenario') listing every problem found. */
export function compileScenario(doc: ScenarioDocument, index: number, ctx: CompileContext = {}): CompiledScenario {
  const c = doc.config
  const problems: CrowdError[] = []
  const at = (key: keyof ScenarioConfig) => ({file: doc.file, line: doc.keyLines[key] ?? doc.line})
  const problem = (key: keyof ScenarioConfig, reason: string): void => {
    problems.push(new CrowdError('scenario', `${c.name ? `scenario ${c.name}: ` : ''}${reason}`, at(key)))
  }
  const expr = (key: keyof ScenarioConfig, source: string | undefined, env: 'event' | 'any', memo?: SharedMemo): Program | undefined => {
    if (source === undefined || source === '') return undefined
    try {
      return compileExpr(source, {env, location: at(key), helpers: ctx.helpers, memo})
    } catch (e) {
      problems.push(e instanceof CrowdError ? e : new CrowdError('scenario', `${key}: ${(e as Error).message}`, at(key)))
      return undefined
    }
  }
  const duration = (key: 'leakspeed' | 'duration' | 'blackhole'): {ns: number; present: boolean} => {
    const text = c[key]
    if (text === undefined) return {ns: 0, present: false}
    try {
      return {ns: parseDurationNs(text), present: true}
    } catch (e) {
      problem(key, `bad ${key} '${text}': ${(e as Error).message}`)
      return {ns: 0, present: true}
    }
  }

  if (!c.type) problem('type', 'type is required')
  if (!c.name) problem('name', 'name is required')
  if (!c.description) problem('description', 'description is required')
  if (!c.filter) problem('filter', 'filter is required')
  const type = c.type ? BUCKET_TYPES.get(c.type) : undefined
  if (c.type && type === undefined) problem('type', `unknown bucket type '${c.type}'`)

  const problemsBeforeDurations = problems.length
  const leak = duration('leakspeed')
  const dur = duration('duration')
  const blackhole = duration('blackhole')
  const durations: TypeDurations = {leakspeedNs: leak.ns, durationNs: dur.ns, hasLeakspeed: leak.present, hasDuration: dur.present}
  const durationsValid = problems.length === problemsBeforeDurations
  if (type && durationsValid) for (const reason of type.validate(c, durations)) problem(reason.includes('capacity') ? 'capacity' : 'type', reason)
  if (blackhole.present && blackhole.ns < 0) problem('blackhole', 'blackhole must not be negative')

  const scopeType = c.scope?.type ? c.scope.type : 'Ip'
  const scopeExprText = c.scope?.expression
  if (scopeType === 'Ip' && scopeExprText) problem('scope', "scope 'Ip' does not accept an expression")
  if (scopeType !== 'Ip' && scopeType !== 'Range' && !scopeExprText) problem('scope', `scope '${scopeType}' requires an expression`)

  // data files first: File()/RegexpInFile() in expressions may need them at compile time
  const store = (ctx.helpers as {data?: {loadDataFile(file: string, type: string, options?: unknown): unknown}} | undefined)?.data
  const loadData = ctx.loadDataFile ?? (store ? (file: string, type: string, destFile?: string) => store.loadDataFile(file, type, {destFile}) : undefined)
  for (const data of c.data ?? []) {
    if (!data.dest_file || !data.type) continue
    const file = ctx.dataDir ? path.resolve(ctx.dataDir, data.dest_file) : data.dest_file
    if (ctx.dataDir && !file.startsWith(path.resolve(ctx.dataDir) + path.sep)) {
      problem('data', `data file ${data.dest_file} is outside the data directory`)
      continue
    }
    try {
      loadData?.(file, data.type, data.dest_file)
    } catch (e) {
      ctx.warn?.(`${doc.file}: scenario ${c.name}: data file ${data.dest_file}: ${(e as Error).message}`)
    }
  }

  const filter = expr('filter', c.filter, 'event', ctx.memo)
  const groupby = expr('groupby', c.groupby, 'event')
  const distinct = expr('distinct', c.distinct, 'event')
  const cancelOn = expr('cancel_on', c.cancel_on, 'event')
  const condition = expr('condition', c.condition, 'any')
  const overflowFilter = expr('overflow_filter', c.overflow_filter, 'any')
  const scopeExpression = expr('scope', scopeExprText, 'event')
  let bayesian: CompiledScenario['bayesian']
  if (c.type === 'bayesian' && c.bayesian_conditions) {
    const conditions: BayesianCondition[] = []
    for (const bc of c.bayesian_conditions) {
      if (!bc.condition) {
        problem('bayesian_conditions', 'bayesian condition without condition')
        continue
      }
      const program = expr('bayesian_conditions', bc.condition, 'any')
      if (program) conditions.push({program, probGivenEvil: Math.fround(bc.prob_given_evil ?? 0),
        probGivenBenign: Math.fround(bc.prob_given_benign ?? 0), guillotine: bc.guillotine === true})
    }
    bayesian = {prior: Math.fround(c.bayesian_prior ?? 0), threshold: Math.fround(c.bayesian_threshold ?? 0), conditions}
  }

  if (problems.length > 0 || type === undefined || filter === undefined) {
    if (problems.length === 1) throw problems[0]!
    throw new CrowdError('scenario', problems.map((p) => p.reason).join('; '), {file: doc.file, line: problems[0]?.line ?? doc.line})
  }

  const capacity = c.capacity ?? 0
  const cacheSize = c.cache_size ?? 0
  let queueLimit = capacity
  if (cacheSize > 0 && (cacheSize <= capacity || capacity === -1)) queueLimit = cacheSize
  const sim = ctx.simulation
  const simulated = (sim?.simulation === true) !== (sim?.exclusions ?? []).includes(c.name)
  const {hash, version} = scenarioVersion(doc, c.name, ctx.hubIndex)

  return scenarioRecord({
    index,
    name: c.name,
    description: c.description,
    type,
    config: c,
    file: doc.file,
    docIndex: doc.docIndex,
    filterText: c.filter,
    filter,
    exprMemo: ctx.memo,
    groupby,
    distinct,
    cancelOn,
    condition,
    overflowFilter,
    bayesian,
    capacity,
    leakspeedNs: leak.ns,
    leakspeedText: formatGoDuration(leak.ns),
    durations,
    blackholeNs: blackhole.ns,
    queueLimit,
    lifetimeNs: type.lifetimeNs(capacity, durations),
    scope: {type: scopeType, expression: scopeExpression},
    remediation: c.labels !== undefined && c.labels !== null && (c.labels as Record<string, unknown>).remediation === true,
    reprocess: c.reprocess === true,
    simulated,
    hash,
    version,
  })
}

/**
 * A CompiledScenario as one object literal with every field, optional ones included, in one
 * order (the type check fails when a field is missing): the only place scenarios are made (compileScenario, and the load steps that add a
 * filter plan or a prefilter go through it), so that all of them share one V8 map. The
 * detector reads them per event (`s.groupby`, `s.type`, `s.distinct`...); copies made by
 * spreading (`{...s, prefilter}`) each got a map of their own, and with dozens of maps those
 * reads went megamorphic and the optimised detector was thrown away each time a scenario of a
 * new map first took an event (docs/performance.md).
 */
export function scenarioRecord(s: CompiledScenario): CompiledScenario {
  return {
    index: s.index,
    name: s.name,
    description: s.description,
    type: s.type,
    config: s.config,
    file: s.file,
    docIndex: s.docIndex,
    filterText: s.filterText,
    filter: s.filter,
    filterPlan: s.filterPlan,
    prefilter: s.prefilter,
    exprMemo: s.exprMemo,
    groupby: s.groupby,
    distinct: s.distinct,
    cancelOn: s.cancelOn,
    condition: s.condition,
    overflowFilter: s.overflowFilter,
    bayesian: s.bayesian,
    capacity: s.capacity,
    leakspeedNs: s.leakspeedNs,
    leakspeedText: s.leakspeedText,
    durations: s.durations,
    blackholeNs: s.blackholeNs,
    queueLimit: s.queueLimit,
    lifetimeNs: s.lifetimeNs,
    scope: s.scope,
    remediation: s.remediation,
    reprocess: s.reprocess,
    simulated: s.simulated,
    hash: s.hash,
    version: s.version,
  } satisfies {[K in keyof Required<CompiledScenario>]: CompiledScenario[K]} // a field added to the interface must be listed here
}

const digestCache = new WeakMap<HubIndexLike, Map<string, string>>()

/** §12.3: version whose digest equals the file hash; a hub file with no match is "?", a local file "" / "". */
function scenarioVersion(doc: ScenarioDocument, _name: string, hubIndex: HubIndexLike | undefined): {hash: string; version: string} {
  if (hubIndex?.scenarios === undefined) return {hash: doc.hash, version: ''}
  let digests = digestCache.get(hubIndex)
  if (digests === undefined) {
    digests = new Map()
    for (const item of Object.values(hubIndex.scenarios)) {
      const versions = Object.entries(item.versions ?? {})
      for (const [version, info] of versions) if (info.digest) digests.set(info.digest, version)
    }
    digestCache.set(hubIndex, digests)
  }
  const known = digests.get(doc.hash)
  if (known !== undefined) return {hash: doc.hash, version: known}
  const base = path.basename(doc.file)
  const inHub = Object.values(hubIndex.scenarios).some((item) => item.path !== undefined && path.basename(item.path) === base)
  return inHub ? {hash: doc.hash, version: '?'} : {hash: '', version: ''}
}
