/**
 * Bouncers run inside `crowd watch` (`--bouncer NAME` or `[watch] bouncers`): the same
 * BouncerRunner and sandboxed package as `crowd bouncer run NAME`, fed straight from the store
 * when the watch writes to the local one (no HTTP, no API key), else from the LAPI the bouncer's
 * configuration names. A daemon polls every update_frequency until the watch stops; a cron run
 * (--once) syncs each bouncer once, after its lines were committed, so the run's decisions are
 * enforced before it exits.
 */
import type {Config} from '../config/config.js'
import type {Logger} from '../model/logger.js'
import {BouncerRunner, loadBouncerConfig, sandboxedBouncer, type BouncerPlugin} from '../outputs/bouncers/index.js'
import {storeDecisionSource} from '../outputs/bouncers/store-source.js'
import type {Store} from '../store/index.js'

export interface WatchBouncers {
  readonly names: readonly string[]
  /** Daemon: starts polling. */
  start(): void
  /** Stops polling (daemon) or syncs once (cron), then closes the packages' sandboxes; the names of those that failed. */
  close(): Promise<string[]>
}

export interface WatchBouncersOptions {
  names: readonly string[]
  config: Config
  /** The local store the watch writes to; absent: each bouncer polls its configuration's LAPI. */
  store?: Store
  once: boolean
  logger: Logger
}

/** Loads every named bouncer (a configuration or package error throws before anything runs). */
export function prepareWatchBouncers(options: WatchBouncersOptions): WatchBouncers {
  const {config, logger} = options
  const started: {runner: BouncerRunner; plugin: BouncerPlugin; name: string}[] = []
  try {
    for (const name of new Set(options.names)) {
      const bc = loadBouncerConfig(config.bouncers.dirs, name)
      const plugin = sandboxedBouncer(bc, {dataDir: config.dataDir, logger})
      const source = options.store === undefined ? undefined : storeDecisionSource(options.store, bc.filters)
      started.push({name, plugin, runner: new BouncerRunner({config: bc, plugin, dataDir: config.dataDir, logger, ...(source === undefined ? {} : {source})})})
    }
  } catch (error) {
    for (const s of started) void s.plugin.close()
    throw error
  }
  const abort = new AbortController()
  let loops: Promise<void>[] = []
  return {
    names: started.map((s) => s.name),
    start() {
      if (options.once || loops.length > 0) return
      loops = started.map((s) => s.runner.run(abort.signal))
      for (const s of started) logger.info(`bouncer ${s.name}: ${s.plugin.packageName} enforcing decisions from ${options.store === undefined ? s.runner.status.apiUrl : 'the local store'}`)
    },
    async close() {
      const failed: string[] = []
      if (options.once) {
        for (const s of started) if (!(await s.runner.syncOnce())) failed.push(s.name)
      } else {
        abort.abort()
        await Promise.all(loops)
        for (const s of started) if (s.runner.status.lastError !== null && !s.runner.status.inSync) failed.push(s.name)
      }
      await Promise.all(started.map((s) => s.plugin.close()))
      return failed
    },
  }
}
