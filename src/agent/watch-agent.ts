/**
 * The watching agent put together from its configuration: sources (arguments, `[[watch.sources]]`,
 * acquis.yaml), detection content, the sink (local store or remote LAPI), and the Prometheus
 * endpoint. `crowd watch` is this plus signals and output; SIGHUP calls `reload`, which reads
 * everything again and swaps it in without losing buckets. This folder joins building blocks
 * that do not know each other (pipeline, lapi, metrics), so each stays usable on its own.
 */
import {hostname} from 'node:os'
import {splitInputType} from '../acquisition/registry.js'
import type {Config} from '../config/config.js'
import {openAgentSink, StoreAgentSink, type AgentSinkLike} from '../lapi/agent-sink.js'
import type {LapiCompanion} from '../lapi/server.js'
import type {Store} from '../store/types.js'
import {writeFileAtomic} from '../platform/files.js'
import {CrowdError} from '../model/errors.js'
import type {Logger} from '../model/logger.js'
import {prepareContent, sharesParserState, type ContentRequest, type ParseWorkerSetting, type PreparedContent, type WorkerLogLevel} from '../pipeline/index.js'
import {startWatch, type WatchParseWorkerContent, type WatchRun} from '../pipeline/watch.js'
import {planWatchParseWorker} from '../pipeline/watch-parse.js'
import type {WatchSourceSpec} from '../pipeline/watch-sources.js'
import {acquisSources, configSources} from './watch-sources-config.js'
import {figuresFile, startMetricsServer, watchFigures, type MetricsServer} from './watch-metrics.js'
import {saveFigures} from '../metrics/figures.js'
import {installedDeliverers, startNotifications, type NotificationDispatcher, type NotifierResolver} from '../outputs/notifications/index.js'
import {prepareWatchBouncers, type WatchBouncers} from './watch-bouncers.js'

export interface WatchCommandRequest {
  config: Config
  /** INPUT[:TYPE] arguments. */
  inputs: readonly string[]
  once?: boolean
  fromEnd?: boolean
  /** acquis.yaml or acquis.d (default: `[watch] acquis`). */
  acquis?: string
  /** Log type of inputs without their own. */
  type?: string
  content: Omit<ContentRequest, 'dataDir'>
  profiles?: string
  simulation?: boolean
  metricsListen?: string
  maxLineBytes?: number
  /** Parse in a worker thread: auto (following, not --once, on 2+ cores), 1, 0 (see planWatchParseWorker). */
  parseWorkers?: ParseWorkerSetting
  /** The logger's level: the parse worker sends only logs at this level or above. */
  logLevel?: WorkerLogLevel
  logger: Logger
  /** crowd's version, for the metrics' cs_info. */
  version?: string
  /** Who delivers each notification type (default: the installed notification plugins). */
  deliverers?: NotifierResolver
  /** Bouncers to run besides `[watch] bouncers` (`--bouncer NAME`). */
  bouncers?: readonly string[]
  /** Run beside the watch when it writes to the local store, given the alerts it stores (the CTI client: src/cti/client). */
  companion?: (context: {store: Store; machineId: string; scenarios: readonly string[]}) => Promise<LapiCompanion | undefined>
}

export interface PreparedWatch {
  readonly sources: readonly WatchSourceSpec[]
  start(): Promise<WatchRun>
  /** Reads sources, content and profiles again and swaps them into the running watch. */
  reload(request: WatchCommandRequest): Promise<{restored: number; dropped: number}>
  /** Bouncers run by this watch (`[watch] bouncers` and --bouncer). */
  readonly bouncers: readonly string[]
  /**
   * Stops the metrics endpoint and the bouncers (a cron run syncs them once first), writes the
   * run's figures (cron mode), closes the sink. Returns the bouncers that could not enforce.
   */
  close(): Promise<{bouncersFailed: string[]}>
}

/** Every source of a request, in order: arguments, then `[[watch.sources]]`, then the acquis file(s). */
export function watchSources(request: Pick<WatchCommandRequest, 'config' | 'inputs' | 'acquis' | 'type'>): WatchSourceSpec[] {
  const specs: WatchSourceSpec[] = []
  const inputs = request.inputs.map((arg) => splitInputType(arg))
  if (inputs.filter((i) => i.input === '-').length > 1) throw new CrowdError('usage', 'stdin (-) can be given only once')
  for (const input of inputs) {
    const labels = Object.create(null) as Record<string, string>
    const type = input.type ?? request.type
    if (type !== undefined) labels.type = type
    specs.push(input.input === '-' ? {kind: 'stdin', labels} : {kind: 'file', paths: [input.input], labels, origin: 'argument'})
  }
  specs.push(...configSources(request.config.watch.sources, request.config.file))
  const acquis = request.acquis ?? request.config.watch.acquis
  if (acquis !== undefined) specs.push(...acquisSources(acquis))
  if (specs.length === 0) throw new CrowdError('usage', 'nothing to watch: give INPUT[:TYPE] arguments, --acquis FILE|DIR, or [[watch.sources]] in crowd.toml')
  return specs
}

