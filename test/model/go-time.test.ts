import {test} from 'uvu'
import * as assert from 'uvu/assert'
import {GoDuration, GoTime, UTC, civilFromDays, daysFromCivil, fixedZone, formatDuration, inYearZero, loadLocation, parseGoDuration} from '../../src/model/go-time.js'
import {rng} from '../helpers/random.js'
import {GoFloat} from '../../src/model/go-values.js'

const DURATIONS: [string, string][] = [
  ['0', '0s'],
  ['1h30m', '1h30m0s'],
  ['1.5h', '1h30m0s'],
  ['-2m', '-2m0s'],
  ['+5s', '5s'],
  ['300ms', '300ms'],
  ['10ms', '10ms'],
  ['1m30s', '1m30s'],
  ['1.5ms', '1.5ms'],
  ['500us', '500µs'],
  ['500µs', '500µs'],
  ['500μs', '500µs'],
  ['42ns', '42ns'],
  ['4h', '4h0m0s'],
  ['167h59m59s', '167h59m59s'],
  ['1m30.5s', '1m30.5s'],
  ['.5s', '500ms'],
  ['30.18165ms', '30.18165ms'],
]

for (const [input, want] of DURATIONS) {
  test(`parseGoDuration(${JSON.stringify(input)}).String() is ${want}`, () => {
    assert.is(parseGoDuration(input).String(), want)
  })
}

const DURATION_ERRORS: [string, string][] = [
  ['', 'time: invalid duration ""'],
  ['1', 'time: missing unit in duration "1"'],
  ['1d', 'time: unknown unit "d" in duration "1d"'],
  ['abc', 'time: invalid duration "abc"'],
  ['.s', 'time: invalid duration ".s"'],
  ['-', 'time: invalid duration "-"'],
]

for (const [input, message] of DURATION_ERRORS) {
  test(`parseGoDuration(${JSON.stringify(input)}) throws ${message}`, () => {
    assert.throws(() => parseGoDuration(input), (e: Error) => e.message === message)
  })
}

test('formatDuration: sub-second units and negative values', () => {
  assert.is(formatDuration(1), '1ns')
  assert.is(formatDuration(1500), '1.5µs')
  assert.is(formatDuration(-63e9), '-1m3s')
  assert.is(formatDuration(3600e9), '1h0m0s')
})

test('GoDuration float methods are Go floats (integral ones are GoFloat)', () => {
  const d = parseGoDuration('90s')
  assert.is((d.Seconds() as GoFloat).value, 90)
  assert.ok(d.Seconds() instanceof GoFloat)
  assert.is(d.Minutes(), 1.5)
  assert.is(d.Milliseconds(), 90000)
  assert.is(parseGoDuration('1h30m').Hours(), 1.5)
})

test('civil date conversion round-trips around the epoch, year 0 and leap days', () => {
  for (const [y, m, d] of [[1970, 1, 1], [2000, 2, 29], [0, 2, 29], [1, 1, 1], [2024, 12, 31], [-1, 12, 31]] as const) {
    assert.equal(civilFromDays(daysFromCivil(y, m, d)), [y, m, d])
  }
  assert.is(daysFromCivil(1970, 1, 1), 0)
})

test('GoTime.zero is 0001-01-01 UTC and IsZero', () => {
  const z = GoTime.zero()
  assert.ok(z.IsZero())
  assert.is(z.Year(), 1)
  assert.is(z.String(), '0001-01-01 00:00:00 +0000 UTC')
  assert.not.ok(GoTime.fromEpochMs(0).IsZero())
})

test('GoTime calendar methods', () => {
  const t = GoTime.date(2023, 9, 4, 15, 19, 51, 123_000_000, UTC)
  assert.is(t.Unix(), 1693840791)
  assert.is(t.Year(), 2023)
  assert.is(t.Month().value, 9)
  assert.is(t.Month().String(), 'September')
  assert.is(t.Day(), 4)
  assert.is(t.Hour(), 15)
  assert.is(t.Minute(), 19)
  assert.is(t.Second(), 51)
  assert.is(t.Nanosecond(), 123_000_000)
  assert.is(t.YearDay(), 247)
  assert.is(t.Weekday().value, 1)
  assert.is(t.Weekday().String(), 'Monday')
  assert.is(t.UnixMilli(), 1693840791123)
})

test('GoTime arithmetic: Add, Sub, Before/After/Equal, AddDate normalises', () => {
  const a = GoTime.date(2024, 1, 31, 23, 59, 59, 0, UTC)
  const b = a.Add(parseGoDuration('1s'))
  assert.is(b.String(), '2024-02-01 00:00:00 +0000 UTC')
  assert.is(b.Sub(a).String(), '1s')
  assert.is(a.Sub(b).String(), '-1s')
  assert.ok(a.Before(b))
  assert.ok(b.After(a))
  assert.ok(a.Equal(a.In(fixedZone('', 7200))))
  assert.is(a.AddDate(0, 1, 0).String(), '2024-03-02 23:59:59 +0000 UTC')
  assert.is(a.Add(new GoDuration(-1)).Nanosecond(), 999_999_999)
})

test('GoTime in a fixed zone keeps the instant and shows the wall clock', () => {
  const t = GoTime.date(2021, 9, 29, 14, 11, 34, 0, fixedZone('', 7200))
  assert.is(t.Unix(), 1632917494)
  assert.is(t.Hour(), 14)
  assert.is(t.UTC().Hour(), 12)
  assert.is(t.String(), '2021-09-29 14:11:34 +0200 +0200')
})

test('named zones resolve through Intl, with DST', () => {
  const paris = loadLocation('Europe/Paris')
  assert.is(GoTime.date(2024, 1, 15, 12, 0, 0, 0, paris).String(), '2024-01-15 12:00:00 +0100 CET')
  assert.is(GoTime.date(2024, 7, 15, 12, 0, 0, 0, paris).String(), '2024-07-15 12:00:00 +0200 CEST')
  assert.is(GoTime.date(2024, 7, 15, 12, 0, 0, 0, loadLocation('America/New_York')).String(), '2024-07-15 12:00:00 -0400 EDT')
  assert.throws(() => loadLocation('Not/AZone'), /unknown time zone Not\/AZone/)
})

test('Truncate is relative to the zero time', () => {
  const t = GoTime.date(2024, 5, 6, 7, 8, 9, 500, UTC)
  assert.is(t.Truncate(parseGoDuration('1h')).String(), '2024-05-06 07:00:00 +0000 UTC')
})

test('inYearZero is Year() === 0, at its edges and at random (zones east and west)', () => {
  const zones = [UTC, fixedZone('', 14 * 3600), fixedZone('', -(11 * 3600 + 30 * 60))]
  const edges = [daysFromCivil(0, 1, 1), daysFromCivil(1, 1, 1)].flatMap((d) => [d * 86400 - 1, d * 86400, d * 86400 + 1])
  const next = rng(11)
  const random = Array.from({length: 3000}, () => Math.floor((next() * 6 - 3) * 365.2425 * 86400) + daysFromCivil(0, 6, 1) * 86400)
  let inside = 0
  for (const wall of [...edges, ...random]) {
    for (const zone of zones) {
      const t = new GoTime(wall - zone.lookup(0).offset, 0, zone)
      const want = t.Year() === 0
      if (want) inside++
      assert.is(inYearZero(t), want, `${wall} ${zone.String()}`)
    }
  }
  assert.ok(inside > 500, `${inside} times in year 0`)
})

test.run()
