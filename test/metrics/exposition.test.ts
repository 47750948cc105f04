/**
 * The exposition reader: the text format's forms (escapes, trailing commas, timestamps, NaN/Inf, histograms),
 * one error per malformed line with its position, hostile input (huge, binary, pathological for a regex)
 * refused quickly as CrowdErrors, and a CrowdSec agent's page read the way cscli metrics reads it.
 */
import {test} from 'uvu'
import * as assert from 'uvu/assert'
import {figuresOfExposition, figuresOfText, parseExposition} from '../../src/metrics/exposition.js'
import {CrowdError} from '../../src/model/errors.js'

const labels = (o: Record<string, string>): Record<string, string> => Object.assign(Object.create(null) as Record<string, string>, o)

const VALID: [string, string, {name: string; labels: Record<string, string>; value: number}[]][] = [
  ['a bare sample', 'up 1', [{name: 'up', labels: labels({}), value: 1}]],
  ['labels, spaces and a trailing comma', 'x_total { a = "1" , b="two", } 2.5e3', [{name: 'x_total', labels: labels({a: '1', b: 'two'}), value: 2500}]],
  ['escapes in label values', String.raw`x{p="C:\\logs\\a \"b\"\nc"} 1`, [{name: 'x', labels: labels({p: 'C:\\logs\\a "b"\nc'}), value: 1}]],
  ['a timestamp, tabs and CRLF', 'x{a="1"}\t3\t1700000000000\r\ny -4 -5\r\n', [{name: 'x', labels: labels({a: '1'}), value: 3}, {name: 'y', labels: labels({}), value: -4}]],
  ['NaN and infinities', 'a NaN\nb +Inf\nc -Inf\nd Inf', [{name: 'a', labels: labels({}), value: NaN}, {name: 'b', labels: labels({}), value: Infinity}, {name: 'c', labels: labels({}), value: -Infinity}, {name: 'd', labels: labels({}), value: Infinity}]],
  ['comments, HELP with any text, blank lines', '# just a comment\n# HELP x Help with "quotes" and \\ and {braces}\n\n   \n# TYPE x counter\nx 1', [{name: 'x', labels: labels({}), value: 1}]],
  ['a label named __proto__ stays a label', 'x{__proto__="p",constructor="c"} 1', [{name: 'x', labels: labels(JSON.parse('{"__proto__": "p", "constructor": "c"}')), value: 1}]],
  ['colons in metric names', 'job:rate:sum 7', [{name: 'job:rate:sum', labels: labels({}), value: 7}]],
  ['an empty page', '', []],
]

for (const [title, text, want] of VALID) {
  test(`parses ${title}`, () => {
    const got = parseExposition(text).samples
    assert.is(got.length, want.length)
    got.forEach((s, i) => {
      assert.is(s.name, want[i]!.name)
      assert.equal(Object.entries(s.labels), Object.entries(want[i]!.labels))
      assert.ok(Object.is(s.value, want[i]!.value), `${s.value} vs ${want[i]!.value}`)
    })
  })
}

test('families: TYPE declarations with their type, samples of undeclared ones, histogram parts folded', () => {
  const {families} = parseExposition('# TYPE h histogram\nh_bucket{le="+Inf"} 1\nh_sum 2\nh_count 1\n# TYPE g gauge\nu 1\n')
  assert.equal([...families], [['h', 'histogram'], ['g', 'gauge'], ['u', undefined]])
})

const ERRORS: [string, string, string][] = [
  ['an HTML page', '<!DOCTYPE html>\n<html>', 'not Prometheus text exposition: expected a metric name (<metrics>:1:1)'],
  ['a name without value', 'up', 'not Prometheus text exposition: expected a sample value (<metrics>:1:3)'],
  ['a word as value', 'up yes', 'not Prometheus text exposition: "yes" is not a number (<metrics>:1:4)'],
  ['a hex value', 'up 0x10', 'not Prometheus text exposition: "0x10" is not a number (<metrics>:1:4)'],
  ['an unterminated label value', 'x{a="1} 2', 'not Prometheus text exposition: unterminated label value (<metrics>:1:10)'],
  ['an unquoted label value', 'x{a=1} 2', 'not Prometheus text exposition: expected a quoted label value (<metrics>:1:5)'],
  ['a label without "="', 'x{a "1"} 2', 'not Prometheus text exposition: expected "=" after the label name (<metrics>:1:5)'],
  ['a missing comma', 'x{a="1" b="2"} 2', 'not Prometheus text exposition: expected "," or "}" after the label value (<metrics>:1:9)'],
  ['a repeated label', 'x{a="1",a="2"} 2', 'not Prometheus text exposition: label "a" given twice (<metrics>:1:9)'],
  ['a bad escape', String.raw`x{a="\t"} 2`, 'not Prometheus text exposition: invalid escape in a label value (<metrics>:1:6)'],
  ['a label name with a colon', 'x{a:b="1"} 2', 'not Prometheus text exposition: expected "=" after the label name (<metrics>:1:4)'],
  ['a fractional timestamp', 'x 1 12.5', 'not Prometheus text exposition: the timestamp must be an integer (milliseconds) (<metrics>:1:5)'],
  ['text after the timestamp', 'x 1 12 13', 'not Prometheus text exposition: unexpected text after the sample (<metrics>:1:8)'],
  ['an unknown type', '# TYPE x countr', 'not Prometheus text exposition: unknown metric type "countr" (<metrics>:1:10)'],
  ['the error on a later line', 'a 1\nb 2\nc {', 'not Prometheus text exposition: expected a label name (<metrics>:3:4)'],
]

