/**
 * crowd cti serve's HTTP side and consensus job, in process on 127.0.0.1 (a free port), with a clock
 * the tests move: register, login, signals, the tailored stream and its deltas, the CTI API, and
 * every bad input and attack the issue lists (forged, replayed and expired tokens, undeclared
 * scenarios, tainted hashes, timestamps, floods, many machine ids in one network, malformed bodies).
 */
import {createHmac} from 'node:crypto'
import * as fs from 'node:fs'
import * as http from 'node:http'
import * as os from 'node:os'
import * as path from 'node:path'
import {gunzipSync} from 'node:zlib'
import {suite} from 'uvu'
import * as assert from 'uvu/assert'
import {explainFromStore} from '../../../src/cti/service/explain.js'
import {loadNeverBan} from '../../../src/cti/service/service.js'
import {generateApiKey, hashApiKey} from '../../../src/platform/credentials.js'
import {asnDatabase} from './mmdb.js'
import {login, request, sha, signal, SSH_V1, SSH_V2, startTestService, watcher, type TestService} from './helpers.js'

const SSH = 'crowdsecurity/ssh-bf'
const HTTP = 'crowdsecurity/http-probing'
const ATTACKER = '45.33.1.7'

let svc: TestService
const test = suite('cti serve (in process)')
test.before.each(async () => {
  svc = await startTestService()
})
test.after.each(async () => {
  await svc.close()
})

async function apiKey(s: TestService, name = 'soc'): Promise<string> {
  const key = generateApiKey()
  await s.store.addApiKey(name, hashApiKey(key), s.now.t)
  return key
}

test('register and login on /v2 and /v3: scenarios [] first, a real list later; a taken id, a wrong password', async () => {
  const reg = await request(svc.url, 'POST', '/v2/watchers', {body: {machine_id: 'agent-one', password: 'secret-1'}, from: '11.0.1.5'})
  assert.is(reg.status, 201, reg.text)
  const again = await request(svc.url, 'POST', '/v3/watchers', {body: {machine_id: 'agent-one', password: 'other'}, from: '11.0.1.5'})
  assert.is(again.status, 403)
  assert.match(again.body.message, 'already registered')
  const empty = await request(svc.url, 'POST', '/v2/watchers/login', {body: {machine_id: 'agent-one', password: 'secret-1', scenarios: []}, from: '11.0.1.5'})
  assert.is(empty.status, 200, empty.text)
  assert.is(empty.body.code, 200)
  assert.type(empty.body.token, 'string')
  assert.match(empty.body.expire, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/)
  const full = await request(svc.url, 'POST', '/v3/watchers/login', {body: {machine_id: 'agent-one', password: 'secret-1', scenarios: [SSH, HTTP]}, from: '11.0.1.5'})
  assert.is(full.status, 200)
  const w = await svc.store.getWatcher('agent-one')
  assert.equal(w?.scenarios, [HTTP, SSH])
  assert.is(w?.network, '11.0.1.0/24')
  const wrong = await request(svc.url, 'POST', '/v3/watchers/login', {body: {machine_id: 'agent-one', password: 'nope', scenarios: []}, from: '11.0.1.5'})
  assert.is(wrong.status, 401)
  const unknown = await request(svc.url, 'POST', '/v3/watchers/login', {body: {machine_id: 'nobody', password: 'x', scenarios: []}})
  assert.is(unknown.status, 401)
})

test('metrics: POST /v2/metrics/ with the trailing slash and /v3/metrics are accepted and kept', async () => {
  const token = await watcher(svc.url, 'm1', '11.0.1.5', [SSH])
  const body = {apil_version: 'v1.4.6', bouncers: [], machines: [{name: 'local', version: 'v1.4.6'}]}
  assert.is((await request(svc.url, 'POST', '/v2/metrics/', {body, token})).status, 201)
  assert.is((await request(svc.url, 'POST', '/v3/metrics', {body, token})).status, 201)
  assert.is((await request(svc.url, 'POST', '/v3/metrics/', {body})).status, 401)
  assert.is((await request(svc.url, 'GET', '/status')).status, 200)
  assert.is((await request(svc.url, 'GET', '/status', {from: '11.0.1.5'})).status, 403, 'not through a proxy')
})

