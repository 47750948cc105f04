import {test} from 'uvu'
import * as assert from 'uvu/assert'
import {compileExpr} from '../../src/expr/index.js'
import {eventKeyNeeds, mergeNeeds, programNeeds} from '../../src/detect/event-fields.js'

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
  ['let n = 4; len(queue.Queue) > n', []],
  // `#` over a list that cannot hold events, and let-bound strings, are values like any other
  ["any(File('x.txt'), {evt.Meta.http_path contains #})", ['Meta']],
  ["let request = Lower(evt.Parsed.request); request contains '/x'", ['Parsed']],
  ["map(split(evt.Parsed.a, ','), {# + 'x'})[0] == 'ax'", ['Parsed']],
  ['let q = queue.Queue; q == nil', 'all'],
  ["let q = queue.Queue; len(q) > 1 && q[0].Meta.x == 'a'", ['Meta']],
  ["filter(queue.Queue, {#.Meta.x == 'a'})[0] == nil", 'all'],
  ["any(queue.Queue, {any(File('x.txt'), {# == 'a'})})", []],
  ["any(queue.Queue, {any(File('x.txt'), {#.Meta.y == 'a'}) && # != nil})", 'all'],
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


/** [expressions, Parsed keys, Enriched keys, Unmarshaled keys, Line.Raw read] ('all' = the whole map) */
const KEY_CASES: Array<[string[], string[] | 'all', string[] | 'all', string[] | 'all', boolean]> = [
  [["evt.Meta.log_type == 'x' && evt.Parsed.request contains 'a'"], ['request'], ['IsoCode'], [], false],
  [["evt.Parsed.verb == 'GET'", "Upper(evt.Parsed?.http_args) contains 'X'", "evt.Enriched.ASNOrg != ''"], ['http_args', 'verb'], ['ASNOrg', 'IsoCode'], [], false],
  [["evt.Unmarshaled.json.a == 1"], [], ['IsoCode'], ['json'], false],
  [["evt.Line.Raw contains 'x'"], [], ['IsoCode'], [], true],
  [["evt.Line.Labels.type == 'nginx'"], [], ['IsoCode'], [], false],
  [["len(evt.Parsed) > 3"], 'all', ['IsoCode'], [], false],
  [["'x' in evt.Enriched"], [], 'all', [], false],
  [["let p = evt.Parsed; p.x == 'a'"], 'all', ['IsoCode'], [], false],
  [["ToJson(evt.Unmarshaled) != ''"], [], ['IsoCode'], 'all', false],
  [["evt.Parsed[evt.Meta.k] == 'a'"], 'all', 'all', 'all', true],
  [["ToJson(evt) != ''"], 'all', 'all', 'all', true],
  [["any(queue.Queue, {#.Parsed.a == 'b'})"], ['a'], ['IsoCode'], [], false],
  [["any(File('x.txt'), {evt.Parsed.request endsWith #})"], ['request'], ['IsoCode'], [], false],
  // mutations: Meta always crosses whole; a Parsed key set then read is read by name
  [["evt.SetMeta('cve', 'x')", "evt.SetParsed('a', 'b') && evt.Parsed.a == 'b'"], ['a'], ['IsoCode'], [], false],
]

for (const [sources, parsed, enriched, unmarshaled, raw] of KEY_CASES) {
  test(`eventKeyNeeds(${JSON.stringify(sources)})`, () => {
    const got = eventKeyNeeds(sources.map((s) => compileExpr(s, {env: 'any'})), {Enriched: ['IsoCode']})
    const norm = (k: ReadonlySet<string> | 'all'): string[] | 'all' => (k === 'all' ? 'all' : [...k].sort())
    assert.equal(norm(got.Parsed), parsed)
    assert.equal(norm(got.Enriched), enriched)
    assert.equal(norm(got.Unmarshaled), unmarshaled)
    assert.is(got.raw, raw)
  })
}

test('eventKeyNeeds skips undefined programs and a program without a tree needs everything', () => {
  assert.equal(eventKeyNeeds([undefined]), {Parsed: new Set(), Enriched: new Set(), Unmarshaled: new Set(), raw: false})
  assert.is(eventKeyNeeds([{source: 'x', run: () => true}]).Parsed, 'all')
})

test.run()
