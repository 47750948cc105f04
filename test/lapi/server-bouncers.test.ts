/** Bouncers over HTTP (lapi.md §2.1, §5): API keys, live decisions, the stream. */
import {test} from 'uvu'
import * as assert from 'uvu/assert'
import {agentAlert, apiKey, bearer, bouncerKey, H, machineToken, manualAlert, postAlerts, request, startTestLapi, T0, type TestLapi, testLapis} from './harness.js'

const startTestLapis = testLapis(test)
async function lapi(options: Parameters<typeof startTestLapi>[0] = {}): Promise<{t: TestLapi; token: string; key: string}> {
  const t = await startTestLapis(options)
  return {t, token: await machineToken(t), key: await bouncerKey(t)}
}

const get = (t: TestLapi, path: string, headers: Record<string, string>) => request(t, 'GET', path, {headers})
const bouncer = async (t: TestLapi, name = 'fw') => (await t.store.listBouncers()).find((b) => b.name === name)

test('API key: missing or wrong => 403 {"message":"access forbidden"} on every bouncer route', async () => {
  const {t, key} = await lapi()
  for (const path of ['/v1/decisions', '/v1/decisions/stream']) {
    for (const headers of [{} as Record<string, string>, {'X-Api-Key': ''}, {'X-Api-Key': key + 'x'}, {'X-Api-Key': key.toLowerCase()}]) {
      for (const method of ['GET', 'HEAD']) {
        const r = await request(t, method, path, {headers})
        assert.is(r.status, 403, `${method} ${path}`)
        if (method === 'GET') assert.is(r.text, '{"message":"access forbidden"}')
      }
    }
  }
  assert.is((await get(t, '/v1/decisions', {Authorization: 'Bearer x'})).status, 403, 'a JWT is not an API key')
})

test('GET /v1/decisions: literal null when empty, an array otherwise; first use records IP, type and version', async () => {
  const {t, token, key} = await lapi()
  const empty = await get(t, '/v1/decisions', apiKey(key))
  assert.is(empty.status, 200)
  assert.is(empty.text, 'null')
  assert.is(empty.headers['content-type'], 'application/json; charset=utf-8')
  const b = (await bouncer(t))!
  assert.is(b.ipAddress, '127.0.0.1')
  assert.is(b.type, 'cs-firewall-bouncer')
  assert.is(b.version, 'v0.0.31')
  assert.is(b.lastPull, T0)
  await postAlerts(t, token, [agentAlert('192.0.2.1', T0), agentAlert('192.0.2.2', T0)])
  t.clock.now = T0 + 1400
  const r = await get(t, '/v1/decisions', apiKey(key))
  assert.is(r.text, '[{"duration":"3h59m59s","id":1,"origin":"crowdsec","scenario":"crowdsecurity/ssh-bf","scope":"Ip","type":"ban","value":"192.0.2.1"},' +
    '{"duration":"3h59m59s","id":2,"origin":"crowdsec","scenario":"crowdsecurity/ssh-bf","scope":"Ip","type":"ban","value":"192.0.2.2"}]')
  // a UA that is not name/version: type = the whole UA, version N/A
  await get(t, '/v1/decisions', apiKey(key, 'lua-bouncer'))
  const after = (await bouncer(t))!
  assert.is(after.type, 'lua-bouncer')
  assert.is(after.version, 'N/A')
  t.clock.now = T0
})

