/** RemoteApi (what the commands use with [lapi.credentials]) against an in-process server. */
import {test} from 'uvu'
import * as assert from 'uvu/assert'
import {RemoteApi} from '../../src/lapi/client.js'
import {addDecision, deleteDecisions, listDecisions} from '../../src/lapi/decisions-admin.js'
import {CrowdError} from '../../src/model/errors.js'
import {addMachine, apiKey, bouncerKey, H, request, startTestLapi, T0, type TestLapi, testLapis, rejectsWith} from './harness.js'

const startTestLapis = testLapis(test)
async function lapi(options: Parameters<typeof startTestLapi>[0] = {}): Promise<TestLapi> {
  const t = await startTestLapis(options)
  await addMachine(t, 'cli1', 'pw')
  return t
}


test('RemoteApi: login, add/list/delete decisions and alerts through the LAPI; the data lands in its store', async () => {
  const t = await lapi()
  const key = await bouncerKey(t)
  const api = new RemoteApi({url: t.url.replace(/\/$/, ''), machineId: 'cli1', password: 'pw'})
  assert.is(api.target, t.url)
  assert.is(await api.login(), '2026-03-02T11:00:00Z')
  assert.equal(await api.listAlerts(new URLSearchParams()), [], 'null becomes []')
  const added = await addDecision(api, {ip: '192.0.2.7', duration: '1h'}, 'cli1', T0)
  assert.is(added.alert_id, '1')
  assert.match((await request(t, 'GET', '/v1/decisions?ip=192.0.2.7', {headers: apiKey(key)})).text, '"duration":"1h0m0s"')
  assert.equal((await listDecisions(api, {})).map((d) => [d.value, d.duration, d.origin]), [['192.0.2.7', '1h0m0s', 'cscli']])
  const [alert] = await api.listAlerts(new URLSearchParams())
  assert.is(alert!.machine_id, 'cli1')
  assert.is(alert!.kind, 'cscli')
  assert.equal(await api.getAlert('1'), alert)
  assert.equal(await deleteDecisions(api, {ip: '192.0.2.7'}), {deleted: 1})
  await rejectsWith(api.getAlert('99'), 'not-found')
  await rejectsWith(api.deleteDecision('99'), 'not-found')
  await rejectsWith(api.getAlert('x'), 'usage')
  await rejectsWith(api.listAlerts(new URLSearchParams('bogus=1')), 'lapi', '500')
  assert.is(await api.deleteAlert('1'), 1)
})

test('RemoteApi: logs in again once when its token expires', async () => {
  const t = await lapi()
  const api = new RemoteApi({url: t.url, machineId: 'cli1', password: 'pw'})
  await api.listAlerts(new URLSearchParams())
  t.clock.now = T0 + 2 * H
  assert.equal(await api.listAlerts(new URLSearchParams()), [])
  assert.is((await t.store.getMachine('cli1'))!.version, 'v0.1.0', 'crowd/<version> as User-Agent')
  t.clock.now = T0
})

test('RemoteApi: wrong password, unreachable LAPI, untrusted delete => CrowdError lapi (exit 4)', async () => {
  const t = await lapi({config: {trustedIps: ['10.0.0.1']}})
  await rejectsWith(new RemoteApi({url: t.url, machineId: 'cli1', password: 'nope'}).login(), 'lapi', "login to http://127.0.0.1:")
  await rejectsWith(new RemoteApi({url: t.url, machineId: 'cli1', password: 'nope'}).listAlerts(new URLSearchParams()), 'lapi', 'incorrect Username or Password')
  await rejectsWith(new RemoteApi({url: 'http://127.0.0.1:9/', machineId: 'x', password: 'y'}, 2000).login(), 'lapi', 'cannot reach the Local API')
  const api = new RemoteApi({url: t.url, machineId: 'cli1', password: 'pw'})
  await rejectsWith(api.deleteAlerts(new URLSearchParams()), 'lapi', 'access forbidden from this IP (127.0.0.1)')
})

test.run()
