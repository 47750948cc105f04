import {test} from 'uvu'
import * as assert from 'uvu/assert'
import {createHelperContext, createHelpers} from '../../../src/expr/helpers/index.js'
import {MemoryStashStore, parseDurationWithDays} from '../../../src/expr/helpers/stash-decisions.js'
import {GoDuration, parseGoDuration} from '../../../src/model/go-time.js'
import {stringSlice} from '../../../src/model/go-values.js'

let now = 1_000_000
const stash = new MemoryStashStore(() => now)
stash.define('pids', {size: 2, ttlNs: 60e9})
stash.define('pids', {size: 10})
const h = createHelpers(createHelperContext({stash, hostname: () => 'box'}))

test('SetInStash / GetFromStash with TTL expiry on the wall clock', () => {
  assert.is(h.SetInStash!('pids', '42', '/usr/bin/sshd', null), null)
  assert.is(h.GetFromStash!('pids', '42'), '/usr/bin/sshd')
  now += 59_000
  assert.is(h.GetFromStash!('pids', '42'), '/usr/bin/sshd')
  now += 2_000
  assert.is(h.GetFromStash!('pids', '42'), '')
})

test('an explicit TTL overrides the default; unknown caches read ""', () => {
  h.SetInStash!('pids', 'a', 'x', parseGoDuration('1s'))
  now += 1_500
  assert.is(h.GetFromStash!('pids', 'a'), '')
  h.SetInStash!('nocache', 'k', 'v', null)
  assert.is(h.GetFromStash!('nocache', 'k'), '')
})

test('LRU eviction keeps the most recently used keys', () => {
  h.SetInStash!('pids', '1', 'one', null)
  h.SetInStash!('pids', '2', 'two', null)
  h.GetFromStash!('pids', '1')
  h.SetInStash!('pids', '3', 'three', null)
  assert.is(h.GetFromStash!('pids', '1'), 'one')
  assert.is(h.GetFromStash!('pids', '2'), '')
  assert.is(h.GetFromStash!('pids', '3'), 'three')
})

test('stash helpers panic on non-strings', () => {
  assert.throws(() => h.SetInStash!('pids', 'k', null, null), /is nil, not string/)
  assert.throws(() => h.GetFromStash!(1, 'k'), /is int, not string/)
})

test('decision helpers are neutral without a database', () => {
  assert.is(h.GetDecisionsCount!('1.2.3.4'), 0)
  assert.is(h.GetActiveDecisionsCount!('1.2.3.4'), 0)
  assert.is(h.GetDecisionsSinceCount!('1.2.3.4', '1d'), 0)
  assert.is(h.GetDecisionsSinceCount!('1.2.3.4', 'bad'), 0)
  assert.is(h.GetActiveDecisionsTimeLeft!('1.2.3.4'), 0)
})

test('decision helpers use the backend when there is one', () => {
  const seen: number[] = []
  const db = createHelpers(
    createHelperContext({
      decisions: {
        count: () => 3,
        activeCount: () => 1,
        sinceCount: (_v, ns) => (seen.push(ns), 2),
        activeTimeLeft: () => parseGoDuration('4h'),
      },
    }),
  )
  assert.is(db.GetDecisionsCount!('x'), 3)
  assert.is(db.GetActiveDecisionsCount!('x'), 1)
  assert.is(db.GetDecisionsSinceCount!('x', '2d3h'), 2)
  assert.equal(seen, [51 * 3600e9])
  assert.is((db.GetActiveDecisionsTimeLeft!('x') as GoDuration).String(), '4h0m0s')
})

test('parseDurationWithDays', () => {
  assert.is(parseDurationWithDays('1d').String(), '24h0m0s')
  assert.is(parseDurationWithDays('90m').String(), '1h30m0s')
  assert.throws(() => parseDurationWithDays('x'), /invalid duration/)
})

test('Hostname, CrowdsecCTI', () => {
  assert.is(h.Hostname!(), 'box')
  assert.throws(() => h.CrowdsecCTI!('1.2.3.4'), /no CTI API key/)
  const cti = createHelpers(createHelperContext({cti: {lookup: (ip) => ({ip, reputation: 'malicious'})}}))
  assert.equal(cti.CrowdsecCTI!('1.2.3.4'), {ip: '1.2.3.4', reputation: 'malicious'})
})

test('Flatten, Distinct, FlattenDistinct', () => {
  assert.equal(h.Flatten!([1, [2, [3]]], 4), [1, 2, 3, 4])
  assert.equal(h.Distinct!([1, 'a', 1, 'a', '1', null, null]), [1, 'a', '1', null])
  assert.throws(() => h.Distinct!(stringSlice(['b', 'a', 'b'])), /is \[\]string, not \[\]interface \{\}/)
  assert.is(h.Distinct!('abc'), null)
  assert.equal(h.FlattenDistinct!([1, 2], [2, [3, 1]]), [1, 2, 3])
})

test.run()
