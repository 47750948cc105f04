import {test} from 'uvu'
import * as assert from 'uvu/assert'
import {GoFloat, newStringMap} from '../../src/model/go-values.js'
import {equal, formatFloat, formatV, toGoJSON} from '../../src/expr/value.js'

const floats: [number, string][] = [
  [200, '200'], [0.5, '0.5'], [123456, '123456'], [1234567, '1.234567e+06'], [1e6, '1e+06'], [0.0001, '0.0001'],
  [0.00001, '1e-05'], [1693840791.7564995, '1.6938407917564995e+09'], [Infinity, '+Inf'], [-Infinity, '-Inf'], [NaN, 'NaN'], [1e21, '1e+21'],
]
for (const [n, want] of floats) {
  test(`formatFloat ${n}`, () => assert.is(formatFloat(n), want))
}

const jsonCases: [unknown, string][] = [
  [new GoFloat(200), '200'],
  [1e-7, '1e-7'],
  ['a<b>&\u2028', '"a\\u003cb\\u003e\\u0026\\u2028"'],
  ['\x01\n', '"\\u0001\\n"'],
  [Object.assign(Object.create(null), {b: 1, a: null}), '{"a":null,"b":1}'],
  [[1, 'x'], '[1,"x"]'],
]
for (const [v, want] of jsonCases) {
  test(`toGoJSON ${JSON.stringify(want)}`, () => assert.is(toGoJSON(v), want))
}

test('equal: numbers by value, kinds differ, deep arrays and maps', () => {
  assert.ok(equal(1, new GoFloat(1)))
  assert.not.ok(equal('1', 1))
  assert.not.ok(equal('', null))
  assert.ok(equal(null, undefined))
  assert.ok(equal([1, ['a']], [1, ['a']]))
  assert.ok(equal(Object.assign(Object.create(null), {a: 1}), {a: 1}))
  assert.not.ok(equal(NaN, NaN))
})

test('formatV of a string map sorts keys', () => {
  const m = newStringMap()
  m.b = '2'
  m.a = '1'
  assert.is(formatV(m), 'map[a:1 b:2]')
})

test.run()
