/**
 * Bouncer packages installed from the hub, run in the sandbox. A configuration's `type: NAME`
 * (default: the configuration's name) is run by the installed package of type bouncer called
 * `AUTHOR/bouncer-NAME` or whose manifest `serves` NAME; none or several is a configuration error.
 *
 * As for notifications (src/outputs/notifications/plugins.ts): the package is refused when its
 * recorded grant does not cover what its installed manifest asks, or its files were changed;
 * its permissions are resolved against the configuration (`{config = "api_url"}`), the keys its
 * manifest declares as secrets are handed over for `host.secret(key)` only, and the plugin's
 * `apply(batch, options, host)` gets the configuration's other keys as `options` (`api_key` is
 * never among them: the runner polls the LAPI, the plugin has no use for its key).
 */
import {installedPlugins, type InstalledPlugin} from '../../hub/plugins.js'
import {CrowdError} from '../../model/errors.js'
import type {Logger} from '../../model/logger.js'
import {resolvePermissions, SandboxError, SandboxPool, type SandboxOptions} from '../../sandbox/index.js'
import {blocklistBouncer} from './blocklist.js'
import type {BouncerConfig} from './config.js'
import type {DecisionBatch} from './decisions.js'

/** Default deadline of one `apply` call (a chunk of 10,000 decisions through a firewall command). */
export const APPLY_DEADLINE_MS = 30_000

/** The installed bouncer packages that may run configuration type `type`. */
export function packagesFor(plugins: readonly InstalledPlugin[], type: string): InstalledPlugin[] {
  return plugins.filter((p) => p.name.endsWith(`/bouncer-${type}`) || p.serves.includes(type))
}

/** The one installed bouncer package running `config`, checked (grant covers it, not tainted). */
export function bouncerPackage(dataDir: string, config: BouncerConfig): InstalledPlugin {
  const plugins = installedPlugins(dataDir, 'bouncer')
  const found = packagesFor(plugins, config.type)
  const where = {file: config.file, line: config.keyLines.type}
  if (found.length === 0) {
    const installed = plugins.length === 0 ? 'no bouncer package is installed' : `installed: ${plugins.map((p) => p.name).join(', ')}`
    throw new CrowdError('config', `bouncer '${config.name}': no installed bouncer package runs type "${config.type}" (${installed}); install one with crowd hub install`, where)
  }
  if (found.length > 1) throw new CrowdError('config', `bouncer type "${config.type}" is run by several installed packages: ${found.map((p) => p.name).join(', ')}; remove all but one (crowd hub remove NAME)`, where)
  const plugin = found[0]!
  if (!plugin.covered) throw new CrowdError('config', `${plugin.name} asks for permissions that were not granted (installed before grants were recorded, or its manifest changed since): crowd hub install --force ${plugin.name}`, where)
  if (plugin.tainted) throw new CrowdError('config', `${plugin.name} was changed after it was installed: crowd hub install --force ${plugin.name} restores it`, where)
  return plugin
}

export interface SandboxedBouncerOptions {
  dataDir: string
  logger?: Logger
  /** Sandbox settings (tests: smaller limits). */
  sandbox?: SandboxOptions
  /** Deadline of one apply call (default APPLY_DEADLINE_MS). */
  deadlineMs?: number
}

/** What the runner calls: applies one batch, returns the plugin's stats. */
export interface BouncerPlugin {
  /** The package's name (`author/name`). */
  readonly packageName: string
  /**
   * `changes`: each apply gets what changed (a startup batch first, and after a failure).
   * `full`: each apply is a startup batch with every decision, never cut in chunks (targets
   * rewritten whole: an nginx map, a Cloudflare list), at most once per `apply_interval`.
   */
  readonly batches: 'changes' | 'full'
  apply(batch: DecisionBatch): Promise<Record<string, unknown>>
  /**
   * Optional (`changes` plugins): makes the target ready without removing anything and returns
   * the values it enforces now (canonical, as Decision.value). The runner then brings a startup
   * that does not fit in one chunk as deletions of what should not be there, then additions,
   * so nothing banned passes meanwhile. Undefined: the plugin has no `resync`.
   */
  resync?(): Promise<string[] | undefined>
  close(): Promise<void>
}

/** The configuration's package registered in its own sandbox pool. Throws CrowdErrors ('config') when it cannot run. */
export function sandboxedBouncer(config: BouncerConfig, options: SandboxedBouncerOptions): BouncerPlugin {
  const plugin = bouncerPackage(options.dataDir, config)
  if (plugin.builtin === 'blocklist') return blocklistBouncer(config, plugin, options)
  const file = config.file ?? `${config.name} (no configuration file: defaults)`
  const permissions = resolvePermissions(plugin.permissions, config.values, file)
  const secrets: Record<string, string> = {}
  const settings: Record<string, unknown> = {}
  for (const [key, value] of Object.entries(config.values)) {
    if (permissions.secrets.includes(key)) {
      if (value !== undefined && value !== null) secrets[key] = String(value)
    } else if (key !== 'api_key') {
      settings[key] = value
    }
  }
  // what the runner resolved (defaults included), for plugins that want them
  settings.name = config.name
  settings.type = config.type
  if (permissions.secrets.includes('api_key') && secrets.api_key === undefined && config.apiKey !== '') secrets.api_key = config.apiKey
  // a resync lists a whole firewall set (about 60 bytes per element); a full batch carries every decision
  const pool = new SandboxPool({size: 1, logger: options.logger, deadlineMs: options.deadlineMs ?? APPLY_DEADLINE_MS, maxQueue: 4, maxMessageBytes: 128 * 1024 * 1024, exec: {timeoutMs: APPLY_DEADLINE_MS, maxOutputBytes: 128 * 1024 * 1024}, ...options.sandbox})
  const id = `${plugin.name}#${config.name}`
  pool.register({id, code: plugin.code, filename: plugin.main, permissions, secrets})
  let hasResync = true
  return {
    packageName: plugin.name,
    batches: plugin.batches ?? 'changes',
    async apply(batch) {
      const result = await pool.call(id, 'apply', [batch, settings])
      return result !== null && typeof result === 'object' && !Array.isArray(result) ? (result as Record<string, unknown>) : {result: result ?? null}
    },
    async resync() {
      if (!hasResync) return undefined
      let result: unknown
      try {
        result = await pool.call(id, 'resync', [settings])
      } catch (error) {
        if (error instanceof SandboxError && error.kind === 'unknown') {
          hasResync = false
          return undefined
        }
        throw error
      }
      const values = (result as {values?: unknown} | null)?.values
      if (!Array.isArray(values) || values.some((v) => typeof v !== 'string')) throw new CrowdError('plugin', `${plugin.name}: resync must return {values: [strings]}`, {file: plugin.main})
      return values as string[]
    },
    close: () => pool.close(),
  }
}
