import {test} from 'uvu'
import * as assert from 'uvu/assert'
import {compileRe2, Re2SyntaxError} from '../../../src/expr/helpers/re2.js'

// The RE2 meaning itself is tested in test/regex/; here, the data-file adapter.
const MATCH: [string, string, boolean][] = [
  ['(?i)SQLMAP', 'sqlmap', true],
  ['(?P<n>a+)b', 'xaab', true],
  ['a\\sb', 'a\u00a0b', false],
  ['.', '😀', true],
]

for (const [pattern, input, want] of MATCH) {
  test(`RE2 ${JSON.stringify(pattern)} on ${JSON.stringify(input)} -> ${want}`, () => {
    assert.is(compileRe2(pattern).test(input), want)
  })
}

test('exec gives the whole match and its start', () => {
  const m = compileRe2('(?U)a+').exec('baaa')
  assert.is(m?.[0], 'a')
  assert.is(m?.index, 1)
})

const INVALID: [string, string][] = [
  ['(a', 'error parsing regexp: missing closing ): `(a`'],
  ['[[:foo:]]', 'error parsing regexp: invalid character class range: `[:foo:]`'],
  ['a{1001}', 'error parsing regexp: invalid repeat count: `{1001}`'],
]

for (const [pattern, message] of INVALID) {
  test(`RE2 rejects ${JSON.stringify(pattern)}`, () => {
    assert.throws(() => compileRe2(pattern), (e: Error) => e instanceof Re2SyntaxError && e.message === message)
  })
}

test.run()