test('GET /v1/decisions: ip / range / contains, scopes normalised, origins, type, scenarios, simulated excluded unless asked, bad ip 500', async () => {
  const {t, token, key} = await lapi()
  await postAlerts(t, token, [
    agentAlert('192.0.2.1', T0),
    manualAlert('Range', '198.51.100.0/24', '4h', T0),
    manualAlert('Country', 'XX', '4h', T0, {type: 'captcha'}),
    agentAlert('192.0.2.2', T0, {simulated: true, scenario: 'crowdsecurity/http-probing'}),
    manualAlert('Ip', '2001:db8::1', '4h', T0),
  ])
  const values = async (query: string): Promise<string[]> => {
    const r = await get(t, `/v1/decisions${query}`, apiKey(key))
    assert.is(r.status, 200, `${query}: ${r.text}`)
    return ((JSON.parse(r.text) as {value: string}[] | null) ?? []).map((d) => d.value)
  }
  assert.equal(await values(''), ['192.0.2.1', '198.51.100.0/24', 'XX', '2001:db8::1'])
  assert.equal(await values('?ip=192.0.2.1'), ['192.0.2.1'])
  assert.equal(await values('?ip=198.51.100.77'), ['198.51.100.0/24'])
  assert.equal(await values('?range=198.51.100.64/26'), ['198.51.100.0/24'])
  assert.equal(await values('?range=198.51.0.0/16'), [])
  assert.equal(await values('?range=198.51.0.0/16&contains=false'), ['198.51.100.0/24'])
  assert.equal(await values('?range=192.0.2.0/24&contains=0'), ['192.0.2.1'])
  assert.equal(await values('?ip=2001:db8::1'), ['2001:db8::1'])
  assert.equal(await values('?range=2001:db8::/32&contains=false'), ['2001:db8::1'])
  assert.equal(await values('?ip=::ffff:192.0.2.1'), ['192.0.2.1'], 'IPv4-mapped IPv6 is IPv4')
  assert.equal(await values('?scopes=COUNTRY'), ['XX'])
  assert.equal(await values('?scope=range'), ['198.51.100.0/24'])
  assert.equal(await values('?scopes=ip,range'), ['192.0.2.1', '198.51.100.0/24', '2001:db8::1'])
  assert.equal(await values('?type=captcha'), ['XX'])
  assert.equal(await values('?origins=cscli'), ['198.51.100.0/24', 'XX', '2001:db8::1'])
  assert.equal(await values('?origins=crowdsec,cscli&value=XX'), ['XX'])
  assert.equal(await values('?scenarios_containing=SSH'), ['192.0.2.1'])
  assert.equal(await values('?scenarios_not_containing=manual'), ['192.0.2.1'])
  assert.equal(await values('?simulated=false'), ['192.0.2.1', '198.51.100.0/24', 'XX', '2001:db8::1'])
  assert.equal(await values('?simulated=true&ip=192.0.2.2'), ['192.0.2.2'])
  assert.equal(await values('?ip=192.0.2.2'), [], 'simulated excluded by default')
  assert.equal(await values('?limit=2'), ['192.0.2.1', '198.51.100.0/24'])
  assert.equal(await values('?limit=2&offset=2'), ['XX', '2001:db8::1'])
  assert.equal(await values('?unknown=1'), ['192.0.2.1', '198.51.100.0/24', 'XX', '2001:db8::1'], 'unknown parameters ignored')
  for (const bad of ['?ip=999.0.0.1', '?range=10.0.0.0/99', '?contains=perhaps']) {
    const r = await get(t, `/v1/decisions${bad}`, apiKey(key))
    assert.is(r.status, 500, bad)
    assert.ok(typeof r.json<{message: string}>().message === 'string')
  }
})

test('HEAD /v1/decisions and /v1/decisions/stream: 200 empty, no last_pull, no IP/UA update; GET records last_pull once a minute', async () => {
  const {t, key} = await lapi()
  for (const path of ['/v1/decisions', '/v1/decisions/stream', '/v1/decisions?ip=192.0.2.1']) {
    const r = await request(t, 'HEAD', path, {headers: apiKey(key)})
    assert.is(r.status, 200, path)
    assert.is(r.text, '')
  }
  let b = (await bouncer(t))!
  assert.is(b.lastPull, null)
  assert.is(b.ipAddress, '')
  assert.is(b.type, '')
  await get(t, '/v1/decisions', apiKey(key))
  assert.is((await bouncer(t))!.lastPull, T0)
  t.clock.now = T0 + 30_000
  await get(t, '/v1/decisions', apiKey(key))
  assert.is((await bouncer(t))!.lastPull, T0, 'not again within the minute')
  t.clock.now = T0 + 61_000
  await get(t, '/v1/decisions', apiKey(key))
  assert.is((await bouncer(t))!.lastPull, T0 + 61_000)
  t.clock.now = T0 + 120_000
  await request(t, 'HEAD', '/v1/decisions', {headers: apiKey(key)})
  b = (await bouncer(t))!
  assert.is(b.lastPull, T0 + 61_000)
  t.clock.now = T0
})

