/** The parse worker's event codec: round trips keep every field and every Go value kind. */
import {test} from 'uvu'
import * as assert from 'uvu/assert'
import * as fs from 'node:fs'
import * as path from 'node:path'
import {Event, ExpectMode, newLogEvent} from '../../src/model/event.js'
import {decodeEvent, decodeValue, encodeEvent, encodeValue, WireDecoder, WireEncoder, type WireKeys} from '../../src/model/event-wire.js'
import {fixedZone, GoDuration, GoTime, loadLocation, UTC} from '../../src/model/go-time.js'
import {GoFloat, isGoMap, isStringMap, isStringSlice, newAnyMap, newStringMap, stringSlice} from '../../src/model/go-values.js'
import {silentLogger} from '../../src/model/logger.js'
import {loadParserSet} from '../../src/pipeline/build-engines.js'
import {resolveContent} from '../../src/pipeline/content.js'
import {ROOT, SHARED} from '../helpers/run-cli.js'

/** A kind-preserving description of a Go value, written independently of the codec. */
function describe(v: unknown): unknown {
  if (v instanceof GoFloat) return {float: v.value}
  if (v instanceof GoTime) return {time: [v.sec, v.nsec, v.loc.name, v.offset, v.zone]}
  if (v instanceof GoDuration) return {duration: v.ns}
  if (typeof v === 'number') return Number.isNaN(v) ? {nan: true} : {number: v}
  if (Array.isArray(v)) return {[isStringSlice(v) ? 'strings' : 'list']: v.map(describe)}
  if (v !== null && typeof v === 'object') {
    if (!isGoMap(v)) return {object: (v as object).constructor.name}
    return {[isStringMap(v) ? 'smap' : 'amap']: Object.keys(v).map((k) => [k, describe((v as Record<string, unknown>)[k])])}
  }
  return v
}

function describeEvent(e: Event): unknown {
  return describe({
    Type: e.Type, ExpectMode: e.ExpectMode, Whitelisted: e.Whitelisted, WhitelistReason: e.WhitelistReason, Stage: e.Stage,
    Line: [e.Line.Raw, e.Line.Src, e.Line.Time, e.Line.Labels, e.Line.Process, e.Line.Module],
    Parsed: e.Parsed, Enriched: e.Enriched, Unmarshaled: e.Unmarshaled, Meta: e.Meta,
    Time: e.Time, StrTime: e.StrTime, StrTimeFormat: e.StrTimeFormat, MarshaledTime: e.MarshaledTime, Process: e.Process,
    Overflow: e.Overflow === new Event().Overflow, Appsec: e.Appsec === new Event().Appsec,
  })
}

const content = resolveContent({hubDir: path.join(SHARED, 'crowdsec-hub'), collections: ['crowdsecurity/linux', 'crowdsecurity/nginx', 'crowdsecurity/sshd']})
const parsers = loadParserSet(content, silentLogger)
const parsedEvents = (file: string, type: string): Event[] => {
  const labels = Object.create(null) as Record<string, string>
  labels.type = type
  return fs.readFileSync(path.join(ROOT, file), 'utf8').split('\n').filter((l) => l !== '').map((raw) => {
    const evt = newLogEvent({raw, src: file, module: 'file', labels, time: GoTime.fromEpochMs(1_772_431_202_123, UTC)})
    evt.ExpectMode = ExpectMode.timeMachine
    parsers.parse(evt)
    return evt
  })
}

const roundTrips: [string, () => Event[]][] = [
  ['nginx sample parsed by the hub parsers', () => parsedEvents('test/fixtures/samples/nginx-access.log', 'nginx')],
  ['auth.log sample parsed by the hub parsers', () => parsedEvents('test/fixtures/samples/auth.log', 'syslog')],
  ['Unmarshaled JSON with floats, ints, nested maps, non-ASCII, empty maps', () => {
    const evt = newLogEvent({raw: '{"a":1}', src: 'x', module: 'file', labels: {}, time: GoTime.zero()})
    const nested = newAnyMap()
    nested['ключ'] = 'значение ✓'
    nested.empty = newAnyMap()
    nested.list = [new GoFloat(2), 2.5, 3, null, true, 'x']
    evt.Unmarshaled.float = new GoFloat(200)
    evt.Unmarshaled.frac = 0.25
    evt.Unmarshaled.int = 7
    evt.Unmarshaled.neg = -0.5
    evt.Unmarshaled.nested = nested
    evt.Unmarshaled.strings = stringSlice(['a', 'b'])
    const sm = newStringMap()
    sm.k = 'v'
    evt.Unmarshaled.smap = sm
    evt.Unmarshaled.nan = NaN
    evt.Unmarshaled.inf = [Infinity, -Infinity]
    evt.Unmarshaled.when = new GoTime(1_700_000_000, 5, fixedZone('', -7 * 3600))
    evt.Unmarshaled.paris = new GoTime(1_700_000_000, 0, loadLocation('Europe/Paris'))
    evt.Unmarshaled.took = new GoDuration(1_500_000_000)
    evt.Meta['emoji 😀'] = 'ünïcødé and a long repeated value'
    evt.Parsed.copy = 'ünïcødé and a long repeated value'
    evt.Whitelisted = true
    evt.WhitelistReason = 'a reason'
    evt.Stage = 's01-parse'
    return [evt, new Event()]
  }],
]

