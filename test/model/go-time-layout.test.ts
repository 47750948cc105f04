import {test} from 'uvu'
import * as assert from 'uvu/assert'
import {rng} from '../helpers/random.js'
import {GoTime, UTC, fixedZone, loadLocation, setLocalLocation, type GoLocation} from '../../src/model/go-time.js'
import {ACCESS_LOG_LAYOUT, ANSIC, Kitchen, RFC1123, RFC1123Z, RFC3339, RFC3339Nano, RFC822, RFC850, RubyDate, StampMicro, UnixDate, formatGoTime, formatRfc3339Nano, parseGoTime, tryParseGoTime} from '../../src/model/go-time-layout.js'

const T = GoTime.date(2009, 11, 10, 23, 4, 5, 123456789, UTC)
const T2 = GoTime.date(2006, 1, 2, 15, 4, 5, 0, fixedZone('', -7 * 3600))

const FORMATS: [GoTime, string, string][] = [
  [T, RFC3339, '2009-11-10T23:04:05Z'],
  [T, RFC3339Nano, '2009-11-10T23:04:05.123456789Z'],
  [T, ANSIC, 'Tue Nov 10 23:04:05 2009'],
  [T, UnixDate, 'Tue Nov 10 23:04:05 UTC 2009'],
  [T, RubyDate, 'Tue Nov 10 23:04:05 +0000 2009'],
  [T, RFC822, '10 Nov 09 23:04 UTC'],
  [T, RFC850, 'Tuesday, 10-Nov-09 23:04:05 UTC'],
  [T, RFC1123, 'Tue, 10 Nov 2009 23:04:05 UTC'],
  [T, Kitchen, '11:04PM'],
  [T, StampMicro, 'Nov 10 23:04:05.123456'],
  [T, '2006-01-02 15:04:05.999999999 -0700 MST', '2009-11-10 23:04:05.123456789 +0000 UTC'],
  [T, '.000 .999 ,00 .9', '.123 .123 ,12 .1'],
  [T, '002 __2 _2 2 1 01 3 03 pm', '314 314 10 10 11 11 11 11 pm'],
  [T2, RFC3339, '2006-01-02T15:04:05-07:00'],
  [T2, RFC1123Z, 'Mon, 02 Jan 2006 15:04:05 -0700'],
  [T2, 'MST -07 Z07 -07:00:00 Z0700', '-0700 -07 -07 -07:00:00 -0700'],
  [GoTime.date(2024, 3, 5, 9, 7, 3, 0, UTC), 'Jan _2 3:4:5 06', 'Mar  5 9:7:3 24'],
  [GoTime.date(2024, 3, 5, 0, 0, 0, 0, UTC), '3PM Monday January', '12AM Tuesday March'],
  [GoTime.date(2024, 3, 5, 0, 0, 0, 0, UTC), 'Jane Month', 'Jane Month'],
]

for (const [t, layout, want] of FORMATS) {
  test(`format ${JSON.stringify(layout)} -> ${JSON.stringify(want)}`, () => {
    assert.is(formatGoTime(t, layout), want)
  })
}