for (const [title, text, message] of ERRORS) {
  test(`refuses ${title}`, () => {
    const error = catchError(() => parseExposition(text))
    assert.instance(error, CrowdError)
    assert.is((error as CrowdError).code, 'input')
    assert.is((error as CrowdError).message, message)
  })
}

test('an error shows the line with a caret, but not a long or binary one', () => {
  const short = catchError(() => parseExposition('x{a=1} 2', {source: 'http://h/metrics'})) as CrowdError
  assert.is(short.withSnippet(), 'not Prometheus text exposition: expected a quoted label value (http://h/metrics:1:5)\n | x{a=1} 2\n |     ^')
  const binary = catchError(() => parseExposition('x\u0000\u0001 1')) as CrowdError
  assert.is(binary.sourceLine, undefined)
  const long = catchError(() => parseExposition('x{' + 'a'.repeat(300))) as CrowdError
  assert.is(long.sourceLine, undefined)
})

test('text over the size bound is refused before reading', () => {
  const error = catchError(() => parseExposition('x 1\n'.repeat(100), {maxLength: 100, source: 'http://h/metrics'})) as CrowdError
  assert.is(error.message, 'metrics text is longer than 100 characters (http://h/metrics)')
})

test('hostile input is read in linear time: long lines that defeat backtracking regexes', () => {
  const cases = [
    'x{' + 'a="b",'.repeat(200_000),              // a never-closed label set
    'x{a="' + '\\\\'.repeat(500_000),             // escapes without end
    '#'.repeat(2_000_000) + '\nx{',               // a huge comment, then an error
    ' '.repeat(2_000_000) + 'x',                  // blanks before a name without value
    'a'.repeat(2_000_000),                        // one huge name
    'x 1\n'.repeat(500_000) + 'x{',               // many lines, error at the end
  ]
  for (const text of cases) {
    const t0 = performance.now()
    const error = catchError(() => parseExposition(text))
    const ms = performance.now() - t0
    assert.instance(error, CrowdError, `input starting ${JSON.stringify(text.slice(0, 20))}`)
    assert.ok(ms < 2000, `took ${ms.toFixed(0)} ms on input starting ${JSON.stringify(text.slice(0, 20))}`)
  }
})

test('random bytes give a CrowdError or samples, never another exception', () => {
  let seed = 42
  const random = (): number => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31)
  const alphabet = 'a_:{}=",\\n \t#0123456789.eE+-NaInf\n\u0000\u00ff\u{1F600}'
  for (let i = 0; i < 3000; i++) {
    const chars = Array.from({length: 1 + Math.floor(random() * 60)}, () => [...alphabet][Math.floor(random() * [...alphabet].length)])
    const text = chars.join('')
    try {
      figuresOfText(text)
    } catch (error) {
      if (!(error instanceof CrowdError)) throw new Error(`${JSON.stringify(text)}: ${String(error)}`)
    }
  }
})

test('a page with no cs_ or crowd_ metric is not a CrowdSec or crowd endpoint', () => {
  const error = catchError(() => figuresOfText('# TYPE node_load1 gauge\nnode_load1 0.5\n', {source: 'http://h:9100/metrics'})) as CrowdError
  assert.is(error.message, 'no CrowdSec (cs_*) or crowd (crowd_*) metrics there (http://h:9100/metrics)')
})

