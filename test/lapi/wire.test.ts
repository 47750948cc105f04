/** The LAPI's JSON in and out (lapi.md §3, §7): decoding with CrowdSec's status codes, storage shape, Go formatting. */
import {test} from 'uvu'
import * as assert from 'uvu/assert'
import {Alert, Decision, EventEntry, MetaItem, Source} from '../../src/model/alert.js'
import type {AlertRecord, DecisionRecord} from '../../src/store/types.js'
import {alertJson, ApiError, boundEventMeta, decisionText, decodeAlerts, goTimeString, jsonString, parseTime, remaining, rfc3339, toNewAlert} from '../../src/lapi/wire.js'

const NOW = Date.parse('2026-03-02T10:00:00Z')
const H = 3600_000

/** A complete alert as the agent posts it. */
function wireAlert(over: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    scenario: 'crowdsecurity/ssh-bf', scenario_hash: 'abc', scenario_version: '0.1', message: 'Ip 192.0.2.7 performed ssh-bf',
    events_count: 6, start_at: '2026-03-02T09:59:00Z', stop_at: '2026-03-02T10:00:00Z', capacity: 5, leakspeed: '10s', simulated: false,
    remediation: true, events: [{timestamp: '2026-03-02T09:59:30Z', meta: [{key: 'source_ip', value: '192.0.2.7'}]}],
    source: {scope: 'ip', value: '192.0.2.7', ip: '192.0.2.7'},
    ...over,
  }
}

function apiError(fn: () => unknown): ApiError {
  try {
    fn()
  } catch (error) {
    assert.instance(error, ApiError)
    return error as ApiError
  }
  assert.unreachable('expected an ApiError')
  throw new Error('unreachable')
}

// ---- decodeAlerts

test('decodeAlerts: a body that is not an array is a 400 bind error', () => {
  for (const body of [{}, 'x', 3, null, true]) {
    const e = apiError(() => decodeAlerts(body))
    assert.is(e.status, 400, JSON.stringify(body))
    assert.match(e.message, 'models.AddAlertsRequest')
  }
  assert.is(apiError(() => decodeAlerts([1])).status, 400)
  assert.is(apiError(() => decodeAlerts([[]])).status, 400)
})

test('decodeAlerts: wrong field types are 400 naming the field', () => {
  const cases: [Record<string, unknown>, string][] = [
    [{scenario: 5}, 'Alert.scenario'],
    [{events_count: '6'}, 'Alert.events_count'],
    [{events_count: 1.5}, 'Alert.events_count'],
    [{capacity: 2 ** 40}, 'Alert.capacity'],
    [{simulated: 'no'}, 'Alert.simulated'],
    [{events: {}}, 'Alert.events'],
    [{source: []}, 'Alert.source'],
    [{source: {scope: 1, value: 'x'}}, 'Source.scope'],
    [{decisions: [{duration: 4, origin: 'x', scenario: 'x', scope: 'Ip', type: 'ban', value: '1.2.3.4'}]}, 'Decision.duration'],
    [{events: [{timestamp: 1, meta: []}]}, 'Event.timestamp'],
  ]
  for (const [over, name] of cases) {
    const e = apiError(() => decodeAlerts([wireAlert(over)]))
    assert.is(e.status, 400, name)
    assert.match(e.message, name)
  }
})

test('decodeAlerts: missing required fields are one 500 validation error listing them all', () => {
  const a = wireAlert()
  delete a.scenario
  a.source = null
  const b = wireAlert({events: null, stop_at: undefined})
  const e = apiError(() => decodeAlerts([wireAlert(), a, b]))
  assert.is(e.status, 500)
  assert.match(e.message, 'validation failure list')
  for (const name of ['1.scenario in body is required', '1.source in body is required', '2.events in body is required', '2.stop_at in body is required']) assert.match(e.message, name)
  assert.not.match(e.message, '0.')
  // decision and event fields too
  const c = apiError(() => decodeAlerts([wireAlert({events: [{timestamp: 'x'}], decisions: [{origin: 'cscli', scenario: 's', scope: 'Ip', type: 'ban', value: '1.2.3.4'}]})]))
  assert.is(c.status, 500)
  assert.match(c.message, '0.events.0.meta in body is required')
  assert.match(c.message, '0.decisions.0.duration in body is required')
})

