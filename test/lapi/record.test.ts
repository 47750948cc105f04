/** `crowd scan --record` (src/lapi/record.ts): alerts posted as a watcher would, idempotently. */
import {test} from 'uvu'
import * as assert from 'uvu/assert'
import {LocalApi, RemoteApi} from '../../src/lapi/client.js'
import {LapiOperations} from '../../src/lapi/operations.js'
import {LapiProfiles} from '../../src/lapi/profiles.js'
import {alertUuid} from '../../src/model/alert-uuid.js'
import {recordAlerts} from '../../src/lapi/record.js'
import {Alert, Decision, EventEntry, MetaItem, Source} from '../../src/model/alert.js'
import {silentLogger} from '../../src/model/logger.js'
import {addMachine, memoryStore, startTestLapi, T0} from './harness.js'

function scanAlert(ip: string, withDecision: boolean): Alert {
  const a = new Alert()
  a.Scenario = 'crowd/ssh-bf'
  a.ScenarioHash = 'h'
  a.ScenarioVersion = '1'
  a.Message = `${ip} brute-forced ssh`
  a.EventsCount = 5
  a.StartAt = '2026-03-02T09:00:00Z'
  a.StopAt = '2026-03-02T09:05:00Z'
  a.Capacity = 5
  a.Leakspeed = '10s'
  a.Remediation = true
  a.Source = new Source({Scope: 'Ip', Value: ip, IP: ip})
  a.Events = [new EventEntry('2026-03-02T09:01:00Z', [new MetaItem('source_ip', ip)])]
  if (withDecision) a.Decisions = [new Decision({Duration: '1h', Origin: 'crowdsec', Scenario: 'crowd/ssh-bf', Scope: 'Ip', Type: 'ban', Value: ip})]
  return a
}

test('recordAlerts: decisions kept as the scan decided, profiles for the rest; recording twice stores once', async () => {
  const store = await memoryStore()
  const api = new LocalApi(store, new LapiOperations(store, new LapiProfiles(undefined, silentLogger), silentLogger, () => T0), 'ci')
  const alerts = [scanAlert('192.0.2.1', true), scanAlert('192.0.2.2', false)]
  const first = await recordAlerts(api, alerts)
  assert.equal(first, {target: api.target, alerts: 2, decisions: 1, ids: ['1', '2']})
  const again = await recordAlerts(api, alerts)
  assert.equal(again.ids, ['1', '2'])
  const stored = await store.queryAlerts({}, T0)
  assert.is(stored.length, 2)
  const byValue = Object.fromEntries(stored.map((a) => [a.source.value, a]))
  assert.is(byValue['192.0.2.1']!.uuid, alertUuid(alerts[0]!))
  assert.equal(byValue['192.0.2.1']!.decisions!.map((d) => [d.origin, d.until - Date.parse('2026-03-02T09:05:00Z')]), [['crowdsec', 3_600_000]])
  assert.equal(byValue['192.0.2.2']!.decisions!.map((d) => [d.origin, d.until - Date.parse('2026-03-02T09:05:00Z')]), [['crowdsec', 4 * 3_600_000]], 'default profiles: 4h')
  assert.is(alertUuid(scanAlert('192.0.2.1', true)), alertUuid(alerts[0]!), 'stable across runs')
  assert.is.not(alertUuid(scanAlert('192.0.2.3', true)), alertUuid(alerts[0]!))
  assert.match(alertUuid(alerts[0]!), /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/)
  await store.close()
})

test('recordAlerts through a remote LAPI: the same, posted as the configured machine', async () => {
  const t = await startTestLapi()
  try {
    await addMachine(t, 'ci', 'pw')
    const api = new RemoteApi({url: t.url, machineId: 'ci', password: 'pw'})
    const alerts = Array.from({length: 60}, (_, i) => scanAlert(`198.51.100.${i + 1}`, i % 2 === 0))
    const r = await recordAlerts(api, alerts)
    assert.is(r.ids.length, 60)
    assert.is(r.decisions, 30)
    assert.equal((await recordAlerts(api, alerts)).ids, r.ids)
    assert.is((await t.store.queryAlerts({limit: 0}, T0)).length, 60)
    assert.is((await t.store.getMachine('ci'))!.lastPush, T0)
  } finally {
    await t.close()
  }
})

test.run()
