import {test} from 'uvu'
import * as assert from 'uvu/assert'
import {detachString, Event, EventType, newLogEvent, slimEvent} from '../../src/model/event.js'
import {GoTime} from '../../src/model/go-time.js'
import {isStringMap} from '../../src/model/go-values.js'

function parsedEvent(): Event {
  const raw = 'Mar  2 06:00:00 web01 sshd[1]: Failed password for invalid user admin from 2001:db8::1234:5678 port 22'
  const evt = newLogEvent({raw, src: '/var/log/auth.log', module: 'file', labels: {type: 'syslog'}})
  evt.Parsed.sshd_client_ip = raw.slice(raw.indexOf('2001:'), raw.indexOf(' port'))
  evt.Parsed.program = 'sshd'
  evt.Meta.source_ip = evt.Parsed.sshd_client_ip
  evt.Meta.log_type = 'ssh_failed-auth'
  evt.Enriched.MarshaledTime = '2026-03-02T06:00:00Z'
  evt.Enriched.IsoCode = 'FR'
  evt.MarshaledTime = '2026-03-02T06:00:00Z'
  evt.StrTime = 'Mar  2 06:00:00'
  evt.Time = GoTime.fromEpochMs(Date.UTC(2026, 2, 2, 6))
  evt.Stage = 's02-enrich'
  evt.Process = true
  return evt
}

for (const text of ['', 'short', 'exactly13char', '2001:db8::1234:5678', 'é'.repeat(40)]) {
  test(`detachString(${JSON.stringify(text)}) keeps the value`, () => {
    assert.is(detachString(text), text)
    assert.is(detachString(text.slice(0)), text)
  })
}

test('detachString shares one copy per value', () => {
  const line = 'from 2001:db8::aaaa:bbbb port 22'
  const a = detachString(line.slice(5, 24))
  const b = detachString(line.slice(5, 24))
  assert.is(a, '2001:db8::aaaa:bbbb')
  assert.is(a, b)
})

const KEEPS: Array<[string, string[]]> = [
  ['nothing optional', []],
  ['Parsed', ['Parsed']],
  ['Line', ['Line']],
  ['Enriched', ['Enriched']],
  ['StrTime and Unmarshaled', ['StrTime', 'Unmarshaled']],
]

for (const [name, keep] of KEEPS) {
  test(`slimEvent keeping ${name}`, () => {
    const evt = parsedEvent()
    evt.Unmarshaled.a = {b: 1}
    const slim = slimEvent(evt, new Set(keep))
    // always kept
    assert.is(slim.Type, EventType.log)
    assert.is(slim.ExpectMode, evt.ExpectMode)
    assert.is(slim.Stage, 's02-enrich')
    assert.is(slim.Process, true)
    assert.is(slim.Time, evt.Time)
    assert.is(slim.MarshaledTime, evt.MarshaledTime)
    assert.equal({...slim.Meta}, {...evt.Meta})
    assert.ok(isStringMap(slim.Meta))
    assert.is(slim.GetMeta('source_ip'), '2001:db8::1234:5678')
    assert.is(slim.Overflow, evt.Overflow)
    // the source enrichment keys are kept even when Enriched is not
    assert.is(slim.Enriched.IsoCode, 'FR')
    assert.is(Object.hasOwn(slim.Enriched, 'MarshaledTime'), keep.includes('Enriched'))
    // optional fields
    assert.equal({...slim.Parsed}, keep.includes('Parsed') ? {...evt.Parsed} : {})
    assert.is(slim.Line.Raw, keep.includes('Line') ? evt.Line.Raw : '')
    assert.is(slim.Line.Labels.type ?? '', keep.includes('Line') ? 'syslog' : '')
    assert.is(slim.StrTime, keep.includes('StrTime') ? evt.StrTime : '')
    assert.equal(slim.Unmarshaled.a, keep.includes('Unmarshaled') ? {b: 1} : undefined)
    // the original is untouched
    assert.is(evt.Parsed.program, 'sshd')
    assert.is(evt.Line.Raw.length > 0, true)
  })
}

test('slimEvent: dropped maps are empty, frozen and shared', () => {
  const a = slimEvent(parsedEvent(), new Set())
  const b = slimEvent(parsedEvent(), new Set())
  assert.is(a.Parsed, b.Parsed)
  assert.ok(Object.isFrozen(a.Parsed))
  assert.ok(isStringMap(a.Parsed))
  assert.is(a.Line, b.Line)
})

test('new events get their own maps and the shared zero Overflow', () => {
  const a = new Event()
  const b = new Event()
  assert.is.not(a.Parsed, b.Parsed)
  assert.is.not(a.Meta, b.Meta)
  assert.is.not(a.Line.Labels, b.Line.Labels)
  assert.is(a.Overflow, b.Overflow)
  assert.is(a.Overflow.Alert, null)
  assert.ok(isStringMap(a.Enriched))
})

test('newLogEvent copies the labels', () => {
  const labels = {type: 'nginx', env: 'prod'}
  const evt = newLogEvent({raw: 'x', src: 's', module: 'file', labels})
  evt.Line.Labels.type = 'changed'
  assert.is(labels.type, 'nginx')
  assert.equal({...evt.Line.Labels}, {type: 'changed', env: 'prod'})
})

test.run()
