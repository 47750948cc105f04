/**
 * The pipeline façade for one-shot scans: `scan(options)` resolves the detection content
 * (hub dir + item names, or the installed hub), builds the stages, loads the profiles, and
 * runs the scan. `scanAlerts` is the streaming form (`--ndjson`).
 */
import {loadProfiles} from '../decide/load-profiles.js'
import type {Logger} from '../model/logger.js'
import {buildEngines} from './build-engines.js'
import {selectContent, type ContentRequest} from './content.js'
import {runScan, scanAlerts, type ScanOptions, type ScanResult} from './scan.js'

export {runScan, scanAlerts, scanExitCode} from './scan.js'
export type {ContentReport, ScanOptions, ScanResult, ScanProgress, ScanSummary, InputReport, SourceReport, AcquisitionMetric} from './scan.js'
export {resolveContent, selectContent, embeddedHub, embeddedCacheRoot, contentFromInstalled, EMBEDDED_COLLECTIONS} from './content.js'
export type {ScanContent, ContentSelection, ContentRequest, ContentOrigin} from './content.js'
export {buildEngines} from './build-engines.js'

export interface ScanRequest extends Omit<ScanOptions, 'engines' | 'profiles'>, ContentRequest {
  /** A profiles.yaml; default: CrowdSec's default profiles. */
  profilesFile?: string
  maxBuckets?: number
  logger?: Logger
}

/** Selects content, builds stages and profiles; every config problem is a CrowdError thrown before any input is read. */
export async function prepareScan(request: ScanRequest): Promise<ScanOptions> {
  const content = await selectContent(request)
  const simulation = request.simulation === undefined ? undefined : {simulation: request.simulation.simulation, exclusions: [...(request.simulation.exclusions ?? [])]}
  const engines = buildEngines(content, {logger: request.logger, maxBuckets: request.maxBuckets, simulation})
  const profiles = loadProfiles(request.profilesFile)
  const report = {origin: content.origin, collections: content.collections, parsers: content.parsers.length, scenarios: content.scenarios.length}
  return {...request, engines, profiles, content: report}
}

export async function scan(request: ScanRequest): Promise<ScanResult> {
  return runScan(await prepareScan(request))
}

export async function scanStream(request: ScanRequest): Promise<ReturnType<typeof scanAlerts>> {
  return scanAlerts(await prepareScan(request))
}
