/**
 * What the server does with what it did not expect (lapi.md §1): unknown paths and methods, body
 * limits and gzip bombs, garbage on the socket, a store that fails under it, and a restart.
 */
import * as fs from 'node:fs'
import * as net from 'node:net'
import * as os from 'node:os'
import * as path from 'node:path'
import {gzipSync} from 'node:zlib'
import {test} from 'uvu'
import * as assert from 'uvu/assert'
import {DEFAULT_CONFIG, type Config} from '../../src/config/config.js'
import {startLapi} from '../../src/lapi/server.js'
import {CrowdError} from '../../src/model/errors.js'
import {silentLogger} from '../../src/model/logger.js'
import {openStore} from '../../src/store/open.js'
import {StoreError, type Store} from '../../src/store/types.js'
import {agentAlert, apiKey, bearer, bouncerKey, machineToken, memoryStore, postAlerts, request, startTestLapi, T0, type TestLapi, testLapis} from './harness.js'

const startTestLapis = testLapis(test)
async function lapi(options: Parameters<typeof startTestLapi>[0] = {}): Promise<TestLapi> {
  const t = await startTestLapis(options)
  return t
}
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'crowd-lapi-robust-'))
const health = async (t: TestLapi): Promise<void> => {
  const r = await request(t, 'GET', '/health')
  assert.is(r.status, 200)
  assert.equal(r.json(), {status: 'up'})
}

test('unknown path => 404 empty body; wrong method on a known path => 405 empty body; /health 200 without auth', async () => {
  const t = await lapi()
  await health(t)
  for (const p of ['/', '/v1', '/v2/decisions', '/v1/decisions/stream/x', '/v1/alerts/1/2', '/health/x', '/v1/watcherz']) {
    const r = await request(t, 'GET', p)
    assert.is(r.status, 404, p)
    assert.is(r.text, '', p)
  }
  const wrong: [string, string][] = [['PUT', '/v1/alerts'], ['POST', '/v1/decisions'], ['GET', '/v1/watchers'], ['GET', '/v1/watchers/login'], ['POST', '/v1/decisions/stream'],
    ['PATCH', '/v1/alerts/1'], ['POST', '/health'], ['GET', '/v1/usage-metrics']]
  for (const [method, p] of wrong) {
    const r = await request(t, method, p)
    assert.is(r.status, 405, `${method} ${p}`)
    assert.is(r.text, '', `${method} ${p}`)
  }
  // a trailing slash and a query string still route
  assert.is((await request(t, 'GET', '/health/?x=1')).status, 200)
  // as in CrowdSec, DELETE /v1/decisions/stream is DELETE /v1/decisions/{decision_id} with a bad id
  const token = await machineToken(t)
  const del = await request(t, 'DELETE', '/v1/decisions/stream', {headers: {Authorization: `Bearer ${token}`}})
  assert.equal([del.status, JSON.parse(del.text)], [400, {message: 'decision_id must be valid integer'}])
})

test('POST /v1/usage-metrics: 201 with a key or a JWT, 403/401 without; non-object body 400', async () => {
  const t = await lapi()
  const token = await machineToken(t)
  const key = await bouncerKey(t)
  const body = {remediation_components: [{version: 'v1', type: 'fw', metrics: []}]}
  const withKey = await request(t, 'POST', '/v1/usage-metrics', {headers: apiKey(key), body})
  assert.is(withKey.status, 201)
  assert.is(withKey.text, '')
  assert.is((await request(t, 'POST', '/v1/usage-metrics', {headers: bearer(token), body: {log_processors: []}})).status, 201)
  assert.is((await request(t, 'POST', '/v1/usage-metrics', {headers: {'User-Agent': 'fw/1'}, body})).status, 403)
  assert.is((await request(t, 'POST', '/v1/usage-metrics', {headers: {'User-Agent': 'crowdsec/v1.7.0'}, body})).status, 401)
  assert.is((await request(t, 'POST', '/v1/usage-metrics', {headers: apiKey(key), body: '[1]'})).status, 400)
})

