/**
 * crowd cti serve, keys add and explain through the built CLI: two `crowd cti serve` processes on
 * one database (SQLite; PostgreSQL too when CROWD_TEST_PG_URL is set) serve the same community and
 * exactly one of them runs the consensus; SIGTERM stops each with exit 0. Golden files hold the
 * stable --json outputs.
 */
import {spawn, type ChildProcess} from 'node:child_process'
import * as fs from 'node:fs'
import * as path from 'node:path'
import {suite} from 'uvu'
import * as assert from 'uvu/assert'
import {assertGolden} from '../helpers/golden.js'
import {BIN, ROOT} from '../helpers/run-cli.js'
import {postgresUrl, type TestDatabase} from '../helpers/postgres.js'
import {makeHome, pretty, type Home} from './lapi/helpers.js'
import {makeHub, request, signal, watcher} from '../cti/service/helpers.js'

const SSH = 'crowdsecurity/ssh-bf'
const ATTACKER = '45.33.1.7'

const test = suite('crowd cti serve, keys add, explain')
const children: ChildProcess[] = []
test.after(() => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL')
})

function ctiHome(prefix: string, storeUrl?: string): Home {
  const home = makeHome(prefix)
  const hub = makeHub(home.dir)
  fs.writeFileSync(path.join(home.dir, 'never-ban.txt'), '45.33.200.0/24 a customer\n')
  fs.writeFileSync(home.config, [
    '[cti]',
    `hub = "${hub}"`,
    'never_ban = ["never-ban.txt"]',
    'trusted_proxies = ["127.0.0.1"]',
    ...(storeUrl === undefined ? [] : [`store_url = "${storeUrl}"`]),
    '[cti.consensus]',
    'k = 3',
    'interval = "200ms"',
    'trust_new_reporters = true',
    '',
  ].join('\n'))
  return home
}

interface Serving {
  child: ChildProcess
  url: string
  stdout: () => string
  exited: Promise<number | null>
}

async function serve(home: Home): Promise<Serving> {
  const child = spawn(process.execPath, [BIN, 'cti', 'serve', '--listen', '127.0.0.1:0', '--json'], {cwd: ROOT, env: {...process.env, NO_COLOR: '1', ...home.env}, stdio: ['ignore', 'pipe', 'pipe']})
  children.push(child)
  let stdout = ''
  let stderr = ''
  child.stdout!.setEncoding('utf8').on('data', (c: string) => (stdout += c))
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)))
  const url = await new Promise<string>((resolve, reject) => {
    child.stderr!.setEncoding('utf8').on('data', (c: string) => {
      stderr += c
      const m = /crowd cti listening on (http:\/\/127\.0\.0\.1:\d+\/)/.exec(stderr)
      if (m !== null) resolve(m[1]!)
    })
    void exited.then((code) => reject(new Error(`cti serve exited (${code}) before listening: ${stderr}`)))
    setTimeout(() => reject(new Error(`cti serve did not listen within 30 s: ${stderr}`)), 30_000).unref()
  })
  return {child, url, stdout: () => stdout, exited}
}

/** Polls until `check` holds (no timing asserted: the deadline only bounds a broken run). */
async function until(what: string, check: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + 30_000
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`${what}: not within 30 s`)
    await new Promise((r) => setTimeout(r, 100))
  }
}