/** What a CrowdSec 1.4.6 agent with its LAPI serves (trimmed), written for this test. */
const CROWDSEC_PAGE = `# HELP cs_bucket_created_total Total buckets were instantiated.
# TYPE cs_bucket_created_total counter
cs_bucket_created_total{name="crowdsecurity/ssh-bf"} 3
cs_bucket_created_total{name="crowdsecurity/ssh-slow-bf"} 2
# TYPE cs_bucket_overflowed_total counter
cs_bucket_overflowed_total{name="crowdsecurity/ssh-bf"} 1
# TYPE cs_bucket_poured_total counter
cs_bucket_poured_total{name="crowdsecurity/ssh-bf",source="/var/log/auth.log",type="file"} 12
cs_bucket_poured_total{name="crowdsecurity/ssh-slow-bf",source="/var/log/auth.log",type="file"} 12
cs_bucket_poured_total{name="crowdsecurity/ssh-bf",source="10.0.0.5:514",type="syslog"} 4
# TYPE cs_bucket_underflowed_total counter
cs_bucket_underflowed_total{name="crowdsecurity/ssh-slow-bf"} 1
# TYPE cs_buckets gauge
cs_buckets{name="crowdsecurity/ssh-bf"} 2
cs_buckets{name="crowdsecurity/ssh-slow-bf"} 1
# TYPE cs_filesource_hits_total counter
cs_filesource_hits_total{source="/var/log/auth.log"} 40
# TYPE cs_info gauge
cs_info{version="v1.4.6-debian"} 0
# TYPE cs_node_hits_total counter
cs_node_hits_total{name="crowdsecurity/sshd-logs",source="/var/log/auth.log",type="file"} 30
cs_node_hits_total{name="crowdsecurity/sshd-logs",source="10.0.0.5:514",type="syslog"} 6
# TYPE cs_node_hits_ko_total counter
cs_node_hits_ko_total{name="crowdsecurity/sshd-logs",source="/var/log/auth.log",type="file"} 18
# TYPE cs_node_hits_ok_total counter
cs_node_hits_ok_total{name="crowdsecurity/sshd-logs",source="/var/log/auth.log",type="file"} 12
cs_node_hits_ok_total{name="crowdsecurity/sshd-logs",source="10.0.0.5:514",type="syslog"} 6
# TYPE cs_parser_hits_ko_total counter
cs_parser_hits_ko_total{source="/var/log/auth.log",type="file"} 28
# TYPE cs_parser_hits_ok_total counter
cs_parser_hits_ok_total{source="/var/log/auth.log",type="file"} 12
cs_parser_hits_ok_total{source="10.0.0.5:514",type="syslog"} 6
# TYPE cs_parser_hits_total counter
cs_parser_hits_total{source="/var/log/auth.log",type="file"} 40
cs_parser_hits_total{source="10.0.0.5:514",type="syslog"} 6
# TYPE cs_alerts gauge
cs_alerts{reason="crowdsecurity/ssh-bf"} 5
# HELP cs_parsing_time_seconds Time spent parsing a line
# TYPE cs_parsing_time_seconds histogram
cs_parsing_time_seconds_bucket{source="/var/log/auth.log",type="file",le="0.0005"} 39
cs_parsing_time_seconds_bucket{source="/var/log/auth.log",type="file",le="+Inf"} 40
cs_parsing_time_seconds_sum{source="/var/log/auth.log",type="file"} 0.01
cs_parsing_time_seconds_count{source="/var/log/auth.log",type="file"} 40
# TYPE go_goroutines gauge
go_goroutines 61
# TYPE process_start_time_seconds gauge
process_start_time_seconds 1.76732e+09
`

test("a CrowdSec agent's page reads as cscli metrics shows it", () => {
  const figures = figuresOfText(CROWDSEC_PAGE, {now: new Date('2026-01-02T10:00:00Z')})
  assert.equal(figures, {
    acquisition: [
      {source: '/var/log/auth.log', module: 'file', type: '', lines_read: 40, lines_parsed: 12, lines_unparsed: 28, lines_poured: 24},
      {source: '10.0.0.5:514', module: 'syslog', type: '', lines_read: 6, lines_parsed: 6, lines_unparsed: 0, lines_poured: 4},
    ],
    parsers: [{name: 'crowdsecurity/sshd-logs', hits: 36, parsed: 18, unparsed: 18}],
    buckets: [
      {name: 'crowdsecurity/ssh-bf', current: 2, poured: 16, instantiated: 3, overflows: 1, underflows: 0},
      {name: 'crowdsecurity/ssh-slow-bf', current: 1, poured: 12, instantiated: 2, overflows: 0, underflows: 1},
    ],
    alerts: [{scenario: 'crowdsecurity/ssh-bf', count: 5}],
    at: '2026-01-02T10:00:00.000Z',
    since: '2026-01-02T02:13:20.000Z',
  })
})

test('samples that are not counts (NaN, negative, infinite) are skipped; pours without a source stay off the acquisition rows', () => {
  const figures = figuresOfExposition(parseExposition([
    'cs_buckets{name="a"} NaN',
    'cs_bucket_created_total{name="a"} -3',
    'cs_bucket_overflowed_total{name="a"} +Inf',
    'cs_bucket_poured_total{name="a"} 7.9',
    'crowd_figures_timestamp_seconds 1e300',
  ].join('\n')), {now: new Date(0)})
  assert.equal(figures.buckets, [{name: 'a', current: 0, poured: 7, instantiated: 0, overflows: 0, underflows: 0}])
  assert.equal(figures.acquisition, [])
  assert.is(figures.at, '1970-01-01T00:00:00.000Z')
})

function catchError(fn: () => unknown): unknown {
  try {
    fn()
  } catch (error) {
    return error
  }
  throw new Error('expected an error')
}

test.run()
