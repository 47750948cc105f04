import {test} from 'uvu'
import * as assert from 'uvu/assert'
import {tokenize} from '../../src/expr/lexer.js'

const show = (src: string): string[] => tokenize(src).map((t) => `${t.kind}:${t.value}`)

const cases: [string, string[]][] = [
  ['a.b', ['identifier:a', 'operator:.', 'identifier:b', 'eof:']],
  ['1..3', ['number:1', 'operator:..', 'number:3', 'eof:']],
  ['1.5e-3 + .5', ['number:1.5e-3', 'operator:+', 'number:.5', 'eof:']],
  ['0x2A 0o52 0b101 1_000', ['number:0x2A', 'number:0o52', 'number:0b101', 'number:1_000', 'eof:']],
  ['x not in y', ['identifier:x', 'operator:not', 'operator:in', 'identifier:y', 'eof:']],
  ['a ?? b?.c', ['identifier:a', 'operator:??', 'identifier:b', 'operator:?.', 'identifier:c', 'eof:']],
  ['"a\\"b"', ['string:a"b', 'eof:']],
  ["'a\\'b'", ["string:a'b", 'eof:']],
  ['"\\x16\\u00e9\\101\\n"', ['string:\x16éA\n', 'eof:']],
  ['"\\\\x16"', ['string:\\x16', 'eof:']],
  ['`raw\\n``x`', ['string:raw\\n`x', 'eof:']],
  ['"\\u{1F600}"', ['string:😀', 'eof:']],
  ['a // comment\n+ /* c */ b', ['identifier:a', 'operator:+', 'identifier:b', 'eof:']],
  ['#index #', ['operator:#', 'identifier:index', 'operator:#', 'eof:']],
  ['$env', ['identifier:$env', 'eof:']],
  ['::len', ['operator:::', 'identifier:len', 'eof:']],
  ['évt', ['identifier:évt', 'eof:']],
]

for (const [src, want] of cases) {
  test(`tokenize ${JSON.stringify(src)}`, () => {
    assert.equal(show(src), want)
  })
}

const errors: [string, string, number][] = [
  ['"abc', 'literal not terminated', 0],
  ['"a\nb"', 'literal not terminated', 0],
  ['"\\q"', 'invalid char escape', 1],
  ['"\\\'"', 'invalid char escape', 1],
  ['1a', 'bad number syntax: "1a"', 0],
  ['a @ b', "unrecognized character: U+0040 '@'", 2],
  ['/* x', 'unclosed comment', 0],
]

for (const [src, message, offset] of errors) {
  test(`tokenize error ${JSON.stringify(src)}`, () => {
    try {
      tokenize(src)
      assert.unreachable('should fail')
    } catch (error) {
      assert.is((error as Error).message, message)
      assert.is((error as {offset: number}).offset, offset)
    }
  })
}

test.run()
