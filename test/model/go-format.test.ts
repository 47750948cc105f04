import {test} from 'uvu'
import * as assert from 'uvu/assert'
import {encodeGoJSON, formatFloat, formatGoValue, goQuote, goSprintf, goTypeName} from '../../src/model/go-format.js'
import {GoTime, UTC, parseGoDuration} from '../../src/model/go-time.js'
import {goFloat, newStringMap, stringSlice} from '../../src/model/go-values.js'

// expr.md §10.2
const V: [string, unknown, string][] = [
  ['int', 3, '3'],
  ['string', 'abc', 'abc'],
  ['bool', true, 'true'],
  ['nil', null, '<nil>'],
  ['200.0', goFloat(200), '200'],
  ['0.5', 0.5, '0.5'],
  ['123456.0', goFloat(123456), '123456'],
  ['1234567.0', goFloat(1234567), '1.234567e+06'],
  ['1e6', goFloat(1e6), '1e+06'],
  ['0.0001', 0.0001, '0.0001'],
  ['0.00001', 0.00001, '1e-05'],
  ['1693840791.7564995', 1693840791.7564995, '1.6938407917564995e+09'],
  ['+Inf', Infinity, '+Inf'],
  ['-Inf', -Infinity, '-Inf'],
  ['NaN', NaN, 'NaN'],
  ['1e21 float', goFloat(1e21), '1e+21'],
  ['1e100', goFloat(1e100), '1e+100'],
  ['array', [1, 'a', null, 1.5], '[1 a <nil> 1.5]'],
  ['map sorted', Object.assign(Object.create(null), {b: 2, a: 'x'}), 'map[a:x b:2]'],
  ['nested', {k: [1, 2]}, 'map[k:[1 2]]'],
  ['time', GoTime.date(2024, 1, 2, 3, 4, 5, 0, UTC), '2024-01-02 03:04:05 +0000 UTC'],
  ['duration', parseGoDuration('90s'), '1m30s'],
]

for (const [name, value, want] of V) {
  test(`%v of ${name} is ${want}`, () => {
    assert.is(formatGoValue(value), want)
  })
}

// expr.md §10.1
const SPRINTF: [string, unknown[], string][] = [
  ['%s', ['abc'], 'abc'],
  ['%s', [5], '%!s(int=5)'],
  ['%s', [1.5], '%!s(float64=1.5)'],
  ['%s', [null], '%!s(<nil>)'],
  ['%s', [stringSlice(['a', 'b'])], '[a b]'],
  ['%v', [[1, 'a']], '[1 a]'],
  ['%+v', [{a: 1}], 'map[a:1]'],
  ['%d', [42], '42'],
  ['%d', [1.5], '%!d(float64=1.5)'],
  ['%d', [goFloat(200)], '%!d(float64=200)'],
  ['%d', ['x'], '%!d(string=x)'],
  ['%d', [], '%!d(MISSING)'],
  ['%s %d', ['a'], 'a %!d(MISSING)'],
  ['%d', [1, 'a', 2], '1%!(EXTRA string=a, int=2)'],
  ['x', [null], 'x%!(EXTRA <nil>)'],
  ['%f', [goFloat(200)], '200.000000'],
  ['%f', [3], '%!f(int=3)'],
  ['%.2f', [3.14159], '3.14'],
  ['%.0f', [0.5], '0'],
  ['%.0f', [1.5], '2'],
  ['%.0f', [2.5], '2'],
  ['%.2f', [0.125], '0.12'],
  ['%.2f', [2.675], '2.67'],
  ['%8.3f|', [-3.14159], '  -3.142|'],
  ['%08.3f', [-3.14159], '-003.142'],
  ['%e', [goFloat(1e6)], '1.000000e+06'],
  ['%.2e', [123456.7], '1.23e+05'],
  ['%E', [0.000123], '1.230000E-04'],
  ['%g', [0.00001], '1e-05'],
  ['%g', [goFloat(100000)], '100000'],
  ['%g', [goFloat(1e6)], '1e+06'],
  ['%.3g', [123456.7], '1.23e+05'],
  ['%.3g', [1.5], '1.5'],
  ['%x', [255], 'ff'],
  ['%X', [255], 'FF'],
  ['%#x', [255], '0xff'],
  ['%x', ['hi'], '6869'],
  ['%X', ['hi'], '6869'],
  ['%x', [-255], '-ff'],
  ['%o', [8], '10'],
  ['%b', [5], '101'],
  ['%c', [65], 'A'],
  ['%q', ['a"b\n'], '"a\\"b\\n"'],
  ['%q', ['é\x01'], '"é\\x01"'],
  ['%t', [true], 'true'],
  ['%t', [1], '%!t(int=1)'],
  ['%T', [1], 'int'],
  ['%T', [1.5], 'float64'],
  ['%T', ['s'], 'string'],
  ['%T', [null], '<nil>'],
  ['%T', [stringSlice([])], '[]string'],
  ['%T', [[]], '[]interface {}'],
  ['%T', [newStringMap()], 'map[string]string'],
  ['%T', [{}], 'map[string]interface {}'],
  ['%T', [parseGoDuration('1s')], 'time.Duration'],
  ['%%', [], '%'],
  ['100%%', [], '100%'],
  ['%5s|%-5s|', ['ab', 'ab'], '   ab|ab   |'],
  ['%05d', [-42], '-0042'],
  ['%-5d|', [42], '42   |'],
  ['%+d % d', [5, 5], '+5  5'],
  ['%.3s', ['héllo'], 'hél'],
  ['%6.2f', [1], '%!f(int=1)'],
  ['%*d', [5, 42], '   42'],
  ['%.*f', [1, 2.25], '2.2'],
  ['%d%', [1], '1%!(NOVERB)'],
  ['%z', [1], '%!z(int=1)'],
  ['%v', [parseGoDuration('1h')], '1h0m0s'],
  ['%d', [parseGoDuration('1s')], '1000000000'],
  ['%s', [GoTime.zero()], '0001-01-01 00:00:00 +0000 UTC'],
  ['%v %v', [true, null], 'true <nil>'],
  ['%5t|', [false], 'false|'],
  ['%6v|', [1.5], '   1.5|'],
  ['%v', [Infinity], '+Inf'],
  ['%+.1e', [12345], '%!e(int=12345)'],
  ['%+.1e', [12345.5], '+1.2e+04'],
]

