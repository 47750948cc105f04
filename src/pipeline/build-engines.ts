/**
 * Builds the scan stages from the parse and detect façades: parser set (with per-node
 * counters for the metrics table), scenarios in replay mode with the postoverflow parsers as
 * the detector's postoverflow hook. Load problems (a file that does not load is skipped, as
 * in CrowdSec) become warnings, unless nothing at all could be loaded: that is a config error.
 */
import * as path from 'node:path'
import {createDetector, loadScenarios, type CompiledScenario, type Detector} from '../detect/index.js'
import {loadPatternLibrary} from '../grok/index.js'
import {CrowdError, CrowdErrorList} from '../model/errors.js'
import type {Event} from '../model/event.js'
import {silentLogger, type Logger} from '../model/logger.js'
import {loadParsers, loadPostoverflows, type ParserFileRef, type ParserSet} from '../parse/index.js'
import {createHelperContext} from '../parse/services.js'
import {GoTime, UTC} from '../model/go-time.js'
import type {ScanContent, StagedFile} from './content.js'
import type {BucketMetric, Engines, ParserMetric, ParserStage} from './engines.js'
import {compareBytes} from '../model/order.js'

export interface LoadStagesOptions {
  logger?: Logger
  simulation?: {simulation?: boolean; exclusions?: string[]}
}

export interface BuildEnginesOptions extends LoadStagesOptions {
  maxBuckets?: number
}

/**
 * The compiled content of a scan (parsers, postoverflows, scenarios), without any per-scan
 * state: several scans can build their engines from one (buildEngines), so content is compiled
 * once. Parser-side services (data files, stash) stay shared between them, as in one CrowdSec run.
 */
export interface LoadedStages {
  readonly parserSet: ParserSet
  readonly postSet: ParserSet | undefined
  readonly scenarios: readonly CompiledScenario[]
  /** Load warnings (files skipped...). */
  readonly warnings: readonly string[]
  readonly logger: Logger
}

/** Compiles the content; load problems are warnings unless nothing at all of a kind loaded (a config error). */
export function loadStages(content: ScanContent, options: LoadStagesOptions = {}): LoadedStages {
  const logger = options.logger ?? silentLogger
  const warnings: string[] = []
  const fatal: CrowdError[] = []
  const refs = parserRefs

  // One helper context (data files, stash) shared by parsers, postoverflows and scenarios, as in CrowdSec.
  const helpers = createHelperContext({dataDir: content.dataDir, logger, now: () => GoTime.now(UTC)})
  // the pattern directories are read and expanded once: the postoverflows get a copy made before
  // the parsers' pattern_syntax entries extend the parsers' library (CrowdSec keeps two hosts)
  const patterns = loadPatternLibrary(content.patternDirs, logger)
  const postPatterns = content.postoverflows.length > 0 ? patterns.clone() : undefined
  const parserSet = loadParsers({files: refs(content.parsers), dataDir: content.dataDir, patterns, helpers, logger})
  for (const e of parserSet.errors) warnings.push(`parser skipped: ${e.message}`)
  warnings.push(...parserSet.warnings)
  if (content.parsers.length > 0 && parserSet.nodes.length === 0) fatal.push(...parserSet.errors)

  const postSet = content.postoverflows.length > 0 ? loadPostoverflows({files: refs(content.postoverflows), dataDir: content.dataDir, patterns: postPatterns, helpers, logger}) : undefined
  for (const e of postSet?.errors ?? []) warnings.push(`postoverflow skipped: ${e.message}`)

  const loaded = loadScenarios(content.scenarios.map((s) => s.path), {dataDir: content.dataDir, helpers, logger, simulation: options.simulation, hubIndex: content.hubIndex})
  for (const e of loaded.errors) warnings.push(`scenario skipped: ${e.message}`)
  for (const s of loaded.skipped) warnings.push(`${s.file}: document ${s.docIndex + 1} skipped: ${s.reason}`)
  if (content.scenarios.length > 0 && loaded.scenarios.length === 0) fatal.push(...loaded.errors)
  if (fatal.length > 0) throw fatal.length === 1 ? fatal[0]! : new CrowdErrorList(fatal)
  return {parserSet, postSet, scenarios: loaded.scenarios, warnings, logger}
}

/**
 * The stages of one scan: a fresh detector (buckets, metrics) and fresh parser counters over
 * compiled content, given as ScanContent (compiled here) or as LoadedStages (shared).
 */
export function buildEngines(content: ScanContent | LoadedStages, options: BuildEnginesOptions = {}): Engines {
  return assembleEngines('parserSet' in content ? content : loadStages(content, options), options, 'replay').engines
}

/**
 * The stages of `crowd watch`: the same as a scan's, with the detector itself at hand (its
 * buckets are saved and restored between runs, and its live buckets are swept on the wall
 * clock by the watch loop's tick).
 */
export function buildWatchEngines(stages: LoadedStages, options: BuildEnginesOptions & {mode: 'replay' | 'live'}): {engines: Engines; detector: Detector} {
  return assembleEngines(stages, options, options.mode)
}

