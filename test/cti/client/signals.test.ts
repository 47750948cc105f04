/**
 * Which alerts are shared and as what (notifications-and-cti.md §7.1, §7.2), without a server: the
 * trust level of each hash/version/origin combination, each console option's effect and reason,
 * and the signal of a record alone (durations from `until`, context only when asked).
 */
import {test} from 'uvu'
import * as assert from 'uvu/assert'
import {scenarioTrust, shareDecision, toSignal, type ShareOptions} from '../../../src/cti/client/signals.js'
import type {NewAlert, NewDecision} from '../../../src/store/types.js'

const T = Date.parse('2026-03-02T10:00:00Z')
const decision = (origin: string, until = T + 4 * 3600_000): NewDecision =>
  ({uuid: 'd1', origin, type: 'ban', scope: 'Ip', value: '192.0.2.1', scenario: 'crowdsecurity/ssh-bf', simulated: false, until})

function record(over: Partial<NewAlert> = {}): NewAlert {
  return {
    uuid: 'a1', machineId: 'watcher1', scenario: 'crowdsecurity/ssh-bf', scenarioHash: 'h', scenarioVersion: '0.3', message: 'm', eventsCount: 6,
    startAt: T - 3000, stopAt: T, capacity: 5, leakspeed: '10s', simulated: false, remediation: true, kind: 'crowdsec',
    source: {scope: 'Ip', value: '192.0.2.1', ip: '192.0.2.1', range: '', asNumber: '', asName: '', cn: '', latitude: 0, longitude: 0},
    events: [{timestamp: T, meta: [{key: 'log', value: 'a raw line'}]}], meta: [{key: 'target_user', value: 'root'}], decisions: [decision('crowdsec')],
    ...over,
  }
}

const DEFAULTS: ShareOptions = {sharing: true, shareManualDecisions: false, shareCustom: true, shareTainted: true, shareContext: false}

test('trust: custom without hash, tainted without version or with "?", certified, manual when the first decision came from cscli', () => {
  assert.is(scenarioTrust(record({scenarioHash: ''})), 'custom')
  assert.is(scenarioTrust(record({scenarioVersion: ''})), 'tainted')
  assert.is(scenarioTrust(record({scenarioVersion: '?'})), 'tainted')
  assert.is(scenarioTrust(record()), 'certified')
  assert.is(scenarioTrust(record({scenarioHash: '', decisions: [decision('cscli')]})), 'manual')
  assert.is(scenarioTrust(record({decisions: [decision('crowdsec'), decision('cscli')]})), 'certified')
  assert.is(scenarioTrust(record({decisions: []})), 'certified')
})

test('each option, and its reason; simulated never; sharing off never', () => {
  assert.equal(shareDecision(record(), DEFAULTS), {share: true, trust: 'certified'})
  assert.equal(shareDecision(record({decisions: []}), DEFAULTS), {share: true, trust: 'certified'}, 'alerts without decisions are shared too')
  assert.match(shareDecision(record({simulated: true}), DEFAULTS).reason!, /simulated/)
  assert.match(shareDecision(record(), {...DEFAULTS, sharing: false}).reason!, /sharing = false/)
  assert.match(shareDecision(record({decisions: [decision('cscli')]}), DEFAULTS).reason!, /share_manual_decisions/)
  assert.ok(shareDecision(record({decisions: [decision('cscli')]}), {...DEFAULTS, shareManualDecisions: true}).share)
  assert.match(shareDecision(record({scenarioHash: ''}), {...DEFAULTS, shareCustom: false}).reason!, /share_custom/)
  assert.match(shareDecision(record({scenarioVersion: '?'}), {...DEFAULTS, shareTainted: false}).reason!, /share_tainted/)
  assert.ok(shareDecision(record(), {...DEFAULTS, shareCustom: false, shareTainted: false}).share, 'certified is always shared')
})

test('a signal from the record alone: times in RFC 3339, durations from until, no events; context as key/value pairs only when asked', () => {
  const s = toSignal({record: record()}, 'certified', false)
  assert.equal(s.decisions, [{duration: '4h0m0s', id: 0, origin: 'crowdsec', scenario: 'crowdsecurity/ssh-bf', scope: 'Ip', type: 'ban', uuid: 'd1', value: '192.0.2.1'}])
  assert.equal([s.start_at, s.stop_at, s.machine_id, s.context], ['2026-03-02T09:59:57Z', '2026-03-02T10:00:00Z', 'watcher1', null])
  assert.equal(s.source, {ip: '192.0.2.1', scope: 'Ip', value: '192.0.2.1'})
  assert.not.ok(JSON.stringify(s).includes('a raw line'))
  assert.equal(toSignal({record: record()}, 'certified', true).context, [{key: 'target_user', value: 'root'}])
  assert.is(toSignal({record: record({meta: []})}, 'certified', true).context, null)
})

test.run()