for (const [format, args, want] of SPRINTF) {
  test(`Sprintf(${JSON.stringify(format)}, ${JSON.stringify(args)}) is ${JSON.stringify(want)}`, () => {
    assert.is(goSprintf(format, args), want)
  })
}

// expr.md §10.3
const JSON_CASES: [string, unknown, string][] = [
  ['sorted keys', {b: 1, a: 2}, '{"a":2,"b":1}'],
  ['html escapes', '<a href="x">&</a>', '"\\u003ca href=\\"x\\"\\u003e\\u0026\\u003c/a\\u003e"'],
  ['controls', 'a\nb\tc\rd\x01\x7f\b\f', '"a\\nb\\tc\\rd\\u0001\x7f\\b\\f"'],
  ['line separators', '\u2028\u2029', '"\\u2028\\u2029"'],
  ['lone surrogate', 'a\ud800b', '"a\\ufffdb"'],
  ['float 0.5', 0.5, '0.5'],
  ['float 200', goFloat(200), '200'],
  ['int', 3, '3'],
  ['small float', 1e-7, '1e-7'],
  ['tiny float', 1.5e-10, '1.5e-10'],
  ['big float', goFloat(1e21), '1e+21'],
  ['1e20 float', goFloat(1e20), '100000000000000000000'],
  ['0.000001', 0.000001, '0.000001'],
  ['nested', {x: [1, null, true, 'a'], y: {}}, '{"x":[1,null,true,"a"],"y":{}}'],
  ['null', null, 'null'],
  ['empty array', [], '[]'],
  ['time', GoTime.date(2024, 1, 2, 3, 4, 5, 600, UTC), '"2024-01-02T03:04:05.0000006Z"'],
  ['duration', parseGoDuration('1s'), '1000000000'],
  ['unicode kept', 'é✓😀', '"é✓😀"'],
]

for (const [name, value, want] of JSON_CASES) {
  test(`JSON of ${name}`, () => {
    assert.is(encodeGoJSON(value), want)
  })
}

test('JSON indent (toJSON) uses two spaces and Go layout', () => {
  assert.is(encodeGoJSON({b: [1, {c: 'd'}], a: {}}, '  '), '{\n  "a": {},\n  "b": [\n    1,\n    {\n      "c": "d"\n    }\n  ]\n}')
})

test('JSON refuses NaN, Inf and functions like Go', () => {
  assert.throws(() => encodeGoJSON(NaN), /json: unsupported value: NaN/)
  assert.throws(() => encodeGoJSON([Infinity]), /json: unsupported value: \+Inf/)
  assert.throws(() => encodeGoJSON({f: () => 1}), /unsupported type/)
})

test('formatFloat matches strconv for e/f/g with precisions', () => {
  assert.is(formatFloat(1e22, 'f', 1), '10000000000000000000000.0')
  assert.is(formatFloat(0.1, 'f', 20), '0.10000000000000000555')
  assert.is(formatFloat(123.456, 'e', 2), '1.23e+02')
  assert.is(formatFloat(0.000012345, 'g', 3), '1.23e-05')
  assert.is(formatFloat(9.995, 'f', 2), '9.99')
  assert.is(formatFloat(99.5, 'f', 0), '100')
  assert.is(formatFloat(-0, 'g', -1), '-0')
  assert.is(formatFloat(5e-324, 'g', -1), '5e-324')
  assert.is(formatFloat(1.7976931348623157e308, 'g', -1), '1.7976931348623157e+308')
})

test('goQuote and goTypeName', () => {
  assert.is(goQuote('tab\there'), '"tab\\there"')
  assert.is(goQuote('\u00a0'), '"\\u00a0"')
  assert.is(goTypeName(goFloat(1)), 'float64')
  assert.is(goTypeName(GoTime.zero()), 'time.Time')
})

test.run()
