import * as fs from 'node:fs'
import * as path from 'node:path'
import {test} from 'uvu'
import * as assert from 'uvu/assert'
import {parseAllDocuments} from 'yaml'
import {createBaseLibrary, loadPatternLibrary, type PatternLibrary} from '../../src/grok/index.js'
import {MAX_BITS} from '../../src/regex/bitstate.js'
import {compileRe2} from '../../src/regex/compile.js'
import {flattenProgram, compileProgram} from '../../src/regex/program.js'
import {parseRe2} from '../../src/regex/syntax.js'
import {Re2Vm, type Re2VmMatch} from '../../src/regex/vm.js'
import {SHARED} from '../helpers/run-cli.js'
import {CASES} from './re2-cases.js'
import {Random} from '../../src/cti/simulate/random.js'

const HUB = path.join(SHARED, 'crowdsec-hub')
const shape = (m: Re2VmMatch | null | undefined) => (m == null ? m : {index: m.index, groups: Array.from(m)})

/** Both engines on one text: same match (index and every group) and same test(). False when the text does not fit. */
function assertSameEngines(vm: Re2Vm, text: string, label: string): boolean {
  const bit = vm.execBitState(text)
  if (bit === undefined) return false
  assert.equal(shape(bit), shape(vm.execPike(text)), `${label} exec on ${JSON.stringify(text)}`)
  assert.is(vm.testBitState(text), vm.testPike(text), `${label} test on ${JSON.stringify(text)}`)
  return true
}

// deterministic pseudo-random draws (mulberry32, src/cti/simulate/random.ts)
function rng(seed: number): () => number {
  const random = new Random(seed)
  return () => random.next()
}
const ALPHABET = [...'aZk09 .:-_[]()/"\'\n\t@%,=<>\\|+*?#', 'é', '😀', '\u212A', '\uD800', '\uDC00', 'Jan', 'Mar  2 ', 'sshd[', '10.0.0.1', '::1', 'user', 'GET /']
function randomText(next: () => number, length: number): string {
  let out = ''
  for (let k = 0; k < length; k++) out += ALPHABET[Math.floor(next() * ALPHABET.length)]
  return out
}
function mutate(next: () => number, line: string): string {
  let out = line
  const edits = 1 + Math.floor(next() * 4)
  for (let k = 0; k < edits; k++) {
    const at = Math.floor(next() * (out.length + 1))
    const kind = next()
    const piece = ALPHABET[Math.floor(next() * ALPHABET.length)]
    if (kind < 0.4) out = out.slice(0, at) + out.slice(at + 1 + Math.floor(next() * 5))
    else if (kind < 0.7) out = out.slice(0, at) + piece + out.slice(at)
    else out = out.slice(0, at) + piece + out.slice(at + piece.length)
  }
  return out
}

// real log lines: every hubtest input, one line in 12 (about 400), kept to the bitmap-friendly size
const hubLines: string[] = []
for (const dir of fs.readdirSync(path.join(SHARED, 'hubtests')).sort()) {
  const full = path.join(SHARED, 'hubtests', dir)
  if (!fs.statSync(full).isDirectory()) continue
  for (const file of fs.readdirSync(full).sort()) {
    if (!file.endsWith('.log')) continue
    fs.readFileSync(path.join(full, file), 'utf8').split('\n').forEach((line, k) => {
      if (line !== '' && line.length <= 300 && (hubLines.length + k) % 12 === 0) hubLines.push(line)
    })
  }
}

/** Every inline grok pattern of the hub's parsers, with their pattern_syntax defined in `lib`. */
function hubParserPatterns(lib: PatternLibrary): string[] {
  const patterns = new Set<string>()
  const walk = (value: unknown): void => {
    if (Array.isArray(value)) return value.forEach(walk)
    if (value === null || typeof value !== 'object') return
    const record = value as Record<string, unknown>
    const syntax = record['pattern_syntax']
    if (syntax !== null && typeof syntax === 'object') {
      lib.definePatternSyntax(Object.entries(syntax as Record<string, unknown>).map(([k, v]) => [k, String(v)]))
    }
    const grok = record['grok'] as Record<string, unknown> | undefined
    if (grok !== undefined && grok !== null && typeof grok['pattern'] === 'string') patterns.add(grok['pattern'])
    for (const v of Object.values(record)) walk(v)
  }
  const visit = (dir: string): void => {
    for (const name of fs.readdirSync(dir).sort()) {
      const full = path.join(dir, name)
      if (fs.statSync(full).isDirectory()) visit(full)
      else if (name.endsWith('.yaml')) for (const doc of parseAllDocuments(fs.readFileSync(full, 'utf8'))) walk(doc.toJS())
    }
  }
  visit(path.join(HUB, 'parsers'))
  return [...patterns]
}

