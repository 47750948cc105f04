/**
 * The pipeline façade for one-shot scans: `scan(options)` resolves the detection content
 * (hub dir + item names, or the installed hub), builds the stages, loads the profiles, and
 * runs the scan. `scanAlerts` is the streaming form (`--ndjson`).
 */
import {loadProfiles} from '../decide/load-profiles.js'
import {installedContent} from '../hub/index.js'
import {CrowdError} from '../model/errors.js'
import type {Logger} from '../model/logger.js'
import {buildEngines, contentFromInstalled} from './build-engines.js'
import {resolveContent, type ScanContent} from './content.js'
import {runScan, scanAlerts, type ScanOptions, type ScanResult} from './scan.js'

export {runScan, scanAlerts, scanExitCode} from './scan.js'
export type {ScanOptions, ScanResult, ScanProgress, ScanSummary, InputReport, SourceReport, AcquisitionMetric} from './scan.js'
export {resolveContent, type ScanContent, type ContentSelection} from './content.js'
export {buildEngines} from './build-engines.js'

export interface ScanRequest extends Omit<ScanOptions, 'engines' | 'profiles'> {
  /** A CrowdSec-layout hub directory and the items to use from it. */
  hubDir?: string
  collections?: readonly string[]
  parsers?: readonly string[]
  scenarios?: readonly string[]
  postoverflows?: readonly string[]
  /** The data dir of an installed hub (used when hubDir is not given). */
  dataDir?: string
  /** A profiles.yaml; default: CrowdSec's default profiles. */
  profilesFile?: string
  maxBuckets?: number
  logger?: Logger
}

/** Resolves content, builds stages and profiles; every config problem is a CrowdError thrown before any input is read. */
export function prepareScan(request: ScanRequest): ScanOptions {
  const content = selectContent(request)
  const simulation = request.simulation === undefined ? undefined : {simulation: request.simulation.simulation, exclusions: [...(request.simulation.exclusions ?? [])]}
  const engines = buildEngines(content, {logger: request.logger, maxBuckets: request.maxBuckets, simulation})
  const profiles = loadProfiles(request.profilesFile)
  return {...request, engines, profiles}
}

export async function scan(request: ScanRequest): Promise<ScanResult> {
  return runScan(prepareScan(request))
}

export function scanStream(request: ScanRequest): ReturnType<typeof scanAlerts> {
  return scanAlerts(prepareScan(request))
}

function selectContent(request: ScanRequest): ScanContent {
  const named = [request.collections, request.parsers, request.scenarios, request.postoverflows].some((l) => (l?.length ?? 0) > 0)
  if (request.hubDir !== undefined) {
    if (!named) throw new CrowdError('usage', '--hub needs at least one --collection, --parser or --scenario')
    return resolveContent({hubDir: request.hubDir, collections: request.collections, parsers: request.parsers, scenarios: request.scenarios, postoverflows: request.postoverflows})
  }
  if (named) throw new CrowdError('usage', '--collection, --parser and --scenario select items of a hub directory: give it with --hub DIR')
  if (request.dataDir === undefined) throw new CrowdError('usage', 'no detection content: install hub items (crowd hub install) or use --hub DIR with --collection/--parser/--scenario')
  const installed = installedContent(request.dataDir)
  if (installed.parsers.length === 0 && installed.scenarios.length === 0) {
    throw new CrowdError('usage', 'no detection content installed: run `crowd hub install ...`, or use --hub DIR with --collection/--parser/--scenario')
  }
  return contentFromInstalled(installed)
}
