import {test} from 'uvu'
import * as assert from 'uvu/assert'
import {parseRe2, Re2SyntaxError} from '../../src/grok/re2-syntax.js'
import {analyzeRe2, emitJs} from '../../src/grok/re2-translate.js'

const translate = (re2: string) => emitJs(parseRe2(re2))

// RE2 in -> JS source out (compiled with the `u` flag only)
const TRANSLATIONS: [string, string][] = [
  ['[a-zA-Z0-9\\.\\@\\-\\+_%]+', '[%+\\-.0-9@-Z_a-z]+'],
  ["(?:/[A-Za-z0-9$.+!*'\\(\\)\\{\\},~:;=@\\#%&_\\-]*)+", '(?:\\/[!#-.0-;=@-Z_a-{}~]*)+'],
  ['^\\/data\\/migrations\\/([A-Za-z0-9\\-\\_]+)\\.sql$', '^\\/data\\/migrations\\/([\\-0-9A-Z_a-z]+)\\.sql$'],
  [
    'SASL ((?i)LOGIN|PLAIN|(?:CRAM|DIGEST)-MD5) authentication failed:',
    'SASL ([Ll][Oo][Gg][Ii][Nn]|[Pp][Ll][Aa][Ii][Nn]|(?:[Cc][Rr][Aa][Mm]|[Dd][Ii][Gg][Ee][Ssſ][Tt])-[Mm][Dd]5) authentication failed:',
  ],
  ['(?i)k', '[Kk\u212A]'],
  ['a(?i:b)c', 'a(?:[Bb])c'],
  ['(?i)a(?-i)b', '[Aa]b'],
  ['(?P<name>x)(?<other>y)', '(x)(y)'],
  ['(?s).', '[^]'],
  ['.', '[^\\n]'],
  ['(?m)^a$', '(?<![^\\n])a(?![^\\n])'],
  ['^a$', '^a$'],
  ['\\Aa\\z', '^a$'],
  ['\\s\\S', '[\\t\\n\\f\\r ][^\\t\\n\\f\\r ]'],
  ['\\d\\D\\w\\W', '\\d\\D\\w\\W'],
  ['\\bx\\B', '\\bx\\B'],
  ['[[:alpha:]][[:^digit:]][[:space:]]', '[A-Za-z]\\D[\\t-\\r ]'],
  ['\\pL\\p{Greek}\\PN\\p{^Lu}', '\\p{L}\\p{Script=Greek}\\P{N}\\P{Lu}'],
  ['[\\pL0-9]', '[0-9\\p{L}]'],
  ['\\Qa.b*c\\E+', 'a\\.b\\*c+'],
  ['\\x41\\x{1F600}\\101\\0\\a', 'A\\u{1F600}A\\x00\\x07'],
  ['\\_\\-\\:\\@\\#\\%\\"\\\'\\<\\>\\=\\,\\&\\~\\/\\!', '_-:@#%"\'<>=,&~\\/!'],
  ['%{INT:x:int}', '%\\{INT:x:int\\}'],
  ['a{,3}', 'a\\{,3\\}'],
  ['[]a]', '[\\]a]'],
  ['[^]a]', '[^\\]a]'],
  ['[+-=]', '[+-=]'],
  ['[a-]', '[\\-a]'],
  ['[^\\n]', '[^\\n]'],
  ['(?U)a+b*?', 'a+?b*'],
  ['a{2}b{2,}c{2,5}?', 'a{2}b{2,}c{2,5}?'],
  ['\\b+', '(?:\\b)+'],
  ['(?:ab)*', '(?:ab)*'],
  ['ab|cd', 'ab|cd'],
  ['Mär', 'Mär'],
  ['[\\x21-\\x5a\\x5c\\x5e-\\x7e]+', '[!-Z\\\\\\^-~]+'],
]

for (const [input, output] of TRANSLATIONS) {
  test(`translates ${input}`, () => {
    const js = translate(input)
    assert.is(js, output)
    new RegExp(js, 'u') // must compile
  })
}