test('signals: certified, tainted hash, custom, undeclared scenario, future and far-past timestamps; scenario_trust from the client ignored', async () => {
  const token = await watcher(svc.url, 's1', '11.0.1.5', [SSH, 'crowdsecurity/ssh-bf_user-enum', 'my/custom'])
  const t = svc.now.t
  const batch = [
    signal(ATTACKER, t - 60_000),
    signal('45.33.1.8', t - 60_000, SSH, sha(SSH_V1), '0.1'),
    signal('45.33.1.9', t - 60_000, 'crowdsecurity/ssh-bf_user-enum'),
    signal('45.33.1.10', t - 60_000, SSH, sha('modified'), '0.2'),
    signal('45.33.1.11', t - 60_000, SSH, sha(SSH_V2), '?'),
    signal('45.33.1.12', t - 60_000, 'my/custom', '', ''),
    signal('45.33.1.13', t - 60_000, HTTP, sha('name: crowdsecurity/http-probing\n'), '0.1'),
    signal('45.33.1.14', t + 3600_000),
    signal('45.33.1.15', t - 30 * 24 * 3600_000),
  ]
  const r = await request(svc.url, 'POST', '/v3/signals', {body: batch, token, gzip: true})
  assert.is(r.status, 200, r.text)
  assert.equal(r.body, {message: 'OK', received: 9, stored: 6, trust: {certified: 3, tainted: 2, custom: 1, manual: 0}, refused: {undeclared: 1, scope: 0, future: 1, stale: 1}})
  const stored = await svc.store.signalsForIp('45.33.1.10', 0)
  assert.is(stored[0]!.trust, 'tainted')
  assert.is(stored[0]!.machineId, 's1', 'the reporter is the token, not the body machine_id')
})

test('malformed bodies and requests: 400 naming what is wrong, never a crash', async () => {
  const token = await watcher(svc.url, 'b1', '11.0.1.5', [SSH])
  const t = svc.now.t
  const cases: [string, string, {raw?: string; body?: unknown; token?: string; gzip?: boolean; headers?: Record<string, string>}, number, string][] = [
    ['POST', '/v3/signals', {raw: '{not json', token}, 400, 'not JSON'],
    ['POST', '/v3/signals', {raw: '', token}, 400, 'empty'],
    ['POST', '/v3/signals', {body: {scenario: SSH}, token}, 400, 'array'],
    ['POST', '/v3/signals', {body: [42], token}, 400, 'signals[0] must be a JSON object'],
    ['POST', '/v3/signals', {body: [{...signal(ATTACKER, t), source: {scope: 'Ip', value: 'not-an-ip'}}], token}, 400, 'signals[0].source.value'],
    ['POST', '/v3/signals', {body: [{...signal(ATTACKER, t), stop_at: 'yesterday'}], token}, 400, 'signals[0].stop_at'],
    ['POST', '/v3/signals', {body: [{...signal(ATTACKER, t), scenario: 7}], token}, 400, 'signals[0].scenario'],
    ['POST', '/v3/signals', {body: [{...signal(ATTACKER, t), source: null}], token}, 400, 'signals[0].source'],
    ['POST', '/v3/signals', {body: Array.from({length: 51}, () => signal(ATTACKER, t)), token}, 400, 'at most 50'],
    ['POST', '/v3/signals', {raw: 'garbage that is not gzip', token, headers: {'Content-Encoding': 'gzip'}}, 400, 'gzip'],
    ['POST', '/v3/watchers', {body: {machine_id: '', password: 'x'}}, 400, 'machine_id'],
    ['POST', '/v3/watchers', {body: {machine_id: 'ok-id'}}, 400, 'password'],
    ['POST', '/v3/watchers', {raw: '[1,2'}, 400, 'not JSON'],
    ['POST', '/v3/watchers', {raw: `{"machine_id": "big", "password": "${'x'.repeat(70_000)}"}`}, 413, 'too large'],
    ['POST', '/v3/signals', {raw: `[${' '.repeat(5 * 1024 * 1024)}]`, token}, 413, 'too large'],
    ['POST', '/v3/watchers/login', {body: {machine_id: 'b1', password: 'pw-b1', scenarios: 'ssh'}}, 400, 'scenarios'],
    ['POST', '/v3/watchers/login', {body: {machine_id: 'b1', password: 'pw-b1', scenarios: [1]}}, 400, 'scenarios[0]'],
    ['GET', '/v3/decisions/stream?startup=maybe', {token}, 400, 'startup'],
    ['GET', '/v3/nowhere', {}, 404, 'no route'],
    ['DELETE', '/v3/signals', {token}, 405, 'not allowed'],
  ]
  for (const [method, p, options, status, text] of cases) {
    const r = await request(svc.url, method, p, options)
    assert.is(r.status, status, `${method} ${p} ${JSON.stringify(options.body ?? options.raw)?.slice(0, 60)}: ${r.text}`)
    assert.match(r.body.message, text, `${method} ${p}: ${r.text}`)
  }
  // the service still answers
  assert.is((await request(svc.url, 'POST', '/v3/signals', {body: [signal(ATTACKER, t)], token})).status, 200)
})

