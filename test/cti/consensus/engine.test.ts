/**
 * The consensus engine on hand-made communities: what it takes to promote an IP (k trusted
 * reporters from k networks and k ASes within the window), what never counts (uncertified
 * scenarios, never-ban ranges, stale or future signals, new or unproven reporters, liars and
 * their networks), expiry after the fire TTL, range promotion, and explain.
 */
import {test} from 'uvu'
import * as assert from 'uvu/assert'
import {ConsensusEngine, type Signal} from '../../../src/cti/consensus/engine.js'
import {NeverBan, parseNeverBanList, specialRanges} from '../../../src/cti/consensus/never-ban.js'
import {HOUR_MS} from '../../../src/cti/consensus/params.js'

const NOW = Date.UTC(2026, 5, 1)
const OLD = NOW - 30 * 24 * HOUR_MS

function community(options: {params?: Record<string, unknown>; canaries?: {benign: string[]; malicious: string[]}; operator?: string} = {}) {
  const neverBan = new NeverBan([...specialRanges(), ...(options.operator === undefined ? [] : parseNeverBanList(options.operator, 'allow.txt'))])
  const engine = new ConsensusEngine({params: {k: 3, ...options.params}, neverBan, canaries: options.canaries === undefined ? undefined : {benign: new Set(options.canaries.benign), malicious: new Set(options.canaries.malicious)}})
  /** A reporter with `confirmed` past confirmations, in network `net` of AS `asn`. */
  const reporter = (id: string, net: string, asn: number, confirmed = 5, registeredAt = OLD): number => {
    const i = engine.addReporter({id, network: net, asn, registeredAt})
    engine.reporters.confirm(i, confirmed)
    return i
  }
  const signal = (reporter: number, ip: string, at = NOW - 60_000, more: Partial<Signal> = {}) => engine.ingest({reporter, ip, scenario: 'crowdsecurity/ssh-bf', at, certified: true, ...more}, NOW)
  return {engine, reporter, signal}
}

test('k trusted reporters from k networks and k ASes promote an IP; fewer networks or ASes do not', () => {
  const {engine, reporter, signal} = community()
  const [a, b, c] = [reporter('a', '1.0.0.0/24', 1), reporter('b', '2.0.0.0/24', 2), reporter('c', '3.0.0.0/24', 3)]
  const d = reporter('d', '1.0.0.0/24', 1)
  const e = reporter('e', '4.0.0.0/24', 1)
  // same network as a: two reporters, one network
  signal(a, '45.1.1.1'), signal(d, '45.1.1.1'), signal(b, '45.1.1.1')
  // three networks but two ASes
  signal(a, '45.2.2.2'), signal(e, '45.2.2.2'), signal(b, '45.2.2.2')
  // three networks, three ASes
  for (const r of [a, b, c]) signal(r, '45.3.3.3')
  const pass = engine.pass(NOW)
  assert.equal(pass.promoted.map((f) => f.value), ['45.3.3.3'])
  const fire = pass.promoted[0]!
  assert.equal([fire.scope, fire.scenario, fire.evidence.networks, fire.evidence.asns, fire.evidence.reporters.sort()], ['Ip', 'crowdsecurity/ssh-bf', 3, 3, ['a', 'b', 'c']])
  assert.is(fire.expiresAt, NOW - 60_000 + 72 * HOUR_MS)
  const one = engine.explain('45.1.1.1', NOW)
  assert.equal([one.state, one.evidence?.counting, one.evidence?.networks, one.evidence?.asns], ['smoke', 3, 2, 2])
  assert.match(one.reason, '3 reporter(s) count, from 2 network(s) and 2 AS(es); 3 of each are needed')
  assert.equal(engine.explain('45.3.3.3', NOW).state, 'fire')
  assert.equal(engine.explain('::ffff:45.3.3.3', NOW).ip, '45.3.3.3', 'an IPv4-mapped address is its IPv4 address')
})

test('what never counts: uncertified scenarios, never-ban ranges, stale or future signals, garbage', () => {
  const {engine, reporter, signal} = community({operator: '# search engine\n66.249.64.0/19 crawler\n8.8.8.8\n'})
  const rs = [reporter('a', 'n1', 1), reporter('b', 'n2', 2), reporter('c', 'n3', 3)]
  const outcomes = rs.flatMap((r) => [
    signal(r, '46.1.1.1', NOW - 60_000, {certified: false}),
    signal(r, '10.1.2.3'),
    signal(r, '2001:db8::1'),
    signal(r, '66.249.66.1'),
    signal(r, '8.8.8.8'),
    signal(r, '46.2.2.2', NOW - 25 * HOUR_MS),
    signal(r, '46.3.3.3', NOW + HOUR_MS),
    signal(r, 'not-an-ip'),
  ])
  assert.equal([...new Set(outcomes)], ['uncertified', 'never-ban', 'stale', 'future', 'garbage'])
  assert.equal(engine.pass(NOW).promoted, [])
  assert.is(engine.smokeSize, 0, 'none of it became evidence')
  assert.equal(engine.counts, {signals: 24, accepted: 0, uncertified: 3, neverBan: 12, stale: 3, future: 3, garbage: 3, benignCanary: 0, maliciousCanary: 0, crowded: 0})
  assert.equal([engine.explain('66.249.66.1', NOW).state, engine.explain('66.249.66.1', NOW).reason], ['never-ban', 'never promoted: crawler'])
  assert.is(engine.explain('192.168.1.1', NOW).reason, 'never promoted: private (RFC 1918)')
  assert.throws(() => parseNeverBanList('1.2.3.4\nnope\n10.0.0.0/33\n', 'allow.txt'), (e: Error) => /nope/.test(String((e as {errors?: Error[]}).errors?.[0]?.message)))
})

