import {test} from 'uvu'
import * as assert from 'uvu/assert'
import {createHelperContext, createHelpers} from '../../../src/expr/helpers/index.js'
import {isStringSlice} from '../../../src/model/go-values.js'

const h = createHelpers(createHelperContext())

const UNESCAPE: [string, string, string, string][] = [
  // input, PathUnescape, QueryUnescape
  ['a%20b', 'a b', 'a b', ''],
  ['a+b', 'a+b', 'a b', ''],
  ['%2fetc%2Fpasswd', '/etc/passwd', '/etc/passwd', ''],
  ['%C3%A9', 'é', 'é', ''],
  ['%zz', '%zz', '%zz', ''],
  ['100%', '100%', '100%', ''],
  ['a%2', 'a%2', 'a%2', ''],
  ['%ff', '\ufffd', '\ufffd', ''],
]

for (const [input, path, query] of UNESCAPE) {
  test(`PathUnescape/QueryUnescape(${JSON.stringify(input)})`, () => {
    assert.is(h.PathUnescape!(input), path)
    assert.is(h.QueryUnescape!(input), query)
  })
}

const ESCAPE: [string, string, string][] = [
  ['a b', 'a%20b', 'a+b'],
  ['a/b?c;d,e', 'a%2Fb%3Fc%3Bd%2Ce', 'a%2Fb%3Fc%3Bd%2Ce'],
  ['$&+:=@', '$&+:=@', '%24%26%2B%3A%3D%40'],
  ['-_.~', '-_.~', '-_.~'],
  ['é', '%C3%A9', '%C3%A9'],
]

for (const [input, path, query] of ESCAPE) {
  test(`PathEscape/QueryEscape(${JSON.stringify(input)})`, () => {
    assert.is(h.PathEscape!(input), path)
    assert.is(h.QueryEscape!(input), query)
  })
}

const plain = (m: unknown): Record<string, string[]> => {
  const out: Record<string, string[]> = {}
  for (const k of Object.keys(m as object)) {
    const v = (m as Record<string, string[]>)[k]!
    assert.ok(isStringSlice(v))
    out[k] = [...v]
  }
  return out
}

test('ParseQuery is lenient', () => {
  assert.equal(plain(h.ParseQuery!('a=1&b=2&a=3')), {a: ['1', '3'], b: ['2']})
  assert.equal(plain(h.ParseQuery!('a=%zz&&b=x+y&c')), {a: ['%zz'], b: ['x y'], c: ['']})
  assert.equal(plain(h.ParseQuery!('x=1;y=2')), {x: ['1;y=2']})
  assert.equal(plain(h.ParseQuery!('')), {})
})

test('ParseUri uses Go url.ParseQuery: errors give an empty map', () => {
  assert.equal(plain(h.ParseUri!('/index.php?a=1&b=%41#frag')), {a: ['1'], b: ['A']})
  assert.equal(plain(h.ParseUri!('/p?a=1;b=2')), {})
  assert.equal(plain(h.ParseUri!('/p?a=%zz')), {})
  assert.equal(plain(h.ParseUri!('/p')), {})
  assert.equal(plain(h.ParseUri!('http://h/p?q=1')), {q: ['1']})
  assert.equal(plain(h.ParseUri!('a:b/c?q=1')), {q: ['1']})
  assert.equal(plain(h.ParseUri!('/p\x01?q=1')), {})
  assert.is(Object.getPrototypeOf(h.ParseUri!('/?__proto__=1')), null)
})

test('ExtractQueryParam', () => {
  assert.equal([...(h.ExtractQueryParam!('/a?x=1&y=2&x=3', 'x') as string[])], ['1', '3'])
  assert.equal([...(h.ExtractQueryParam!('/a?x=1', 'z') as string[])], [])
  assert.equal([...(h.ExtractQueryParam!('/a', 'x') as string[])], [])
  assert.equal([...(h.ExtractQueryParam!('/a?q=a%20b?c', 'q') as string[])], ['a b?c'])
})

test('HTTP helpers and JA4H fail without a backend', () => {
  assert.throws(() => h.HTTPGet!('http://127.0.0.1/'), /disabled/)
  assert.throws(() => h.JA4H!(null), /WAF/)
  const withHttp = createHelpers(createHelperContext({http: {request: (m, u) => ({StatusCode: 200, Body: `${m} ${u}`})}}))
  assert.equal(withHttp.HTTPGet!('http://x/'), {StatusCode: 200, Body: 'GET http://x/'})
})

test.run()
