/**
 * Decision handling shared by the bouncers (src/outputs/bouncers/decisions.ts): filters, value
 * normalisation, garbage, dedupe of several decisions for one value, expiry, chunks.
 */
import {test} from 'uvu'
import * as assert from 'uvu/assert'
import {chunkBatch, DecisionState, DEFAULT_FILTERS, emptyCounts, normaliseValue, type DecisionFilters, type StreamDecision} from '../../../src/outputs/bouncers/decisions.js'

const NOW = 1_000_000
let nextId = 1
const d = (value: string, more: Partial<StreamDecision> = {}): StreamDecision => ({id: nextId++, value, scope: 'Ip', type: 'ban', origin: 'crowdsec', scenario: 'crowdsecurity/ssh-bf', duration: '4h', ...more})

test('normaliseValue: IPv4, IPv6 compressed lower case, IPv4-mapped, canonical CIDR, garbage', () => {
  assert.is(normaliseValue('Ip', '192.0.2.7'), '192.0.2.7')
  assert.is(normaliseValue('Ip', '2001:DB8:0:0:0:0:0:1'), '2001:db8::1')
  assert.is(normaliseValue('Ip', '::ffff:192.0.2.7'), '192.0.2.7')
  assert.is(normaliseValue('Range', '192.0.2.77/24'), '192.0.2.0/24')
  assert.is(normaliseValue('Range', '2001:DB8::1/32'), '2001:db8::/32')
  for (const bad of ['', '1.2.3', '1.2.3.256', '01.2.3.4', 'fe80::1%eth0', 'x', '1.2.3.4/24']) assert.is(normaliseValue('Ip', bad), undefined, bad)
  for (const bad of ['1.2.3.4', '1.2.3.4/33', '::/129', '1.2.3.4/']) assert.is(normaliseValue('Range', bad), undefined, bad)
})

test('startup: filters by scope, type, origin and scenario; captcha passes as ban by default', () => {
  const filters: DecisionFilters = {...DEFAULT_FILTERS, origins: ['crowdsec', 'cscli'], scenariosNotContaining: ['http-']}
  const state = new DecisionState(filters)
  const counts = emptyCounts()
  state.replace(
    {
      new: [
        d('192.0.2.1'),
        d('192.0.2.2', {type: 'captcha'}),
        d('192.0.2.3', {type: 'throttle'}),
        d('FR', {scope: 'Country'}),
        d('192.0.2.4', {origin: 'CAPI'}),
        d('192.0.2.5', {scenario: 'crowdsecurity/http-probing'}),
        d('198.51.100.9/24', {scope: 'range', origin: 'cscli'}),
      ],
      deleted: [],
    },
    NOW,
    counts,
  )
  const snap = state.snapshot(NOW)
  assert.equal(snap.map((x) => [x.value, x.scope, x.type]), [['192.0.2.1', 'Ip', 'ban'], ['192.0.2.2', 'Ip', 'ban'], ['198.51.100.0/24', 'Range', 'ban']])
  assert.is(snap[0]!.ttlMs, 4 * 3600 * 1000)
  assert.equal([counts.read, counts.filtered, counts.garbage], [7, 4, 0])
  const noCaptcha = new DecisionState({...DEFAULT_FILTERS, captchaAsBan: false})
  noCaptcha.replace({new: [d('192.0.2.2', {type: 'captcha'})]}, NOW)
  assert.is(noCaptcha.size, 0)
  const scenarios = new DecisionState({...DEFAULT_FILTERS, scenariosContaining: ['ssh']})
  scenarios.replace({new: [d('192.0.2.1'), d('192.0.2.6', {scenario: 'crowdsecurity/http-xss'})]}, NOW)
  assert.equal(scenarios.snapshot(NOW).map((x) => x.value), ['192.0.2.1'])
})

test('garbage values, scopes and durations are counted and sampled, never passed on', () => {
  const state = new DecisionState()
  const counts = emptyCounts()
  const batch = state.apply(
    {new: [d('not-an-ip'), d('1.2.3.4', {scope: ''}), d('1.2.3.4', {scope: 'I p;'}), d('1.2.3.5', {duration: 'soon'}), d('1.2.3.6', {duration: undefined}), {value: 7, scope: 'Ip'} as StreamDecision, d('1.2.3.7')]},
    NOW,
    counts,
  )
  assert.equal(batch.added.map((x) => x.value), ['1.2.3.7'])
  assert.is(counts.garbage, 6)
  assert.is(counts.samples.length, 5)
  assert.match(counts.samples[0]!, 'Ip value "not-an-ip"')
})

