/**
 * The hooks that hand stored alerts to the CTI client: a watch committing to the local store
 * (StoreAgentSink.useAlertsHook, kept when profiles are reloaded or notifications attached) and
 * LapiOperations.postAlerts (the alerts as stored, after profiles; a failing hook never fails the post).
 */
import {test} from 'uvu'
import * as assert from 'uvu/assert'
import {StoreAgentSink} from '../../../src/lapi/agent-sink.js'
import {LapiOperations, type StoredAlert} from '../../../src/lapi/operations.js'
import {LapiProfiles} from '../../../src/lapi/profiles.js'
import {Alert, Source} from '../../../src/model/alert.js'
import {silentLogger} from '../../../src/model/logger.js'
import {openStore} from '../../../src/store/open.js'

function modelAlert(ip: string): Alert {
  const a = new Alert()
  a.Scenario = 'crowdsecurity/ssh-bf'
  a.ScenarioHash = 'h'
  a.ScenarioVersion = '0.1'
  a.Message = `Ip ${ip} performed 'crowdsecurity/ssh-bf'`
  a.StartAt = '2026-03-02T09:59:00Z'
  a.StopAt = '2026-03-02T10:00:00Z'
  a.Remediation = true
  a.Source = new Source({Scope: 'Ip', Value: ip, IP: ip})
  return a
}

test('a watch on the local store: each commit hands its stored alerts to the hook, also after a profiles reload and with notifications', async () => {
  const store = await openStore({engine: 'sqlite', target: ':memory:'})
  const seen: StoredAlert[] = []
  const sink = new StoreAgentSink(store, new LapiOperations(store, new LapiProfiles(undefined, silentLogger), silentLogger), 'host1', 'watch/host1')
  try {
    sink.useAlertsHook((alerts) => {
      seen.push(...alerts)
    })
    await sink.commit([modelAlert('192.0.2.1')], {state: '{}', rows: {full: false, upserts: [], deletes: []}})
    sink.useProfiles(undefined, silentLogger)
    sink.useNotifications({owner: 'o', serves: () => true, queued: () => {}})
    await sink.commit([modelAlert('192.0.2.2')], {state: '{}', rows: {full: false, upserts: [], deletes: []}})
    assert.equal(seen.map((s) => [s.record.machineId, s.record.source.value, s.record.decisions.length, s.alert.Decisions?.[0]?.Duration]),
      [['host1', '192.0.2.1', 1, '4h'], ['host1', '192.0.2.2', 1, '4h']])
    assert.equal(seen.map((s) => typeof s.id), ['number', 'number'])
  } finally {
    await sink.close()
  }
})

test('postAlerts: a hook that throws is logged, the alerts stay stored', async () => {
  const store = await openStore({engine: 'sqlite', target: ':memory:'})
  const warnings: string[] = []
  const ops = new LapiOperations(store, new LapiProfiles(undefined, silentLogger), {...silentLogger, warn: (m) => warnings.push(m)}, Date.now, {
    onAlertsStored: () => {
      throw new Error('queue unavailable')
    },
  })
  try {
    const result = await ops.postAlerts([JSON.parse(JSON.stringify(modelAlert('192.0.2.3')))], 'm1')
    assert.is(result.ids.length, 1)
    assert.is((await store.queryAlerts({}, Date.now())).length, 1)
    assert.match(warnings.join('\n'), /queue unavailable/)
  } finally {
    await store.close()
  }
})

test.run()
