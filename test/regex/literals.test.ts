import {test} from 'uvu'
import * as assert from 'uvu/assert'
import {compileRe2, parseRe2} from '../../src/regex/index.js'
import {requiredLiterals} from '../../src/regex/literals.js'

// [pattern, required literals (sorted) or undefined]
const CASES: [string, string[] | undefined][] = [
  ['abc', ['abc']],
  ['^http[s]?://', ['http://', 'https://']],
  ['/php/.*/\\.js\\.map', ['/.js.map']],
  ['/index.php/.*\\.js\\.map', ['.js.map']],
  ['(foo|barbaz)x', ['barbazx', 'foox']],
  ['(foo|.*)bar', ['bar']],
  ['(foo|.*)', undefined],
  ['a*', undefined],
  ['.*', undefined],
  ['(abc)+', ['abc']],
  ['(abc)?', undefined],
  ['x{3}', ['xxx']],
  ['login=.*[$|%24][\\(|%28].*', ['login=']],
  ['(?i)ab', ['AB', 'Ab', 'aB', 'ab']],
  ['(?i)k', ['K', 'k', '\u212a']],
  ['(?i)[a-z]+', undefined],
  ['\\bUNION\\b', ['UNION']],
  ['é😀', ['é😀']],
  ['[^a]bc', ['bc']],
  ['\\d+px', ['px']],
]

for (const [pattern, want] of CASES) {
  test(`requiredLiterals: ${pattern}`, () => {
    const got = requiredLiterals(parseRe2(pattern).root)
    assert.equal(got === undefined ? undefined : [...got].sort(), want === undefined ? undefined : [...want].sort())
  })
}

test('requiredLiterals: every match contains one of them (random texts)', () => {
  let s = 7
  const next = (): number => (s = (s * 1103515245 + 12345) % 2147483648)
  const alphabet = 'abcxAB/.-=:hpst'
  for (const [pattern, want] of CASES) {
    if (want === undefined) continue
    const re = compileRe2(pattern)
    for (let k = 0; k < 300; k++) {
      let text = ''
      const n = next() % 24
      for (let i = 0; i < n; i++) text += alphabet[next() % alphabet.length]
      // plant a literal now and then so that matches happen
      if (k % 3 === 0) text = text.slice(0, n >> 1) + want[k % want.length] + text.slice(n >> 1)
      if (re.test(text)) assert.ok(want.some((l) => text.includes(l)), `${pattern} matched ${text}`)
    }
  }
})

test.run()
