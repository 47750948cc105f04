import {test} from 'uvu'
import * as assert from 'uvu/assert'
import {parseRe2} from '../../src/regex/syntax.js'
import {analyzeRe2, emitJs, linearEngineCanRun} from '../../src/regex/translate.js'

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
  assert.is(emitJs(parseRe2('(a)(b)((c)d)'), 'unicode', (g: number) => g === 2 || g === 4), '(?:a)(b)(?:(c)d)')
})

// When a backtracking engine would differ from RE2
const ANALYSIS: [string, boolean, boolean, boolean, boolean][] = [
  // pattern, exact in JS, nested unbounded quantifiers, exponential risk, super-quadratic risk
  ['(a|b)+', true, false, false, false],
  ['(?:(a)|b)+', false, false, false, false],
  ['(?:x(a)?)+', false, false, false, false],
  ['(?:(a)(b))+', true, false, false, false],
  ['(|a)+', false, false, true, true],
  ['(a*)*', false, true, true, true],
  ['(?:a?){2}', false, false, false, false],
  ['(a+)+$', true, true, true, true],
  ['(?:(a)|b)?', true, false, false, false],
  ['.*', true, false, false, false],
  ['^(\\S+) (.*)$', true, false, false, true],
  ['^a|b+$', true, false, false, false],
  // delimited iterations: the first character cannot occur elsewhere in the body
  ['(?:/[^/]*)+', true, true, false, true],
  ['(?:\\.(?:a|b+))*', true, true, false, true],
  ['(?:/[^x]*)+', true, true, true, true],
  ['(?:/(?:a|/))+', true, false, false, false],
  // deterministic stop: an inner repeat followed by a character it cannot consume (mysql)
  ['(?:\\[([^\\]]*)\\] )*', true, true, false, true],
  ['(?:\\[([^\\]]*)\\] )*x', true, true, false, true],
  // ... and not: `[^\\n]*?` can run over `"] [tag "`, so iterations split many ways (modsecurity)
  ['(?:\\[tag "([^\\n]*?)"\\] )*', true, true, true, true],
  // optional quotes: `[^"]*` can swallow the next `, k: ` (nginx error log)
  ['(?:, [_a-z]+: "?([^"]*)"?)*', true, true, true, true],
  ['(?:, [_a-z]+: "([^"]*)")*', true, true, false, true],
  // alternatives with disjoint first characters (QS, RFC 5424 structured data)
  ['"(?:[^"\\\\]|\\\\.)*"', true, false, false, false],
  ['(?:\\[(?:[^\\\\\\]]|\\\\.)*\\])+', true, true, false, true],
  // overlapping first characters: ambiguous only when the texts can coincide
  ['(a|aa)+', true, false, true, true],
  ['(?:a|a)*', true, false, true, true],
  ['(a|ab)+', true, false, false, false],
  // two epsilon routes between the same characters double the paths on each iteration
  ['(?:x(?:|)y)*', true, false, true, true],
  ['(?:xy)*', true, false, false, false],
  // iptables flags, IPv4 octets, counted repeats (bounded: no cycle)
  ['(?:[A-Z]+(?:=[^ ]*)? )*?', true, true, false, true],
  ['(?:\\d{1,3}\\.)+', true, false, false, false],
  ['(?:[[:xdigit:]]{1,4}:){7}[[:xdigit:]]{1,4}', true, false, false, false],
  ['(?:(?:a|a){3})+', true, false, true, true],
  ['(?:[a-z]+-)+', true, true, false, true],
  ['(?:[a-z-]+-)+', true, true, true, true],
  ['(\\w+\\s?)+', true, true, true, true],
  // assertions are not used to cut paths (conservative): `\b` makes this one unambiguous
  ['(?:\\w+\\b\\s?)+', true, true, true, true],
  // a Unicode property class is assumed to meet any other set
  ['(?:\\pL+x)+', true, true, true, true],
  ['(?:[a-w]+x)+', true, true, false, true],
]
for (const [input, exact, nested, exponential, risk] of ANALYSIS) {
  test(`analyzes ${input}`, () => {
    const a = analyzeRe2(parseRe2(input))
    assert.is(a.inexact.length === 0, exact)
    assert.is(a.nestedUnbounded, nested)
    assert.is(a.exponentialRisk, exponential)
    assert.is(a.backtrackRisk, risk)
  })
}

// Whether V8's linear-time engine (the guard's fallback) can run the flag-less translation
const LINEAR: [string, boolean][] = [
  ['^(a+)+$', true],
  ['\\b(\\w+\\s?)+$', true],
  ['(?m)^a$', false],
  ['a{0,16}(a+)+', true],
  ['a{0,17}(a+)+', false],
  ['a{17,}', false],
  ['(?:x{1,4}){1,4}', true],
  ['(?:x{1,4}){1,5}', false],
  ['(?:(?:a+)+)+(?:(?:b+)+)+', true],
  ['(?:(?:(?:(?:(?:a+)+)+)+)+)', false],
  ['(?:\\d{1,3}\\.){3}\\d{1,3}', true],
]
for (const [input, want] of LINEAR) {
  test(`linear engine can run ${input}: ${want}`, () => {
    assert.is(linearEngineCanRun(parseRe2(input).root), want)
  })
}

test('captures that no field reads do not force the fallback', () => {
  const tree = parseRe2('((?:(a)|b)+)')
  assert.is(analyzeRe2(tree, (g: number) => g === 1).inexact.length, 0)
  assert.is(analyzeRe2(tree, (g: number) => g === 2).inexact.length, 1)
})

test('group numbering is preserved (named groups stripped, none added)', () => {
  const tree = parseRe2('(?P<a>x)((?i)y|(?:z))(?s:.)(w)')
  assert.is(tree.groups, 3)
  const m = new RegExp(emitJs(tree), 'u').exec('xY\nw')
  assert.equal(m && [...m], ['xY\nw', 'x', 'Y', 'w'])
})

test.run()
