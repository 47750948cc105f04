/**
 * A small central API for the tests of the CTI client: 127.0.0.1 on a free port, `/v3` (or only
 * `/v2`) watchers register and login (JWT-like opaque tokens), signals, decisions stream and
 * metrics; every request recorded with its decoded body (gzip undone). Tests make it refuse
 * tokens (401), fail (503) or go down and come back on the same port.
 */
import * as http from 'node:http'
import type {AddressInfo} from 'node:net'
import {gunzipSync} from 'node:zlib'

export interface Recorded {
  method: string
  path: string
  query: URLSearchParams
  headers: http.IncomingHttpHeaders
  /** The body as sent (before gunzip). */
  rawLength: number
  body: any
}

export interface FakeCapi {
  url: string
  port: number
  requests: Recorded[]
  /** Registered watchers: machine id -> password. */
  watchers: Map<string, string>
  /** Every signal received, in order. */
  signals: any[]
  /** Scenarios sent at each login, in order. */
  logins: {machine_id: string; scenarios: unknown}[]
  /** The next stream answers (shifted per request; the last one stays). */
  streams: unknown[]
  /** Answer 503 to signals while true. */
  failSignals: boolean
  /** Only `/v2` exists (404 on `/v3`). */
  v2Only: boolean
  /** Answer the next authenticated call 403 (as CrowdSec's service does for some refused tokens). */
  forbidNext: boolean
  /** The clock tokens expire on (an hour after their login). */
  now: () => number
  /** Forgets every issued token: the next authenticated call gets 401. */
  revokeTokens(): void
  /** Stops listening (clients get connection refused); `start` listens again on the same port. */
  stop(): Promise<void>
  start(): Promise<void>
  close(): Promise<void>
  of(path: string): Recorded[]
}

export async function startFakeCapi(options: {port?: number} = {}): Promise<FakeCapi> {
  let tokens = new Set<string>()
  let n = 0
  const fake: FakeCapi = {
    url: '', port: options.port ?? 0, requests: [], watchers: new Map(), signals: [], logins: [], streams: [{new: [], deleted: []}],
    failSignals: false, v2Only: false, forbidNext: false, now: Date.now,
    revokeTokens: () => {
      tokens = new Set()
    },
    stop: async () => {},
    start: async () => {},
    close: async () => {},
    of: (path) => fake.requests.filter((r) => r.path === path),
  }
  const json = (res: http.ServerResponse, status: number, body: unknown): void => {
    const text = JSON.stringify(body)
    res.writeHead(status, {'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text)})
    res.end(text)
  }
  const handle = (req: http.IncomingMessage, res: http.ServerResponse): void => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => {
      const raw = Buffer.concat(chunks)
      const url = new URL(req.url ?? '/', 'http://capi.invalid')
      let body: any = null
      try {
        const text = (req.headers['content-encoding'] === 'gzip' ? gunzipSync(raw) : raw).toString('utf8')
        body = text === '' ? null : JSON.parse(text)
      } catch {
        body = '<undecodable>'
      }
      fake.requests.push({method: req.method ?? '', path: url.pathname, query: url.searchParams, headers: req.headers, rawLength: raw.length, body})
      const m = /^\/(v2|v3)\/(.*)$/.exec(url.pathname)
      if (m === null || (fake.v2Only && m[1] === 'v3')) return json(res, 404, {message: 'not found'})
      const route = m[2]!
      if (route === 'watchers' && req.method === 'POST') {
        if (typeof body?.machine_id !== 'string' || typeof body?.password !== 'string') return json(res, 400, {message: 'machine_id and password required'})
        if (fake.watchers.has(body.machine_id)) return json(res, 403, {message: 'user already exist'})
        fake.watchers.set(body.machine_id, body.password)
        return json(res, 200, {message: 'OK'})
      }
      if (route === 'watchers/login' && req.method === 'POST') {
        if (fake.watchers.get(body?.machine_id) !== body?.password) return json(res, 403, {message: 'incorrect Username or Password'})
        fake.logins.push({machine_id: body.machine_id, scenarios: body.scenarios})
        const token = `tok-${++n}`
        tokens.add(token)
        return json(res, 200, {code: 200, expire: new Date(fake.now() + 3600_000).toISOString(), token})
      }
      const auth = /^Bearer (\S+)$/.exec(String(req.headers.authorization ?? ''))
      if (auth === null || !tokens.has(auth[1]!)) return json(res, 401, {message: 'token is expired or invalid'})
      if (fake.forbidNext) {
        fake.forbidNext = false
        tokens.delete(auth[1]!)
        return json(res, 403, {message: 'forbidden'})
      }
      if (route === 'signals' && req.method === 'POST') {
        if (fake.failSignals) return json(res, 503, {message: 'overloaded'})
        if (!Array.isArray(body)) return json(res, 400, {message: 'expected an array'})
        fake.signals.push(...body)
        return json(res, 200, {message: 'OK'})
      }
      if (route === 'decisions/stream' && req.method === 'GET') {
        const answer = fake.streams.length > 1 ? fake.streams.shift() : fake.streams[0]
        return json(res, 200, answer)
      }
      if (route === 'metrics/' && req.method === 'POST') return json(res, 200, {message: 'OK'})
      return json(res, 404, {message: 'not found'})
    })
  }
  let server: http.Server | undefined
  fake.start = async () => {
    server = http.createServer(handle)
    await new Promise<void>((resolve, reject) => {
      server!.once('error', reject)
      server!.listen(fake.port, '127.0.0.1', () => resolve())
    })
    fake.port = (server.address() as AddressInfo).port
    fake.url = `http://127.0.0.1:${fake.port}/`
  }
  fake.stop = async () => {
    const s = server
    server = undefined
    if (s === undefined) return
    await new Promise<void>((resolve) => {
      s.close(() => resolve())
      s.closeAllConnections()
    })
  }
  fake.close = fake.stop
  await fake.start()
  return fake
}

/** Polls `check` every 20 ms until it is true; fails after `ms` (a safety net, not a timing assertion). */
export async function eventually(check: () => boolean | Promise<boolean>, what: string, ms = 20_000): Promise<void> {
  const deadline = Date.now() + ms
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`still waiting for: ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 20))
  }
}
