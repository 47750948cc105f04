/**
 * The blocklist bouncer's HTTP server: serves each configured list at its endpoint, GET and HEAD
 * only, after its authentication.
 *
 * - Unknown path 404; another method 405 (Allow: GET, HEAD); a request Node cannot parse, an
 *   absolute-form target or a bad query 400; a target longer than MAX_URL 414; headers past
 *   MAX_HEADER_BYTES 400 too (platform/http-server.ts, which also cuts slow clients).
 * - basic / api_key: a missing or wrong credential is 401 (WWW-Authenticate: Basic for basic);
 *   ip_based: an address outside trusted_ips is 403 (no credential would help). Secrets are
 *   compared as SHA-256 digests with timingSafeEqual: the time does not depend on where they
 *   differ, nor on their length. `trusted_ips` let their addresses in without credentials for
 *   every type (blocklist-mirror's meaning); the peer address is the socket's, never a header.
 * - Before the first startup batch the list is unknown: 503 with Retry-After (an empty list
 *   would unblock everything on the appliance that pulls it).
 * - Answers carry Content-Length, ETag and Last-Modified; If-None-Match is answered 304.
 * - A throw while answering is a 500 for that request (logged), never a crash.
 */
import {createHash, timingSafeEqual} from 'node:crypto'
import * as http from 'node:http'
import type {AddressInfo} from 'node:net'
import {CrowdError} from '../../../model/errors.js'
import {ipNetContains, parseIP} from '../../../model/ip.js'
import type {Logger} from '../../../model/logger.js'
import {limitServer} from '../../../platform/http-server.js'
import {MIKROTIK_LIST_NAME, type ListVariant} from './formats.js'
import type {BlocklistEndpoint, BlocklistFormat, BlocklistSettings} from './settings.js'

export const MAX_URL = 2048
export const MAX_HEADER_BYTES = 8192
/** In-flight answers get this long to finish when the server closes, then their sockets are cut. */
const CLOSE_GRACE_MS = 5000
const REALM = 'crowd blocklist'

/** A list ready to send. */
export interface RenderedList {
  body: Buffer
  etag: string
  /** ms since the epoch. */
  lastModified: number
  contentType: string
}

/** What the server serves: undefined before the first startup batch. */
export type ListProvider = (format: BlocklistFormat, variant: ListVariant) => RenderedList | undefined

export interface ServerCounts {
  requests: number
  served: number
  notModified: number
  unauthorized: number
  forbidden: number
  notFound: number
  badRequests: number
  errors: number
}

export class BlocklistServer {
  readonly counts: ServerCounts = {requests: 0, served: 0, notModified: 0, unauthorized: 0, forbidden: 0, notFound: 0, badRequests: 0, errors: 0}
  readonly #settings: BlocklistSettings
  readonly #provider: ListProvider
  readonly #logger: Logger
  /** For errors: the configuration file and the line of listen_uri. */
  readonly #where: {file?: string; line?: number}
  #server: http.Server | undefined
  #url: string | undefined

  constructor(settings: BlocklistSettings, provider: ListProvider, logger: Logger, where: {file?: string; line?: number}) {
    this.#settings = settings
    this.#provider = provider
    this.#logger = logger
    this.#where = where
  }

  /** `http://host:port/` once listening. */
  get url(): string | undefined {
    return this.#url
  }

  /** Listens on listen_uri; a CrowdError ('config', naming the file and line) when it cannot. */
  async listen(): Promise<string> {
    if (this.#url !== undefined) return this.#url
    const server = http.createServer({maxHeaderSize: MAX_HEADER_BYTES}, (req, res) => this.#handle(req, res))
    limitServer(server, {headersTimeoutMs: 10_000, requestTimeoutMs: 30_000, keepAliveTimeoutMs: 5_000,
      onBadRequest: (message) => {
        this.counts.badRequests++
        this.#logger.debug(`blocklist: bad request from a client: ${message}`)
      }})
    server.maxConnections = 1024
    const {host, port, listenUri} = this.#settings
    try {
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject)
        const done = (): void => {
          server.off('error', reject)
          resolve()
        }
        if (host === '') server.listen(port, done)
        else server.listen(port, host, done)
      })
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code
      const why = code === 'EADDRINUSE' ? 'is in use (another program listens there)'
        : code === 'EADDRNOTAVAIL' ? 'is not an address of this machine'
        : code === 'EACCES' ? 'needs privileges (a port below 1024)'
        : code === 'ENOTFOUND' || code === 'EAI_AGAIN' ? 'names a host that does not resolve'
        : `cannot be listened on: ${(error as Error).message}`
      throw new CrowdError('config', `listen_uri: ${listenUri} ${why}`, this.#where)
    }
    server.on('error', (error) => this.#logger.error(`blocklist: ${(error as Error).message}`))
    this.#server = server
    const a = server.address() as AddressInfo
    this.#url = `http://${a.family === 'IPv6' ? `[${a.address}]` : a.address}:${a.port}/`
    return this.#url
  }

  /** Stops listening and waits for the answers in flight (cut after a grace period). */
  async close(): Promise<void> {
    const server = this.#server
    if (server === undefined) return
    this.#server = undefined
    this.#url = undefined
    await new Promise<void>((resolve) => {
      const force = setTimeout(() => server.closeAllConnections(), CLOSE_GRACE_MS)
      server.close(() => {
        clearTimeout(force)
        resolve()
      })
      server.closeIdleConnections()
    })
  }

  #handle(req: http.IncomingMessage, res: http.ServerResponse): void {
    this.counts.requests++
    try {
      this.#answer(req, res)
    } catch (error) {
      this.counts.errors++
      this.#logger.error(`blocklist: answering ${req.method} failed: ${(error as Error).message}`)
      if (!res.headersSent) send(res, req, 500, 'internal error\n')
      else res.destroy()
    }
  }

