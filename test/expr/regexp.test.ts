import {test} from 'uvu'
import * as assert from 'uvu/assert'
import {compileRegexp, translateRegexp} from '../../src/expr/regexp.js'

// [RE2 pattern, text, matches?]
const matches: [string, string, boolean][] = [
  ['(?P<x>a+)b', 'xaab', true],
  ['(?i)ABC', 'xabc', true],
  ['^\\/data', '/data/x', true],
  ['[[:digit:]]+', 'a1', true],
  ['[^\\/]+$', 'a/b', true],
  ['\\Qa.b\\E', 'axb', false],
  ['\\Qa.b\\E', 'a.b', true],
  ['\\Aab', 'ab', true],
  ['ab\\z', 'ab\n', false],
  ['a.b', 'a\nb', false],
  ['(?s)a.b', 'a\nb', true],
  ['\\d{2,3}', 'x12', true],
  ['\\s', '\u00a0', false],
  ['\\pL+', 'é', true],
  ['\\x{e9}', 'é', true],
  ['[]a]', ']', true],
  ['\\#\\:', '#:', true],
]

for (const [pattern, text, want] of matches) {
  test(`regexp ${pattern} on ${JSON.stringify(text)}`, () => {
    assert.is(compileRegexp(pattern).test(text), want)
  })
}

const rejected: [string, string][] = [
  ['(?=a)', 'error parsing regexp: invalid or unsupported Perl syntax: `(?=`'],
  ['(?<!a)b', 'error parsing regexp: invalid or unsupported Perl syntax: `(?<!`'],
  ['(a)\\1', 'error parsing regexp: invalid escape sequence: `\\1`'],
  ['(?U)a+', 'error parsing regexp: ungreedy flag (?U) is not supported'],
  ['a(?i)b', 'error parsing regexp: flag groups inside the pattern are not supported: `(?i)b`'],
  ['[a', 'error parsing regexp: missing closing ]: `[a`'],
  ['a)', 'error parsing regexp: unexpected ): `a)`'],
  ['\\q', 'error parsing regexp: invalid escape sequence: `\\q`'],
]

for (const [pattern, message] of rejected) {
  test(`regexp rejects ${pattern}`, () => {
    assert.throws(() => translateRegexp(pattern), (e: Error) => e.message === message)
  })
}

test.run()
