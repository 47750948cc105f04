/**
 * `simulate` drives the real engine: the bar (10% colluding poisoners, each strategy:
 * nothing innocent promoted, 95%+ of the attackers seen by k honest agents found within a
 * simulated hour), determinism from the seed, and the documented limit: poisoners with established,
 * proven reporters in k networks and ASes, and no canary among their targets, do get through.
 */
import {test} from 'uvu'
import * as assert from 'uvu/assert'
import {DEFAULT_SIMULATION, checkSimulationSpec, simulate, type SimulationSpec} from '../../../src/cti/simulate/simulate.js'

const spec = (more: Partial<SimulationSpec>): SimulationSpec => ({...DEFAULT_SIMULATION, agents: 5000, attackers: 300, ...more})

for (const strategy of ['burst', 'sleeper', 'sybil'] as const) {
  for (const seed of [1, 2]) {
    test(`10% poisoners, ${strategy}, seed ${seed}: nothing innocent promoted, 95%+ recall within the hour`, () => {
      const r = simulate(spec({poisonStrategy: strategy, seed}))
      assert.is(r.poisoners, 500)
      assert.equal(r.promoted.benign + r.promoted.canary, 0, JSON.stringify(r))
      assert.ok(r.attackers.eligible > 250, JSON.stringify(r.attackers))
      assert.ok(r.attackers.recall! >= 0.95, JSON.stringify(r.attackers))
      assert.is(r.precision, 1)
      assert.ok(r.time_to_fire_s!.p90 < 900, JSON.stringify(r.time_to_fire_s))
    })
  }
}

test('the poisoners who report a benign canary are caught, and their networks quarantined', () => {
  const r = simulate(spec({poisonStrategy: 'burst', poisonTargets: 40}))
  assert.is(r.caught.liars, 500, JSON.stringify(r.caught))
  assert.is(r.caught.quarantined_networks, DEFAULT_SIMULATION.sybilNetworks)
})

test('one seed, one result; another seed, another draw', () => {
  const a = simulate(spec({seed: 7, agents: 2000, attackers: 100}))
  assert.equal(simulate(spec({seed: 7, agents: 2000, attackers: 100})), a)
  assert.not.equal(simulate(spec({seed: 8, agents: 2000, attackers: 100})).signals, a.signals)
})

test('the limit: established, proven poisoners in k networks and ASes, no canary among their targets, get their targets promoted', () => {
  const r = simulate(spec({poisonStrategy: 'sleeper', sybilNetworks: 5, benignCanaries: 0, poisonTargets: 10}))
  assert.is(r.promoted.benign, 10, JSON.stringify(r.promoted))
  // a sybil wave in as many networks does not: new identities neither aged nor proven
  const sybil = simulate(spec({poisonStrategy: 'sybil', sybilNetworks: 50, benignCanaries: 0, poisonTargets: 10}))
  assert.is(sybil.promoted.benign, 0, JSON.stringify(sybil.promoted))
})

test('bad specs are refused with the flag to fix', () => {
  assert.match(checkSimulationSpec(spec({agents: 0}))!, '--agents')
  assert.match(checkSimulationSpec(spec({poisoners: 1}))!, '--poisoners')
  assert.match(checkSimulationSpec(spec({detectionRate: 0}))!, '--detection-rate')
  assert.match(checkSimulationSpec(spec({durationMs: 1000}))!, '--duration')
  assert.is(checkSimulationSpec(spec({})), undefined)
})

test.run()
