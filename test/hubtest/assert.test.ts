import {test} from 'uvu'
import * as assert from 'uvu/assert'
import {assertLines, generateParserAssertions, shimBasename} from '../../src/hubtest/assert.js'
import {ParserResultsRecorder, roundTripValue} from '../../src/hubtest/parser-results.js'
import {newLogEvent} from '../../src/model/event.js'
import {goFloat, isGoFloat} from '../../src/model/go-values.js'

const SHIM: Array<[string, string]> = [
  ['results["s00-raw"]["x"][0].Evt.Meta["datasource_path"] == "a.log"', 'basename(results["s00-raw"]["x"][0].Evt.Meta["datasource_path"] ) ==  "a.log"'],
  ['basename(results["s00-raw"]["x"][0].Evt.Meta["datasource_path"]) == "a.log"', 'basename(results["s00-raw"]["x"][0].Evt.Meta["datasource_path"]) == "a.log"'],
  ['len(results) == 3', 'len(results) == 3'],
  ['x.datasource_path == "a" == "b"', 'basename(x.datasource_path ) ==  "a" '],
]
for (const [input, want] of SHIM) {
  test(`basename shim ${input}`, () => assert.is(shimBasename(input), want))
}

test('assert lines: one trailing \\r removed, exactly-empty lines skipped, others kept', () => {
  assert.equal(assertLines('a\r\n\n  \nb'), [{line: 1, text: 'a'}, {line: 3, text: '  '}, {line: 4, text: 'b'}])
})

test('results: one entry per node run with copies; success stage always present', () => {
  const rec = new ParserResultsRecorder()
  const evt = newLogEvent({raw: 'x', src: '/t/a.log', module: 'file', labels: {type: 't'}})
  evt.Meta.datasource_path = '/t/a.log'
  evt.Parsed.k = 'v1'
  rec.record('s00-raw', 'n', evt, true)
  evt.Parsed.k = 'v2'
  rec.record('s00-raw', 'n', evt, false)
  const results = rec.toResults()
  assert.equal(Object.keys(results), ['s00-raw', 'success'])
  assert.equal(results.success![''], [])
  assert.equal(results['s00-raw']!.n!.map((r) => [r.Idx, r.Evt.Parsed.k, r.Success]), [[1, 'v1', true], [1, 'v2', false]])
  assert.equal(generateParserAssertions(results), [
    'len(results) == 2',
    'len(results["s00-raw"]["n"]) == 2',
    'results["s00-raw"]["n"][0].Success == true',
    'results["s00-raw"]["n"][0].Evt.Parsed["k"] == "v1"',
    'basename(results["s00-raw"]["n"][0].Evt.Meta["datasource_path"]) == "a.log"',
    'results["s00-raw"]["n"][0].Evt.Whitelisted == false',
    'results["s00-raw"]["n"][1].Success == false',
    'len(results["success"][""]) == 0',
  ])
})

test('YAML round trip: integral floats below 1e6 become ints, others stay floats', () => {
  const v = roundTripValue({a: goFloat(200), b: goFloat(1e6), c: 0.5, d: [goFloat(3)]}) as Record<string, unknown>
  assert.is(v.a, 200)
  assert.ok(isGoFloat(v.b))
  assert.is(v.c, 0.5)
  assert.equal(v.d, [3])
})

test.run()
