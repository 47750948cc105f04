/**
 * The web console `crowd lapi serve` serves at /console/ when `[lapi] console = true`
 * (docs/console.md): a page, its script and its style (files under ./assets, read once and served
 * from memory) and the JSON the script reads under /console/api/, plus a server-sent event stream
 * that says when alerts or decisions changed.
 *
 * Security: a machine logs in with its LAPI password (as POST /v1/watchers/login checks it) and
 * gets a new session (an HttpOnly, SameSite=Strict cookie, Secure over TLS). Every answer carries a
 * Content-Security-Policy that allows scripts, styles and connections from this origin only (no
 * inline script, no eval). Every write needs the session's CSRF token in X-CSRF-Token (compared in
 * constant time), a JSON body where it has one, an Origin (when sent) equal to this server's, and
 * the admin role, read from the store on each request. Failed logins are rate-limited per client
 * address and per machine id.
 */
import * as fs from 'node:fs'
import type * as http from 'node:http'
import * as path from 'node:path'
import type {TLSSocket} from 'node:tls'
import {fileURLToPath} from 'node:url'
import {CrowdError} from '../../model/errors.js'
import type {Logger} from '../../model/logger.js'
import {parseIpInterval} from '../../store/ip-range.js'
import type {AlertFilter, AlertRecord, DecisionFilter, DecisionRecord, MachineRecord, Store} from '../../store/types.js'
import {StoreError} from '../../store/types.js'
import {bouncerView, machineView} from '../admin.js'
import {hashPassword, verifyPassword} from '../auth.js'
import {BodyError, readBody} from '../body.js'
import {manualDecisionAlert, type ManualDecision} from '../decisions-admin.js'
import type {LapiOperations} from '../operations.js'
import {ApiError, rfc3339} from '../wire.js'
import {LoginLimiter, sameSecret, Sessions, type Session} from './sessions.js'

export const COOKIE = 'crowd_console'
export const CSRF_HEADER = 'x-csrf-token'
/** The policy every console answer carries: this origin only, no inline script or style, no eval, no framing. */
export const CONTENT_SECURITY_POLICY =
  "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; font-src 'self'; object-src 'none'; " +
  "base-uri 'none'; form-action 'self'; frame-ancestors 'none'"

const SECURITY_HEADERS: http.OutgoingHttpHeaders = {
  'Content-Security-Policy': CONTENT_SECURITY_POLICY,
  'X-Content-Type-Options': 'nosniff',
  'X-Frame-Options': 'DENY',
  'Referrer-Policy': 'no-referrer',
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Resource-Policy': 'same-origin',
}

const BODY_LIMIT = 64 * 1024
/** How often the store is asked whether something changed while a live stream is open. */
export const CHANGE_POLL_MS = 500
const HEARTBEAT_MS = 15_000
const HUB_CACHE_MS = 30_000
const METRICS_CACHE_MS = 2000
const MAX_STREAMS = 200

/** Time windows of the charts: buckets and their width. */
export const WINDOWS: Record<string, {buckets: number; bucketMs: number}> = {
  '1h': {buckets: 60, bucketMs: 60_000},
  '6h': {buckets: 72, bucketMs: 5 * 60_000},
  '24h': {buckets: 96, bucketMs: 15 * 60_000},
  '7d': {buckets: 84, bucketMs: 2 * 3600_000},
  '30d': {buckets: 90, bucketMs: 8 * 3600_000},
}

/** An installed hub package as the console lists it (what `crowd hub list --json` says of it). */
export interface ConsoleHubPackage {
  name: string
  type: string
  installed?: string
  latest?: string
  tainted?: boolean
  source?: string
}

/**
 * What the console shows that the LAPI does not keep: handed in by the command (src/commands/lapi/serve.ts),
 * since the hub and the watch metrics are layers the LAPI does not import.
 */
export interface ConsoleSources {
  /** The installed hub packages, with their latest version and taint. */
  hub?: () => Promise<ConsoleHubPackage[]>
  /** The watch's figures (src/metrics WatchFigures) and where they were read. */
  metrics?: () => Promise<{from: string; figures: unknown}>
}

