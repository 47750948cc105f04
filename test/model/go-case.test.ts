import {test} from 'uvu'
import * as assert from 'uvu/assert'
import {goToLower, goToLowerExact, goToUpper, goToUpperExact, isAsciiText} from '../../src/model/go-case.js'

// [input, Go strings.ToUpper, Go strings.ToLower]
const CASES: [string, string, string][] = [
  ['', '', ''],
  ['abc', 'ABC', 'abc'],
  ['/Index.PHP?id=1&X=y', '/INDEX.PHP?ID=1&X=Y', '/index.php?id=1&x=y'],
  ['straße', 'STRAßE', 'straße'], // no simple uppercase for ß
  ['ẞ', 'ẞ', 'ß'],
  ['ΑΣ ας', 'ΑΣ ΑΣ', 'ασ ας'], // no final-sigma context in Go
  ['İstanbul', 'İSTANBUL', 'istanbul'], // Go lowers U+0130 to plain i
  ['ıi', 'II', 'ıi'],
  ['ſ', 'S', 'ſ'],
  ['\u212a', '\u212a', 'k'], // Kelvin sign
  ['ǅ', 'Ǆ', 'ǆ'],
  ['ᾳᾀᾈ', 'ᾼᾈᾈ', 'ᾳᾀᾀ'], // simple mappings where JS's full mapping expands
  ['ﬀŉǰ', 'ﬀŉǰ', 'ﬀŉǰ'],
  ['😀a𐐨', '😀A𐐀', '😀a𐐨'],
  ['long ascii text with MIXED case 0123456789', 'LONG ASCII TEXT WITH MIXED CASE 0123456789', 'long ascii text with mixed case 0123456789'],
  ['long text with ß and ı and Σ and İ inside', 'LONG TEXT WITH ß AND I AND Σ AND İ INSIDE', 'long text with ß and ı and σ and i inside'],
]

for (const [input, upper, lower] of CASES) {
  test(`Go case mapping of ${JSON.stringify(input)}`, () => {
    assert.is(goToUpper(input), upper)
    assert.is(goToLower(input), lower)
    assert.is(goToUpperExact(input), upper)
    assert.is(goToLowerExact(input), lower)
    // the cache returns the same for a repeat
    assert.is(goToUpper(input), upper)
    assert.is(goToLower(input), lower)
  })
}

test('ASCII fast path equals the exact path on every ASCII character', () => {
  let all = ''
  for (let c = 0; c < 128; c++) all += String.fromCharCode(c)
  assert.is(goToUpper(all), goToUpperExact(all))
  assert.is(goToLower(all), goToLowerExact(all))
})

test('fast path equals exact path on pseudo-random mixed strings', () => {
  const alphabet = ['a', 'Z', '/', 'ß', 'ı', 'İ', 'Σ', 'ᾳ', '😀', 'k', 'K', '\u212a', 'é', 'É', ' ']
  let seed = 7
  for (let n = 0; n < 300; n++) {
    let s = ''
    const len = n % 40
    for (let i = 0; i < len; i++) {
      seed = (seed * 1103515245 + 12345) % 2147483648
      s += alphabet[seed % alphabet.length]
    }
    assert.is(goToUpper(s), goToUpperExact(s), s)
    assert.is(goToLower(s), goToLowerExact(s), s)
  }
})

test('isAsciiText', () => {
  assert.is(isAsciiText(''), true)
  assert.is(isAsciiText('plain text that is longer than sixteen'), true)
  assert.is(isAsciiText('plain text that is longer than sixteen é'), false)
  assert.is(isAsciiText('é'), false)
  assert.is(isAsciiText('x'.repeat(40) + '\ud800'), false)
  assert.is(isAsciiText('\x7f'.repeat(20)), true)
  assert.is(isAsciiText('\x80'.repeat(20)), false)
})

test.run()
