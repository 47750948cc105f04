// Bouncer runtime benchmarks (issue 17), through the real path minus the target: a stand-in LAPI
// answering the decision stream, the runner, a bouncer package installed from a directory source
// and run in the sandbox (its apply counts and returns: what a firewall adds is the package's own
// time, see the firewall package's tests).
//   startup   time to read and hand over --decisions startup decisions (chunks of 10,000), RSS after
//   latency   time from a decision appearing in the stream to the plugin's apply returning, over
//             --samples decisions, update_frequency 200ms (the default)
//   node --import tsx bench/bouncers.mjs [--decisions 100000] [--samples 40] [--only startup,latency]
import * as fs from 'node:fs'
import * as http from 'node:http'
import * as os from 'node:os'
import * as path from 'node:path'
import {arg, median, report} from './lib.mjs'
import {hubInstall} from '../src/hub/index.ts'
import {packPlugins} from '../src/hub/pack.ts'
import {silentLogger} from '../src/model/logger.ts'
import {BouncerRunner, parseBouncerConfig, sandboxedBouncer} from '../src/outputs/bouncers/index.ts'

const decisions = Number(arg('--decisions', '100000'))
const samples = Number(arg('--samples', '40'))
const only = arg('--only', 'startup,latency').split(',')
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'crowd-bench-bouncer-'))

const pkg = path.join(tmp, 'src', 'plugins', 'bench', 'bouncer-count')
fs.mkdirSync(pkg, {recursive: true})
fs.writeFileSync(path.join(pkg, 'crowd-package.toml'), 'name = "bench/bouncer-count"\ntype = "bouncer"\nversion = "1.0.0"\ndescription = "counts"\ncrowd = ">=0.1.0"\nfiles = ["index.js"]\nmain = "index.js"\n')
fs.writeFileSync(path.join(pkg, 'index.js'), "'use strict'\nmodule.exports = {async apply(b) { return {added: b.added.length, deleted: b.deleted.length} }}\n")
packPlugins({pluginsDir: path.join(tmp, 'src', 'plugins'), outDir: path.join(tmp, 'src', 'dist'), indexFile: path.join(tmp, 'src', 'hub-index.json')})
await hubInstall({dataDir: tmp, sources: [path.join(tmp, 'src')], names: ['bench/bouncer-count'], yes: true, logger: silentLogger})

const item = (i) => ({id: i, value: `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`, scope: 'Ip', type: 'ban', origin: 'crowdsec', scenario: 'crowdsecurity/ssh-bf', duration: '3h59m59.5s'})

/** A stand-in LAPI: the startup answer, then whatever `next` holds (emptied once served). */
async function lapi(startup) {
  const state = {next: [], servedAt: new Map()}
  const server = http.createServer((req, res) => {
    const first = req.url.includes('startup=true')
    const list = first ? startup : state.next
    if (!first) {
      for (const d of list) state.servedAt.set(d.value, performance.now())
      state.next = []
    }
    res.writeHead(200, {'content-type': 'application/json'}).end(JSON.stringify({new: list, deleted: []}))
  })
  await new Promise((r) => server.listen(0, '127.0.0.1', r))
  state.url = `http://127.0.0.1:${server.address().port}/`
  state.close = () => server.close()
  return state
}

function runnerFor(url, name, onApply) {
  const config = parseBouncerConfig(`type: count\napi_url: ${url}\napi_key: k\n`, name, undefined, {env: {}})
  const plugin = sandboxedBouncer(config, {dataDir: tmp})
  const timed = {packageName: plugin.packageName, batches: plugin.batches, close: () => plugin.close(), async apply(batch) {
    const r = await plugin.apply(batch)
    onApply(batch, performance.now())
    return r
  }}
  return {runner: new BouncerRunner({config, plugin: timed, dataDir: tmp}), plugin}
}

if (only.includes('startup')) {
  const server = await lapi(Array.from({length: decisions}, (_, i) => item(i)))
  const {runner, plugin} = runnerFor(server.url, 'startup', () => {})
  await plugin.apply({startup: false, added: [], deleted: []}) // the sandbox process started
  const t = performance.now()
  const ok = await runner.syncOnce()
  const ms = performance.now() - t
  globalThis.gc?.()
  report('bouncer startup', {decisions, ok: String(ok), ms, perSecond: decisions / (ms / 1000), rssMb: process.memoryUsage().rss / 1e6})
  await plugin.close()
  server.close()
}

if (only.includes('latency')) {
  const server = await lapi([])
  const seen = new Map()
  const {runner, plugin} = runnerFor(server.url, 'latency', (batch, at) => {
    for (const d of batch.added) if (!seen.has(d.value)) seen.set(d.value, at)
  })
  await runner.syncOnce() // the startup poll, and the sandbox process started
  const stop = new AbortController()
  const running = runner.run(stop.signal)
  const added = []
  for (let i = 0; i < samples; i++) {
    const d = item(1_000_000 + i)
    added.push({value: d.value, at: performance.now()})
    server.next.push(d)
    await new Promise((r) => setTimeout(r, 150 + Math.random() * 200))
  }
  while (seen.size < samples) await new Promise((r) => setTimeout(r, 50))
  stop.abort()
  await running
  const lat = added.map((a) => seen.get(a.value) - a.at).sort((x, y) => x - y)
  report('bouncer latency', {samples, p50Ms: median(lat), p99Ms: lat[Math.min(lat.length - 1, Math.floor(lat.length * 0.99))], maxMs: lat[lat.length - 1]})
  await plugin.close()
  server.close()
}
