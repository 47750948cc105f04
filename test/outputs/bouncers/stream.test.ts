/**
 * Reading a decision stream answer one item at a time (src/outputs/bouncers/stream.ts): the same
 * items as JSON.parse, strings with brackets and escapes, null and absent lists, malformed items as
 * garbage, a text that is no stream refused before any item is used.
 */
import {test} from 'uvu'
import * as assert from 'uvu/assert'
import {DecisionState, emptyCounts, readStreamText} from '../../../src/outputs/bouncers/index.js'

test('items come out as JSON.parse gives them, strings with brackets and escapes included', () => {
  const answer = {new: [{id: 1, value: '192.0.2.1', scenario: 'a]b}c"d\\\\e', scope: 'Ip', meta: {x: [1, {y: '['}]}}, {id: 2, value: '::1'}], deleted: [{id: 3}], other: {'new': 'not this'}}
  const r = readStreamText(JSON.stringify(answer, null, 1))
  assert.equal([...r.new], answer.new)
  assert.equal([...r.deleted], answer.deleted)
  assert.equal([...readStreamText(' {"new": [], "deleted": null} ').new], [])
  assert.equal([...readStreamText('{"new": [], "deleted": null}').deleted], [])
  assert.equal([...readStreamText('{}').new], [])
})

test('a malformed item is garbage; a text that is no stream is refused', () => {
  const r = readStreamText('{"new": [{"id" 1}, {"id": 2, "value": "192.0.2.2", "scope": "Ip", "type": "ban", "duration": "1h"}], "deleted": []}')
  const counts = emptyCounts()
  const state = new DecisionState()
  state.replace(r, 0, counts)
  assert.equal([state.size, counts.garbage], [1, 1])
  for (const bad of ['', '[]', '{"new": 3}', '{"new": [', '{"new": []} x', '{"new": ["a]}']) assert.throws(() => readStreamText(bad), /not a decision stream/, bad)
})

test.run()
