import {test} from 'uvu'
import * as assert from 'uvu/assert'
import {compileAlertContext, createDetector, loadScenarios} from '../../src/detect/index.js'
import type {RuntimeAlert} from '../../src/model/alert.js'
import {Event, ExpectMode} from '../../src/model/event.js'
import type {Instant} from '../../src/detect/time.js'
import {metaEvent} from '../helpers/scenarios.js'

function scenarios(yaml: string, ctx = {}) {
  const r = loadScenarios(['mem.yaml'], {contents: {'mem.yaml': yaml}, ...ctx})
  assert.equal(r.errors.map((e) => e.message), [])
  return r.scenarios
}

const evt = (meta: Record<string, string>, time = '2026-01-01T10:00:00Z', mode: number = ExpectMode.timeMachine): Event => metaEvent(meta, time, mode)

const alertOf = (e: Event): RuntimeAlert => e.Overflow as unknown as RuntimeAlert

test('maxBuckets: reaching the limit evicts the oldest instance and counts it', () => {
  const d = createDetector(scenarios('type: leaky\nname: t\ndescription: d\nfilter: "true"\ngroupby: evt.Meta.source_ip\ncapacity: 5\nleakspeed: 10s\n'), {maxBuckets: 3})
  for (let i = 0; i < 10; i++) d.pour(evt({source_ip: `10.0.0.${i}`}))
  const m = d.metrics.scenarios.t!
  assert.is(m.current, 3)
  assert.is(m.evicted, 7)
  assert.is(m.instantiated, 10)
})

test('a filter runtime error aborts the loop for later scenarios (CrowdSec §4)', () => {
  const yaml = 'type: trigger\nname: first\ndescription: d\nfilter: "evt.Overflow.Alert.Remediation == true"\n---\n' +
    'type: trigger\nname: second\ndescription: d\nfilter: "true"\n'
  const d = createDetector(scenarios(yaml))
  d.pour(evt({source_ip: '1.2.3.4'}))
  assert.is(d.metrics.exprErrors, 1)
  assert.is(d.takeOverflows().length, 0)
})

test('log events with Process false or whitelisted are not poured', () => {
  const d = createDetector(scenarios('type: trigger\nname: t\ndescription: d\nfilter: "true"\n'))
  const a = evt({source_ip: '1.2.3.4'})
  a.Process = false
  const b = evt({source_ip: '1.2.3.4'})
  b.Whitelisted = true
  d.pour(a)
  d.pour(b)
  assert.is(d.metrics.skipped, 2)
  assert.is(d.takeOverflows().length, 0)
})

test('postoverflow whitelist: overflow kept (flagged), not reprocessed', () => {
  const yaml = 'type: trigger\nname: t\ndescription: d\nfilter: "evt.GetType() == \'log\'"\nreprocess: true\n---\n' +
    'type: trigger\nname: consumer\ndescription: d\nfilter: "evt.GetType() == \'overflow\'"\n'
  const d = createDetector(scenarios(yaml), {postoverflow: (e) => {
    if (alertOf(e).Alert!.Source.IP === '10.0.0.1') {
      e.Whitelisted = true
      alertOf(e).Whitelisted = true
    }
  }})
  d.pour(evt({source_ip: '10.0.0.1'}))
  d.pour(evt({source_ip: '8.8.8.8'}))
  const out = d.takeOverflows()
  assert.equal(out.map((e) => [alertOf(e).Alert!.Scenario, alertOf(e).Whitelisted]), [['t', true], ['t', false], ['consumer', false]])
  assert.is(d.metrics.scenarios.t!.whitelisted, 1)
  assert.is(d.metrics.reprocessed, 1)
})

test('simulation: simulated flag follows simulation XOR exclusions', () => {
  const yaml = 'type: trigger\nname: a\ndescription: d\nfilter: "true"\n---\ntype: trigger\nname: b\ndescription: d\nfilter: "true"\n'
  const d = createDetector(scenarios(yaml, {simulation: {simulation: true, exclusions: ['b']}}))
  d.pour(evt({source_ip: '1.2.3.4'}))
  assert.equal(d.takeOverflows().map((e) => [alertOf(e).Alert!.Scenario, alertOf(e).Alert!.Simulated]), [['a', true], ['b', false]])
})

test('live mode: wall clock drives the limiter and tick() expires idle buckets', () => {
  let now: Instant = {sec: 1_800_000_000, nsec: 0, offset: 0}
  const d = createDetector(scenarios('type: leaky\nname: t\ndescription: d\nfilter: "true"\ngroupby: evt.Meta.source_ip\ncapacity: 2\nleakspeed: 10s\n'),
    {mode: 'live', tickMs: 0, clock: {now: () => now}})
  d.pour(evt({source_ip: '1.2.3.4'}, '', ExpectMode.live))
  d.pour(evt({source_ip: '1.2.3.4'}, '', ExpectMode.live))
  now = {sec: now.sec + 31, nsec: 0, offset: 0}
  d.tick()
  assert.is(d.metrics.scenarios.t!.underflows, 1)
  assert.is(d.metrics.scenarios.t!.current, 0)
  for (let i = 0; i < 3; i++) d.pour(evt({source_ip: '1.2.3.4'}, '', ExpectMode.live))
  const out = d.takeOverflows()
  assert.is(out.length, 1)
  assert.is(alertOf(out[0]!).Alert!.StartAt, '2027-01-15T08:00:31Z')
  d.close()
})

test('the overflow event: Type 1, LIVE, MarshaledTime = overflow time, GetMeta searches alert events', () => {
  const d = createDetector(scenarios('type: trigger\nname: t\ndescription: d\nfilter: "true"\n'))
  d.pour(evt({source_ip: '1.2.3.4', target_user: 'root'}, '2026-02-12T14:10:21.5+01:00'))
  const [o] = d.takeOverflows()
  assert.is(o!.Type, 1)
  assert.is(o!.ExpectMode, 0)
  assert.is(o!.MarshaledTime, '2026-02-12T14:10:21.5+01:00')
  assert.is(o!.GetMeta('target_user'), 'root')
  assert.equal(alertOf(o!).GetSources(), ['1.2.3.4'])
  assert.is(alertOf(o!).Alert!.Message, "Ip 1.2.3.4 performed 't' (1 events over 0s) at 2026-02-12 14:10:21.5 +0100 +0100")
})

test('alert context: values collected over queued events, deduplicated, as a JSON array', () => {
  const context = compileAlertContext({target_user: ['evt.Meta.target_user'], uri: ['evt.Meta.http_path', 'evt.Meta.nope']})
  const d = createDetector(scenarios('type: leaky\nname: t\ndescription: d\nfilter: "true"\ncapacity: 2\nleakspeed: 10s\n'), {context})
  for (const [u, p] of [['root', '/a'], ['admin', '/a'], ['root', '/b']]) d.pour(evt({source_ip: '1.2.3.4', target_user: u!, http_path: p!}))
  const [o] = d.takeOverflows()
  assert.equal(JSON.parse(JSON.stringify(alertOf(o!).Alert!.Meta)), [{key: 'target_user', value: '["root","admin"]'}, {key: 'uri', value: '["/a","/b"]'}])
})

test.run()
