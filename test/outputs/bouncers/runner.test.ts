/**
 * The bouncer runner against a real `crowd lapi serve` (built CLI) with a tiny bouncer package
 * installed from a directory source, which records every batch into a granted file through
 * host.appendFile: the startup sync, a decision added then deleted reaching the plugin, the LAPI
 * stopped (what is known stays, errors are reported with backoff) then restarted (resync), and
 * `crowd bouncer run` (until SIGTERM, and --once) / `status` / `list` on that home; a plugin without a command grant
 * cannot run nft (EPERM).
 */
import {spawn, type ChildProcess} from 'node:child_process'
import * as fs from 'node:fs'
import * as path from 'node:path'
import {test} from 'uvu'
import * as assert from 'uvu/assert'
import {BouncerRunner, loadBouncerConfig, readStatus, sandboxedBouncer, type DecisionBatch} from '../../../src/outputs/bouncers/index.js'
import {makeHome, mask, pretty} from '../../commands/lapi/helpers.js'
import {assertGolden} from '../../helpers/golden.js'
import {makeDirectoryHub, type FixturePackage} from '../../hub/fixtures/make-hub.js'
import {BIN, ROOT, runDeno} from '../../helpers/run-cli.js'

const RECORDER_CODE = `'use strict'
module.exports = {
  async apply(batch, options, host) {
    if (options.try_nft) {
      let code = 'ran'
      try { await host.exec('/usr/sbin/nft', ['list', 'ruleset']) } catch (e) { code = e.code }
      await host.appendFile(options.record_path, JSON.stringify({nft: code}) + '\\n')
    }
    await host.appendFile(options.record_path, JSON.stringify(batch) + '\\n')
    return {added: batch.added.length, deleted: batch.deleted.length}
  },
}
`
const RECORDER: FixturePackage = {name: 'test/bouncer-recorder', type: 'bouncer', version: '1.0.0', permissions: ['files = {write = [{config = "record_path"}]}'], code: RECORDER_CODE}

const home = makeHome('bouncer-run')
const record = path.join(home.dir, 'record.jsonl')
const nftRecord = path.join(home.dir, 'nft.jsonl')
let lapi: ChildProcess | undefined
let lapiUrl = ''

async function startLapi(listen: string): Promise<string> {
  const child = spawn(process.execPath, [BIN, 'lapi', 'serve', '--listen', listen], {cwd: ROOT, env: {...process.env, NO_COLOR: '1', ...home.env}, stdio: ['ignore', 'ignore', 'pipe']})
  lapi = child
  let stderr = ''
  return new Promise((resolve, reject) => {
    child.stderr!.setEncoding('utf8').on('data', (c: string) => {
      stderr += c
      const m = /crowd lapi listening on (http:\/\/127\.0\.0\.1:\d+\/)/.exec(stderr)
      if (m !== null) resolve(m[1]!)
    })
    child.on('exit', (code) => reject(new Error(`lapi serve exited (${code}): ${stderr}`)))
    setTimeout(() => reject(new Error(`lapi serve did not listen: ${stderr}`)), 30_000).unref()
  })
}

async function stopLapi(): Promise<void> {
  const child = lapi
  if (child === undefined || child.exitCode !== null || child.signalCode !== null) return
  await new Promise<void>((resolve) => {
    child.on('exit', () => resolve())
    child.kill('SIGKILL')
  })
}

function batches(file = record): DecisionBatch[] {
  if (!fs.existsSync(file)) return []
  return fs.readFileSync(file, 'utf8').trim().split('\n').filter((l) => l !== '').map((l) => JSON.parse(l) as DecisionBatch)
}

