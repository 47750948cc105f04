/**
 * HTTP to the central API (notifications-and-cti.md §6): JSON requests under `/v3` (falling back
 * to `/v2` when a service answers 404 there, as CrowdSec 1.4 agents speak it), bodies over 5 KiB
 * gzip-compressed, a timeout on each request, and the watcher JWT: logged in with the local
 * scenario list, cached in the store across restarts, renewed a minute before it expires or when
 * the service answers 401 or 403.
 */
import * as http from 'node:http'
import * as https from 'node:https'
import {gzipSync, gunzipSync} from 'node:zlib'
import type {Store} from '../../store/types.js'
import {baseUrl, type CapiCredentials} from './credentials.js'

/** Bodies larger than this are sent gzip-compressed (§7.3). */
export const GZIP_OVER_BYTES = 5 * 1024
const TOKEN_KEY = 'capi_token'
const RENEW_BEFORE_MS = 60_000
export const DEFAULT_USER_AGENT = 'crowd/v0.1.0'

/** A failed exchange with the central API: `status` is 0 when it could not be reached. */
export class CapiError extends Error {
  constructor(readonly status: number, message: string) {
    super(message)
    this.name = 'CapiError'
  }
}

export interface CapiReply {
  status: number
  body: unknown
}

export interface CapiRequest {
  method: 'GET' | 'POST' | 'DELETE'
  /** Relative to the base URL (no leading `/`). */
  path: string
  query?: Record<string, string>
  json?: unknown
  token?: string
  timeoutMs?: number
  userAgent?: string
}

/** One request; network failures and timeouts are CapiErrors with status 0 naming the URL. */
export function capiRequest(base: string, request: CapiRequest): Promise<CapiReply> {
  const url = new URL(request.path, baseUrl(base))
  for (const [k, v] of Object.entries(request.query ?? {})) url.searchParams.set(k, v)
  const headers: http.OutgoingHttpHeaders = {'User-Agent': request.userAgent ?? DEFAULT_USER_AGENT, Accept: 'application/json', 'Accept-Encoding': 'gzip'}
  let payload: Buffer | undefined
  if (request.json !== undefined) {
    payload = Buffer.from(JSON.stringify(request.json))
    headers['Content-Type'] = 'application/json'
    if (payload.length > GZIP_OVER_BYTES) {
      payload = gzipSync(payload)
      headers['Content-Encoding'] = 'gzip'
    }
    headers['Content-Length'] = payload.length
  }
  if (request.token !== undefined) headers.Authorization = `Bearer ${request.token}`
  const timeoutMs = request.timeoutMs ?? 30_000
  const where = `${request.method} ${url.origin}${url.pathname}`
  return new Promise((resolve, reject) => {
    const lib = url.protocol === 'https:' ? https : http
    const req = lib.request(url, {method: request.method, headers, agent: false}, (res) => {
      const chunks: Buffer[] = []
      res.on('data', (c: Buffer) => chunks.push(c))
      res.on('error', (error) => reject(new CapiError(0, `${where}: ${error.message}`)))
      res.on('end', () => {
        let raw = Buffer.concat(chunks)
        try {
          if (res.headers['content-encoding'] === 'gzip') raw = gunzipSync(raw)
        } catch (error) {
          return reject(new CapiError(res.statusCode ?? 0, `${where}: the answer is not valid gzip: ${(error as Error).message}`))
        }
        const text = raw.toString('utf8')
        let body: unknown = text
        if (text !== '') {
          try {
            body = JSON.parse(text) as unknown
          } catch {
            // kept as text (an error page)
          }
        } else body = null
        resolve({status: res.statusCode ?? 0, body})
      })
    })
    req.setTimeout(timeoutMs, () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)))
    req.on('error', (error) => reject(new CapiError(0, `cannot reach the central API (${where}): ${error.message}`)))
    req.end(payload)
  })
}

/** The message of an error answer (`{"message"}` or its text), for error texts. */
export function replyMessage(reply: CapiReply): string {
  const b = reply.body
  if (b !== null && typeof b === 'object' && typeof (b as {message?: unknown}).message === 'string') return (b as {message: string}).message
  return typeof b === 'string' ? b.slice(0, 200) : ''
}