// parsers.md §7.1 layouts, with inputs from the hub and their RFC3339Nano output
const PARSES: [string, string, string][] = [
  [RFC3339, '2021-09-29T14:11:34+02:00', '2021-09-29T14:11:34+02:00'],
  [RFC3339, '2023-11-14T00:20:42.738197+01:00', '2023-11-14T00:20:42.738197+01:00'],
  [RFC3339, '2023-02-27T07:14:47.545612Z', '2023-02-27T07:14:47.545612Z'],
  ['02/Jan/2006:15:04:05 -0700', '04/Jan/2020:07:25:02 +0000', '2020-01-04T07:25:02Z'],
  ['Mon Jan 2 15:04:05 2006', 'Tue Feb 11 09:00:01 2025', '2025-02-11T09:00:01Z'],
  ['Mon Jan 2 15:04:05 2006', 'Sat Feb 11 09:00:01 2025', '2025-02-11T09:00:01Z'],
  ['02-Jan-2006 15:04:05 europe/paris', '14-Feb-2024 10:00:00 europe/paris', '2024-02-14T10:00:00Z'],
  ['01/02/2006 15:04:05', '12/31/2024 23:59:59', '2024-12-31T23:59:59Z'],
  ['2006-01-02 15:04:05.999999999 -0700 MST', '2024-01-02 03:04:05.123 +0100 CET', '2024-01-02T03:04:05.123+01:00'],
  ['Jan  2 15:04:05', 'Feb 12 14:10:21', '0000-02-12T14:10:21Z'],
  ['Jan  2 15:04:05', 'Jun  8 10:44:36', '0000-06-08T10:44:36Z'],
  ['Jan  2 15:04:05', 'feb 29 14:10:21', '0000-02-29T14:10:21Z'],
  ['Mon Jan 02 15:04:05.000000 2006', 'Wed Feb 14 10:00:00.123456 2024', '2024-02-14T10:00:00.123456Z'],
  ['2006/01/02', '2024/03/01', '2024-03-01T00:00:00Z'],
  ['2006/01/02 15:04', '2024/03/01 12:30', '2024-03-01T12:30:00Z'],
  ['2006-01-02 15:04', '2024-03-01 12:30', '2024-03-01T12:30:00Z'],
  ['2006/01/02 15:04:05', '2021/12/01 13:53:33', '2021-12-01T13:53:33Z'],
  ['2006-01-02 15:04:05', '2006-01-02 15:04:05.123', '2006-01-02T15:04:05.123Z'],
  ['2006-01-02 15:04:05', '2006-01-02 15:04:05,5', '2006-01-02T15:04:05.5Z'],
  ['2006-01-02T15:04:05', '2024-05-06T07:08:09.000001', '2024-05-06T07:08:09.000001Z'],
  [RFC1123, 'Mon, 02 Jan 2006 15:04:05 UTC', '2006-01-02T15:04:05Z'],
  [RFC1123, 'Mon, 02 Jan 2006 15:04:05 GMT+2', '2006-01-02T17:04:05+02:00'],
  [Kitchen, '3:04PM', '0000-01-01T15:04:00Z'],
  ['2006 002', '2024 060', '2024-02-29T00:00:00Z'],
  ['2006 002', '2023 060', '2023-03-01T00:00:00Z'],
  ['15:04:05 -07', '10:00:00 +05', '0000-01-01T10:00:00+05:00'],
  ['Z07:00', 'Z', '0000-01-01T00:00:00Z'],
  ['06-01-02', '69-01-02', '1969-01-02T00:00:00Z'],
  ['06-01-02', '68-01-02', '2068-01-02T00:00:00Z'],
  ['3:04PM', '12:30AM', '0000-01-01T00:30:00Z'],
  ['3:04pm', '1:05pm', '0000-01-01T13:05:00Z'],
  ['15:04:05', '10:00:00.1234567891234', '0000-01-01T10:00:00.123456789Z'],
  ['15:04:05 -07:00:00', '10:00:00 -01:30:15', '0000-01-01T10:00:00-01:30'],
  ['Monday January _2', 'TUESDAY MARCH  5', '0000-03-05T00:00:00Z'],
]

for (const [layout, input, want] of PARSES) {
  test(`parse ${JSON.stringify(input)} with ${JSON.stringify(layout)}`, () => {
    assert.is(formatGoTime(parseGoTime(layout, input), RFC3339Nano), want)
  })
}

