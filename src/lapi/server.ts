/**
 * The Local API's HTTP server, wire-compatible with CrowdSec's (lapi.md): routes, watcher JWTs,
 * bouncer API keys, body limits (gzip bombs included), trusted IPs and proxies, a unix socket and
 * TLS. Every request is answered: a bad one with CrowdSec's status and `{"message"}`, a store that
 * is busy or gone with 503 (clients retry), anything unexpected with 500 and a log line. Nothing
 * a client sends can crash the server.
 */
import {limitServer} from '../platform/http-server.js'
import {randomBytes} from 'node:crypto'
import * as fs from 'node:fs'
import * as http from 'node:http'
import * as https from 'node:https'
import type {AddressInfo} from 'node:net'
import type {LapiConfig} from '../config/config.js'
import {parseDecisionDuration} from '../decide/duration.js'
import {CrowdError} from '../model/errors.js'
import type {Logger} from '../model/logger.js'
import {intervalContains, parseIpInterval, type IpInterval} from '../store/ip-range.js'
import type {BouncerRecord, MachineRecord, Store} from '../store/types.js'
import {StoreError} from '../store/types.js'
import {hashApiKey, hashPassword, signJwt, verifyJwt, verifyPassword} from './auth.js'
import {BodyError, readBody} from './body.js'
import {ConsoleServer, type ConsoleSources} from './console/index.js'
import {LapiOperations, type AlertsStoredHook, type NotificationQueue, type NotificationService} from './operations.js'
import type {LapiProfiles} from './profiles.js'
import {ApiError} from './wire.js'

/** Unauthenticated routes (register, login) take at most this much body. */
const OPEN_ROUTE_BODY = 2 * 1024 * 1024
const TOKEN_LIFETIME_S = 3600
const JSON_TYPE = 'application/json; charset=utf-8'
const WWW_AUTHENTICATE = 'JWT realm=Crowdsec API local'
const FLUSH_EVERY_MS = 60_000
const PULL_RECORD_EVERY_MS = 60_000
/** How long a live bouncer's row is remembered (a deleted key keeps working this long at most). */
const LIVE_BOUNCER_CACHE_MS = 2000
const LIVE_BOUNCER_CACHE_MAX = 10_000

export interface LapiServerOptions {
  store: Store
  profiles: LapiProfiles
  config: LapiConfig
  logger: Logger
  /** HS256 secret (at least 64 bytes); default CS_LAPI_SECRET, else random per start. */
  jwtSecret?: Buffer
  clock?: () => number
  /** Where the notifications profiles route are queued (default: none). */
  notifications?: NotificationQueue
  /** Called with each request's alerts once stored (the CTI client: src/cti/client). */
  onAlertsStored?: AlertsStoredHook
  /** What the console (`[lapi] console = true`) shows beside the store: the hub, the watch metrics. */
  console?: ConsoleSources
}

interface Caller {
  ip: string
  viaSocket: boolean
}

interface Ctx {
  req: http.IncomingMessage
  res: http.ServerResponse
  url: URL
  caller: Caller
  params: string[]
}

type Handler = (ctx: Ctx) => Promise<void>

interface Route {
  pattern: RegExp
  methods: Partial<Record<string, Handler>>
}

export interface LapiAddresses {
  /** http(s)://host:port/ of the TCP listener. */
  url?: string
  socket?: string
}

/** The JWT secret of this process: CS_LAPI_SECRET as CrowdSec reads it, else 64 random bytes. */
export function lapiSecret(env: NodeJS.ProcessEnv = process.env): Buffer {
  const given = env.CS_LAPI_SECRET
  if (given !== undefined && given !== '') {
    if (Buffer.byteLength(given) < 64) throw new ApiError(500, 'CS_LAPI_SECRET must be at least 64 bytes long')
    return Buffer.from(given)
  }
  return randomBytes(64)
}

export class LapiServer {
  readonly ops: LapiOperations
  readonly #store: Store
  readonly #config: LapiConfig
  readonly #logger: Logger
  readonly #secret: Buffer
  readonly #clock: () => number
  readonly #trusted: IpInterval[]
  readonly #proxies: IpInterval[]
  readonly #autoRanges: IpInterval[]
  readonly #routes: Route[]
  readonly #servers: http.Server[] = []
  readonly #liveBouncers = new Map<string, {bouncer: BouncerRecord; expires: number}>()
  readonly #flushPolicy: {maxItems?: number; maxAge?: number}
  #flushTimer?: NodeJS.Timeout
  #flushing = false
  /** The web console at /console/, when `[lapi] console = true`. */
  readonly console: ConsoleServer | undefined

