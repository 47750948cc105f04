import {test} from 'uvu'
import * as assert from 'uvu/assert'
import {createHelperContext, createHelpers} from '../../../src/expr/helpers/index.js'
import {isStringSlice, stringSlice} from '../../../src/model/go-values.js'

const logs: string[] = []
const h = createHelpers(createHelperContext({logger: {error() {}, warn() {}, info: (m) => logs.push(m), debug() {}}}))

const CASES: [string, unknown[], unknown][] = [
  ['Upper', ['héllo ß'], 'HÉLLO ß'],
  ['Lower', ['HÉLLO İ Σ'], 'héllo i σ'],
  ['Split', ['a,,b', ','], ['a', '', 'b']],
  ['Split', ['', ','], ['']],
  ['Split', ['abc', ''], ['a', 'b', 'c']],
  ['Split', ['', ''], []],
  ['Split', ['a😀b', ''], ['a', '😀', 'b']],
  ['SplitN', ['a,b,c,d', ',', 2], ['a', 'b,c,d']],
  ['SplitN', ['a,b,c', ',', 0], []],
  ['SplitN', ['a,b,c', ',', -1], ['a', 'b', 'c']],
  ['SplitN', ['abc', '', 2], ['a', 'bc']],
  ['SplitAfter', ['a,b,c', ','], ['a,', 'b,', 'c']],
  ['SplitAfterN', ['a,b,c', ',', 2], ['a,', 'b,c']],
  ['Join', [stringSlice(['a', 'b']), '-'], 'a-b'],
  ['Fields', ['  a \t b\n\u00a0c  '], ['a', 'b', 'c']],
  ['Fields', ['   '], []],
  ['Index', ['héllo', 'l'], 3],
  ['Index', ['abc', 'z'], -1],
  ['Index', ['abc', ''], 0],
  ['IndexAny', ['golang', 'ny'], 4],
  ['IndexAny', ['ébc', 'c'], 3],
  ['IndexAny', ['abc', ''], -1],
  ['Replace', ['oink oink oink', 'k', 'ky', 2], 'oinky oinky oink'],
  ['Replace', ['oink oink oink', 'oink', 'moo', -1], 'moo moo moo'],
  ['Replace', ['abc', '', '-', -1], '-a-b-c-'],
  ['Replace', ['abc', '', '-', 2], '-a-bc'],
  ['ReplaceAll', ['a.b.c', '.', '/'], 'a/b/c'],
  ['Trim', ['xxhixx', 'x'], 'hi'],
  ['Trim', ['¡¡¡Hello, Gophers!!!', '!¡'], 'Hello, Gophers'],
  ['Trim', ['abc', ''], 'abc'],
  ['TrimLeft', ['xxhixx', 'x'], 'hixx'],
  ['Trim', ['  /path/ ', ' /'], 'path'],
  ['Trim', ['\u00e9xx\u00e9', 'x'], '\u00e9xx\u00e9'],
  ['Trim', ['x\u00e9x', 'x\u00e9'], ''],
  ['TrimLeft', ['ééab', 'é'], 'ab'],
  ['TrimLeft', ['xxé', 'x'], 'é'],
  ['TrimRight', ['é😀xx', 'x'], 'é😀'],
  ['TrimRight', ['a😀😀', '😀'], 'a'],
  ['TrimRight', ['abc', 'abc'], ''],
  ['TrimRight', ['xxhixx', 'x'], 'xxhi'],
  ['TrimPrefix', ['prefix-body', 'prefix-'], 'body'],
  ['TrimPrefix', ['body', 'x'], 'body'],
  ['TrimSuffix', ['file.log', '.log'], 'file'],
  ['TrimSpace', ['\t\n hello \u0085\u00a0\u3000'], 'hello'],
  ['TrimSpace', ['\ufeffx'], '\ufeffx'],
  ['Sprintf', ['%s-%d', 'a', 3], 'a-3'],
  ['Sprintf', ['%v', 1.5], '1.5'],
  ['ToString', ['abc'], 'abc'],
  ['ToString', [5], ''],
  ['ToString', [null], ''],
  ['Match', ['*.php', 'index.php'], true],
  ['Match', ['*.php', 'index.html'], false],
  ['Match', ['a?c', 'abc'], true],
  ['Match', ['a?c', 'ac'], false],
  ['Match', ['?', 'é'], false],
  ['Match', ['??', 'é'], true],
  ['Match', ['', ''], true],
  ['Match', ['', 'a'], false],
  ['Match', ['*', ''], true],
  ['Match', ['**', ''], false],
  ['Match', ['a**', 'a'], false],
  ['Match', ['a**', 'ab'], true],
  ['Match', ['a*', 'a'], true],
  ['Match', ['*a*', 'xa'], true],
  ['Match', ['a*?', 'a'], false],
  ['Match', ['*?', 'a'], true],
  ['Match', ['ab', 'abc'], false],
  ['Match', ['*', 'anything'], true],
  ['Match', ['a*b*c', 'aXXbYYc'], true],
  ['Match', ['a*b*c', 'aXXbYY'], false],
  ['Match', ['*a*a*a*a*b', 'a'.repeat(40)], false],
  ['B64Decode', ['aGVsbG8='], 'hello'],
  ['B64Decode', ['w6k='], 'é'],
  ['B64Decode', [''], ''],
  ['Get', [stringSlice(['a', 'b']), 1], 'b'],
  ['Get', [stringSlice(['a', 'b']), 5], ''],
]

for (const [name, args, want] of CASES) {
  test(`${name}(${JSON.stringify(args).slice(1, -1)}) = ${JSON.stringify(want)}`, () => {
    const got = h[name]!(...args)
    if (Array.isArray(want)) {
      assert.ok(isStringSlice(got), 'result is a []string')
      assert.equal([...(got as string[])], want)
    } else {
      assert.is(got, want)
    }
  })
}

const PANICS: [string, unknown[], RegExp][] = [
  ['Upper', [null], /interface conversion: interface \{\} is nil, not string/],
  ['Upper', [5], /interface \{\} is int, not string/],
  ['Lower', [1.5], /is float64, not string/],
  ['Join', [['a', 'b'], ','], /is \[\]interface \{\}, not \[\]string/],
  ['SplitN', ['a', ',', 1.5], /not int/],
  ['B64Decode', ['not base64!'], /illegal base64 data at input byte 3/],
  ['B64Decode', ['abc'], /illegal base64 data/],
  ['Upper', [], /Upper: expected 1 arguments, got 0/],
  ['Split', ['a'], /expected 2 arguments/],
  ['Get', [stringSlice(['a']), -1], /index out of range \[-1\]/],
]

for (const [name, args, message] of PANICS) {
  test(`${name}(${JSON.stringify(args).slice(1, -1)}) throws ${message}`, () => {
    assert.throws(() => h[name]!(...args), message)
  })
}

test('LogInfo logs the formatted text and returns true', () => {
  assert.is(h.LogInfo!('ip=%s n=%d', '1.2.3.4', 2), true)
  assert.equal(logs, ['ip=1.2.3.4 n=2'])
})

test.run()
