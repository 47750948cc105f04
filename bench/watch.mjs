// `crowd watch` benchmarks (issue 15), with CrowdSec's linux + nginx + base-http-scenarios collections on genlogs
// nginx lines, the watch committing to a real SQLite store through the LAPI's profiles:
//   follow     lines/s while another process appends the log as fast as it can, beside `crowd scan` of the same
//              file (in one thread, and with the CLI's default parse worker)
//   latency    from an attack line written to its decision committed in the store (p50, p99), while background
//              lines are appended at --rates lines/s (the writer reports what it managed: `lines`)
//   rss        RSS after 1 minute and after --minutes (default 10) of steady input (2,000 lines/s + attacks)
//   node bench/watch.mjs [--lines 200000] [--minutes 10] [--only follow,latency,rss] [--rates 1000,20000,50000] [--parse-worker 1|0]
import {spawn} from 'node:child_process'
import * as fs from 'node:fs'
import * as os from 'node:os'
import * as path from 'node:path'
import {arg, generateLog, median, report, SHARED} from './lib.mjs'
import {StoreAgentSink} from '../src/lapi/agent-sink.ts'
import {LapiOperations} from '../src/lapi/operations.ts'
import {LapiProfiles} from '../src/lapi/profiles.ts'
import {silentLogger} from '../src/model/logger.ts'
import {prepareContent, scan} from '../src/pipeline/index.ts'
import {startWatch} from '../src/pipeline/watch.ts'
import {openStore} from '../src/store/open.ts'

const lines = Number(arg('--lines', '200000'))
const minutes = Number(arg('--minutes', '10'))
const only = arg('--only', 'follow,latency,rss').split(',')
const rates = arg('--rates', '1000,20000,50000').split(',').map(Number)
// latency and rss: parse in a worker thread, as `crowd watch` does by default on 2+ cores (0: in the loop's thread)
const parseWorker = arg('--parse-worker', '1') !== '0'
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'crowd-bench-watch-'))
const hub = path.join(SHARED, 'crowdsec-hub')
const collections = ['crowdsecurity/linux', 'crowdsecurity/nginx', 'crowdsecurity/base-http-scenarios']
const prepared = await prepareContent({hubDir: hub, collections, logger: silentLogger})
const {log} = generateLog('nginx', lines, 1)
const sourceLines = fs.readFileSync(log, 'utf8').split('\n').filter((l) => l !== '')

// The writer runs in its own process: it must not share the watch's event loop.
const WRITER = `
const fs = require('node:fs')
const [file, mode, rate, seconds, src] = process.argv.slice(1)
const lines = fs.readFileSync(src, 'utf8').split('\\n').filter((l) => l !== '')
const fd = fs.openSync(file, 'a')
const stamp = () => { const d = new Date(); return d.toISOString().slice(8, 10) + '/' + d.toLocaleString('en-US', {month: 'short', timeZone: 'UTC'}) + '/' + d.getUTCFullYear() + ':' + d.toISOString().slice(11, 19) + ' +0000' }
const rewrite = (l, now) => l.replace(/\\[[^\\]]+\\]/, '[' + now + ']')
if (mode === 'flood') {
  let chunk = []
  for (const l of lines) { chunk.push(l); if (chunk.length === 2000) { fs.writeSync(fd, chunk.join('\\n') + '\\n'); chunk = [] } }
  if (chunk.length) fs.writeSync(fd, chunk.join('\\n') + '\\n')
  process.exit(0)
}
// paced: background lines at rate/s in 10 ms ticks, and every 200 ms an attacker (2 lines, Nikto's user agent, from 198.18.0.0/15) whose write time is kept
const attacks = []
let i = 0, n = 0
const perTick = Number(rate) / 100
let owed = 0
const end = Date.now() + Number(seconds) * 1000
const timer = setInterval(() => {
  owed += perTick
  const batch = []
  const now = stamp()
  while (owed >= 1) { batch.push(rewrite(lines[i++ % lines.length], now)); owed-- }
  if (batch.length) fs.writeSync(fd, batch.join('\\n') + '\\n')
  if (++n % 20 === 0) {
    const ip = '198.' + (18 + ((n >> 16) & 1)) + '.' + ((n >> 8) & 255) + '.' + (n & 255)
    const hit = ip + ' - - [' + now + '] "GET /index.php HTTP/1.1" 200 512 "-" "Mozilla/5.00 (Nikto/2.1.6) (Evasions:None) (Test:000003)"'
    fs.writeSync(fd, hit + '\\n' + hit + '\\n')
    attacks.push([ip, Date.now()])
  }
  if (Date.now() >= end) { clearInterval(timer); fs.closeSync(fd); process.stdout.write(JSON.stringify(attacks)); process.exit(0) }
}, 10)
`

function writer(file, mode, rate, seconds) {
  const child = spawn(process.execPath, ['-e', WRITER, file, mode, String(rate), String(seconds), log], {stdio: ['ignore', 'pipe', 'inherit']})
  let out = ''
  child.stdout.setEncoding('utf8').on('data', (c) => (out += c))
  return new Promise((resolve) => child.on('exit', () => resolve(out === '' ? [] : JSON.parse(out))))
}

async function newSink(name) {
  const store = await openStore({engine: 'sqlite', target: path.join(tmp, `${name}.db`)})
  return new StoreAgentSink(store, new LapiOperations(store, new LapiProfiles(undefined, silentLogger), silentLogger), 'bench', 'watch/bench')
}

