/**
 * Bouncers (issue 17, runtime side): hub packages of type `bouncer` run in the sandbox, fed the
 * LAPI decision stream by a BouncerRunner (`crowd bouncer run NAME`). Configurations are
 * CrowdSec's bouncer files (`bouncers/NAME.yaml`, config.ts); the decision handling every
 * bouncer shares is decisions.ts; the plugin contract is `apply(batch, options, host)` (README).
 */
import {installedPlugins} from '../../hub/plugins.js'
import {loadBouncerConfigs, type BouncerConfig} from './config.js'
import {packagesFor} from './plugins.js'
import {readStatus, type BouncerStatus} from './runner.js'

export {bouncerFiles, DEFAULT_API_URL, DEFAULT_UPDATE_FREQUENCY_MS, loadBouncerConfig, loadBouncerConfigs, parseBouncerConfig, type BouncerConfig, type LoadBouncerOptions} from './config.js'
export {chunkBatch, DecisionState, DEFAULT_FILTERS, emptyCounts, normaliseScope, normaliseValue, readStreamDecision} from './decisions.js'
export type {Decision, DecisionBatch, DecisionFilters, DecisionScope, StreamAnswer, StreamCounts, StreamDecision} from './decisions.js'
export {APPLY_DEADLINE_MS, bouncerPackage, packagesFor, sandboxedBouncer, type BouncerPlugin, type SandboxedBouncerOptions} from './plugins.js'
export {readStreamText} from './stream.js'
export {BouncerRunner, DEFAULT_CHUNK_SIZE, readStatus, statusFile, type BouncerRunnerOptions, type BouncerStatus, type DecisionSource} from './runner.js'

export interface BouncerSummary {
  name: string
  file: string
  type: string
  /** The installed package that runs it; null when none (or several: see `state`). */
  package: string | null
  /** ready: it can run; then why it cannot. */
  state: 'ready' | 'no package' | 'several packages' | 'not granted' | 'tainted'
  apiUrl: string
  updateFrequencyMs: number
  /** From its status file: the last sync, or null. */
  lastSync: string | null
}

export interface BouncersListResult {
  directories: string[]
  bouncers: BouncerSummary[]
}

/** The configurations of `dirs` with the package each would run and whether it may. */
export function listBouncers(dirs: readonly string[], dataDir: string): BouncersListResult {
  const configs = loadBouncerConfigs(dirs)
  const plugins = installedPlugins(dataDir, 'bouncer')
  return {
    directories: [...dirs],
    bouncers: configs.map((c: BouncerConfig) => {
      const found = packagesFor(plugins, c.type)
      const p = found.length === 1 ? found[0]! : undefined
      const state: BouncerSummary['state'] = found.length === 0 ? 'no package' : found.length > 1 ? 'several packages' : !p!.covered ? 'not granted' : p!.tainted ? 'tainted' : 'ready'
      const status: BouncerStatus | undefined = readStatus(dataDir, c.name)
      return {name: c.name, file: c.file ?? '', type: c.type, package: p?.name ?? null, state, apiUrl: c.apiUrl, updateFrequencyMs: c.updateFrequencyMs, lastSync: status?.lastSync ?? null}
    }),
  }
}
