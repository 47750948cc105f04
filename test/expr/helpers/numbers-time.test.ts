import {test} from 'uvu'
import * as assert from 'uvu/assert'
import {createHelperContext, createHelpers} from '../../../src/expr/helpers/index.js'
import {parseGoFloat} from '../../../src/expr/helpers/numbers-time.js'
import {GoDuration, GoTime, UTC} from '../../../src/model/go-time.js'
import {GoFloat, numberValue} from '../../../src/model/go-values.js'

const NOW = GoTime.date(2026, 3, 1, 10, 0, 0, 123_000_000, UTC)
const h = createHelpers(createHelperContext({clock: {now: () => NOW}}))

const ATOF: [string, number][] = [
  ['1.5', 1.5],
  ['42', 42],
  ['1e3', 1000],
  ['-0.25', -0.25],
  ['.5', 0.5],
  ['5.', 5],
  ['inf', Infinity],
  ['-Infinity', -Infinity],
  ['0x1p3', 8],
  ['0x1.8p1', 3],
  ['1e400', Infinity],
  ['-1e400', -Infinity],
  ['abc', 0],
  [' 1', 0],
  ['1 ', 0],
  ['', 0],
  ['1_000', 0],
]

for (const [input, want] of ATOF) {
  test(`Atof(${JSON.stringify(input)}) = ${want}`, () => {
    const got = h.Atof!(input)
    assert.ok(typeof got !== 'number' || !Number.isInteger(got), 'Atof returns a float')
    assert.is(numberValue(got), want)
  })
}

test('Atof("NaN") is NaN and integral results are GoFloat', () => {
  assert.ok(Number.isNaN(numberValue(h.Atof!('NaN'))))
  assert.ok(h.Atof!('2') instanceof GoFloat)
})

test('parseGoFloat reports Go errors', () => {
  assert.throws(() => parseGoFloat('x'), /strconv.ParseFloat: parsing "x": invalid syntax/)
  assert.throws(() => parseGoFloat('1e999'), /value out of range/)
})

test('FloatApproxEqual', () => {
  assert.is(h.FloatApproxEqual!(0.1 + 0.2, 0.3), true)
  assert.is(h.FloatApproxEqual!(1, 1.001), false)
  assert.throws(() => h.FloatApproxEqual!('1', 1), /not float64/)
})

test('TimeNow is RFC 3339 UTC without fraction', () => {
  assert.is(h.TimeNow!(), '2026-03-01T10:00:00Z')
})

const UNIX: [string, string][] = [
  ['1693840791', '2023-09-04T15:19:51Z'],
  ['1693840791.7564995', '2023-09-04T15:19:51Z'],
  ['0', ''],
  ['-5', ''],
  ['abc', ''],
  ['', ''],
]

for (const [input, want] of UNIX) {
  test(`ParseUnix(${JSON.stringify(input)}) = ${JSON.stringify(want)}`, () => {
    assert.is(h.ParseUnix!(input), want)
  })
}

test('Distance: haversine km, (0,0) gives 0, bad numbers fail', () => {
  const paris_london = numberValue(h.Distance!('48.8566', '2.3522', '51.5074', '-0.1278'))!
  assert.ok(Math.abs(paris_london - 343.56) < 0.1, String(paris_london))
  assert.is(numberValue(h.Distance!('0', '0', '51.5', '0.1')), 0)
  assert.ok(h.Distance!('0', '0', '51.5', '0.1') instanceof GoFloat)
  assert.throws(() => h.Distance!('x', '0', '1', '1'), /lat1 is not a float : strconv.ParseFloat: parsing "x": invalid syntax/)
  assert.throws(() => h.Distance!('1', '1', '1', ''), /long2 is not a float/)
})

test('AverageInterval and MedianInterval sort the times', () => {
  const t = (s: number) => GoTime.date(2024, 1, 1, 0, 0, s, 0, UTC)
  const avg = h.AverageInterval!([t(10), t(0), t(4)]) as GoDuration
  assert.is(avg.String(), '5s')
  assert.is((h.MedianInterval!([t(0), t(1), t(3), t(10)]) as GoDuration).String(), '2s')
  assert.is((h.MedianInterval!([t(0), t(1), t(3), t(10), t(11)]) as GoDuration).String(), '1.5s')
  assert.throws(() => h.AverageInterval!([t(0)]), /need at least two times to calculate an average interval/)
  assert.throws(() => h.MedianInterval!([t(0)]), /need at least two times to calculate a median$/)
  assert.throws(() => h.AverageInterval!([t(0), 'x']), /element at index 1 is not a time.Time/)
  assert.throws(() => h.MedianInterval!('x'), /MedianInterval expects a slice of times/)
})

test.run()