test('decodeAlerts: empty strings and zeros are accepted, unknown fields ignored, scopes normalised', () => {
  const [a] = decodeAlerts([wireAlert({scenario_hash: '', capacity: 0, events: [], bogus: {deep: [1]},
    decisions: [{duration: '1h', origin: 'cscli', scenario: 's', scope: 'RANGE', type: 'ban', value: '10.0.0.0/8', extra: 1}]})])
  assert.is(a!.ScenarioHash, '')
  assert.is(a!.Capacity, 0)
  assert.equal(a!.Events, [])
  assert.is(a!.Source.Scope, 'Ip')
  assert.is(a!.Decisions![0]!.Scope, 'Range')
  assert.is(decodeAlerts([wireAlert({source: {scope: 'COUNTRY', value: 'FR'}})])[0]!.Source.Scope, 'Country')
  assert.is(decodeAlerts([wireAlert({source: {scope: 'As', value: '123'}})])[0]!.Source.Scope, 'AS')
  assert.is(decodeAlerts([wireAlert({source: {scope: 'username', value: 'root'}})])[0]!.Source.Scope, 'username')
  assert.is(decodeAlerts([wireAlert({decisions: null})])[0]!.Decisions, null)
  assert.equal(decodeAlerts([]), [])
})

// ---- toNewAlert

function modelAlert(decisions: Partial<Decision>[] | null, over: Partial<Alert> = {}): Alert {
  const a = new Alert()
  a.Scenario = 'x/ssh-bf'
  a.StartAt = '2026-03-02T06:00:00Z'
  a.StopAt = '2026-03-02T06:10:00Z'
  a.Source = new Source({Scope: 'Ip', Value: '192.0.2.7', IP: '192.0.2.7'})
  a.Events = []
  a.Decisions = decisions === null ? null : decisions.map((d) => new Decision({Origin: 'cscli', Scenario: 's', Scope: 'Ip', Type: 'ban', Value: '192.0.2.7', Duration: '4h', ...d}))
  Object.assign(a, over)
  return a
}

test('toNewAlert: until = stop_at + duration (days allowed), simulated from the alert, uuids assigned', () => {
  const stop = Date.parse('2026-03-02T06:10:00Z')
  const n = toNewAlert(modelAlert([{Duration: '4h'}, {Duration: '1d12h'}, {Duration: '7d'}, {Duration: '90s', UUID: 'given-uuid'}], {Simulated: true}), 'm1', NOW)!
  assert.equal(n.decisions.map((d) => d.until - stop), [4 * H, 36 * H, 168 * H, 90_000])
  assert.ok(n.decisions.every((d) => d.simulated))
  assert.is(n.decisions[3]!.uuid, 'given-uuid')
  assert.match(n.decisions[0]!.uuid, /^[0-9a-f-]{36}$/)
  assert.is(n.machineId, 'm1')
  assert.is(n.stopAt, stop)
  assert.is(n.startAt, Date.parse('2026-03-02T06:00:00Z'))
  assert.match(n.uuid, /^[0-9a-f-]{36}$/)
})

test('toNewAlert: a replayed old alert gives decisions already expired; unparsable times are now', () => {
  const old = toNewAlert(modelAlert([{Duration: '4h'}], {StopAt: '2020-01-01T00:00:00Z'}), 'm', NOW)!
  assert.ok(old.decisions[0]!.until < NOW)
  const bad = toNewAlert(modelAlert([{Duration: '4h'}], {StartAt: 'yesterday', StopAt: 'garbage'}), 'm', NOW)!
  assert.is(bad.startAt, NOW)
  assert.is(bad.decisions[0]!.until, NOW + 4 * H)
  // RFC 3339 with a fraction and an offset
  assert.is(parseTime('2026-03-02T12:10:00.250+02:00', 0), Date.parse('2026-03-02T10:10:00.250Z'))
  assert.is(parseTime('2026-03-02', 7), 7)
})

