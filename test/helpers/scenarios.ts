/** Inline scenarios for detector tests. */
import * as assert from 'uvu/assert'
import {loadScenarios, type Detector} from '../../src/detect/index.js'
import type {RuntimeAlert} from '../../src/model/alert.js'
import {Event, ExpectMode} from '../../src/model/event.js'
import {newStringMap} from '../../src/model/go-values.js'
import {GoTime, UTC} from '../../src/model/go-time.js'
import {silentLogger} from '../../src/model/logger.js'
import {createHelperContext} from '../../src/parse/services.js'

/** Compiles scenario YAML (documents separated by `---`); any load error fails the test. */
export function loadInline(yaml: string) {
  const r = loadScenarios(['mem.yaml'], {contents: {'mem.yaml': yaml}, helpers: createHelperContext({dataDir: '', logger: silentLogger, now: () => GoTime.now(UTC)})})
  assert.equal(r.errors.map((e) => e.message), [])
  return r.scenarios
}

/** A trigger scenario document. */
export function trigger(name: string, filter: string): string {
  return `type: trigger\nname: ${name}\ndescription: d\nfilter: ${JSON.stringify(filter)}\n`
}

/** A processed LOG event with these Meta values; with `time`, stamped (MarshaledTime) and in `mode` (default replay). */
export function metaEvent(meta: Record<string, unknown>, time?: string, mode: number = ExpectMode.timeMachine): Event {
  const e = new Event()
  e.Process = true
  if (time !== undefined) {
    e.ExpectMode = mode
    e.MarshaledTime = time
  }
  e.Meta = Object.assign(newStringMap(), meta) as Event['Meta']
  return e
}

/** The scenarios that overflowed since the last call, in order. */
export function firedScenarios(d: Detector): string[] {
  return d.takeOverflows().map((o) => (o.Overflow as unknown as RuntimeAlert).Alert!.Scenario)
}
