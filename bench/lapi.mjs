// Local API benchmark: crowd's LAPI (SQLite; PostgreSQL too when CROWD_BENCH_PG_URL or
// CROWD_TEST_PG_URL names a server, on a database of its own that is dropped afterwards) side by
// side with CrowdSec 1.4.6's LAPI (`crowdsec -no-cs`, SQLite, via test/helpers/crowdsec.ts), each a
// separate process on a free 127.0.0.1 port, each loaded with the same data through the wire:
//   1. load: POST /v1/alerts as a machine, 100 alerts x 1,000 decisions (origin cscli-import, as
//      `cscli decisions import` sends them), 10 alerts per request; then
//      GET /v1/decisions/stream?startup=true: wall time (median of 5, after one checked warm-up
//      pull) and response bytes;
//   2. GET /v1/decisions?ip=X from 50 keep-alive connections (one bouncer key, as 50 hosts sharing
//      it), half banned and half clean IPs, 2 s warm-up then 10 s: requests/s, p50/p99 latency,
//      and the LAPI process's CPU per request;
//   3. POST /v1/alerts, agent-like alerts (source IP, 5 events with meta, no decisions: the default
//      profile bans them for 4h) in batches of 50, from 1 poster then from 4 concurrent ones, each
//      2 s warm-up then 8 s: alerts/s, batch latency, refused batches.
// The load generators (2, 3) run in a child process (this file with --worker). Every answer is
// checked (counts, banned vs `null`, ids per batch) so an error page is never measured.
// Retention is effectively off on both (crowd: flush limits set out of reach; CrowdSec: no flush).
// Wall-clock figures move with whatever else runs on the machine (a note is printed when the load
// average is high); "server CPU" per request/alert (the LAPI process's /proc CPU time over the
// window) is the steadier figure.
//   node --import tsx bench/lapi.mjs [--decisions 100000] [--runs 5] [--connections 50]
//     [--seconds 10] [--ingest-seconds 8] [--posters 4] [--targets crowd-sqlite,crowd-postgres,crowdsec]
//     [--crowd-node-args "--cpu-prof --cpu-prof-dir=/tmp/prof"]   (profiling crowd's server process)
import {spawn, spawnSync} from 'node:child_process'
import {randomBytes} from 'node:crypto'
import * as fs from 'node:fs'
import * as http from 'node:http'
import * as os from 'node:os'
import * as path from 'node:path'
import {performance} from 'node:perf_hooks'
import {fileURLToPath} from 'node:url'
import {arg, median, ROOT} from './lib.mjs'

const SELF = fileURLToPath(import.meta.url)
const AGENT_UA = 'crowdsec/v1.4.6-bench'
const BOUNCER_UA = 'crowd-bench-bouncer/v1.0'

// ---- deterministic data (shared by the main process and the workers)

const dotted = (n) => `${n >>> 24}.${(n >>> 16) & 255}.${(n >>> 8) & 255}.${n & 255}`
/** The i-th imported (banned) address: 11.0.0.0/8, every 7th. */
const bannedIp = (i) => dotted((11 << 24) + i * 7)
/** The i-th clean address, interleaved with the banned ones. */
const cleanIp = (i) => dotted((11 << 24) + i * 7 + 3)
/** Agent alert sources: 100.64.0.0/10, a block of 2^18 per poster (16 posters in all). */
const agentIp = (poster, k) => dotted(((100 << 24) | (64 << 16)) + poster * (1 << 18) + k)
const isoSeconds = (ms) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z')

function request(url, {method = 'GET', headers = {}, body, agent, discard = false, timeout = 120_000} = {}) {
  return new Promise((resolve, reject) => {
    const h = {...headers}
    if (body !== undefined) {
      h['content-type'] = 'application/json'
      h['content-length'] = Buffer.byteLength(body)
    }
    const req = http.request(url, {method, headers: h, agent, timeout}, (res) => {
      const chunks = []
      let bytes = 0
      res.on('data', (c) => {
        bytes += c.length
        if (!discard) chunks.push(c)
      })
      res.on('end', () => resolve({status: res.statusCode, bytes, text: discard ? '' : Buffer.concat(chunks).toString('utf8')}))
      res.on('error', reject)
    })
    req.on('timeout', () => req.destroy(new Error(`timeout: ${method} ${url}`)))
    req.on('error', reject)
    req.end(body)
  })
}