test('one key on several hosts: the first IP takes the row, another IP gets a `name@ip` clone sharing the key', async () => {
  const {t, key} = await lapi({config: {useForwardedForHeaders: true, trustedProxies: ['127.0.0.1']}})
  const from = (ip: string, method = 'GET') => request(t, method, '/v1/decisions', {headers: {...apiKey(key), 'X-Forwarded-For': ip}})
  assert.is((await from('198.51.100.1')).status, 200)
  assert.equal((await t.store.listBouncers()).map((b) => [b.name, b.ipAddress]), [['fw', '198.51.100.1']])
  assert.is((await from('198.51.100.2')).status, 200)
  assert.is((await from('198.51.100.2')).status, 200)
  assert.is((await from('198.51.100.1')).status, 200)
  assert.is((await from('198.51.100.3', 'HEAD')).status, 200, 'HEAD creates nothing')
  const rows = (await t.store.listBouncers()).map((b) => [b.name, b.ipAddress, b.type]).sort()
  assert.equal(rows, [['fw', '198.51.100.1', 'cs-firewall-bouncer'], ['fw@198.51.100.2', '198.51.100.2', 'cs-firewall-bouncer']])
  // a third host, through a chain of proxies: the right-most untrusted address is the client
  assert.is((await from('10.9.9.9, 198.51.100.4, 127.0.0.1')).status, 200)
  assert.ok((await t.store.listBouncers()).some((b) => b.name === 'fw@198.51.100.4'))
  // the clone's name is based on the original name, never fw@a@b
  const clone = (await t.store.listBouncers()).find((b) => b.name === 'fw@198.51.100.2')!
  assert.is(clone.apiKeyHash, (await bouncer(t))!.apiKeyHash)
  // deleting the original does not stop the clones
  await t.store.deleteBouncer('fw')
  assert.is((await from('198.51.100.2')).status, 200)
  assert.is((await from('198.51.100.5')).status, 200)
  assert.ok((await t.store.listBouncers()).some((b) => b.name === 'fw@198.51.100.5'), JSON.stringify((await t.store.listBouncers()).map((b) => b.name)))
})

test('stream: exact byte layout, both arrays always present', async () => {
  const {t, key} = await lapi()
  const r = await get(t, '/v1/decisions/stream?startup=true', apiKey(key))
  assert.is(r.status, 200)
  assert.is(r.headers['content-type'], 'application/json')
  assert.is(r.text, '{"new": [], "deleted": []}')
  assert.is((await get(t, '/v1/decisions/stream', apiKey(key))).text, '{"new": [], "deleted": []}')
})

