import * as path from 'node:path'
import {readFileSync} from 'node:fs'
import {test} from 'uvu'
import * as assert from 'uvu/assert'
import {parseAllDocuments} from 'yaml'
import {capCount, createBaseLibrary, loadPatternLibrary, PatternLibrary} from '../../src/grok/index.js'
import {CrowdError} from '../../src/model/errors.js'
import type {Logger} from '../../src/model/logger.js'
import {SHARED} from '../helpers/run-cli.js'

const PATTERNS = path.join(SHARED, 'crowdsec-hub', 'patterns')
const full = loadPatternLibrary([PATTERNS])

const CAP_COUNTS: [string, number][] = [
  ['', 0],
  ['(', 1],
  ['(?:', 0],
  ['(?i:', 0],
  ['(?i)', 0],
  ['(?P<x>', 1],
  ['\\(', 0],
  ['\\\\(', 0], // an escaped backslash before a real group: counted as escaped
  ['[(]', 1], // a paren inside a class counts
  ['(http|https)', 0], // "s)" is taken for a flag group
  ['(foo|-)', 0],
  ['|-) +(?:', -1],
  ['|-) +(-|', 0],
  [' (?:request|access) ', -1],
  ['( \\(', 1],
]
for (const [segment, want] of CAP_COUNTS) {
  test(`capCount(${JSON.stringify(segment)}) = ${want}`, () => assert.is(capCount(segment), want))
}

function lib(defs: [string, string][]): PatternLibrary {
  const l = createBaseLibrary()
  for (const [name, def] of defs) l.define(name, def)
  return l
}

// pattern, extra definitions, line, expected result (null = the grok fails)
const MATCHES: [string, string, [string, string][], string, Record<string, string> | null][] = [
  ['same-level duplicate: the last occurrence wins', '(%{WORD:a} )?%{WORD:x} %{WORD:a}', [], 'p q r', {a: 'r', x: 'q'}],
  ['a name used at this level is never overwritten from inside', '%{WORD:a} %{INNER}', [['INNER', '%{WORD:a}']], 'x y', {a: 'x'}],
  ['a later inner name overrides an earlier inner one', '%{IN1} %{IN2}', [['IN1', '%{WORD:b}'], ['IN2', '%{WORD:b}']], 'x y', {b: 'y'}],
  ['a named reference keeps inner names', '%{SYSLOGPROG:prog}', [], 'sshd[12]', {prog: 'sshd[12]', program: 'sshd', pid: '12'}],
  ['non-participating fields are empty strings', '%{WORD:a}( %{INT:b})?', [], 'x', {a: 'x', b: ''}],
  ['no field at all: fails even when the regex matches', '%{WORD}', [], 'abc', null],
  ['raw named groups are not fields', '(?P<x>a)', [], 'a', null],
  ['no match: fails', '^%{INT:n}$', [], 'abc', null],
  ['type suffixes are not references (literal text)', '%{INT:x:int}', [], '12', null],
  ['dotted field names are not references', '%{IP:source.ip}', [], '1.2.3.4', null],
  ['unanchored search finds the leftmost match', '%{INT:n}', [], 'ab 42 7', {n: '42'}],
  ['capCount bug shifts later fields (SYSLOG5424LINE, grok.md 2.2)', '%{SYSLOG5424LINE}', [],
    '<34>1 2003-10-11T22:14:15.003Z mymachine.example.com su 77 ID47 - msg',
    {syslog5424_pri: '34', syslog5424_ver: '1', syslog5424_ts: '2003-10-11T22:14:15.003Z', syslog5424_host: '', syslog5424_app: '',
      syslog5424_proc: 'su', syslog5424_msgid: '77', syslog5424_sd: 'ID47', syslog5424_msg: 'msg'}],
  ['BSD syslog line through ^%{SYSLOGLINE}', '^%{SYSLOGLINE}', [], 'Jan 12 06:25:34 myhost sshd[1234]: Failed password',
    {timestamp: 'Jan 12 06:25:34', timestamp8601: '', facility: '', priority: '', logsource: 'myhost', program: 'sshd', pid: '1234', message: 'Failed password'}],
  ['repeated group keeps the last iteration in which each field took part (RE2)', '(?:k=%{WORD:k}|v=%{INT:v}|\\s)+', [], 'k=a v=1 k=b', {k: 'b', v: '1'}],
]

for (const [name, pattern, defs, line, want] of MATCHES) {
  test(`match: ${name}`, () => {
    const l = defs.length === 0 ? full : (() => { const x = full.clone(); for (const [n, d] of defs) x.define(n, d); return x })()
    const got = l.compile(pattern).match(line)
    if (want === null) return assert.is(got, null)
    assert.ok(got !== null, 'no match')
    assert.is(Object.getPrototypeOf(got), null)
    assert.equal({...got}, {...want})
  })
}

test('a field named __proto__ is an own key of the null-prototype result', () => {
  const got = full.compile('%{WORD:__proto__} %{WORD:constructor}').match('x y')
  assert.ok(got !== null)
  assert.ok(Object.hasOwn(got, '__proto__'))
  assert.is(got['__proto__'], 'x')
  assert.is(got['constructor'], 'y')
})

test('fields lists every field name', () => {
  assert.equal(full.compile('^%{SYSLOGLINE}').fields.sort(), ['facility', 'logsource', 'message', 'pid', 'priority', 'program', 'timestamp', 'timestamp8601'])
  assert.equal(full.compile('%{WORD}').fields, [])
})

