import {test} from 'uvu'
import * as assert from 'uvu/assert'
import {GoTime} from '../../src/model/go-time.js'
import {goFloat, newStringMap, stringSlice} from '../../src/model/go-values.js'
import {newLogEvent} from '../../src/model/event.js'
import {compileExpr} from '../../src/expr/index.js'
import {silentLogger} from '../../src/model/logger.js'
import {findEnrichMethod} from '../../src/parse/enrich/registry.js'
import {targetDestination} from '../../src/parse/statics.js'
import {applyStatic, applyStatics, assignTarget, formatGoFloatF, makeStatic, parseTargetPath, StaticTypeError, staticValueText, type StaticDestination} from '../../src/parse/statics.js'

const AT = {file: 'f.yaml', line: 3}
const VALUES: Array<[string, unknown, string | undefined]> = [
  ['string', 'abc', 'abc'], ['empty string', '', ''], ['int', 42, '42'], ['negative int', -7, '-7'],
  ['float', 0.5, '0.500000'], ['integral float', goFloat(200), '200.000000'], ['negative float', goFloat(-1), '-1.000000'],
  ['nil', null, undefined], ['any map', Object.create(null), undefined], ['any list', [1, 'a'], undefined],
]
for (const [name, value, want] of VALUES) test(`static value ${name}`, () => assert.is(staticValueText(value, AT), want))

const ERRORS: Array<[string, unknown]> = [['bool', true], ['[]string', stringSlice(['a'])], ['map[string]string', newStringMap()], ['time', GoTime.zero()]]
for (const [name, value] of ERRORS) {
  test(`static value ${name} aborts the event`, () => assert.throws(() => staticValueText(value, AT), (e: unknown) => e instanceof StaticTypeError && e.line === 3))
}

test('formatGoFloatF', () => {
  assert.equal([3.5, 1e6, -0.0000004, 123456789.123].map(formatGoFloatF), ['3.500000', '1000000.000000', '-0.000000', '123456789.123000'])
})

const TARGETS: Array<[string, boolean, (e: ReturnType<typeof newLogEvent>) => unknown]> = [
  ['evt.StrTime', true, (e) => e.StrTime], ['MarshaledTime', true, (e) => e.MarshaledTime], ['evt.Parsed.a.b', true, (e) => e.Parsed.a],
  ['evt.Meta.k', true, (e) => e.Meta.k], ['evt.Line.Labels.type', true, (e) => e.Line.Labels.type], ['evt.Line.Module', true, (e) => e.Line.Module],
  ['evt.Unmarshaled.x', true, (e) => e.Unmarshaled.x], ['evt.Time', false, () => 'v'], ['evt.Whitelisted', false, () => 'v'],
  ['evt.Nope', false, () => 'v'], ['evt.Overflow.Alert.Source.Value', false, () => 'v'], ['evt.Parsed', false, () => 'v'],
]
for (const [target, ok, read] of TARGETS) {
  test(`target ${target}`, () => {
    const e = newLogEvent({raw: '', src: '', module: 'file', labels: {}})
    assert.is(assignTarget(e, parseTargetPath(target), 'v'), ok)
    assert.is(read(e), 'v')
  })
}

/** [name, static (destination, value, expression), Parsed.x before, want {Meta.out} after, want the explain writes] */
const APPLIED: Array<[string, StaticDestination, string | undefined, string | undefined, unknown, string | undefined]> = [
  ['value to meta', {kind: 'meta', key: 'out'}, 'v', undefined, 'abc', 'v'],
  ['map read to meta', {kind: 'meta', key: 'out'}, undefined, 'evt.Parsed.x', 'abc', 'abc'],
  ['map read of a missing key writes nothing', {kind: 'meta', key: 'out'}, undefined, 'evt.Parsed.y', 'abc', undefined],
  ['map read of an empty value writes nothing', {kind: 'meta', key: 'out'}, undefined, 'evt.Parsed.x', '', undefined],
  ['map read of an int is converted', {kind: 'meta', key: 'out'}, undefined, 'evt.Parsed.x', 42, '42'],
  ['map read of a bool aborts', {kind: 'meta', key: 'out'}, undefined, 'evt.Parsed.x', true, 'throws'],
  ['expression to meta', {kind: 'meta', key: 'out'}, undefined, "evt.Parsed.x + '!'", 'abc', 'abc!'],
  ['map read to parsed', {kind: 'parsed', key: 'out'}, undefined, 'evt.Parsed.x', 'abc', 'abc'],
  ['map read to enriched', {kind: 'enriched', key: 'out'}, undefined, 'evt.Parsed.x', 'abc', 'abc'],
]