test('random garbage on every route: never a 5xx, the service keeps answering', async () => {
  const token = await watcher(svc.url, 'fuzz', '11.0.1.5', [SSH])
  let seed = 12345
  const rand = (n: number): number => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff
    return seed % n
  }
  const atoms = ['null', 'true', '1e309', '-0', '""', '"\\u0000"', '[]', '{}', '"2026-13-45T99:99:99Z"', '"::ffff:1.2.3.4"', '"45.33.1.7"', `"${'a'.repeat(300)}"`, '{"__proto__": {"x": 1}}']
  const value = (depth: number): string => {
    if (depth > 2 || rand(3) === 0) return atoms[rand(atoms.length)]!
    if (rand(2) === 0) return `[${Array.from({length: rand(4)}, () => value(depth + 1)).join(',')}]`
    const keys = ['scenario', 'source', 'value', 'scope', 'stop_at', 'start_at', 'scenario_hash', 'scenario_version', 'decisions', 'machine_id', 'password', 'scenarios', 'origin']
    return `{${Array.from({length: rand(5)}, () => `"${keys[rand(keys.length)]}":${value(depth + 1)}`).join(',')}}`
  }
  const routes: [string, string][] = [['POST', '/v3/signals'], ['POST', '/v2/signals'], ['POST', '/v3/watchers'], ['POST', '/v2/watchers/login'], ['POST', '/v3/metrics/'], ['GET', '/v3/decisions/stream?startup=true']]
  for (let i = 0; i < 150; i++) {
    const [method, p] = routes[i % routes.length]!
    const body = i % 7 === 0 ? value(0).slice(0, rand(40)) : `[${value(0)}]`.slice(i % 2)
    const r = await request(svc.url, method, p, {raw: method === 'POST' ? body : undefined, token})
    assert.ok(r.status < 500, `${method} ${p} ${body.slice(0, 80)}: ${r.status} ${r.text}`)
  }
  assert.is((await request(svc.url, 'POST', '/v3/signals', {body: [signal(ATTACKER, svc.now.t)], token})).status, 200)
})

