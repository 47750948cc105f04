/**
 * The HTTP side of `crowd cti serve`: CrowdSec's central API as agents' LAPIs speak it
 * (notifications-and-cti.md §6-8, under /v3 and, for CrowdSec 1.4 agents, /v2): watchers register
 * and log in with their scenario list, push signals and pull the community blocklist tailored to
 * their scenarios; and the CTI API (§9.3: smoke and fire lookups with an `X-Api-Key`).
 *
 * What the service believes of a signal is decided here, before the consensus sees it: the
 * reporter is the JWT's watcher (never the body's machine_id) and its network is where it logged
 * in from; a signal for a scenario the watcher did not declare at its latest login is refused;
 * its trust is computed from the published hub (the client's scenario_trust is ignored); a signal
 * stamped in the future or before the window is discounted. Every request gets an answer: a bad
 * one 400 naming what is wrong, an unknown or stale token 401, a flood 429; nothing a client sends
 * can crash the service.
 */
import {randomBytes} from 'node:crypto'
import * as http from 'node:http'
import type {AddressInfo} from 'node:net'
import {gzip} from 'node:zlib'
import type {Logger} from '../../model/logger.js'
import {formatDuration, parseGoDuration} from '../../model/go-time.js'
import {BodyError, readBody} from '../../platform/body.js'
import {hashApiKey, hashPassword, signJwt, verifyJwt, verifyPassword} from '../../platform/credentials.js'
import {limitServer} from '../../platform/http-server.js'
import type {CtiFireRow, CtiSignalRow, CtiStore, CtiWatcher} from '../../store/cti-store.js'
import {intervalContains, parseIpInterval, type IpInterval} from '../../store/ip-range.js'
import {ApiError} from '../../platform/http-error.js'
import {StoreError} from '../../store/types.js'
import {canonicalIp, rangeOf} from '../consensus/engine.js'
import {ipNetString} from '../../model/ip.js'
import type {Certifier} from './certified.js'
import type {ConsensusJob} from './consensus-job.js'
import {TOMBSTONE_MS} from './consensus-job.js'
import type {AsnLookup} from './network.js'
import {reporterNetwork} from './network.js'
import {RateLimiter, type RateLimit} from './rate-limit.js'

const JSON_TYPE = 'application/json; charset=utf-8'
const TOKEN_LIFETIME_S = 3600
/** Tokens of the last few logins stay good (replicas of one agent log in with the same credentials). */
const LIVE_LOGINS = 4
const MAX_SIGNALS_PER_REQUEST = 50
const OPEN_BODY = 64 * 1024
const SIGNALS_BODY = 4 * 1024 * 1024
const FUTURE_SLACK_MS = 5 * 60_000
const MAX_SCENARIOS = 10_000
const MAX_SMOKE_IPS = 100
const API_KEY_CACHE_MS = 5000
/** Answers at least this long are gzipped for clients that accept it. */
const GZIP_FROM = 16 * 1024
const MACHINE_ID = /^[A-Za-z0-9._@-]{1,128}$/


export interface CtiRateLimits {
  /** Requests per watcher (signals, pulls, metrics). */
  watcher: RateLimit
  /** Requests per CTI API key. */
  apiKey: RateLimit
  /** Registrations and logins per source network. */
  network: RateLimit
}

export const DEFAULT_RATE_LIMITS: CtiRateLimits = {
  watcher: {burst: 120, perSecond: 2},
  apiKey: {burst: 100, perSecond: 5},
  network: {burst: 60, perSecond: 0.5},
}

export interface CtiServerOptions {
  store: CtiStore
  certifier: Certifier
  asn: AsnLookup
  logger: Logger
  /** The consensus window (ms): signals stamped before it are discounted. */
  windowMs: number
  /** Proxies whose X-Forwarded-For is believed (IPs or CIDRs). */
  trustedProxies?: readonly string[]
  rateLimits?: Partial<CtiRateLimits>
  /** The job whose state GET /status shows. */
  job?: ConsensusJob
  replica?: string
  clock?: () => number
}

