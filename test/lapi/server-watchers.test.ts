/** Watchers over HTTP (lapi.md §2.2, §2.3): registration, login, JWT-protected routes. */
import {test} from 'uvu'
import * as assert from 'uvu/assert'
import {addMachine, AGENT_UA, bearer, H, login, machineToken, request, SECRET, startTestLapi, T0, type TestLapi, testLapis} from './harness.js'
import {signJwt} from '../../src/lapi/auth.js'

const JSON_TYPE = 'application/json; charset=utf-8'
const startTestLapis = testLapis(test)
async function lapi(options: Parameters<typeof startTestLapi>[0] = {}): Promise<TestLapi> {
  const t = await startTestLapis(options)
  return t
}

const register = (t: TestLapi, body: unknown, headers: Record<string, string> = {}) => request(t, 'POST', '/v1/watchers', {body, headers: {'User-Agent': AGENT_UA, ...headers}})

function assert401(r: {status: number; headers: Record<string, unknown>; text: string}, message: string | RegExp): void {
  assert.is(r.status, 401, r.text)
  assert.is(r.headers['www-authenticate'], 'JWT realm=Crowdsec API local')
  assert.is(r.headers['content-type'], JSON_TYPE)
  const body = JSON.parse(r.text) as {code: number; message: string}
  assert.equal(Object.keys(body), ['code', 'message'])
  assert.is(body.code, 401)
  if (typeof message === 'string') assert.is(body.message, message)
  else assert.match(body.message, message)
}

test('register: 201 empty body, machine stored not validated with the caller IP; it cannot log in until validated', async () => {
  const t = await lapi()
  const r = await register(t, {machine_id: 'agent-a', password: 'secret-a'})
  assert.is(r.status, 201)
  assert.is(r.text, '')
  const m = await t.store.getMachine('agent-a')
  assert.ok(m)
  assert.is(m!.isValidated, false)
  assert.is(m!.ipAddress, '127.0.0.1')
  assert.is(m!.authType, 'password')
  assert.not.match(m!.passwordHash, 'secret-a')
  assert401(await login(t, 'agent-a', 'secret-a'), 'machine agent-a not validated')
  await t.store.updateMachine('agent-a', {isValidated: true}, t.clock.now)
  assert.is((await login(t, 'agent-a', 'secret-a')).status, 200)
})

test('register: validation 422, bind errors 400, duplicate 403', async () => {
  const t = await lapi()
  const missing = await register(t, {machine_id: 'x'})
  assert.is(missing.status, 422)
  assert.match(missing.json<{message: string}>().message, 'password in body is required')
  const both = await register(t, {})
  assert.is(both.status, 422)
  assert.match(both.json<{message: string}>().message, /machine_id in body is required[\s\S]*password in body is required/)
  assert.is((await register(t, {machine_id: 'x', password: 'p', registration_token: 'short'})).status, 422)
  assert.is((await register(t, {machine_id: 'x', password: 'p', registration_token: 'x'.repeat(256)})).status, 422)
  assert.is((await register(t, 'not json{')).status, 400)
  assert.is((await register(t, {machine_id: 12, password: 'p'})).status, 400)
  assert.is((await register(t, [1, 2])).status, 400)
  assert.is((await register(t, {machine_id: 'dup', password: 'p', unknown_field: true})).status, 201, 'unknown fields ignored')
  const dup = await register(t, {machine_id: 'dup', password: 'other'})
  assert.is(dup.status, 403)
  assert.is(dup.text, JSON.stringify({message: "user 'dup': user already exist"}))
})

test('auto-registration: right token from an allowed range => 202 validated; wrong token or range => 401; disabled => 201 not validated', async () => {
  const token = 't'.repeat(32)
  const t = await lapi({config: {autoRegistration: {enabled: true, token, allowedRanges: ['127.0.0.0/8']}}})
  const ok = await register(t, {machine_id: 'auto1', password: 'p', registration_token: token})
  assert.is(ok.status, 202)
  assert.is(ok.text, '')
  assert.is((await t.store.getMachine('auto1'))!.isValidated, true)
  assert.is((await login(t, 'auto1', 'p')).status, 200)
  const wrong = await register(t, {machine_id: 'auto2', password: 'p', registration_token: 'u'.repeat(32)})
  assert.is(wrong.status, 401)
  assert.equal(wrong.json(), {message: 'invalid token for auto registration'})
  assert.is(await t.store.getMachine('auto2'), undefined)
  const noToken = await register(t, {machine_id: 'manual', password: 'p'})
  assert.is(noToken.status, 201)
  assert.is((await t.store.getMachine('manual'))!.isValidated, false)

  const far = await lapi({config: {autoRegistration: {enabled: true, token, allowedRanges: ['10.0.0.0/8']}}})
  const outside = await register(far, {machine_id: 'auto3', password: 'p', registration_token: token})
  assert.is(outside.status, 401)
  assert.equal(outside.json(), {message: 'IP not in allowed range for auto registration'})

  const off = await lapi()
  assert.is((await register(off, {machine_id: 'auto4', password: 'p', registration_token: token})).status, 201)
  assert.is((await off.store.getMachine('auto4'))!.isValidated, false)
})

test('disable_remote_registration: loopback may register, a remote caller (via a trusted proxy) gets 403', async () => {
  const t = await lapi({config: {disableRemoteRegistration: true, useForwardedForHeaders: true, trustedProxies: ['127.0.0.1']}})
  assert.is((await register(t, {machine_id: 'local', password: 'p'})).status, 201)
  const remote = await register(t, {machine_id: 'remote', password: 'p'}, {'X-Forwarded-For': '203.0.113.5'})
  assert.is(remote.status, 403)
  assert.equal(remote.json(), {message: 'access forbidden'})
  assert.is(await t.store.getMachine('remote'), undefined)
  // without the trusted proxy, X-Forwarded-For is ignored: the peer is loopback
  const direct = await lapi({config: {disableRemoteRegistration: true}})
  assert.is((await register(direct, {machine_id: 'spoof', password: 'p'}, {'X-Forwarded-For': '203.0.113.5'})).status, 201)
})