  constructor(options: LapiServerOptions) {
    this.#store = options.store
    this.#config = options.config
    this.#logger = options.logger
    this.#secret = options.jwtSecret ?? lapiSecret()
    this.#clock = options.clock ?? Date.now
    this.ops = new LapiOperations(options.store, options.profiles, options.logger, this.#clock, {notifications: options.notifications, onAlertsStored: options.onAlertsStored})
    const ranges = (list: readonly string[], what: string): IpInterval[] =>
      list.map((text) => {
        const r = parseIpInterval(text)
        if (r === null) throw new ApiError(500, `invalid IP or range '${text}' in ${what}`)
        return r
      })
    this.#trusted = ranges(options.config.trustedIps, 'lapi.trusted_ips')
    this.#proxies = ranges(options.config.trustedProxies, 'lapi.trusted_proxies')
    this.#autoRanges = ranges(options.config.autoRegistration.allowedRanges, 'lapi.auto_registration.allowed_ranges')
    this.#routes = this.#buildRoutes()
    // checked here, not at the first flush a minute after listening: a bad max_age stops the start
    const flush = options.config.flush
    let maxAge: number | undefined
    if (flush.maxAge !== undefined && flush.maxAge !== '') {
      try {
        maxAge = Math.trunc(parseDecisionDuration(flush.maxAge) / 1e6)
      } catch (error) {
        throw new ApiError(500, `invalid lapi.flush.max_age '${flush.maxAge}': ${(error as Error).message}`)
      }
    }
    this.#flushPolicy = {maxItems: flush.maxItems, maxAge}
    this.console = options.config.console
      ? new ConsoleServer({store: options.store, ops: this.ops, logger: options.logger, clock: this.#clock, sources: options.console})
      : undefined
  }

  // ---- lifecycle

  /** The request listener, for tests and embedding. */
  readonly handle = (req: http.IncomingMessage, res: http.ServerResponse): void => {
    void this.#dispatch(req, res)
  }

  /** Listens on `lapi.listen` (or `listen` given), the unix socket when configured, with TLS when configured. */
  async listen(listen = this.#config.listen): Promise<LapiAddresses> {
    const tls = this.#config.tlsCert !== undefined && this.#config.tlsKey !== undefined
    const make = (): http.Server => {
      const server = tls
        ? https.createServer({cert: fs.readFileSync(this.#config.tlsCert!), key: fs.readFileSync(this.#config.tlsKey!)}, this.handle)
        : http.createServer(this.handle)
      limitServer(server, {headersTimeoutMs: 30_000, requestTimeoutMs: 300_000, keepAliveTimeoutMs: 65_000,
        onBadRequest: (message) => this.#logger.debug(`lapi: bad request from a client: ${message}`)})
      this.#servers.push(server)
      return server
    }
    const out: LapiAddresses = {}
    const m = /^\[?([^\]]*?)\]?:(\d+)$/.exec(listen)
    if (m === null) throw new ApiError(500, `invalid listen address '${listen}'`)
    const server = make()
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject)
      server.listen(Number(m[2]), m[1], () => {
        server.off('error', reject)
        resolve()
      })
    })
    const address = server.address() as AddressInfo
    const host = address.family === 'IPv6' ? `[${address.address}]` : address.address
    out.url = `${tls ? 'https' : 'http'}://${host}:${address.port}/`
    if (this.#config.listenSocket !== undefined) {
      const socketPath = this.#config.listenSocket
      try {
        fs.unlinkSync(socketPath)
      } catch {
        // no stale socket
      }
      const unix = make()
      await new Promise<void>((resolve, reject) => {
        unix.once('error', reject)
        unix.listen(socketPath, () => {
          unix.off('error', reject)
          resolve()
        })
      })
      out.socket = socketPath
    }
    this.#startFlush()
    return out
  }

  /** Stops accepting, finishes the requests in flight, stops retention. The store stays open. */
  async close(): Promise<void> {
    if (this.#flushTimer !== undefined) clearInterval(this.#flushTimer)
    // the console's live streams never end by themselves
    this.console?.close()
    await Promise.all(this.#servers.map((s) => new Promise<void>((resolve) => {
      s.close(() => resolve())
      s.closeIdleConnections()
    })))
    this.#servers.length = 0
  }

  #startFlush(): void {
    const {maxItems, maxAge} = this.#flushPolicy
    if (maxItems === undefined && maxAge === undefined) return
    this.#flushTimer = setInterval(() => void this.flushNow({maxItems, maxAge}), FLUSH_EVERY_MS)
    this.#flushTimer.unref()
  }

  /** One retention pass (also run every minute while listening). */
  async flushNow(policy: {maxItems?: number; maxAge?: number}): Promise<void> {
    if (this.#flushing) return
    this.#flushing = true
    try {
      const r = await this.#store.flush(policy, this.#clock())
      if (r.alertsDeleted > 0 || r.decisionsDeleted > 0) this.#logger.info(`lapi: flushed ${r.alertsDeleted} alerts, ${r.decisionsDeleted} decisions`)
    } catch (error) {
      this.#logger.warn(`lapi: retention flush failed: ${(error as Error).message}`)
    } finally {
      this.#flushing = false
    }
  }

  // ---- dispatch

  async #dispatch(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    let ctx: Ctx | undefined
    try {
      const url = new URL(req.url ?? '/', 'http://lapi.invalid')
      ctx = {req, res, url, caller: this.#caller(req), params: []}
      if (this.console !== undefined && (url.pathname === '/console' || url.pathname.startsWith('/console/'))) {
        await this.console.handle(req, res, url, ctx.caller.ip)
        return
      }
      for (const route of this.#routes) {
        const m = route.pattern.exec(url.pathname)
        if (m === null) continue
        const handler = route.methods[req.method ?? 'GET']
        if (handler === undefined) return this.#empty(res, 405)
        ctx.params = m.slice(1)
        await handler(ctx)
        return
      }
      this.#empty(res, 404)
    } catch (error) {
      this.#fail(res, error, req)
    }
  }

  #fail(res: http.ServerResponse, error: unknown, req: http.IncomingMessage): void {
    let status = 500
    let message = 'internal error'
    if (error instanceof ApiError || error instanceof BodyError) {
      status = error.status
      message = error.message
    } else if (error instanceof StoreError) {
      status = error.status
      message = error.message
      if (status >= 500) this.#logger.error(`lapi: ${req.method} ${req.url}: store: ${error.message}`)
    } else {
      this.#logger.error(`lapi: ${req.method} ${req.url}: ${(error as Error)?.stack ?? String(error)}`)
    }
    if (res.headersSent) {
      res.destroy()
      return
    }
    this.#json(res, status, {message})
  }

  #caller(req: http.IncomingMessage): Caller {
    const socket = req.socket
    const viaSocket = socket.remoteAddress === undefined && socket.remotePort === undefined
    let ip = viaSocket ? '127.0.0.1' : stripMapped(socket.remoteAddress ?? '')
    if (this.#config.useForwardedForHeaders && !viaSocket && this.#inRanges(ip, this.#proxies)) {
      const forwarded = String(req.headers['x-forwarded-for'] ?? '').split(',').map((s) => s.trim()).filter((s) => s !== '')
      // the right-most address not among the trusted proxies is the client
      for (let i = forwarded.length - 1; i >= 0; i--) {
        const candidate = stripMapped(forwarded[i]!)
        if (parseIpInterval(candidate) === null) break
        ip = candidate
        if (!this.#inRanges(candidate, this.#proxies)) break
      }
    }
    return {ip, viaSocket}
  }

  #inRanges(ip: string, ranges: readonly IpInterval[]): boolean {
    const a = parseIpInterval(ip)
    return a !== null && ranges.some((r) => intervalContains(r, a))
  }

