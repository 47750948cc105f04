/** Alerts and decision admin over HTTP (lapi.md §4): POST/GET/DELETE /v1/alerts, DELETE /v1/decisions. */
import * as fs from 'node:fs'
import * as os from 'node:os'
import * as path from 'node:path'
import {test} from 'uvu'
import * as assert from 'uvu/assert'
import {agentAlert, apiKey, bearer, bouncerKey, H, machineToken, manualAlert, postAlerts, request, startTestLapi, T0, type TestLapi, testLapis} from './harness.js'

const startTestLapis = testLapis(test)
async function lapi(options: Parameters<typeof startTestLapi>[0] = {}): Promise<{t: TestLapi; token: string; key: string}> {
  const t = await startTestLapis(options)
  return {t, token: await machineToken(t), key: await bouncerKey(t)}
}
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'crowd-lapi-alerts-'))

type Json = Record<string, any>
const getAlerts = async (t: TestLapi, token: string, query = ''): Promise<{status: number; text: string; body: Json[] | null}> => {
  const r = await request(t, 'GET', `/v1/alerts${query}`, {headers: bearer(token)})
  return {status: r.status, text: r.text, body: r.status === 200 ? r.json<Json[] | null>() : null}
}
const liveDecisions = async (t: TestLapi, key: string, query = ''): Promise<string> => (await request(t, 'GET', `/v1/decisions${query}`, {headers: apiKey(key)})).text

test('POST /v1/alerts: 201 with ids as strings; default profiles ban the source for 4h from stop_at; machine last_push', async () => {
  const {t, token, key} = await lapi()
  const ids = await postAlerts(t, token, [agentAlert('192.0.2.1', T0), agentAlert('192.0.2.2', T0 - 30 * 60_000), agentAlert('192.0.2.3', T0, {remediation: false})])
  assert.equal(ids, ['1', '2', '3'])
  assert.is(await liveDecisions(t, key, '?ip=192.0.2.1'),
    '[{"duration":"4h0m0s","id":1,"origin":"crowdsec","scenario":"crowdsecurity/ssh-bf","scope":"Ip","type":"ban","value":"192.0.2.1"}]')
  assert.match(await liveDecisions(t, key, '?ip=192.0.2.2'), '"duration":"3h30m0s"')
  assert.is(await liveDecisions(t, key, '?ip=192.0.2.3'), 'null', 'no remediation, no decision')
  assert.is((await t.store.getMachine('agent1'))!.lastPush, T0)
  const empty = await request(t, 'POST', '/v1/alerts', {headers: bearer(token), body: []})
  assert.is(empty.status, 201)
  assert.is(empty.text, '[]')
})