export interface ConsoleOptions {
  store: Store
  ops: LapiOperations
  logger: Logger
  clock: () => number
  sources?: ConsoleSources
  /** Where index.html, console.js... are (default: found next to this module). */
  assetsDir?: string
}

interface Asset {
  body: Buffer
  type: string
}

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
}

/** The assets folder, next to this module: in src/, or in dist/ where the build copies it (scripts/copy-assets.mjs). */
export function consoleAssetsDir(): string {
  const here = path.dirname(fileURLToPath(import.meta.url))
  const candidates = [path.join(here, 'assets')]
  for (const dir of candidates) if (fs.existsSync(path.join(dir, 'index.html'))) return dir
  throw new CrowdError('config', `[lapi] console = true, but the console's files are missing (looked in ${candidates.join(' and ')}; npm run build copies them into dist/)`)
}

function loadAssets(dir: string): Map<string, Asset> {
  const out = new Map<string, Asset>()
  for (const name of fs.readdirSync(dir)) {
    const type = TYPES[path.extname(name)]
    if (type !== undefined) out.set(name, {body: fs.readFileSync(path.join(dir, name)), type})
  }
  if (!out.has('index.html')) throw new CrowdError('config', `the console's index.html is missing from ${dir}`)
  return out
}

class ConsoleError extends Error {
  constructor(readonly status: number, message: string, readonly headers: http.OutgoingHttpHeaders = {}) {
    super(message)
  }
}

interface Request {
  req: http.IncomingMessage
  res: http.ServerResponse
  url: URL
  ip: string
  secure: boolean
}

interface Caller {
  session: Session
  sessionId: string
  machine: MachineRecord
}

interface Stream {
  res: http.ServerResponse
  session: Session
}

export class ConsoleServer {
  readonly sessions: Sessions
  readonly limiter: LoginLimiter
  readonly #store: Store
  readonly #ops: LapiOperations
  readonly #logger: Logger
  readonly #clock: () => number
  readonly #sources: ConsoleSources
  readonly #assets: Map<string, Asset>
  readonly #streams = new Set<Stream>()
  #pollTimer?: NodeJS.Timeout
  #heartbeatTimer?: NodeJS.Timeout
  #lastMarks = ''
  #polling = false
  #hubCache?: {at: number; value: Promise<unknown>}
  #dummy?: Promise<string>
  #metricsCache?: {at: number; value: Promise<unknown>}