test('nginx error-log pattern: the second target_fqdn wins (hub test nginx_http-logs)', () => {
  const yamlText = readFileSync(path.join(SHARED, 'crowdsec-hub/parsers/s01-parse/crowdsecurity/nginx-logs.yaml'), 'utf8')
  const l = full.clone()
  const docs = parseAllDocuments(yamlText).map((d) => d.toJS())
  const syntax = docs.find((d) => d?.pattern_syntax)?.pattern_syntax ?? {}
  l.definePatternSyntax(Object.entries(syntax) as [string, string][])
  const nodes = docs.flatMap((d) => d?.nodes ?? [])
  const pattern = nodes.map((n: {grok?: {pattern?: string}}) => n.grok?.pattern ?? '').find((p: string) => p.includes('NGINXERRTIME'))
  if (pattern === undefined) return assert.unreachable('nginx error pattern not found')
  const line = '2021/12/01 13:53:33 [error] 31#31: *46 "/usr/share/nginx/html/market/index.html" is not found (2: No such file or directory), client: 172.17.0.1, server: localhost, request: "GET /market/ HTTP/1.1", host: "localhost"'
  const got = l.compile(pattern).match(line)
  assert.ok(got !== null)
  assert.is(got.target_fqdn, 'localhost')
  assert.is(got.remote_addr, '172.17.0.1')
  assert.is(got.request, '/market/')
  assert.is(got.pid, '31')
})

const ERRORS: [string, () => unknown, string][] = [
  ['undefined reference', () => createBaseLibrary().compile('%{NOPE:x}', {file: 'p.yaml', line: 3}), 'pattern NOPE is not defined (p.yaml:3)'],
  ['undefined named pattern', () => createBaseLibrary().compileNamed('NOPE', {file: 'p.yaml'}), 'pattern NOPE is not defined (p.yaml)'],
  ['invalid regex', () => createBaseLibrary().compile('%{WORD:x}(', {file: 'p.yaml', line: 9}), 'invalid grok pattern "%{WORD:x}(": missing closing ): `(\\b[[:word:]]+\\b)(` (p.yaml:9)'],
  ['duplicate definition', () => lib([['A', 'a'], ['A', 'b']]), 'the pattern A already exists'],
  ['forward reference in a definition', () => lib([['A', '%{B}'], ['B', 'b']]), 'pattern B is not defined'],
  ['empty definition', () => createBaseLibrary().define('A', ''), 'pattern A definition is empty'],
  ['empty name', () => createBaseLibrary().define('', 'x'), 'pattern name is empty'],
]
for (const [name, run, message] of ERRORS) {
  test(`error: ${name}`, () => {
    try {
      run()
    } catch (error) {
      assert.instance(error, CrowdError)
      assert.is((error as CrowdError).code, 'grok')
      assert.is((error as Error).message, message)
      return
    }
    assert.unreachable('no error')
  })
}

test('pattern_syntax: first definition wins with a warning, later ones are ignored', () => {
  const warnings: string[] = []
  const logger: Logger = {error() {}, warn: (m) => warnings.push(m), info() {}, debug() {}}
  const l = createBaseLibrary(logger)
  l.definePatternSyntax([['TIMESTAMP', '%{INT}'], ['USE', '%{TIMESTAMP:t}']])
  l.definePatternSyntax([['TIMESTAMP', '%{WORD}']])
  assert.is(l.definition('TIMESTAMP'), '%{INT}')
  assert.equal({...l.compile('%{USE}').match('abc 12')}, {t: '12'})
  assert.is(warnings.length, 1)
})

test('clone gives a separate host (parsers vs postoverflows)', () => {
  const a = createBaseLibrary()
  const b = a.clone()
  b.define('ONLYB', 'b')
  assert.ok(b.has('ONLYB'))
  assert.not.ok(a.has('ONLYB'))
})

test('compile caches by pattern text', () => {
  assert.is(full.compile('%{IP:ip}'), full.compile('%{IP:ip}'))
})

test('nested unbounded quantifiers are logged at debug, not rejected', () => {
  const debug: string[] = []
  const l = createBaseLibrary({error() {}, warn() {}, info() {}, debug: (m) => debug.push(m)})
  const g = l.compile('^(%{WORD:w}+)+$')
  assert.ok(debug.some((m) => m.includes('nested unbounded')))
  assert.equal({...g.match('abc')}, {w: 'abc'})
})

for (const [name, pattern, defs, line, want] of MATCHES) {
  test(`matchInto: ${name}`, () => {
    const l = defs.length === 0 ? full : (() => { const x = full.clone(); for (const [n, d] of defs) x.define(n, d); return x })()
    const g = l.compile(pattern)
    const target = Object.create(null) as Record<string, string>
    target.kept = 'before'
    const ok = g.matchInto(line, target)
    assert.is(ok, g.match(line) !== null)
    if (want === null) return assert.equal({...target}, {kept: 'before'})
    assert.equal({...target}, {kept: 'before', ...g.match(line)})
  })
}

test('matchInto: a failing grok leaves the target untouched', () => {
  const target = Object.create(null) as Record<string, string>
  assert.is(full.compile('^%{INT:n}$').matchInto('abc', target), false)
  assert.is(full.compile('%{WORD}').matchInto('abc', target), false)
  assert.equal(Object.keys(target), [])
})

test.run()
