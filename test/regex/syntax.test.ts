import {test} from 'uvu'
import * as assert from 'uvu/assert'
import {parseRe2, rangesIntersect, rangesWithin, Re2SyntaxError} from '../../src/regex/syntax.js'

// Constructs RE2 rejects (so does crowd), with Go's wording (Go prefixes `error parsing regexp: `)
const ERRORS: [string, string][] = [
  ['(?=a)', 'invalid or unsupported Perl syntax: `(?=`'],
  ['(?!a)', 'invalid or unsupported Perl syntax: `(?!`'],
  ['(?<=a)', 'invalid named capture: `(?<=a)`'],
  ['(?<!a)b', 'invalid named capture: `(?<!a)b`'],
  ['(?P<>a)', 'invalid named capture: `(?P<>`'],
  ['(?P<a-b>x)', 'invalid named capture: `(?P<a-b>`'],
  ['(?P=n)', 'invalid or unsupported Perl syntax: `(?P`'],
  ['(?>a)', 'invalid or unsupported Perl syntax: `(?>`'],
  ['(?-)', 'invalid or unsupported Perl syntax: `(?-)`'],
  ['(a)\\1', 'invalid escape sequence: `\\1`'],
  ['a**', 'invalid nested repetition operator: `**`'],
  ['a++', 'invalid nested repetition operator: `++`'],
  ['*a', 'missing argument to repetition operator: `*`'],
  ['a{1001}', 'invalid repeat count: `{1001}`'],
  ['a{3,2}', 'invalid repeat count: `{3,2}`'],
  ['(a', 'missing closing ): `(a`'],
  ['x(a|(b)', 'missing closing ): `x(a|(b)`'],
  ['(', 'missing closing ): `(`'],
  ['a)', 'unexpected ): `a)`'],
  ['[a', 'missing closing ]: `[a`'],
  ['[z-a]', 'invalid character class range: `z-a`'],
  ['[[:foo:]]', 'invalid character class range: `[:foo:]`'],
  ['[[:^foo:]]', 'invalid character class range: `[:^foo:]`'],
  ['\\Z', 'invalid escape sequence: `\\Z`'],
  ['\\C', 'invalid escape sequence: `\\C`'],
  ['\\q', 'invalid escape sequence: `\\q`'],
  ['\\o', 'invalid escape sequence: `\\o`'],
  ['\\8', 'invalid escape sequence: `\\8`'],
  ['\\p{Nope}', 'invalid character class range: `\\p{Nope}`'],
  ['a\\', 'trailing backslash at end of expression: ``'],
]

for (const [input, message] of ERRORS) {
  test(`rejects ${input}`, () => {
    try {
      parseRe2(input)
    } catch (error) {
      assert.instance(error, Re2SyntaxError)
      assert.is((error as Error).message, message)
      return
    }
    assert.unreachable(`${input} was accepted`)
  })
}

// Accepted, with the group count
const ACCEPTED: [string, number][] = [
  ['(?U)a+', 0],
  ['a(?i)b', 0],
  ['(?i:a)(b)', 1],
  ['(?)a', 0],
  ['[[:alpha:]][[:^digit:]]', 0],
  ['[[:x]', 0],
  ['a{,2}', 0],
  ['x]y}', 0],
  ['(?i)\\pL', 0],
  ['(?P<a>x)(?<b>y)(z)', 3],
]

for (const [input, groups] of ACCEPTED) {
  test(`accepts ${input}`, () => {
    assert.is(parseRe2(input).groups, groups)
  })
}

test('group names, as Go SubexpNames', () => {
  assert.equal(parseRe2('(?P<a>x)((?<b>y))(?:z)(w)').names, ['', 'a', '', 'b', ''])
})

test('(?i) on a Unicode class is the case-folding closure (Go), then the negation', () => {
  const lu = parseRe2('(?i)\\p{Lu}').root
  assert.is(lu.type, 'class')
  if (lu.type !== 'class') return
  assert.equal(lu.set.props, [])
  const has = (ranges: number[], cp: number) => ranges.some((v, k) => k % 2 === 0 && cp >= v && cp <= ranges[k + 1])
  assert.ok(has(lu.set.ranges, 0x61)) // a folds to A
  assert.ok(!has(lu.set.ranges, 0x31))
  const notLu = parseRe2('(?i)\\P{Lu}').root
  if (notLu.type !== 'class') return assert.unreachable('not a class')
  assert.ok(!has(notLu.set.ranges, 0x61))
  assert.ok(has(notLu.set.ranges, 0x31))
})

test('range lists: intersection and containment (normalized lists)', () => {
  const hex = [0x30, 0x39, 0x41, 0x46, 0x61, 0x66]
  assert.ok(rangesIntersect(hex, [0x3a, 0x41]))
  assert.not.ok(rangesIntersect(hex, [0x3a, 0x40]))
  assert.not.ok(rangesIntersect(hex, []))
  assert.ok(rangesWithin([0x31, 0x32, 0x62, 0x62], hex))
  assert.not.ok(rangesWithin([0x39, 0x41], hex), 'spans a gap')
  assert.ok(rangesWithin([], hex))
})

test.run()