test('toNewAlert: decisions whose IP does not parse are discarded; all discarded => null', () => {
  const some = toNewAlert(modelAlert([{Value: 'not-an-ip'}, {Value: '192.0.2.8'}, {Scope: 'Range', Value: '10.0.0.0/33'}, {Scope: 'Country', Value: 'not-an-ip'}]), 'm', NOW)!
  assert.equal(some.decisions.map((d) => d.value), ['192.0.2.8', 'not-an-ip'])
  assert.is(toNewAlert(modelAlert([{Value: 'nope'}, {Scope: 'range', Value: '1.2.3.4/99'}]), 'm', NOW), null)
  // an alert that never had decisions is stored without
  assert.equal(toNewAlert(modelAlert(null), 'm', NOW)!.decisions, [])
  assert.equal(toNewAlert(modelAlert([]), 'm', NOW)!.decisions, [])
})

test('toNewAlert: an unparsable duration is a 500', () => {
  const e = apiError(() => toNewAlert(modelAlert([{Duration: 'forever'}]), 'm', NOW))
  assert.is(e.status, 500)
  assert.match(e.message, 'forever')
})

test('meta bounding (§3.3): event meta JSON at most 8191 chars, long values cut first; alert meta key 255 / value 4095', () => {
  const short = [{key: 'a', value: 'b'}]
  assert.equal(boundEventMeta(short), short)
  const long = [{key: 'big', value: 'x'.repeat(10_000)}, {key: 'small', value: 'y'.repeat(100)}]
  const cut = boundEventMeta(long)
  assert.is(cut[0]!.value, 'x'.repeat(2048) + '<stripped>')
  assert.is(cut[1]!.value, 'y'.repeat(100))
  assert.ok(JSON.stringify(cut).length <= 8191)
  // many values between 2N and 4N: cut with a smaller N
  const many = Array.from({length: 8}, (_, i) => ({key: `k${i}`, value: 'z'.repeat(3000)}))
  const cutMany = boundEventMeta(many)
  assert.ok(JSON.stringify(cutMany).length <= 8191)
  assert.ok(cutMany.every((m) => m.value === 'z'.repeat(512) + '<stripped>'), cutMany[0]!.value.length.toString())
  // too many keys to ever fit: stored empty
  const hopeless = Array.from({length: 2000}, (_, i) => ({key: `key-${i}`, value: 'v'}))
  assert.equal(boundEventMeta(hopeless), [])

  const a = modelAlert(null)
  a.Meta = [new MetaItem('k'.repeat(300), 'v'.repeat(5000))]
  a.Events = [new EventEntry('2026-03-02T06:05:00Z', [new MetaItem('big', 'x'.repeat(10_000))]), new EventEntry('bad', [])]
  const n = toNewAlert(a, 'm', NOW)!
  assert.is(n.meta[0]!.key.length, 255)
  assert.is(n.meta[0]!.value.length, 4095)
  assert.is(n.events[0]!.meta[0]!.value, 'x'.repeat(2048) + '<stripped>')
  assert.is(n.events[0]!.timestamp, Date.parse('2026-03-02T06:05:00Z'))
  assert.is(n.events[1]!.timestamp, NOW)
})

// ---- out

test('remaining(): Go duration format, rounded to the second (halves away from zero), no days, negative when expired', () => {
  const cases: [number, string][] = [
    [4 * H - 1000, '3h59m59s'],
    [4 * H, '4h0m0s'],
    [60_000, '1m0s'],
    [59_000, '59s'],
    [0, '0s'],
    [499, '0s'],
    [-499, '0s'],
    [500, '1s'],
    [-500, '-1s'],
    [1499, '1s'],
    [1500, '2s'],
    [-1500, '-2s'],
    [-63_000, '-1m3s'],
    [-62_600, '-1m3s'],
    [7 * 24 * H - 1000, '167h59m59s'],
    [365 * 24 * H, '8760h0m0s'],
  ]
  for (const [delta, want] of cases) assert.is(remaining(NOW + delta, NOW), want, String(delta))
})

const decision = (over: Partial<DecisionRecord> = {}): DecisionRecord => ({
  id: 42, uuid: '4b1c0000-0000-4000-8000-000000000000', alertId: 1, createdAt: NOW, until: NOW + 4 * H - 2000, origin: 'crowdsec',
  type: 'ban', scope: 'Ip', value: '35.188.49.176', scenario: 'crowdsecurity/ssh-bf', simulated: false, ...over,
})

