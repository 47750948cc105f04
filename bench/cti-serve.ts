// The central CTI service (`crowd cti serve`, src/cti/service):
//   1. ingest: signals per second one `crowd cti serve` process stores (SQLite; PostgreSQL too when
//      CROWD_BENCH_PG_URL or CROWD_TEST_PG_URL names a server), from --watchers concurrent
//      keep-alive connections (100 watchers in turn), batches of 50 as CrowdSec sends them, for --seconds after a warm-up;
//   2. consensus: one pass of a replica taking over (the window replayed from the database) over
//      --pass-signals stored signals from 1,000 reporters (10M: --pass-signals 10000000; about 1 GB
//      of SQLite), wall time and peak memory;
//   3. stream: GET /v3/decisions/stream?startup=true with --fire fire entries (gzip accepted, as CrowdSec asks): time and bytes.
//   node --import tsx bench/cti-serve.ts [--seconds 8] [--watchers 8] [--pass-signals 1000000] [--fire 100000] [--targets sqlite,postgres]
import {spawn} from 'node:child_process'
import * as fs from 'node:fs'
import * as http from 'node:http'
import * as os from 'node:os'
import * as path from 'node:path'
import {performance} from 'node:perf_hooks'
import {arg, ROOT} from './lib.mjs'
import {ConsensusJob} from '../src/cti/service/consensus-job.js'
import {loadCertifier} from '../src/cti/service/certified.js'
import {asnLookup} from '../src/cti/service/network.js'
import {CtiServer} from '../src/cti/service/server.js'
import {loadNeverBan} from '../src/cti/service/service.js'
import {silentLogger} from '../src/model/logger.js'
import {CtiStore, type CtiSignalRow} from '../src/store/cti-store.js'
import {makeHub, sha, signal, SSH_V2, watcher} from '../test/cti/service/helpers.js'

const seconds = Number(arg('--seconds', '8'))
const watchers = Number(arg('--watchers', '8'))
const passSignals = Number(arg('--pass-signals', '1000000'))
const fireEntries = Number(arg('--fire', '100000'))
const pgServer = process.env.CROWD_BENCH_PG_URL || process.env.CROWD_TEST_PG_URL
const targets = arg('--targets', pgServer ? 'sqlite,postgres' : 'sqlite').split(',')
const SSH = 'crowdsecurity/ssh-bf'
const BIN = path.join(ROOT, 'bin', 'run.js')

const dotted = (n: number): string => `${n >>> 24}.${(n >>> 16) & 255}.${(n >>> 8) & 255}.${n & 255}`
const agent = new http.Agent({keepAlive: true, maxSockets: 64})

function post(base: string, p: string, token: string, body: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = http.request(new URL(p.slice(1), base), {method: 'POST', agent, headers: {'Content-Type': 'application/json', Authorization: `Bearer ${token}`, 'Content-Length': Buffer.byteLength(body)}}, (res) => {
      res.resume().on('end', () => resolve(res.statusCode ?? 0))
    })
    req.on('error', reject)
    req.end(body)
  })
}

async function pgDatabase(): Promise<{url: string; drop(): Promise<void>}> {
  // the test helper makes a database of its own on CROWD_TEST_PG_URL's server
  if (pgServer) process.env.CROWD_TEST_PG_URL = pgServer
  const {postgresUrl} = await import('../test/helpers/postgres.js')
  return postgresUrl()
}

async function ingest(target: string): Promise<void> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'crowd-bench-cti-'))
  const db = target === 'postgres' ? await pgDatabase() : undefined
  const hub = makeHub(dir)
  fs.writeFileSync(path.join(dir, 'crowd.toml'), `[cti]\nhub = "${hub}"\ntrusted_proxies = ["127.0.0.1"]\n${db ? `store_url = "${db.url}"\n` : ''}[cti.consensus]\nk = 3\ninterval = "10s"\ntrust_new_reporters = true\n`)
  const child = spawn(process.execPath, [BIN, 'cti', 'serve', '--listen', '127.0.0.1:0'], {cwd: ROOT, env: {...process.env, CROWD_HOME: dir, CROWD_CONFIG: path.join(dir, 'crowd.toml'), CROWD_LOG_LEVEL: ''}, stdio: ['ignore', 'ignore', 'pipe']})
  try {
    const url = await new Promise<string>((resolve, reject) => {
      let err = ''
      child.stderr!.setEncoding('utf8').on('data', (c: string) => {
        err += c
        const m = /listening on (http:\/\/127\.0\.0\.1:\d+\/)/.exec(err)
        if (m) resolve(m[1]!)
      })
      child.on('exit', (code) => reject(new Error(`cti serve exited ${code}: ${err}`)))
    })
    // 100 watchers shared by the connections: each stays within its own rate limit (a burst of 120 requests)
    const tokens: string[] = []
    for (let i = 0; i < 100; i++) tokens.push(await watcher(url, `bench-${i}`, dotted(0x0b000005 + i * 256), [SSH]))
    let next = 0
    let stored = 0
    let measuring = false
    let stop = false
    let seq = 0
    const worker = async (): Promise<void> => {
      while (!stop) {
        const token = tokens[next++ % tokens.length]!
        const now = Date.now()
        const batch = Array.from({length: 50}, () => signal(dotted(0x2d000000 + (seq++ % 5_000_000)), now - 1000))
        const status = await post(url, '/v3/signals', token, JSON.stringify(batch))
        if (status !== 200) throw new Error(`signals: ${status}`)
        if (measuring) stored += 50
      }
    }
    // a failing worker stops the others (and the finally below stops the server)
    let failure: unknown
    const runs = Array.from({length: watchers}, () => worker().catch((error: unknown) => {
      failure ??= error
      stop = true
    }))
    await new Promise((r) => setTimeout(r, 2000))
    measuring = true
    const t0 = performance.now()
    await new Promise((r) => setTimeout(r, seconds * 1000))
    measuring = false
    const elapsed = (performance.now() - t0) / 1000
    stop = true
    await Promise.all(runs)
    if (failure !== undefined) throw failure
    console.log(`ingest ${target}: ${Math.round(stored / elapsed)} signals/s (${watchers} connections, batches of 50, ${seconds}s)`)
  } finally {
    child.kill('SIGTERM')
    await new Promise((r) => child.on('exit', r))
    await db?.drop()
    fs.rmSync(dir, {recursive: true, force: true})
  }
}