function agentAlert(ip, nowMs) {
  const stop = nowMs - 1000
  const start = stop - 4000
  const events = []
  for (let e = 0; e < 5; e++) {
    const ts = isoSeconds(start + e * 1000)
    events.push({
      timestamp: ts,
      meta: [
        {key: 'ASNNumber', value: '0'}, {key: 'IsInEU', value: 'false'}, {key: 'SourceRange', value: '<nil>'},
        {key: 'datasource_path', value: '/var/log/auth.log'}, {key: 'datasource_type', value: 'file'},
        {key: 'log_type', value: 'ssh_failed-auth'}, {key: 'machine', value: 'bench-host'}, {key: 'service', value: 'ssh'},
        {key: 'source_ip', value: ip}, {key: 'target_user', value: 'root'}, {key: 'timestamp', value: ts},
      ],
    })
  }
  return {
    capacity: 5, events_count: 6, leakspeed: '10s', remediation: true, simulated: false,
    scenario: 'crowdsecurity/ssh-bf', scenario_hash: '4441dcff07020f6690d998b7101e642359ba405c2abb83565bbbdcee36de280f', scenario_version: '0.1',
    message: `Ip ${ip} performed 'crowdsecurity/ssh-bf' (6 events over 4s) at ${new Date(stop).toISOString()}`,
    start_at: new Date(start).toISOString(), stop_at: new Date(stop).toISOString(),
    events, labels: null,
    source: {scope: 'Ip', value: ip, ip, range: '', as_number: '', as_name: '', cn: ''},
  }
}

/** Cumulative user+system CPU seconds of a process (from /proc), or NaN. */
function procCpuSeconds(pid) {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8')
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
    return (Number(f[11]) + Number(f[12])) / 100 // utime, stime in clock ticks (USER_HZ = 100 on Linux)
  } catch {
    return NaN
  }
}

function percentile(sorted, p) {
  return sorted.length === 0 ? NaN : sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]
}

// ---- worker: the load generator, in its own process

