import {test} from 'uvu'
import * as assert from 'uvu/assert'
import {compileRe2} from '../../src/grok/regex.js'

const read = (re: string, text: string, groups: number[], used?: number[]) => {
  const m = compileRe2(re, used === undefined ? {} : {usedGroups: new Set(used)})
  const r = m.exec(text)
  return r === null ? null : groups.map((g) => (m.groupIndex(g) >= 0 ? r[m.groupIndex(g)] : 'not captured'))
}

// pattern, text, groups to read, groups declared used, expected values
const CASES: [string, string, number[], number[] | undefined, (string | undefined)[] | null][] = [
  ['(a)(b)(c)', 'abc', [0, 1, 2, 3], undefined, ['abc', 'a', 'b', 'c']],
  ['(a)(b)(c)', 'abc', [0, 1, 2, 3], [3], ['abc', 'not captured', 'not captured', 'c']],
  ['^(.)(.*)$', 'x😀y', [1, 2], undefined, ['x', '😀y']],
  ['^(.)(.*)$', '😀y', [1, 2], undefined, ['😀', 'y']],
  ['^([^a]{2})(.*)$', '😀bc', [1, 2], [2], ['not captured', 'c']],
  ['^(?:(a)|b)+$', 'ab', [1], [1], ['a']],
  ['^(?:(a)|b)+(😀)?$', 'ab😀', [1, 2], [2], ['not captured', '😀']],
  ['(\\pL+)', '12été', [1], undefined, ['été']],
  ['x', 'y', [0], undefined, null],
]

for (const [re, text, groups, used, want] of CASES) {
  test(`${re} on ${JSON.stringify(text)} (used: ${used?.join(',') ?? 'all'})`, () => {
    assert.equal(read(re, text, groups, used), want)
  })
}

test('engine choice', () => {
  assert.is(compileRe2('(a)+').engine, 'js')
  assert.is(compileRe2('(?:(a)|b)+').engine, 'vm')
  assert.is(compileRe2('(?:(a)|b)+', {usedGroups: new Set([0])}).engine, 'js')
  assert.ok(compileRe2('(a+)+').nestedUnbounded)
})

test.run()