const ERRORS: [string, string, string][] = [
  [RFC3339, '2021-09-29T14:11:34+0200', 'parsing time "2021-09-29T14:11:34+0200" as "2006-01-02T15:04:05Z07:00": cannot parse "+0200" as "Z07:00"'],
  ['01/02/2006 15:04:05', '29/09/2021 14:11:34', 'parsing time "29/09/2021 14:11:34": month out of range'],
  ['2006-01-02', '2023-02-29', 'parsing time "2023-02-29": day out of range'],
  ['2006-01-02T15:04:05', '2021-09-29T14:11:34+02:00', 'parsing time "2021-09-29T14:11:34+02:00": extra text: "+02:00"'],
  ['2006-01-02 15:04:05.999999999 -0700 MST', '2021-09-29 14:11:34 +0200', 'parsing time "2021-09-29 14:11:34 +0200" as "2006-01-02 15:04:05.999999999 -0700 MST": cannot parse "" as "MST"'],
  ['Jan _2', 'Foo 12', 'parsing time "Foo 12" as "Jan _2": cannot parse "Foo 12" as "Jan"'],
  ['15:04', '24:00', 'parsing time "24:00": hour out of range'],
  ['15:04', '12:61', 'parsing time "12:61": minute out of range'],
  ['02-Jan-2006 15:04:05 europe/paris', '14-Feb-2024 10:00:00 Europe/Paris', 'parsing time "14-Feb-2024 10:00:00 Europe/Paris" as "02-Jan-2006 15:04:05 europe/paris": cannot parse "Europe/Paris" as " europe/paris"'],
  ['15:04:05.000', '10:00:00.1234', 'parsing time "10:00:00.1234": extra text: "4"'],
  [RFC3339, '2021-01-01T00:00:00*02:00', 'parsing time "2021-01-01T00:00:00*02:00" as "2006-01-02T15:04:05Z07:00": cannot parse "*02:00" as "Z07:00"'],
  ['3:04PM', '1:05XM', 'parsing time "1:05XM" as "3:04PM": cannot parse "XM" as "PM"'],
  ['2006', '20x6', 'parsing time "20x6" as "2006": cannot parse "20x6" as "2006"'],
  ['Mon Jan 02 15:04:05.000000 2006', 'Wed Feb 14 10:00:00.123 2024', 'parsing time "Wed Feb 14 10:00:00.123 2024" as "Mon Jan 02 15:04:05.000000 2006": cannot parse ".123 2024" as ".000000"'],
]

for (const [layout, input, message] of ERRORS) {
  test(`parse error for ${JSON.stringify(input)} with ${JSON.stringify(layout)}`, () => {
    assert.throws(() => parseGoTime(layout, input), (e: Error) => {
      return e.message === message
    })
  })
}

test('a zone abbreviation in the layout: UTC is UTC, unknown names get offset 0, numeric offset wins', () => {
  const cet = parseGoTime('2006-01-02 15:04:05 MST', '2024-01-02 03:04:05 CET')
  assert.is(cet.offset, 0)
  assert.is(cet.zone, 'CET')
  const both = parseGoTime('2006-01-02 15:04:05 -0700 MST', '2024-01-02 03:04:05 +0100 CET')
  assert.is(both.offset, 3600)
  assert.is(both.String(), '2024-01-02 03:04:05 +0100 CET')
  assert.is(parseGoTime('2006-01-02 15:04:05 -0700', '2024-01-02 03:04:05 +0000').zone, 'UTC')
})

test('ParseInLocation: no zone in the input uses the given location', () => {
  const t = parseGoTime('2006-01-02 15:04:05', '2024-07-01 12:00:00', loadLocation('Europe/Paris'))
  assert.is(t.UTC().Hour(), 10)
  assert.is(t.zone, 'CEST')
})

test('format/parse round trip for every named layout', () => {
  const t = GoTime.date(2019, 4, 7, 8, 9, 10, 0, UTC)
  for (const layout of [RFC3339, RFC3339Nano, ANSIC, UnixDate, RubyDate, RFC1123, RFC1123Z, RFC850]) {
    const text = formatGoTime(t, layout)
    assert.ok(parseGoTime(layout, text).Equal(t), `${layout}: ${text}`)
  }
})