async function worker(cfg) {
  setTimeout(() => {
    process.stderr.write('worker: over time, exiting\n')
    process.exit(3)
  }, cfg.warmupMs + cfg.durationMs + 60_000).unref()
  const agent = new http.Agent({keepAlive: true, maxSockets: cfg.concurrency})
  const base = new URL(cfg.url)
  const target = {host: base.hostname, port: Number(base.port), agent}
  const t0 = performance.now()
  // The window opens with the first completion after the warm-up and closes with the first one
  // after its end (snapshots taken there, so a starved timer cannot skew them); what completes
  // inside is counted, which is unbiased at both edges in steady state.
  const openAt = t0 + cfg.warmupMs
  const closeAt = openAt + cfg.durationMs
  let opened
  let closed
  const latencies = []
  let units = 0
  let errors = 0
  let firstError
  const fail = (msg) => {
    errors++
    firstError ??= msg
  }
  const snapshot = () => ({t: performance.now(), server: procCpuSeconds(cfg.serverPid), client: process.cpuUsage()})

  let op
  if (cfg.kind === 'live') {
    const headers = {'x-api-key': cfg.apiKey, 'user-agent': BOUNCER_UA}
    op = async (k) => {
      // half banned, half clean; spread over the whole table
      const i = (k * 2654435761) % cfg.decisions
      const banned = k % 2 === 0
      const ip = banned ? bannedIp(i) : cleanIp(i)
      const r = await send({...target, path: `/v1/decisions?ip=${ip}`, method: 'GET', headers})
      if (r.status !== 200) return fail(`HTTP ${r.status}: ${r.text.slice(0, 200)}`), 0
      if (banned ? !r.text.includes(`"value":"${ip}"`) : r.text !== 'null') return fail(`ip=${ip}: unexpected ${r.text.slice(0, 200)}`), 0
      return 1
    }
  } else {
    const counters = new Array(cfg.concurrency).fill(0)
    op = async (k, poster) => {
      const now = Date.now()
      const alerts = []
      for (let j = 0; j < cfg.batch; j++) alerts.push(agentAlert(agentIp((cfg.base ?? 0) + poster, counters[poster]++), now))
      const body = JSON.stringify(alerts)
      const headers = {authorization: `Bearer ${cfg.token}`, 'user-agent': AGENT_UA, 'content-type': 'application/json', 'content-length': Buffer.byteLength(body)}
      const r = await send({...target, path: '/v1/alerts', method: 'POST', headers}, body)
      if (r.status !== 201) return fail(`HTTP ${r.status}: ${r.text.slice(0, 200)}`), 0
      const ids = JSON.parse(r.text)
      if (!Array.isArray(ids) || ids.length !== cfg.batch) return fail(`unexpected answer ${r.text.slice(0, 200)}`), 0
      return cfg.batch
    }
  }

  let failedInWindow = 0
  const loop = async (c) => {
    for (let k = c; performance.now() < closeAt; k += cfg.concurrency) {
      const start = performance.now()
      let n = 0
      const before = errors
      try {
        n = await op(k, c)
      } catch (error) {
        fail(String(error?.message ?? error))
      }
      const end = performance.now()
      if (opened === undefined && end >= openAt) opened = snapshot()
      if (closed === undefined && end >= closeAt) closed = snapshot()
      if (opened !== undefined && closed === undefined) {
        if (n > 0) {
          units += n
          latencies.push(end - start)
        } else if (errors > before) failedInWindow++
      }
    }
  }
  await Promise.all(Array.from({length: cfg.concurrency}, (_, c) => loop(c)))
  agent.destroy()
  opened ??= snapshot()
  closed ??= snapshot()
  latencies.sort((a, b) => a - b)
  const seconds = (closed.t - opened.t) / 1000
  const client = (closed.client.user - opened.client.user + closed.client.system - opened.client.system) / 1e6
  process.stdout.write(JSON.stringify({
    units, requests: latencies.length, seconds, rate: units / seconds, p50: percentile(latencies, 50), p99: percentile(latencies, 99),
    errors, failedInWindow, firstError, serverCpu: closed.server - opened.server, clientCpu: client,
  }) + '\n')
}

/** One lean request for the load generator (options prepared by the caller, no per-request timer). */
function send(options, body) {
  return new Promise((resolve, reject) => {
    const req = http.request(options, (res) => {
      let text = ''
      res.setEncoding('utf8')
      res.on('data', (c) => (text += c))
      res.on('end', () => resolve({status: res.statusCode, text}))
      res.on('error', reject)
    })
    req.on('error', reject)
    req.end(body)
  })
}

if (process.argv[2] === '--worker') {
  await worker(JSON.parse(process.argv[3]))
  process.exit(0)
}

// ---- main

const N = Number(arg('--decisions', 100_000))
const PER_ALERT = 1000
const ALERTS_PER_POST = 10
const RUNS = Number(arg('--runs', 5))
const CONNECTIONS = Number(arg('--connections', 50))
const LIVE_MS = Number(arg('--seconds', 10)) * 1000
const INGEST_MS = Number(arg('--ingest-seconds', 8)) * 1000
const WARMUP_MS = 2000
const POSTERS = Number(arg('--posters', 4))
const BATCH = 50
const TARGETS = arg('--targets', 'crowd-sqlite,crowd-postgres,crowdsec').split(',')
const CROWD_NODE_ARGS = arg('--crowd-node-args', '').split(' ').filter(Boolean)
const PG_SERVER = process.env.CROWD_BENCH_PG_URL || process.env.CROWD_TEST_PG_URL || ''
const BIN = path.join(ROOT, 'bin', 'run.js')
const PASSWORD = 'bench-' + randomBytes(9).toString('hex')
const API_KEY = randomBytes(16).toString('hex')
const BUDGET_MS = 330_000

