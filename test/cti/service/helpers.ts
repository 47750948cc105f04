/** A CTI service in process (store in a temp dir, a published test hub, a clock the test moves) and a small HTTP client. */
import {createHash, randomBytes} from 'node:crypto'
import * as fs from 'node:fs'
import * as http from 'node:http'
import * as os from 'node:os'
import * as path from 'node:path'
import {gzipSync} from 'node:zlib'
import {loadCertifier} from '../../../src/cti/service/certified.js'
import {ConsensusJob} from '../../../src/cti/service/consensus-job.js'
import {asnLookup} from '../../../src/cti/service/network.js'
import {CtiServer, type CtiRateLimits} from '../../../src/cti/service/server.js'
import {loadNeverBan} from '../../../src/cti/service/service.js'
import type {ConsensusParams} from '../../../src/cti/consensus/params.js'
import type {Canaries} from '../../../src/cti/consensus/engine.js'
import {CtiStore} from '../../../src/store/cti-store.js'
import {packPlugins} from '../../../src/hub/pack.js'
import {postgresUrl} from '../../helpers/postgres.js'
import type {Logger} from '../../../src/model/logger.js'
import {ROOT} from '../../helpers/run-cli.js'

/**
 * This repository's hub as a published crowd hub (hub-index.json and tarballs), packed into `dir`:
 * the tarballs are build output (git-ignored hub-dist/), so a fresh clone has none to read.
 */
export function packRepoHub(dir: string): string {
  const hub = fs.mkdtempSync(path.join(dir, 'repo-hub-'))
  packPlugins({pluginsDir: path.join(ROOT, 'plugins'), outDir: path.join(hub, 'dist'), indexFile: path.join(hub, 'hub-index.json')})
  return hub
}

export const SSH_V1 = 'ssh-bf file, version 0.1\nname: crowdsecurity/ssh-bf\n'
export const SSH_V2 = 'ssh-bf file, version 0.2\nname: crowdsecurity/ssh-bf\n---\nname: crowdsecurity/ssh-bf_user-enum\n'
export const HTTP_V1 = 'name: crowdsecurity/http-probing\n'
export const sha = (text: string): string => createHash('sha256').update(text).digest('hex')

/** A hub in CrowdSec's layout with two published scenarios (ssh-bf at 0.1 and 0.2, the file holding ssh-bf_user-enum too). */
export function makeHub(dir: string): string {
  const hub = path.join(dir, 'hub')
  fs.mkdirSync(path.join(hub, 'scenarios', 'crowdsecurity'), {recursive: true})
  fs.writeFileSync(path.join(hub, 'scenarios', 'crowdsecurity', 'ssh-bf.yaml'), SSH_V2)
  fs.writeFileSync(path.join(hub, 'scenarios', 'crowdsecurity', 'http-probing.yaml'), HTTP_V1)
  fs.writeFileSync(path.join(hub, '.index.json'), JSON.stringify({
    scenarios: {
      'crowdsecurity/ssh-bf': {path: 'scenarios/crowdsecurity/ssh-bf.yaml', version: '0.2', versions: {'0.1': {digest: sha(SSH_V1)}, '0.2': {digest: sha(SSH_V2)}}},
      'crowdsecurity/http-probing': {path: 'scenarios/crowdsecurity/http-probing.yaml', version: '0.1', versions: {'0.1': {digest: sha(HTTP_V1)}}},
    },
  }))
  return hub
}

export const quietLogger: Logger = {error() {}, warn() {}, info() {}, debug() {}, trace() {}} as unknown as Logger

export interface TestService {
  url: string
  store: CtiStore
  server: CtiServer
  job: ConsensusJob
  dir: string
  now: {t: number}
  close(): Promise<void>
}

