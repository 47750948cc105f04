import {test} from 'uvu'
import * as assert from 'uvu/assert'
import {formatRfc3339Nano, lastRfc3339NanoInstant} from '../../src/model/go-time-layout.js'
import {GoTime, fixedZone, loadLocation, UTC} from '../../src/model/go-time.js'
import {MarshaledTimeCache} from '../../src/detect/clock.js'
import {formatGoDefault, formatGoDuration, parseDurationNs, parseRfc3339} from '../../src/detect/time.js'
import {rng} from '../helpers/random.js'

const durations: [number, string][] = [
  [0, '0s'], [1, '1ns'], [1500, '1.5µs'], [500_000, '500µs'], [1_500_000, '1.5ms'], [30_181_650, '30.18165ms'],
  [10e9, '10s'], [60e9, '1m0s'], [90.5e9, '1m30.5s'], [4 * 3600e9, '4h0m0s'], [(167 * 3600 + 59 * 60 + 59) * 1e9, '167h59m59s'],
  [-63e9, '-1m3s'], [3e9, '3s'],
]
for (const [ns, want] of durations) {
  test(`formatGoDuration ${want}`, () => assert.is(formatGoDuration(ns), want))
}

const parses: [string, number | string][] = [
  ['10s', 10e9], ['0.5s', 0.5e9], ['1m30s', 90e9], ['2h', 7200e9], ['0', 0], ['10ms', 10e6], ['-1m', -60e9], ['1.5h', 5400e9],
  ['', 'time: invalid duration ""'], ['10', 'time: missing unit in duration "10"'], ['1d', 'time: invalid duration "1d"'],
]
for (const [text, want] of parses) {
  test(`parseDurationNs ${JSON.stringify(text)}`, () => {
    if (typeof want === 'number') assert.is(parseDurationNs(text), want)
    else assert.throws(() => parseDurationNs(text), (e: Error) => e.message === want)
  })
}

const times: [string, string, string][] = [
  ['2026-02-12T14:10:21Z', '2026-02-12T14:10:21Z', '2026-02-12 14:10:21 +0000 UTC'],
  ['2021-09-29T14:11:34+02:00', '2021-09-29T14:11:34+02:00', '2021-09-29 14:11:34 +0200 +0200'],
  ['2024-02-29T23:59:59.123456789Z', '2024-02-29T23:59:59.123456789Z', '2024-02-29 23:59:59.123456789 +0000 UTC'],
  ['2020-01-04T07:25:02.500-05:30', '2020-01-04T07:25:02.5-05:30', '2020-01-04 07:25:02.5 -0530 -0530'],
]
for (const [input, rfc, goDefault] of times) {
  test(`parseRfc3339 ${input}`, () => {
    const t = parseRfc3339(input)
    assert.ok(t)
    assert.is(formatRfc3339Nano(t!), rfc)
    assert.is(formatGoDefault(t!), goDefault)
  })
}

test('parseRfc3339 epoch seconds', () => {
  assert.equal(parseRfc3339('1970-01-02T00:00:01Z'), {sec: 86401, nsec: 0, offset: 0})
  assert.equal(parseRfc3339('1970-01-01T01:00:00+01:00'), {sec: 0, nsec: 0, offset: 3600})
})

for (const bad of ['2026-02-30T00:00:00Z', '2026-02-12 14:10:21Z', 'Feb 12 14:10:21', '', '2026-02-12T14:10:21']) {
  test(`parseRfc3339 rejects ${JSON.stringify(bad)}`, () => assert.is(parseRfc3339(bad), null))
}

test('the MarshaledTime cache gives what parseRfc3339 gives, also for a text formatRfc3339Nano has just made', () => {
  const next = rng(2026)
  // whole-minute offsets (the text is exact), offsets with seconds (it is not), years outside 0..9999
  const zones = [UTC, fixedZone('', 3600), fixedZone('', -(9 * 3600 + 30 * 60)), fixedZone('X', 5 * 3600 + 45 * 60 + 17), loadLocation('Europe/Paris')]
  const cache = new MarshaledTimeCache()
  let remembered = 0
  let sec = 0
  for (let i = 0; i < 6000; i++) {
    // runs of lines within a day (the date and zone parts are reused), and jumps across years -100..10100
    sec = i % 50 === 0 ? Math.floor((next() * 10200 - 2070) * 365.2425 * 86400) : sec + Math.floor(next() * 4)
    const nsec = [0, 0, Math.floor(next() * 1000) * 1e6, Math.floor(next() * 1e9)][i % 4]!
    const t = new GoTime(sec, nsec, zones[Math.floor(i / 50) % zones.length])
    const text = formatRfc3339Nano(t)
    if (lastRfc3339NanoInstant(text) !== undefined) remembered++
    assert.equal(cache.parse(text), parseRfc3339(text), text)
    assert.is(lastRfc3339NanoInstant(text + ' '), undefined)
  }
  assert.ok(remembered > 3000, `${remembered} instants remembered`)
  assert.is(lastRfc3339NanoInstant(''), undefined)
})

test.run()