const log = (msg) => process.stderr.write(`  ${msg}\n`)
const cleanups = []
const workers = new Set()
process.on('exit', () => {
  for (const w of workers) {
    try {
      w.kill('SIGKILL')
    } catch {
      /* gone */
    }
  }
})
async function cleanupAll() {
  while (cleanups.length > 0) {
    try {
      await cleanups.pop()()
    } catch (error) {
      log(`cleanup: ${error.message}`)
    }
  }
}
setTimeout(async () => {
  process.stderr.write(`lapi bench: over the ${BUDGET_MS / 1000} s budget, aborting\n`)
  await Promise.race([cleanupAll(), new Promise((r) => setTimeout(r, 15_000))])
  process.exit(2)
}, BUDGET_MS).unref()

// The CrowdSec harness also gives the process helpers (own process group, SIGTERM then SIGKILL,
// killed at exit even on a throw) and temp dirs removed at exit; crowd's server uses them too.
const harness = await import('../test/helpers/crowdsec.ts')

function staleDist() {
  const newest = (dir, ext) => {
    let t = 0
    for (const e of fs.readdirSync(dir, {withFileTypes: true, recursive: true})) {
      if (e.isFile() && e.name.endsWith(ext)) t = Math.max(t, fs.statSync(path.join(e.parentPath ?? e.path, e.name)).mtimeMs)
    }
    return t
  }
  try {
    return newest(path.join(ROOT, 'src'), '.ts') > newest(path.join(ROOT, 'dist'), '.js')
  } catch {
    return true
  }
}

/** A database of its own on the PostgreSQL server; dropped by the returned function. */
async function createPgDatabase(server) {
  const {default: pg} = await import('pg')
  const name = `crowd_bench_${randomBytes(5).toString('hex')}`
  const admin = async (sql) => {
    const c = new pg.Client({connectionString: server, connectionTimeoutMillis: 10_000})
    await c.connect()
    try {
      await c.query(sql)
    } finally {
      await c.end()
    }
  }
  await admin(`CREATE DATABASE ${name}`)
  const url = new URL(server)
  url.pathname = `/${name}`
  return {url: url.toString(), drop: () => admin(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`).catch(() => admin(`DROP DATABASE IF EXISTS ${name}`))}
}

async function startCrowd(storeUrl) {
  const tmp = harness.makeTempDir('bench-crowd')
  cleanups.push(async () => tmp.remove())
  const port = await harness.freePort()
  const toml = path.join(tmp.dir, 'crowd.toml')
  // retention out of reach, as CrowdSec runs here without db_config.flush
  fs.writeFileSync(toml, `[lapi]\nlisten = "127.0.0.1:${port}"\n\n[lapi.flush]\nmax_items = 1000000000\nmax_age = "87600h"\n`)
  const env = {...process.env, CROWD_HOME: tmp.dir, CROWD_CONFIG: toml}
  delete env.CROWD_STORE_URL
  delete env.CROWD_LOG_LEVEL
  if (storeUrl) env.CROWD_STORE_URL = storeUrl
  for (const args of [['machines', 'add', 'bench', '--password', PASSWORD], ['bouncers', 'add', 'bench', '--key', API_KEY, '--json']]) {
    const r = spawnSync(process.execPath, [BIN, ...args], {env, encoding: 'utf8', timeout: 60_000})
    if (r.status !== 0) throw new Error(`crowd ${args.slice(0, 2).join(' ')} failed (${r.status}): ${r.stderr}${r.stdout}`)
  }
  const proc = harness.spawnManaged('crowd lapi', process.execPath, [...CROWD_NODE_ARGS, BIN, 'lapi', 'serve', '--listen', `127.0.0.1:${port}`], {env, cwd: tmp.dir})
  const stop = () => proc.stop(15_000)
  cleanups.push(stop)
  const url = `http://127.0.0.1:${port}/`
  await harness.waitForLapi(url, 30_000, proc)
  return {url, pid: proc.pid, stop, output: () => proc.output()}
}

async function startCrowdsec() {
  const lapi = await harness.startCrowdsecLapi({logLevel: 'warning'})
  cleanups.push(() => lapi.stop())
  await lapi.addMachine('bench', PASSWORD)
  await lapi.addBouncer('bench', API_KEY)
  return {url: lapi.url, pid: lapi.process.pid, stop: () => lapi.stop(), output: () => lapi.process.output()}
}

function runWorker(cfg) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [SELF, '--worker', JSON.stringify(cfg)], {stdio: ['ignore', 'pipe', 'pipe']})
    workers.add(child)
    let out = ''
    let err = ''
    child.stdout.on('data', (c) => (out += c))
    child.stderr.on('data', (c) => (err += c))
    child.on('error', reject)
    child.on('exit', (code) => {
      workers.delete(child)
      if (code !== 0) return reject(new Error(`load worker exited ${code}: ${err.slice(-2000)}`))
      resolve(JSON.parse(out.trim().split('\n').pop()))
    })
  })
}