// The flag-less variant run on surrogate-free text (V8's linear fallback covers it): code points
// above U+FFFF can never occur there, so they are dropped.
const BMP: [string, string][] = [
  ['[^"]*', '[^"]*'],
  ['.', '[^\\n]'],
  ['(?s).', '[^]'],
  ['\\x{1F600}a', '[]a'],
  ['[a\\x{1F600}-\\x{1F64F}]', 'a'],
  ['[^a]', '[^a]'],
  ['\\x{2028}\\xA0', '\\u2028\u00A0'],
  ['\\S+', '[^\\t\\n\\f\\r ]+'],
]
for (const [input, output] of BMP) {
  test(`translates ${input} for surrogate-free text`, () => {
    const js = emitJs(parseRe2(input), 'bmp')
    assert.is(js, output)
    new RegExp(js)
  })
}

test('only the groups read stay capturing, renumbered in order', () => {
  assert.is(emitJs(parseRe2('(a)(b)((c)d)'), 'unicode', (g) => g === 2 || g === 4), '(?:a)(b)(?:(c)d)')
})

// Constructs RE2 rejects (so does crowd, with RE2's reason)
const ERRORS: [string, string][] = [
  ['(?=a)', 'invalid or unsupported Perl syntax: `(?=`'],
  ['(?!a)', 'invalid or unsupported Perl syntax: `(?!`'],
  ['(?<=a)', 'invalid named capture: `(?<=a)`'],
  ['(?>a)', 'invalid or unsupported Perl syntax: `(?>`'],
  ['(a)\\1', 'invalid escape sequence: `\\1`'],
  ['a**', 'invalid nested repetition operator: `**`'],
  ['a++', 'invalid nested repetition operator: `++`'],
  ['*a', 'missing argument to repetition operator: `*`'],
  ['a{1001}', 'invalid repeat count: `{1001}`'],
  ['a{3,2}', 'invalid repeat count: `{3,2}`'],
  ['(a', 'missing closing ): `(a`'],
  ['a)', 'unexpected ): unmatched closing parenthesis'],
  ['[a', 'missing closing ]: `[a`'],
  ['[z-a]', 'invalid character class range: `z-a`'],
  ['\\Z', 'invalid escape sequence: `\\Z`'],
  ['\\C', 'invalid escape sequence: `\\C`'],
  ['\\p{Nope}', 'invalid character class range: \\p{Nope}'],
  ['(?i)\\pL', 'case-insensitive Unicode class is not supported: `\\pL`'],
  ['a\\', 'trailing backslash at end of expression'],
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

// When a backtracking engine would differ from RE2
const ANALYSIS: [string, boolean, boolean][] = [
  // pattern, exact in JS, nested unbounded quantifiers
  ['(a|b)+', true, false],
  ['(?:(a)|b)+', false, false],
  ['(?:x(a)?)+', false, false],
  ['(?:(a)(b))+', true, false],
  ['(|a)+', false, false],
  ['(a*)*', false, true],
  ['(?:a?){2}', false, false],
  ['(a+)+$', true, true],
  ['(?:(a)|b)?', true, false],
  ['.*', true, false],
]
for (const [input, exact, nested] of ANALYSIS) {
  test(`analyzes ${input}`, () => {
    const a = analyzeRe2(parseRe2(input))
    assert.is(a.inexact.length === 0, exact)
    assert.is(a.nestedUnbounded, nested)
  })
}

test('captures that no field reads do not force the fallback', () => {
  const tree = parseRe2('((?:(a)|b)+)')
  assert.is(analyzeRe2(tree, (g) => g === 1).inexact.length, 0)
  assert.is(analyzeRe2(tree, (g) => g === 2).inexact.length, 1)
})

test('group numbering is preserved (named groups stripped, none added)', () => {
  const tree = parseRe2('(?P<a>x)((?i)y|(?:z))(?s:.)(w)')
  assert.is(tree.groups, 3)
  const m = new RegExp(emitJs(tree), 'u').exec('xY\nw')
  assert.equal(m && [...m], ['xY\nw', 'x', 'Y', 'w'])
})

test.run()
