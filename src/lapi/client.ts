/**
 * What the commands use to reach alerts and decisions: the local store directly (`LocalApi`, the
 * same LapiOperations the server runs) when no remote LAPI is configured, or a remote LAPI over
 * HTTP with machine credentials (`RemoteApi`: login for a JWT, re-login once on 401, as CrowdSec's
 * client does). Both speak the LAPI's query language and JSON, so commands are written once.
 */
import * as os from 'node:os'
import got, {type Method} from 'got'
import type {Config} from '../config/config.js'
import {CrowdError} from '../model/errors.js'
import type {Logger} from '../model/logger.js'
import {openStore, storeLocation} from '../store/open.js'
import type {Store} from '../store/types.js'
import {StoreError} from '../store/types.js'
import {LapiOperations} from './operations.js'
import {LapiProfiles} from './profiles.js'
import {ApiError} from './wire.js'

export type AlertJson = Record<string, unknown>

export interface AlertsApi {
  /** `local store <file>` or the LAPI URL. */
  readonly target: string
  listAlerts(query: URLSearchParams): Promise<AlertJson[]>
  getAlert(id: string): Promise<AlertJson>
  deleteAlerts(query: URLSearchParams): Promise<number>
  deleteAlert(id: string): Promise<number>
  /** Posts alerts (LAPI shape); returns their ids. */
  postAlerts(alerts: readonly unknown[]): Promise<string[]>
  deleteDecisions(query: URLSearchParams): Promise<number>
  deleteDecision(id: string): Promise<number>
  close(): Promise<void>
}

/** A store or LAPI failure as the CLI reports it (exit code 4, or 5 for what does not exist). */
export function asCrowdError(error: unknown, target: string): unknown {
  if (error instanceof StoreError) return new CrowdError(error.kind === 'not-found' ? 'not-found' : 'store', `${target}: ${error.message}`)
  if (error instanceof ApiError) {
    if (error.status === 404 || /not found|doesn't exist/.test(error.message)) return new CrowdError('not-found', error.message)
    if (error.status === 400 || error.status === 422) return new CrowdError('usage', error.message)
    return new CrowdError('lapi', `${target}: ${error.status} ${error.message}`)
  }
  return error
}

export class LocalApi implements AlertsApi {
  readonly target: string
  constructor(readonly store: Store, readonly ops: LapiOperations, readonly machineId: string) {
    this.target = `local store ${store.location}`
  }

  #call<T>(fn: () => Promise<T>): Promise<T> {
    return fn().catch((error: unknown) => {
      throw asCrowdError(error, this.target)
    })
  }

  listAlerts(query: URLSearchParams): Promise<AlertJson[]> {
    return this.#call(async () => (await this.ops.listAlerts(query)) ?? [])
  }
  getAlert(id: string): Promise<AlertJson> {
    return this.#call(() => this.ops.getAlert(id))
  }
  deleteAlerts(query: URLSearchParams): Promise<number> {
    return this.#call(async () => Number((await this.ops.deleteAlerts(query)).nbDeleted))
  }
  deleteAlert(id: string): Promise<number> {
    return this.#call(async () => Number((await this.ops.deleteAlert(id)).nbDeleted))
  }
  postAlerts(alerts: readonly unknown[]): Promise<string[]> {
    return this.#call(async () => (await this.ops.postAlerts(alerts, this.machineId)).ids)
  }
  deleteDecisions(query: URLSearchParams): Promise<number> {
    return this.#call(async () => Number((await this.ops.deleteDecisions(query)).nbDeleted))
  }
  deleteDecision(id: string): Promise<number> {
    return this.#call(async () => Number((await this.ops.deleteDecision(id)).nbDeleted))
  }
  close(): Promise<void> {
    return this.store.close()
  }
}

export interface RemoteCredentials {
  url: string
  machineId: string
  password: string
}

/** The User-Agent crowd sends: `crowd/<version>` (a LAPI refuses logins whose UA is not `name/version`). */
export const USER_AGENT = 'crowd/v0.1.0'

export class RemoteApi implements AlertsApi {
  readonly target: string
  #token: string | undefined
  readonly #base: string

  constructor(readonly credentials: RemoteCredentials, readonly timeoutMs = 30_000) {
    this.#base = credentials.url.endsWith('/') ? credentials.url : credentials.url + '/'
    this.target = this.#base
  }