async function login(url) {
  const r = await request(`${url}v1/watchers/login`, {
    method: 'POST', headers: {'user-agent': AGENT_UA}, body: JSON.stringify({machine_id: 'bench', password: PASSWORD, scenarios: ['crowdsecurity/ssh-bf']}),
  })
  if (r.status !== 200) throw new Error(`login: HTTP ${r.status}: ${r.text}`)
  return JSON.parse(r.text).token
}

/** `cscli decisions import`'s alert (1.4.6 layout) carrying decisions [first, first + count). */
function importAlert(first, count, nowIso) {
  const decisions = []
  for (let i = first; i < first + count; i++) {
    decisions.push({duration: '24h', origin: 'cscli-import', scenario: 'bench import', scope: 'Ip', type: 'ban', value: bannedIp(i)})
  }
  return {
    capacity: 0, events_count: count, leakspeed: '', message: '', simulated: false, remediation: true,
    scenario: `import bench.txt : ${count} IPs`, scenario_hash: '', scenario_version: '',
    created_at: nowIso, start_at: nowIso, stop_at: nowIso, events: [],
    source: {scope: 'cscli/manual-import', value: ''},
    decisions,
  }
}

async function measure(target) {
  const res = {label: target.label, errors: {}}
  const server = await target.start()
  /** Runs one phase; a failure is recorded against it (printed in its table) and returns false. */
  const phase = async (name, fn) => {
    try {
      await fn()
      return true
    } catch (error) {
      res.errors[name] = error.message
      log(`${target.label}: ${name} FAILED: ${error.message}\n${String(server.output()).slice(-1500)}`)
      return false
    }
  }
  try {
    let token
    const bouncer = {'x-api-key': API_KEY, 'user-agent': BOUNCER_UA}
    // 1a. N decisions through POST /v1/alerts; 1b. startup stream: one checked pull, then RUNS timed ones
    const loaded = await phase('load', async () => {
      token = await login(server.url)
      const auth = {authorization: `Bearer ${token}`, 'user-agent': AGENT_UA}
      log(`${target.label}: loading ${N} decisions`)
      const nowIso = isoSeconds(Date.now())
      let loadMs = 0
      for (let first = 0; first < N; first += PER_ALERT * ALERTS_PER_POST) {
        const alerts = []
        for (let a = first; a < Math.min(N, first + PER_ALERT * ALERTS_PER_POST); a += PER_ALERT) alerts.push(importAlert(a, Math.min(PER_ALERT, N - a), nowIso))
        const body = JSON.stringify(alerts)
        const t = performance.now()
        const r = await request(`${server.url}v1/alerts`, {method: 'POST', headers: auth, body, timeout: 300_000})
        loadMs += performance.now() - t
        if (r.status !== 201 || JSON.parse(r.text).length !== alerts.length) throw new Error(`POST /v1/alerts (import): HTTP ${r.status}: ${r.text.slice(0, 300)}`)
      }
      res.load = {seconds: loadMs / 1000, rate: N / (loadMs / 1000)}
    })
    const streamed = loaded && (await phase('stream', async () => {
      log(`${target.label}: stream`)
      const streamUrl = `${server.url}v1/decisions/stream?startup=true`
      const agent = new http.Agent({keepAlive: true})
      const first = await request(streamUrl, {headers: bouncer, agent})
      if (first.status !== 200) throw new Error(`HTTP ${first.status}: ${first.text.slice(0, 300)}`)
      const parsed = JSON.parse(first.text)
      const fresh = parsed.new ?? []
      const values = new Set(fresh.map((d) => d.value))
      if (fresh.length !== N || values.size !== N || !values.has(bannedIp(0)) || !values.has(bannedIp(N - 1)) || (parsed.deleted ?? []).length !== 0) {
        throw new Error(`expected ${N} distinct new decisions and none deleted, got new=${fresh.length} (distinct ${values.size}), deleted=${(parsed.deleted ?? []).length}`)
      }
      const times = []
      let bytes = 0
      for (let i = 0; i < RUNS; i++) {
        const t = performance.now()
        const r = await request(streamUrl, {headers: bouncer, agent, discard: true})
        times.push(performance.now() - t)
        if (r.status !== 200 || r.bytes < first.bytes * 0.99) throw new Error(`run ${i}: HTTP ${r.status}, ${r.bytes} bytes`)
        bytes = r.bytes
      }
      agent.destroy()
      res.stream = {ms: median(times), min: Math.min(...times), bytes, count: fresh.length}
    }))
    if (!streamed) return res

    // 2. live decisions, CONNECTIONS keep-alive connections
    await phase('live', async () => {
      const check = async (ip, banned) => {
        const r = await request(`${server.url}v1/decisions?ip=${ip}`, {headers: bouncer})
        const ok = r.status === 200 && (banned ? JSON.parse(r.text)?.[0]?.value === ip : r.text === 'null')
        if (!ok) throw new Error(`GET /v1/decisions?ip=${ip}: HTTP ${r.status}: ${r.text.slice(0, 300)}`)
      }
      await check(bannedIp(12345 % N), true)
      await check(cleanIp(12345 % N), false)
      log(`${target.label}: live decisions, ${CONNECTIONS} connections, ${LIVE_MS / 1000} s`)
      const live = await runWorker({kind: 'live', url: server.url, apiKey: API_KEY, serverPid: server.pid, concurrency: CONNECTIONS, warmupMs: WARMUP_MS, durationMs: LIVE_MS, decisions: N})
      if (live.errors > 0) throw new Error(`${live.errors} bad answers, first: ${live.firstError}`)
      res.live = live
    })

    // 3. agent alerts, from one poster (one agent) then from POSTERS at once. A refused batch
    // (CrowdSec on SQLite: "database is locked") is counted, not fatal: agents retry it; only
    // accepted alerts count towards alerts/s.
    let base = 0
    for (const [key, posters] of [['ingest1', 1], ['ingest', POSTERS]]) {
      await phase(key, async () => {
        log(`${target.label}: alert ingestion, ${posters} poster(s) x ${BATCH} alerts, ${INGEST_MS / 1000} s`)
        const ingest = await runWorker({kind: 'ingest', url: server.url, token, serverPid: server.pid, concurrency: posters, warmupMs: WARMUP_MS, durationMs: INGEST_MS, batch: BATCH, base})
        if (ingest.units === 0) throw new Error(`no batch accepted; first error: ${ingest.firstError}`)
        if (ingest.errors > 0 && !/^HTTP 5\d\d/.test(ingest.firstError)) throw new Error(`${ingest.errors} bad answers, first: ${ingest.firstError}`)
        const probe = agentIp(base, 0)
        const r = await request(`${server.url}v1/decisions?ip=${probe}`, {headers: bouncer})
        const d = r.status === 200 ? JSON.parse(r.text)?.[0] : undefined
        if (d?.type !== 'ban' || d?.origin !== 'crowdsec' || d?.scenario !== 'crowdsecurity/ssh-bf' || !/^3h5\d/.test(d?.duration ?? '')) {
          throw new Error(`the profile's 4h ban for ${probe} is missing: HTTP ${r.status}: ${r.text.slice(0, 300)}`)
        }
        res[key] = ingest
      })
      base += posters
    }
  } finally {
    await server.stop()
  }
  return res
}