async function passAndStream(target: string): Promise<void> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'crowd-bench-cti-'))
  const db = target === 'postgres' ? await pgDatabase() : undefined
  const store = await CtiStore.open(db ? {engine: 'postgres', target: db.url} : {engine: 'sqlite', target: path.join(dir, 'cti.db')})
  try {
    const now = Date.now()
    for (let r = 0; r < 1000; r++) await store.addWatcher(`rep-${r}`, 'x', now - 48 * 3600_000, dotted(0x0c000005 + r * 256), `${dotted(0x0c000000 + r * 256)}/24`)
    await store.driver.run(`UPDATE cti_watchers SET scenarios = ?`, [JSON.stringify([SSH])])
    // signals written straight into the table (the ingest is measured above): 50,000 per transaction
    const t0 = performance.now()
    const hash = sha(SSH_V2)
    // about 10 signals per address, from as many reporters
    const ipCount = Math.max(1, Math.floor(passSignals / 10)) + 7
    for (let done = 0; done < passSignals; ) {
      const rows: CtiSignalRow[] = []
      for (let i = 0; i < 50_000 && done < passSignals; i++, done++) {
        rows.push({machineId: `rep-${done % 1000}`, ip: dotted(0x2d000000 + (done % ipCount)), scenario: SSH, scenarioHash: hash, scenarioVersion: '0.2', trust: 'certified', at: now - 3600_000 + (done % 3_000_000), receivedAt: now - 3600_000 + Math.floor(done / 1000)})
      }
      await store.insertSignals(rows)
    }
    const loadS = (performance.now() - t0) / 1000
    const job = new ConsensusJob({store, params: {k: 3, trustNewReporters: true}, neverBan: loadNeverBan([]), holder: 'bench', intervalMs: 60_000, logger: silentLogger})
    const rss0 = process.memoryUsage().rss
    let peak = rss0
    const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 50)
    const t1 = performance.now()
    const r = await job.tick()
    const passS = (performance.now() - t1) / 1000
    clearInterval(sampler)
    console.log(`consensus ${target}: takeover pass over ${passSignals} stored signals (loaded in ${loadS.toFixed(1)}s): ${passS.toFixed(2)}s, ${r.promoted} promoted, peak RSS ${(peak / 2 ** 20).toFixed(0)} MB`)
    await job.stop()

    // the stream: fire entries written straight in, then one startup pull
    await store.driver.run('DELETE FROM cti_fire')
    await store.takeLease('consensus', 'bench', now, now + 600_000)
    for (let done = 0; done < fireEntries; ) {
      const upserts = []
      for (let i = 0; i < 5000 && done < fireEntries; i++, done++) {
        upserts.push({value: dotted(0x2e000000 + done), scope: 'Ip' as const, scenario: SSH, promotedAt: now, lastEvidenceAt: now, expiresAt: now + 72 * 3600_000, evidence: {reporters: ['rep-1', 'rep-2', 'rep-3'], networks: 3, asns: 3, firstAt: now, lastAt: now, scenarios: {[SSH]: 3}}})
      }
      await store.saveConsensus({now, lease: {name: 'consensus', holder: 'bench', until: now + 600_000}, upserts, expired: [], reporters: [], quarantine: [], purgeDeletedBefore: 0})
    }
    const server = new CtiServer({store, certifier: loadCertifier(makeHub(dir)), asn: asnLookup(undefined, () => {}), logger: silentLogger, windowMs: 24 * 3600_000, rateLimits: {watcher: {burst: 1e9, perSecond: 1e9}}})
    const url = await server.listen('127.0.0.1:0')
    const token = await watcher(url, 'puller', '14.0.4.5', [SSH])
    const times: number[] = []
    let bytes = 0
    for (let i = 0; i < 3; i++) {
      const t2 = performance.now()
      bytes = await new Promise<number>((resolve, reject) => {
        http.get(new URL('v3/decisions/stream?startup=true', url), {headers: {Authorization: `Bearer ${token}`, 'Accept-Encoding': 'gzip'}}, (res) => {
          let n = 0
          res.on('data', (c: Buffer) => (n += c.length)).on('end', () => resolve(n))
        }).on('error', reject)
      })
      times.push(performance.now() - t2)
    }
    times.sort((a, b) => a - b)
    console.log(`stream ${target}: ${fireEntries} fire entries, startup pull ${(bytes / 2 ** 20).toFixed(2)} MB gzipped in ${(times[1]! / 1000).toFixed(2)}s (median of 3)`)
    await server.close()
  } finally {
    await store.close()
    await db?.drop()
    fs.rmSync(dir, {recursive: true, force: true})
  }
}

for (const target of targets) {
  await ingest(target)
  await passAndStream(target)
}
agent.destroy()