test('forged, tampered, expired and replayed tokens: 401', async () => {
  const token = await watcher(svc.url, 'j1', '11.0.1.5', [SSH])
  const ok = await request(svc.url, 'GET', '/v3/decisions/stream?startup=true', {token})
  assert.is(ok.status, 200)
  const [h, p] = token.split('.')
  const forgedSig = createHmac('sha256', Buffer.alloc(64, 1)).update(`${h}.${p}`).digest('base64url')
  const claims = JSON.parse(Buffer.from(p!, 'base64url').toString()) as Record<string, unknown>
  const tampered = `${h}.${Buffer.from(JSON.stringify({...claims, id: 'someone-else'})).toString('base64url')}.${token.split('.')[2]}`
  const none = `${Buffer.from(JSON.stringify({alg: 'none', typ: 'JWT'})).toString('base64url')}.${p}.`
  for (const [what, t] of [['forged', `${h}.${p}.${forgedSig}`], ['tampered', tampered], ['alg none', none], ['garbage', 'abc'], ['empty', '']] as const) {
    const r = await request(svc.url, 'POST', '/v3/signals', {body: [signal(ATTACKER, svc.now.t)], token: t === '' ? undefined : t})
    assert.is(r.status, 401, `${what}: ${r.text}`)
    assert.is(r.body.code, 401)
  }
  // expired: an hour later
  svc.now.t += 3601_000
  const expired = await request(svc.url, 'GET', '/v3/decisions/stream', {token})
  assert.is(expired.status, 401)
  assert.match(expired.body.message, 'expired')
  // replayed: a token from before 4 later logins is superseded
  const first = await login(svc.url, 'j1', '11.0.1.5', [SSH])
  for (let i = 0; i < 3; i++) await login(svc.url, 'j1', '11.0.1.5', [SSH])
  assert.is((await request(svc.url, 'GET', '/v3/decisions/stream', {token: first})).status, 200, 'still among the last 4 logins')
  const latest = await login(svc.url, 'j1', '11.0.1.5', [SSH])
  const replayed = await request(svc.url, 'GET', '/v3/decisions/stream', {token: first})
  assert.is(replayed.status, 401)
  assert.match(replayed.body.message, 'superseded')
  assert.is((await request(svc.url, 'GET', '/v3/decisions/stream', {token: latest})).status, 200)
})

test('k promotion by the consensus job; the stream tailored by scenario, deltas since the last pull, expiry as deleted', async () => {
  const t0 = svc.now.t
  const reporters = [['r1', '11.0.1.5'], ['r2', '12.0.2.5'], ['r3', '13.0.3.5']]
  const tokens: string[] = []
  for (const [id, from] of reporters) tokens.push(await watcher(svc.url, id!, from!, [SSH]))
  const sshAgent = await watcher(svc.url, 'pull-ssh', '14.0.4.5', [SSH], 'v2')
  const httpAgent = await watcher(svc.url, 'pull-http', '15.0.5.5', [HTTP])
  // two reporters: smoke, not fire
  for (const token of tokens.slice(0, 2)) assert.is((await request(svc.url, 'POST', '/v3/signals', {body: [signal(ATTACKER, t0 - 1000)], token})).status, 200)
  assert.equal(await svc.job.tick(), {leader: true, ingested: 2, promoted: 0, expired: 0})
  const before = await request(svc.url, 'GET', '/v3/decisions/stream?startup=true', {token: sshAgent})
  assert.equal(before.body, {new: [], deleted: [], links: {blocklists: [], allowlists: []}})
  // the third network: fire
  svc.now.t += 1000
  assert.is((await request(svc.url, 'POST', '/v3/signals', {body: [signal(ATTACKER, svc.now.t - 500)], token: tokens[2]})).status, 200)
  const pass = await svc.job.tick()
  assert.is(pass.promoted, 1)
  // more than the 10 s a PostgreSQL service looks back at each delta (a pass may commit after a pull began)
  svc.now.t += 11_000
  const delta = await request(svc.url, 'GET', '/v3/decisions/stream?startup=false', {token: sshAgent})
  assert.is(delta.status, 200)
  assert.is(delta.body.new.length, 1)
  assert.is(delta.body.new[0].scenario, SSH)
  assert.is(delta.body.new[0].scope, 'ip')
  assert.is(delta.body.new[0].decisions[0].value, ATTACKER)
  assert.match(delta.body.new[0].decisions[0].duration, /^7[01]h\d+m\d+s$/)
  const again = await request(svc.url, 'GET', '/v3/decisions/stream', {token: sshAgent})
  assert.equal(again.body.new, [], 'nothing new since the last pull')
  // CrowdSec 1.4 pulls /v2: the Local API's shape, origin CAPI
  const v2 = await request(svc.url, 'GET', '/v2/decisions/stream?startup=true', {token: sshAgent})
  assert.is(v2.body.new.length, 1)
  const d = v2.body.new[0]
  assert.equal({...d, duration: typeof d.duration}, {duration: 'string', id: 1, origin: 'CAPI', scenario: SSH, scope: 'Ip', type: 'ban', value: ATTACKER})
  assert.equal(v2.body.deleted, [])
  // tailored: an agent running other scenarios does not get it
  const other = await request(svc.url, 'GET', '/v3/decisions/stream?startup=true', {token: httpAgent})
  assert.equal(other.body.new, [])
  // 73 hours later without fresh evidence the entry expires: a delta tells it deleted
  svc.now.t += 73 * 3600_000
  const fresh = await login(svc.url, 'pull-ssh', '14.0.4.5', [SSH], 'v2')
  assert.is((await svc.job.tick()).expired, 1)
  const gone = await request(svc.url, 'GET', '/v3/decisions/stream?startup=false', {token: fresh})
  assert.equal(gone.body.new, [])
  assert.equal(gone.body.deleted, [{scope: 'ip', decisions: [ATTACKER]}])
})