const processed = (run) => run.figures().sources.reduce((t, s) => t + s.parsed + s.unparsed + s.whitelisted, 0)

async function follow() {
  const scanRates = []
  const scanWorkerRates = []
  for (let r = 0; r < 3; r++) {
    let t = process.hrtime.bigint()
    await scan({inputs: [{input: log, type: 'nginx'}], prepared, parseWorkers: 0})
    scanRates.push(sourceLines.length / (Number(process.hrtime.bigint() - t) / 1e9))
    t = process.hrtime.bigint()
    await scan({inputs: [{input: log, type: 'nginx'}], prepared, parseWorkers: 'auto'})
    scanWorkerRates.push(sourceLines.length / (Number(process.hrtime.bigint() - t) / 1e9))
  }
  const followRates = {thread: [], worker: []}
  for (let r = 0; r < 3; r++) {
    for (const kind of ['thread', 'worker']) {
      const file = path.join(tmp, `follow-${kind}-${r}.log`)
      fs.writeFileSync(file, '')
      const sink = await newSink(`follow-${kind}-${r}`)
      const run = await startWatch({sources: [{kind: 'file', paths: [file], labels: {type: 'nginx'}}], stages: prepared.stages, sink, logger: silentLogger,
        ...(kind === 'worker' ? {parseWorker: {content: prepared.content}} : {})})
      // the worker compiles its parsers first (a daemon does it once, at start)
      await new Promise((res) => setTimeout(res, kind === 'worker' ? 3000 : 300))
      const t = process.hrtime.bigint()
      const w = writer(file, 'flood', 0, 0)
      while (processed(run) < sourceLines.length) await new Promise((res) => setTimeout(res, 5))
      followRates[kind].push(sourceLines.length / (Number(process.hrtime.bigint() - t) / 1e9))
      await w
      const result = await run.stop()
      await sink.close()
      if (r === 0) report(`  its commits (${kind})`, {alerts: result.summary.alerts, commits: result.figures.commits.ok, state_ms: result.figures.commits.stateMs, state_kb: result.figures.commits.stateBytes / 1024})
    }
  }
  const thread = median(followRates.thread)
  const worker = median(followRates.worker)
  report('watch follow (appended), one thread', {lines: sourceLines.length, lines_per_s: thread})
  report('watch follow (appended), parse worker', {lines: sourceLines.length, lines_per_s: worker})
  report('scan, one thread', {lines_per_s: median(scanRates), watch_thread_over_scan: thread / median(scanRates)})
  report('scan, parse worker', {lines_per_s: median(scanWorkerRates), watch_worker_over_scan: worker / median(scanWorkerRates)})
}

/** Runs a paced writer against a watch; returns the run, attack write times, and the alert stored times by IP. */
async function paced(name, rate, seconds, onTick) {
  const file = path.join(tmp, `${name}.log`)
  fs.writeFileSync(file, '')
  const sink = await newSink(name)
  const storedAt = new Map()
  const run = await startWatch({
    sources: [{kind: 'file', paths: [file], labels: {type: 'nginx'}}], stages: prepared.stages, sink, logger: silentLogger,
    ...(parseWorker ? {parseWorker: {content: prepared.content}} : {}),
    onAlert: (alert) => {
      if (alert.Scenario === 'crowdsecurity/http-bad-user-agent' && !storedAt.has(alert.Source.Value)) storedAt.set(alert.Source.Value, Date.now())
    },
  })
  await new Promise((res) => setTimeout(res, parseWorker ? 3000 : 300))
  const tick = onTick === undefined ? undefined : setInterval(() => onTick(run), 1000)
  const attacks = await writer(file, 'paced', rate, seconds)
  await new Promise((res) => setTimeout(res, 1000))
  if (tick !== undefined) clearInterval(tick)
  const result = await run.stop()
  await sink.close()
  const latencies = attacks.filter(([ip]) => storedAt.has(ip)).map(([ip, at]) => storedAt.get(ip) - at).sort((a, b) => a - b)
  return {result, attacks, latencies}
}

const pct = (sorted, p) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]

async function latency() {
  for (const rate of rates) {
    const {latencies, attacks, result} = await paced(`latency-${rate}`, rate, 20)
    const c = result.figures.commits
    report(`latency @ ${rate} lines/s`, {attacks: attacks.length, decided: latencies.length, p50_ms: pct(latencies, 50), p99_ms: pct(latencies, 99), lines: result.summary.lines,
      commits: c.ok, state_ms_per_commit: c.stateMs / Math.max(1, c.ok), state_kb: c.stateBytes / 1024})
  }
}

async function rss() {
  const samples = []
  const start = Date.now()
  await paced('rss', 2000, minutes * 60, () => {
    if (global.gc) global.gc()
    samples.push({t: (Date.now() - start) / 1000, rss: process.memoryUsage().rss / 2 ** 20})
  })
  const at = (s) => samples.reduce((best, x) => (Math.abs(x.t - s) < Math.abs(best.t - s) ? x : best), samples[0])
  const oneMin = at(60)
  const last = samples[samples.length - 1]
  report(`rss over ${minutes} min`, {rss_1min_mb: oneMin.rss, rss_end_mb: last.rss, ratio: last.rss / oneMin.rss})
}

try {
  if (only.includes('follow')) await follow()
  if (only.includes('latency')) await latency()
  if (only.includes('rss')) await rss()
} finally {
  fs.rmSync(tmp, {recursive: true, force: true})
}
