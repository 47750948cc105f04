import {test} from 'uvu'
import * as assert from 'uvu/assert'
import {Alert, Decision} from '../../src/model/alert.js'
import {applySimulation, isSimulated} from '../../src/decide/simulation.js'

const table: {simulation: boolean; exclusions: string[]; scenario: string; want: boolean}[] = [
  {simulation: false, exclusions: [], scenario: 'a/x', want: false},
  {simulation: true, exclusions: [], scenario: 'a/x', want: true},
  {simulation: true, exclusions: ['a/x'], scenario: 'a/x', want: false},
  {simulation: false, exclusions: ['a/x'], scenario: 'a/x', want: true},
]
for (const c of table) {
  test(`simulation=${c.simulation} exclusions=${c.exclusions.join(',')} ${c.scenario}`, () => {
    assert.is(isSimulated(c, c.scenario), c.want)
  })
}

test('applySimulation marks the alert and its decisions', () => {
  const a = new Alert()
  a.Scenario = 'a/x'
  a.Decisions = [new Decision({Type: 'ban'})]
  applySimulation(a, {simulation: true})
  assert.ok(a.Simulated)
  assert.ok(a.Decisions[0]!.Simulated)
  assert.equal(a.Decisions[0]!.toJSON().simulated, true)
})

test.run()
