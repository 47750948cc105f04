/**
 * The runner's fault handling with a stand-in LAPI (a local HTTP server answering the decision
 * stream) and a stand-in plugin: a plugin that fails is reported, retried with a growing delay and
 * then gets the whole state again as a startup batch; a big startup is sent in chunks with progress
 * logged, or as a resync (deletions of what the target holds and is not wanted, then additions)
 * when the plugin can; garbage is logged and counted; a wrong key is a LAPI error; a `full` plugin
 * gets every decision at most once per apply_interval.
 */
import * as http from 'node:http'
import * as fs from 'node:fs'
import * as os from 'node:os'
import * as path from 'node:path'
import type {AddressInfo} from 'node:net'
import {test} from 'uvu'
import * as assert from 'uvu/assert'
import {BouncerRunner, parseBouncerConfig, readStatus, type BouncerPlugin, type DecisionBatch, type StreamAnswer} from '../../../src/outputs/bouncers/index.js'

const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'crowd-bouncer-faults-'))
let answers: StreamAnswer[] = []
const queries: string[] = []
const server = http.createServer((req, res) => {
  queries.push(req.url ?? '')
  if (req.headers['x-api-key'] !== 'good') {
    res.writeHead(403, {'content-type': 'application/json'}).end('{"message":"access forbidden"}')
    return
  }
  res.writeHead(200, {'content-type': 'application/json'}).end(JSON.stringify(answers.shift() ?? {new: [], deleted: []}))
})
await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`
test.after(() => void server.close())

const ip = (i: number, more: Record<string, unknown> = {}) => ({id: i, value: `10.0.${(i >> 8) & 255}.${i & 255}`, scope: 'Ip', type: 'ban', origin: 'lists', scenario: 'x', duration: '1h', ...more})

function fakePlugin(failures: number, more: Partial<BouncerPlugin> = {}): BouncerPlugin & {seen: DecisionBatch[]} {
  const seen: DecisionBatch[] = []
  let left = failures
  return {
    packageName: 'test/fake',
    batches: 'changes',
    seen,
    ...more,
    async apply(batch) {
      if (left-- > 0) throw new Error('nft: Could not process rule')
      seen.push(batch)
      return {n: batch.added.length}
    },
    async close() {},
  }
}

function logger() {
  const lines: string[] = []
  return {lines, error: (m: string) => lines.push(`error ${m}`), warn: (m: string) => lines.push(`warn ${m}`), info: (m: string) => lines.push(`info ${m}`), debug() {}}
}

test('a failing plugin: reported, backoff grows, then the whole state again as a startup batch', async () => {
  const config = parseBouncerConfig(`api_url: ${url}\napi_key: good\norigins: [lists]\n`, 'f1', undefined, {env: {}})
  const plugin = fakePlugin(2)
  const log = logger()
  const runner = new BouncerRunner({config, plugin, dataDir, logger: log, backoff: {firstMs: 100, maxMs: 250}})
  answers = [{new: [ip(1), ip(2)]}, {new: [ip(3)]}, {new: [], deleted: [ip(1)]}]
  assert.is(await runner.syncOnce(), false)
  assert.is(runner.retryDelay(), 100)
  assert.match(queries[0]!, 'startup=true')
  assert.match(queries[0]!, 'origins=lists')
  assert.is(await runner.syncOnce(), false, 'still failing')
  assert.is(runner.retryDelay(), 200)
  assert.equal(readStatus(dataDir, 'f1')?.lastError?.kind, 'plugin')
  assert.match(readStatus(dataDir, 'f1')!.lastError!.message, 'nft: Could not process rule')
  assert.is(await runner.syncOnce(), true)
  assert.equal(plugin.seen.map((b) => [b.startup, b.added.map((d) => d.value).sort(), b.deleted.length]), [[true, ['10.0.0.2', '10.0.0.3'], 0]])
  assert.match(log.lines[0]!, /^error bouncer f1: test\/fake failed: nft: Could not process rule \(retry in 100ms\)/)
  assert.equal(runner.status.totals.pluginErrors, 2)
  assert.ok(runner.status.inSync)
})

test('30,000 decisions at startup go in chunks of 10,000 with progress; garbage is logged and counted', async () => {
  const config = parseBouncerConfig(`api_url: ${url}\napi_key: good\n`, 'f2', undefined, {env: {}})
  const plugin = fakePlugin(0)
  const log = logger()
  const runner = new BouncerRunner({config, plugin, dataDir, logger: log})
  const items = Array.from({length: 30_000}, (_, i) => ip(i + 1, {value: `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`}))
  answers = [{new: [...items, ip(0, {value: '10.0.0.256'}), ip(0, {scope: 'Ip;drop'})]}]
  assert.ok(await runner.syncOnce())
  assert.equal(plugin.seen.map((b) => [b.startup, b.added.length]), [[true, 10_000], [false, 10_000], [false, 10_000]])
  assert.ok(log.lines.includes('info bouncer f2: applied 30000/30000 decisions'))
  assert.ok(log.lines.some((l) => l.startsWith('warn bouncer f2: 2 unusable decision(s) left out: Ip value "10.0.0.256"')))
  assert.is(runner.status.totals.garbage, 2)
})

test('a startup bigger than one chunk, for a plugin that resyncs: stale values deleted first, then everything added in chunks, never a startup batch', async () => {
  const config = parseBouncerConfig(`api_url: ${url}\napi_key: good\n`, 'f6', undefined, {env: {}})
  const resyncs: number[] = []
  // held values as a firewall lists them: one stale address, one stale range, a wanted one written otherwise (IPv4-mapped)
  const plugin = fakePlugin(0, {resync: async () => (resyncs.push(1), ['10.9.9.9', '::ffff:10.0.0.1', '192.0.2.0/24', 'not a value'])})
  const log = logger()
  const runner = new BouncerRunner({config, plugin, dataDir, logger: log, chunkSize: 2})
  answers = [{new: [ip(1), ip(2), ip(3)]}]
  assert.ok(await runner.syncOnce())
  assert.equal(plugin.seen.map((b) => [b.startup, b.added.map((d) => d.value), b.deleted.map((d) => `${d.scope} ${d.value}`)]), [
    [false, [], ['Ip 10.9.9.9', 'Range 192.0.2.0/24']],
    [false, ['10.0.0.1', '10.0.0.2'], []],
    [false, ['10.0.0.3'], []],
  ])
  assert.ok(log.lines.includes('info bouncer f6: resync: the target holds 4 values, 2 to remove, 3 to (re)add'), log.lines.join('\n'))
  // a small startup (one chunk) stays one atomic startup batch, no resync
  const small = fakePlugin(0, {resync: async () => (resyncs.push(2), [])})
  const r2 = new BouncerRunner({config: parseBouncerConfig(`api_url: ${url}\napi_key: good\n`, 'f7', undefined, {env: {}}), plugin: small, dataDir})
  answers = [{new: [ip(1), ip(2), ip(3)]}]
  assert.ok(await r2.syncOnce())
  assert.equal(small.seen.map((b) => [b.startup, b.added.length]), [[true, 3]])
  assert.equal(resyncs, [1])
  // a resync that fails is a plugin failure (reported, retried), nothing applied
  const broken = fakePlugin(0, {resync: async () => Promise.reject(new Error('nft -j list set failed'))})
  const r3 = new BouncerRunner({config: parseBouncerConfig(`api_url: ${url}\napi_key: good\n`, 'f8', undefined, {env: {}}), plugin: broken, dataDir, logger: log, chunkSize: 2})
  answers = [{new: [ip(1), ip(2), ip(3)]}]
  assert.is(await r3.syncOnce(), false)
  assert.equal(r3.status.lastError?.kind, 'plugin')
  assert.match(r3.status.lastError!.message, 'nft -j list set failed')
  assert.equal(broken.seen, [])
})

test('a `full` plugin: every decision in one startup batch when something changed, at most once per apply_interval', async () => {
  let clock = 1_000_000
  const config = parseBouncerConfig(`api_url: ${url}\napi_key: good\napply_interval: 2s\n`, 'f9', undefined, {env: {}})
  assert.is(config.applyIntervalMs, 2000)
  const plugin = fakePlugin(0, {batches: 'full'})
  const runner = new BouncerRunner({config, plugin, dataDir, chunkSize: 2, now: () => clock})
  const values = (): string[][] => plugin.seen.map((b) => (assert.ok(b.startup && b.deleted.length === 0), b.added.map((d) => d.value).sort()))
  answers = [{new: [ip(1), ip(2), ip(3)]}]
  assert.ok(await runner.syncOnce())
  assert.equal(values(), [['10.0.0.1', '10.0.0.2', '10.0.0.3']], 'the first: whole, not in chunks')
  clock += 500
  answers = [{new: [ip(4)]}]
  assert.ok(await runner.syncOnce())
  assert.is(plugin.seen.length, 1, 'within the interval: waits')
  assert.is(runner.status.inSync, false)
  clock += 500
  answers = [{new: [], deleted: [ip(1)]}]
  assert.ok(await runner.syncOnce())
  assert.is(plugin.seen.length, 1)
  clock += 1000
  assert.ok(await runner.syncOnce())
  assert.equal(values()[1], ['10.0.0.2', '10.0.0.3', '10.0.0.4'], 'both changes in one apply once the interval passed')
  assert.is(runner.status.inSync, true)
  clock += 5000
  assert.ok(await runner.syncOnce())
  assert.is(plugin.seen.length, 2, 'nothing changed: no apply')
  // an expiry is a change too
  clock += 3_600_000
  assert.ok(await runner.syncOnce())
  assert.equal(values()[2], [])
  assert.throws(() => parseBouncerConfig('apply_interval: soon\n', 'f10', 'f10.yaml', {env: {}}), /apply_interval/)
})

test('a wrong key is a LAPI error with its answer; nothing reaches the plugin', async () => {
  const config = parseBouncerConfig(`api_url: ${url}\napi_key: bad\n`, 'f3', undefined, {env: {}})
  const plugin = fakePlugin(0)
  const runner = new BouncerRunner({config, plugin, dataDir})
  assert.is(await runner.syncOnce(), false)
  assert.equal(runner.status.lastError?.kind, 'lapi')
  assert.match(runner.status.lastError!.message, '403 access forbidden')
  assert.equal(plugin.seen, [])
  const none = new BouncerRunner({config: parseBouncerConfig(`api_url: ${url}\n`, 'f4', undefined, {env: {}}), plugin, dataDir})
  assert.is(await none.syncOnce(), false)
  assert.match(none.status.lastError!.message, 'no API key')
})

test('a source other than HTTP (as crowd watch may feed it): startup then changes; a throw is the LAPI away', async () => {
  const config = parseBouncerConfig('', 'f5', undefined, {env: {}})
  const plugin = fakePlugin(0)
  const calls: boolean[] = []
  const answers2: (StreamAnswer | Error)[] = [{new: [ip(1)]}, new Error('store busy'), {new: [ip(1), ip(2)]}]
  const source = async (startup: boolean): Promise<StreamAnswer> => {
    calls.push(startup)
    const a = answers2.shift()!
    if (a instanceof Error) throw a
    return a
  }
  const runner = new BouncerRunner({config, plugin, dataDir, source})
  assert.ok(await runner.syncOnce())
  assert.is(await runner.syncOnce(), false)
  assert.ok(await runner.syncOnce())
  assert.equal(calls, [true, false, true], 'a resync after the failure')
  assert.equal(plugin.seen.map((b) => [b.startup, b.added.map((d) => d.value)]), [[true, ['10.0.0.1']], [false, ['10.0.0.2']]])
})

test.run()