test('stream: startup vs delta with last_pull; deleted after DELETE /v1/decisions; default scopes ip,range', async () => {
  const {t, token, key} = await lapi()
  const stream = async (query = ''): Promise<{new: Record<string, unknown>[]; deleted: Record<string, unknown>[]}> => {
    const r = await get(t, `/v1/decisions/stream${query}`, apiKey(key))
    assert.is(r.status, 200, r.text)
    return r.json()
  }
  const values = (list: Record<string, unknown>[]): unknown[] => list.map((d) => d.value)
  // created 5 s before the first pull: outside the 2 s a delta looks back (sql-store.ts, streamClauses)
  t.clock.now = T0 - 5000
  await postAlerts(t, token, [agentAlert('192.0.2.1', T0), manualAlert('Range', '198.51.100.0/24', '1h', T0), manualAlert('Country', 'XX', '4h', T0)])
  await postAlerts(t, token, [agentAlert('192.0.2.99', Date.parse('2020-01-01T00:00:00Z'))])
  t.clock.now = T0 + 1000
  const first = await get(t, '/v1/decisions/stream?startup=true', apiKey(key))
  const uuid1 = (await t.store.allDecisions({id: 1, includeSimulated: true}))[0]!.uuid
  const uuid2 = (await t.store.allDecisions({id: 2, includeSimulated: true}))[0]!.uuid
  const uuid4 = (await t.store.allDecisions({id: 4, includeSimulated: true}))[0]!.uuid
  assert.is(first.text, '{"new": [' +
    `{"duration":"3h59m59s","id":1,"origin":"crowdsec","scenario":"crowdsecurity/ssh-bf","scope":"Ip","type":"ban","uuid":"${uuid1}","value":"192.0.2.1"},` +
    `{"duration":"59m59s","id":2,"origin":"cscli","scenario":"manual 'ban' from 'localhost'","scope":"Range","type":"ban","uuid":"${uuid2}","value":"198.51.100.0/24"}` +
    '], "deleted": [' +
    `{"duration":"${'-' + ((T0 + 1000 - Date.parse('2020-01-01T04:00:00Z')) / H).toFixed(0)}h0m1s","id":4,"origin":"crowdsec","scenario":"crowdsecurity/ssh-bf","scope":"Ip","type":"ban","uuid":"${uuid4}","value":"192.0.2.99"}` +
    ']}')
  assert.is((await bouncer(t))!.lastPull, T0 + 1000)
  // nothing changed: an empty delta
  t.clock.now = T0 + 10_000
  assert.equal(await stream(), {new: [], deleted: []})
  assert.is((await bouncer(t))!.lastPull, T0 + 10_000)
  // a new decision and a deletion since the last pull
  t.clock.now = T0 + 20_000
  await postAlerts(t, token, [agentAlert('192.0.2.2', T0 + 20_000)])
  assert.is((await request(t, 'DELETE', '/v1/decisions?ip=192.0.2.1', {headers: bearer(token)})).text, '{"nbDeleted":"1"}')
  t.clock.now = T0 + 30_000
  const delta = await stream()
  assert.equal(values(delta.new), ['192.0.2.2'])
  assert.equal(values(delta.deleted), ['192.0.2.1'])
  assert.is(delta.deleted[0]!.duration, '-10s')
  // the Country decision only with scopes=country
  assert.equal(values((await stream('?startup=true&scopes=country')).new), ['XX'])
  // natural expiry shows up in deleted once
  t.clock.now = T0 + H + 5000
  assert.equal(values((await stream()).deleted), ['198.51.100.0/24'])
  t.clock.now = T0 + H + 20_000
  assert.equal(await stream(), {new: [], deleted: []})
  // startup=anything-but-true is a delta
  assert.equal(await stream('?startup=1'), {new: [], deleted: []})
  t.clock.now = T0
})

test('stream: longest decision wins (dedup), dedup=false returns all; simulated excluded', async () => {
  const {t, token, key} = await lapi()
  await postAlerts(t, token, [manualAlert('Ip', '192.0.2.1', '4h', T0), manualAlert('Ip', '192.0.2.1', '8h', T0), manualAlert('Ip', '192.0.2.1', '2h', T0, {type: 'captcha'}),
    manualAlert('Ip', '192.0.2.7', '4h', T0, {simulated: true})])
  const s = async (q: string) => (await get(t, `/v1/decisions/stream?startup=true${q}`, apiKey(key))).json<{new: {id: number; duration: string}[]; deleted: unknown[]}>()
  assert.equal((await s('')).new.map((d) => [d.id, d.duration]), [[2, '8h0m0s'], [3, '2h0m0s']])
  assert.equal((await s('&dedup=false')).new.map((d) => d.id), [1, 2, 3])
  assert.equal((await s('&simulated=true')).new.map((d) => d.id), [2, 3, 4])
  // expiring the longest: the shorter one is not re-sent, and the deletion of the longest is reported
  await request(t, 'DELETE', '/v1/decisions/2', {headers: bearer(token)})
  t.clock.now = T0 + 1000
  const after = await s('')
  assert.equal(after.new.map((d) => d.id), [1, 3], 'startup sends the now-longest active ban')
  assert.equal(after.deleted, [], 'the expired 8h ban is hidden by the longer-lasting 4h one')
  t.clock.now = T0
})

