/**
 * `crowd cti simulate`: the JSON of a small seeded run is stable (golden), the table is printed
 * without --json, exit code 1 when something innocent was promoted, 2 for a bad flag.
 */
import {test} from 'uvu'
import * as assert from 'uvu/assert'
import {assertGolden} from '../helpers/golden.js'
import {makeHome} from './lapi/helpers.js'

const home = makeHome('cti')
const SMALL = ['cti', 'simulate', '--agents', '2000', '--attackers', '100', '--seed', '3']

test('cti simulate --json: a seeded run, machine-stable', async () => {
  const r = await home.json(SMALL)
  assert.is(r.status, 0, r.stderr)
  assertGolden('cti-simulate.json', JSON.stringify(r.body, null, 2) + '\n')
  assert.equal(Object.keys(r.body), ['agents', 'poisoners', 'strategy', 'k', 'seed', 'duration_s', 'signals', 'attackers', 'promoted', 'precision', 'time_to_fire_s', 'caught'])
})

test('cti simulate: a table; exit 1 when poisoners got something innocent promoted; usage errors', async () => {
  const table = await home.run(SMALL)
  assert.is(table.status, 0, table.stderr)
  assert.match(table.stdout, /recall\s+100\.00%/)
  assert.match(table.stdout, /poisoned\s+0/)
  const poisoned = await home.json([...SMALL, '--poison-strategy', 'sleeper', '--sybil-networks', '6', '--benign-canaries', '0', '--poison-targets', '3'])
  assert.is(poisoned.status, 1, poisoned.stderr)
  assert.is(poisoned.body.promoted.benign, 3)
  const bad = await home.run(['cti', 'simulate', '--poisoners', '1.5'])
  assert.is(bad.status, 2)
  assert.match(bad.stderr, '--poisoners must be a fraction from 0 to below 1')
  const badDuration = await home.run(['cti', 'simulate', '--duration', 'soon'])
  assert.is(badDuration.status, 2)
  assert.match(badDuration.stderr, '--duration')
})

test.run()
