/**
 * In-process Local API servers for the tests: an in-memory SQLite store (or the one given), a
 * settable clock, 127.0.0.1 on a free port; plain node:http requests that return status,
 * headers and the exact body bytes; ready-made machines, tokens, bouncer keys and alerts.
 */
import * as http from 'node:http'
import * as assert from 'uvu/assert'
import {DEFAULT_CONFIG, type LapiConfig} from '../../src/config/config.js'
import {addBouncer} from '../../src/lapi/admin.js'
import {hashPassword, signJwt} from '../../src/lapi/auth.js'
import {LapiProfiles} from '../../src/lapi/profiles.js'
import {LapiServer} from '../../src/lapi/server.js'
import {CrowdError} from '../../src/model/errors.js'
import {silentLogger, type Logger} from '../../src/model/logger.js'
import {openStore} from '../../src/store/open.js'
import type {Store} from '../../src/store/types.js'

export const T0 = Date.parse('2026-03-02T10:00:00Z')
export const H = 3600_000
export const SECRET = Buffer.alloc(64, 42)
export const AGENT_UA = 'crowdsec/v1.7.0-linux'
export const BOUNCER_UA = 'cs-firewall-bouncer/v0.0.31'

export interface Clock {
  now: number
}

export interface TestLapi {
  url: string
  port: number
  server: LapiServer
  store: Store
  clock: Clock
  logs: string[]
  /** Closes the server, then the store (unless it was given). */
  close(): Promise<void>
}

export interface TestLapiOptions {
  config?: Partial<LapiConfig>
  store?: Store
  /** A profiles.yaml file (default: CrowdSec's default profiles). */
  profiles?: string
  clock?: Clock
}

export function memoryStore(): Promise<Store> {
  return openStore({engine: 'sqlite', target: ':memory:'})
}

/** Errors and warnings the server logs (to check it logged, not to assert wording). */
function collectingLogger(logs: string[]): Logger {
  return {...silentLogger, error: (m) => logs.push(`error: ${m}`), warn: (m) => logs.push(`warn: ${m}`)}
}

export async function startTestLapi(options: TestLapiOptions = {}): Promise<TestLapi> {
  const store = options.store ?? (await memoryStore())
  const clock = options.clock ?? {now: T0}
  const logs: string[] = []
  const config: LapiConfig = {...DEFAULT_CONFIG.lapi, flush: {}, ...options.config}
  const server = new LapiServer({store, profiles: new LapiProfiles(options.profiles, silentLogger), config, logger: collectingLogger(logs), jwtSecret: SECRET, clock: () => clock.now})
  const addresses = await server.listen('127.0.0.1:0')
  const url = addresses.url!
  return {
    url, port: Number(new URL(url).port), server, store, clock, logs,
    async close() {
      await server.close()
      if (options.store === undefined) await store.close()
    },
  }
}

export interface Reply {
  status: number
  headers: http.IncomingHttpHeaders
  /** The body exactly as sent. */
  text: string
  json<T = unknown>(): T
}

export interface RequestOptions {
  headers?: Record<string, string | number>
  /** An object or array is sent as JSON; a string or Buffer as is. */
  body?: unknown
  /** Stream the body in chunks without Content-Length. */
  chunked?: boolean
}

/** One request on a fresh connection. */
export function request(t: {port: number} | {socketPath: string}, method: string, path: string, options: RequestOptions = {}): Promise<Reply> {
  let payload: Buffer | undefined
  const headers: Record<string, string | number> = {...options.headers}
  if (options.body !== undefined) {
    payload = Buffer.isBuffer(options.body) ? options.body : Buffer.from(typeof options.body === 'string' ? options.body : JSON.stringify(options.body))
    if (!options.chunked) headers['Content-Length'] = payload.length
    if (headers['Content-Type'] === undefined) headers['Content-Type'] = 'application/json'
  }
  return new Promise((resolve, reject) => {
    const where = 'socketPath' in t ? {socketPath: t.socketPath} : {host: '127.0.0.1', port: t.port}
    const req = http.request({...where, method, path, headers, agent: false}, (res) => {
      const chunks: Buffer[] = []
      res.on('data', (c: Buffer) => chunks.push(c))
      res.on('error', reject)
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8')
        resolve({status: res.statusCode ?? 0, headers: res.headers, text, json: <T>() => JSON.parse(text) as T})
      })
    })
    // the server may answer (413) and close before the whole body is written: the answer still counts
    req.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code !== 'EPIPE' && error.code !== 'ECONNRESET') reject(error)
    })
    if (payload === undefined) req.end()
    else if (options.chunked) {
      const size = 64 * 1024
      let i = 0
      const pump = (): void => {
        while (i < payload!.length) {
          const ok = req.write(payload!.subarray(i, i + size))
          i += size
          if (!ok) return void req.once('drain', pump)
        }
        req.end()
      }
      pump()
    } else req.end(payload)
  })
}

