/**
 * The agent side of participative CTI (notifications-and-cti.md §6-8), as the LAPI and the watch
 * run it: `startCtiAgent` is what `crowd lapi serve` (and `crowd watch` on the local store) start
 * beside the LAPI, handing it the alerts they store; `ctiStatus` is `crowd cti status`.
 */
import type {CtiAgentConfig} from '../../config/config.js'
import type {Logger} from '../../model/logger.js'
import type {Store} from '../../store/types.js'
import {CtiAgent, CAPI_ORIGIN, STATE} from './agent.js'
import {CapiClient} from './capi.js'
import {readCapiCredentials} from './credentials.js'

export {CtiAgent, communityPull, SIGNAL_BATCH, COMMUNITY_SCOPE, CAPI_ORIGIN, type PullResult, type PushResult} from './agent.js'
export {CapiClient, CapiError, capiRequest, registerWatcher, GZIP_OVER_BYTES} from './capi.js'
export {readCapiCredentials, writeCapiCredentials, generateMachineId, type CapiCredentials} from './credentials.js'
export {scenarioTrust, shareDecision, toSignal, type ScenarioTrust, type ShareOptions} from './signals.js'

/**
 * The CTI client of this configuration on `store`, started: undefined (and logged) when this LAPI
 * is not registered to a central API (no credentials file) or shares and pulls nothing.
 */
export function startCtiAgent(options: {config: CtiAgentConfig; store: Store; logger: Logger; version?: string; scenarios?: () => readonly string[]; loops?: boolean}): CtiAgent | undefined {
  const {config, logger} = options
  if (!config.sharing && !config.pull) {
    logger.info('cti: sharing and pulling are off ([cti] sharing = false, pull = false)')
    return undefined
  }
  const credentials = readCapiCredentials(config.credentials)
  if (credentials === undefined) {
    logger.info(`cti: not registered to a central API (no ${config.credentials}; crowd cti register URL): nothing is shared or pulled`)
    return undefined
  }
  const agent = new CtiAgent({store: options.store, config, credentials, logger, version: options.version, scenarios: options.scenarios})
  if (options.loops !== false) agent.start()
  logger.info(`cti: ${config.sharing ? 'sharing signals with' : 'not sharing with'} ${credentials.url}${config.pull ? ', pulling its community blocklist' : ''}`)
  return agent
}

export interface CtiStatus {
  registered: boolean
  credentials: string
  url?: string
  machine_id?: string
  sharing: boolean
  pull: boolean
  /** Whether a login works now (undefined when not tried: not registered, or `login: false`). */
  login?: {ok: boolean; error?: string; api?: 'v3' | 'v2'}
  queue: number
  pushed: number
  dropped: number
  last_push: string | null
  last_pull: string | null
  last_metrics: string | null
  last_error: string | null
  capi_decisions: number
}

const isoOf = (text: string | undefined): string | null => (text === undefined || !/^\d+$/.test(text) ? null : new Date(Number(text)).toISOString())

/** `crowd cti status`: the credentials, a login attempt, the queue, the last exchanges and the community decisions held. */
export async function ctiStatus(options: {config: CtiAgentConfig; store: Store; login?: boolean; now?: number; timeoutMs?: number}): Promise<CtiStatus> {
  const {config, store} = options
  const now = options.now ?? Date.now()
  const credentials = readCapiCredentials(config.credentials)
  const state = async (key: string): Promise<string | undefined> => store.ctiState(key)
  const status: CtiStatus = {
    registered: credentials !== undefined,
    credentials: config.credentials,
    sharing: config.sharing,
    pull: config.pull,
    queue: await store.countSignals(),
    pushed: Number((await state(STATE.pushed)) ?? '0'),
    dropped: Number((await state(STATE.dropped)) ?? '0'),
    last_push: isoOf(await state(STATE.lastPush)),
    last_pull: isoOf(await state(STATE.lastPull)),
    last_metrics: isoOf(await state(STATE.lastMetrics)),
    last_error: (await state(STATE.lastError)) ?? null,
    capi_decisions: (await store.activeDecisions({origins: [CAPI_ORIGIN]}, now)).length,
  }
  if (credentials !== undefined) {
    status.url = credentials.url
    status.machine_id = credentials.login
    if (options.login !== false) {
      const scenarios = async (): Promise<string[]> => {
        const names = new Set<string>()
        for (const m of await store.listMachines()) for (const s of m.scenarios.split(',')) if (s !== '') names.add(s)
        return [...names].sort()
      }
      const client = new CapiClient({credentials, store, scenarios, timeoutMs: options.timeoutMs ?? 10_000})
      try {
        await client.login()
        status.login = {ok: true, api: client.version}
      } catch (error) {
        status.login = {ok: false, error: (error as Error).message}
      }
    }
  }
  return status
}