test('gzip bomb (100 MB of zeros) => 413, and the server answers the next request', async () => {
  const t = await lapi()
  const token = await machineToken(t)
  const bomb = gzipSync(Buffer.alloc(100 * 1024 * 1024), {level: 9})
  assert.ok(bomb.length < 200 * 1024)
  const r = await request(t, 'POST', '/v1/alerts', {headers: {...bearer(token), 'Content-Encoding': 'gzip'}, body: bomb})
  assert.is(r.status, 413)
  assert.match(r.json<{message: string}>().message, 'too large')
  await health(t)
  // the 2 MiB limit of the open routes, with gzip too
  const small = gzipSync(Buffer.alloc(3 * 1024 * 1024, 0x20))
  assert.is((await request(t, 'POST', '/v1/watchers/login', {headers: {'User-Agent': 'crowdsec/v1', 'Content-Encoding': 'gzip'}, body: small})).status, 413)
  assert.is((await request(t, 'POST', '/v1/watchers', {headers: {'Content-Encoding': 'gzip'}, body: small})).status, 413)
  assert.equal(await postAlerts(t, token, [agentAlert('192.0.2.1', T0)]), ['1'])
})

test('oversized plain bodies => 413 (declared length or streamed), the server keeps answering', async () => {
  const t = await lapi({config: {maxBodyBytes: 1024 * 1024}})
  const token = await machineToken(t)
  const big = Buffer.alloc(2 * 1024 * 1024, 0x20)
  const declared = await request(t, 'POST', '/v1/alerts', {headers: bearer(token), body: big})
  assert.is(declared.status, 413)
  const streamed = await request(t, 'POST', '/v1/alerts', {headers: bearer(token), body: big, chunked: true})
  assert.is(streamed.status, 413)
  const register = await request(t, 'POST', '/v1/watchers', {body: Buffer.alloc(3 * 1024 * 1024, 0x20)})
  assert.is(register.status, 413)
  // just under the limit is read (and then refused as JSON)
  const fits = Buffer.concat([Buffer.from('['), Buffer.alloc(1024 * 1024 - 2, 0x20), Buffer.from(']')])
  const ok = await request(t, 'POST', '/v1/alerts', {headers: bearer(token), body: fits})
  assert.is(ok.status, 201)
  assert.is(ok.text, '[]')
  await health(t)
})

function rawExchange(port: number, data: Buffer | string): Promise<string> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1', () => socket.write(data))
    let out = ''
    socket.setEncoding('latin1')
    socket.on('data', (c: string) => (out += c))
    socket.on('error', () => resolve(out))
    socket.on('close', () => resolve(out))
  })
}

test('garbage on a raw TCP socket => 400 or closed, then /health still 200', async () => {
  const t = await lapi()
  let seed = 12345
  const random = (n: number): Buffer => Buffer.from(Array.from({length: n}, () => (seed = (seed * 1103515245 + 12345) & 0x7fffffff) & 0xff))
  const inputs: (Buffer | string)[] = [
    random(4096),
    Buffer.concat([random(100), Buffer.from('\r\n\r\n')]),
    'GET / HTTP/9.9\r\n\r\n',
    'GET /v1/decisions HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n',
    'POST /v1/alerts HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n',
    `GET /${'a'.repeat(100_000)} HTTP/1.1\r\nHost: x\r\n\r\n`,
    'GET /health HTTP/1.1\r\nHost: x\r\nX: \x00\x01\r\n\r\n',
  ]
  for (const input of inputs) {
    const out = await rawExchange(t.port, input)
    assert.ok(out === '' || /^HTTP\/1\.1 (400|401|404|413|431) /.test(out), JSON.stringify(out.slice(0, 80)))
    await health(t)
  }
  // a malformed percent-encoding or absurd path is answered, not thrown
  const odd = await rawExchange(t.port, 'GET /v1/alerts/%E0%A4%A HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n')
  assert.match(odd, /^HTTP\/1\.1 (400|401|404) /)
  await health(t)
})

