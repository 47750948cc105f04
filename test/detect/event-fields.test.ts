import {test} from 'uvu'
import * as assert from 'uvu/assert'
import {compileExpr} from '../../src/expr/index.js'
import {mergeNeeds, programNeeds} from '../../src/detect/event-fields.js'

const EVENT_FIELDS = new Set(['Type', 'ExpectMode', 'Whitelisted', 'WhitelistReason', 'Stage', 'Line', 'Parsed', 'Enriched', 'Unmarshaled', 'Meta', 'Overflow', 'Time', 'StrTime', 'StrTimeFormat', 'MarshaledTime', 'Process', 'Appsec'])

/** [expression, event fields it may read, or 'all'] */
const CASES: Array<[string, string[] | 'all']> = [
  ['evt.Meta.source_ip', ['Meta']],
  ['evt.Parsed.x + evt.Line.Raw', ['Line', 'Parsed']],
  ["evt.Parsed['x'] == 'a'", ['Parsed']],
  ['evt?.Unmarshaled.a.b', ['Unmarshaled']],
  ["evt.GetMeta('x')", ['Meta', 'Overflow', 'Type']],
  ['len(queue.Queue) > 3', []],
  ["any(queue.Queue, {.Meta.x == 'a'})", ['Meta']],
  ["queue.Queue[0].Parsed.x == 'a'", ['Parsed']],
  ["queue.Queue[-1].StrTime != ''", ['StrTime']],
  ["let failedAuths = filter(queue.Queue, {#.Meta.log_type == 'ssh_failed-auth'});\nlen(failedAuths) >= 4 &&\nMedianInterval(map(failedAuths[-4:], {#.Time})) > duration('10m')", ['Meta', 'Time']],
  ["count(leaky.Queue.Queue, {#.Enriched.IsoCode == 'FR'}) > 1", ['Enriched']],
  ['ToJson(evt)', 'all'],
  ['evt', 'all'],
  ['Sprintf("%v", queue.Queue)', 'all'],
  ['map(queue.Queue, {#})', 'all'],
  ['queue.Queue[0] == queue.Queue[1]', 'all'],
  ["evt.SetMeta('a', 'b')", 'all'],
  ['evt.Parsed[evt.Meta.key]', 'all'],
  ['first(queue.Queue)', 'all'],
  ['let n = 4; len(queue.Queue) > n', 'all'],
]

for (const [source, want] of CASES) {
  test(`programNeeds(${JSON.stringify(source)})`, () => {
    const got = programNeeds(compileExpr(source, {env: 'any'}))
    if (want === 'all') {
      assert.is(got, 'all')
      return
    }
    assert.ok(got !== 'all', 'analysable')
    assert.equal([...got].filter((f) => EVENT_FIELDS.has(f)).sort(), want)
  })
}

test('programNeeds of a program without a tree is all', () => {
  assert.is(programNeeds({source: 'x', run: () => true}), 'all')
})

test('mergeNeeds unions, skips undefined, and all wins', () => {
  const a = compileExpr('evt.Parsed.x', {env: 'any'})
  const b = compileExpr('evt.Line.Raw', {env: 'any'})
  const all = compileExpr('ToJson(evt)', {env: 'any'})
  const got = mergeNeeds([a, undefined, b], ['Meta'])
  assert.ok(got !== 'all')
  assert.equal([...got].filter((f) => EVENT_FIELDS.has(f)).sort(), ['Line', 'Meta', 'Parsed'])
  assert.is(mergeNeeds([a, all], []), 'all')
})

test.run()