  constructor(options: ConsoleOptions) {
    this.#store = options.store
    this.#ops = options.ops
    this.#logger = options.logger
    this.#clock = options.clock
    this.#sources = options.sources ?? {}
    this.#assets = loadAssets(options.assetsDir ?? consoleAssetsDir())
    this.sessions = new Sessions(this.#clock)
    this.limiter = new LoginLimiter(this.#clock)
  }

  /** Ends the live streams and stops polling (the server is closing). */
  close(): void {
    this.#stopPolling()
    for (const s of this.#streams) s.res.end()
    this.#streams.clear()
  }

  /** Answers a request whose path is /console or under /console/. */
  async handle(req: http.IncomingMessage, res: http.ServerResponse, url: URL, ip: string): Promise<void> {
    const r: Request = {req, res, url, ip, secure: (req.socket as TLSSocket).encrypted === true}
    try {
      await this.#route(r)
    } catch (error) {
      this.#failed(r, error)
    }
  }

  #failed(r: Request, error: unknown): void {
    let status = 500
    let message = 'internal error'
    let headers: http.OutgoingHttpHeaders = {}
    if (error instanceof ConsoleError) {
      status = error.status
      message = error.message
      headers = error.headers
    } else if (error instanceof ApiError || error instanceof BodyError) {
      status = error.status >= 500 ? 500 : error.status
      message = error.message
    } else if (error instanceof CrowdError) {
      status = error.code === 'not-found' ? 404 : 400
      message = error.message
    } else if (error instanceof StoreError) {
      status = error.kind === 'unavailable' ? 503 : error.kind === 'not-found' ? 404 : 500
      message = error.message
    }
    if (status >= 500) this.#logger.error(`lapi console: ${r.req.method} ${r.url.pathname}: ${(error as Error)?.stack ?? String(error)}`)
    if (r.res.headersSent) {
      r.res.destroy()
      return
    }
    this.#json(r, status, {message}, headers)
  }

  async #route(r: Request): Promise<void> {
    const method = r.req.method ?? 'GET'
    const p = r.url.pathname
    if (p === '/console') {
      r.res.writeHead(308, {...SECURITY_HEADERS, Location: '/console/', 'Content-Length': 0})
      r.res.end()
      return
    }
    if (!p.startsWith('/console/api/')) {
      if (method !== 'GET' && method !== 'HEAD') throw new ConsoleError(405, `${method} is not allowed on ${p}`, {Allow: 'GET, HEAD'})
      const name = p === '/console/' ? 'index.html' : p.slice('/console/'.length)
      const asset = this.#assets.get(name)
      if (asset === undefined) throw new ConsoleError(404, `no such console page: ${p}`)
      r.res.writeHead(200, {...SECURITY_HEADERS, 'Content-Type': asset.type, 'Content-Length': asset.body.length, 'Cache-Control': 'no-cache'})
      r.res.end(method === 'HEAD' ? undefined : asset.body)
      return
    }
    const api = p.slice('/console/api/'.length).replace(/\/$/, '')
    const routes: Record<string, Partial<Record<string, () => Promise<void>>>> = {
      session: {GET: () => this.#session(r)},
      login: {POST: () => this.#login(r)},
      logout: {POST: () => this.#logout(r)},
      alerts: {GET: () => this.#read(r, (c) => this.#alerts(r, c))},
      stats: {GET: () => this.#read(r, () => this.#stats(r))},
      decisions: {GET: () => this.#read(r, () => this.#decisions(r)), POST: () => this.#write(r, (c) => this.#addDecision(r, c))},
      agents: {GET: () => this.#read(r, () => this.#agents())},
      hub: {GET: () => this.#read(r, () => this.#hub())},
      metrics: {GET: () => this.#read(r, () => this.#metrics())},
      events: {GET: () => this.#events(r)},
    }
    const m = /^decisions\/(\d{1,15})$/.exec(api)
    if (m !== null) {
      if (method !== 'DELETE') throw new ConsoleError(405, `${method} is not allowed on ${p}`, {Allow: 'DELETE'})
      return this.#write(r, (c) => this.#deleteDecision(c, Number(m[1])))
    }
    const route = routes[api]
    if (route === undefined) throw new ConsoleError(404, `no such console API: ${p}`)
    const handler = route[method]
    if (handler === undefined) throw new ConsoleError(405, `${method} is not allowed on ${p}`, {Allow: Object.keys(route).join(', ')})
    await handler()
  }

  // ---- answers

  #json(r: Request, status: number, body: unknown, extra: http.OutgoingHttpHeaders = {}): void {
    const text = JSON.stringify(body)
    r.res.writeHead(status, {...SECURITY_HEADERS, 'Content-Type': 'application/json; charset=utf-8', 'Content-Length': Buffer.byteLength(text),
      'Cache-Control': 'no-store', ...extra})
    r.res.end(text)
  }

  #cookie(r: Request, value: string, maxAgeS: number): string {
    return `${COOKIE}=${value}; Path=/console/; HttpOnly; SameSite=Strict; Max-Age=${maxAgeS}${r.secure ? '; Secure' : ''}`
  }

  // ---- sessions

  #sessionId(r: Request): string | undefined {
    for (const part of String(r.req.headers.cookie ?? '').split(';')) {
      const eq = part.indexOf('=')
      if (eq > 0 && part.slice(0, eq).trim() === COOKIE) return part.slice(eq + 1).trim()
    }
    return undefined
  }

  /** The logged-in caller, with the machine as stored now (its role may have changed); else 401. */
  async #caller(r: Request): Promise<Caller> {
    const sessionId = this.#sessionId(r)
    const session = this.sessions.get(sessionId)
    if (session === undefined) throw new ConsoleError(401, 'not logged in (or the session expired): log in with a machine id and its password')
    const machine = await this.#store.getMachine(session.machineId)
    if (machine === undefined || !machine.isValidated) {
      this.sessions.end(sessionId)
      throw new ConsoleError(401, `machine ${session.machineId} no longer exists or is not validated: the session ended`)
    }
    return {session, sessionId: sessionId!, machine}
  }

  async #session(r: Request): Promise<void> {
    const session = this.sessions.get(this.#sessionId(r))
    const machine = session === undefined ? undefined : await this.#store.getMachine(session.machineId)
    // 200 either way: the page asks this first, and an anonymous visitor is not an error
    if (session === undefined || machine === undefined || !machine.isValidated) return this.#json(r, 200, {authenticated: false})
    this.#json(r, 200, {authenticated: true, machine_id: machine.machineId, role: machine.role, csrf_token: session.csrf,
      expires_at: rfc3339(this.sessions.expiresAt(session))})
  }

  async #login(r: Request): Promise<void> {
    this.#sameOrigin(r)
    const body = await this.#body(r)
    const machineId = typeof body.machine_id === 'string' ? body.machine_id : ''
    const password = typeof body.password === 'string' ? body.password : ''
    if (machineId === '' || password === '') throw new ConsoleError(400, 'give machine_id and password')
    const keys = [`ip:${r.ip}`, `machine:${machineId}`]
    const wait = this.limiter.waitMs(keys)
    if (wait > 0) {
      const s = Math.ceil(wait / 1000)
      throw new ConsoleError(429, `too many failed logins from ${r.ip} or for ${machineId}: try again in ${s} s`, {'Retry-After': String(s)})
    }
    const machine = await this.#store.getMachine(machineId)
    // an unknown machine costs a hash check too: the answer's time does not tell which machine ids exist
    const ok = machine !== undefined && machine.authType === 'password'
      ? await verifyPassword(password, machine.passwordHash)
      : (await verifyPassword(password, await this.#dummyHash()), false)
    if (!ok || machine === undefined) {
      this.limiter.failed(keys)
      this.#logger.info(`lapi console: failed login for '${machineId}' from ${r.ip}`)
      throw new ConsoleError(401, 'incorrect machine id or password')
    }
    if (!machine.isValidated) throw new ConsoleError(401, `machine ${machineId} is not validated (crowd machines validate ${machineId})`)
    this.limiter.succeeded([`machine:${machineId}`])
    // no fixation: whatever session the browser had ends, and a new id is made
    this.sessions.end(this.#sessionId(r))
    const {id, session} = this.sessions.create(machineId)
    this.#logger.info(`lapi console: '${machineId}' (${machine.role}) logged in from ${r.ip}`)
    this.#json(r, 200, {authenticated: true, machine_id: machineId, role: machine.role, csrf_token: session.csrf,
      expires_at: rfc3339(this.sessions.expiresAt(session))}, {'Set-Cookie': this.#cookie(r, id, Math.floor((this.sessions.expiresAt(session) - session.createdAt) / 1000))})
  }

  #dummyHash(): Promise<string> {
    this.#dummy ??= hashPassword('not a password of any machine')
    return this.#dummy
  }

  async #logout(r: Request): Promise<void> {
    const caller = await this.#caller(r)
    this.#csrf(r, caller)
    this.#sameOrigin(r)
    this.sessions.end(caller.sessionId)
    this.#json(r, 200, {authenticated: false}, {'Set-Cookie': this.#cookie(r, '', 0)})
  }

  /** A write from another origin is refused (browsers send Origin on every POST and DELETE). */
  #sameOrigin(r: Request): void {
    const origin = r.req.headers.origin
    if (origin === undefined) return
    const host = r.req.headers.host ?? ''
    if (origin !== `${r.secure ? 'https' : 'http'}://${host}`) throw new ConsoleError(403, `cross-origin write refused (Origin ${origin})`)
  }

  #csrf(r: Request, caller: Caller): void {
    const given = r.req.headers[CSRF_HEADER]
    if (typeof given !== 'string' || given === '') throw new ConsoleError(403, 'missing CSRF token: send the session\'s csrf_token in the X-CSRF-Token header')
    if (!sameSecret(given, caller.session.csrf)) throw new ConsoleError(403, 'wrong CSRF token: reload the console (the session may have changed)')
  }

  async #body(r: Request): Promise<Record<string, unknown>> {
    const type = String(r.req.headers['content-type'] ?? '')
    if (!/^application\/json\s*(;|$)/i.test(type)) throw new ConsoleError(415, `the body must be application/json, not '${type}'`)
    const raw = await readBody(r.req, BODY_LIMIT)
    let body: unknown
    try {
      body = JSON.parse(raw.toString('utf8'))
    } catch (error) {
      throw new ConsoleError(400, `the body is not JSON: ${(error as Error).message}`)
    }
    if (body === null || typeof body !== 'object' || Array.isArray(body)) throw new ConsoleError(400, 'the body must be a JSON object')
    return body as Record<string, unknown>
  }

  async #read(r: Request, fn: (c: Caller) => Promise<unknown>): Promise<void> {
    const caller = await this.#caller(r)
    this.#json(r, 200, await fn(caller))
  }

  /** A write: logged in, the CSRF token, same origin, and the admin role (in that order). */
  async #write(r: Request, fn: (c: Caller) => Promise<{status: number; body: unknown}>): Promise<void> {
    const caller = await this.#caller(r)
    this.#csrf(r, caller)
    this.#sameOrigin(r)
    if (caller.machine.role !== 'admin') {
      throw new ConsoleError(403, `machine ${caller.machine.machineId} has the ${caller.machine.role} role: only admins may change decisions (crowd machines role ${caller.machine.machineId} admin)`)
    }
    const out = await fn(caller)
    this.#json(r, out.status, out.body)
    this.#pollSoon()
  }