// ---- targets

console.log(`lapi: ${N} decisions; ${os.cpus().length} CPUs; node ${process.version}`)
const load1 = os.loadavg()[0]
if (load1 > 0.5) console.log(`  note: load average ${load1.toFixed(2)} before starting: other work on this machine skews the figures`)
if (staleDist()) console.log('  note: dist/ is older than src/ (crowd runs from dist/: `npm run build` to measure the current sources)')
const targets = []
if (TARGETS.includes('crowd-sqlite')) targets.push({label: 'crowd (sqlite)', start: () => startCrowd()})
if (TARGETS.includes('crowd-postgres')) {
  if (PG_SERVER) {
    targets.push({
      label: 'crowd (postgres)',
      start: async () => {
        const db = await createPgDatabase(PG_SERVER)
        cleanups.push(db.drop)
        const s = await startCrowd(db.url)
        return {...s, stop: async () => (await s.stop(), await db.drop())}
      },
    })
  } else {
    console.log('  crowd (postgres): skipped (set CROWD_BENCH_PG_URL or CROWD_TEST_PG_URL to a postgres:// server URL)')
  }
}
let crowdsecLabel = 'crowdsec'
if (TARGETS.includes('crowdsec')) {
  if (harness.which('crowdsec') && harness.which('cscli')) {
    const v = spawnSync('crowdsec', ['-version'], {encoding: 'utf8'})
    const version = /version: v?([\d.]+)/.exec(`${v.stdout}${v.stderr}`)?.[1] ?? '?'
    crowdsecLabel = `crowdsec ${version}`
    targets.push({label: crowdsecLabel, crowdsec: true, start: startCrowdsec})
  } else {
    console.log('  crowdsec: not installed (crowdsec and cscli not on PATH): measuring crowd only')
  }
}

