import {test} from 'uvu'
import * as assert from 'uvu/assert'
import {createDetector} from '../../src/detect/index.js'
import {allows, FilterDispatch, filterGates} from '../../src/detect/dispatch.js'
import type {Event} from '../../src/model/event.js'
import {newStringMap} from '../../src/model/go-values.js'
import {firedScenarios, loadInline, metaEvent, trigger} from '../helpers/scenarios.js'

// [filter, its gates as map.key=values]
const GATES: [string, string[]][] = [
  ["evt.Meta.log_type == 'ssh_failed-auth'", ['Meta.log_type=ssh_failed-auth']],
  ["'ssh_failed-auth' == evt.Meta.log_type && evt.Meta.user != ''", ['Meta.log_type=ssh_failed-auth']],
  ["evt.Meta.log_type in ['http_access-log', 'http_error-log'] and evt.Parsed.verb == 'GET'", ['Meta.log_type=http_access-log|http_error-log', 'Parsed.verb=GET']],
  ["evt.Meta.service == 'http' && evt.Meta.http_status in ['404', '403'] && Atof(evt.Meta.x) > 1 && evt.Meta.y == 'z'", ['Meta.service=http', 'Meta.http_status=404|403']],
  ["(evt.Meta.a == 'x' && evt.Enriched.b == 'y') && evt.Meta.c == 'z'", ['Meta.a=x', 'Enriched.b=y', 'Meta.c=z']],
  ["if (evt.Meta.service == 'http' and evt.Meta.http_status in ['404']) { evt.SetMeta('a', 'b') } else { false }", ['Meta.service=http', 'Meta.http_status=404']],
  ["evt.Meta.service == 'http' ? true : false", ['Meta.service=http']],
  // not leading: a conjunct before it may fail
  ["Atof(evt.Meta.n) > 1 && evt.Meta.log_type == 'a'", []],
  ["evt.Meta.log_type == 'a' || evt.Meta.x == 'b'", []],
  ["if (evt.Meta.a == 'x') { true } else { evt.Meta.b == 'y' }", []],
  ["evt.Meta.log_type != 'a'", []],
  ["evt.Meta.log_type in ['a', evt.Meta.x]", []],
  ["evt.Meta.log_type in []", []],
  ["evt.Meta?.log_type == 'a'", []],
  ["evt.Unmarshaled.log_type == 'a'", []],
  ["evt.Meta.log_type == nil", []],
  ["let evt = 1; evt.Meta.log_type == 'a'", []],
  ["evt.Meta.log_type == ", []],
]

for (const [filter, want] of GATES) {
  test(`filterGates: ${filter}`, () => {
    assert.equal(filterGates(filter).map((g) => `${g.map}.${g.key}=${[...g.values].join('|')}`), want)
  })
}

function fields(meta: Record<string, unknown>, parsed: Record<string, unknown> = {}): {Meta: object; Parsed: object; Enriched: object} {
  return {Meta: Object.assign(newStringMap(), meta), Parsed: Object.assign(newStringMap(), parsed), Enriched: newStringMap()}
}
const let_through = (d: FilterDispatch, e: {Meta: object; Parsed: object; Enriched: object}, n: number): number[] => {
  const m = d.mask(e)
  return Array.from({length: n}, (_, i) => i).filter((i) => allows(m, i))
}

test('FilterDispatch: every gate must pass; a missing key reads as empty, a non-string value gates nothing', () => {
  const filters = ["evt.Meta.log_type == 'a'", 'true', "evt.Meta.log_type in ['a', ''] && evt.Parsed.v == 'x'", "evt.Parsed.v in ['x', 'y']"]
  const d = FilterDispatch.build(filters)!
  assert.is(d.keyCount, 2)
  assert.equal(let_through(d, fields({log_type: 'a'}, {v: 'x'}), 4), [0, 1, 2, 3])
  assert.equal(let_through(d, fields({log_type: 'a'}, {v: 'y'}), 4), [0, 1, 3])
  assert.equal(let_through(d, fields({log_type: 'b'}, {v: 'y'}), 4), [1, 3])
  assert.equal(let_through(d, fields({}, {v: 'x'}), 4), [1, 2, 3])
  assert.equal(let_through(d, fields({}), 4), [1])
  assert.equal(let_through(d, fields({log_type: 5}, {v: 7}), 4), [0, 1, 2, 3])
  assert.is(FilterDispatch.build(['true', "evt.Meta.x != 'a'"]), undefined)
})

test('FilterDispatch: a key Object.prototype has reads as missing unless the map holds it', () => {
  const d = FilterDispatch.build(["evt.Meta.constructor == ''", "evt.Parsed.toString == 'x'", "evt.Meta.valueOf in ['v', '']"])!
  // plain-object maps (JSON) inherit these names; string maps inherit nothing
  const plain = {Meta: {log_type: 'a'}, Parsed: {}, Enriched: {}}
  assert.equal(let_through(d, plain, 3), [0, 2])
  assert.equal(let_through(d, {Meta: {constructor: 'c', valueOf: 'v'}, Parsed: {toString: 'x'}, Enriched: {}}, 3), [1, 2])
  assert.equal(let_through(d, fields({constructor: ''}, {toString: 'y'}), 3), [0, 2])
})

test('FilterDispatch: more than 32 scenarios', () => {
  const filters = Array.from({length: 70}, (_, i) => (i % 3 === 0 ? `evt.Meta.k == 'v${i % 2}'` : 'true'))
  const d = FilterDispatch.build(filters)!
  const want = (v: string): number[] => filters.map((f, i) => [f, i] as const).filter(([f]) => f === 'true' || f.includes(`'${v}'`)).map(([, i]) => i)
  assert.equal(let_through(d, fields({k: 'v0'}), 70), want('v0'))
  assert.equal(let_through(d, fields({k: 'v1'}), 70), want('v1'))
  assert.equal(let_through(d, fields({k: 'zz'}), 70), want('zz'))
})

const evt = (meta: Record<string, string>): Event => metaEvent(meta)
const fired = firedScenarios

test('detector: scenarios whose leading field tests fail are skipped (counted), alerts do not change', () => {
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

test('detector: a scenario that rewrites a gated field makes later gates look again', () => {
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

test('detector: an overflow listener that rewrites a gated field makes later gates look again', () => {
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
