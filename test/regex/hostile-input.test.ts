import {spawnSync} from 'node:child_process'
import * as path from 'node:path'
import {pathToFileURL} from 'node:url'
import {test} from 'uvu'
import * as assert from 'uvu/assert'
import {ROOT} from '../helpers/run-cli.js'

// Every caller of src/regex on crafted catastrophic lines (exponential for a backtracking
// engine), plain and with an astral character (an emoji: the `u` regex, which V8's guard does
// not cover). Run in a child process with the guard imported first, as the binary does; a
// pattern that backtracks without bound would hang there, and the generous kill timeout turns
// that into a failure instead of a stuck suite. No timing is asserted.
const mod = (rel: string) => JSON.stringify(pathToFileURL(path.join(ROOT, rel)).href)

const SCRIPT = `
import ${mod('src/platform/regexp-guard.ts')}
const {createBaseLibrary} = await import(${mod('src/grok/index.ts')})
const {compileExpr} = await import(${mod('src/expr/index.ts')})
const {createHelpers} = await import(${mod('src/expr/helpers/index.ts')})
const {createHelperContext} = await import(${mod('src/expr/helpers/context.ts')})
const {FileDataStore} = await import(${mod('src/expr/helpers/data-files.ts')})

const a = 'a'.repeat(64)
const lines = [a + '!', '\\u{1F600}' + a + '!', 'a \\u{1F600} ' + a + '!']
const quoted = ['"' + a, '"\\u{1F600}' + a]
const out = {}
const library = createBaseLibrary()
const words = library.compile('^(\\\\w+\\\\s?)+$')
const qs = library.compile('^%{QS:q}$')
const apache = library.compile('%{COMBINEDAPACHELOG}')
out.grok = lines.map((l) => words.match(l))
out.grokQs = quoted.map((l) => qs.match(l))
out.grokApache = quoted.map((l) => apache.match('1.2.3.4 - - [10/Oct/2000:13:55:36 -0700] ' + l))

const literal = compileExpr('x matches "^(a|aa)+$"', {env: 'any'})
const dynamic = compileExpr('x matches y', {env: 'any'})
out.matches = lines.map((x) => literal.run({x}))
out.matchesDynamic = lines.map((x) => dynamic.run({x, y: '^(\\\\w+\\\\s?)+$'}))

const data = new FileDataStore()
data.addText('hostile.regex', 'regexp', '^(a|aa)+$\\n^(\\\\w+\\\\s?)+$\\n')
data.addText('hostile.map', 'map', JSON.stringify({pattern: '^(a+)+$', tag: 'boom', type: 'regex'}) + '\\n')
data.addText('hostile.bots', 'bots', JSON.stringify({name: 'b', user_agent: '^(a+)+$', ips: ['1.1.1.1']}) + '\\n')
const helpers = createHelpers(createHelperContext({data}))
out.regexpInFile = lines.map((l) => helpers.RegexpInFile(l, 'hostile.regex'))
out.mapFile = lines.map((l) => helpers.LookupFile(l, 'hostile.map'))
out.botsFile = lines.map((l) => helpers.MatchKnownBot('1.1.1.1', l, '/', 'hostile.bots'))
console.log(JSON.stringify(out))
`

test('grok, matches, RegexpInFile and map/bots data files finish on catastrophic lines (astral too)', () => {
  const r = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', SCRIPT], {
    cwd: ROOT,
    encoding: 'utf8',
    timeout: 60_000,
  })
  assert.is(r.signal, null, 'the child was killed: a regex backtracked without bound')
  assert.is(r.status, 0, r.stderr)
  const out = JSON.parse(r.stdout.trim().split('\n').pop() as string)
  assert.equal(out, {
    grok: [null, null, null],
    grokQs: [null, null],
    grokApache: [null, null],
    matches: [false, false, false],
    matchesDynamic: [false, false, false],
    regexpInFile: [false, false, false],
    mapFile: ['', '', ''],
    botsFile: [false, false, false],
  })
})

// Each class of pattern on lines crafted against it. Still-risky classes must be on the VM when
// the guard cannot cover them (here: guard off) and finish; classes the analysis now calls safe
// run natively without any guard and must finish too (their backtracking is polynomial).
const CLASSES = `
import ${mod('src/platform/regexp-guard.ts')}
const {compileRe2} = await import(${mod('src/regex/compile.ts')})
const n = 40
const cases = [
  // still exponential
  ['^(a|aa)+$', 'a'.repeat(n) + '!', 'aaa'],
  ['^(\\\\w+\\\\s?)+$', 'a'.repeat(n) + '!', 'ab cd'],
  ['^(?:\\\\[tag "[^\\\\n]*?"\\\\] )*x$', '[tag "a"] '.repeat(n) + 'y', '[tag "a"] x'],
  ['^(?:, [a-z]+: "?[^"]*"?)*!$', ', a: '.repeat(n) + '?', ', a: "b"!'],
  ['^(?:x(?:|)y)*$', 'xy'.repeat(n) + '!', 'xyxy'],
  ['^"(\\\\\\\\.|[^"\\\\\\\\]+)+"$', '"' + 'a'.repeat(n), '"a\\\\"b"'],
  // now native
  ['^(?:\\\\[[^\\\\]]*\\\\] )*Access$', '[a] '.repeat(5000) + 'x', '[a] [b] Access'],
  ['^"(?:[^"\\\\\\\\]|\\\\\\\\.)*"$', '"' + 'a\\\\'.repeat(5000), '"a\\\\"b"'],
  ['^(?:[A-Z]+(?:=[^ ]*)? )*?SRC=$', 'A=B '.repeat(5000), 'IN=x OUT= SRC='],
  ['^(a|ab)+$', 'ab'.repeat(5000) + '!', 'abaab'],
]
const out = []
for (const [re, hostile, good] of cases) {
  const r = compileRe2(re, {guard: false, usedGroups: new Set()})
  out.push([re, r.engine, r.test(hostile), r.test('\\u{1F600}' + hostile), r.test(good)])
}
console.log(JSON.stringify(out))
`

test('every risk class finishes on lines crafted against it; only the risky ones use the VM', () => {
  const r = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', CLASSES], {cwd: ROOT, encoding: 'utf8', timeout: 60_000})
  assert.is(r.signal, null, 'the child was killed: a regex backtracked without bound')
  assert.is(r.status, 0, r.stderr)
  const out = JSON.parse(r.stdout.trim().split('\n').pop() as string) as [string, string, boolean, boolean, boolean][]
  assert.equal(
    out.map(([, engine, hostile, astral, good]) => [engine, hostile, astral, good]),
    [
      ['vm', false, false, true],
      ['vm', false, false, true],
      ['vm', false, false, true],
      ['vm', false, false, true],
      ['vm', false, false, true],
      ['vm', false, false, true],
      ['js', false, false, true],
      ['js', false, false, true],
      ['js', false, false, true],
      ['js', false, false, true],
    ],
  )
})

test.run()