/** Registers a watcher (`POST /v3/watchers`, else `/v2/watchers` when /v3 answers 404); returns the API version that took it. */
export async function registerWatcher(url: string, machineId: string, password: string, options: {timeoutMs?: number; userAgent?: string} = {}): Promise<'v3' | 'v2'> {
  for (const version of ['v3', 'v2'] as const) {
    const reply = await capiRequest(url, {method: 'POST', path: `${version}/watchers`, json: {machine_id: machineId, password}, ...options})
    if (reply.status === 404 && version === 'v3') continue
    if (reply.status === 200 || reply.status === 201 || reply.status === 202) return version
    throw new CapiError(reply.status, `registering at ${baseUrl(url)} failed: ${reply.status} ${replyMessage(reply)}`.trim())
  }
  throw new CapiError(404, `registering at ${baseUrl(url)} failed: neither /v3/watchers nor /v2/watchers exists there`)
}

interface CachedToken {
  url: string
  login: string
  token: string
  /** Unix ms. */
  expire: number
  version: 'v3' | 'v2'
  /** The scenarios declared at that login, comma-joined. */
  scenarios?: string
}

export interface CapiClientOptions {
  credentials: CapiCredentials
  store: Store
  /** The scenarios sent at login (the local watchers' scenarios). */
  scenarios: () => Promise<string[]>
  clock?: () => number
  timeoutMs?: number
  userAgent?: string
}

/** Authenticated calls to the central API of one set of credentials. */
export class CapiClient {
  readonly url: string
  readonly #o: CapiClientOptions
  readonly #clock: () => number
  #token: CachedToken | undefined
  #loaded = false

  constructor(options: CapiClientOptions) {
    this.#o = options
    this.url = options.credentials.url
    this.#clock = options.clock ?? Date.now
  }

  /** The API version in use (`v3` unless the service only knows `v2`). */
  get version(): 'v3' | 'v2' {
    return this.#token?.version ?? 'v3'
  }

  /** Logs in (`POST /v3/watchers/login`, or v2), caches the token in the store; returns it. */
  async login(): Promise<string> {
    const {credentials} = this.#o
    const scenarios = await this.#o.scenarios()
    let reply: CapiReply | undefined
    let version: 'v3' | 'v2' = 'v3'
    for (version of ['v3', 'v2'] as const) {
      reply = await capiRequest(this.url, {method: 'POST', path: `${version}/watchers/login`, json: {machine_id: credentials.login, password: credentials.password, scenarios},
        timeoutMs: this.#o.timeoutMs, userAgent: this.#o.userAgent})
      if (reply.status !== 404) break
    }
    const b = reply!.body as {token?: unknown; expire?: unknown} | null
    if (reply!.status !== 200 || b === null || typeof b !== 'object' || typeof b.token !== 'string') {
      this.#token = undefined
      throw new CapiError(reply!.status, `login to the central API ${this.url} as '${credentials.login}' failed: ${reply!.status} ${replyMessage(reply!)}`.trim())
    }
    const now = this.#clock()
    const parsed = typeof b.expire === 'string' ? Date.parse(b.expire) : NaN
    this.#token = {url: this.url, login: credentials.login, token: b.token, expire: Number.isFinite(parsed) ? parsed : now + 3600_000, version, scenarios: scenarios.join(',')}
    await this.#o.store.setCtiState(TOKEN_KEY, JSON.stringify(this.#token), now)
    return b.token
  }

  /**
   * The cached token when it is this login's, lives more than a minute yet and was given for the scenarios the local
   * watchers declare now (the service judges signals against the list of the last login), else a fresh login.
   */
  async token(): Promise<string> {
    if (!this.#loaded) {
      this.#loaded = true
      const text = await this.#o.store.ctiState(TOKEN_KEY)
      if (text !== undefined) {
        try {
          const cached = JSON.parse(text) as CachedToken
          if (cached.url === this.url && cached.login === this.#o.credentials.login) this.#token = cached
        } catch {
          // a broken cache: log in again
        }
      }
    }
    if (this.#token !== undefined && this.#token.expire - RENEW_BEFORE_MS > this.#clock() && this.#token.scenarios === (await this.#o.scenarios()).join(',')) {
      return this.#token.token
    }
    return this.login()
  }

  /** An authenticated call under `/v3` (or v2); 401 and 403 log in again and retry once. */
  async call(method: CapiRequest['method'], path: string, options: {json?: unknown; query?: Record<string, string>} = {}): Promise<CapiReply> {
    const send = async (): Promise<CapiReply> => {
      // the token first: a login finds out which API version the service speaks
      const token = await this.token()
      return capiRequest(this.url, {method, path: `${this.version}/${path}`, json: options.json, query: options.query, token, timeoutMs: this.#o.timeoutMs, userAgent: this.#o.userAgent})
    }
    let reply = await send()
    if (reply.status === 401 || reply.status === 403) {
      await this.login()
      reply = await send()
    }
    return reply
  }
}