function assembleEngines(stages: LoadedStages, options: BuildEnginesOptions, mode: 'replay' | 'live'): {engines: Engines; detector: Detector} {
  const logger = options.logger ?? stages.logger
  const {parserSet, postSet} = stages
  const warnings = [...stages.warnings]

  const detector = createDetector(stages.scenarios, {
    mode,
    tickMs: 0,
    maxBuckets: options.maxBuckets,
    logger,
    postoverflow: postSet === undefined ? undefined : (evt: Event) => void postSet.parse(evt),
  })

  const parsers = createParserStage(parserSet)

  const engines: Engines = {
    warnings,
    parsers,
    postoverflows: {
      process: (ov) => !(ov.Whitelisted || (ov.Overflow as {Whitelisted?: boolean}).Whitelisted === true),
    },
    detector: {
      scenarios: stages.scenarios.map((s) => s.name),
      pour: (evt, hints) => {
        detector.pour(evt, hints)
        return detector.takeOverflows()
      },
      pourPreviewed: (evt) => {
        detector.pourPreviewed(evt)
        return detector.takeOverflows()
      },
      eventKeyNeeds: () => detector.eventKeyNeeds(),
      flush: () => {
        detector.flush()
        return detector.takeOverflows()
      },
      metrics: (): BucketMetric[] =>
        Object.entries(detector.metrics.scenarios)
          .map(([name, m]) => ({
            name,
            poured: m.poured,
            instantiated: m.instantiated,
            overflows: m.overflows,
            underflows: m.underflows,
            live: m.discardedAtEnd,
            limited: m.evicted,
          }))
          .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0)),
    },
  }
  return {engines, detector}
}

/**
 * The parser stage of a scan over a compiled parser set, with per top-level node counters
 * (cscli metrics' parser table). The parse worker builds its own with this same function.
 */
export function createParserStage(parserSet: ParserSet): ParserStage {
  // Keyed by node object: no string work per line.
  const byNode = new Map<object, ParserMetric>()
  const counters = new Map<string, ParserMetric>()
  const observe = (stage: string, node: {name: string; file: string}, _evt: Event, success: boolean): void => {
    let m = byNode.get(node)
    if (m === undefined) {
      const name = node.name !== '' ? node.name : path.basename(node.file)
      const key = `${stage}\u0000${name}`
      m = counters.get(key)
      if (m === undefined) counters.set(key, (m = {name, stage, hits: 0, parsed: 0, unparsed: 0}))
      byNode.set(node, m)
    }
    m.hits++
    if (success) m.parsed++
    else m.unparsed++
  }
  return {
    filters: parserSet.nodes.flatMap((n) => collectFilters(n)),
    parse: (evt, parseOptions) => {
      const outcome = parserSet.parse(evt, parseOptions?.trial === true ? {} : {observe})
      return outcome.parsed && !outcome.whitelisted
    },
    metrics: () => sortParserMetrics([...counters.values()]),
  }
}

function sortParserMetrics(list: ParserMetric[]): ParserMetric[] {
  return list.sort((a, b) => compareBytes(a.stage ?? '', b.stage ?? '') || compareBytes(a.name, b.name))
}

/** The counters of two parser stages over the same content that parsed different lines, summed. */
export function mergeParserMetrics(a: readonly ParserMetric[], b: readonly ParserMetric[]): ParserMetric[] {
  const byKey = new Map<string, ParserMetric>()
  for (const m of [...a, ...b]) {
    const key = `${m.stage ?? ''}\u0000${m.name}`
    const seen = byKey.get(key)
    if (seen === undefined) byKey.set(key, {...m})
    else {
      seen.hits += m.hits
      seen.parsed += m.parsed
      seen.unparsed += m.unparsed
    }
  }
  return sortParserMetrics([...byKey.values()])
}

/**
 * The parse worker's copy of the scan's scenarios, for Detector.preview only (its buckets stay
 * empty): compiled from the same content, in the same order, with the detector options of
 * buildEngines that decide what a pour skips (prefilter and filter sharing on).
 */
export function loadPreviewDetector(content: ScanContent, logger: Logger): Detector {
  const helpers = createHelperContext({dataDir: content.dataDir, logger, now: () => GoTime.now(UTC)})
  const loaded = loadScenarios(content.scenarios.map((s) => s.path), {dataDir: content.dataDir, helpers, logger, hubIndex: content.hubIndex})
  return createDetector(loaded.scenarios, {mode: 'replay', collect: false, logger})
}

/**
 * Compiles only the parsers of a content, as loadStages does (same files, order, data dir,
 * pattern dirs and helper context kind): what the parse worker runs.
 */
export function loadParserSet(content: ScanContent, logger: Logger): ParserSet {
  const helpers = createHelperContext({dataDir: content.dataDir, logger, now: () => GoTime.now(UTC)})
  return loadParsers({files: parserRefs(content.parsers), dataDir: content.dataDir, patternDirs: content.patternDirs, helpers, logger})
}

function parserRefs(files: StagedFile[]): ParserFileRef[] {
  return files.map((f) => ({path: f.path, stage: f.stage, sortKey: `${f.stage}/${f.item}`}))
}

function collectFilters(node: {filter?: {source: string} | undefined; children: unknown[]}): string[] {
  const own = node.filter !== undefined ? [node.filter.source] : []
  return [...own, ...(node.children as {filter?: {source: string}; children: unknown[]}[]).flatMap(collectFilters)]
}