test('ASes from [enrich] geoip_asn_db: k networks in fewer than k ASes are not enough', async () => {
  await svc.close()
  const db = path.join(os.tmpdir(), `crowd-cti-asn-${process.pid}.mmdb`)
  fs.writeFileSync(db, asnDatabase([['11.0.1.0/24', 64500], ['12.0.2.0/24', 64500], ['13.0.3.0/24', 64501], ['14.0.4.0/24', 64502]]))
  try {
    svc = await startTestService({asnDb: db})
    const t0 = svc.now.t
    const tokens: string[] = []
    for (const [id, from] of [['a1', '11.0.1.5'], ['a2', '12.0.2.5'], ['a3', '13.0.3.5'], ['a4', '14.0.4.5']]) tokens.push(await watcher(svc.url, id!, from!, [SSH]))
    assert.equal((await svc.store.watchers()).map((w) => w.asn), [64500, 64500, 64501, 64502])
    for (const token of tokens.slice(0, 3)) await request(svc.url, 'POST', '/v3/signals', {body: [signal(ATTACKER, t0 - 1000)], token})
    assert.is((await svc.job.tick()).promoted, 0, '3 networks, 2 ASes')
    await request(svc.url, 'POST', '/v3/signals', {body: [signal(ATTACKER, t0 - 1000)], token: tokens[3]})
    assert.is((await svc.job.tick()).promoted, 1, '4 networks, 3 ASes')
    assert.equal([(await svc.store.fireEntry(ATTACKER))?.evidence.networks, (await svc.store.fireEntry(ATTACKER))?.evidence.asns], [4, 3])
  } finally {
    fs.rmSync(db, {force: true})
  }
})

test('a large blocklist is gzipped for clients that accept it', async () => {
  const token = await watcher(svc.url, 'gz', '11.0.1.5', [SSH])
  const t = svc.now.t
  await svc.store.takeLease('consensus', 'seed', t, t + 60_000)
  const upserts = Array.from({length: 600}, (_, i) => ({value: `45.34.${i >> 8}.${i & 255}`, scope: 'Ip' as const, scenario: SSH, promotedAt: t, lastEvidenceAt: t, expiresAt: t + 3600_000, evidence: {}}))
  await svc.store.saveConsensus({now: t, lease: {name: 'consensus', holder: 'seed', until: t + 60_000}, upserts, expired: [], reporters: [], quarantine: [], purgeDeletedBefore: 0})
  const raw = await new Promise<{encoding: string | undefined; body: Buffer}>((resolve, reject) => {
    http.get(new URL('v3/decisions/stream?startup=true', svc.url), {headers: {Authorization: `Bearer ${token}`, 'Accept-Encoding': 'gzip'}, agent: false}, (res) => {
      const chunks: Buffer[] = []
      res.on('data', (c: Buffer) => chunks.push(c)).on('end', () => resolve({encoding: res.headers['content-encoding'], body: Buffer.concat(chunks)}))
    }).on('error', reject)
  })
  assert.is(raw.encoding, 'gzip')
  const body = JSON.parse(gunzipSync(raw.body).toString('utf8'))
  assert.is(body.new[0].decisions.length, 600)
  const plain = await request(svc.url, 'GET', '/v3/decisions/stream?startup=true', {token})
  assert.is(plain.body.new[0].decisions.length, 600, 'without Accept-Encoding: plain JSON')
})