for (const [name, destination, value, source, before, want] of APPLIED) {
  test(`applyStatics: ${name}`, () => {
    const program = source !== undefined ? compileExpr(source, {env: 'event'}) : undefined
    const st = makeStatic(destination, value, program, 'f.yaml', 3)
    const evt = newLogEvent({raw: 'r', src: 's', module: 'file', labels: {}})
    ;(evt.Parsed as Record<string, unknown>).x = before
    const writes: string[] = []
    const rt = {logger: silentLogger, enrich: {logger: silentLogger, now: () => GoTime.zero()}, onWrite: (f: string, v: string) => writes.push(`${f}=${v}`)}
    if (want === 'throws') {
      assert.throws(() => applyStatics([st], evt, rt), (e: unknown) => e instanceof StaticTypeError)
      return
    }
    applyStatics([st], evt, rt)
    const map = destination.kind === 'meta' ? evt.Meta : destination.kind === 'parsed' ? evt.Parsed : evt.Enriched
    assert.is(map.out, want)
    const label = destination.kind === 'meta' ? 'Meta' : destination.kind === 'parsed' ? 'Parsed' : 'Enriched'
    assert.equal(writes, want === undefined ? [] : [`${label}.out=${want}`])
  })
}

/** [name, destination, value, expression, Parsed.x before]: the specialised closure and the generic applyStatic agree. */
const SPECIALISED: Array<[string, () => StaticDestination, string | undefined, string | undefined, unknown]> = [
  ['target StrTime from a read', () => targetDestination('evt.StrTime'), undefined, 'evt.Parsed.x', '12/Jan/2024:10:00:00 +0000'],
  ['target Parsed key from a value', () => targetDestination('evt.Parsed.y'), 'v', undefined, 'abc'],
  ['target Meta key from a read', () => targetDestination('evt.Meta.y'), undefined, 'evt.Parsed.x', 'abc'],
  ['target Enriched key', () => targetDestination('evt.Enriched.y'), undefined, 'evt.Parsed.x', 'abc'],
  ['target Unmarshaled key', () => targetDestination('evt.Unmarshaled.y'), undefined, 'evt.Parsed.x', 'abc'],
  ['target Labels key', () => targetDestination('evt.Line.Labels.y'), 'v', undefined, 'abc'],
  ['target that cannot be assigned', () => targetDestination('evt.Time'), 'v', undefined, 'abc'],
  ['target from an empty read', () => targetDestination('evt.StrTime'), undefined, 'evt.Parsed.x', ''],
  ['target from an int', () => targetDestination('evt.StrTime'), undefined, 'evt.Parsed.x', 7],
  ['target from a bool aborts', () => targetDestination('evt.StrTime'), undefined, 'evt.Parsed.x', true],
  ['target from a failing expression', () => targetDestination('evt.StrTime'), undefined, 'int(evt.Parsed.x)', 'abc'],
  ['ParseDate from a read', () => ({kind: 'method', name: 'ParseDate', method: findEnrichMethod('ParseDate')}), undefined, 'evt.Parsed.x', '2024-01-12T10:00:00Z'],
  ['ParseDate of an empty text', () => ({kind: 'method', name: 'ParseDate', method: findEnrichMethod('ParseDate')}), undefined, 'evt.Parsed.x', ''],
  ['ParseDate from a value', () => ({kind: 'method', name: 'ParseDate', method: findEnrichMethod('ParseDate')}), '2024/01/12', undefined, ''],
  ['IpToRange of an empty text is skipped', () => ({kind: 'method', name: 'IpToRange', method: findEnrichMethod('IpToRange')}), undefined, 'evt.Parsed.x', ''],
  ['method from a bool aborts', () => ({kind: 'method', name: 'ParseDate', method: findEnrichMethod('ParseDate')}), undefined, 'evt.Parsed.x', false],
  ['unknown method', () => ({kind: 'method', name: 'Nope', method: undefined}), 'v', undefined, ''],
]

for (const [name, destination, value, source, before] of SPECIALISED) {
  test(`specialised static = applyStatic: ${name}`, () => {
    const run = (generic: boolean): unknown => {
      const program = source !== undefined ? compileExpr(source, {env: 'event'}) : undefined
      const st = makeStatic(destination(), value, program, 'f.yaml', 3)
      if (generic) st.apply = undefined
      const evt = newLogEvent({raw: 'r', src: 's', module: 'file', labels: {}, time: GoTime.zero()})
      ;(evt.Parsed as Record<string, unknown>).x = before
      const writes: string[] = []
      const logs: string[] = []
      const logger = {...silentLogger, debug: (m: string) => logs.push(m), warn: (m: string) => logs.push(m)}
      const rt = {logger, enrich: {logger: silentLogger, now: () => GoTime.zero()}, onWrite: (f: string, v: string) => writes.push(`${f}=${v}`)}
      let error: string | undefined
      try {
        applyStatic(st, evt, rt)
      } catch (e) {
        error = e instanceof StaticTypeError ? 'StaticTypeError' : String(e)
      }
      const maps = {Parsed: {...evt.Parsed}, Meta: {...evt.Meta}, Enriched: {...evt.Enriched}, Unmarshaled: {...evt.Unmarshaled}, Labels: {...evt.Line.Labels}}
      return {error, writes, logs, maps, StrTime: evt.StrTime, Time: evt.Time.String()}
    }
    const generic = run(true)
    assert.equal(run(false), generic)
  })
}

test('every target and method static gets a specialised closure', () => {
  assert.ok(makeStatic(targetDestination('evt.StrTime'), 'v', undefined, 'f', 1).apply !== undefined)
  assert.ok(makeStatic({kind: 'method', name: 'ParseDate', method: findEnrichMethod('ParseDate')}, 'v', undefined, 'f', 1).apply !== undefined)
})

test.run()