test('dedupe: the longest decision for a value wins; a value stays blocked until its last decision goes', () => {
  const state = new DecisionState()
  const short = d('2001:db8::1', {duration: '1h'})
  const long = d('2001:DB8:0::1', {duration: '10h', scenario: 'manual'})
  let batch = state.apply({new: [short]}, NOW)
  assert.equal(batch.added.map((x) => [x.value, x.ttlMs]), [['2001:db8::1', 3600_000]])
  batch = state.apply({new: [long]}, NOW)
  assert.equal(batch.added.map((x) => [x.value, x.ttlMs, x.scenario]), [['2001:db8::1', 36_000_000, 'manual']], 'the longer one is an update')
  assert.equal([state.size, state.decisions], [1, 2])
  batch = state.apply({new: [d('2001:db8::1', {duration: '2h'})]}, NOW)
  assert.equal(batch.added, [], 'a shorter one changes nothing for the plugin')
  batch = state.apply({deleted: [{...long, duration: '-1s'}]}, NOW)
  assert.equal(batch.added.map((x) => x.ttlMs), [7200_000], 'the longest left')
  assert.equal(batch.deleted, [])
  batch = state.apply({deleted: [short]}, NOW)
  assert.equal(batch.deleted, [])
  batch = state.apply({deleted: [{id: nextId - 1, value: '2001:db8::1', scope: 'Ip', type: 'ban', origin: 'crowdsec', scenario: 'crowdsecurity/ssh-bf', duration: '-5m'}]}, NOW)
  assert.equal(batch.deleted.map((x) => x.value), ['2001:db8::1'])
  assert.equal([state.size, state.decisions], [0, 0])
  assert.equal(state.apply({deleted: [d('203.0.113.1')]}, NOW).deleted, [], 'deleting an unknown value is nothing')
})

test('expiry without the LAPI; replace after a resync gives the difference', () => {
  const state = new DecisionState()
  state.replace({new: [d('192.0.2.1', {duration: '1s'}), d('192.0.2.2', {duration: '1h'}), d('192.0.2.3', {duration: '-1s'})]}, NOW)
  assert.is(state.size, 2)
  assert.equal(state.expire(NOW + 500), [])
  assert.equal(state.expire(NOW + 1000).map((x) => x.value), ['192.0.2.1'])
  const diff = state.replace({new: [d('192.0.2.9'), d('192.0.2.2', {duration: '1h'})]}, NOW)
  assert.equal(diff.added.map((x) => x.value).sort(), ['192.0.2.2', '192.0.2.9'], 'a new id for .2 is an update')
  const same = d('192.0.2.7', {id: 999})
  state.apply({new: [same]}, NOW)
  assert.equal(state.replace({new: [same, d('192.0.2.9', {id: undefined}), d('192.0.2.2', {duration: '1h'})]}, NOW + 700).added.map((x) => x.value).sort(), ['192.0.2.2', '192.0.2.9'], 'the same decision read 0.7 s later is no change')
  const again = state.replace({new: [d('192.0.2.9', {id: undefined})]}, NOW)
  assert.equal(again.deleted.map((x) => x.value).sort(), ['192.0.2.2', '192.0.2.7'])
})

test('chunkBatch: only the first chunk is a startup; deletions first', () => {
  const dec = (v: string) => ({value: v, scope: 'Ip' as const, type: 'ban', origin: 'o', scenario: 's', ttlMs: 1})
  const chunks = chunkBatch({startup: true, added: ['a', 'b', 'c', 'd', 'e'].map(dec), deleted: []}, 2)
  assert.equal(chunks.map((c) => [c.startup, c.added.length]), [[true, 2], [false, 2], [false, 1]])
  const mixed = chunkBatch({startup: false, added: ['a', 'b'].map(dec), deleted: ['x', 'y', 'z'].map(dec)}, 2)
  assert.equal(mixed.map((c) => [c.added.length, c.deleted.length]), [[0, 2], [0, 1], [2, 0]])
  assert.is(chunkBatch({startup: false, added: [dec('a')], deleted: []}, 2).length, 1)
})

test('1,000,000 decisions at startup load and snapshot in bounded time', () => {
  const items: StreamDecision[] = []
  for (let i = 0; i < 1_000_000; i++) items.push({id: i, value: `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`, scope: 'Ip', type: 'ban', origin: 'lists', scenario: 'l', duration: '24h'})
  const state = new DecisionState()
  const start = performance.now()
  state.replace({new: items}, NOW)
  assert.is(state.size, 1_000_000)
  assert.is(chunkBatch({startup: true, added: state.snapshot(NOW), deleted: []}, 10_000).length, 100)
  assert.ok(performance.now() - start < 15_000)
})

test.run()