  #json(res: http.ServerResponse, status: number, body: unknown, extra: http.OutgoingHttpHeaders = {}): void {
    const text = goEscapes(JSON.stringify(body))
    res.writeHead(status, {'Content-Type': JSON_TYPE, 'Content-Length': Buffer.byteLength(text), ...extra})
    res.end(text)
  }

  #text(res: http.ServerResponse, status: number, text: string): void {
    res.writeHead(status, {'Content-Type': JSON_TYPE, 'Content-Length': Buffer.byteLength(text)})
    res.end(text)
  }

  #empty(res: http.ServerResponse, status: number): void {
    res.writeHead(status, {'Content-Length': 0})
    res.end()
  }

  async #jsonBody(ctx: Ctx, limit: number): Promise<unknown> {
    const raw = await readBody(ctx.req, limit)
    try {
      return JSON.parse(raw.toString('utf8')) as unknown
    } catch (error) {
      throw new ApiError(400, (error as Error).message)
    }
  }

  // ---- authentication

  #unauthorized(res: http.ServerResponse, message: string): void {
    this.#json(res, 401, {code: 401, message}, {'WWW-Authenticate': WWW_AUTHENTICATE})
  }

  /** The calling machine from its JWT, or undefined after answering 401. */
  async #machine(ctx: Ctx): Promise<MachineRecord | undefined> {
    const header = String(ctx.req.headers.authorization ?? '')
    let token = ''
    if (header !== '') {
      const m = /^Bearer\s+(\S+)$/i.exec(header)
      if (m === null) {
        this.#unauthorized(ctx.res, 'auth header is invalid')
        return undefined
      }
      token = m[1]!
    } else {
      const cookie = /(?:^|;\s*)jwt=([^;]+)/.exec(String(ctx.req.headers.cookie ?? ''))
      if (cookie !== null) token = cookie[1]!
    }
    if (token === '') {
      this.#unauthorized(ctx.res, 'cookie token is empty')
      return undefined
    }
    const check = verifyJwt(token, this.#secret, Math.floor(this.#clock() / 1000))
    if (!check.ok) {
      this.#unauthorized(ctx.res, check.reason)
      return undefined
    }
    const machine = await this.#store.getMachine(check.claims.id)
    if (machine === undefined || !machine.isValidated) {
      this.#unauthorized(ctx.res, machine === undefined ? `machine ${check.claims.id} not found` : `machine ${check.claims.id} not validated`)
      return undefined
    }
    return machine
  }

  /** The calling bouncer from its API key (lapi.md §2.1), or undefined after answering 403. */
  /**
   * The calling bouncer from its API key (lapi.md §2.1), or undefined after answering 403.
   * `check`: any row with the key (HEAD); `update`: the row of this caller, created or updated as
   * CrowdSec does; `live`: the same, remembered for a moment (live bouncers ask once per request
   * they filter, many times a second), so that a lookup costs one query instead of two.
   */
  async #bouncer(ctx: Ctx, mode: 'check' | 'update' | 'live'): Promise<BouncerRecord | undefined> {
    const key = ctx.req.headers['x-api-key']
    const forbidden = (): undefined => {
      this.#json(ctx.res, 403, {message: 'access forbidden'})
      return undefined
    }
    if (typeof key !== 'string' || key === '') return forbidden()
    const keyHash = hashApiKey(key)
    const cacheKey = mode === 'live' ? `${keyHash}\u0000${ctx.caller.ip}\u0000${String(ctx.req.headers['user-agent'] ?? '')}` : ''
    if (mode === 'live') {
      const hit = this.#liveBouncers.get(cacheKey)
      if (hit !== undefined && hit.expires > this.#clock()) return hit.bouncer
    }
    const bouncer = await this.#bouncerOf(ctx, keyHash, mode !== 'check')
    if (bouncer === undefined) return forbidden()
    if (mode === 'live') {
      if (this.#liveBouncers.size >= LIVE_BOUNCER_CACHE_MAX) this.#liveBouncers.clear()
      this.#liveBouncers.set(cacheKey, {bouncer, expires: this.#clock() + LIVE_BOUNCER_CACHE_MS})
    }
    return bouncer
  }

  async #bouncerOf(ctx: Ctx, keyHash: string, update: boolean): Promise<BouncerRecord | undefined> {
    const rows = await this.#store.bouncersByKeyHash(keyHash)
    if (rows.length === 0) return undefined
    if (!update) return rows[0]
    const ip = ctx.caller.ip
    const now = this.#clock()
    let bouncer = rows.find((b) => b.ipAddress === ip)
    if (bouncer === undefined) {
      if (rows.length === 1 && rows[0]!.ipAddress === '') {
        bouncer = rows[0]!
      } else {
        const base = rows[0]!.name.replace(/(@[^@]*)+$/, '')
        try {
          bouncer = await this.#store.addBouncer({name: `${base}@${ip}`, apiKeyHash: rows[0]!.apiKeyHash, ipAddress: ip, authType: 'api-key'}, now)
        } catch (error) {
          if (!(error instanceof StoreError && error.kind === 'exists')) throw error
          bouncer = (await this.#store.bouncersByKeyHash(rows[0]!.apiKeyHash)).find((b) => b.name === `${base}@${ip}`)
          if (bouncer === undefined) return undefined
        }
      }
    }
    if (bouncer.authType !== 'api-key') return undefined
    const ua = String(ctx.req.headers['user-agent'] ?? '')
    const parts = ua.split('/')
    const [type, version] = parts.length === 2 ? [parts[0]!, parts[1]!] : [ua, 'N/A']
    if (bouncer.ipAddress === '' || bouncer.type !== type || bouncer.version !== version) {
      await this.#store.updateBouncer(bouncer.id, {ipAddress: bouncer.ipAddress === '' ? ip : undefined, type, version}, now)
      bouncer = {...bouncer, ipAddress: bouncer.ipAddress === '' ? ip : bouncer.ipAddress, type, version}
    }
    return bouncer
  }

  #isLoopback(caller: Caller): boolean {
    return caller.viaSocket || caller.ip === '127.0.0.1' || caller.ip === '::1' || caller.ip.startsWith('127.')
  }

  // ---- routes

  #buildRoutes(): Route[] {
    const route = (path: string, methods: Route['methods']): Route => ({pattern: new RegExp(`^${path}/?$`), methods})
    const withMachine = (fn: (ctx: Ctx, m: MachineRecord) => Promise<void>): Handler => async (ctx) => {
      const machine = await this.#machine(ctx)
      if (machine !== undefined) await fn(ctx, machine)
    }
    const withBouncer = (fn: (ctx: Ctx, b: BouncerRecord) => Promise<void>, mode: 'check' | 'update' | 'live' = 'update'): Handler => async (ctx) => {
      const bouncer = await this.#bouncer(ctx, mode)
      if (bouncer !== undefined) await fn(ctx, bouncer)
    }
    const trusted = (fn: Handler): Handler => async (ctx) => {
      if (!ctx.caller.viaSocket && !this.#inRanges(ctx.caller.ip, this.#trusted)) {
        this.#json(ctx.res, 403, {message: `access forbidden from this IP (${ctx.caller.ip})`})
        return
      }
      await fn(ctx)
    }
    const listAlerts: Handler = withMachine(async (ctx) => {
      const alerts = await this.ops.listAlerts(ctx.url.searchParams)
      if (ctx.req.method === 'HEAD') return this.#empty(ctx.res, 200)
      this.#json(ctx.res, 200, alerts)
    })
    const getAlert: Handler = withMachine(async (ctx) => {
      const alert = await this.ops.getAlert(ctx.params[0]!)
      if (ctx.req.method === 'HEAD') return this.#empty(ctx.res, 200)
      this.#json(ctx.res, 200, alert)
    })
    const decisions: Handler = withBouncer(async (ctx, bouncer) => {
      const text = await this.ops.decisionsText(ctx.url.searchParams)
      if (ctx.req.method === 'HEAD') return this.#empty(ctx.res, 200)
      const now = this.#clock()
      if (bouncer.lastPull === null || now - bouncer.lastPull >= PULL_RECORD_EVERY_MS) {
        await this.#store.updateBouncer(bouncer.id, {lastPull: now}, now)
        bouncer.lastPull = now
      }
      this.#text(ctx.res, 200, text)
    }, 'live')
    const headDecisions: Handler = withBouncer(async (ctx) => {
      await this.ops.decisionsText(ctx.url.searchParams)
      this.#empty(ctx.res, 200)
    }, 'check')
    const stream: Handler = withBouncer(async (ctx, bouncer) => {
      const now = this.#clock()
      const chunks = this.ops.streamText(ctx.url.searchParams, bouncer.lastPull, now)
      // the query runs before the first byte: a failing one still gets a clean error answer
      const first = await chunks.next()
      ctx.res.writeHead(200, {'Content-Type': 'application/json'})
      if (!first.done) await write(ctx.res, first.value)
      for await (const chunk of chunks) await write(ctx.res, chunk)
      ctx.res.end()
      await this.#store.updateBouncer(bouncer.id, {lastPull: now}, now)
    })
    const headStream: Handler = withBouncer(async (ctx) => this.#empty(ctx.res, 200), 'check')
    return [
      route('/health', {GET: async (ctx) => this.#json(ctx.res, 200, {status: 'up'})}),
      route('/v1/watchers', {POST: (ctx) => this.#register(ctx)}),
      route('/v1/watchers/login', {POST: (ctx) => this.#login(ctx)}),
      route('/v1/watchers/self', {DELETE: withMachine(async (ctx, m) => {
        await this.#store.deleteMachine(m.machineId)
        this.#empty(ctx.res, 204)
      })}),
      route('/v1/refresh_token', {GET: (ctx) => this.#refresh(ctx)}),
      route('/v1/heartbeat', {GET: withMachine(async (ctx, m) => {
        const now = this.#clock()
        await this.#store.updateMachine(m.machineId, {lastHeartbeat: now}, now)
        this.#empty(ctx.res, 200)
      })}),
      route('/v1/alerts', {
        POST: withMachine(async (ctx, m) => {
          const body = await this.#jsonBody(ctx, this.#config.maxBodyBytes)
          const result = await this.ops.postAlerts(body, m.machineId)
          this.#json(ctx.res, 201, result.ids)
        }),
        GET: listAlerts,
        HEAD: listAlerts,
        DELETE: withMachine(trusted(async (ctx) => this.#json(ctx.res, 200, await this.ops.deleteAlerts(ctx.url.searchParams)))),
      }),
      route('/v1/alerts/([^/]+)', {
        GET: getAlert,
        HEAD: getAlert,
        DELETE: withMachine(trusted(async (ctx) => this.#json(ctx.res, 200, await this.ops.deleteAlert(ctx.params[0]!)))),
      }),
      route('/v1/decisions', {
        GET: decisions,
        HEAD: headDecisions,
        DELETE: withMachine(async (ctx) => this.#json(ctx.res, 200, await this.ops.deleteDecisions(ctx.url.searchParams))),
      }),
      // CrowdSec routes DELETE /v1/decisions/stream to DELETE /v1/decisions/{decision_id}: 400, not a valid integer
      route('/v1/decisions/stream', {GET: stream, HEAD: headStream, DELETE: withMachine(async (ctx) => this.#json(ctx.res, 200, await this.ops.deleteDecision('stream')))}),
      route('/v1/decisions/([^/]+)', {
        DELETE: withMachine(async (ctx) => this.#json(ctx.res, 200, await this.ops.deleteDecision(ctx.params[0]!))),
      }),
      route('/v1/usage-metrics', {POST: (ctx) => this.#usageMetrics(ctx)}),
    ]
  }

  async #register(ctx: Ctx): Promise<void> {
    const body = await this.#jsonBody(ctx, OPEN_ROUTE_BODY)
    if (body === null || typeof body !== 'object' || Array.isArray(body)) throw new ApiError(400, 'json: cannot unmarshal into Go value of type models.WatcherRegistrationRequest')
    const b = body as Record<string, unknown>
    for (const key of ['machine_id', 'password', 'registration_token']) {
      if (b[key] !== undefined && b[key] !== null && typeof b[key] !== 'string') throw new ApiError(400, `json: cannot unmarshal ${typeof b[key]} into Go struct field WatcherRegistrationRequest.${key} of type string`)
    }
    const machineId = (b.machine_id as string | undefined) ?? ''
    const password = (b.password as string | undefined) ?? ''
    const token = b.registration_token as string | undefined
    const problems: string[] = []
    if (machineId === '') problems.push('machine_id in body is required')
    if (password === '') problems.push('password in body is required')
    if (token !== undefined && (token.length < 32 || token.length > 255)) problems.push('registration_token in body should be at least 32 chars long')
    if (problems.length > 0) return this.#json(ctx.res, 422, {message: `validation failure list:\n${problems.join('\n')}`})
    if (this.#config.disableRemoteRegistration && !this.#isLoopback(ctx.caller)) return this.#json(ctx.res, 403, {message: 'access forbidden'})
    let validated = false
    const auto = this.#config.autoRegistration
    if (auto.enabled && token !== undefined) {
      if (auto.token === undefined || token !== auto.token) return this.#json(ctx.res, 401, {message: 'invalid token for auto registration'})
      if (!this.#inRanges(ctx.caller.ip, this.#autoRanges)) return this.#json(ctx.res, 401, {message: 'IP not in allowed range for auto registration'})
      validated = true
    }
    await this.#store.addMachine({machineId, passwordHash: await hashPassword(password), ipAddress: ctx.caller.ip, isValidated: validated}, this.#clock())
    this.#empty(ctx.res, validated ? 202 : 201)
  }

  #token(machineId: string, nowMs: number): {code: number; expire: string; token: string} {
    const now = Math.floor(nowMs / 1000)
    const exp = now + TOKEN_LIFETIME_S
    return {code: 200, expire: new Date(exp * 1000).toISOString().replace('.000Z', 'Z'), token: signJwt({id: machineId, exp, orig_iat: now}, this.#secret)}
  }

  async #login(ctx: Ctx): Promise<void> {
    let body: unknown
    try {
      body = await this.#jsonBody(ctx, OPEN_ROUTE_BODY)
    } catch (error) {
      if (error instanceof BodyError && error.status === 413) throw error
      return this.#unauthorized(ctx.res, `missing: ${(error as Error).message}`)
    }
    const b = (body !== null && typeof body === 'object' && !Array.isArray(body) ? body : {}) as Record<string, unknown>
    const machineId = typeof b.machine_id === 'string' ? b.machine_id : ''
    const password = typeof b.password === 'string' ? b.password : ''
    if (machineId === '' || password === '') return this.#unauthorized(ctx.res, 'missing: machine_id or password')
    const scenarios = Array.isArray(b.scenarios) ? b.scenarios.filter((s): s is string => typeof s === 'string') : []
    const machine = await this.#store.getMachine(machineId)
    if (machine === undefined || machine.authType !== 'password' || !(await verifyPassword(password, machine.passwordHash))) {
      return this.#unauthorized(ctx.res, 'incorrect Username or Password')
    }
    if (!machine.isValidated) return this.#unauthorized(ctx.res, `machine ${machineId} not validated`)
    const parts = String(ctx.req.headers['user-agent'] ?? '').split('/')
    if (parts.length !== 2) return this.#unauthorized(ctx.res, 'bad user agent')
    const now = this.#clock()
    const patch: Parameters<Store['updateMachine']>[1] = {}
    if (scenarios.length > 0) patch.scenarios = scenarios.join(',')
    if (machine.ipAddress !== ctx.caller.ip) patch.ipAddress = ctx.caller.ip
    if (machine.version !== parts[1]) patch.version = parts[1]
    if (Object.keys(patch).length > 0) await this.#store.updateMachine(machineId, patch, now)
    this.#json(ctx.res, 200, this.#token(machineId, now))
  }

  async #refresh(ctx: Ctx): Promise<void> {
    const m = /^Bearer\s+(\S+)$/i.exec(String(ctx.req.headers.authorization ?? ''))
    if (m === null) return this.#unauthorized(ctx.res, 'cookie token is empty')
    const now = this.#clock()
    const check = verifyJwt(m[1]!, this.#secret, Math.floor(now / 1000), Math.floor(now / 1000) - TOKEN_LIFETIME_S)
    if (!check.ok) return this.#unauthorized(ctx.res, check.reason)
    const machine = await this.#store.getMachine(check.claims.id)
    if (machine === undefined || !machine.isValidated) return this.#unauthorized(ctx.res, 'incorrect Username or Password')
    this.#json(ctx.res, 200, this.#token(machine.machineId, now))
  }

  /** Accepted and discarded (lapi.md §4.8: a 201 is all clients need). */
  async #usageMetrics(ctx: Ctx): Promise<void> {
    const ua = String(ctx.req.headers['user-agent'] ?? '')
    const useKey = ctx.req.headers['x-api-key'] !== undefined || (ctx.req.headers.authorization === undefined && !ua.startsWith('crowdsec/'))
    const allowed = useKey ? (await this.#bouncer(ctx, 'check')) !== undefined : (await this.#machine(ctx)) !== undefined
    if (!allowed) return
    const body = await this.#jsonBody(ctx, this.#config.maxBodyBytes)
    if (body === null || typeof body !== 'object' || Array.isArray(body)) throw new ApiError(400, 'json: cannot unmarshal into Go value of type models.AllMetrics')
    this.#empty(ctx.res, 201)
  }
}

const GO_ESCAPES: Record<string, string> = {'<': '\\u003c', '>': '\\u003e', '&': '\\u0026', '\u2028': '\\u2028', '\u2029': '\\u2029'}

/**
 * JSON text as Go's encoder writes it: `<`, `>`, `&`, U+2028 and U+2029 escaped. In JSON text those
 * characters can only be inside strings, so replacing them in the whole text is exact.
 */
function goEscapes(text: string): string {
  return /[<>&\u2028\u2029]/.test(text) ? text.replace(/[<>&\u2028\u2029]/g, (c) => GO_ESCAPES[c]!) : text
}

function stripMapped(ip: string): string {
  return ip.startsWith('::ffff:') && ip.includes('.') ? ip.slice(7) : ip
}

/** Writes a chunk, waiting for the socket to drain when its buffer is full. */
function write(res: http.ServerResponse, chunk: string): Promise<void> {
  if (res.write(chunk)) return Promise.resolve()
  return new Promise((resolve, reject) => {
    const onDrain = (): void => {
      res.off('close', onClose)
      resolve()
    }
    const onClose = (): void => {
      res.off('drain', onDrain)
      reject(new ApiError(499, 'client closed the connection'))
    }
    res.once('drain', onDrain)
    res.once('close', onClose)
  })
}

export interface RunningLapi {
  server: LapiServer
  store: Store
  addresses: LapiAddresses
  /** Stops the server, then closes the store. */
  close(): Promise<void>
}

/** Starts the notifications of a LAPI once its store is open and its profiles compiled (src/outputs/notifications). */
export type StartNotificationService = (context: {store: Store; profiles: LapiProfiles['profiles']}) => Promise<NotificationService>

/** A service run beside the LAPI on its store (the CTI client: src/cti/client), stopped before the store closes. */
export interface LapiCompanion {
  onAlertsStored?: AlertsStoredHook
  close(): Promise<void>
}

export type StartLapiCompanion = (context: {store: Store}) => Promise<LapiCompanion | undefined>

/**
 * Opens the configured store, compiles the profiles, starts the notifications (when given) and
 * listens: what `crowd lapi serve` runs. Closing stops the server, then flushes the notifications
 * (within `notificationsFlushMs`, default 5 s), then closes the store.
 */
export async function startLapi(options: {config: import('../config/config.js').Config; logger: Logger; listen?: string; jwtSecret?: Buffer;
  notifications?: StartNotificationService; notificationsFlushMs?: number; companion?: StartLapiCompanion; console?: ConsoleSources}): Promise<RunningLapi> {
  const {openConfiguredStore} = await import('./client.js')
  const {LapiProfiles} = await import('./profiles.js')
  const profiles = new LapiProfiles(options.config.lapi.profiles, options.logger)
  const store = await openConfiguredStore(options.config)
  let server: LapiServer | undefined
  let notifications: NotificationService | undefined
  let companion: LapiCompanion | undefined
  try {
    notifications = await options.notifications?.({store, profiles: profiles.profiles})
    companion = await options.companion?.({store})
    server = new LapiServer({store, profiles, config: options.config.lapi, logger: options.logger, jwtSecret: options.jwtSecret, notifications,
      onAlertsStored: companion?.onAlertsStored, console: options.console})
    const addresses = await server.listen(options.listen)
    const running = server
    const queue = notifications
    const beside = companion
    return {
      server,
      store,
      addresses,
      async close() {
        await running.close()
        await beside?.close()
        await queue?.close({flushWithin: options.notificationsFlushMs})
        await store.close()
      },
    }
  } catch (error) {
    // the TCP listener may be up when the unix socket fails: stop it too
    await server?.close().catch(() => {})
    await companion?.close().catch(() => {})
    await notifications?.close({flushWithin: 0}).catch(() => {})
    await store.close()
    throw startupError(error)
  }
}

/**
 * Why the server could not start, as a configuration error (exit 2, nothing ran): an invalid
 * listen address or trusted range, a short CS_LAPI_SECRET, an address in use, unreadable TLS files.
 */
function startupError(error: unknown): unknown {
  if (error instanceof ApiError) return new CrowdError('config', error.message)
  const code = (error as NodeJS.ErrnoException | undefined)?.code
  if (typeof code === 'string' && !(error instanceof CrowdError)) return new CrowdError('config', `cannot start the Local API: ${(error as Error).message}`)
  return error
}