/** The parse worker of a request (undefined: parse in the loop's thread), logged at debug level. */
function parseWorkerFor(request: WatchCommandRequest, prepared: PreparedContent): WatchParseWorkerContent | undefined {
  const setting = request.parseWorkers ?? 'auto'
  // a cron run reads a few minutes of log: a second compile of the content would cost more than it saves
  if (setting === 'auto' && request.once === true) return undefined
  const plan = planWatchParseWorker(setting, sharesParserState(prepared.content, request.profiles ?? request.config.lapi.profiles))
  request.logger.debug(plan.note)
  return plan.use ? {content: prepared.content, logLevel: request.logLevel} : undefined
}

export async function prepareWatch(request: WatchCommandRequest): Promise<PreparedWatch> {
  const {config, logger} = request
  const sources = watchSources(request)
  const content = await prepareContent({...request.content, dataDir: config.dataDir, simulation: request.simulation ? {simulation: true} : undefined, logger})
  const sink: AgentSinkLike = await openAgentSink(config, logger, {name: config.watch.name, profiles: request.profiles})
  // on the local store this agent is its own LAPI: it notifies (with a remote LAPI, that LAPI does)
  let notifications: NotificationDispatcher | undefined
  if (sink instanceof StoreAgentSink) {
    try {
      notifications = await startNotifications({
        dirs: config.notifications.dirs, profiles: sink.profiles, store: sink.store, owner: `${hostname()}/${sink.stateName}`, logger,
        resolver: request.deliverers ?? (await installedDeliverers({dataDir: config.dataDir, logger})),
      })
    } catch (error) {
      await sink.close()
      throw error
    }
    sink.useNotifications(notifications)
  }
  let companion: LapiCompanion | undefined
  if (sink instanceof StoreAgentSink && request.companion !== undefined) {
    try {
      companion = await request.companion({store: sink.store, machineId: sink.machineId, scenarios: [...new Set(content.stages.scenarios.map((s) => s.name))].sort()})
    } catch (error) {
      await notifications?.close()
      await sink.close()
      throw error
    }
    sink.useAlertsHook(companion?.onAlertsStored)
  }
  let bouncers: WatchBouncers
  try {
    bouncers = prepareWatchBouncers({
      names: [...config.watch.bouncers, ...(request.bouncers ?? [])], config, logger, once: request.once === true,
      ...(sink instanceof StoreAgentSink ? {store: sink.store} : {}),
    })
  } catch (error) {
    await companion?.close()
    await notifications?.close()
    await sink.close()
    throw error
  }
  let run: WatchRun | undefined
  let metrics: MetricsServer | undefined
  const once = request.once === true
  return {
    sources,
    bouncers: bouncers.names,
    async start() {
      // decisions already in the store are enforced from the start
      bouncers.start()
      run = await startWatch({
        sources,
        stages: content.stages,
        contentBundle: content.bundle,
        sink,
        once,
        fromEnd: request.fromEnd,
        maxBuckets: config.detect.maxBucketsPerScenario,
        maxLineBytes: request.maxLineBytes ?? config.acquisition.maxLineBytes,
        simulation: request.simulation ? {simulation: true} : undefined,
        pollMs: config.watch.pollMs,
        closeRotatedAfterMs: config.watch.closeRotatedAfterMs,
        maxQueueLines: config.watch.maxQueueLines,
        parseWorker: parseWorkerFor(request, content),
        logger,
      })
      const listen = request.metricsListen ?? config.watch.metricsListen
      if (listen !== undefined && !once) {
        const current = run
        metrics = await startMetricsServer({listen, figures: () => watchFigures(current.figures()), logger, version: request.version}).catch(async (error: unknown) => {
          await current.stop()
          throw error
        })
        logger.info(`metrics: http://${metrics.address}/metrics`)
      }
      return run
    },
    async reload(next) {
      if (run === undefined) throw new CrowdError('usage', 'the watch is not running')
      const nextSources = watchSources(next)
      const nextContent = await prepareContent({...next.content, dataDir: next.config.dataDir, simulation: next.simulation ? {simulation: true} : undefined, logger})
      if (sink instanceof StoreAgentSink) sink.useProfiles(next.profiles ?? next.config.lapi.profiles, logger)
      return run.reload({stages: nextContent.stages, contentBundle: nextContent.bundle, sources: nextSources, parseWorker: parseWorkerFor({...next, once}, nextContent)})
    },
    async close() {
      await metrics?.close()
      // a cron run's decisions are committed by now: each bouncer syncs them once
      const bouncersFailed = await bouncers.close()
      await notifications?.close()
      await companion?.close()
      if (run !== undefined && once) {
        // the figures of this run, for `crowd metrics` (there is no endpoint to ask between cron runs)
        try {
          saveFigures(figuresFile(config.dataDir), watchFigures(run.figures()))
        } catch (error) {
          logger.warn(`cannot save the run's figures: ${(error as Error).message}`)
        }
      }
      await sink.close()
      return {bouncersFailed}
    },
  }
}