const results = []
try {
  for (const t of targets) {
    try {
      results.push({...(await measure(t)), crowdsec: Boolean(t.crowdsec)})
    } catch (error) {
      log(`${t.label}: could not start: ${error.message}`)
      results.push({label: t.label, crowdsec: Boolean(t.crowdsec), errors: {load: `could not start: ${error.message}`}})
    }
  }
} finally {
  await cleanupAll()
}

// ---- report

const ref = results.find((r) => r.crowdsec)
const fmt = (v, digits = 0) => (Number.isFinite(v) ? v.toLocaleString('en-US', {minimumFractionDigits: digits, maximumFractionDigits: digits}) : '-')
/** crowd's value over CrowdSec's, flagged when crowd is more than 5x worse. */
const ratio = (r, get, higherIsBetter) => {
  if (!ref || r === ref) return ''
  const q = get(r) / get(ref)
  if (!Number.isFinite(q)) return '-'
  const worse = higherIsBetter ? 1 / q : q
  return `${q.toFixed(2)}${worse > 5 ? ' (>5x worse)' : ''}`
}
function table(title, key, columns) {
  console.log(`\n${title}`)
  const rows = [['', ...columns.map((c) => c[0])]]
  const failed = []
  for (const r of results) {
    if (r[key] === undefined) {
      failed.push(`  ${r.label}: ${r.errors[key] ?? 'not measured (an earlier phase failed)'}`.split('\n')[0].slice(0, 240))
      continue
    }
    rows.push([r.label, ...columns.map((c) => (ref?.[key] === undefined && c[0].includes('crowdsec') ? '' : c[1](r)))])
  }
  const widths = rows[0].map((_, i) => Math.max(...rows.map((row) => row[i].length)))
  if (rows.length > 1) for (const row of rows) console.log('  ' + row.map((cell, i) => (i === 0 ? cell.padEnd(widths[i]) : cell.padStart(widths[i]))).join('   '))
  for (const f of failed) console.log(`  FAILED ${f.trim()}`)
}

