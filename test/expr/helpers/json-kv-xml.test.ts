import {readFileSync} from 'node:fs'
import * as path from 'node:path'
import {test} from 'uvu'
import * as assert from 'uvu/assert'
import {createHelperContext, createHelpers} from '../../../src/expr/helpers/index.js'
import {decodeGoJSON, parseKVLaxPairs, parseKVPairs} from '../../../src/expr/helpers/json-kv-xml.js'
import {GoFloat, isStringMap, newAnyMap, newStringMap} from '../../../src/model/go-values.js'
import {SHARED} from '../../helpers/run-cli.js'

const h = createHelpers(createHelperContext())

const BLOB = '{"a":"x\\"y","n":12.50,"t":true,"z":null,"nested":{"an_array":["first",{"k":"v"}],"dup":1,"dup":2},"arr":[1,2,3],"dup":"first","dup":"second","esc\\u0061":"E"}'

const EXTRACT: [string, string][] = [
  ['a', 'x\\"y'],
  ['n', '12.50'],
  ['t', 'true'],
  ['z', 'null'],
  ['nested.an_array[0]', 'first'],
  ['nested.an_array[1].k', 'v'],
  ['nested.an_array[1]', '{"k":"v"}'],
  ['nested.an_array[5]', ''],
  ['arr', '[1,2,3]'],
  ['arr[2]', '3'],
  ['dup', 'first'],
  ['nested.dup', '1'],
  ['esca', 'E'],
  ['missing', ''],
  ['a.b', ''],
]

for (const [p, want] of EXTRACT) {
  test(`JsonExtract(blob, ${JSON.stringify(p)}) = ${JSON.stringify(want)}`, () => {
    assert.is(h.JsonExtract!(BLOB, p), want)
  })
}

test('JsonExtract on an array root and on broken JSON', () => {
  assert.is(h.JsonExtract!('[{"a":1},{"a":2}]', '[1].a'), '2')
  assert.is(h.JsonExtract!('{"a":"ok", "b": ', 'a'), 'ok')
  assert.is(h.JsonExtract!('not json', 'a'), '')
})

test('JsonExtractUnescape: first key only, unescaped strings, "" otherwise', () => {
  assert.is(h.JsonExtractUnescape!('{"log":"line\\nwith \\"quotes\\" \\u00e9"}', 'log'), 'line\nwith "quotes" é')
  assert.is(h.JsonExtractUnescape!('{"log":1}', 'log'), '')
  assert.is(h.JsonExtractUnescape!('{"a":{"b":"c"}}', 'a', 'b'), '')
  assert.is(h.JsonExtractUnescape!('{"a":"x"}', 'missing'), '')
})

test('JsonExtractLib from expr is a runtime error', () => {
  assert.throws(() => h.JsonExtractLib!('{"a":1}', 'a'), /interface conversion/)
})

test('JsonExtractSlice / JsonExtractObject decode with Go rules', () => {
  const s = h.JsonExtractSlice!(BLOB, 'arr') as unknown[]
  assert.is(s.length, 3)
  assert.ok(s[0] instanceof GoFloat)
  assert.is(h.JsonExtractSlice!(BLOB, 'a'), null)
  const o = h.JsonExtractObject!(BLOB, 'nested') as Record<string, unknown>
  assert.is(Object.getPrototypeOf(o), null)
  assert.is((o.dup as GoFloat).value, 2)
  assert.is(h.JsonExtractObject!(BLOB, 'arr'), null)
})

test('ToJsonString is compact Go JSON; failure gives ""', () => {
  assert.is(h.ToJsonString!({b: '<', a: [1, 0.5]}), '{"a":[1,0.5],"b":"\\u003c"}')
  assert.is(h.ToJsonString!(NaN), '')
})

