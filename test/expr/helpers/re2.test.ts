import {test} from 'uvu'
import * as assert from 'uvu/assert'
import {compileRe2} from '../../../src/expr/helpers/re2.js'

// [pattern, input, matches]
const MATCH: [string, string, boolean][] = [
  ['(?P<n>a+)b', 'xaab', true],
  ['(?i)SQLMAP', 'sqlmap', true],
  ['a(?i)b', 'aB', true],
  ['a(?i)b', 'AB', false],
  ['(?i:a)b', 'Ab', true],
  ['(?i:a)b', 'AB', false],
  ['[[:alpha:]]+[[:digit:]]', 'abc1', true],
  ['^[[:upper:]]$', 'a', false],
  ['\\Qa.b\\E', 'a.b', true],
  ['\\Qa.b\\E', 'axb', false],
  ['a.c', 'a\nc', false],
  ['(?s)a.c', 'a\nc', true],
  ['a$', 'a\n', false],
  ['(?m)a$', 'a\nb', true],
  ['(?m)^b', 'a\nb', true],
  ['^b', 'a\nb', false],
  ['\\Aab\\z', 'ab', true],
  ['\\Aab\\z', 'ab\n', false],
  ['a\\sb', 'a\tb', true],
  ['a\\sb', 'a\u00a0b', false],
  ['\\x{e9}', 'é', true],
  ['\\x41', 'A', true],
  ['\\101', 'A', true],
  ['a{2}', 'aa', true],
  ['a{,2}', 'a{,2}', true],
  ['x]y', 'x]y', true],
  ['x}y', 'x}y', true],
  ['[]a]', ']', true],
  ['[^]a]', 'b', true],
  ['\\pL+', 'é', true],
  ['\\p{Greek}', 'α', true],
  ['\\-\\#\\:', '-#:', true],
  ['[\\-a]', '-', true],
  ['(?i)[a-c]x', 'BX', true],
  ['(?U)a+', 'aaa', true],
  ['.', '😀', true],
  ['^.$', '😀', true],
]

for (const [pattern, input, want] of MATCH) {
  test(`RE2 ${JSON.stringify(pattern)} on ${JSON.stringify(input)} -> ${want}`, () => {
    assert.is(compileRe2(pattern).test(input), want)
  })
}

test('(?U) makes quantifiers lazy and ? greedy', () => {
  assert.is(compileRe2('(?U)a+').exec('aaa')![0], 'a')
  assert.is(compileRe2('(?U)a+?').exec('aaa')![0], 'aaa')
})

const INVALID: [string, RegExp][] = [
  ['(a', /missing closing \)/],
  ['a)', /unexpected \)/],
  ['(?=a)', /invalid or unsupported Perl syntax/],
  ['(?<!a)b', /invalid or unsupported Perl syntax/],
  ['\\1', /invalid escape sequence/],
  ['a**', /invalid nested repetition operator/],
  ['*a', /missing argument to repetition operator/],
  ['a{1001}', /invalid repeat count/],
  ['[a', /missing closing \]/],
  ['[z-a]', /invalid character class range/],
  ['\\o', /invalid escape sequence/],
  ['[[:foo:]]', /invalid character class range/],
]

for (const [pattern, message] of INVALID) {
  test(`RE2 rejects ${JSON.stringify(pattern)}`, () => {
    assert.throws(() => compileRe2(pattern), message)
  })
}

test.run()
