import {test} from 'uvu'
import * as assert from 'uvu/assert'
import {compareBytes} from '../../src/model/order.js'

const utf8Order = (a: string, b: string): number => Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'))

test('compareBytes orders like UTF-8 bytes (Go), not like the locale', () => {
  assert.ok(compareBytes('\uffff', '😀') < 0, 'U+FFFF before an astral character, as in UTF-8')
  assert.ok('\uffff' > '😀', 'where UTF-16 code units order them the other way')
  assert.ok(compareBytes('B', 'a') < 0, 'upper case first')
  assert.ok('B'.localeCompare('a') > 0, 'where a locale puts it after')
  assert.ok(compareBytes('ab', 'a') > 0)
  assert.is(compareBytes('same', 'same'), 0)
  assert.ok(compareBytes('hub-x', 'hub:x') < 0)
  assert.ok(compareBytes('x9', 'x:') < 0)
})

test('compareBytes agrees with a byte comparison of the UTF-8 encodings', () => {
  const alphabet = ['a', 'B', 'z', '0', ':', '-', '_', '/', 'é', 'ÿ', '\u0800', '\ud7ff', '\ue000', '\uffff', '😀', '𝄞', '']
  let seed = 7
  const next = (n: number): number => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff), seed % n)
  const word = (): string => Array.from({length: next(5)}, () => alphabet[next(alphabet.length)]).join('')
  for (let i = 0; i < 4000; i++) {
    const a = word()
    const b = word()
    assert.is(Math.sign(compareBytes(a, b)), Math.sign(utf8Order(a, b)), JSON.stringify([a, b]))
  }
})

test.run()
