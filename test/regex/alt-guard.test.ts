import {test} from 'uvu'
import * as assert from 'uvu/assert'
import {BASE_PATTERNS, loadPatternLibrary} from '../../src/grok/index.js'
import {compileRe2} from '../../src/regex/compile.js'
import {parseRe2, type Re2Node} from '../../src/regex/syntax.js'
import {emitJs} from '../../src/regex/translate.js'
import {SHARED} from '../helpers/run-cli.js'
import {Random} from '../../src/cti/simulate/random.js'

const both = (re2: string) => {
  const tree = parseRe2(re2)
  return {plain: new RegExp(emitJs(tree, 'bmp')), guarded: new RegExp(emitJs(tree, 'bmp', undefined, true)), source: emitJs(tree, 'bmp', undefined, true)}
}

function sameExec(a: RegExp, b: RegExp, text: string): void {
  const x = a.exec(text)
  const y = b.exec(text)
  assert.equal(y === null ? null : [...y, y.index], x === null ? null : [...x, x.index], `${a.source} on ${JSON.stringify(text)}`)
}

test('IPV6 gets a hex-then-colon guard; IPv4, IPv6 and host names match as without it', () => {
  const library = loadPatternLibrary([`${SHARED}/crowdsec-hub/patterns`])
  const ipOrHost = library.compile('%{IPORHOST:a} %{IPORHOST:b}').expanded
  const {plain, guarded, source} = both(ipOrHost)
  assert.ok(source.includes('(?=[0-9A-Fa-f]{0,4}:)'), source.slice(0, 120))
  const hosts = ['192.0.2.7', '10.0.0.1', '2001:db8::1', '::1', '::', 'fe80::1%eth0', '::ffff:192.0.2.1', '1:2:3:4:5:6:7:8', 'abcd::', 'dead:beef::cafe',
    'example.com', 'a.b-c.example', 'cafe.example', 'face', 'abc:', 'ab12:cd', '-', '12345:1::', 'g::1', '1.2.3.4.5', ':::', '']
  for (const a of hosts) for (const b of hosts) sameExec(plain, guarded, `${a} ${b}`)
})

test('no guard where the branches share no short prefix and needle', () => {
  for (const re2 of ['GET|POST|PUT|HEAD', '25[0-5]|2[0-4]\\d|1\\d{2}|[1-9]?\\d', '(?:a|b)', 'x*:|y:|z:', 'a.*:|b:|c:']) {
    const {source} = both(re2)
    assert.not.ok(source.includes('(?='), `${re2} -> ${source}`)
  }
  // a branch that can be empty, or a prefix longer than 8 characters, rules a guard out
  assert.not.ok(both('a:|b:|(?:)').source.includes('(?='))
  assert.not.ok(both('[a-f]{9}:|b:|c:').source.includes('(?='))
  assert.ok(both('[a-f]{1,8}:|b:|:c').source.startsWith('(?=[a-f]{0,8}:)'))
})

test('a regex relying on the linear-time fallback gets no guard', () => {
  const risky = compileRe2('^(?:a+:|b+:|c:)+$', {guard: true})
  assert.ok(risky.exponentialRisk || risky.backtrackRisk || risky.engine === 'vm' || !(risky.jsSource ?? '').includes('(?='), risky.jsSource)
  const safe = compileRe2('(?:a{1,3}:|b:|:c)d', {guard: true})
  assert.ok(safe.jsSource!.includes('(?=[ab]{0,3}:)'), safe.jsSource)
  assert.is(safe.exec('xx aa:d')?.[0], 'aa:d')
  // polynomial risk (two unbounded repeats) the fallback covers: it keeps the fallback, not a guard
  const covered = compileRe2('x.*(?:a{1,3}:|b:|:c).*y', {guard: true})
  assert.ok(covered.backtrackRisk, 'two unbounded repeats')
  assert.not.ok(covered.jsSource!.includes('(?='), covered.jsSource)
  // ... one the fallback refuses anyway (a counted repeat too big for it) may take a guard
  const refused = compileRe2('x[a-z]{0,62}.*(?:a{1,3}:|b:|:c).*y', {guard: true})
  assert.ok(refused.backtrackRisk)
  assert.ok(refused.jsSource!.includes('(?=[ab]{0,3}:)'), refused.jsSource)
})

// deterministic pseudo-random draws (mulberry32, src/cti/simulate/random.ts)
function rng(seed: number): () => number {
  const random = new Random(seed)
  return () => random.next()
}

const ATOMS = ['a', 'b', ':', '.', '[ab]', '[a-c]', '\\d', '[^:]']
function randomRe2(next: () => number, depth: number): string {
  const pick = <T>(list: readonly T[]): T => list[Math.floor(next() * list.length)]!
  const r = next()
  if (depth > 2 || r < 0.35) return pick(ATOMS)
  if (r < 0.55) return `(?:${randomRe2(next, depth + 1)})${pick(['', '?', '*', '+', '{1,3}', '{2}'])}`
  if (r < 0.75) return `(${randomRe2(next, depth + 1)}${randomRe2(next, depth + 1)})`
  const n = 3 + Math.floor(next() * 3)
  return `(?:${Array.from({length: n}, () => randomRe2(next, depth + 1) + randomRe2(next, depth + 1)).join('|')})`
}

function countAlts(node: Re2Node): number {
  switch (node.type) {
    case 'alt': return 1 + node.items.reduce((n, i) => n + countAlts(i), 0)
    case 'concat': return node.items.reduce((n, i) => n + countAlts(i), 0)
    case 'group': case 'repeat': return countAlts(node.body)
    default: return 0
  }
}

test('guarded and plain regexes agree on random alternations and texts (matches and captures)', () => {
  const next = rng(7)
  let guardedCount = 0
  for (let i = 0; i < 4000; i++) {
    const re2 = randomRe2(next, 0) + randomRe2(next, 1)
    const tree = parseRe2(re2)
    if (countAlts(tree.root) === 0) continue
    const {plain, guarded, source} = both(re2)
    if (source.includes('(?=')) guardedCount++
    for (let t = 0; t < 25; t++) {
      let text = ''
      const length = Math.floor(next() * 10)
      for (let c = 0; c < length; c++) text += 'ab:.1c'[Math.floor(next() * 6)]
      sameExec(plain, guarded, text)
    }
  }
  assert.ok(guardedCount > 100, `${guardedCount} guarded regexes`)
})

test('the base patterns translate with guards only where the branches allow one', () => {
  for (const [name, definition] of BASE_PATTERNS) {
    try {
      both(definition)
    } catch (error) {
      assert.unreachable(`${name}: ${(error as Error).message}`)
    }
  }
})

test.run()