test('UnmarshalJSON stores the decoded value and returns nil; bad JSON fails', () => {
  const target = newAnyMap()
  assert.is(h.UnmarshalJSON!('{"level":"info","n":3,"o":{"__proto__":1}}', target, 'app'), null)
  const app = target.app as Record<string, unknown>
  assert.is(app.level, 'info')
  assert.ok(app.n instanceof GoFloat)
  assert.ok(Object.hasOwn(app.o as object, '__proto__'))
  assert.is(h.UnmarshalJSON!('[1,2]', target, 'arr'), null)
  assert.ok(Array.isArray(target.arr))
  assert.throws(() => h.UnmarshalJSON!('{bad', target, 'x'), /invalid character 'b' looking for beginning of value/)
  assert.throws(() => h.UnmarshalJSON!('', target, 'x'), /unexpected end of JSON input/)
  assert.throws(() => h.UnmarshalJSON!('{}', 'notamap', 'x'), /not map\[string\]interface \{\}/)
})

test('decodeGoJSON keeps the last duplicate key', () => {
  assert.is((decodeGoJSON('{"a":1,"a":2}') as {a: GoFloat}).a.value, 2)
})

const KV: [string, [string, string][]][] = [
  ['a=1 b=2', [['a', '1'], ['b', '2']]],
  ['msg="hello world" level=info', [['msg', 'hello world'], ['level', 'info']]],
  ['msg="say \\"hi\\"" x=1', [['msg', 'say \\"hi\\"'], ['x', '1']]],
  ['a= b=2', [['a', ''], ['b', '2']]],
  ['a=', [['a', '']]],
  ['a=b=c', [['a', 'b']]],
  ['a==b', [['a', '']]],
  ['text without pairs', []],
  ['k="unterminated v=1', [['k', '"unterminated'], ['v', '1']]],
  ['x=1 x=2', [['x', '1'], ['x', '2']]],
  ['time="2024-01-01" level=warning msg="Request" method=GET', [['time', '2024-01-01'], ['level', 'warning'], ['msg', 'Request'], ['method', 'GET']]],
]

for (const [input, want] of KV) {
  test(`parseKVPairs(${JSON.stringify(input)})`, () => {
    assert.equal(parseKVPairs(input), want)
  })
}

const KV_LAX: [string, [string, string][]][] = [
  ['a=1 b=2', [['a', '1'], ['b', '2']]],
  ['msg=hello world level=info', [['msg', 'hello world'], ['level', 'info']]],
  ['msg="a b=c" x=1', [['msg', 'a b=c'], ['x', '1']]],
  ['msg="say \\"hi\\" \\\\" x=1', [['msg', 'say "hi" \\'], ['x', '1']]],
  ['m="a\\\\\\"b" x=1', [['m', 'a\\"b'], ['x', '1']]],
  ['k=\u00a0v\u0085', [['k', 'v']]],
  ['k=\ufeffv', [['k', '\ufeffv']]],
  ['msg="open x=1', [['msg', 'open x=1']]],
  ['1abc=2', [['abc', '2']]],
  ['k.e-y_1=v', [['k.e-y_1', 'v']]],
  ['nothing here', []],
]

for (const [input, want] of KV_LAX) {
  test(`parseKVLaxPairs(${JSON.stringify(input)})`, () => {
    assert.equal(parseKVLaxPairs(input), want)
  })
}

test('ParseKV stores a string map at target[prefix], merges, and fails without pairs', () => {
  const target = newAnyMap()
  assert.is(h.ParseKV!('a=1 b="x y"', target, 'kv'), null)
  assert.ok(isStringMap(target.kv))
  assert.equal({...(target.kv as object)}, {a: '1', b: 'x y'})
  h.ParseKV!('c=3', target, 'kv')
  assert.equal({...(target.kv as object)}, {a: '1', b: 'x y', c: '3'})
  assert.throws(() => h.ParseKV!('no pairs', target, 'kv'), /invalid input format/)
  target.other = 5
  assert.throws(() => h.ParseKV!('a=1', target, 'other'), /not a map\[string\]string/)
  assert.is(h.ParseKVLax!('a=1 2', target, 'lax'), null)
  assert.equal({...(target.lax as object)}, {a: '1 2'})
  assert.throws(() => h.ParseKVLax!('no pairs', target, 'lax2'), /invalid input format/)
  assert.ok(isStringMap(target.lax2), 'ParseKVLax creates the target before failing')
  assert.throws(() => h.ParseKV!('no pairs', target, 'kv2'), /invalid input format/)
  assert.not.ok(Object.hasOwn(target, 'kv2'), 'ParseKV fails before creating the target')
})