table(`1a. load: POST /v1/alerts, ${N / PER_ALERT} alerts x ${PER_ALERT} decisions (${ALERTS_PER_POST} alerts per request, sequential)`, 'load', [
  ['seconds', (r) => fmt(r.load.seconds, 2)],
  ['decisions/s', (r) => fmt(r.load.rate)],
  ['time crowd/crowdsec', (r) => ratio(r, (x) => x.load.seconds, false)],
])
table(`1b. GET /v1/decisions/stream?startup=true, ${fmt(N)} active decisions (median of ${RUNS})`, 'stream', [
  ['ms', (r) => fmt(r.stream.ms)],
  ['min ms', (r) => fmt(r.stream.min)],
  ['MB', (r) => fmt(r.stream.bytes / 1e6, 2)],
  ['new', (r) => fmt(r.stream.count)],
  ['time crowd/crowdsec', (r) => ratio(r, (x) => x.stream.ms, false)],
])
table(`2. GET /v1/decisions?ip=X, ${CONNECTIONS} keep-alive connections, half banned, ${LIVE_MS / 1000} s after ${WARMUP_MS / 1000} s warm-up`, 'live', [
  ['req/s', (r) => fmt(r.live.rate)],
  ['p50 ms', (r) => fmt(r.live.p50, 2)],
  ['p99 ms', (r) => fmt(r.live.p99, 2)],
  ['server CPU us/req', (r) => fmt((r.live.serverCpu * 1e6) / r.live.units)],
  ['client CPU %', (r) => fmt((100 * r.live.clientCpu) / r.live.seconds)],
  ['req/s crowd/crowdsec', (r) => ratio(r, (x) => x.live.rate, true)],
])
const ingestColumns = (key) => [
  ['alerts/s', (r) => fmt(r[key].rate)],
  ['batch p50 ms', (r) => fmt(r[key].p50, 1)],
  ['batch p99 ms', (r) => fmt(r[key].p99, 1)],
  ['refused batches', (r) => fmt(r[key].failedInWindow)],
  ['server CPU us/alert', (r) => fmt((r[key].serverCpu * 1e6) / r[key].units)],
  ['alerts/s crowd/crowdsec', (r) => ratio(r, (x) => x[key].rate, true)],
]
const what = `agent alerts (5 events, default profile: ban 4h), batches of ${BATCH}, ${INGEST_MS / 1000} s after ${WARMUP_MS / 1000} s warm-up`
table(`3a. POST /v1/alerts, ${what}, 1 poster`, 'ingest1', ingestColumns('ingest1'))
table(`3b. POST /v1/alerts, ${what}, ${POSTERS} concurrent posters`, 'ingest', ingestColumns('ingest'))
for (const r of results) {
  for (const key of ['ingest1', 'ingest']) if (r[key]?.errors > 0) console.log(`  ${r.label} (${key === 'ingest1' ? 1 : POSTERS} poster(s)): ${r[key].errors} batches refused, e.g. ${r[key].firstError}`)
}
console.log("\n  server CPU: the LAPI process only (not PostgreSQL's); ratios: crowd's figure / CrowdSec's")
process.exit(results.some((r) => Object.keys(r.errors).length > 0) ? 1 : 0)