test('many machine ids from one network count once; a tainted hash never counts', async () => {
  const t0 = svc.now.t
  for (let i = 0; i < 6; i++) {
    const token = await watcher(svc.url, `sybil-${i}`, `16.0.6.${10 + i}`, [SSH])
    await request(svc.url, 'POST', '/v3/signals', {body: [signal(ATTACKER, t0 - 1000)], token})
  }
  // two honest networks with tainted scenarios
  for (const [id, from] of [['t1', '17.0.7.5'], ['t2', '18.0.8.5']]) {
    const token = await watcher(svc.url, id!, from!, [SSH])
    await request(svc.url, 'POST', '/v3/signals', {body: [signal(ATTACKER, t0 - 1000, SSH, sha('tainted'), '0.2')], token})
  }
  assert.is((await svc.job.tick()).promoted, 0)
  assert.equal(await svc.store.activeFire(svc.now.t), [])
  const why = await explainFromStore(svc.store, ATTACKER, {params: {k: 3, trustNewReporters: true}, neverBan: loadNeverBan([]), now: svc.now.t})
  assert.is(why.state, 'smoke')
  assert.is(why.signals, 8)
  assert.equal({reporters: why.evidence?.reporters, counting: why.evidence?.counting, networks: why.evidence?.networks}, {reporters: 2, counting: 2, networks: 1})
})

test('canaries: a reporter of a benign canary never counts again (its network quarantined); a probe reported is a confirmation', async () => {
  await svc.close()
  const canaries = {benign: new Set(['45.33.66.6']), malicious: new Set(['45.33.66.7'])}
  svc = await startTestService({canaries})
  const t0 = svc.now.t
  const tokens: string[] = []
  for (const [id, from] of [['liar', '11.0.1.5'], ['h2', '12.0.2.5'], ['h3', '13.0.3.5']]) tokens.push(await watcher(svc.url, id!, from!, [SSH]))
  const neighbour = await watcher(svc.url, 'liar-neighbour', '11.0.1.6', [SSH])
  await request(svc.url, 'POST', '/v3/signals', {body: [signal('45.33.66.6', t0 - 1000)], token: tokens[0]})
  await request(svc.url, 'POST', '/v3/signals', {body: [signal('45.33.66.7', t0 - 1000)], token: tokens[1]})
  for (const token of [...tokens, neighbour]) await request(svc.url, 'POST', '/v3/signals', {body: [signal(ATTACKER, t0 - 1000)], token})
  assert.is((await svc.job.tick()).promoted, 0, 'the liar and its network do not count: 2 networks of 3')
  const state = await svc.store.reporterState()
  assert.equal(state.reporters.filter((r) => r.liar).map((r) => r.machineId), ['liar'])
  assert.is(state.reporters.find((r) => r.machineId === 'h2')?.confirmed, 1)
  assert.equal(state.quarantine.map((q) => q.network), ['11.0.1.0/24'])
  const why = await explainFromStore(svc.store, ATTACKER, {params: {k: 3, trustNewReporters: true}, neverBan: loadNeverBan([]), canaries, now: svc.now.t})
  assert.equal(why.evidence?.notCounting, {liar: 1, quarantined: 1})
  const canary = await explainFromStore(svc.store, '45.33.66.6', {params: {k: 3}, neverBan: loadNeverBan([]), canaries, now: svc.now.t})
  assert.is(canary.state, 'canary')
})