test('KeyExists', () => {
  const m = newAnyMap()
  m.a = null
  assert.is(h.KeyExists!('a', m), true)
  assert.is(h.KeyExists!('toString', m), false)
  assert.throws(() => h.KeyExists!('a', 'x'), /not map/)
  assert.throws(() => h.KeyExists!('a', newStringMap()), /is map\[string\]string, not map\[string\]interface \{\}/)
})

const EVENT = readFileSync(path.join(SHARED, 'hubtests', 'windows-bf', 'windows-bf.log'), 'utf8').split('\n')[0]!

const XML: [string, string][] = [
  ['/Event/System[1]/EventID', '4625'],
  ['/Event/System/Channel', 'Security'],
  ["/Event/EventData[1]/Data[@Name='TargetUserName']", 'asdfasdf'],
  ["/Event/EventData/Data[@Name='LogonType']", '3'],
  ['/Event/EventData[1]/Data[1]', 'S-1-0-0'],
  ['/Event/EventData[1]/Data[2]', '-'],
  ['/Event/EventData[1]/Data[-1]', '0'],
  ['/Event/EventData[1]/Data[99]', ''],
  ["/Event/EventData[1]/Data[@Name='Nope']", ''],
  ['//EventID', '4625'],
  ['/Event/*/Computer', 'exchange-1.mydomain.test'],
  ["/Event/System[EventID='4625']/Channel", 'Security'],
  ["/Event/System[EventID='1']/Channel", ''],
  ['/Event/System/Channel[text()]', 'Security'],
  ["/Event/System/Channel[text()='Security']", 'Security'],
  ['/Event/System/Channel/..', '  '],
  ['/Nope', ''],
  ['/Event/System[', ''],
]

for (const [p, want] of XML) {
  test(`XMLGetNodeValue(windows event, ${JSON.stringify(p)}) = ${JSON.stringify(want)}`, () => {
    assert.is(h.XMLGetNodeValue!(EVENT, p), want)
  })
}

test('XMLGetAttributeValue', () => {
  assert.is(h.XMLGetAttributeValue!(EVENT, '/Event/System[1]/Provider', 'Name'), 'Microsoft-Windows-Security-Auditing')
  assert.is(h.XMLGetAttributeValue!(EVENT, '/Event/System[1]/TimeCreated', 'SystemTime'), '2022-04-29T12:36:01.9027913Z')
  assert.is(h.XMLGetAttributeValue!(EVENT, '/Event/System[1]/Provider', 'Missing'), '')
  assert.is(h.XMLGetAttributeValue!(EVENT, '/Event/Missing', 'Name'), '')
})

test('XML: text outside the root, entities, CDATA, namespaces, malformed input', () => {
  const x = '- <Event xmlns="urn:x"> - <a:Sys xmlns:a="urn:a"><Name k="1&amp;2">A &lt;b&gt; <![CDATA[<raw>]]><c/>tail</Name></a:Sys></Event>'
  assert.is(h.XMLGetNodeValue!(x, '/Event/Sys/Name'), 'A <b> <raw>')
  assert.is(h.XMLGetNodeValue!(x, '/Event/a:Sys/Name'), 'A <b> <raw>')
  assert.is(h.XMLGetNodeValue!(x, '/Event/b:Sys/Name'), '')
  assert.is(h.XMLGetAttributeValue!(x, '/Event/Sys/Name', 'k'), '1&2')
  assert.is(h.XMLGetNodeValue!('<a><b>x</a>', '/a/b'), '')
  assert.is(h.XMLGetNodeValue!('<a><b>x</b>', '/a/b'), '')
  assert.is(h.XMLGetNodeValue!('plain text', '/a'), '')
  assert.is(h.XMLGetNodeValue!('<r>' + '<d>'.repeat(300) + '</d>'.repeat(300) + '</r>', '/r'), '')
})

test.run()