for (const [name, make] of roundTrips) {
  test(`round trip: ${name}`, () => {
    const events = make()
    assert.ok(events.length > 0)
    const encoder = new WireEncoder()
    const decoder = new WireDecoder()
    // two batches through one stream (keys numbered in the first are reused in the second)
    const half = Math.ceil(events.length / 2)
    const back = [...decoder.decodeBatch(encoder.encodeBatch(events.slice(0, half))), ...decoder.decodeBatch(encoder.encodeBatch(events.slice(half)))]
    assert.is(back.length, events.length)
    for (let i = 0; i < events.length; i++) {
      assert.instance(back[i], Event)
      assert.equal(describeEvent(back[i]!), describeEvent(events[i]!), `event ${i}`)
    }
    for (const e of events) assert.equal(describeEvent(decodeEvent(JSON.parse(JSON.stringify(encodeEvent(e))))), describeEvent(e))
  })
}

/** describeEvent of what a receiver reading only `keys` can see. */
function visible(e: Event, keys: WireKeys): unknown {
  const pick = (m: Record<string, string>, only: readonly string[] | undefined): Record<string, string> => {
    if (only === undefined) return m
    const out = newStringMap()
    for (const k of only) if (Object.hasOwn(m, k)) out[k] = m[k]!
    return out
  }
  const copy = new Event({...e.Line, Raw: keys.raw ? e.Line.Raw : ''}, pick(e.Parsed, keys.Parsed), pick(e.Enriched, keys.Enriched), e.Unmarshaled, e.Meta)
  Object.assign(copy, {Type: e.Type, ExpectMode: e.ExpectMode, Whitelisted: e.Whitelisted, WhitelistReason: e.WhitelistReason, Stage: e.Stage,
    Time: e.Time, StrTime: e.StrTime, StrTimeFormat: e.StrTimeFormat, MarshaledTime: e.MarshaledTime, Process: e.Process})
  return describeEvent(copy)
}

test('selected keys: only they cross, by position, through structured clone', () => {
  const events = [...parsedEvents('test/fixtures/samples/nginx-access.log', 'nginx'), ...parsedEvents('test/fixtures/samples/auth.log', 'syslog')]
  assert.ok(events.length > 10)
  const keys: WireKeys = {Parsed: ['verb', 'request', 'no_such_key'], Enriched: ['IsoCode'], raw: false}
  const encoder = new WireEncoder(keys)
  const decoder = new WireDecoder(keys)
  const back = decoder.decodeBatch(structuredClone(encoder.encodeBatch(events)))
  for (let i = 0; i < events.length; i++) assert.equal(describeEvent(back[i]!), visible(events[i]!, keys), `event ${i}`)
  assert.ok(back.some((e) => e.Parsed.verb !== undefined) && back.every((e) => e.Line.Raw === '' && !Object.hasOwn(e.Parsed, 'no_such_key')))
})

test('map shapes: a new key list is sent once, then by number; maps of other shapes stay exact', () => {
  const mk = (keys: string[]): Event => {
    const e = new Event()
    for (const k of keys) e.Meta[k] = `v-${k}`
    return e
  }
  const events = [mk(['a', 'b']), mk(['a', 'b']), mk(['b', 'a']), mk(['a']), mk(['a', 'b']), mk([]), mk(['b', 'a'])]
  const encoder = new WireEncoder()
  const wire = encoder.encodeBatch(events)
  const shapesSent = wire.flat().filter((v) => Array.isArray(v) && v.includes('a')).length
  assert.is(shapesSent, 3, 'a-b, b-a and a: each sent once')
  const back = new WireDecoder().decodeBatch(JSON.parse(JSON.stringify(wire)) as unknown[][])
  for (let i = 0; i < events.length; i++) assert.equal(Object.entries(back[i]!.Meta), Object.entries(events[i]!.Meta), `event ${i}`)
})

test('a malformed wire event is an error, not a silently wrong event', () => {
  const wire = new WireEncoder().encode(new Event())
  assert.throws(() => new WireDecoder().decode([...wire, 'extra']), /malformed wire event/)
  assert.throws(() => new WireDecoder().decode(wire.map((v, i) => (i === wire.length - 1 ? 99 : v))), /unknown wire map shape/)
  assert.is(wire[13], null, 'an empty Unmarshaled is null')
  assert.throws(() => new WireDecoder().decode(wire.map((v, i) => (i === 13 ? 'x' : v))), /Unmarshaled is not a list/)
})

test('parsed nginx events really carry parsed fields (the round trip is not of empty events)', () => {
  const events = parsedEvents('test/fixtures/samples/nginx-access.log', 'nginx')
  assert.ok(events.some((e) => Object.hasOwn(e.Parsed, 'verb') && Object.hasOwn(e.Meta, 'source_ip')))
})

const values: [string, unknown][] = [
  ['GoFloat 3.0', new GoFloat(3)],
  ['int 3', 3],
  ['a map key that looks like a tag', (() => { const m = newAnyMap(); m.F = ['F', 1]; return m })()],
  ['an array starting with a tag letter', ['F', 1]],
]
for (const [name, v] of values) {
  test(`value: ${name}`, () => {
    assert.equal(describe(decodeValue(JSON.parse(JSON.stringify(encodeValue(v))))), describe(v))
  })
}

test('refuses events with an overflow part and values it cannot carry', () => {
  const evt = new Event()
  evt.Overflow = {Alert: {}}
  assert.throws(() => encodeEvent(evt), /overflow/)
  assert.throws(() => encodeValue(new Map()), /Map value cannot cross/)
  assert.throws(() => encodeValue(() => 1), /function value cannot cross/)
})

test.run()