/** A store whose every method rejects with StoreError('unavailable') while `down` is set. */
function flakyStore(real: Store): {store: Store; set(down: boolean): void} {
  let down = false
  const store = new Proxy(real, {
    get(target, prop, receiver) {
      const value = Reflect.get(target, prop, receiver) as unknown
      if (typeof value !== 'function' || prop === 'close') return value
      return (...args: unknown[]) => (down ? Promise.reject(new StoreError('unavailable', 'database is locked')) : (value as (...a: unknown[]) => unknown).apply(target, args))
    },
  })
  return {store, set: (d) => (down = d)}
}

test('a failing store => 503 {message} on every route that needs it, and the server recovers when the store does', async () => {
  const real = await memoryStore()
  const flaky = flakyStore(real)
  const t = await lapi({store: flaky.store})
  const token = await machineToken(t)
  const key = await bouncerKey(t)
  await postAlerts(t, token, [agentAlert('192.0.2.1', T0)])
  flaky.set(true)
  const calls: [string, string, Record<string, string>, unknown?][] = [
    ['GET', '/v1/decisions', apiKey(key)],
    ['GET', '/v1/decisions/stream?startup=true', apiKey(key)],
    ['HEAD', '/v1/decisions', apiKey(key)],
    ['GET', '/v1/alerts', bearer(token)],
    ['GET', '/v1/heartbeat', bearer(token)],
    ['POST', '/v1/alerts', bearer(token), [agentAlert('192.0.2.2', T0)]],
    ['DELETE', '/v1/decisions', bearer(token)],
    ['POST', '/v1/watchers/login', {'User-Agent': 'crowdsec/v1'}, {machine_id: 'agent1', password: 'p4ssw0rd'}],
    ['POST', '/v1/watchers', {}, {machine_id: 'new', password: 'p'}],
  ]
  for (const [method, p, headers, body] of calls) {
    const r = await request(t, method, p, {headers, body})
    assert.is(r.status, 503, `${method} ${p}: ${r.text}`)
    if (method !== 'HEAD') assert.equal(r.json(), {message: 'database is locked'}, `${method} ${p}`)
  }
  await health(t)
  flaky.set(false)
  assert.match((await request(t, 'GET', '/v1/decisions', {headers: apiKey(key)})).text, '192.0.2.1')
  assert.ok(t.logs.some((l) => l.includes('database is locked')), 'the failures are logged')
  await real.close()
})

test('the store closed under the running server => 503, the server still answers /health', async () => {
  const store = await memoryStore()
  const t = await lapi({store})
  const key = await bouncerKey(t)
  await store.close()
  const r = await request(t, 'GET', '/v1/decisions', {headers: apiKey(key)})
  assert.is(r.status, 503)
  assert.ok(typeof r.json<{message: string}>().message === 'string')
  assert.is((await request(t, 'GET', '/v1/decisions/stream', {headers: apiKey(key)})).status, 503)
  await health(t)
})

test('restart: decisions, machines and bouncers survive closing and reopening a SQLite file with a new server', async () => {
  const file = path.join(tmp, 'restart.db')
  const clock = {now: T0}
  const store1 = await openStore({engine: 'sqlite', target: file})
  const first = await startTestLapi({store: store1, clock})
  const token = await machineToken(first)
  const key = await bouncerKey(first)
  await postAlerts(first, token, [agentAlert('192.0.2.1', T0)])
  await request(first, 'GET', '/v1/decisions/stream?startup=true', {headers: apiKey(key)})
  await first.close()
  await store1.close()

  clock.now = T0 + 60_000
  const store2 = await openStore({engine: 'sqlite', target: file})
  const second = await startTestLapi({store: store2, clock})
  try {
    assert.is((await request(second, 'GET', '/v1/decisions', {headers: apiKey(key)})).text,
      '[{"duration":"3h59m0s","id":1,"origin":"crowdsec","scenario":"crowdsecurity/ssh-bf","scope":"Ip","type":"ban","value":"192.0.2.1"}]')
    // the bouncer's last pull survived: a delta has nothing new
    assert.is((await request(second, 'GET', '/v1/decisions/stream', {headers: apiKey(key)})).text, '{"new": [], "deleted": []}')
    // the old JWT died with the old server's secret? No: the tests share a secret, so it still works; a fresh login works anyway
    const login = await request(second, 'POST', '/v1/watchers/login', {headers: {'User-Agent': 'crowdsec/v1'}, body: {machine_id: 'agent1', password: 'p4ssw0rd'}})
    assert.is(login.status, 200)
  } finally {
    await second.close()
    await store2.close()
  }
})