test('flood: a watcher, a network and an API key over their rate limits get 429', async () => {
  await svc.close()
  svc = await startTestService({rateLimits: {watcher: {burst: 5, perSecond: 0}, network: {burst: 4, perSecond: 0}, apiKey: {burst: 3, perSecond: 0}}})
  const token = await watcher(svc.url, 'f1', '11.0.1.5', [SSH])
  const codes: number[] = []
  for (let i = 0; i < 7; i++) codes.push((await request(svc.url, 'POST', '/v3/signals', {body: [signal(ATTACKER, svc.now.t)], token})).status)
  assert.equal(codes, [200, 200, 200, 200, 200, 429, 429])
  // registrations and logins from one network (f1 used 2 of 4)
  const net: number[] = []
  for (let i = 0; i < 3; i++) net.push((await request(svc.url, 'POST', '/v3/watchers', {body: {machine_id: `n${i}`, password: 'x'}, from: '11.0.1.77'})).status)
  assert.equal(net, [201, 201, 429])
  const key = await apiKey(svc)
  const smoke: number[] = []
  for (let i = 0; i < 4; i++) smoke.push((await request(svc.url, 'GET', `/v2/smoke/${ATTACKER}`, {headers: {'X-Api-Key': key}})).status)
  assert.equal(smoke, [200, 200, 200, 429])
})

test('CTI API: smoke of one and many, 404 when unknown, fire pages with _links, keys checked', async () => {
  const key = await apiKey(svc)
  const t0 = svc.now.t
  const tokens: string[] = []
  for (const [id, from] of [['c1', '11.0.1.5'], ['c2', '12.0.2.5'], ['c3', '13.0.3.5']]) tokens.push(await watcher(svc.url, id!, from!, [SSH]))
  for (const token of tokens) await request(svc.url, 'POST', '/v3/signals', {body: [signal(ATTACKER, t0 - 1000), signal('45.33.2.1', t0 - 1000), signal('45.33.2.2', t0 - 1000)], token})
  await request(svc.url, 'POST', '/v3/signals', {body: [signal('45.33.9.9', t0 - 1000)], token: tokens[0]})
  assert.is((await svc.job.tick()).promoted, 3)
  const h = {'X-Api-Key': key}
  assert.is((await request(svc.url, 'GET', `/v2/smoke/${ATTACKER}`)).status, 403)
  assert.is((await request(svc.url, 'GET', `/v2/smoke/${ATTACKER}`, {headers: {'X-Api-Key': 'wrong'}})).status, 403)
  const one = await request(svc.url, 'GET', `/v2/smoke/${ATTACKER}`, {headers: h})
  assert.is(one.status, 200, one.text)
  assert.is(one.body.ip, ATTACKER)
  assert.is(one.body.ip_range, '45.33.1.0/24')
  assert.is(one.body.reputation, 'malicious')
  assert.is(one.body.classifications.classifications[0].name, 'community-blocklist')
  assert.equal(one.body.behaviors.map((b: {name: string}) => b.name), [SSH])
  assert.equal(one.body.reports, {signals: 3, reporters: 3})
  const smoke = await request(svc.url, 'GET', '/v2/smoke/45.33.9.9', {headers: h})
  assert.is(smoke.body.reputation, 'suspicious')
  assert.equal(smoke.body.classifications.classifications, [])
  const missing = await request(svc.url, 'GET', '/v2/smoke/8.8.4.4', {headers: h})
  assert.is(missing.status, 404)
  assert.is((await request(svc.url, 'GET', '/v2/smoke/not-an-ip', {headers: h})).status, 400)
  assert.is((await request(svc.url, 'GET', '/v2/smoke/%E0%A4%A', {headers: h})).status, 400)
  const many = await request(svc.url, 'GET', `/v2/smoke?ips=${ATTACKER},8.8.4.4,45.33.9.9`, {headers: h})
  assert.is(many.body.total, 2)
  assert.is(many.body.not_found, 1)
  assert.equal(many.body.items.map((i: {ip: string}) => i.ip), [ATTACKER, '45.33.9.9'])
  const p1 = await request(svc.url, 'GET', '/v2/fire?limit=2', {headers: h})
  assert.is(p1.status, 200, p1.text)
  assert.is(p1.body.items.length, 2)
  assert.is(p1.body.total, 3)
  assert.equal(p1.body._links, {first: {href: '/v2/fire?page=1&limit=2'}, self: {href: '/v2/fire?page=1&limit=2'}, prev: null, next: {href: '/v2/fire?page=2&limit=2'}})
  assert.is(p1.body.items[0].state, 'validated')
  assert.type(p1.body.items[0].expiration, 'string')
  const p2 = await request(svc.url, 'GET', '/v2/fire?page=2&limit=2&since=1h', {headers: h})
  assert.is(p2.body.items.length, 1)
  assert.is(p2.body._links.next, null)
  assert.equal(p2.body._links.prev, {href: '/v2/fire?page=1&limit=2&since=1h'})
  assert.is((await request(svc.url, 'GET', '/v2/fire?limit=0', {headers: h})).status, 400)
  assert.is((await request(svc.url, 'GET', '/v2/fire?since=whenever', {headers: h})).status, 400)
})

