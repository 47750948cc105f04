import {test} from 'uvu'
import * as assert from 'uvu/assert'
import {Alert, Decision, EventEntry, MetaItem, RuntimeAlert, Source} from '../../src/model/alert.js'

test('Source Scope/Value cells are shared by sharedCopy, IP is not', () => {
  const src = new Source({Scope: 'Ip', Value: '2001:db8::1', IP: '2001:db8::1'})
  const copy = src.sharedCopy()
  copy.Value = '2001:db8::/64'
  copy.Scope = 'Range'
  copy.IP = 'changed'
  assert.is(src.GetValue(), '2001:db8::/64')
  assert.is(src.GetScope(), 'Range')
  assert.is(src.Value, '2001:db8::/64')
  assert.is(src.IP, '2001:db8::1')
  assert.ok(Object.hasOwn(src, 'Scope') && Object.hasOwn(src, 'Value'))
})

test('Source JSON omits empty fields, keeps scope and value', () => {
  assert.equal(JSON.parse(JSON.stringify(new Source({Scope: 'Ip', Value: '1.2.3.4', IP: '1.2.3.4'}))),
    {ip: '1.2.3.4', scope: 'Ip', value: '1.2.3.4'})
  assert.equal(JSON.parse(JSON.stringify(new Source({Scope: 'Ip', Value: '1.2.3.4', IP: '1.2.3.4', Range: '1.2.0.0/16', AsNumber: '123',
    AsName: 'X', Cn: 'FR', Latitude: 1.5, Longitude: -2}))),
  {as_name: 'X', as_number: '123', cn: 'FR', ip: '1.2.3.4', latitude: 1.5, longitude: -2, range: '1.2.0.0/16', scope: 'Ip', value: '1.2.3.4'})
})

test('Alert getters and LAPI JSON shape', () => {
  const a = new Alert()
  a.Scenario = 'crowdsecurity/ssh-bf'
  a.EventsCount = 6
  a.Capacity = 5
  a.Leakspeed = '10s'
  a.Kind = 'crowdsec'
  a.Remediation = true
  a.Source = new Source({Scope: 'Ip', Value: '35.188.49.176', IP: '35.188.49.176'})
  a.Events = [new EventEntry('2026-02-12T14:10:21Z', [new MetaItem('source_ip', '35.188.49.176')])]
  assert.is(a.GetScenario(), 'crowdsecurity/ssh-bf')
  assert.is(a.GetScope(), 'Ip')
  assert.is(a.GetValue(), '35.188.49.176')
  assert.is(a.GetEventsCount(), 6)
  assert.is(a.Events[0]!.GetMeta('source_ip'), '35.188.49.176')
  assert.is(a.Events[0]!.GetMeta('nope'), '')
  const json = JSON.parse(JSON.stringify(a)) as Record<string, unknown>
  assert.equal(Object.keys(json), ['capacity', 'decisions', 'events', 'events_count', 'kind', 'labels', 'leakspeed', 'message',
    'remediation', 'scenario', 'scenario_hash', 'scenario_version', 'simulated', 'source', 'start_at', 'stop_at'])
  assert.equal(json.events, [{meta: [{key: 'source_ip', value: '35.188.49.176'}], timestamp: '2026-02-12T14:10:21Z'}])
  assert.is(json.decisions, null)
  assert.is(json.labels, null)
})

test('RuntimeAlert.GetSources lists keys; Sources is null-prototype', () => {
  const r = new RuntimeAlert()
  r.Sources['1.2.3.4'] = new Source({Scope: 'Ip', Value: '1.2.3.4'})
  r.Sources['__proto__'] = new Source({Scope: 'Ip', Value: 'x'})
  assert.equal(r.GetSources(), ['1.2.3.4', '__proto__'])
  assert.is(Object.getPrototypeOf(r.Sources), null)
})

test('Decision JSON key order and omitempty', () => {
  const d = new Decision({Duration: '4h', Origin: 'crowdsec', Scenario: 's', Scope: 'Ip', Type: 'ban', Value: '1.2.3.4'})
  assert.equal(Object.keys(JSON.parse(JSON.stringify(d))), ['duration', 'origin', 'scenario', 'scope', 'type', 'value'])
})

test.run()
