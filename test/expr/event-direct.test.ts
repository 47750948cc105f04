import {test} from 'uvu'
import * as assert from 'uvu/assert'
import {compileEventDirect} from '../../src/expr/event-direct.js'
import {compileExpr, eventFn, mapReadOf} from '../../src/expr/index.js'
import {newLogEvent, type Event} from '../../src/model/event.js'
import {markStringMap} from '../../src/model/go-values.js'

/** An event with a few fields set (and some keys that shadow Object.prototype names). */
function sample(): Event {
  const evt = newLogEvent({raw: 'the raw line', src: '/var/log/x.log', module: 'file', labels: {type: 'nginx'}})
  evt.Parsed.program = 'nginx-access'
  evt.Parsed.request = '/index.html'
  evt.Parsed.file_frag = 'index'
  evt.Parsed.file_ext = '.html'
  evt.Parsed.empty = ''
  evt.Parsed.utf = 'héllo wörld'
  evt.Meta.service = 'http'
  evt.Meta.log_type = 'http_access-log'
  evt.Meta.http_status = '404'
  evt.Enriched.MarshaledTime = '2024-01-01T00:00:00Z'
  evt.StrTime = '01/Jan/2024:00:00:00 +0000'
  return evt
}

/** Values on which a direct closure must give up (non-string entries, odd maps, nil structs) and defer to the program. */
function odd(): Event {
  const evt = sample()
  ;(evt.Parsed as Record<string, unknown>).program = 42
  ;(evt as unknown as {Meta: unknown}).Meta = markStringMap({service: 'http', toString: 'x'})
  return evt
}

function nilMaps(): Event {
  const evt = sample()
  ;(evt as unknown as {Parsed: unknown}).Parsed = null
  ;(evt.Line as unknown as {Labels: unknown}).Labels = null
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
  "evt.Meta.service == 'ssh' && evt.Parsed.program == 'x'",
  "evt.Meta.service == 'ssh' || evt.Meta.log_type in ['http_access-log']",
  "evt.Meta.service == 'http' || evt.Parsed.program == 'x'",
  "!(evt.Meta.service == 'http')",
  "not (evt.Parsed.program == 'nginx-access')",
  "evt.Meta.http_status in ['404', '403', '502'] ? 'false' : 'true'",
  "evt.Parsed.program == 'nginx-access' ? evt.Parsed.request : 'none'",
  'evt.Parsed.file_frag + evt.Parsed.file_ext',
  "evt.Parsed.program + '-' + evt.Parsed.missing",
  "'literal'",
  'len(evt.Parsed.request)',
  'len(evt.Parsed.missing)',
  'len(evt.Parsed.utf)',
  "len(evt.Parsed.program + evt.Parsed.utf)",
  'len(evt.Line.Labels.type)',
  'evt?.Parsed.program',
  'evt.Line.Labels',
  'evt.Parsed',
  "evt.GetMeta('service')",
]

/** The value or the error message of `f()`. */
function outcome(f: () => unknown): {value?: unknown; error?: string} {
  try {
    return {value: f()}
  } catch (error) {
    return {error: (error as Error).message}
  }
}

for (const source of EXPRESSIONS) {
  test(`runEvent(${source}) gives the generic program's result`, () => {
    const program = compileExpr(source, {env: 'event'})
    const plain = compileExpr(source, {env: 'event', optimize: false})
    for (const evt of [sample(), odd(), nilMaps()]) {
      const want = outcome(() => plain.run({evt}))
      assert.equal(outcome(() => program.run({evt})), want)
      assert.equal(outcome(() => program.runEvent(evt)), want)
      assert.equal(outcome(() => eventFn(program)(evt)), want)
    }
  })
}

test('eventFn on a Program without runEvent runs the program with {evt}', () => {
  const seen: unknown[] = []
  const evt = sample()
  const fn = eventFn({source: 'x', run: (vars) => seen.push(vars.evt)})
  assert.is(fn(evt), 1)
  assert.equal(seen, [evt])
})

test('runEvent outside the event environment is run({evt})', () => {
  const program = compileExpr('evt.Parsed.program', {env: 'any'})
  assert.is(program.runEvent(sample()), 'nginx-access')
})

const MAP_READS: Array<[string, ReturnType<typeof mapReadOf>]> = [
  ['evt.Parsed.remote_addr', {field: 'Parsed', key: 'remote_addr'}],
  ["evt.Meta['source_ip']", {field: 'Meta', key: 'source_ip'}],
  ['evt.Enriched.MarshaledTime', {field: 'Enriched', key: 'MarshaledTime'}],
  ['evt.Line.Labels.type', undefined],
  ['evt.StrTime', undefined],
  ['evt?.Parsed.x', undefined],
  ["evt.Parsed.x + ''", undefined],
]

for (const [source, want] of MAP_READS) {
  test(`mapReadOf(${source})`, () => {
    assert.equal(mapReadOf(compileExpr(source, {env: 'event'})), want)
  })
}

test('mapReadOf is undefined outside the event environment', () => {
  assert.is(mapReadOf(compileExpr('evt.Parsed.x', {env: 'any'})), undefined)
  assert.is(mapReadOf({source: 'evt.Parsed.x', run: () => ''}), undefined)
})

/** Which shapes get a direct closure (the parser hot path relies on these). */
const SHAPES: Array<[string, boolean]> = [
  ['evt.Parsed.remote_addr', true],
  ['evt.Line.Labels.type', true],
  ['evt.Line.Raw', true],
  ['evt.StrTime', true],
  ["evt.Line.Labels.type not in ['syslog', 'unifi']", true],
  ["evt.Meta.service == 'http' && evt.Meta.log_type in ['http_access-log', 'http_error-log']", true],
  ["evt.Meta.http_status in ['404', '403', '502'] ? 'false' : 'true'", true],
  ['evt.Parsed.file_frag + evt.Parsed.file_ext', true],
  ['len(evt.Parsed.http_args)', true],
  ["'literal'", false],
  ['evt?.Parsed.x', false],
  ['evt.Parsed', false],
  ["Upper(evt.Parsed.x) == 'A'", false],
  ["evt.Parsed.x matches 'a+'", false],
  ["evt.GetMeta('x')", false],
]

for (const [source, direct] of SHAPES) {
  test(`compileEventDirect(${source}) ${direct ? 'is direct' : 'is left to the program'}`, () => {
    const program = compileExpr(source, {env: 'event'})
    assert.is(compileEventDirect(program.ast, program.types) !== undefined, direct)
  })
}

test.run()