test('a new leader replays the window: no double credit, promoted_at kept', async () => {
  const t0 = svc.now.t
  for (const [id, from] of [['l1', '11.0.1.5'], ['l2', '12.0.2.5'], ['l3', '13.0.3.5']]) {
    const token = await watcher(svc.url, id!, from!, [SSH])
    await request(svc.url, 'POST', '/v3/signals', {body: [signal(ATTACKER, t0 - 1000)], token})
  }
  assert.is((await svc.job.tick()).promoted, 1)
  const entry = await svc.store.fireEntry(ATTACKER)
  const state = await svc.store.reporterState()
  // the leader stops; another replica takes over after the lease
  await svc.job.stop()
  const {ConsensusJob} = await import('../../../src/cti/service/consensus-job.js')
  const {loadNeverBan} = await import('../../../src/cti/service/service.js')
  svc.now.t += 60_000
  const next = new ConsensusJob({store: svc.store, params: {k: 3, trustNewReporters: true}, neverBan: loadNeverBan([]), holder: 'replica-b', intervalMs: 60_000, settleMs: 0, logger: {error() {}, warn() {}, info() {}, debug() {}}, clock: () => svc.now.t})
  const r = await next.tick()
  assert.is(r.leader, true)
  assert.is(r.ingested, 3)
  assert.is((await svc.store.fireEntry(ATTACKER))?.promotedAt, entry?.promotedAt)
  assert.equal((await svc.store.reporterState()).reporters, state.reporters)
  // a third replica waits while the lease is held; a writer without the lease writes nothing
  const third = new ConsensusJob({store: svc.store, params: {k: 3, trustNewReporters: true}, neverBan: loadNeverBan([]), holder: 'replica-c', intervalMs: 60_000, settleMs: 0, logger: {error() {}, warn() {}, info() {}, debug() {}}, clock: () => svc.now.t})
  assert.equal(await third.tick(), {leader: false, ingested: 0, promoted: 0, expired: 0})
  const fenced = await svc.store.saveConsensus({now: svc.now.t, lease: {name: 'consensus', holder: 'replica-c', until: svc.now.t + 1}, upserts: [], expired: [], reporters: [], quarantine: [], purgeDeletedBefore: 0}).then(() => 'written', (e: Error) => e.message)
  assert.match(fenced, 'no longer holds')
  // the leader goes silent: once its lease ran out, the third takes over
  svc.now.t += 3600_000
  assert.is((await third.tick()).leader, true)
  assert.is((await next.tick()).leader, false)
  await third.stop()
  await next.stop()
})

test.run()