async function until(what: string, check: () => boolean, ms = 10_000): Promise<void> {
  const end = Date.now() + ms
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out waiting: ${what}`)
    await new Promise((r) => setTimeout(r, 25))
  }
}

let apiKey = ''
/** What changes from run to run in a bouncer's status. */
const VARYING = ['pid', 'startedAt', 'lastSync', 'lastPoll', 'updatedAt', 'apiUrl', 'at', 'message', 'polls', 'lapiErrors']

test.after(async () => {
  await stopLapi()
})

test('setup: package installed with its grant, a bouncer key, a decision, the LAPI up', async () => {
  const source = makeDirectoryHub([RECORDER], path.join(home.dir, 'src'))
  const install = await home.run(['hub', 'install', 'test/bouncer-recorder', '--source', source, '--yes'])
  assert.is(install.status, 0, install.stderr)
  const key = await home.json(['bouncers', 'add', 'rec'])
  assert.is(key.status, 0, key.stderr)
  apiKey = key.body.api_key
  assert.is((await home.run(['decisions', 'add', '--ip', '192.0.2.1', '--duration', '2h'])).status, 0)
  lapiUrl = await startLapi('127.0.0.1:0')
  fs.mkdirSync(path.join(home.dir, 'bouncers'), {recursive: true})
  fs.writeFileSync(path.join(home.dir, 'bouncers', 'rec.yaml'), `type: recorder\napi_url: ${lapiUrl}\napi_key: \${REC_KEY}\nupdate_frequency: 50ms\nrecord_path: ${record}\n`)
  fs.writeFileSync(path.join(home.dir, 'bouncers', 'nft.yaml'), `type: recorder\napi_url: ${lapiUrl}\napi_key: ${apiKey}\nrecord_path: ${nftRecord}\ntry_nft: true\n`)
})

test('runner: startup sync, an added then deleted decision, the LAPI away then back', async () => {
  const config = loadBouncerConfig([path.join(home.dir, 'bouncers')], 'rec', {env: {REC_KEY: apiKey}})
  assert.is(config.apiKey, apiKey, '${REC_KEY} expanded')
  const plugin = sandboxedBouncer(config, {dataDir: home.dir})
  const errors: string[] = []
  const logger = {error: (m: string) => errors.push(m), warn() {}, info() {}, debug() {}}
  const runner = new BouncerRunner({config, plugin, dataDir: home.dir, logger, backoff: {firstMs: 50, maxMs: 200}})
  const stop = new AbortController()
  let running: Promise<void> | undefined
  try {
    assert.ok(await runner.syncOnce(), JSON.stringify(runner.status.lastError))
    const first = batches()
    assert.is(first.length, 1)
    assert.is(first[0]!.startup, true)
    assert.equal(first[0]!.added.map((d) => [d.value, d.scope, d.type]), [['192.0.2.1', 'Ip', 'ban']])
    assert.ok(first[0]!.added[0]!.ttlMs > 7_000_000 && first[0]!.added[0]!.ttlMs <= 7_200_000)
    assert.equal(runner.status.pluginStats, {added: 1, deleted: 0})

    running = runner.run(stop.signal)
    assert.is((await home.run(['decisions', 'add', '--ip', '2001:DB8::5'])).status, 0)
    await until('the added decision', () => batches().some((b) => !b.startup && b.added.some((d) => d.value === '2001:db8::5')))
    assert.is((await home.run(['decisions', 'delete', '--ip', '2001:db8::5'])).status, 0)
    await until('the deleted decision', () => batches().some((b) => b.deleted.some((d) => d.value === '2001:db8::5')))

    await stopLapi()
    await until('a LAPI error', () => runner.status.lastError?.kind === 'lapi' && runner.status.totals.lapiErrors >= 3)
    assert.is(runner.state.size, 1, 'what is known stays enforced')
    assert.equal(batches().filter((b) => b.deleted.some((d) => d.value === '192.0.2.1')), [])
    const polls = runner.status.totals.lapiErrors
    await new Promise((r) => setTimeout(r, 300))
    assert.ok(runner.status.totals.lapiErrors - polls <= 3, 'backoff, not a tight loop')
    assert.match(errors[0]!, 'cannot poll')

    assert.is((await home.run(['decisions', 'add', '--range', '198.51.100.7/24'])).status, 0)
    await startLapi(new URL(lapiUrl).host)
    await until('the resync', () => batches().some((b) => b.added.some((d) => d.value === '198.51.100.0/24')))
    const resync = batches().find((b) => b.added.some((d) => d.value === '198.51.100.0/24'))!
    assert.is(resync.startup, false, 'a resync sends the difference')
    assert.equal(resync.added.map((d) => d.value), ['198.51.100.0/24'])
  } finally {
    stop.abort()
    await running
    await plugin.close()
  }
  const status = readStatus(home.dir, 'rec')!
  assert.equal([status.blocked, status.package, status.inSync, status.type], [2, 'test/bouncer-recorder', true, 'recorder'])
  assert.ok(status.totals.lapiErrors >= 3)
})

test('crowd bouncer status and list on that home', async () => {
  const status = await home.json(['bouncer', 'status', 'rec'])
  assert.is(status.status, 0, status.stderr)
  assert.equal([status.body.name, status.body.blocked, status.body.lastError.kind], ['rec', 2, 'lapi'])
  assertGolden('bouncer-status.json', pretty(mask(status.body, VARYING)))
  const list = await home.json(['bouncer', 'list'])
  assert.is(list.status, 0, list.stderr)
  assert.equal(list.body.bouncers.map((b: any) => [b.name, b.package, b.state]), [['nft', 'test/bouncer-recorder', 'ready'], ['rec', 'test/bouncer-recorder', 'ready']])
})

test('crowd bouncer run: polls until SIGTERM, then prints its status', async () => {
  const child = spawn(process.execPath, [BIN, 'bouncer', 'run', 'nft', '--json'], {cwd: ROOT, env: {...process.env, NO_COLOR: '1', ...home.env}, stdio: ['ignore', 'pipe', 'pipe']})
  let stdout = ''
  let stderr = ''
  child.stdout.setEncoding('utf8').on('data', (c: string) => (stdout += c))
  child.stderr.setEncoding('utf8').on('data', (c: string) => (stderr += c))
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)))
  try {
    await until('the first sync', () => readStatus(home.dir, 'nft')?.lastSync != null && batches(nftRecord).length >= 2, 20_000)
  } finally {
    child.kill('SIGTERM')
  }
  assert.is(await exited, 0, stderr)
  assert.match(stderr, 'crowd bouncer nft (test/bouncer-recorder) polling')
  const out = JSON.parse(stdout)
  assert.equal([out.name, out.blocked, out.inSync], ['nft', 2, true])
  fs.rmSync(nftRecord)
})

test('crowd bouncer run --once: a plugin without a command grant cannot run nft (EPERM); exit 4 when the LAPI is down', async () => {
  const r = await home.json(['bouncer', 'run', 'nft', '--once'])
  assert.is(r.status, 0, r.stderr + JSON.stringify(r.body))
  assert.is(r.body.blocked, 2)
  assertGolden('bouncer-run-once.json', pretty(mask(r.body, VARYING)))
  const lines = batches(nftRecord) as unknown as Record<string, unknown>[]
  assert.equal(lines[0], {nft: 'EPERM'})
  assert.is(lines[1]!.startup, true)
  fs.rmSync(nftRecord)
  const deno = runDeno(['bouncer', 'run', 'nft', '--once', '--json'], {env: home.env})
  assert.is(deno.status, 0, deno.stderr)
  assert.is(JSON.parse(deno.stdout).blocked, 2, 'under Deno too')
  assert.equal(batches(nftRecord)[0], {nft: 'EPERM'} as unknown as DecisionBatch)
  await stopLapi()
  const down = await home.json(['bouncer', 'run', 'nft', '--once'])
  assert.is(down.status, 4)
  assert.match(down.body.error.errors[0].message, 'cannot poll')
})

test.run()