interface Ctx {
  req: http.IncomingMessage
  res: http.ServerResponse
  url: URL
  ip: string
  params: string[]
}

type Handler = (ctx: Ctx) => Promise<void>

export class CtiServer {
  readonly #o: CtiServerOptions
  readonly #store: CtiStore
  readonly #clock: () => number
  readonly #proxies: IpInterval[]
  readonly #routes: {pattern: RegExp; methods: Partial<Record<string, Handler>>}[]
  readonly #watcherLimit: RateLimiter
  readonly #keyLimit: RateLimiter
  readonly #networkLimit: RateLimiter
  readonly #apiKeys = new Map<string, {name: string | undefined; until: number}>()
  #secret?: Buffer
  #server?: http.Server

  constructor(options: CtiServerOptions) {
    this.#o = options
    this.#store = options.store
    this.#clock = options.clock ?? Date.now
    this.#proxies = (options.trustedProxies ?? []).map((text) => {
      const r = parseIpInterval(text)
      if (r === null) throw new ApiError(500, `invalid IP or range '${text}' in cti.trusted_proxies`)
      return r
    })
    const limits = {...DEFAULT_RATE_LIMITS, ...options.rateLimits}
    this.#watcherLimit = new RateLimiter(limits.watcher, this.#clock)
    this.#keyLimit = new RateLimiter(limits.apiKey, this.#clock)
    this.#networkLimit = new RateLimiter(limits.network, this.#clock)
    this.#routes = this.#buildRoutes()
  }

  readonly handle = (req: http.IncomingMessage, res: http.ServerResponse): void => {
    void this.#dispatch(req, res)
  }

  async listen(listen: string): Promise<string> {
    this.#secret ??= await this.#store.jwtSecret()
    const m = /^\[?([^\]]*?)\]?:(\d+)$/.exec(listen)
    if (m === null) throw new ApiError(500, `invalid listen address '${listen}': HOST:PORT`)
    const server = http.createServer(this.handle)
    limitServer(server, {headersTimeoutMs: 30_000, requestTimeoutMs: 120_000, keepAliveTimeoutMs: 65_000,
      onBadRequest: (message) => this.#o.logger.debug(`cti: bad request from a client: ${message}`)})
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject)
      server.listen(Number(m[2]), m[1], () => {
        server.off('error', reject)
        resolve()
      })
    })
    this.#server = server
    const a = server.address() as AddressInfo
    return `http://${a.family === 'IPv6' ? `[${a.address}]` : a.address}:${a.port}/`
  }

  async close(): Promise<void> {
    const s = this.#server
    if (s === undefined) return
    this.#server = undefined
    await new Promise<void>((resolve) => {
      s.close(() => resolve())
      s.closeIdleConnections()
    })
  }

  // ---- dispatch and answers

  async #dispatch(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    try {
      this.#secret ??= await this.#store.jwtSecret()
      let url: URL
      try {
        url = new URL(req.url ?? '/', 'http://cti.invalid')
      } catch {
        throw new ApiError(400, 'malformed request URL')
      }
      const ctx: Ctx = {req, res, url, ip: this.#callerIp(req), params: []}
      for (const route of this.#routes) {
        const m = route.pattern.exec(url.pathname)
        if (m === null) continue
        const handler = route.methods[req.method ?? 'GET']
        if (handler === undefined) throw new ApiError(405, `method ${req.method} not allowed on ${url.pathname}`)
        ctx.params = m.slice(1)
        await handler(ctx)
        return
      }
      throw new ApiError(404, `no route ${url.pathname}`)
    } catch (error) {
      let status = 500
      let message = 'internal error'
      if (error instanceof ApiError || error instanceof BodyError) {
        status = error.status
        message = error.message
      } else if (error instanceof StoreError) {
        status = error.status
        message = error.message
        if (status >= 500) this.#o.logger.error(`cti: ${req.method} ${req.url}: store: ${error.message}`)
      } else {
        this.#o.logger.error(`cti: ${req.method} ${req.url}: ${(error as Error)?.stack ?? String(error)}`)
      }
      if (res.headersSent) res.destroy()
      else this.#json(res, status, status === 401 ? {code: 401, message} : {message})
    }
  }

  #json(res: http.ServerResponse, status: number, body: unknown): void {
    const text = JSON.stringify(body)
    res.writeHead(status, {'Content-Type': JSON_TYPE, 'Content-Length': Buffer.byteLength(text)})
    res.end(text)
  }

  /** A large answer (the blocklist) gzipped when the client accepts it (CrowdSec's Go client always does). */
  async #bigJson(ctx: Ctx, body: unknown): Promise<void> {
    const text = JSON.stringify(body)
    if (text.length < GZIP_FROM || !/\bgzip\b/i.test(String(ctx.req.headers['accept-encoding'] ?? ''))) return this.#json(ctx.res, 200, body)
    const data = await new Promise<Buffer>((resolve, reject) => gzip(text, {level: 6}, (error, out) => (error ? reject(error) : resolve(out))))
    ctx.res.writeHead(200, {'Content-Type': JSON_TYPE, 'Content-Encoding': 'gzip', 'Content-Length': data.length, Vary: 'Accept-Encoding'})
    ctx.res.end(data)
  }

  async #body(ctx: Ctx, limit: number): Promise<unknown> {
    const raw = await readBody(ctx.req, limit)
    if (raw.length === 0) throw new ApiError(400, 'the request body is empty: JSON expected')
    try {
      return JSON.parse(raw.toString('utf8')) as unknown
    } catch (error) {
      throw new ApiError(400, `the request body is not JSON: ${(error as Error).message}`)
    }
  }

  #callerIp(req: http.IncomingMessage): string {
    let ip = stripMapped(req.socket.remoteAddress ?? '')
    if (this.#proxies.length > 0 && this.#inProxies(ip)) {
      const forwarded = String(req.headers['x-forwarded-for'] ?? '').split(',').map((s) => s.trim()).filter((s) => s !== '')
      for (let i = forwarded.length - 1; i >= 0; i--) {
        const candidate = stripMapped(forwarded[i]!)
        if (canonicalIp(candidate) === null) break
        ip = candidate
        if (!this.#inProxies(candidate)) break
      }
    }
    return ip
  }

  #inProxies(ip: string): boolean {
    const a = parseIpInterval(ip)
    return a !== null && this.#proxies.some((r) => intervalContains(r, a))
  }

  // ---- authentication

  /** The watcher of the request's bearer token: 401 for a missing, forged, expired or superseded one. */
  async #watcher(ctx: Ctx): Promise<CtiWatcher> {
    const m = /^Bearer\s+(\S+)$/i.exec(String(ctx.req.headers.authorization ?? ''))
    if (m === null) throw new ApiError(401, 'missing or malformed Authorization header: Bearer token expected')
    const check = verifyJwt(m[1]!, this.#secret!, Math.floor(this.#clock() / 1000))
    if (!check.ok) throw new ApiError(401, check.reason)
    const watcher = await this.#store.getWatcher(check.claims.id)
    if (watcher === undefined) throw new ApiError(401, `watcher ${check.claims.id} not found`)
    const gen = (check.claims as unknown as {gen?: unknown}).gen
    if (typeof gen !== 'number' || gen <= watcher.loginGen - LIVE_LOGINS || gen > watcher.loginGen) throw new ApiError(401, 'token superseded by later logins: log in again')
    if (!this.#watcherLimit.take(watcher.machineId)) throw new ApiError(429, `too many requests from watcher ${watcher.machineId}: slow down`)
    return watcher
  }

  async #apiKey(ctx: Ctx): Promise<string> {
    const key = ctx.req.headers['x-api-key']
    if (typeof key !== 'string' || key === '') throw new ApiError(403, 'forbidden: X-Api-Key header missing')
    const hash = hashApiKey(key)
    const now = this.#clock()
    let hit = this.#apiKeys.get(hash)
    if (hit === undefined || hit.until <= now) {
      if (this.#apiKeys.size > 10_000) this.#apiKeys.clear()
      hit = {name: (await this.#store.apiKeyByHash(hash))?.name, until: now + API_KEY_CACHE_MS}
      this.#apiKeys.set(hash, hit)
    }
    if (hit.name === undefined) throw new ApiError(403, 'forbidden: unknown API key')
    if (!this.#keyLimit.take(hit.name)) throw new ApiError(429, 'quota exceeded: slow down')
    return hit.name
  }

  // ---- routes

  #buildRoutes() {
    const route = (path: string, methods: Partial<Record<string, Handler>>) => ({pattern: new RegExp(`^${path}$`), methods})
    const v = '/v[23]'
    return [
      route(`${v}/watchers/?`, {POST: (c) => this.#register(c)}),
      route(`${v}/watchers/login/?`, {POST: (c) => this.#login(c)}),
      route(`${v}/signals/?`, {POST: (c) => this.#signals(c)}),
      route(`${v}/metrics/?`, {POST: (c) => this.#metrics(c)}),
      route(`${v}/usage-metrics/?`, {POST: (c) => this.#metrics(c)}),
      route(`${v}/decisions/delete/?`, {POST: (c) => this.#ignored(c)}),
      route('/(v[23])/decisions/stream/?', {GET: (c) => this.#stream(c)}),
      route('/v2/smoke/([^/]+)/?', {GET: (c) => this.#smokeOne(c)}),
      route('/v2/smoke/?', {GET: (c) => this.#smokeMany(c)}),
      route('/v2/fire/?', {GET: (c) => this.#fire(c)}),
      route('/status/?', {GET: async (c) => this.#status(c)}),
    ]
  }

  /** This replica and the consensus job: for the operator, from the machine itself (loopback, not through a proxy). */
  async #status(ctx: Ctx): Promise<void> {
    const peer = stripMapped(ctx.req.socket.remoteAddress ?? '')
    if (!(peer === '::1' || peer.startsWith('127.')) || ctx.req.headers['x-forwarded-for'] !== undefined) throw new ApiError(403, 'status is only for loopback callers')
    this.#json(ctx.res, 200, {replica: this.#o.replica ?? '', leader: this.#o.job?.leader ?? false, passes: this.#o.job?.passes ?? 0})
  }

  async #register(ctx: Ctx): Promise<void> {
    const body = object(await this.#body(ctx, OPEN_BODY), 'the body')
    const machineId = machineIdOf(body)
    const password = stringField(body, 'password', 1, 512)
    const network = reporterNetwork(ctx.ip)
    if (!this.#networkLimit.take(`net:${network}`)) throw new ApiError(429, `too many registrations and logins from ${network}: slow down`)
    const hash = await hashPassword(password)
    try {
      await this.#store.addWatcher(machineId, hash, this.#clock(), ctx.ip, network)
    } catch (error) {
      if (error instanceof StoreError && error.kind === 'exists') throw new ApiError(403, `machine_id ${machineId} is already registered`)
      throw error
    }
    this.#json(ctx.res, 201, {message: 'OK'})
  }

  async #login(ctx: Ctx): Promise<void> {
    const body = object(await this.#body(ctx, 4 * 1024 * 1024), 'the body')
    const machineId = machineIdOf(body)
    const password = stringField(body, 'password', 0, 512)
    let scenarios: string[] = []
    if (body.scenarios !== undefined && body.scenarios !== null) {
      if (!Array.isArray(body.scenarios)) throw new ApiError(400, 'scenarios must be an array of scenario names')
      if (body.scenarios.length > MAX_SCENARIOS) throw new ApiError(400, `scenarios: at most ${MAX_SCENARIOS} names`)
      for (const [i, s] of body.scenarios.entries()) if (typeof s !== 'string' || s === '' || s.length > 256) throw new ApiError(400, `scenarios[${i}] must be a scenario name (a non-empty string)`)
      scenarios = [...new Set(body.scenarios as string[])].sort()
    }
    const network = reporterNetwork(ctx.ip)
    if (!this.#networkLimit.take(`net:${network}`)) throw new ApiError(429, `too many registrations and logins from ${network}: slow down`)
    const watcher = await this.#store.getWatcher(machineId)
    if (watcher === undefined || !(await verifyPassword(password, watcher.passwordHash))) throw new ApiError(401, 'incorrect Username or Password')
    const now = this.#clock()
    const gen = await this.#store.recordLogin(machineId, {now, sourceIp: ctx.ip, network, asn: this.#o.asn.asn(ctx.ip), scenarios})
    const exp = Math.floor(now / 1000) + TOKEN_LIFETIME_S
    const claims = {id: machineId, exp, orig_iat: Math.floor(now / 1000), gen}
    this.#json(ctx.res, 200, {code: 200, expire: new Date(exp * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z'), token: signJwt(claims, this.#secret!)})
  }

  async #signals(ctx: Ctx): Promise<void> {
    const watcher = await this.#watcher(ctx)
    const body = await this.#body(ctx, SIGNALS_BODY)
    if (!Array.isArray(body)) throw new ApiError(400, 'the body must be an array of signals')
    if (body.length > MAX_SIGNALS_PER_REQUEST) throw new ApiError(400, `at most ${MAX_SIGNALS_PER_REQUEST} signals per request, not ${body.length}`)
    const now = this.#clock()
    const declared = new Set(watcher.scenarios)
    const rows: CtiSignalRow[] = []
    const refused = {undeclared: 0, scope: 0, future: 0, stale: 0}
    const trust = {certified: 0, tainted: 0, custom: 0, manual: 0}
    for (const [i, item] of body.entries()) {
      const s = object(item, `signals[${i}]`)
      const at = `signals[${i}]`
      const scenario = stringField(s, 'scenario', 1, 256, at)
      const hash = optionalString(s, 'scenario_hash', at)
      const version = optionalString(s, 'scenario_version', at)
      const source = object(s.source, `${at}.source`)
      const scope = optionalString(source, 'scope', `${at}.source`) || 'Ip'
      const value = optionalString(source, 'value', `${at}.source`) || optionalString(source, 'ip', `${at}.source`)
      const time = timeOf(s, at)
      const decisions = s.decisions
      if (decisions !== undefined && decisions !== null && !Array.isArray(decisions)) throw new ApiError(400, `${at}.decisions must be an array`)
      const first = Array.isArray(decisions) && decisions.length > 0 && decisions[0] !== null && typeof decisions[0] === 'object' ? (decisions[0] as Record<string, unknown>) : undefined
      if (scope.toLowerCase() !== 'ip') {
        refused.scope++
        continue
      }
      const ip = canonicalIp(value)
      if (ip === null) throw new ApiError(400, `${at}.source.value: "${value.slice(0, 64)}" is not an IP address`)
      if (!declared.has(scenario)) {
        refused.undeclared++
        continue
      }
      if (time > now + FUTURE_SLACK_MS) {
        refused.future++
        continue
      }
      if (time < now - this.#o.windowMs) {
        refused.stale++
        continue
      }
      const t = this.#o.certifier.trust(scenario, hash, version, first?.origin === 'cscli')
      trust[t]++
      rows.push({machineId: watcher.machineId, ip: ip.key, scenario, scenarioHash: hash, scenarioVersion: version, trust: t, at: time, receivedAt: now})
    }
    await this.#store.insertSignals(rows)
    this.#json(ctx.res, 200, {message: 'OK', received: body.length, stored: rows.length, trust, refused})
  }

  async #metrics(ctx: Ctx): Promise<void> {
    const watcher = await this.#watcher(ctx)
    const body = await this.#body(ctx, OPEN_BODY * 16)
    if (body === null || typeof body !== 'object') throw new ApiError(400, 'the metrics body must be a JSON object')
    await this.#store.saveMetrics(watcher.machineId, JSON.stringify(body), this.#clock())
    this.#json(ctx.res, 201, {message: 'OK'})
  }

  async #ignored(ctx: Ctx): Promise<void> {
    await this.#watcher(ctx)
    await this.#body(ctx, OPEN_BODY * 16)
    this.#json(ctx.res, 200, {message: 'OK'})
  }

  async #stream(ctx: Ctx): Promise<void> {
    const watcher = await this.#watcher(ctx)
    const startupParam = ctx.url.searchParams.get('startup')
    if (startupParam !== null && startupParam !== 'true' && startupParam !== 'false') throw new ApiError(400, `startup must be true or false, not "${startupParam.slice(0, 20)}"`)
    const now = this.#clock()
    const declared = new Set(watcher.scenarios)
    const since = watcher.lastPull
    const full = startupParam === 'true' || since === null || since < now - TOMBSTONE_MS
    const rows = full ? await this.#store.activeFire(now) : await this.#store.fireChangedSince(since)
    const live: CtiFireRow[] = []
    const gone: CtiFireRow[] = []
    for (const f of rows) {
      if (!declared.has(f.scenario)) continue
      if (f.deletedAt !== null || f.expiresAt <= now) {
        if (!full) gone.push(f)
      } else {
        live.push(f)
      }
    }
    // PostgreSQL: a pass that started before this pull may commit after it; the next delta looks back a little (a repeat is harmless)
    await this.#store.setLastPull(watcher.machineId, now - (this.#store.engine === 'postgres' ? 10_000 : 1))
    const duration = (f: CtiFireRow): string => formatDuration(Math.max(0, Math.floor((f.expiresAt - now) / 1000)) * 1e9)
    if (ctx.params[0] === 'v2') {
      // CrowdSec 1.4's central API: the Local API's stream shape, every decision with origin CAPI
      let id = 0
      const decision = (f: CtiFireRow, d: string) => ({duration: d, id: ++id, origin: 'CAPI', scenario: f.scenario, scope: f.scope, type: 'ban', value: f.value})
      await this.#bigJson(ctx, {new: live.map((f) => decision(f, duration(f))), deleted: gone.map((f) => decision(f, '0s'))})
      return
    }
    const groups = new Map<string, {scenario: string; scope: string; decisions: {value: string; duration: string}[]}>()
    for (const f of live) {
      const scope = f.scope.toLowerCase()
      const key = `${f.scenario}\u0000${scope}`
      let g = groups.get(key)
      if (g === undefined) groups.set(key, (g = {scenario: f.scenario, scope, decisions: []}))
      g.decisions.push({value: f.value, duration: duration(f)})
    }
    const deleted = new Map<string, string[]>()
    for (const f of gone) deleted.set(f.scope.toLowerCase(), [...(deleted.get(f.scope.toLowerCase()) ?? []), f.value])
    await this.#bigJson(ctx, {
      new: [...groups.values()],
      deleted: [...deleted.entries()].map(([scope, decisions]) => ({scope, decisions})),
      links: {blocklists: [], allowlists: []},
    })
  }

  // ---- CTI API

  async #smokeOne(ctx: Ctx): Promise<void> {
    await this.#apiKey(ctx)
    let text: string
    try {
      text = decodeURIComponent(ctx.params[0]!)
    } catch {
      throw new ApiError(400, `"${ctx.params[0]!.slice(0, 64)}" is not an IP address`)
    }
    const ip = canonicalIp(text)
    if (ip === null) throw new ApiError(400, `"${text.slice(0, 64)}" is not an IP address`)
    const items = await this.#items([ip.key])
    if (items.length === 0) throw new ApiError(404, 'IP address information not found')
    this.#json(ctx.res, 200, items[0])
  }

  async #smokeMany(ctx: Ctx): Promise<void> {
    await this.#apiKey(ctx)
    const list = (ctx.url.searchParams.get('ips') ?? '').split(',').map((s) => s.trim()).filter((s) => s !== '')
    if (list.length === 0) throw new ApiError(400, 'ips must list at least one IP address (ips=a,b,c)')
    if (list.length > MAX_SMOKE_IPS) throw new ApiError(400, `ips: at most ${MAX_SMOKE_IPS} addresses per request, not ${list.length}`)
    const keys: string[] = []
    for (const text of list) {
      const ip = canonicalIp(text)
      if (ip === null) throw new ApiError(400, `ips: "${text.slice(0, 64)}" is not an IP address`)
      if (!keys.includes(ip.key)) keys.push(ip.key)
    }
    const items = await this.#items(keys)
    const found = new Set(items.map((i) => i.ip))
    this.#json(ctx.res, 200, {total: items.length, not_found: keys.filter((k) => !found.has(k)).length, items})
  }

  async #fire(ctx: Ctx): Promise<void> {
    await this.#apiKey(ctx)
    const q = ctx.url.searchParams
    const page = intParam(q.get('page'), 'page', 1, 1, 1_000_000)
    const limit = intParam(q.get('limit'), 'limit', 100, 1, 1000)
    const now = this.#clock()
    let since = 0
    const sinceText = q.get('since')
    if (sinceText !== null && sinceText !== '') {
      try {
        since = now - parseGoDuration(sinceText).ns / 1e6
      } catch {
        const t = Date.parse(sinceText)
        if (!Number.isFinite(t)) throw new ApiError(400, `since must be a duration such as 24h or an RFC 3339 time, not "${sinceText.slice(0, 40)}"`)
        since = t
      }
    }
    const {rows, total} = await this.#store.firePage(now, since, (page - 1) * limit, limit)
    const smoke = await this.#store.smoke(rows.filter((f) => f.scope === 'Ip').map((f) => f.value))
    const items = rows.map((f) => fireItem(f, smoke.get(f.value), now))
    const href = (p: number): {href: string} => {
      const u = new URLSearchParams({page: String(p), limit: String(limit)})
      if (sinceText !== null && sinceText !== '') u.set('since', sinceText)
      return {href: `/v2/fire?${u.toString()}`}
    }
    const pages = Math.max(1, Math.ceil(total / limit))
    await this.#bigJson(ctx, {
      _links: {first: href(1), self: href(page), prev: page > 1 ? href(page - 1) : null, next: page < pages ? href(page + 1) : null},
      total,
      items,
    })
  }

  async #items(keys: readonly string[]): Promise<Record<string, unknown>[]> {
    const now = this.#clock()
    const smoke = await this.#store.smoke(keys)
    const out: Record<string, unknown>[] = []
    for (const key of keys) {
      let fire = await this.#store.fireEntry(key)
      if (fire !== undefined && (fire.deletedAt !== null || fire.expiresAt <= now)) fire = undefined
      if (fire === undefined) {
        const r = rangeOf(canonicalIp(key)!.addr)
        if (r !== null) {
          const range = await this.#store.fireEntry(ipNetString(r))
          if (range !== undefined && range.deletedAt === null && range.expiresAt > now) fire = range
        }
      }
      const s = smoke.get(key)
      if (s === undefined && fire === undefined) continue
      out.push(smokeItem(key, s, fire, now))
    }
    return out
  }
}

// ---- items (notifications-and-cti.md §9.3)

type Smoke = {signals: number; reporters: number; firstAt: number; lastAt: number; scenarios: string[]}

const iso = (ms: number): string => new Date(ms).toISOString().replace(/\.\d{3}Z$/, '+00:00')

function smokeItem(ip: string, s: Smoke | undefined, fire: CtiFireRow | undefined, now: number): Record<string, unknown> {
  const ev = (fire?.evidence ?? {}) as {firstAt?: number; lastAt?: number; scenarios?: Record<string, number>}
  const firstAt = Math.min(s?.firstAt ?? Infinity, ev.firstAt ?? Infinity)
  const lastAt = Math.max(s?.lastAt ?? 0, ev.lastAt ?? 0)
  const scenarios = [...new Set([...(s?.scenarios ?? []), ...Object.keys(ev.scenarios ?? {})])].sort()
  const ageDays = Math.max(0, Math.floor((now - firstAt) / 86_400_000))
  const behaviors = scenarios.map((name) => ({name, label: name, description: `reported with the hub scenario ${name}`}))
  const total = fire !== undefined ? 5 : Math.min(4, s?.reporters ?? 0)
  const score = {aggressiveness: total, threat: total, trust: total, anomaly: 0, total}
  const r = rangeOf(canonicalIp(ip)!.addr)
  return {
    ip,
    ip_range: r === null ? null : ipNetString(r),
    ip_range_score: 0,
    as_name: null,
    as_num: null,
    location: {country: null, city: null, latitude: null, longitude: null},
    reverse_dns: null,
    reputation: fire !== undefined ? 'malicious' : 'suspicious',
    background_noise: 'none',
    background_noise_score: 0,
    confidence: fire !== undefined ? 'high' : 'low',
    behaviors,
    history: {first_seen: Number.isFinite(firstAt) ? iso(firstAt) : null, last_seen: lastAt > 0 ? iso(lastAt) : null, full_age: ageDays + 1, days_age: ageDays},
    classifications: {
      classifications: fire !== undefined ? [{name: 'community-blocklist', label: 'Community blocklist', description: `promoted by the consensus of this service (${fire.scope === 'Range' ? `range ${fire.value}` : 'the address'})`}] : [],
      false_positives: [],
    },
    attack_details: behaviors.map((b) => ({...b, references: []})),
    target_countries: {},
    scores: {overall: score, last_day: score, last_week: score, last_month: score},
    references: [],
    cves: [],
    reports: {signals: s?.signals ?? 0, reporters: s?.reporters ?? 0},
  }
}

function fireItem(f: CtiFireRow, s: Smoke | undefined, now: number): Record<string, unknown> {
  const base = f.scope === 'Ip' ? smokeItem(f.value, s, f, now) : {...smokeItem(f.value.split('/')[0]!, undefined, f, now), ip: f.value, ip_range: f.value}
  return {...base, scope: f.scope, scenario: f.scenario, state: 'validated', expiration: iso(f.expiresAt), promoted_at: iso(f.promotedAt)}
}

// ---- body checks: each names the field that is wrong

function object(v: unknown, what: string): Record<string, unknown> {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) throw new ApiError(400, `${what} must be a JSON object`)
  return v as Record<string, unknown>
}

function stringField(o: Record<string, unknown>, key: string, min: number, max: number, at = ''): string {
  const v = o[key]
  const name = at === '' ? key : `${at}.${key}`
  if (typeof v !== 'string') throw new ApiError(400, `${name} is required (a string)`)
  if (v.length < min || v.length > max) throw new ApiError(400, `${name} must have ${min} to ${max} characters`)
  return v
}

function optionalString(o: Record<string, unknown>, key: string, at: string): string {
  const v = o[key]
  if (v === undefined || v === null) return ''
  if (typeof v !== 'string' || v.length > 512) throw new ApiError(400, `${at}.${key} must be a string (at most 512 characters)`)
  return v
}

function machineIdOf(body: Record<string, unknown>): string {
  const id = body.machine_id
  if (typeof id !== 'string' || !MACHINE_ID.test(id)) throw new ApiError(400, 'machine_id is required: 1 to 128 letters, digits, dots, dashes, underscores or @')
  return id
}

/** When the signal happened: its stop, else its start, else its creation (ms). */
function timeOf(s: Record<string, unknown>, at: string): number {
  for (const key of ['stop_at', 'start_at', 'created_at']) {
    const v = s[key]
    if (v === undefined || v === null || v === '') continue
    const t = typeof v === 'string' ? Date.parse(v) : NaN
    if (!Number.isFinite(t)) throw new ApiError(400, `${at}.${key}: "${String(v).slice(0, 40)}" is not an RFC 3339 time`)
    return t
  }
  throw new ApiError(400, `${at} has no stop_at, start_at or created_at`)
}

function intParam(text: string | null, name: string, fallback: number, min: number, max: number): number {
  if (text === null || text === '') return fallback
  if (!/^\d+$/.test(text) || Number(text) < min || Number(text) > max) throw new ApiError(400, `${name} must be an integer from ${min} to ${max}, not "${text.slice(0, 20)}"`)
  return Number(text)
}

function stripMapped(ip: string): string {
  return ip.startsWith('::ffff:') && ip.includes('.') ? ip.slice(7) : ip
}

/** A replica's name for the lease: host, process and a random tag. */
export function replicaName(host: string): string {
  return `${host}/${process.pid}/${randomBytes(4).toString('hex')}`
}
