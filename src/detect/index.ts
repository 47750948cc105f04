/**
 * The detect stage façade: scenario files -> compiled scenarios -> a Detector that turns
 * parsed events into overflow events (CrowdSec's leaky-bucket engine, scenarios.md).
 *
 *   const {scenarios, errors} = loadScenarios(['scenarios/'], {dataDir})
 *   const detector = createDetector(scenarios, {mode: 'replay'})
 *   detector.onOverflow((evt) => ...)   // evt.Type === 1, evt.Overflow is a RuntimeAlert
 *   for (const evt of parsed) detector.pour(evt)
 *   detector.flush()                    // end of input: open buckets die silently
 */
import {compileExpr, SharedMemo, type Program} from '../expr/index.js'
import {CrowdError} from '../model/errors.js'
import {silentLogger, type Logger} from '../model/logger.js'
import {compileScenario, type CompileContext, type CompiledScenario} from './compile.js'
import {Detector, type DetectorOptions} from './detector.js'
import {planSharedFilters} from './filter-share.js'
import {listScenarioFiles, loadScenarioFile} from './load.js'
import {attachPrefilters} from './prefilter.js'
import type {AlertContext} from './overflow.js'

export {Detector, type DetectorOptions, type OverflowListener, type PourHints} from './detector.js'
export type {PourPreview, PreviewedEvent} from '../model/event-wire.js'
export {ALL_KEYS, type EventKeyNeeds, type KeyNeeds} from './event-fields.js'
export type {CompiledScenario, CompileContext, HubIndexLike} from './compile.js'
export type {DetectorMetrics, ScenarioMetrics} from './metrics.js'
export type {AlertContext} from './overflow.js'
export {scenarioIdentity, SNAPSHOT_ROWS_VERSION, SNAPSHOT_VERSION, type BucketRow, type DetectorSnapshot, type RestoreReport, type SnapshotHeader, type SnapshotRows} from './snapshot.js'
export type {SnapshotChanges} from './snapshot-rows.js'
export {compileScenario} from './compile.js'
export {readHubIndex, hubIndexOf, hubIndexFor} from './hub-index.js'
export {loadScenarioFile, listScenarioFiles} from './load.js'

export interface LoadScenariosContext extends CompileContext {
  logger?: Logger
  /** In-memory file contents by path (tests, hub installs that never touch disk). */
  contents?: Record<string, string>
  /** Evaluate pure sub-expressions common to several scenario filters once per event (default true). */
  shareSubexpressions?: boolean
  /** Give scenario filters a literal prefilter (prefilter.ts; default true). */
  prefilter?: boolean
}

export interface LoadScenariosResult {
  scenarios: CompiledScenario[]
  /** One entry per file that failed to load (the file is skipped) and per skipped document. */
  errors: CrowdError[]
  /** Documents skipped because of their format version (not fatal in CrowdSec). */
  skipped: {file: string; docIndex: number; reason: string}[]
  files: string[]
}

/**
 * Loads scenario files (or directories of them, searched recursively in byte-wise order).
 * An invalid file is reported in `errors` and skipped as a whole; the others still load.
 */
export function loadScenarios(paths: string | string[], ctx: LoadScenariosContext = {}): LoadScenariosResult {
  const logger = ctx.logger ?? silentLogger
  const list = Array.isArray(paths) ? paths : [paths]
  const result: LoadScenariosResult = {scenarios: [], errors: [], skipped: [], files: []}
  let files: string[]
  try {
    files = ctx.contents ? list : listScenarioFiles(list)
  } catch (e) {
    result.errors.push(new CrowdError('scenario', `cannot list scenarios: ${(e as Error).message}`))
    return result
  }
  const memo = ctx.shareSubexpressions === false ? undefined : (ctx.memo ?? new SharedMemo())
  const compileCtx: CompileContext = {warn: (m) => logger.warn(m), ...ctx, memo}
  for (const file of files) {
    result.files.push(file)
    try {
      const loaded = loadScenarioFile(file, ctx.contents?.[file])
      for (const s of loaded.skipped) {
        result.skipped.push({file, ...s})
        logger.error(`${file}: document ${s.docIndex + 1} skipped: ${s.reason}`)
      }
      const compiled: CompiledScenario[] = []
      for (const doc of loaded.documents) compiled.push(compileScenario(doc, result.scenarios.length + compiled.length, compileCtx))
      result.scenarios.push(...compiled)
    } catch (e) {
      const err = e instanceof CrowdError ? e : new CrowdError('scenario', (e as Error).message, {file})
      result.errors.push(err)
      logger.error(`scenario file skipped: ${err.message}`)
    }
  }
  result.scenarios = planSharedFilters(result.scenarios, {helpers: ctx.helpers, memo})
  if (ctx.prefilter !== false) result.scenarios = attachPrefilters(result.scenarios, {helpers: ctx.helpers, memo})
  return result
}

export function createDetector(scenarios: readonly CompiledScenario[], options: DetectorOptions = {}): Detector {
  return new Detector(scenarios, options)
}

/**
 * Compiles alert context expressions (console/context.yaml `key: [expr, ...]`, plus hub
 * contexts items) for DetectorOptions.context (scenarios.md §13.4). Errors name the key.
 */
export function compileAlertContext(context: Record<string, string[]>, ctx: {helpers?: CompileContext['helpers']; file?: string} = {}): AlertContext {
  const out: {key: string; programs: Program[]}[] = []
  for (const key of Object.keys(context)) {
    const programs = (context[key] ?? []).map((source) => {
      try {
        return compileExpr(source, {env: 'event', helpers: ctx.helpers, location: {file: ctx.file}})
      } catch (e) {
        throw new CrowdError('scenario', `alert context ${key}: ${(e as Error).message}`, {file: ctx.file})
      }
    })
    out.push({key, programs})
  }
  return out
}
