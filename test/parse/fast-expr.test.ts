import {test} from 'uvu'
import * as assert from 'uvu/assert'
import {compileExpr} from '../../src/expr/index.js'
import {newLogEvent, type Event} from '../../src/model/event.js'
import {markStringMap} from '../../src/model/go-values.js'
import {eventFn} from '../../src/parse/fast-expr.js'

/** An event with a few fields set (and some keys that shadow Object.prototype names). */
function sample(): Event {
  const evt = newLogEvent({raw: 'the raw line', src: '/var/log/x.log', module: 'file', labels: {type: 'nginx'}})
  evt.Parsed.program = 'nginx-access'
  evt.Parsed.request = '/index.html'
  evt.Parsed.file_frag = 'index'
  evt.Parsed.file_ext = '.html'
  evt.Parsed.empty = ''
  evt.Meta.service = 'http'
  evt.Meta.log_type = 'http_access-log'
  evt.Meta.http_status = '404'
  evt.Enriched.MarshaledTime = '2024-01-01T00:00:00Z'
  evt.StrTime = '01/Jan/2024:00:00:00 +0000'
  return evt
}

/** Events on which a fast path must give up (non-string values, odd maps) and defer to the program. */
function odd(): Event {
  const evt = sample()
  ;(evt.Parsed as Record<string, unknown>).program = 42
  ;(evt as unknown as {Meta: unknown}).Meta = markStringMap({service: 'http', toString: 'x'})
  return evt
}

const EXPRESSIONS = [
  'evt.Parsed.program',
  'evt.Parsed.missing',
  "evt.Parsed['request']",
  'evt.Parsed.toString',
  'evt.Meta.toString',
  'evt.Line.Raw',
  'evt.Line.Src',
  'evt.Line.Module',
  'evt.Line.Labels.type',
  'evt.Line.Labels.missing',
  'evt.StrTime',
  'evt.MarshaledTime',
  'evt.Enriched.MarshaledTime',
  "evt.Line.Labels.type == 'nginx'",
  "'nginx' == evt.Line.Labels.type",
  "evt.Line.Labels.type != 'syslog'",
  "evt.Line.Labels.type not in ['syslog', 'unifi']",
  "evt.Parsed.program startsWith 'nginx'",
  "evt.Parsed.program endsWith 'access'",
  "evt.Parsed.request contains 'index'",
  "evt.StrTime != ''",
  "evt.Meta.service == 'http' && evt.Meta.log_type in ['http_access-log', 'http_error-log']",
  "evt.Meta.service == 'ssh' || evt.Meta.log_type in ['http_access-log']",
  "!(evt.Meta.service == 'http')",
  "evt.Meta.http_status in ['404', '403', '502'] ? 'false' : 'true'",
  'evt.Parsed.file_frag + evt.Parsed.file_ext',
  "evt.Parsed.program + '-' + evt.Parsed.missing",
  "'literal'",
  'len(evt.Parsed.request)',
  "evt?.Parsed.program",
]

for (const source of EXPRESSIONS) {
  test(`eventFn(${source}) gives the program's result`, () => {
    const program = compileExpr(source, {env: 'event'})
    const fn = eventFn(program)
    for (const evt of [sample(), odd()]) {
      let want: unknown, wantError: string | undefined
      try {
        want = program.run({evt})
      } catch (error) {
        wantError = (error as Error).message
      }
      let got: unknown, gotError: string | undefined
      try {
        got = fn({evt})
      } catch (error) {
        gotError = (error as Error).message
      }
      assert.equal(gotError, wantError)
      assert.equal(got, want)
    }
  })
}

test('eventFn on a program without a tree runs the program', () => {
  let calls = 0
  const fn = eventFn({source: 'x', run: () => ++calls})
  assert.is(fn({evt: sample()}), 1)
  assert.is(calls, 1)
})

test.run()
