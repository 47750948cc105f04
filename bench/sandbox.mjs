// Sandbox benchmarks (issue 16): what a call to a plugin costs, round trip through the pool
// (frame to the sandbox process, vm2 realm, frame back), beside the same function called
// directly in this process. Latencies are per call, one call at a time, after a warm-up.
//   trivial        (a, b) => a + b
//   host.now       one host request inside the call (a second round trip)
//   alerts         50 alerts of CrowdSec's shape in, a summary out (~40 KB of JSON)
//   throughput     calls/s with 64 calls in flight over --size processes
//   start          time for --size processes to be ready (warm())
//   node --import tsx bench/sandbox.mjs [--calls 20000] [--size 2] [--dist]
// --dist runs the built dist/ (the sandbox process then runs under Node's permission model).
import {arg, report} from './lib.mjs'

const calls = Number(arg('--calls', '20000'))
const size = Number(arg('--size', '2'))
const dist = process.argv.includes('--dist')
const {SandboxPool, NO_PERMISSIONS} = dist ? await import('../dist/sandbox/index.js') : await import('../src/sandbox/index.ts')

const PLUGIN = `module.exports = {
  add: (a, b) => a + b,
  async now(host) { return host.now() },
  summarise(alerts) { return {count: alerts.length, ips: alerts.map((a) => a.source.ip).slice(0, 5)} },
}`
const direct = {
  add: (a, b) => a + b,
  summarise: (alerts) => ({count: alerts.length, ips: alerts.map((a) => a.source.ip).slice(0, 5)}),
}

const alerts = Array.from({length: 50}, (_, i) => ({
  scenario: 'crowdsecurity/ssh-bf', message: `Ip 192.0.2.${i} performed 'crowdsecurity/ssh-bf' (6 events over 3s)`, events_count: 6,
  source: {ip: `192.0.2.${i}`, scope: 'Ip', value: `192.0.2.${i}`, cn: 'FR', as_name: 'EXAMPLE'},
  decisions: [{duration: '4h', origin: 'crowdsec', scenario: 'crowdsecurity/ssh-bf', scope: 'Ip', type: 'ban', value: `192.0.2.${i}`}],
  events: Array.from({length: 6}, (_, j) => ({timestamp: `2026-02-12T14:10:2${j}Z`, meta: [{key: 'source_ip', value: `192.0.2.${i}`}, {key: 'user', value: 'root'}]})),
  start_at: '2026-02-12T14:10:21Z', stop_at: '2026-02-12T14:10:24Z',
}))

function percentiles(samples) {
  const sorted = Float64Array.from(samples).sort()
  const at = (q) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]
  return {p50_us: at(0.5), p99_us: at(0.99)}
}

async function measure(n, fn) {
  for (let i = 0; i < Math.min(2000, n); i++) await fn() // warm-up: JIT, realm compiled in the process
  const samples = new Float64Array(n)
  for (let i = 0; i < n; i++) {
    const t = process.hrtime.bigint()
    await fn()
    samples[i] = Number(process.hrtime.bigint() - t) / 1000
  }
  return percentiles(samples)
}

const pool = new SandboxPool({size})
try {
  pool.register({id: 'bench/plugin', code: PLUGIN, permissions: NO_PERMISSIONS})
  let t = performance.now()
  await pool.warm()
  report(`sandbox start (${size} processes)`, {ms: performance.now() - t})

  report('direct trivial', {...(await measure(calls, () => direct.add(1, 2))), calls})
  report('sandbox trivial', {...(await measure(calls, () => pool.call('bench/plugin', 'add', [1, 2]))), calls})
  report('sandbox host.now', {...(await measure(calls, () => pool.call('bench/plugin', 'now'))), calls})
  const few = Math.max(200, Math.floor(calls / 10))
  report('direct alerts', {...(await measure(few, () => direct.summarise(JSON.parse(JSON.stringify(alerts))))), calls: few, json_kb: JSON.stringify(alerts).length / 1024})
  report('sandbox alerts', {...(await measure(few, () => pool.call('bench/plugin', 'summarise', [alerts]))), calls: few})

  t = performance.now()
  let done = 0
  await Promise.all(Array.from({length: 64}, async () => {
    while (done < calls) {
      done++
      await pool.call('bench/plugin', 'add', [1, 2])
    }
  }))
  report(`sandbox throughput (${size} proc)`, {calls_per_s: (calls / (performance.now() - t)) * 1000})
} finally {
  await pool.close()
}