  // ---- data

  async #alerts(r: Request, _c: Caller): Promise<unknown> {
    const q = r.url.searchParams
    const limit = intParam(q.get('limit'), 50, 1, 500, 'limit')
    const filter: AlertFilter = {limit, sort: 'DESC', withDecisions: true}
    const search = (q.get('q') ?? '').trim()
    if (search !== '') {
      if (parseIpInterval(search) !== null) filter.value = search
      else filter.scenario = search
    }
    const now = this.#clock()
    const alerts = await this.#store.queryAlerts(filter, now)
    return {now: rfc3339(now), alerts: alerts.map((a) => alertView(a, now))}
  }

  async #stats(r: Request): Promise<unknown> {
    const name = r.url.searchParams.get('window') ?? '24h'
    const w = WINDOWS[name]
    if (w === undefined) throw new ConsoleError(400, `unknown window '${name}': one of ${Object.keys(WINDOWS).join(', ')}`)
    const top = intParam(r.url.searchParams.get('top'), 10, 1, 100, 'top')
    const now = this.#clock()
    const until = Math.ceil((now + 1) / w.bucketMs) * w.bucketMs
    const since = until - w.buckets * w.bucketMs
    const stats = await this.#store.alertStats({since, until, bucketMs: w.bucketMs, top})
    return {window: name, since: rfc3339(since), until: rfc3339(until), bucket_ms: w.bucketMs, total: stats.total, buckets: stats.buckets,
      sources: stats.sources.map((s) => ({scope: s.scope, value: s.value, cn: s.cn, as_name: s.asName, count: s.count})), scenarios: stats.scenarios}
  }

  async #decisions(r: Request): Promise<unknown> {
    const q = r.url.searchParams
    const limit = intParam(q.get('limit'), 200, 1, 1000, 'limit')
    const search = (q.get('q') ?? '').trim()
    const now = this.#clock()
    const base: DecisionFilter = {includeSimulated: true}
    let rows: DecisionRecord[]
    if (search === '') rows = await this.#store.latestDecisions(base, now, limit)
    else {
      const ip = parseIpInterval(search)
      // an address: the decisions that hold it (ranges too); a range: the decisions inside it
      if (ip !== null) rows = await this.#store.latestDecisions({...base, ip, contains: !search.includes('/')}, now, limit)
      else {
        rows = await this.#store.latestDecisions({...base, value: search}, now, limit)
        if (rows.length === 0) rows = await this.#store.latestDecisions({...base, scenariosContaining: [search]}, now, limit)
      }
    }
    // a decision deleted at this very millisecond ends at `now`: over already
    return {now: rfc3339(now), limit, decisions: rows.filter((d) => d.until > now).map((d) => decisionView(d, now))}
  }

  async #addDecision(r: Request, c: Caller): Promise<{status: number; body: unknown}> {
    const b = await this.#body(r)
    const text = (key: string): string | undefined => {
      const v = b[key]
      if (v === undefined || v === null || v === '') return undefined
      if (typeof v !== 'string') throw new ConsoleError(400, `${key} must be a string`)
      return v.trim()
    }
    const value = text('value')
    if (value === undefined) throw new ConsoleError(400, 'give the value to decide on (an IP, a range or another scope\'s value)')
    const scope = text('scope') ?? (parseIpInterval(value) === null ? undefined : value.includes('/') ? 'Range' : 'Ip')
    if (scope === undefined) throw new ConsoleError(400, `'${value}' is not an IP or a range: give its scope too`)
    const d: ManualDecision = {duration: text('duration') ?? '4h', type: text('type') ?? 'ban', reason: text('reason')}
    if (scope.toLowerCase() === 'ip') d.ip = value
    else if (scope.toLowerCase() === 'range') d.range = value
    else Object.assign(d, {scope, value})
    const now = this.#clock()
    const alert = manualDecisionAlert({...d, reason: d.reason ?? `manual '${d.type}' from '${c.machine.machineId}' (console)`}, c.machine.machineId, now, 'console')
    const result = await this.#ops.postAlerts([alert], c.machine.machineId)
    const decision = (alert.decisions as Record<string, string>[])[0]!
    this.#logger.info(`lapi console: ${c.machine.machineId} added a ${decision.type} on ${decision.scope} ${decision.value} for ${decision.duration}`)
    return {status: 201, body: {alert_id: result.ids[0] ?? '', scope: decision.scope, value: decision.value, type: decision.type, duration: decision.duration}}
  }

  async #deleteDecision(c: Caller, id: number): Promise<{status: number; body: unknown}> {
    const now = this.#clock()
    const found = (await this.#store.activeDecisions({id, includeSimulated: true}, now)).filter((d) => d.until > now)
    if (found.length === 0) throw new ConsoleError(404, `decision ${id} does not exist or has already ended`)
    const result = await this.#ops.deleteDecision(String(id))
    const d = found[0]!
    this.#logger.info(`lapi console: ${c.machine.machineId} deleted decision ${id} (${d.type} on ${d.scope} ${d.value})`)
    return {status: 200, body: {deleted: Number(result.nbDeleted), id}}
  }

  async #agents(): Promise<unknown> {
    const [machines, bouncers] = await Promise.all([this.#store.listMachines(), this.#store.listBouncers()])
    return {now: rfc3339(this.#clock()), machines: machines.map(machineView), bouncers: bouncers.map(bouncerView)}
  }

  async #hub(): Promise<unknown> {
    const load = this.#sources.hub
    if (load === undefined) return {available: false, message: 'this server was started without the hub (crowd lapi serve shows it)', packages: []}
    const now = this.#clock()
    if (this.#hubCache === undefined || now - this.#hubCache.at > HUB_CACHE_MS) {
      this.#hubCache = {at: now, value: load().then((packages) => ({available: true, packages}), (error: unknown) => ({available: false,
        message: `cannot read the hub: ${(error as Error).message}`, packages: []}))}
    }
    return this.#hubCache.value
  }

  async #metrics(): Promise<unknown> {
    const load = this.#sources.metrics
    if (load === undefined) return {available: false, message: 'this server was started without the watch metrics'}
    const now = this.#clock()
    if (this.#metricsCache === undefined || now - this.#metricsCache.at > METRICS_CACHE_MS) {
      this.#metricsCache = {at: now, value: load().then((m) => ({available: true, from: m.from, figures: m.figures}), (error: unknown) => ({available: false,
        message: (error as Error).message}))}
    }
    return this.#metricsCache.value
  }

  // ---- live updates: server-sent events

  async #events(r: Request): Promise<void> {
    const caller = await this.#caller(r)
    if (this.#streams.size >= MAX_STREAMS) throw new ConsoleError(503, `too many live consoles (${MAX_STREAMS}): close some`, {'Retry-After': '5'})
    r.res.writeHead(200, {...SECURITY_HEADERS, 'Content-Type': 'text/event-stream; charset=utf-8', 'Cache-Control': 'no-store', 'X-Accel-Buffering': 'no'})
    const stream: Stream = {res: r.res, session: caller.session}
    this.#streams.add(stream)
    r.res.on('close', () => {
      this.#streams.delete(stream)
      if (this.#streams.size === 0) this.#stopPolling()
    })
    r.res.write(`retry: 1000\n\n`)
    if (this.#lastMarks !== '') r.res.write(`event: change\ndata: ${this.#lastMarks}\n\n`)
    this.#startPolling()
  }

  #startPolling(): void {
    if (this.#pollTimer !== undefined) return
    this.#pollTimer = setInterval(() => void this.#poll(), CHANGE_POLL_MS)
    this.#pollTimer.unref()
    this.#heartbeatTimer = setInterval(() => {
      for (const s of this.#streams) s.res.write(': keep-alive\n\n')
    }, HEARTBEAT_MS)
    this.#heartbeatTimer.unref()
    void this.#poll()
  }

  #stopPolling(): void {
    if (this.#pollTimer !== undefined) clearInterval(this.#pollTimer)
    if (this.#heartbeatTimer !== undefined) clearInterval(this.#heartbeatTimer)
    this.#pollTimer = undefined
    this.#heartbeatTimer = undefined
    this.#lastMarks = ''
  }

  /** After a write through the console: the streams hear of it at once rather than at the next tick. */
  #pollSoon(): void {
    if (this.#streams.size > 0) void this.#poll()
  }

  async #poll(): Promise<void> {
    if (this.#polling) return
    this.#polling = true
    try {
      for (const s of this.#streams) {
        if (!this.sessions.isLive(s.session)) {
          s.res.write('event: logout\ndata: {}\n\n')
          s.res.end()
          this.#streams.delete(s)
        }
      }
      if (this.#streams.size === 0) return
      const now = this.#clock()
      const marks = await this.#store.changeMarks(now)
      const text = JSON.stringify({alerts: marks.lastAlertId, decisions: marks.lastDecisionId, active_decisions: marks.activeDecisions})
      if (text !== this.#lastMarks) {
        this.#lastMarks = text
        for (const s of this.#streams) s.res.write(`event: change\ndata: ${text}\n\n`)
      }
    } catch (error) {
      this.#logger.warn(`lapi console: checking for changes: ${(error as Error).message}`)
    } finally {
      this.#polling = false
    }
  }
}

function intParam(text: string | null, fallback: number, min: number, max: number, name: string): number {
  if (text === null || text === '') return fallback
  if (!/^\d{1,9}$/.test(text)) throw new ConsoleError(400, `${name} must be a whole number, not '${text}'`)
  return Math.min(max, Math.max(min, Number(text)))
}

function decisionView(d: DecisionRecord, now: number): Record<string, unknown> {
  return {id: d.id, alert_id: d.alertId, origin: d.origin, type: d.type, scope: d.scope, value: d.value, scenario: d.scenario, simulated: d.simulated,
    created_at: rfc3339(d.createdAt), until: rfc3339(d.until), remaining_s: Math.max(0, Math.round((d.until - now) / 1000)), active: d.until > now}
}

function alertView(a: AlertRecord, now: number): Record<string, unknown> {
  return {
    id: a.id, created_at: rfc3339(a.createdAt), start_at: rfc3339(a.startAt), stop_at: rfc3339(a.stopAt), machine_id: a.machineId, scenario: a.scenario,
    message: a.message, events_count: a.eventsCount, simulated: a.simulated, kind: a.kind,
    source: {scope: a.source.scope, value: a.source.value, cn: a.source.cn, as_name: a.source.asName, as_number: a.source.asNumber},
    decisions: (a.decisions ?? []).map((d) => decisionView(d, now)),
  }
}