test('unix socket: a bouncer pulling through it is recorded as 127.0.0.1 (trust over the socket: listen.test.ts)', async () => {
  const socketPath = path.join(tmp, 'lapi.sock')
  const t = await lapi({config: {listenSocket: socketPath}})
  const token = await machineToken(t)
  const key = await bouncerKey(t)
  await postAlerts(t, token, [agentAlert('192.0.2.1', T0)])
  assert.match((await request({socketPath}, 'GET', '/v1/decisions', {headers: apiKey(key)})).text, '192.0.2.1')
  assert.is((await t.store.listBouncers())[0]!.ipAddress, '127.0.0.1')
})

test('startLapi: startup failures are configuration errors and leave nothing listening', async () => {
  const config = (lapi: Partial<Config['lapi']>): Config => ({...DEFAULT_CONFIG, file: '', fileFrom: 'default', fileExists: false, dataDir: tmp,
    store: {url: ':memory:'}, lapi: {...DEFAULT_CONFIG.lapi, ...lapi}})
  const port = await new Promise<number>((resolve) => {
    const probe = net.createServer().listen(0, '127.0.0.1', () => {
      const p = (probe.address() as net.AddressInfo).port
      probe.close(() => resolve(p))
    })
  })
  const cases: [Partial<Config['lapi']>, string][] = [
    [{flush: {maxAge: '7days'}}, "invalid lapi.flush.max_age '7days'"],
    [{trustedIps: ['not-an-ip']}, "invalid IP or range 'not-an-ip' in lapi.trusted_ips"],
    [{listenSocket: path.join(tmp, 'no', 'such', 'dir', 'lapi.sock')}, 'cannot start the Local API'],
    [{tlsCert: path.join(tmp, 'missing.crt'), tlsKey: path.join(tmp, 'missing.key')}, 'cannot start the Local API'],
  ]
  for (const [lapi, message] of cases) {
    try {
      await startLapi({config: config(lapi), logger: silentLogger, listen: `127.0.0.1:${port}`, jwtSecret: Buffer.alloc(64)})
      assert.unreachable(message)
    } catch (error) {
      assert.instance(error, CrowdError)
      assert.is((error as CrowdError).code, 'config')
      assert.match((error as CrowdError).message, message)
    }
    const refused = await new Promise<boolean>((resolve) => net.connect(port, '127.0.0.1').on('connect', function (this: net.Socket) {
      this.destroy()
      resolve(false)
    }).on('error', () => resolve(true)))
    assert.ok(refused, `${message}: nothing left listening on ${port}`)
  }
  const running = await startLapi({config: config({}), logger: silentLogger, listen: `127.0.0.1:${port}`, jwtSecret: Buffer.alloc(64)})
  assert.is(running.addresses.url, `http://127.0.0.1:${port}/`)
  await running.close()
})

test('concurrent requests: many posts and pulls at once all succeed', async () => {
  const t = await lapi()
  const token = await machineToken(t)
  const key = await bouncerKey(t)
  const posts = Array.from({length: 20}, (_, i) => postAlerts(t, token, [agentAlert(`192.0.2.${i + 1}`, T0)]))
  const pulls = Array.from({length: 20}, () => request(t, 'GET', '/v1/decisions', {headers: apiKey(key)}))
  const [ids, replies] = await Promise.all([Promise.all(posts), Promise.all(pulls)])
  assert.equal(ids.flat().map(Number).sort((a, b) => a - b), Array.from({length: 20}, (_, i) => i + 1))
  assert.ok(replies.every((r) => r.status === 200))
  assert.is((JSON.parse((await request(t, 'GET', '/v1/decisions', {headers: apiKey(key)})).text) as unknown[]).length, 20)
})

test.run()
