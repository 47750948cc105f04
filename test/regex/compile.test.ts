import {test} from 'uvu'
import * as assert from 'uvu/assert'
import {createBaseLibrary} from '../../src/grok/index.js'
import {compileRe2} from '../../src/regex/compile.js'

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

// pattern, options, engine
const ENGINES: [string, {usedGroups?: number[]; guard?: boolean}, 'js' | 'vm'][] = [
  ['(a)+', {}, 'js'],
  ['(?:(a)|b)+', {}, 'vm'],
  ['(?:(a)|b)+', {usedGroups: [0]}, 'js'],
  ['^(a+)+$', {}, 'js'],
  ['^(a+)+$', {guard: false}, 'vm'],
  ['^a+$', {guard: false}, 'js'],
  ['(?m)^(a+)+$', {}, 'vm'],
  ['(?m)^a+$', {}, 'js'],
  ['a{0,17}(a+)+', {}, 'vm'],
  ['a{0,17}a+', {}, 'js'],
  // no exponential ambiguity: native even without the guard (and with counted repeats it cannot run)
  ['^(?:\\[([^\\]]*)\\] )*Access denied', {guard: false}, 'js'],
  ['^"(?:[^"\\\\]|\\\\.)*" x{0,17}', {guard: false}, 'js'],
  ['(?:[A-Z]+(?:=[^ ]*)? )*?SRC=', {guard: false}, 'js'],
  ['(a|b)+', {guard: false}, 'js'],
  // still exponential: the VM when the guard cannot cover them
  ['(?:\\[tag "([^\\n]*?)"\\] )*x{0,17}', {}, 'vm'],
  ['(?:, [_a-z]+: "?([^"]*)"?)*$', {guard: false}, 'vm'],
  ['^(a|aa)+$', {guard: false}, 'vm'],
]
for (const [re, options, engine] of ENGINES) {
  test(`engine for ${re} ${JSON.stringify(options)}: ${engine}`, () => {
    const used = options.usedGroups === undefined ? undefined : new Set(options.usedGroups)
    assert.is(compileRe2(re, {guard: options.guard, usedGroups: used}).engine, engine)
  })
}

// Base grok patterns (and the first-party nginx/mysql/iptables/syslog shapes they build) that
// have no exponential ambiguity, so they run natively whether or not V8's guard covers them.
const NATIVE_GROK = ['IPORHOST', 'IPV6', 'IP', 'HOSTPORT', 'URIPATHPARAM', 'HTTPDATE', 'SYSLOGTIMESTAMP']
for (const name of NATIVE_GROK) {
  test(`%{${name}} runs natively without the guard`, () => {
    const {regex} = createBaseLibrary().expand(`%{${name}}`, undefined, 0)
    const re = compileRe2(regex, {guard: false, usedGroups: new Set()})
    assert.is(re.exponentialRisk, false)
    assert.is(re.engine, 'js', re.vmReason)
  })
}

// True positives: the base QS is `"(\\.|[^"\\]+)+"`, whose `[^"\\]+` iterations split a run of
// plain characters in 2^(n-1) ways (COMBINEDAPACHELOG and PATH inherit this); the VM runs them
// when the guard cannot.
for (const name of ['QS', 'COMBINEDAPACHELOG', 'PATH']) {
  test(`%{${name}} keeps its exponential risk`, () => {
    const {regex} = createBaseLibrary().expand(`%{${name}}`, undefined, 0)
    const re = compileRe2(regex, {guard: false, usedGroups: new Set()})
    assert.is(re.exponentialRisk, true)
    assert.is(re.engine, 'vm')
  })
}

test('nested unbounded quantifiers are reported', () => {
  assert.ok(compileRe2('(a+)+').nestedUnbounded)
  assert.not.ok(compileRe2('(a+)b+').nestedUnbounded)
})

// RE2 meaning through test() (tables from the former expr translators): pattern, text, matches
const MATCHES: [string, string, boolean][] = [
  ['(?P<x>a+)b', 'xaab', true],
  ['(?i)ABC', 'xabc', true],
  ['(?i)SQLMAP', 'sqlmap', true],
  ['a(?i)b', 'aB', true],
  ['a(?i)b', 'AB', false],
  ['(?i:a)b', 'Ab', true],
  ['(?i:a)b', 'AB', false],
  ['(?i)[a-c]x', 'BX', true],
  ['(?i)\\pL', '1', false],
  ['(?i)\\p{Lu}', 'a', true],
  ['^\\/data', '/data/x', true],
  ['[[:digit:]]+', 'a1', true],
  ['[[:alpha:]]+[[:digit:]]', 'abc1', true],
  ['^[[:upper:]]$', 'a', false],
  ['[^\\/]+$', 'a/b', true],
  ['\\Qa.b\\E', 'axb', false],
  ['\\Qa.b\\E', 'a.b', true],
  ['\\Aab', 'ab', true],
  ['\\Aab\\z', 'ab', true],
  ['ab\\z', 'ab\n', false],
  ['a$', 'a\n', false],
  ['(?m)a$', 'a\nb', true],
  ['(?m)^b', 'a\nb', true],
  ['^b', 'a\nb', false],
  ['a.b', 'a\nb', false],
  ['(?s)a.b', 'a\nb', true],
  ['\\d{2,3}', 'x12', true],
  ['\\s', '\u00a0', false],
  ['a\\sb', 'a\tb', true],
  ['a\\sb', 'a\vb', false],
  ['\\pL+', 'é', true],
  ['\\p{Greek}', 'α', true],
  ['\\x{e9}', 'é', true],
  ['\\x41', 'A', true],
  ['\\101', 'A', true],
  ['a{2}', 'aa', true],
  ['a{,2}', 'a{,2}', true],
  ['x]y', 'x]y', true],
  ['x}y', 'x}y', true],
  ['[]a]', ']', true],
  ['[^]a]', 'b', true],
  ['\\#\\:', '#:', true],
  ['\\-\\#\\:', '-#:', true],
  ['[\\-a]', '-', true],
  ['(?U)a+', 'aaa', true],
  ['.', '😀', true],
  ['^.$', '😀', true],
  ['^.$', 'a😀', false],
  ['^[^a]{2}$', '😀b', true],
  ['^(a+)+$', 'a😀', false],
  ['^(a+)+😀$', 'aa😀', true],
  ['(?:a|(b))+c', 'abac', true],
]
for (const [re, text, want] of MATCHES) {
  test(`${re} test ${JSON.stringify(text)}: ${want}`, () => {
    assert.is(compileRe2(re, {usedGroups: new Set()}).test(text), want)
    assert.is(compileRe2(re).exec(text) !== null, want)
    assert.is(compileRe2(re, {forceVm: true}).test(text), want)
  })
}

test('(?U) swaps greediness', () => {
  assert.is(compileRe2('(?U)a+').exec('aaa')?.[0], 'a')
  assert.is(compileRe2('(?U)a+?').exec('aaa')?.[0], 'aaa')
})

test('exec gives the match start, on both engines', () => {
  assert.is(compileRe2('b+').exec('aabbc')?.index, 2)
  assert.is(compileRe2('b+', {forceVm: true}).exec('aabbc')?.index, 2)
  assert.is(compileRe2('b+', {forceVm: true}).exec('😀bb')?.index, 2)
})

test('names', () => {
  assert.equal(compileRe2('(?P<ip>\\S+) (x)').names, ['', 'ip', ''])
})

test.run()
