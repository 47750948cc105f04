/**
 * alertFromJson, the inverse of Alert.toJSON: a model alert survives its JSON (what the notification
 * queue stores), and the JSON crowd's commands print (`alerts list --json`: ids, countdowns, null
 * events; `scan --json`: decisions with until) reads back with Go's zero values where fields lack.
 */
import {test} from 'uvu'
import * as assert from 'uvu/assert'
import {Alert, Decision, EventEntry, MetaItem, Source} from '../../src/model/alert.js'
import {alertFromJson} from '../../src/model/alert-json.js'

function full(): Alert {
  const a = new Alert()
  Object.assign(a, {
    Capacity: 5, CreatedAt: '2026-07-24T10:00:01Z', EventsCount: 6, ID: 12, Kind: 'crowdsec', Labels: ['a'], Leakspeed: '10s', MachineID: 'm1',
    Message: 'Ip 192.0.2.1 performed x', Remediation: true, Scenario: 'crowdsecurity/ssh-bf', ScenarioHash: 'h', ScenarioVersion: '0.3', Simulated: true,
    StartAt: '2026-07-24T09:59:57Z', StopAt: '2026-07-24T10:00:00Z', UUID: 'u-1',
  })
  a.Source = new Source({Scope: 'Ip', Value: '192.0.2.1', IP: '192.0.2.1', Range: '192.0.2.0/24', AsName: 'EXAMPLE', AsNumber: '64500', Cn: 'FR', Latitude: 48.8, Longitude: 2.3})
  a.Events = [new EventEntry('2026-07-24T10:00:00Z', [new MetaItem('source_ip', '192.0.2.1'), new MetaItem('', 'no key')])]
  a.Meta = [new MetaItem('context', 'v')]
  a.Decisions = [new Decision({Duration: '4h', ID: 3, Origin: 'crowdsec', Scenario: 's', Scope: 'Ip', Simulated: true, Type: 'ban', Until: '2026-07-24T14:00:00Z', UUID: 'd-1', Value: '192.0.2.1'})]
  return a
}

test('every field survives its JSON', () => {
  const a = full()
  const back = alertFromJson(JSON.parse(JSON.stringify(a)))
  assert.is(JSON.stringify(back), JSON.stringify(a))
  assert.equal([back.Source.GetValue(), back.GetMeta('context'), back.Events[0]!.GetMeta('source_ip'), back.Decisions![0]!.Until], ['192.0.2.1', 'v', '192.0.2.1', '2026-07-24T14:00:00Z'])
})

test('zero values: no decisions key is nil decisions, null events are none, missing source is the zero Source', () => {
  const back = alertFromJson({scenario: 's', events: null, machine_id: 'N/A', decisions: [{duration: '3h59m58s', id: 4, value: '1.2.3.4'}], capacity: 'x'})
  assert.equal([back.Scenario, back.Events, back.MachineID, back.Capacity, back.Source.Value, back.Labels], ['s', [], 'N/A', 0, '', null])
  assert.equal(back.Decisions!.map((d) => [d.Duration, d.ID, d.Value, d.Type]), [['3h59m58s', 4, '1.2.3.4', '']])
  assert.is(alertFromJson({}).Decisions, null)
})

test('not an object: a TypeError', () => {
  for (const bad of [null, [], 'x', 3]) assert.throws(() => alertFromJson(bad), TypeError)
})

test.run()
