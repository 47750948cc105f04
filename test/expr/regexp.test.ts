import {test} from 'uvu'
import * as assert from 'uvu/assert'
import {cachedRegexp, compileRegexp, RegexpSyntaxError, translateRegexp} from '../../src/expr/regexp.js'

// The RE2 meaning itself is tested in test/regex/; here, the `matches` adapter: Go's messages
// with Go's prefix, RE2 constructs Go accepts, and a RegExp whose test() is RE2's.
const rejected: [string, string][] = [
  ['(?=a)', 'error parsing regexp: invalid or unsupported Perl syntax: `(?=`'],
  ['(?<!a)b', 'error parsing regexp: invalid named capture: `(?<!a)b`'],
  ['(a)\\1', 'error parsing regexp: invalid escape sequence: `\\1`'],
  ['[a', 'error parsing regexp: missing closing ]: `[a`'],
  ['a)', 'error parsing regexp: unexpected ): `a)`'],
  ['\\q', 'error parsing regexp: invalid escape sequence: `\\q`'],
]

for (const [pattern, message] of rejected) {
  test(`regexp rejects ${pattern}`, () => {
    assert.throws(() => translateRegexp(pattern), (e: Error) => e instanceof RegexpSyntaxError && e.message === message)
  })
}

// [RE2 pattern, text, matches?]: flags Go accepts anywhere, and astral text
const matches: [string, string, boolean][] = [
  ['(?U)a+$', 'aaa', true],
  ['a(?i)b', 'aB', true],
  ['a(?i)b', 'AB', false],
  ['^.$', '😀', true],
  ['^(a+)+$', 'aaaa', true],
]

for (const [pattern, text, want] of matches) {
  test(`regexp ${pattern} on ${JSON.stringify(text)}`, () => {
    assert.is(compileRegexp(pattern).test(text), want)
    assert.is(cachedRegexp(pattern).test(text), want)
  })
}

test('the cache returns the same compiled pattern', () => {
  assert.is(cachedRegexp('x+y'), cachedRegexp('x+y'))
})

test.run()
