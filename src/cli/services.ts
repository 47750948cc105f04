/**
 * What commands open around their one library call: the configured store (machines, bouncers,
 * serve) or the alerts API (local store or remote LAPI), closed afterwards whatever happens, with
 * store and LAPI failures turned into CrowdErrors (exit code 4 or 5).
 */
import {Chalk} from 'chalk'
import type {Config} from '../config/config.js'
import type {Logger} from '../model/logger.js'
import {asCrowdError, openAlertsApi, openConfiguredStore, type AlertsApi} from '../lapi/client.js'
import type {Store} from '../store/types.js'
import * as os from 'node:os'

export async function withStore<T>(config: Config, fn: (store: Store) => Promise<T>): Promise<T> {
  const store = await openConfiguredStore(config)
  try {
    return await fn(store)
  } catch (error) {
    throw asCrowdError(error, `store ${store.location}`)
  } finally {
    await store.close()
  }
}

/** The machine name local commands act as (cscli writes "manual 'ban' from '<machine>'"). */
export function localMachineName(config: Config): string {
  return config.lapi.credentials?.machineId ?? os.hostname()
}

export async function withAlertsApi<T>(config: Config, logger: Logger, fn: (api: AlertsApi) => Promise<T>): Promise<T> {
  const api = await openAlertsApi(config, logger, localMachineName(config))
  try {
    return await fn(api)
  } catch (error) {
    throw asCrowdError(error, api.target)
  } finally {
    await api.close()
  }
}

/** Chalk for stdout: colour on a terminal only, never with --json. */
export function stdoutChalk(json: boolean): InstanceType<typeof Chalk> {
  return new Chalk({level: process.stdout.isTTY && !json ? 1 : 0})
}