test('stream: deletions within 2 s before the last pull are reported again (overlap); older ones are not', async () => {
  const {t, token, key} = await lapi()
  await postAlerts(t, token, [manualAlert('Ip', '192.0.2.1', '9s', T0), manualAlert('Ip', '192.0.2.2', '5s', T0)])
  const deleted = async (): Promise<unknown[]> => (await get(t, '/v1/decisions/stream', apiKey(key))).json<{deleted: {value: string}[]}>().deleted.map((d) => d.value)
  t.clock.now = T0 + 1000
  await get(t, '/v1/decisions/stream?startup=true', apiKey(key))
  t.clock.now = T0 + 10_000
  assert.equal(await deleted(), ['192.0.2.1', '192.0.2.2'])
  t.clock.now = T0 + 20_000
  assert.equal(await deleted(), ['192.0.2.1'], 'until T0+9s > last pull (T0+10s) - 2s')
  t.clock.now = T0 + 30_000
  assert.equal(await deleted(), [])
  t.clock.now = T0
})

test('stream quirk: a bouncer that pulled the longest ban is told nothing when it is deleted while a shorter one remains', async () => {
  const {t, token, key} = await lapi()
  t.clock.now = T0 - 5000
  await postAlerts(t, token, [manualAlert('Ip', '192.0.2.1', '4h', T0), manualAlert('Ip', '192.0.2.1', '8h', T0)])
  t.clock.now = T0 + 1000
  const first = (await get(t, '/v1/decisions/stream?startup=true', apiKey(key))).json<{new: {id: number}[]}>()
  assert.equal(first.new.map((d) => d.id), [2])
  await request(t, 'DELETE', '/v1/decisions/2', {headers: bearer(token)})
  t.clock.now = T0 + 2000
  assert.is((await get(t, '/v1/decisions/stream', apiKey(key))).text, '{"new": [], "deleted": []}')
  t.clock.now = T0
})

test('stream: thousands of decisions arrive whole (chunked writes joined with commas)', async () => {
  const {t, token, key} = await lapi()
  const decisions = Array.from({length: 3000}, (_, i) => ({duration: '4h', origin: 'cscli-import', scenario: 'bulk', scope: 'Ip', type: 'ban', value: `10.${i >> 16}.${(i >> 8) & 255}.${i & 255}`}))
  await postAlerts(t, token, [{...manualAlert('Ip', '10.0.0.0', '4h', T0), decisions}])
  const r = await get(t, '/v1/decisions/stream?startup=true', apiKey(key))
  assert.ok(r.text.length > 200_000)
  const body = r.json<{new: {id: number; value: string}[]; deleted: unknown[]}>()
  assert.is(body.new.length, 3000)
  assert.equal(body.new.map((d) => d.id), Array.from({length: 3000}, (_, i) => i + 1))
  assert.is(body.new[2999]!.value, '10.0.11.183')
  assert.ok(r.text.startsWith('{"new": [{"duration":"4h0m0s","id":1,"origin":"cscli-import"'))
  assert.ok(r.text.endsWith('"value":"10.0.11.183"}], "deleted": []}'))
  const live = JSON.parse((await get(t, '/v1/decisions', apiKey(key))).text) as unknown[]
  assert.is(live.length, 3000)
})

test.run()
