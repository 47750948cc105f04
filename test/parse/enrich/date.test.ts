import {test} from 'uvu'
import * as assert from 'uvu/assert'
import {GoTime} from '../../../src/model/go-time.js'
import {parseDate} from '../../../src/parse/enrich/date.js'

const NOW = GoTime.fromEpochMs(Date.UTC(2026, 5, 1))
const NOW_TEXT = '2026-06-01T00:00:00Z'

const CASES: Array<[string, string, string]> = [
  ['2021-09-29T14:11:34+02:00', '', '2021-09-29T14:11:34+02:00'],
  ['04/Jan/2020:07:25:02 +0000', '', '2020-01-04T07:25:02Z'],
  ['Feb 12 14:10:21', '', '2026-02-12T14:10:21Z'],
  ['Feb 29 10:00:00', '', '2026-03-01T10:00:00Z'],
  ['1693840791.7564995', '', '2023-09-04T15:19:51Z'],
  ['2023-11-14T00:20:42.738197+01:00', '', '2023-11-14T00:20:42.738197+01:00'],
  ['Tue Feb 11 09:00:01 2025', '', '2025-02-11T09:00:01Z'],
  ['2024-01-02 03:04:05.123 +0100 CET', '', '2024-01-02T03:04:05.123+01:00'],
  ['2021/12/01 13:53:33', '', '2021-12-01T13:53:33Z'],
  ['2024-01-02 03:04:05,123', '', '2024-01-02T03:04:05.123Z'],
  ['14-Feb-2024 10:00:00 europe/paris', '', '2024-02-14T10:00:00Z'],
  ['12/31/2024 23:59:59', '', '2024-12-31T23:59:59Z'],
  ['2021-09-29T14:11:34+0200', '', NOW_TEXT],
  ['garbage', '', NOW_TEXT],
  ['', '', NOW_TEXT],
  ['-5', '', NOW_TEXT],
  ['31.12.2024 10:11', '02.01.2006 15:04', '2024-12-31T10:11:00Z'],
  ['10:11 31.12', '15:04 02.01', '2026-12-31T10:11:00Z'],
]

for (const [input, layout, want] of CASES) {
  test(`ParseDate ${JSON.stringify(input)}${layout !== '' ? ` with ${layout}` : ''}`, () => {
    const got = parseDate(input, layout, NOW)
    assert.is(got.marshaled, want)
    assert.is(got.time === undefined, want === NOW_TEXT)
  })
}

test('a year-less date follows the clock on repeated text (never served from the last-text cache)', () => {
  assert.is(parseDate('Feb 12 14:10:21', '', NOW).marshaled, '2026-02-12T14:10:21Z')
  assert.is(parseDate('Feb 12 14:10:21', '', GoTime.fromEpochMs(Date.UTC(2027, 0, 1))).marshaled, '2027-02-12T14:10:21Z')
})

test('repeated text gives the same result; the layout asked is part of the cache key', () => {
  const a = parseDate('04/Jan/2020:07:25:02 +0000', '', NOW)
  assert.equal(parseDate('04/Jan/2020:07:25:02 +0000', '', NOW), a)
  assert.is(parseDate('03/04/2024 10:00:00', '', NOW).marshaled, '2024-03-04T10:00:00Z')
  assert.is(parseDate('03/04/2024 10:00:00', '02/01/2006 15:04:05', NOW).marshaled, '2024-04-03T10:00:00Z')
  assert.is(parseDate('03/04/2024 10:00:00', '', NOW).marshaled, '2024-03-04T10:00:00Z')
})

test.run()