test('decisionText: Go key order, uuid only in streams and only when set, no until/simulated', () => {
  assert.is(decisionText(decision(), NOW, true),
    '{"duration":"3h59m58s","id":42,"origin":"crowdsec","scenario":"crowdsecurity/ssh-bf","scope":"Ip","type":"ban","uuid":"4b1c0000-0000-4000-8000-000000000000","value":"35.188.49.176"}')
  assert.is(decisionText(decision(), NOW, false),
    '{"duration":"3h59m58s","id":42,"origin":"crowdsec","scenario":"crowdsecurity/ssh-bf","scope":"Ip","type":"ban","value":"35.188.49.176"}')
  assert.is(decisionText(decision({uuid: '', until: NOW - 127_000, origin: 'CAPI', value: '198.51.100.7', id: 17}), NOW, true),
    '{"duration":"-2m7s","id":17,"origin":"CAPI","scenario":"crowdsecurity/ssh-bf","scope":"Ip","type":"ban","value":"198.51.100.7"}')
})

test('decisionText / jsonString: Go escaping (<, >, & as \\u00XX; quotes, control characters, U+2028), valid JSON', () => {
  const text = decisionText(decision({scenario: `manual 'ban' <from> "a&b"\n\u2028é`}), NOW, false)
  assert.match(text, String.raw`"scenario":"manual 'ban' \u003cfrom\u003e \"a\u0026b\"\n\u2028é"`)
  assert.is(JSON.parse(text).scenario, `manual 'ban' <from> "a&b"\n\u2028é`)
  assert.is(jsonString('plain'), '"plain"')
  assert.is(jsonString('a<b'), '"a\\u003cb"')
  assert.is(jsonString('\u0001'), '"\\u0001"')
})

test('goTimeString (event timestamps on GET, §3.3) and rfc3339 (alert times)', () => {
  assert.is(goTimeString(Date.parse('2026-02-12T14:10:21Z')), '2026-02-12 14:10:21 +0000 UTC')
  assert.is(goTimeString(Date.parse('2026-02-12T14:10:21.5Z')), '2026-02-12 14:10:21.5 +0000 UTC')
  assert.is(goTimeString(Date.parse('2026-02-12T14:10:21.120Z')), '2026-02-12 14:10:21.12 +0000 UTC')
  assert.is(rfc3339(Date.parse('2026-02-12T14:10:21.999Z')), '2026-02-12T14:10:21Z')
})

test('alertJson: GET /v1/alerts shape (null lists, labels null, machine N/A, remediation omitted when false, nested decisions with simulated)', () => {
  const a: AlertRecord = {
    id: 3, uuid: 'u', machineId: '', createdAt: NOW, scenario: 's', scenarioHash: '', scenarioVersion: '', message: 'm', eventsCount: 1,
    startAt: NOW - 60_000, stopAt: NOW, capacity: 0, leakspeed: '0', simulated: true, remediation: false, kind: 'cscli',
    source: {scope: 'Ip', value: '192.0.2.7', ip: '192.0.2.7', range: '', asNumber: '', asName: '', cn: '', latitude: 0, longitude: 0},
    events: [], meta: [], decisions: [],
  }
  const j = alertJson(a, NOW)
  assert.is(j.events, null)
  assert.is(j.decisions, null)
  assert.is(j.labels, null)
  assert.is(j.machine_id, 'N/A')
  assert.not.ok('remediation' in j)
  assert.not.ok('meta' in j)
  assert.equal(j.source, {ip: '192.0.2.7', scope: 'Ip', value: '192.0.2.7'})
  const k = alertJson({...a, remediation: true, machineId: 'm1', meta: [{key: 'k', value: ''}], events: [{timestamp: NOW, meta: [{key: 'a', value: 'b'}]}],
    decisions: [decision({simulated: true})]}, NOW)
  assert.is(k.remediation, true)
  assert.equal(k.meta, [{key: 'k'}])
  assert.equal(k.events, [{meta: [{key: 'a', value: 'b'}], timestamp: '2026-03-02 10:00:00 +0000 UTC'}])
  assert.equal(k.decisions, [{duration: '3h59m58s', id: 42, origin: 'crowdsec', scenario: 'crowdsecurity/ssh-bf', scope: 'Ip', simulated: true, type: 'ban', value: '35.188.49.176'}])
  assert.equal(Object.keys(k), [...Object.keys(k)].sort(), 'keys in Go (alphabetical) order')
})

test.run()
