import {test} from 'uvu'
import * as assert from 'uvu/assert'
import {createDetector} from '../../src/detect/index.js'
import {LogTypeDispatch, logTypeGate} from '../../src/detect/dispatch.js'
import type {RuntimeAlert} from '../../src/model/alert.js'
import {Event} from '../../src/model/event.js'
import {newStringMap} from '../../src/model/go-values.js'
import {loadInline, trigger} from '../helpers/scenarios.js'

// [filter, log types it can match (undefined: no gate)]
const GATES: [string, string[] | undefined][] = [
  ["evt.Meta.log_type == 'ssh_failed-auth'", ['ssh_failed-auth']],
  ["'ssh_failed-auth' == evt.Meta.log_type && evt.Meta.user != ''", ['ssh_failed-auth']],
  ["evt.Meta.log_type in ['http_access-log', 'http_error-log'] and evt.Parsed.verb == 'GET'", ['http_access-log', 'http_error-log']],
  ["evt.Meta.log_type == 'a' && evt.Meta.x == 'b' && evt.Meta.y == 'c'", ['a']],
  // not the first conjunct: a conjunct before it may fail
  ["Atof(evt.Meta.n) > 1 && evt.Meta.log_type == 'a'", undefined],
  ["evt.Meta.log_type == 'a' || evt.Meta.x == 'b'", undefined],
  ["evt.Meta.log_type != 'a'", undefined],
  ["evt.Meta.log_type in ['a', evt.Meta.x]", undefined],
  ["evt.Meta.log_type in []", undefined],
  ["evt.Meta?.log_type == 'a'", undefined],
  ["evt.Parsed.log_type == 'a'", undefined],
  ["let evt = 1; evt.Meta.log_type == 'a'", undefined],
  ["evt.Meta.log_type == ", undefined],
]

for (const [filter, want] of GATES) {
  test(`logTypeGate: ${filter}`, () => {
    const got = logTypeGate(filter)
    assert.equal(got === undefined ? undefined : [...got], want)
  })
}

test('LogTypeDispatch: masks by value, a missing log_type reads as empty, a non-string one gates nothing', () => {
  const d = LogTypeDispatch.build(["evt.Meta.log_type == 'a'", 'true', "evt.Meta.log_type in ['a', '']"])!
  const meta = (v?: unknown): Record<string, unknown> => Object.assign(newStringMap(), v === undefined ? {} : {log_type: v})
  assert.equal([...d.mask(meta('a'))], [1, 1, 1])
  assert.equal([...d.mask(meta('b'))], [0, 1, 0])
  assert.equal([...d.mask(meta())], [0, 1, 1])
  assert.equal([...d.mask(meta(5))], [1, 1, 1])
  assert.is(LogTypeDispatch.build(['true', "evt.Meta.x == 'a'"]), undefined)
})

function evt(meta: Record<string, string>): Event {
  const e = new Event()
  e.Process = true
  e.Meta = Object.assign(newStringMap(), meta) as Event['Meta']
  return e
}

const fired = (d: ReturnType<typeof createDetector>): string[] => d.takeOverflows().map((o) => (o.Overflow as unknown as RuntimeAlert).Alert!.Scenario)

test('detector: scenarios gated on another log type are skipped (counted), alerts do not change', () => {
  const s = loadInline([
    trigger('ssh', "evt.Meta.log_type == 'ssh' && evt.Meta.user != ''"),
    trigger('http', "evt.Meta.log_type in ['http', 'http_error'] && evt.Meta.path != ''"),
    trigger('any', "evt.Meta.source_ip != ''"),
  ].join('---\n'))
  for (const prefilter of [true, false]) {
    const d = createDetector(s, {prefilter})
    d.pour(evt({log_type: 'ssh', user: 'root', path: '/x', source_ip: '1.2.3.4'}))
    assert.equal(fired(d), ['ssh', 'any'])
    d.pour(evt({log_type: 'http_error', user: 'root', path: '/x', source_ip: '1.2.3.5'}))
    assert.equal(fired(d), ['http', 'any'])
    assert.is(d.metrics.dispatchSkipped, prefilter ? 2 : 0)
  }
})

test('detector: a scenario that rewrites the log type makes later gates look again', () => {
  const s = loadInline([
    trigger('first', "evt.Meta.log_type == 'b'"),
    trigger('changer', "evt.SetMeta('log_type', 'b')"),
    trigger('last', "evt.Meta.log_type == 'b'"),
  ].join('---\n'))
  for (const prefilter of [true, false]) {
    const d = createDetector(s, {prefilter})
    d.pour(evt({log_type: 'a', source_ip: '1.2.3.4'}))
    assert.equal(fired(d), ['changer', 'last'])
  }
})

test('detector: an overflow listener that rewrites the log type makes later gates look again', () => {
  const s = loadInline([trigger('first', "evt.Meta.x == 'y'"), trigger('last', "evt.Meta.log_type == 'b'")].join('---\n'))
  for (const prefilter of [true, false]) {
    const d = createDetector(s, {prefilter})
    const e = evt({log_type: 'a', x: 'y', source_ip: '1.2.3.4'})
    d.onOverflow(() => {
      e.Meta.log_type = 'b'
    })
    d.pour(e)
    assert.equal(fired(d), ['first', 'last'])
  }
})

test.run()
