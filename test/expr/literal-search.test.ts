import {test} from 'uvu'
import * as assert from 'uvu/assert'
import {LiteralMultiSearch, LiteralSearch, WordLiteralSet, isWordBoundary, wordBoundedLiteral} from '../../src/expr/literal-search.js'

function random(seed: number): () => number {
  let s = seed
  return () => {
    s = (s * 1103515245 + 12345) % 2147483648
    return s
  }
}

const PATTERNS = ['${jndi:', '${${::-j}', '%24%7Bjndi', '/etc/passwd', '../', '<script', 'UNION', 'a', '$', 'é/x', '😀']

// [text, want]
const CASES: [string, boolean][] = [
  ['', false],
  ['/index.php', false],
  ['GET /${jndi:ldap://x}', true],
  ['${${::-j}ndi', true],
  ['/..%2F../etc/passwd', true],
  ['<SCRIPT>', false],
  ['x UNION select', true],
  ['ABC', false],
  ['cost: $5', true],
  ['/é/x', true],
  ['smile 😀', true],
  ['$$$$$$$$$$$$$$$$$$$$$$$$$$$$$$$$$$$$$$$$$', true],
]

for (const [text, want] of CASES) {
  test(`LiteralSearch ${JSON.stringify(text)}`, () => assert.is(new LiteralSearch(PATTERNS).test(text), want))
}

test('LiteralSearch equals a loop of includes on random texts (many anchor hits too)', () => {
  const next = random(3)
  const chars = ['$', '{', 'j', 'n', 'd', 'i', ':', '/', '.', 'e', 't', 'c', 'U', 'N', 'I', 'O', 'a', 'p', 's', 'w']
  const patterns = ['${jndi:', '${j', '/etc/', 'UNION', 'pass', 'ss', '..', '$$$$$$$$$$$$$$$$$$x']
  const search = new LiteralSearch(patterns)
  for (let n = 0; n < 2000; n++) {
    let text = ''
    const len = next() % 60
    for (let i = 0; i < len; i++) text += chars[next() % chars.length]
    if (n % 50 === 0) text = '$'.repeat(30) + text + '$'.repeat(20) + 'x'
    assert.is(search.test(text), patterns.some((p) => text.includes(p)), text)
  }
})

test("LiteralSearch: '' is reported by hasEmpty only", () => {
  const s = new LiteralSearch(['', 'abc'])
  assert.is(s.hasEmpty, true)
  assert.is(s.test('xabcx'), true)
  assert.is(s.test('x'), false)
})

// [RE2 pattern, literal or undefined]
const LITERALS: [string, string | undefined][] = [
  ['\\bGotit\\b', 'Gotit'],
  ['\\bBattleztar\\ Bazinga\\b', 'Battleztar Bazinga'],
  ['\\bGo!Zilla\\b', 'Go!Zilla'],
  ['\\bHTTP::Lite\\b', 'HTTP::Lite'],
  ['\\bECCP/1.0\\b', undefined], // `.` is any character
  ['\\bECCP/1\\.0\\b', 'ECCP/1.0'],
  ['\\bx\\d\\b', undefined],
  ['(?i)\\bnikto\\b', undefined],
  ['\\bnikto', undefined],
  ['\\b\\b', undefined],
  ['\\ba|b\\b', undefined],
]

for (const [pattern, want] of LITERALS) test(`wordBoundedLiteral ${pattern}`, () => assert.is(wordBoundedLiteral(pattern), want))

test('WordLiteralSet equals the \\bliteral\\b regexes on random texts', () => {
  const literals = ['Go!Zilla', 'Gotit', 'Black Hole', '.NET CLR', 'HTTP::Lite', 'a', '-x-', 'é']
  const regexps = literals.map((l) => new RegExp('\\b' + l.replace(/[.*+?^${}()|[\]\\]/g, '\\$&') + '\\b', 'u'))
  const set = new WordLiteralSet(literals)
  const next = random(11)
  const words = ['Go', '!', 'Zilla', 'Gotit', 'Gotitx', ' ', 'Black', 'Hole', '.NET', 'CLR', 'HTTP', '::', 'Lite', 'a', 'ab', '-x-', '_', 'é', '/', '1']
  for (let n = 0; n < 3000; n++) {
    let text = ''
    const len = next() % 10
    for (let i = 0; i < len; i++) text += words[next() % words.length]
    assert.is(set.test(text), regexps.some((re) => re.test(text)), text)
  }
})

test('isWordBoundary: ASCII word characters only', () => {
  assert.is(isWordBoundary('ab', 0), true)
  assert.is(isWordBoundary('ab', 1), false)
  assert.is(isWordBoundary('ab', 2), true)
  assert.is(isWordBoundary('é', 0), false)
  assert.is(isWordBoundary('a_', 1), false)
  assert.is(isWordBoundary('', 0), false)
})

const MULTI = ['${jndi:', '../', '<script', 'UNION', 'a', '$', 'é/x', '😀', '', '../', '\u0131', 'I']

function multiFound(search: LiteralMultiSearch, text: string): number[] {
  const out: number[] = []
  search.scan(text, (id) => out.push(id))
  return out.sort((x, y) => x - y)
}

/** The ids whose pattern occurs (`includes`), the reference. */
function multiNaive(text: string): number[] {
  return MULTI.flatMap((p, id) => (text.includes(p) ? [id] : []))
}

// [text, want ids]
const MULTI_CASES: [string, number[]][] = [
  ['', [8]],
  ['/index.php', [8]],
  ['/data', [4, 8]],
  ['GET /${jndi:ldap://x} UNION ../', [0, 1, 3, 4, 5, 8, 9, 11]],
  ['<SCRIPT>', [8, 11]],
  ['$$$$$$$$$$$$$$$$$$$$$$$$$$$$$$$$$$$$$$$$${jndi:', [0, 5, 8]],
  ['/é/x 😀 \u0131', [6, 7, 8, 10]],
  ['............................................/', [1, 8, 9]],
]

for (const [text, want] of MULTI_CASES) {
  test(`LiteralMultiSearch.scan: ${JSON.stringify(text).slice(0, 60)}`, () => {
    for (const indexOfGroups of [0, 100]) {
      const search = new LiteralMultiSearch(MULTI, indexOfGroups)
      assert.equal(multiFound(search, text), want)
      assert.equal(multiFound(search, text), multiNaive(text)) // a second scan reports again
    }
  })
}

test('LiteralMultiSearch.scan agrees with includes on random texts', () => {
  const next = random(11)
  const alphabet = ['$', '{', 'j', 'n', 'd', 'i', ':', '.', '/', 'a', 'U', 'N', 'I', 'O', '<', 's', 'é', 'x', '😀', '\u0131']
  const walk = new LiteralMultiSearch(MULTI, 0)
  const byIndexOf = new LiteralMultiSearch(MULTI, 100)
  for (let k = 0; k < 2000; k++) {
    let text = ''
    const n = next() % 60
    for (let i = 0; i < n; i++) text += alphabet[next() % alphabet.length]
    assert.equal(multiFound(walk, text), multiNaive(text), text)
    assert.equal(multiFound(byIndexOf, text), multiNaive(text), text)
  }
})

test.run()