/** Password hashes are slow on purpose: hash each test password once. */
const hashes = new Map<string, Promise<string>>()
const hashOf = (password: string): Promise<string> => {
  let h = hashes.get(password)
  if (h === undefined) hashes.set(password, (h = hashPassword(password)))
  return h
}

/** A validated (or not) machine with a password, straight into the store. */
/**
 * Test LAPIs for one test file: `const startLapi = testLapis(test)` registers, on that file's
 * runner, one `after` hook that closes every server it started.
 */
export function testLapis(runner: {after(fn: () => Promise<void>): void}): (options?: TestLapiOptions) => Promise<TestLapi> {
  const servers: TestLapi[] = []
  runner.after(async () => {
    await Promise.all(servers.map((s) => s.close().catch(() => {})))
  })
  return async (options = {}) => {
    const t = await startTestLapi(options)
    servers.push(t)
    return t
  }
}

/** Awaits `p`, which must reject with a CrowdError of this code (and message matching `text`). */
export async function rejectsWith(p: Promise<unknown>, code: string, text: string | RegExp = ''): Promise<CrowdError> {
  try {
    await p
  } catch (error) {
    assert.instance(error, CrowdError)
    assert.is((error as CrowdError).code, code, (error as Error).message)
    assert.match((error as CrowdError).message, text)
    return error as CrowdError
  }
  assert.unreachable(`expected a CrowdError ${code}`)
  throw new Error('unreachable')
}

export async function addMachine(t: TestLapi, machineId: string, password = 'p4ssw0rd', validated = true): Promise<void> {
  await t.store.addMachine({machineId, passwordHash: await hashOf(password), isValidated: validated}, t.clock.now)
}

export async function login(t: TestLapi, machineId: string, password = 'p4ssw0rd', ua = AGENT_UA): Promise<Reply> {
  return request(t, 'POST', '/v1/watchers/login', {headers: {'User-Agent': ua}, body: {machine_id: machineId, password, scenarios: ['crowdsecurity/ssh-bf']}})
}

/** A machine and a JWT for it, as its login would give (login itself: server-watchers.test.ts). */
export async function machineToken(t: TestLapi, machineId = 'agent1'): Promise<string> {
  await addMachine(t, machineId)
  const now = Math.floor(t.clock.now / 1000)
  return signJwt({id: machineId, exp: now + 3600, orig_iat: now}, SECRET)
}

export const bearer = (token: string): Record<string, string> => ({Authorization: `Bearer ${token}`, 'User-Agent': AGENT_UA})

/** A bouncer's API key. */
export async function bouncerKey(t: TestLapi, name = 'fw'): Promise<string> {
  return (await addBouncer(t.store, name, undefined, t.clock.now)).api_key
}

export const apiKey = (key: string, ua = BOUNCER_UA): Record<string, string> => ({'X-Api-Key': key, 'User-Agent': ua})

const iso = (ms: number): string => new Date(ms).toISOString().replace('.000Z', 'Z')

/** An agent alert (no decisions: profiles decide) on an IP, stopping at `stopAt`. */
export function agentAlert(ip: string, stopAt: number, over: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    scenario: 'crowdsecurity/ssh-bf', scenario_hash: 'h', scenario_version: '0.1', message: `Ip ${ip} performed 'crowdsecurity/ssh-bf'`,
    events_count: 6, start_at: iso(stopAt - 60_000), stop_at: iso(stopAt), capacity: 5, leakspeed: '10s', simulated: false, remediation: true,
    events: [{timestamp: iso(stopAt - 30_000), meta: [{key: 'source_ip', value: ip}, {key: 'target_user', value: 'root'}]}],
    source: {scope: 'Ip', value: ip, ip, cn: 'FR', as_number: '64500', as_name: 'EXAMPLE'},
    ...over,
  }
}

/** The alert cscli posts for `decisions add`: decisions kept as sent. */
export function manualAlert(scope: string, value: string, duration: string, at: number, over: {type?: string; origin?: string; scenario?: string; simulated?: boolean} = {}): Record<string, unknown> {
  const reason = over.scenario ?? `manual '${over.type ?? 'ban'}' from 'localhost'`
  return {
    capacity: 0, events_count: 1, leakspeed: '0', message: reason, scenario: reason, scenario_hash: '', scenario_version: '', simulated: over.simulated ?? false,
    remediation: true, kind: 'cscli', events: [], start_at: iso(at), stop_at: iso(at), source: {scope, value},
    decisions: [{duration, origin: over.origin ?? 'cscli', scenario: reason, scope, type: over.type ?? 'ban', value}],
  }
}

/** Posts alerts as a machine; returns the ids. */
export async function postAlerts(t: TestLapi, token: string, alerts: unknown[]): Promise<string[]> {
  const r = await request(t, 'POST', '/v1/alerts', {headers: bearer(token), body: alerts})
  if (r.status !== 201) throw new Error(`POST /v1/alerts: ${r.status} ${r.text}`)
  return r.json<string[]>()
}