export async function startTestService(options: {params?: Partial<ConsensusParams>; rateLimits?: Partial<CtiRateLimits>; dir?: string; realClock?: boolean; hubDir?: string; canaries?: Canaries; asnDb?: string} = {}): Promise<TestService> {
  const dir = options.dir ?? fs.mkdtempSync(path.join(os.tmpdir(), 'crowd-cti-'))
  const now = {t: Date.parse('2026-03-01T12:00:00Z')}
  const clock = options.realClock === true ? Date.now : (): number => now.t
  // PostgreSQL when CROWD_TEST_PG_URL names a server (a database of its own, dropped at close), else SQLite
  const pg = process.env.CROWD_TEST_PG_URL ? await postgresUrl() : undefined
  const store = await CtiStore.open(pg === undefined ? {engine: 'sqlite', target: path.join(dir, 'cti.db')} : {engine: 'postgres', target: pg.url})
  const params = {k: 3, trustNewReporters: true, ...options.params}
  const job = new ConsensusJob({store, params, neverBan: loadNeverBan([]), canaries: options.canaries, holder: `test-${randomBytes(3).toString('hex')}`, intervalMs: 60_000, settleMs: 0, logger: quietLogger, clock})
  const server = new CtiServer({
    store, certifier: loadCertifier(options.hubDir ?? makeHub(dir)), asn: asnLookup(options.asnDb, () => {}), logger: quietLogger, windowMs: 24 * 3600_000,
    trustedProxies: ['127.0.0.1'], rateLimits: options.rateLimits, job, clock,
  })
  const url = await server.listen('127.0.0.1:0')
  return {
    url, store, server, job, dir, now,
    async close() {
      await job.stop()
      await server.close()
      await store.close()
      await pg?.drop()
    },
  }
}

export interface Reply {
  status: number
  body: any
  text: string
}

export function request(base: string, method: string, pathname: string, options: {body?: unknown; raw?: string | Buffer; token?: string; from?: string; headers?: Record<string, string>; gzip?: boolean} = {}): Promise<Reply> {
  let payload: Buffer | undefined
  if (options.raw !== undefined) payload = Buffer.from(options.raw)
  else if (options.body !== undefined) payload = Buffer.from(JSON.stringify(options.body))
  const headers: Record<string, string> = {...options.headers}
  if (payload !== undefined && options.gzip === true) {
    payload = gzipSync(payload)
    headers['Content-Encoding'] = 'gzip'
  }
  if (payload !== undefined) headers['Content-Type'] = 'application/json'
  if (options.token !== undefined) headers.Authorization = `Bearer ${options.token}`
  if (options.from !== undefined) headers['X-Forwarded-For'] = options.from
  return new Promise((resolve, reject) => {
    const req = http.request(new URL(pathname.replace(/^\//, ''), base), {method, headers, agent: false}, (res) => {
      let text = ''
      res.setEncoding('utf8').on('data', (c: string) => (text += c)).on('end', () => {
        let body: unknown
        try {
          body = JSON.parse(text)
        } catch {
          body = undefined
        }
        resolve({status: res.statusCode ?? 0, body, text})
      })
    })
    req.on('error', reject)
    req.end(payload)
  })
}

/** Registers and logs in a watcher from `from` (an address its X-Forwarded-For names); returns its token. */
export async function watcher(base: string, id: string, from: string, scenarios: string[], version = 'v3'): Promise<string> {
  const reg = await request(base, 'POST', `/${version}/watchers`, {body: {machine_id: id, password: `pw-${id}`}, from})
  if (reg.status !== 201) throw new Error(`register ${id}: ${reg.status} ${reg.text}`)
  return login(base, id, from, scenarios, version)
}

export async function login(base: string, id: string, from: string, scenarios: string[] | null, version = 'v3'): Promise<string> {
  const r = await request(base, 'POST', `/${version}/watchers/login`, {body: {machine_id: id, password: `pw-${id}`, scenarios}, from})
  if (r.status !== 200) throw new Error(`login ${id}: ${r.status} ${r.text}`)
  return r.body.token as string
}

/** A signal as CrowdSec sends it (§7.2). */
export function signal(ip: string, at: number, scenario = 'crowdsecurity/ssh-bf', hash = sha(SSH_V2), version = '0.2'): Record<string, unknown> {
  const stamp = new Date(at).toISOString()
  return {
    context: null, decisions: [{duration: '4h', id: 0, origin: 'crowdsec', scenario, scope: 'Ip', type: 'ban', uuid: 'u', value: ip}], kind: 'crowdsec',
    machine_id: 'local-watcher', message: `Ip ${ip} performed '${scenario}'`, scenario, scenario_hash: hash, scenario_trust: 'certified', scenario_version: version,
    source: {as_name: '', as_number: '', cn: '', ip, range: '', scope: 'Ip', value: ip}, start_at: stamp, stop_at: stamp, uuid: 'x',
  }
}
