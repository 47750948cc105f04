/**
 * Detector.preview / pourPreviewed (how the parse worker sends events no scenario takes): pouring
 * the previewed ones with pourPreviewed and the others whole gives exactly what pouring every
 * event gives — alerts, metrics (skip counters included) and the buckets left open.
 */
import {test} from 'uvu'
import * as assert from 'uvu/assert'
import {createDetector, loadScenarios, type CompiledScenario, type Detector} from '../../src/detect/index.js'
import {Event, ExpectMode} from '../../src/model/event.js'
import {decodePreviewed, encodePreviewed} from '../../src/model/event-wire.js'
import {alertSummary, genlogsNginxEvents, loadHubDetectContent} from '../helpers/hub-content.js'
import {loadInline, metaEvent, trigger} from '../helpers/scenarios.js'

/** Pours `events` into a fresh detector, whole or through a previewing twin; what it comes to. */
function pourAll(scenarios: readonly CompiledScenario[], events: readonly Event[], previewing: boolean) {
  const d = createDetector(scenarios, {mode: 'replay'})
  const twin: Detector | undefined = previewing ? createDetector(scenarios, {mode: 'replay', collect: false}) : undefined
  let previewed = 0
  for (const e of events) {
    const p = twin?.preview(e)
    if (p === undefined) d.pour(e)
    else {
      previewed++
      // through the wire form, as the parse worker sends it
      d.pourPreviewed(decodePreviewed(encodePreviewed(e, p)))
    }
  }
  const alerts = d.takeOverflows().map(alertSummary)
  const open = d.flush()
  return {alerts, metrics: JSON.stringify(d.metrics), open, late: d.takeOverflows().map(alertSummary), previewed}
}

test('linux + nginx + base-http-scenarios on genlogs nginx lines: previewed pours change nothing', () => {
  const content = loadHubDetectContent(['crowdsecurity/linux', 'crowdsecurity/nginx', 'crowdsecurity/base-http-scenarios'])
  const {helpers, dataDir, hubIndex} = content.scenarioOptions
  const loaded = loadScenarios(content.scenarioFiles, {helpers, dataDir, hubIndex})
  assert.equal(loaded.errors, [])
  const events = genlogsNginxEvents(content, {lines: 8000, seed: 5, hours: 2, attackRatio: 0.3})
  const whole = pourAll(loaded.scenarios, events, false)
  const split = pourAll(loaded.scenarios, events, true)
  assert.ok(whole.alerts.length > 5, `only ${whole.alerts.length} alerts`)
  assert.ok(split.previewed > events.length / 2, `only ${split.previewed} of ${events.length} previewed`)
  assert.equal(split.alerts, whole.alerts)
  assert.is(split.metrics, whole.metrics)
  assert.is(split.open, whole.open)
  assert.equal(split.late, whole.late)
})

const evt = (meta: Record<string, string>, time = '2026-01-01T00:00:00Z'): Event => metaEvent(meta, time)

test('preview: undefined when a scenario takes the event, its filter fails or is not pure; else the skips', () => {
  const s = loadInline([
    trigger('gated', "evt.Meta.log_type == 'x' && evt.Meta.k == 'a'"),
    trigger('literal', "evt.Meta.p contains 'zz'"),
    trigger('plain', "evt.Meta.k == 'a' || evt.Meta.k == 'b'"),
  ].join('---\n'))
  const d = createDetector(s)
  assert.equal(d.preview(evt({log_type: 'y', p: 'q', k: 'c'})), {dispatchSkipped: 1, prefilterSkipped: 1})
  assert.is(d.preview(evt({log_type: 'y', p: 'q', k: 'b'})), undefined, 'plain takes it')
  assert.is(d.preview(evt({log_type: 'y', p: 'azz', k: 'c'})), undefined, 'literal takes it')
  const failing = loadInline(trigger('fails', "evt.Meta.n == 'x' || evt.Overflow.Alert.Remediation == true"))
  assert.is(createDetector(failing).preview(evt({n: 'y'})), undefined, 'a failing filter aborts the loop where the event is poured')
  const impure = loadInline(trigger('writes', "evt.Meta.k == 'zz' || evt.SetMeta('k', 'v')"))
  assert.is(createDetector(impure).preview(evt({k: 'a'})), undefined, 'a filter with effects runs where the buckets are')
  const skipped = evt({k: 'a'})
  skipped.Process = false
  assert.equal(createDetector(impure).preview(skipped), {dispatchSkipped: 0, prefilterSkipped: 0})
})

test('previewed events move the event clock: buckets expire as when the events are poured whole', () => {
  const s = loadInline(`type: leaky
name: slow
description: d
filter: "evt.Meta.k == 'a'"
groupby: evt.Meta.source_ip
capacity: 5
leakspeed: 10s
`)
  const events = [evt({k: 'a', source_ip: '1.2.3.4'})]
  // an hour of events the scenario does not take: enough pours for sweeps on the event clock
  for (let i = 0; i < 9000; i++) events.push(evt({k: 'b', source_ip: '1.2.3.4'}, new Date(Date.UTC(2026, 0, 1, 0, 0, 1) + i * 400).toISOString().replace('.000Z', 'Z')))
  const whole = pourAll(s, events, false)
  const split = pourAll(s, events, true)
  assert.is(split.previewed, 9000)
  assert.is(split.metrics, whole.metrics)
  assert.ok((JSON.parse(whole.metrics) as {scenarios: {slow: {underflows: number}}}).scenarios.slow.underflows === 1, 'the bucket leaked out during the hour')
  assert.is(split.open, whole.open)
})

test('encodePreviewed / decodePreviewed round trip; garbage is an error', () => {
  const e = evt({}, '2026-03-02T06:00:00.123456Z')
  e.Whitelisted = true
  const back = decodePreviewed(encodePreviewed(e, {dispatchSkipped: 12, prefilterSkipped: 40}))
  assert.equal(back, {dispatchSkipped: 12, prefilterSkipped: 40, Type: 0, ExpectMode: ExpectMode.timeMachine, Process: true, Whitelisted: true, MarshaledTime: '2026-03-02T06:00:00.123456Z'})
  const empty = evt({}, '')
  assert.is(decodePreviewed(encodePreviewed(empty, {dispatchSkipped: 0, prefilterSkipped: 0})).MarshaledTime, '')
  assert.throws(() => decodePreviewed('1 2 x'), /malformed previewed event/)
})

test.run()