for (const [re, text, want] of CASES) {
  test(`bitstate: ${re} on ${JSON.stringify(text)}`, () => {
    const vm = new Re2Vm(parseRe2(re))
    const m = vm.execBitState(text)
    assert.equal(m === null || m === undefined ? m : Array.from(m), want)
    assert.ok(assertSameEngines(vm, text, re))
  })
}

test('bitstate agrees with the Pike VM on every case table pattern over random strings', () => {
  const next = rng(1)
  let compared = 0
  for (const [re] of CASES) {
    const vm = new Re2Vm(parseRe2(re))
    for (let k = 0; k < 150; k++) {
      if (assertSameEngines(vm, randomText(next, Math.floor(next() * 12)), re)) compared++
    }
  }
  assert.ok(compared >= 150 * CASES.length)
})

test('bitstate agrees with the Pike VM on every base pattern (samples, hub lines, random strings)', () => {
  const lib = createBaseLibrary()
  const next = rng(2)
  let compared = 0
  for (const name of lib.names()) {
    const vm = new Re2Vm(parseRe2(lib.expand(`%{${name}}`, undefined, 0).regex))
    for (let k = 0; k < 12; k++) {
      if (assertSameEngines(vm, hubLines[Math.floor(next() * hubLines.length)], name)) compared++
      if (assertSameEngines(vm, randomText(next, Math.floor(next() * 30)), name)) compared++
    }
  }
  assert.ok(compared >= 24 * 80)
})

test('bitstate agrees with the Pike VM on the hub parsers patterns that run on the exact engine', () => {
  const lib = loadPatternLibrary([path.join(HUB, 'patterns')])
  const next = rng(3)
  let exactEngine = 0
  let compared = 0
  for (const pattern of hubParserPatterns(lib)) {
    let expansion
    try {
      expansion = lib.expand(pattern, undefined, 0)
    } catch {
      continue
    }
    let tree
    try {
      tree = parseRe2(expansion.regex)
    } catch {
      continue
    }
    const used = new Set(expansion.sem.values())
    // the exact engine: with V8's guard on (the binary), or off (Deno without the relaunch)
    const re = compileRe2(expansion.regex, {usedGroups: used, guard: true}, tree)
    if (re.engine !== 'vm' && !re.exponentialRisk) continue
    exactEngine++
    const vm = new Re2Vm(tree)
    const lines = [...hubLines, ...hubLines.slice(0, 60).map((l) => mutate(next, l))]
    for (const line of lines) if (assertSameEngines(vm, line, pattern)) compared++
  }
  assert.ok(exactEngine >= 2, `only ${exactEngine} hub patterns on the exact engine`)
  assert.ok(compared >= 400 * exactEngine)
})

test("CrowdSec's ^%{SYSLOGLINE}: bitstate and Pike VM agree on syslog lines and their mutations", () => {
  const lib = loadPatternLibrary([path.join(HUB, 'patterns')])
  const expansion = lib.expand('^%{SYSLOGLINE}', undefined, 0)
  const vm = new Re2Vm(parseRe2(expansion.regex))
  const next = rng(4)
  const base = [
    'Mar  2 06:00:00 web01 sshd[10091]: Connection closed by 2a01:cba5:2c93:451a:5c8f:5f40:4c38:4ac0 port 50064 [preauth]',
    'Mar  2 06:00:00 web01 CRON[11461]: pam_unix(cron:session): session opened for user root(uid=0) by (uid=0)',
    '2024-01-02T03:04:05.123456+01:00 host.example.org sshd[1]: Invalid user admin from 10.0.0.1 port 22',
    'Jan 10 12:00:00 10.0.0.1 kernel: x',
    'Jan 10 12:00:00 a.b.c.d.e.f.g.h.i.j.k.l.m.n.o.p.q.r.s.t.u.v.w.x.y.z-',
  ]
  let matched = 0
  for (const line of base) {
    assert.ok(assertSameEngines(vm, line, 'SYSLOGLINE'))
    if (vm.execBitState(line) !== null) matched++
    for (let k = 0; k < 60; k++) assert.ok(assertSameEngines(vm, mutate(next, line), 'SYSLOGLINE'))
  }
  assert.ok(matched >= 4)
})