test('POST /v1/alerts: a replayed old alert gives a decision born expired', async () => {
  const {t, token, key} = await lapi()
  const old = Date.parse('2020-01-01T00:00:00Z')
  const [id] = await postAlerts(t, token, [agentAlert('192.0.2.9', old)])
  assert.is(await liveDecisions(t, key, '?ip=192.0.2.9'), 'null')
  const alert = (await request(t, 'GET', `/v1/alerts/${id}`, {headers: bearer(token)})).json<Json>()
  assert.match(alert.decisions[0].duration, /^-\d+h\d+m\d+s$/)
  assert.is(alert.decisions[0].duration, `-${(T0 - old) / H - 4}h0m0s`)
  const stream = await request(t, 'GET', '/v1/decisions/stream?startup=true', {headers: apiKey(key)})
  assert.match(stream.text, /"deleted": \[\{"duration":"-/)
})

test('POST /v1/alerts: manual alerts keep their decisions as sent (no profiles), until = stop_at + duration', async () => {
  const {t, token, key} = await lapi()
  await postAlerts(t, token, [
    manualAlert('Ip', '192.0.2.10', '24h', T0, {type: 'captcha'}),
    manualAlert('Range', '198.51.100.0/24', '1d12h', T0 - H),
    manualAlert('Country', 'XX', '7d', T0),
  ])
  assert.is(await liveDecisions(t, key, '?ip=192.0.2.10'),
    `[{"duration":"24h0m0s","id":1,"origin":"cscli","scenario":"manual 'captcha' from 'localhost'","scope":"Ip","type":"captcha","value":"192.0.2.10"}]`)
  assert.match(await liveDecisions(t, key, '?ip=198.51.100.77'), '"duration":"35h0m0s","id":2,"origin":"cscli"')
  assert.match(await liveDecisions(t, key, '?scopes=country'), '"duration":"168h0m0s","id":3,"origin":"cscli","scenario":"manual \'ban\' from \'localhost\'","scope":"Country","type":"ban","value":"XX"')
  // invalid IP decisions are dropped; an alert left without any is not stored (its id is not returned)
  const ids = await postAlerts(t, token, [manualAlert('Ip', 'not-an-ip', '4h', T0)])
  assert.equal(ids, [])
})

test('POST /v1/alerts: bad JSON 400, wrong types 400, missing fields 500 with names, unknown fields ignored, gzip accepted', async () => {
  const {t, token, key} = await lapi()
  const post = (body: unknown, headers: Record<string, string> = {}) => request(t, 'POST', '/v1/alerts', {headers: {...bearer(token), ...headers}, body})
  const garbage = await post('[{"scenario": ')
  assert.is(garbage.status, 400)
  assert.ok(typeof garbage.json<Json>().message === 'string')
  assert.is((await post({not: 'an array'})).status, 400)
  assert.is((await post([agentAlert('192.0.2.1', T0, {events_count: 'six'})])).status, 400)
  const missing = agentAlert('192.0.2.1', T0)
  delete missing.leakspeed
  const r = await post([missing])
  assert.is(r.status, 500)
  assert.match(r.json<Json>().message, '0.leakspeed in body is required')
  assert.is((await post([agentAlert('192.0.2.1', T0, {future_field: {a: 1}, source: {scope: 'ip', value: '192.0.2.1', extra: 1}})])).status, 201)
  assert.match(await liveDecisions(t, key, '?ip=192.0.2.1'), '"scope":"Ip"')
  const {gzipSync} = await import('node:zlib')
  const zipped = await post(gzipSync(JSON.stringify([agentAlert('192.0.2.44', T0)])), {'Content-Encoding': 'gzip'})
  assert.is(zipped.status, 201, zipped.text)
  assert.match(await liveDecisions(t, key, '?ip=192.0.2.44'), '"value":"192.0.2.44"')
  assert.is((await post(Buffer.from('not gzip at all'), {'Content-Encoding': 'gzip'})).status, 400)
  assert.is((await post('[]', {'Content-Encoding': 'br'})).status, 415)
})

test('POST /v1/alerts: a profile that errors without on_error => 500 and nothing stored; with on_error: continue the alert is stored', async () => {
  const profile = (onError: string): string => {
    const file = path.join(tmp, `profiles-${onError || 'unset'}.yaml`)
    fs.writeFileSync(file, `name: fragile\nfilters:\n  - Alert.Events[5].Timestamp == ""\ndecisions:\n  - type: ban\n    duration: 4h\n${onError ? `on_error: ${onError}\n` : ''}`)
    return file
  }
  const {t, token} = await lapi({profiles: profile('')})
  const r = await request(t, 'POST', '/v1/alerts', {headers: bearer(token), body: [manualAlert('Ip', '192.0.2.5', '4h', T0), agentAlert('192.0.2.6', T0)]})
  assert.is(r.status, 500)
  assert.match(r.json<Json>().message, 'index out of range')
  assert.is((await getAlerts(t, token)).text, 'null', 'nothing stored, not even the manual alert of the same request')

  const {t: t2, token: token2, key: key2} = await lapi({profiles: profile('continue')})
  assert.equal(await postAlerts(t2, token2, [agentAlert('192.0.2.6', T0)]), ['1'])
  assert.is(await liveDecisions(t2, key2), 'null', 'stored without decisions')
})

test('profiles (§9): first matching profile with decisions wins, filters OR-ed (two matches => two copies), duration_expr, origin suffix, scope override', async () => {
  const file = path.join(tmp, 'profiles-rich.yaml')
  fs.writeFileSync(file, [
    'name: notify_only\nfilters:\n  - Alert.GetScenario() contains "ssh"\non_success: continue\n',
    'name: twice\nfilters:\n  - Alert.GetValue() == "192.0.2.1"\n  - Alert.Source.Cn == "FR"\ndecisions:\n  - type: ban\n    duration: 1h\n    origin: lists\non_success: break\n',
    'name: by_expr\nfilters:\n  - Alert.GetValue() == "192.0.2.2"\ndecisions:\n  - type: captcha\n    duration: 1h\n    scope: Range\nduration_expr: Sprintf("%dh", 2 + 1)\n',
    'name: never_reached_for_ssh\nfilters:\n  - true\ndecisions:\n  - type: ban\n    duration: 9h\n',
  ].join('---\n'))
  const {t, token, key} = await lapi({profiles: file})
  await postAlerts(t, token, [agentAlert('192.0.2.1', T0), agentAlert('192.0.2.2', T0, {source: {scope: 'Ip', value: '192.0.2.2', cn: 'DE'}}), agentAlert('192.0.2.3', T0, {source: {scope: 'Ip', value: '192.0.2.3', cn: 'DE'}})])
  const all = JSON.parse(await liveDecisions(t, key, '?simulated=true')) as Json[]
  assert.equal(all.map((d) => [d.value, d.type, d.scope, d.origin, d.duration]), [
    ['192.0.2.1', 'ban', 'Ip', 'crowdsec/lists', '1h0m0s'],
    ['192.0.2.1', 'ban', 'Ip', 'crowdsec/lists', '1h0m0s'],
    ['192.0.2.2', 'captcha', 'Range', 'crowdsec', '3h0m0s'],
    ['192.0.2.3', 'ban', 'Ip', 'crowdsec', '9h0m0s'],
  ])
})

test('GET /v1/alerts: null when empty; LAPI shape with nested decisions (simulated), event timestamps in Go format', async () => {
  const {t, token} = await lapi()
  const empty = await request(t, 'GET', '/v1/alerts', {headers: bearer(token)})
  assert.is(empty.status, 200)
  assert.is(empty.text, 'null')
  assert.is(empty.headers['content-type'], 'application/json; charset=utf-8')
  await postAlerts(t, token, [agentAlert('192.0.2.1', T0 - 60_000, {simulated: true, meta: [{key: 'context', value: 'x'}]})])
  const [a] = (await getAlerts(t, token)).body!
  assert.equal(a, {
    capacity: 5, created_at: '2026-03-02T10:00:00Z',
    decisions: [{duration: '3h59m0s', id: 1, origin: 'crowdsec', scenario: 'crowdsecurity/ssh-bf', scope: 'Ip', simulated: true, type: 'ban', value: '192.0.2.1'}],
    events: [{meta: [{key: 'source_ip', value: '192.0.2.1'}, {key: 'target_user', value: 'root'}], timestamp: '2026-03-02 09:58:30 +0000 UTC'}],
    events_count: 6, id: 1, kind: '', labels: null, leakspeed: '10s', machine_id: 'agent1', message: "Ip 192.0.2.1 performed 'crowdsecurity/ssh-bf'",
    meta: [{key: 'context', value: 'x'}], remediation: true, scenario: 'crowdsecurity/ssh-bf', scenario_hash: 'h', scenario_version: '0.1', simulated: true,
    source: {as_name: 'EXAMPLE', as_number: '64500', cn: 'FR', ip: '192.0.2.1', scope: 'Ip', value: '192.0.2.1'},
    start_at: '2026-03-02T09:58:00Z', stop_at: '2026-03-02T09:59:00Z', uuid: a!.uuid,
  })
  assert.match(a!.uuid, /^[0-9a-f-]{36}$/)
  const one = await request(t, 'GET', '/v1/alerts/1', {headers: bearer(token)})
  assert.is(one.status, 200)
  assert.equal(one.json(), a)
  const head = await request(t, 'HEAD', '/v1/alerts', {headers: bearer(token)})
  assert.is(head.status, 200)
  assert.is(head.text, '')
  assert.is((await request(t, 'HEAD', '/v1/alerts/1', {headers: bearer(token)})).status, 200)
})

test('GET /v1/alerts/{id}: non-integer 400, unknown 404', async () => {
  const {t, token} = await lapi()
  const bad = await request(t, 'GET', '/v1/alerts/abc', {headers: bearer(token)})
  assert.is(bad.status, 400)
  assert.equal(bad.json(), {message: 'alert_id must be valid integer'})
  const missing = await request(t, 'GET', '/v1/alerts/999', {headers: bearer(token)})
  assert.is(missing.status, 404)
  assert.equal(missing.json(), {message: 'object not found'})
})

test('GET /v1/alerts: filters', async () => {
  const {t, token} = await lapi()
  await postAlerts(t, token, [
    agentAlert('192.0.2.1', T0 - 2 * H),
    agentAlert('192.0.2.2', T0, {scenario: 'crowdsecurity/http-probing', simulated: true}),
    agentAlert('192.0.2.3', T0, {remediation: false}),
    manualAlert('Range', '10.0.0.0/8', '1h', T0 - 2 * H),
    manualAlert('Country', 'XX', '4h', T0, {type: 'captcha', origin: 'CAPI'}),
  ])
  const ids = async (query: string): Promise<number[]> => {
    const r = await getAlerts(t, token, query)
    assert.is(r.status, 200, `${query}: ${r.text}`)
    return (r.body ?? []).map((a) => a.id).sort((x: number, y: number) => x - y)
  }
  assert.equal(await ids(''), [1, 2, 3, 4, 5])
  assert.equal(await ids('?scenario=crowdsecurity/http-probing'), [2])
  assert.equal(await ids('?ip=192.0.2.1'), [1])
  assert.equal(await ids('?ip=10.1.2.3'), [4], 'inside the range decision')
  assert.equal(await ids('?range=10.0.0.0/16'), [4])
  assert.equal(await ids('?range=10.0.0.0/8&contains=false'), [4])
  assert.equal(await ids('?range=192.0.2.0/24&contains=false'), [1, 2])
  assert.equal(await ids('?scope=range'), [4])
  assert.equal(await ids('?value=XX'), [5])
  assert.equal(await ids('?has_active_decision=true'), [1, 2, 5], 'the 1h range ban of two hours ago expired')
  assert.equal(await ids('?has_active_decision=false'), [3])
  assert.equal(await ids('?simulated=false'), [1, 3, 4, 5])
  assert.equal(await ids('?decision_type=captcha'), [5])
  assert.equal(await ids('?include_capi=false'), [1, 2, 3, 4])
  assert.equal(await ids('?origin=CAPI&include_capi=false'), [5])
  assert.equal(await ids('?since=1h'), [2, 3, 5])
  assert.equal(await ids('?until=1h'), [1, 4])
  assert.equal(await ids('?kind=cscli'), [4, 5])
  assert.equal((await getAlerts(t, token, '?limit=2')).body!.map((a) => a.id), [5, 4], 'newest first')
  assert.equal((await getAlerts(t, token, '?limit=2&sort=ASC')).body!.map((a) => a.id), [1, 2])
  assert.is((await getAlerts(t, token, '?with_decisions=false&limit=1')).body![0]!.decisions, null)
  for (const bad of ['?foo=1', '?ip=nope', '?since=forever', '?contains=maybe', '?alert_source=x']) {
    const r = await getAlerts(t, token, bad)
    assert.is(r.status, 500, bad)
    assert.ok(typeof (JSON.parse(r.text) as Json).message === 'string')
  }
  assert.match((await getAlerts(t, token, '?foo=1')).text, "filter parameter 'foo' is unknown")
})

test('SQL-looking filter values match nothing and break nothing', async () => {
  const {t, token, key} = await lapi()
  await postAlerts(t, token, [agentAlert('192.0.2.1', T0)])
  const evil = encodeURIComponent("' OR '1'='1")
  const drop = encodeURIComponent("x'); DROP TABLE decisions; --")
  assert.is((await getAlerts(t, token, `?scenario=${evil}`)).text, 'null')
  assert.is((await getAlerts(t, token, `?value=${drop}`)).text, 'null')
  assert.is(await liveDecisions(t, key, `?value=${evil}`), 'null')
  assert.is(await liveDecisions(t, key, `?scopes=${evil}`), 'null')
  assert.is(await liveDecisions(t, key, `?scenarios_containing=${encodeURIComponent('%')}`), 'null', 'LIKE wildcards are escaped')
  assert.is(await liveDecisions(t, key, `?type=${drop}`), 'null')
  const del = await request(t, 'DELETE', `/v1/decisions?value=${evil}`, {headers: bearer(token)})
  assert.equal(del.json(), {nbDeleted: '0'})
  assert.is((await request(t, 'GET', `/v1/decisions?ip=${evil}`, {headers: apiKey(key)})).status, 500)
  assert.match(await liveDecisions(t, key), '"value":"192.0.2.1"', 'everything still there')
  assert.is((await getAlerts(t, token)).body!.length, 1)
})

test('DELETE /v1/alerts: trusted IPs only (403 otherwise); nbDeleted as a string; decisions go with their alerts', async () => {
  const {t, token, key} = await lapi()
  await postAlerts(t, token, [agentAlert('192.0.2.1', T0), agentAlert('192.0.2.2', T0), agentAlert('192.0.2.3', T0)])
  const one = await request(t, 'DELETE', '/v1/alerts/1', {headers: bearer(token)})
  assert.is(one.status, 200)
  assert.is(one.text, '{"nbDeleted":"1"}')
  const again = await request(t, 'DELETE', '/v1/alerts/1', {headers: bearer(token)})
  assert.is(again.status, 500, 'by-id on a missing id is a 500 (quirk)')
  assert.is((await request(t, 'DELETE', '/v1/alerts/x', {headers: bearer(token)})).status, 400)
  assert.is((await request(t, 'DELETE', '/v1/alerts?alert_source=x', {headers: bearer(token)})).status, 500)
  const byIp = await request(t, 'DELETE', '/v1/alerts?ip=192.0.2.2', {headers: bearer(token)})
  assert.is(byIp.text, '{"nbDeleted":"1"}')
  assert.is(await liveDecisions(t, key, '?ip=192.0.2.2'), 'null', 'the decision went with its alert')
  assert.match(await liveDecisions(t, key), '192.0.2.3')
  assert.is((await request(t, 'DELETE', '/v1/alerts', {headers: bearer(token)})).text, '{"nbDeleted":"1"}', 'no filter: all')
  assert.is(await liveDecisions(t, key), 'null')
  assert.is((await request(t, 'DELETE', '/v1/alerts', {headers: {}})).status, 401, 'JWT first')

  const {t: far, token: farToken} = await lapi({config: {trustedIps: ['10.0.0.1', '::1']}})
  await postAlerts(far, farToken, [agentAlert('192.0.2.1', T0)])
  for (const p of ['/v1/alerts', '/v1/alerts/1']) {
    const r = await request(far, 'DELETE', p, {headers: bearer(farToken)})
    assert.is(r.status, 403)
    assert.is(r.text, '{"message":"access forbidden from this IP (127.0.0.1)"}')
  }
  assert.is((await getAlerts(far, farToken)).body!.length, 1)
})

test('DELETE /v1/decisions: `scope` is a 500, `scopes` works; expires (not deletes); nbDeleted as a string; by id', async () => {
  const {t, token, key} = await lapi()
  await postAlerts(t, token, [agentAlert('192.0.2.1', T0), agentAlert('192.0.2.2', T0), manualAlert('Country', 'XX', '4h', T0)])
  const wrong = await request(t, 'DELETE', '/v1/decisions?scope=Country', {headers: bearer(token)})
  assert.is(wrong.status, 500)
  const byScope = await request(t, 'DELETE', '/v1/decisions?scopes=country', {headers: bearer(token)})
  assert.is(byScope.status, 200)
  assert.is(byScope.text, '{"nbDeleted":"1"}')
  assert.is((await request(t, 'DELETE', '/v1/decisions?scopes=country', {headers: bearer(token)})).text, '{"nbDeleted":"0"}', 'already expired')
  assert.is((await request(t, 'DELETE', '/v1/decisions?ip=192.0.2.1', {headers: bearer(token)})).text, '{"nbDeleted":"1"}')
  // until = now: at this very millisecond it is still (barely) active; a second later it is gone
  t.clock.now += 1000
  assert.is(await liveDecisions(t, key, '?ip=192.0.2.1'), 'null')
  // expired, not deleted: the alert still shows it, with a negative countdown
  const alert = (await getAlerts(t, token, '?value=192.0.2.1')).body![0]!
  assert.is(alert.decisions[0].duration, '-1s')

  const badId = await request(t, 'DELETE', '/v1/decisions/abc', {headers: bearer(token)})
  assert.is(badId.status, 400)
  assert.equal(badId.json(), {message: 'decision_id must be valid integer'})
  assert.is((await request(t, 'DELETE', '/v1/decisions/999', {headers: bearer(token)})).status, 500)
  const byId = await request(t, 'DELETE', '/v1/decisions/2', {headers: bearer(token)})
  assert.is(byId.text, '{"nbDeleted":"1"}')
  t.clock.now += 1000
  assert.is(await liveDecisions(t, key), 'null')
  assert.is((await request(t, 'DELETE', '/v1/decisions', {headers: apiKey(key)})).status, 401, 'a bouncer key is not a JWT')
})

test('DELETE /v1/decisions without filter expires every active decision', async () => {
  const {t, token, key} = await lapi()
  await postAlerts(t, token, [agentAlert('192.0.2.1', T0), agentAlert('192.0.2.2', T0, {simulated: true})])
  assert.is((await request(t, 'DELETE', '/v1/decisions', {headers: bearer(token)})).text, '{"nbDeleted":"2"}')
  t.clock.now += 1000
  assert.is(await liveDecisions(t, key, '?simulated=true'), 'null')
})

test('retention (flushNow): alerts older than max_age go unless a decision of theirs is still active', async () => {
  const {t, token} = await lapi()
  await postAlerts(t, token, [agentAlert('192.0.2.1', T0), manualAlert('Ip', '192.0.2.2', '30d', T0), agentAlert('192.0.2.3', T0, {remediation: false})])
  t.clock.now = T0 + 8 * 24 * H
  await t.server.flushNow({maxAge: 7 * 24 * H})
  assert.equal((await t.store.queryAlerts({}, t.clock.now)).map((a) => a.id), [2])
  t.clock.now = T0
})

test.run()