  #answer(req: http.IncomingMessage, res: http.ServerResponse): void {
    const target = req.url ?? ''
    if (target.length > MAX_URL) {
      this.counts.badRequests++
      return send(res, req, 414, 'request target too long\n')
    }
    if (!target.startsWith('/')) {
      this.counts.badRequests++
      return send(res, req, 400, 'bad request target\n')
    }
    const q = target.indexOf('?')
    const path = q < 0 ? target : target.slice(0, q)
    const list = this.#settings.lists.find((l) => l.endpoint === path)
    if (list === undefined) {
      this.counts.notFound++
      return send(res, req, 404, 'not found\n')
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      return send(res, req, 405, 'method not allowed\n', {Allow: 'GET, HEAD'})
    }
    const denied = this.#denied(list, req)
    if (denied !== undefined) {
      if (denied === 403) {
        this.counts.forbidden++
        return send(res, req, 403, 'forbidden\n')
      }
      this.counts.unauthorized++
      const challenge = list.auth.type === 'basic' ? `Basic realm="${REALM}", charset="UTF-8"` : `Bearer realm="${REALM}"`
      return send(res, req, 401, 'unauthorized\n', {'WWW-Authenticate': challenge})
    }
    const variant = readVariant(q < 0 ? '' : target.slice(q + 1), list.format)
    if (variant === undefined) {
      this.counts.badRequests++
      return send(res, req, 400, 'bad query: ipv4only, ipv6only, listname=NAME (mikrotik)\n')
    }
    const rendered = this.#provider(list.format, variant)
    if (rendered === undefined) return send(res, req, 503, 'the decisions are not loaded yet\n', {'Retry-After': '5'})
    const headers: http.OutgoingHttpHeaders = {
      ETag: rendered.etag,
      'Last-Modified': new Date(rendered.lastModified).toUTCString(),
      'Cache-Control': 'no-cache',
    }
    if (matchesEtag(req.headers['if-none-match'], rendered.etag)) {
      this.counts.notModified++
      res.writeHead(304, headers)
      res.end()
      return
    }
    this.counts.served++
    res.writeHead(200, {...headers, 'Content-Type': rendered.contentType, 'Content-Length': rendered.body.length, 'X-Content-Type-Options': 'nosniff'})
    if (req.method === 'HEAD') res.end()
    else res.end(rendered.body)
  }

  /** Why `req` may not read `list`: 401, 403, or undefined when it may. */
  #denied(list: BlocklistEndpoint, req: http.IncomingMessage): 401 | 403 | undefined {
    const auth = list.auth
    if (auth.type === 'none') return undefined
    if (auth.trusted.length > 0) {
      const peer = parseIP(req.socket.remoteAddress ?? '')
      if (peer !== null && auth.trusted.some((p) => ipNetContains(p, peer))) return undefined
    }
    if (auth.type === 'ip_based') return 403
    const authorization = req.headers.authorization ?? ''
    if (auth.type === 'basic') {
      const m = /^Basic[ \t]+([A-Za-z0-9+/=]{1,1024})[ \t]*$/i.exec(authorization)
      if (m === null) return 401
      const text = Buffer.from(m[1]!, 'base64').toString('utf8')
      const colon = text.indexOf(':')
      if (colon < 0) return 401
      // both compared, whatever the first gives: the time tells nothing of which was wrong
      const userOk = sameSecret(text.slice(0, colon), auth.user!)
      const passwordOk = sameSecret(text.slice(colon + 1), auth.password!)
      return userOk && passwordOk ? undefined : 401
    }
    let key = req.headers['x-api-key']
    if (Array.isArray(key)) key = key[0]
    if (key === undefined) {
      const m = /^Bearer[ \t]+(\S{1,1024})[ \t]*$/i.exec(authorization)
      if (m !== null) key = m[1]
    }
    return key !== undefined && sameSecret(key, auth.apiKey!) ? undefined : 401
  }
}

/** Constant time in the secrets' contents and lengths: their digests are compared. */
export function sameSecret(given: string, expected: string): boolean {
  const a = createHash('sha256').update(given, 'utf8').digest()
  const b = createHash('sha256').update(expected, 'utf8').digest()
  return timingSafeEqual(a, b)
}

/** The query's options; undefined when it holds an unusable one. Unknown parameters are ignored. */
function readVariant(query: string, format: BlocklistFormat): ListVariant | undefined {
  if (query === '') return {}
  let params: URLSearchParams
  try {
    params = new URLSearchParams(query)
  } catch {
    return undefined
  }
  const variant: ListVariant = {}
  const v4 = params.has('ipv4only')
  const v6 = params.has('ipv6only')
  if (v4 && v6) return undefined
  if (v4) variant.family = 'ipv4'
  if (v6) variant.family = 'ipv6'
  const listName = params.get('listname')
  if (listName !== null && format === 'mikrotik') {
    if (!MIKROTIK_LIST_NAME.test(listName)) return undefined
    variant.listName = listName
  }
  return variant
}

function matchesEtag(header: string | undefined, etag: string): boolean {
  if (header === undefined) return false
  return header.split(',').some((t) => {
    const tag = t.trim()
    return tag === '*' || tag === etag || tag === `W/${etag}`
  })
}

function send(res: http.ServerResponse, req: http.IncomingMessage, status: number, text: string, headers: http.OutgoingHttpHeaders = {}): void {
  const body = Buffer.from(text)
  res.writeHead(status, {...headers, 'Content-Type': 'text/plain; charset=utf-8', 'Content-Length': body.length, 'X-Content-Type-Options': 'nosniff'})
  if (req.method === 'HEAD') res.end()
  else res.end(body)
}