test('a greedy .* on the way to the match is taken whole (tail loops): same results as the Pike VM', () => {
  const patterns = ['^(a+) (.*)', 'x([^\\n]*)', '(?s)y([^z]*)', 'x(.*)', '(?s)x(.*)', '^(\\w+)(?::(.*))?', '(.*)', 'a(.*)(b)?', 'a(.*?)', '(?:(.*)|b)c', '^(\\S+) ((.*))', '(?m)^x(.*)$']
  const texts = ['aa bcd', 'aa b\ncd', 'x', 'yx\nz', 'xy\n', 'user:pw:x', 'user', 'ab', 'abc\nb', 'a\n', '', 'x😀\n', 'k x\uD800y']
  const next = rng(7)
  for (const re of patterns) {
    const vm = new Re2Vm(parseRe2(re))
    for (const text of [...texts, ...Array.from({length: 60}, () => randomText(next, Math.floor(next() * 16)))]) assertSameEngines(vm, text, re)
  }
  // the loops found: greedy `.*` with only captures between it and the match
  const tails = (re: string): number[] => Array.from(flattenProgram(compileProgram(parseRe2(re))).tail).filter((t) => t !== 0)
  assert.equal(tails('^(a+) (.*)'), [1])
  assert.equal(tails('(?s)x(.*)'), [2])
  assert.equal(tails('x([^\\n]*)'), [1]) // crowd's GREEDYDATA
  assert.equal(tails('x([^z]*)'), [])
  assert.equal(tails('a(.*)(b)?'), [])
  assert.equal(tails('a(.*?)'), [])
  assert.equal(tails('(?m)^x(.*)$'), [])
})

test('start sets of split targets: what a branch can begin with, and whether it can match empty', () => {
  const flat = flattenProgram(compileProgram(parseRe2('(?:ab|[0-9]x|é|)c?')))
  const sets: string[] = []
  for (let pc = 0; pc < flat.length; pc++) {
    if (flat.op[pc] !== 1) continue // OP_SPLIT
    for (const t of [flat.next[pc], flat.arg[pc]]) {
      const chars = Array.from({length: 128}, (_, c) => c).filter((c) => (flat.startAscii[4 * t + (c >>> 5)] & (1 << (c & 31))) !== 0)
      sets.push(`${String.fromCharCode(...chars)}|${flat.startFlags[t]}`)
    }
  }
  // the alternation's branches (ab, [0-9]x, é, empty), then c? (c, or nothing)
  assert.ok(sets.includes('a|0'))
  assert.ok(sets.includes('0123456789|0'))
  assert.ok(sets.includes('|1')) // é: non-ASCII only
  assert.ok(sets.includes('c|2')) // the empty branch goes on to c? and the match
})

test('texts beyond the bitmap budget go to the Pike VM with the same result', () => {
  const vm = new Re2Vm(parseRe2('(a|b)*c(d+)'))
  const size = flattenProgram(compileProgram(parseRe2('(a|b)*c(d+)'))).length
  const long = 'ab'.repeat(Math.ceil(MAX_BITS / size)) + 'cdd'
  assert.is(vm.execBitState(long), undefined)
  assert.is(vm.testBitState(long), undefined)
  const m = vm.exec(long)
  assert.equal(m && [m.index, m[1], m[2]], [0, 'b', 'dd'])
  assert.is(vm.test(long), true)
  assert.equal(shape(vm.exec('xxabcd')), {index: 2, groups: ['abcd', 'b', 'd']}) // short again: bitstate, clean bitmap
})

test('the shared bitmap and stack are clean between programs and calls', () => {
  const a = new Re2Vm(parseRe2('^(x+)+y'))
  const b = new Re2Vm(parseRe2('(x+)z'))
  const seq = [a.exec('xxxxxxxxxxxxq'), b.exec('xxxxz'), a.exec('xxy'), b.exec('xq'), b.exec('qxz'), a.exec('xxxxxxxxxxxxq')]
  assert.equal(seq.map(shape), [
    null,
    {index: 0, groups: ['xxxxz', 'xxxx']},
    {index: 0, groups: ['xxy', 'xx']},
    null,
    {index: 1, groups: ['xz', 'x']},
    null,
  ])
})

test('exec reports only the used groups when given (group 0 always)', () => {
  const vm = new Re2Vm(parseRe2('(a)(b)(c)'), new Set([2]))
  assert.equal(shape(vm.exec('abc')), {index: 0, groups: ['abc', undefined, 'b', undefined]})
  assert.equal(shape(vm.execPike('abc')), {index: 0, groups: ['abc', undefined, 'b', undefined]})
})

test('the start-character filter: what a match can begin with', () => {
  const first = (re: string) => {
    const f = flattenProgram(compileProgram(parseRe2(re))).first
    return f === undefined ? undefined : {chars: [...f.ascii.keys()].filter((c) => f.ascii[c] === 1).map((c) => String.fromCharCode(c)).join(''), nonAscii: f.nonAscii}
  }
  assert.equal(first('ab|cd'), {chars: 'ac', nonAscii: false})
  assert.equal(first('\\bx'), {chars: 'x', nonAscii: false})
  assert.equal(first('[aé]'), {chars: 'a', nonAscii: true})
  assert.equal(first('(?i)k'), {chars: 'Kk', nonAscii: true})
  assert.equal(first('x*'), undefined) // the empty match: no filter
  assert.equal(first('^(?:a|)$'), undefined)
})

test.run()