/** parseCore's answer (parseGoTime does not take the fast path), undefined when it fails. */
function general(layout: string, value: string, loc?: GoLocation): GoTime | undefined {
  try {
    return parseGoTime(layout, value, loc)
  } catch {
    return undefined
  }
}

function sameTime(a: GoTime | undefined, b: GoTime | undefined, what: string): void {
  if (a === undefined || b === undefined) {
    assert.is(a, b, what)
    return
  }
  assert.equal([a.sec, a.nsec, a.offset, a.zone, a.loc.String()], [b.sec, b.nsec, b.offset, b.zone, b.loc.String()], what)
  assert.is(a.String(), b.String(), what)
}

test('the access-log layout: the fast path gives what the general parser gives, in and out of its shape', () => {
  const next = rng(20)
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(next() * xs.length)]!
  const digits = (n: number, max: number): string => String(Math.floor(next() * (max + 1))).padStart(n, '0')
  const months = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec', 'jan', 'FEB', 'Foo', 'Ma']
  const make = (): string => {
    const text = `${digits(2, 32)}/${pick(months)}/${pick(['2026', '2024', '0000', '1969', '9999', '20x6'])}:${digits(2, 25)}:${digits(2, 61)}:${digits(2, 61)} ${pick(['+', '-', '+', '*'])}${digits(2, 25)}${digits(2, 61)}`
    // and some damage: a character changed, dropped or doubled
    const r = next()
    if (r < 0.1) {
      const i = Math.floor(next() * text.length)
      return text.slice(0, i) + pick(['0', '9', ' ', '/', ':', '.', 'a']) + text.slice(i + 1)
    }
    if (r < 0.15) {
      const i = Math.floor(next() * text.length)
      return text.slice(0, i) + text.slice(i + 1)
    }
    if (r < 0.2) {
      const i = Math.floor(next() * text.length)
      return text.slice(0, i) + text[i] + text.slice(i)
    }
    return text
  }
  const paris = loadLocation('Europe/Paris')
  let parsed = 0
  try {
    for (const local of [UTC, paris, loadLocation('America/New_York')]) {
      setLocalLocation(local)
      for (let i = 0; i < 4000; i++) {
        const text = i === 0 ? '31/Mar/2024:02:30:00 +0100' : i === 1 ? '27/Oct/2024:02:30:00 +0200' : make()
        const fast = tryParseGoTime(ACCESS_LOG_LAYOUT, text)
        sameTime(fast, general(ACCESS_LOG_LAYOUT, text), `${text} (local ${local.String()})`)
        sameTime(tryParseGoTime(ACCESS_LOG_LAYOUT, text, paris), general(ACCESS_LOG_LAYOUT, text, paris), `${text} in Paris`)
        if (fast !== undefined) parsed++
      }
    }
  } finally {
    setLocalLocation(undefined)
  }
  assert.ok(parsed > 3000, `${parsed} texts parsed: the generator must mostly make valid times`)
})

test('formatRfc3339Nano (and GoTime.toJSON, which uses it) is formatGoTime(t, RFC3339Nano)', () => {
  const next = rng(3339)
  const zones = [UTC, fixedZone('', 0), fixedZone('', 3600), fixedZone('', -(9 * 3600 + 30 * 60)), fixedZone('X', 5 * 3600 + 45 * 60 + 17), loadLocation('Europe/Paris')]
  for (let i = 0; i < 5000; i++) {
    // years -2000..12000, every fraction kind (none, millis, nanos)
    const sec = Math.floor((next() * 14000 - 3970) * 365.2425 * 86400)
    const nsec = [0, Math.floor(next() * 1000) * 1e6, Math.floor(next() * 1e9)][i % 3]!
    const t = new GoTime(sec, nsec, zones[i % zones.length])
    assert.is(formatRfc3339Nano(t), formatGoTime(t, RFC3339Nano), `${sec}.${nsec} ${t.loc.String()}`)
    assert.is(t.toJSON(), formatGoTime(t, RFC3339Nano), 'MarshalJSON')
  }
})

test.run()