test('login: {code, expire, token}; expire = now + 1h; token HS256 with id/exp/orig_iat; scenarios, IP and version stored', async () => {
  const t = await lapi()
  await addMachine(t, 'agent1')
  const r = await login(t, 'agent1')
  assert.is(r.status, 200)
  assert.is(r.headers['content-type'], JSON_TYPE)
  const body = r.json<{code: number; expire: string; token: string}>()
  assert.equal(Object.keys(body), ['code', 'expire', 'token'])
  assert.is(body.code, 200)
  assert.is(body.expire, '2026-03-02T11:00:00Z')
  const claims = JSON.parse(Buffer.from(body.token.split('.')[1]!, 'base64url').toString()) as Record<string, unknown>
  assert.equal(claims, {id: 'agent1', exp: (T0 + H) / 1000, orig_iat: T0 / 1000})
  const m = (await t.store.getMachine('agent1'))!
  assert.is(m.scenarios, 'crowdsecurity/ssh-bf')
  assert.is(m.version, 'v1.7.0-linux')
  assert.is(m.ipAddress, '127.0.0.1')
})

test('login failures: 401 JSON with code and WWW-Authenticate', async () => {
  const t = await lapi()
  await addMachine(t, 'agent1')
  assert401(await login(t, 'agent1', 'wrong'), 'incorrect Username or Password')
  assert401(await login(t, 'nobody', 'x'), /./)
  for (const ua of ['crowdsec', 'crowdsec/v1/linux', '']) assert401(await login(t, 'agent1', 'p4ssw0rd', ua), /./)
  // no User-Agent header at all
  assert401(await request(t, 'POST', '/v1/watchers/login', {body: {machine_id: 'agent1', password: 'p4ssw0rd'}}), /./)
  assert401(await request(t, 'POST', '/v1/watchers/login', {headers: {'User-Agent': AGENT_UA}, body: '{"machine_id": '}), /^missing/)
  assert401(await request(t, 'POST', '/v1/watchers/login', {headers: {'User-Agent': AGENT_UA}, body: {machine_id: 'agent1'}}), /^missing/)
  assert401(await request(t, 'POST', '/v1/watchers/login', {headers: {'User-Agent': AGENT_UA}, body: [1]}), /^missing/)
  // a bouncer-only row (no password auth) cannot log in as a machine
  await t.store.addMachine({machineId: 'tls-agent', passwordHash: '', isValidated: true, authType: 'tls'}, t.clock.now)
  assert401(await login(t, 'tls-agent', ''), /./)
})

test('JWT routes: missing, garbage, wrongly signed, expired tokens => 401 {code, message}; a valid token passes', async () => {
  const t = await lapi()
  const token = await machineToken(t)
  const hb = (headers: Record<string, string>) => request(t, 'GET', '/v1/heartbeat', {headers: {'User-Agent': AGENT_UA, ...headers}})
  assert401(await hb({}), 'cookie token is empty')
  assert401(await hb({Authorization: 'Bearer garbage'}), /./)
  assert401(await hb({Authorization: 'Basic YWdlbnQxOnA0c3N3MHJk'}), /./)
  assert401(await hb({Authorization: `Bearer ${signJwt({id: 'agent1', exp: T0 / 1000 + 3600, orig_iat: T0 / 1000}, Buffer.alloc(64, 1))}`}), 'signature is invalid')
  assert401(await hb({Authorization: `Bearer ${signJwt({id: 'ghost', exp: T0 / 1000 + 3600, orig_iat: T0 / 1000}, SECRET)}`}), /ghost/)

  const ok = await hb({Authorization: `Bearer ${token}`})
  assert.is(ok.status, 200)
  assert.is(ok.text, '')
  assert.is((await t.store.getMachine('agent1'))!.lastHeartbeat, T0)
  assert.is((await hb({Cookie: `other=1; jwt=${token}`})).status, 200, 'the jwt cookie works too')

  t.clock.now = T0 + H
  assert401(await hb({Authorization: `Bearer ${token}`}), 'token is expired')
  t.clock.now = T0
})

test('refresh_token: a fresh token; DELETE /v1/watchers/self: 204, then the machine is gone and its token refused', async () => {
  const t = await lapi()
  const token = await machineToken(t)
  t.clock.now = T0 + 600_000
  const r = await request(t, 'GET', '/v1/refresh_token', {headers: bearer(token)})
  assert.is(r.status, 200)
  const fresh = r.json<{code: number; expire: string; token: string}>()
  assert.is(fresh.expire, '2026-03-02T11:10:00Z')
  assert.is.not(fresh.token, token)
  assert401(await request(t, 'GET', '/v1/refresh_token', {headers: {Authorization: 'Bearer x.y.z'}}), /./)

  const del = await request(t, 'DELETE', '/v1/watchers/self', {headers: bearer(fresh.token)})
  assert.is(del.status, 204)
  assert.is(await t.store.getMachine('agent1'), undefined)
  assert401(await request(t, 'GET', '/v1/heartbeat', {headers: bearer(fresh.token)}), /./)
  t.clock.now = T0
})

test('a machine un-validated after login loses access', async () => {
  const t = await lapi()
  const token = await machineToken(t)
  await t.store.updateMachine('agent1', {isValidated: false}, t.clock.now)
  assert401(await request(t, 'GET', '/v1/heartbeat', {headers: bearer(token)}), 'machine agent1 not validated')
})

test.run()