async function twoReplicas(storeUrl?: string): Promise<void> {
  const home = ctiHome(storeUrl === undefined ? 'cti-sqlite' : 'cti-pg', storeUrl)
  const a = await serve(home)
  const b = await serve(home)
  // watchers register with one replica and push to either: one database
  const tokens: string[] = []
  for (const [i, [id, from]] of [['r1', '11.0.1.5'], ['r2', '12.0.2.5'], ['r3', '13.0.3.5']].entries()) tokens.push(await watcher(i % 2 === 0 ? a.url : b.url, id!, from!, [SSH]))
  const puller = await watcher(b.url, 'puller', '14.0.4.5', [SSH], 'v2')
  for (const [i, token] of tokens.entries()) {
    const r = await request(i % 2 === 0 ? b.url : a.url, 'POST', '/v3/signals', {body: [signal(ATTACKER, Date.now() - 1000), signal('45.33.200.9', Date.now() - 1000)], token})
    assert.is(r.status, 200, r.text)
  }
  let stream: any
  await until('the attacker on the blocklist', async () => {
    stream = (await request(a.url, 'GET', '/v3/decisions/stream?startup=true', {token: puller})).body
    return stream.new.length > 0
  })
  assert.equal(stream.new.map((g: any) => [g.scenario, g.scope, g.decisions.map((d: any) => d.value)]), [[SSH, 'ip', [ATTACKER]]], 'the never-ban address is not promoted')
  const [sa, sb] = [(await request(a.url, 'GET', '/status')).body, (await request(b.url, 'GET', '/status')).body]
  assert.is([sa.leader, sb.leader].filter(Boolean).length, 1, `exactly one leader: ${JSON.stringify([sa, sb])}`)
  assert.is([sa.passes, sb.passes].filter((n: number) => n > 0).length, 1, `the consensus ran in one replica: ${JSON.stringify([sa, sb])}`)

  // explain reads the same database
  const fire = await home.json(['cti', 'explain', ATTACKER])
  assert.is(fire.status, 0, fire.stderr)
  assert.is(fire.body.state, 'fire')
  assert.equal([fire.body.fire.value, fire.body.fire.evidence.networks, fire.body.fire.evidence.reporters.length], [ATTACKER, 3, 3])
  const never = await home.json(['cti', 'explain', '45.33.200.9'])
  assert.is(never.status, 0)
  assert.equal(never.body, {ip: '45.33.200.9', state: 'never-ban', reason: 'never promoted: a customer', k: 3, signals: 3})

  // the replica that does not lead stops first: a leader that stops releases its lease, and a replica still running
  // would take it over and run a pass of its own (failover, as it should) before its own SIGTERM arrived
  const [follower, leader] = sa.leader ? [b, a] : [a, b]
  follower.child.kill('SIGTERM')
  await follower.exited
  leader.child.kill('SIGTERM')
  const codes = await Promise.all([a.exited, b.exited])
  assert.equal(codes, [0, 0])
  const results = [JSON.parse(a.stdout()), JSON.parse(b.stdout())]
  assert.equal(results.map((r) => r.stopped_by), ['SIGTERM', 'SIGTERM'])
  assert.is(results.filter((r) => r.consensus_passes > 0).length, 1)
}

test('two crowd cti serve on one SQLite file: one community, the consensus run by exactly one; SIGTERM exits 0', async () => {
  await twoReplicas()
})

test('two crowd cti serve on one PostgreSQL database (when CROWD_TEST_PG_URL is set)', async () => {
  if (!process.env.CROWD_TEST_PG_URL) return
  const db: TestDatabase = await postgresUrl()
  try {
    await twoReplicas(db.url)
  } finally {
    await db.drop()
  }
})

test('crowd cti keys add NAME --json; explain of an unknown and a never-ban address (golden)', async () => {
  const home = ctiHome('cti-keys')
  const add = await home.json(['cti', 'keys', 'add', 'soc'])
  assert.is(add.status, 0, add.stderr)
  assert.match(add.body.api_key, /^[A-Za-z0-9+/]{43}$/)
  assertGolden('cti/keys-add.json', pretty({...add.body, api_key: '<api_key>'}))
  const again = await home.run(['cti', 'keys', 'add', 'soc'])
  assert.is.not(again.status, 0)
  assert.match(again.stderr, 'a CTI API key named "soc" already exists')
  const bad = await home.run(['cti', 'keys', 'add', 'no spaces'])
  assert.is.not(bad.status, 0)
  assert.match(bad.stderr, 'must be 1 to 64 letters')
  const unknown = await home.json(['cti', 'explain', '8.8.4.4'])
  assert.is(unknown.status, 0)
  assertGolden('cti/explain-unknown.json', pretty(unknown.body))
  const notIp = await home.json(['cti', 'explain', 'nonsense'])
  assert.is(notIp.status, 0)
  assertGolden('cti/explain-not-an-ip.json', pretty(notIp.body))
  const human = await home.run(['cti', 'explain', '192.168.1.1'])
  assert.is(human.status, 0)
  assert.match(human.stdout, 'never promoted: private (RFC 1918)')
})

test.run()
