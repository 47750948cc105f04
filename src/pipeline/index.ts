/**
 * The pipeline façade for one-shot scans: `scan(options)` resolves the detection content
 * (hub dir + item names, or the installed hub), builds the stages, loads the profiles, and
 * runs the scan. `scanAlerts` is the streaming form (`--ndjson`).
 */
import * as fs from 'node:fs'
import {loadProfiles} from '../decide/load-profiles.js'
import type {Logger} from '../model/logger.js'
import {buildEngines, loadStages, type LoadedStages} from './build-engines.js'
import type {Engines} from './engines.js'
import type {ContentRequest, ScanContent} from './content.js'
import {openContentBundle, selectCachedContent, selectWithBundle, throughContentBundle, type ContentBundle} from './content-bundle.js'
import {withContentCache} from '../platform/content-cache.js'
import {EarlyParseWorker, planParseWorker} from './parse-thread.js'
import type {BlankParseWorker} from './parse-worker-start.js'
import {parseWorkerData, runScan, scanAlerts, type ScanOptions, type ScanResult} from './scan.js'

export {runScan, scanAlerts, scanExitCode} from './scan.js'
export {planParseWorker} from './parse-thread.js'
export {AUTO_MIN_BYTES} from './parse-worker-start.js'
export type {ParseWorkerSetting} from './parse-worker-start.js'
export type {WorkerLogLevel, ContentReport, ScanOptions, ScanResult, ScanProgress, ScanSummary, InputReport, SourceReport, AcquisitionMetric} from './scan.js'
export {resolveContent, selectContent, embeddedHub, embeddedCacheRoot, contentFromInstalled, EMBEDDED_COLLECTIONS} from './content.js'
export type {ScanContent, ContentSelection, ContentRequest, ContentOrigin} from './content.js'
export {buildEngines, loadStages} from './build-engines.js'
export {selectWithBundle} from './content-bundle.js'
export type {CachedSelection} from './content-bundle.js'
export type {LoadedStages, LoadStagesOptions, BuildEnginesOptions} from './build-engines.js'

export interface ScanRequest extends Omit<ScanOptions, 'engines' | 'profiles'>, ContentRequest {
  /** A profiles.yaml; default: CrowdSec's default profiles. */
  profilesFile?: string
  maxBuckets?: number
  logger?: Logger
  /**
   * Content already selected and compiled (prepareContent), shared by several scans; the
   * content fields of the request (hubDir, collections...) and `simulation` are then not read
   * for content: simulation was applied when it was compiled.
   */
  prepared?: PreparedContent
  /**
   * A parse worker the caller started before this request (its inputs allowed one): given the
   * work when the content allows a worker too, stopped otherwise.
   */
  parseWorkerBlank?: BlankParseWorker
}

/** Selected and compiled detection content: what scans of the same content can share. */
export interface PreparedContent {
  content: ScanContent
  stages: LoadedStages
  /** The content's cache bundle, for what is built over the stages (the engines); undefined when the cache is off. */
  bundle?: ContentBundle
}

/** Selects the content and compiles it; every config problem is a CrowdError. */
export async function prepareContent(request: ContentRequest & Pick<ScanRequest, 'simulation' | 'logger'>): Promise<PreparedContent> {
  const {content, bundle, compileWith} = await selectWithBundle(request)
  const stages = compileWith(() => compileContent(content, request))
  return {content, stages, ...(bundle !== undefined ? {bundle} : {})}
}

/** The content's stages, with the simulation settings of the request. */
function compileContent(content: ScanContent, request: Pick<ScanRequest, 'simulation' | 'logger'>): LoadedStages {
  const simulation = request.simulation === undefined ? undefined : {simulation: request.simulation.simulation, exclusions: [...(request.simulation.exclusions ?? [])]}
  return loadStages(content, {logger: request.logger, simulation})
}

/**
 * Selects content, builds stages and profiles; every config problem is a CrowdError thrown
 * before any input is read. When the scan will parse in a worker, the worker is started (or
 * the one the caller started is given its work) as soon as the content is chosen: it compiles
 * its copy while this thread compiles (runScan then only tells it to start).
 */
export async function prepareScan(request: ScanRequest): Promise<ScanOptions> {
  const {prepared, parseWorkerBlank: blank, ...rest} = request
  let early: EarlyParseWorker | undefined
  try {
    const bundle = prepared === undefined ? openContentBundle(request) : undefined
    // Profiles first: a bad profiles file is reported without compiling the content.
    const profiles = withContentCache(bundle?.cache, () => loadProfiles(request.profilesFile))
    const content = prepared?.content ?? (await selectCachedContent(request, bundle))
    const parseWorkerContent = (request.parseWorkers ?? 0) === 0
      ? undefined
      : {content, sharedState: sharesParserState(content, request.profilesFile), parserState: parsersKeepState(content)}
    if (parseWorkerContent !== undefined && planParseWorker({...request, parseWorkerContent}).use) {
      early = new EarlyParseWorker(parseWorkerData(request, content, true), blank)
    } else {
      blank?.dispose()
    }
    // the engines are built with the bundle in force too: the detector's analyses of the filters
    // parse them, which a cached run does not do again
    const build = (stages: LoadedStages): Engines => buildEngines(stages, {logger: request.logger, maxBuckets: request.maxBuckets})
    const engines = prepared !== undefined
      ? throughContentBundle(prepared.bundle, () => build(prepared.stages))
      : throughContentBundle(bundle, () => build(compileContent(content, request)))
    const report = {origin: content.origin, collections: content.collections, parsers: content.parsers.length, scenarios: content.scenarios.length}
    return {...rest, engines, profiles, content: report, ...(parseWorkerContent !== undefined ? {parseWorkerContent} : {}), ...(early !== undefined ? {parseWorkerEarly: early} : {})}
  } catch (error) {
    early?.dispose()
    blank?.dispose() // idempotent: a no-op when early already stopped the same worker
    throw error
  }
}

const STASH_HELPERS = /\b(?:GetFromStash|SetInStash)\b/

/**
 * True when parsers and the rest of the content can share state at run time: stash helpers in
 * scenarios, postoverflows or profiles read or write what parsers stashed. Such content parses
 * in the main thread (the parse worker has its own stash).
 */
export function sharesParserState(content: ScanContent, profilesFile?: string): boolean {
  return usesStash([...content.scenarios.map((s) => s.path), ...content.postoverflows.map((p) => p.path), ...(profilesFile !== undefined ? [profilesFile] : [])])
}

/** True when parsers keep state from line to line (stash helpers in parser files): every line must then be parsed in one thread. */
export function parsersKeepState(content: ScanContent): boolean {
  return usesStash(content.parsers.map((p) => p.path))
}

/** True when one of these files calls a stash helper (or cannot be read: then it may). */
function usesStash(files: readonly string[]): boolean {
  for (const file of files) {
    let text: string
    try {
      text = fs.readFileSync(file, 'utf8')
    } catch {
      return true // cannot tell: stay in one thread
    }
    if (STASH_HELPERS.test(text)) return true
  }
  return false
}

export async function scan(request: ScanRequest): Promise<ScanResult> {
  return runScan(await prepareScan(request))
}

export async function scanStream(request: ScanRequest): Promise<ReturnType<typeof scanAlerts>> {
  return scanAlerts(await prepareScan(request))
}