  async #send(method: Method, path: string, options: {query?: URLSearchParams; json?: unknown; auth?: boolean} = {}): Promise<{status: number; body: unknown}> {
    const url = new URL(path, this.#base)
    if (options.query !== undefined) url.search = options.query.toString()
    let response
    try {
      response = await got(url, {
        method,
        json: options.json,
        headers: {'User-Agent': USER_AGENT, ...(this.#token !== undefined && options.auth !== false ? {Authorization: `Bearer ${this.#token}`} : {})},
        throwHttpErrors: false,
        retry: {limit: 0},
        timeout: {request: this.timeoutMs},
        responseType: 'text',
      })
    } catch (error) {
      throw new CrowdError('lapi', `cannot reach the Local API at ${this.#base}: ${(error as Error).message}`)
    }
    let body: unknown = null
    if (response.body !== '') {
      try {
        body = JSON.parse(response.body) as unknown
      } catch {
        body = response.body
      }
    }
    return {status: response.statusCode, body}
  }

  /** Logs in (POST /v1/watchers/login); returns the token's expiry. */
  async login(): Promise<string> {
    const {status, body} = await this.#send('POST', 'v1/watchers/login', {json: {machine_id: this.credentials.machineId, password: this.credentials.password, scenarios: []}, auth: false})
    const b = body as {token?: string; expire?: string; message?: string}
    if (status !== 200 || typeof b?.token !== 'string') throw new CrowdError('lapi', `login to ${this.#base} as '${this.credentials.machineId}' failed: ${status} ${b?.message ?? ''}`.trim())
    this.#token = b.token
    return b.expire ?? ''
  }

  async #authed(method: Method, path: string, options: {query?: URLSearchParams; json?: unknown} = {}): Promise<unknown> {
    if (this.#token === undefined) await this.login()
    let r = await this.#send(method, path, options)
    if (r.status === 401) {
      await this.login()
      r = await this.#send(method, path, options)
    }
    if (r.status >= 400) {
      const message = (r.body as {message?: string} | null)?.message ?? String(r.body ?? '')
      throw asCrowdError(new ApiError(r.status, message), this.target)
    }
    return r.body
  }

  async listAlerts(query: URLSearchParams): Promise<AlertJson[]> {
    return ((await this.#authed('GET', 'v1/alerts', {query})) as AlertJson[] | null) ?? []
  }
  async getAlert(id: string): Promise<AlertJson> {
    return (await this.#authed('GET', `v1/alerts/${encodeURIComponent(id)}`)) as AlertJson
  }
  async deleteAlerts(query: URLSearchParams): Promise<number> {
    return Number(((await this.#authed('DELETE', 'v1/alerts', {query})) as {nbDeleted: string}).nbDeleted)
  }
  async deleteAlert(id: string): Promise<number> {
    return Number(((await this.#authed('DELETE', `v1/alerts/${encodeURIComponent(id)}`)) as {nbDeleted: string}).nbDeleted)
  }
  async postAlerts(alerts: readonly unknown[]): Promise<string[]> {
    return (await this.#authed('POST', 'v1/alerts', {json: alerts})) as string[]
  }
  async deleteDecisions(query: URLSearchParams): Promise<number> {
    return Number(((await this.#authed('DELETE', 'v1/decisions', {query})) as {nbDeleted: string}).nbDeleted)
  }
  async deleteDecision(id: string): Promise<number> {
    return Number(((await this.#authed('DELETE', `v1/decisions/${encodeURIComponent(id)}`)) as {nbDeleted: string}).nbDeleted)
  }
  async close(): Promise<void> {}
}

/** Runs `fn` on the configured store and closes it, with store failures as CrowdErrors (exit code 4 or 5). */
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

/** Runs `fn` on the alerts API of the configuration (remote LAPI or local store) and closes it. */
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

/** Opens the configured store (for commands that always work on it: machines, bouncers, serve). */
export async function openConfiguredStore(config: Config): Promise<Store> {
  const location = (): string => {
    try {
      return storeLocation(config.store.url, config.dataDir).target.replace(/\/\/[^@/]*@/, '//***@')
    } catch {
      return 'store'
    }
  }
  try {
    return await openStore(storeLocation(config.store.url, config.dataDir))
  } catch (error) {
    // a directory that cannot be created (ENOTDIR, EACCES...) is a store failure too, not a crash
    const code = (error as NodeJS.ErrnoException | undefined)?.code
    if (!(error instanceof StoreError) && typeof code === 'string') {
      throw new CrowdError('store', `cannot open store ${location()}: ${(error as Error).message}`)
    }
    throw asCrowdError(error, 'store')
  }
}

/** The alerts/decisions API the commands use: the remote LAPI of `[lapi.credentials]`, else the local store. */
export async function openAlertsApi(config: Config, logger: Logger, machineId: string): Promise<AlertsApi> {
  if (config.lapi.credentials !== undefined) return new RemoteApi(config.lapi.credentials)
  const store = await openConfiguredStore(config)
  try {
    const profiles = new LapiProfiles(config.lapi.profiles, logger)
    return new LocalApi(store, new LapiOperations(store, profiles, logger), machineId)
  } catch (error) {
    await store.close()
    throw error
  }
}
