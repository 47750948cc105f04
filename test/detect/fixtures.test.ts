/**
 * CrowdSec-style bucket fixtures: test/fixtures/detect/<case>/{scenarios.yaml,events.json,want.json}.
 * events.json: parsed events (MarshaledTime, Meta, Enriched, ExpectMode default 1).
 * want.json: {alerts: [partial alert JSON, in emission order; "events_len" = number of events;
 * null = key absent], metrics?: {scenario: partial metrics}, detector?: partial detector metrics}.
 */
import * as fs from 'node:fs'
import * as path from 'node:path'
import {test} from 'uvu'
import * as assert from 'uvu/assert'
import {createDetector, loadScenarios} from '../../src/detect/index.js'
import {Event, ExpectMode} from '../../src/model/event.js'
import {GoTime} from '../../src/model/go-time.js'
import {newStringMap} from '../../src/model/go-values.js'
import type {RuntimeAlert} from '../../src/model/alert.js'
import {ROOT} from '../helpers/run-cli.js'

const DIR = path.join(ROOT, 'test', 'fixtures', 'detect')

interface EventSpec {
  MarshaledTime?: string
  Meta?: Record<string, string>
  Enriched?: Record<string, string>
  ExpectMode?: number
}

export function eventFromSpec(spec: EventSpec): Event {
  const evt = new Event()
  evt.Process = true
  evt.ExpectMode = spec.ExpectMode ?? ExpectMode.timeMachine
  evt.MarshaledTime = spec.MarshaledTime ?? ''
  evt.Meta = newStringMap()
  Object.assign(evt.Meta, spec.Meta ?? {})
  evt.Enriched = newStringMap()
  Object.assign(evt.Enriched, spec.Enriched ?? {})
  if (evt.MarshaledTime !== '') evt.Time = new GoTime(Math.floor(Date.parse(evt.MarshaledTime) / 1000))
  return evt
}

function checkPartial(got: Record<string, unknown>, want: Record<string, unknown>, where: string): void {
  for (const [k, v] of Object.entries(want)) {
    if (k === 'events_len') {
      assert.is((got.events as unknown[]).length, v, `${where}.events length`)
    } else if (v === null) {
      assert.ok(got[k] === undefined || got[k] === null, `${where}.${k} should be absent, got ${JSON.stringify(got[k])}`)
    } else {
      assert.equal(got[k], v, `${where}.${k}`)
    }
  }
}

for (const name of fs.readdirSync(DIR).sort()) {
  const dir = path.join(DIR, name)
  if (!fs.existsSync(path.join(dir, 'want.json'))) continue
  test(`fixture ${name}`, () => {
    const loaded = loadScenarios([path.join(dir, 'scenarios.yaml')])
    assert.equal(loaded.errors.map((e) => e.message), [])
    const fixed = {sec: 1_800_000_000, nsec: 0, offset: 0}
    const detector = createDetector(loaded.scenarios, {mode: 'replay', clock: {now: () => fixed}})
    const events = JSON.parse(fs.readFileSync(path.join(dir, 'events.json'), 'utf8')) as EventSpec[]
    for (const spec of events) detector.pour(eventFromSpec(spec))
    detector.flush()
    const want = JSON.parse(fs.readFileSync(path.join(dir, 'want.json'), 'utf8')) as {
      alerts: Record<string, unknown>[]; metrics?: Record<string, Record<string, number>>; detector?: Record<string, number>}
    const got = detector.takeOverflows().map((e) => JSON.parse(JSON.stringify((e.Overflow as unknown as RuntimeAlert).Alert)) as Record<string, unknown>)
    assert.is(got.length, want.alerts.length, `number of alerts: ${JSON.stringify(got.map((a) => a.message))}`)
    want.alerts.forEach((w, i) => checkPartial(got[i]!, w, `alert[${i}]`))
    for (const [scenario, m] of Object.entries(want.metrics ?? {})) {
      checkPartial(detector.metrics.scenarios[scenario] as unknown as Record<string, unknown>, m, `metrics[${scenario}]`)
    }
    checkPartial(detector.metrics as unknown as Record<string, unknown>, want.detector ?? {}, 'detector')
  })
}

test.run()