test('reporters that do not count: too new, unproven, liars (and their whole network, for a while), mostly unconfirmed', () => {
  const {engine, reporter, signal} = community({canaries: {benign: ['47.0.0.1'], malicious: ['47.0.0.2']}})
  const young = reporter('young', 'n1', 1, 5, NOW - HOUR_MS)
  const unproven = reporter('unproven', 'n2', 2, 0)
  const liar = reporter('liar', 'n3', 3)
  const neighbour = reporter('neighbour', 'n3', 3)
  const ok = [reporter('ok1', 'n4', 4), reporter('ok2', 'n5', 5)]
  assert.is(signal(liar, '47.0.0.1'), 'benign-canary')
  // a passed probe: the unproven reporter gains a confirmation (2 are needed)
  assert.is(signal(unproven, '47.0.0.2'), 'malicious-canary')
  for (const r of [young, unproven, liar, neighbour, ...ok]) signal(r, '47.1.1.1')
  assert.equal(engine.pass(NOW).promoted, [])
  const why = engine.explain('47.1.1.1', NOW)
  assert.equal(why.evidence?.notCounting, {'too new': 1, untrusted: 1, liar: 1, quarantined: 1})
  assert.equal(engine.explain('47.0.0.1', NOW).state, 'canary')
  assert.equal([engine.reporters.liars(), engine.reporters.quarantinedNetworks(NOW)], [1, 1])
  // one more probe passed: the unproven reporter counts, and with ok1, ok2 the IP goes to fire
  signal(unproven, '47.0.0.2')
  assert.equal(engine.pass(NOW).promoted.map((f) => f.value), ['47.1.1.1'])
  // the quarantine ends; the liar itself never counts again
  const later = NOW + 8 * 24 * HOUR_MS
  assert.is(engine.reporters.ineligible(neighbour, later), '')
  assert.is(engine.reporters.ineligible(liar, later), 'liar')

  // mostly unconfirmed: 20 reports nobody else made, gone stale
  const {engine: e2, reporter: r2, signal: s2} = community()
  const noisy = r2('noisy', 'n9', 9, 1)
  for (let i = 0; i < 20; i++) s2(noisy, `48.0.0.${i + 1}`)
  assert.is(e2.pass(NOW + 25 * HOUR_MS).forgotten, 20)
  assert.is(e2.reporters.ineligible(noisy, NOW + 25 * HOUR_MS), 'unconfirmed')
})

test('a flood from one network fills at most 2 places per IP; fire refreshed by trusted evidence expires 72h after the last', () => {
  const {engine, reporter, signal} = community({params: {maxReportersPerIp: 6}})
  const flood = Array.from({length: 50}, (_, i) => reporter(`f${i}`, 'flood', 66))
  for (const r of flood) signal(r, '49.1.1.1')
  assert.is(engine.counts.crowded, 48)
  const honest = [reporter('a', 'n1', 1), reporter('b', 'n2', 2), reporter('c', 'n3', 3)]
  for (const r of honest) signal(r, '49.1.1.1')
  assert.equal(engine.pass(NOW).promoted.map((f) => f.value), ['49.1.1.1'], 'the honest reporters still had room')
  engine.ingest({reporter: honest[0]!, ip: '49.1.1.1', scenario: 's', at: NOW + 10 * HOUR_MS, certified: true}, NOW + 10 * HOUR_MS)
  assert.equal(engine.pass(NOW + 81 * HOUR_MS).expired, [], 'fresh evidence at +10h keeps it until +82h')
  const gone = engine.pass(NOW + 82 * HOUR_MS + 1)
  assert.equal(gone.expired.map((f) => f.value), ['49.1.1.1'])
  assert.is(engine.fireSize, 0)
})

test('a /24 with 5 fire addresses is promoted as a range, and leaves with them; IPv6 addresses group by /64', () => {
  const {engine, reporter, signal} = community()
  const rs = [reporter('a', 'n1', 1), reporter('b', 'n2', 2), reporter('c', 'n3', 3)]
  for (let i = 1; i <= 4; i++) for (const r of rs) signal(r, `50.0.0.${i}`)
  for (const r of rs) signal(r, '2a01:4f8::1'), signal(r, '2a01:4f8::2')
  assert.equal(engine.pass(NOW).promoted.filter((f) => f.scope === 'Range'), [])
  for (const r of rs) signal(r, '50.0.0.9')
  const second = engine.pass(NOW)
  assert.equal(second.promoted.map((f) => `${f.scope} ${f.value}`), ['Ip 50.0.0.9', 'Range 50.0.0.0/24'])
  assert.is(second.promoted[1]!.evidence.addresses, 5)
  assert.equal([engine.explain('50.0.0.77', NOW).state, engine.explain('50.0.0.77', NOW).reason], ['fire', 'inside the promoted range 50.0.0.0/24'])
  assert.equal(engine.fire().map((f) => f.value), ['2a01:4f8::1', '2a01:4f8::2', '50.0.0.1', '50.0.0.2', '50.0.0.3', '50.0.0.4', '50.0.0.9', '50.0.0.0/24'])
  const expired = engine.pass(NOW + 73 * HOUR_MS).expired
  assert.ok(expired.some((f) => f.value === '50.0.0.0/24'))
})

test.run()
