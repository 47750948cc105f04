/** Credentials (lapi.md §2): API keys, password hashes, HS256 JWTs as gin-jwt checks them. */
import {createHash, createHmac} from 'node:crypto'
import {test} from 'uvu'
import * as assert from 'uvu/assert'
import {generateApiKey, generatePassword, hashApiKey, hashPassword, signJwt, verifyJwt} from '../../src/lapi/auth.js'
import {lapiSecret} from '../../src/lapi/server.js'

const SECRET = Buffer.alloc(64, 7)
const NOW_S = 1_772_445_600
const b64 = (v: unknown): string => Buffer.from(JSON.stringify(v)).toString('base64url')

test('JWT: signed token verifies; claims id/exp/orig_iat; header HS256', () => {
  const token = signJwt({id: 'm1', exp: NOW_S + 3600, orig_iat: NOW_S}, SECRET)
  const [h, p] = token.split('.')
  assert.equal(JSON.parse(Buffer.from(h!, 'base64url').toString()), {alg: 'HS256', typ: 'JWT'})
  assert.equal(JSON.parse(Buffer.from(p!, 'base64url').toString()), {id: 'm1', exp: NOW_S + 3600, orig_iat: NOW_S})
  const check = verifyJwt(token, SECRET, NOW_S + 3599)
  assert.ok(check.ok)
  if (check.ok) assert.is(check.claims.id, 'm1')
})

test('JWT: expired at exp, bad signature, tampered claims, alg none and other algs refused, malformed', () => {
  const token = signJwt({id: 'm1', exp: NOW_S + 3600, orig_iat: NOW_S}, SECRET)
  assert.equal(verifyJwt(token, SECRET, NOW_S + 3600), {ok: false, reason: 'token is expired'})
  assert.equal(verifyJwt(token, Buffer.alloc(64, 8), NOW_S), {ok: false, reason: 'signature is invalid'})
  const [h, , s] = token.split('.')
  assert.equal(verifyJwt(`${h}.${b64({id: 'admin', exp: NOW_S + 3600, orig_iat: NOW_S})}.${s}`, SECRET, NOW_S), {ok: false, reason: 'signature is invalid'})
  const claims = b64({id: 'm1', exp: NOW_S + 3600, orig_iat: NOW_S})
  assert.equal(verifyJwt(`${b64({alg: 'none', typ: 'JWT'})}.${claims}.`, SECRET, NOW_S), {ok: false, reason: 'signing method is invalid'})
  // HS512 signed with the same secret: still refused (only HS256)
  const h512 = b64({alg: 'HS512', typ: 'JWT'})
  const sig512 = createHmac('sha512', SECRET).update(`${h512}.${claims}`).digest('base64url')
  assert.equal(verifyJwt(`${h512}.${claims}.${sig512}`, SECRET, NOW_S), {ok: false, reason: 'signing method is invalid'})
  assert.equal(verifyJwt('a.b', SECRET, NOW_S), {ok: false, reason: 'token contains an invalid number of segments'})
  assert.equal(verifyJwt('garbage', SECRET, NOW_S), {ok: false, reason: 'token contains an invalid number of segments'})
  assert.equal(verifyJwt('%%%.###.!!!', SECRET, NOW_S), {ok: false, reason: 'token is malformed'})
  // well signed but without the claims crowd needs
  const noId = `${h}.${b64({exp: NOW_S + 10})}`
  const sig = createHmac('sha256', SECRET).update(noId).digest('base64url')
  assert.equal(verifyJwt(`${noId}.${sig}`, SECRET, NOW_S), {ok: false, reason: 'token is malformed'})
})

test('JWT refresh window: an expired token is accepted when orig_iat is within the allowed window', () => {
  // gin-jwt's MaxRefresh: orig_iat must be within the window, whatever exp says
  const short = signJwt({id: 'm1', exp: NOW_S + 600, orig_iat: NOW_S}, SECRET)
  const later = NOW_S + 1000
  assert.ok(verifyJwt(short, SECRET, later, later - 3600).ok)
  assert.equal(verifyJwt(short, SECRET, later), {ok: false, reason: 'token is expired'}, 'no window, no refresh')
  assert.equal(verifyJwt(short, SECRET, NOW_S + 3601, NOW_S + 1), {ok: false, reason: 'token is expired'}, 'orig_iat before the window')
  // a one-hour token at its very expiry is still refreshable (orig_iat = now - 1h), a second later it is not
  const token = signJwt({id: 'm1', exp: NOW_S + 3600, orig_iat: NOW_S}, SECRET)
  assert.ok(verifyJwt(token, SECRET, NOW_S + 3600, NOW_S).ok)
  assert.not.ok(verifyJwt(token, SECRET, NOW_S + 3601, NOW_S + 1).ok)
})

test('API keys: 43 base64 characters, no padding, random; stored as SHA-512 hex', () => {
  const keys = new Set<string>()
  for (let i = 0; i < 50; i++) {
    const key = generateApiKey()
    assert.is(key.length, 43)
    assert.match(key, /^[A-Za-z0-9+/]{43}$/)
    assert.is(Buffer.from(key, 'base64').length, 32)
    keys.add(key)
  }
  assert.is(keys.size, 50)
  const key = generateApiKey()
  assert.is(hashApiKey(key), createHash('sha512').update(key).digest('hex'))
  assert.match(hashApiKey(key), /^[0-9a-f]{128}$/)
})

test('passwords: hash verifies, wrong password and malformed hashes do not; salted', async () => {
  const { verifyPassword } = await import('../../src/lapi/auth.js')
  const a = await hashPassword('s3cret')
  const b = await hashPassword('s3cret')
  assert.is.not(a, b, 'salted')
  assert.not.match(a, 's3cret')
  assert.ok(await verifyPassword('s3cret', a))
  assert.not.ok(await verifyPassword('s3cret!', a))
  assert.not.ok(await verifyPassword('', a))
  for (const bad of ['', 's3cret', '$2a$10$abcdefghijklmnopqrstuv', 'scrypt$x$8$1$c2FsdA==$aGFzaA==', 'scrypt$16384$8$1$c2FsdA==$', `scrypt$${2 ** 24}$8$1$c2FsdA==$aGFzaA==`]) {
    assert.not.ok(await verifyPassword('s3cret', bad), bad)
  }
})

test('generatePassword: letters and digits only, the asked length, random', () => {
  const p = generatePassword()
  assert.is(p.length, 48)
  assert.match(p, /^[A-Za-z0-9]{48}$/)
  assert.is.not(generatePassword(), p)
  assert.match(generatePassword(7), /^[A-Za-z0-9]{7}$/)
  const all = Array.from({length: 40}, () => generatePassword(100)).join('')
  assert.is(new Set(all).size, 62, 'the whole alphabet shows up')
})

test('lapiSecret: CS_LAPI_SECRET must be at least 64 bytes; absent => 64 random bytes', () => {
  assert.throws(() => lapiSecret({CS_LAPI_SECRET: 'short'}), /at least 64 bytes/)
  assert.equal(lapiSecret({CS_LAPI_SECRET: 'x'.repeat(64)}), Buffer.from('x'.repeat(64)))
  const a = lapiSecret({})
  assert.is(a.length, 64)
  assert.is.not(a.toString('hex'), lapiSecret({}).toString('hex'))
})

test.run()
