import {spawnSync} from 'node:child_process'
import * as path from 'node:path'
import {fileURLToPath} from 'node:url'
import {test} from 'uvu'
import * as assert from 'uvu/assert'
import {isGoMap, isMapPrototype, isStringMap, markStringMap, newAnyMap, newStringMap} from '../../src/model/go-values.js'

test('a new string map inherits no string key', () => {
  const m = newStringMap()
  for (const k of ['constructor', '__proto__', 'toString', 'hasOwnProperty', 'valueOf', '__defineGetter__']) {
    assert.is(m[k], undefined, k)
    assert.not.ok(k in m, k)
  }
  assert.equal(Object.keys(m), [])
  assert.is(JSON.stringify(m), '{}')
})

test('attacker-chosen keys stay own data properties of a string map', () => {
  const m = newStringMap()
  m['__proto__'] = 'x'
  m['constructor'] = 'y'
  assert.ok(Object.hasOwn(m, '__proto__'))
  assert.is(m['__proto__'], 'x')
  assert.is(m['constructor'], 'y')
  assert.ok(isStringMap(m), 'still a string map')
  assert.equal(Object.keys(m), ['__proto__', 'constructor'])
  const other = newStringMap()
  assert.is(other['__proto__'], undefined, 'nothing leaks to other maps')
  for (let i = 0; i < 300; i++) m[`k${i}`] = String(i)
  assert.is(Object.keys(m).length, 302)
  assert.is(m['k299'], '299')
  delete m['k10']
  assert.not.ok(Object.hasOwn(m, 'k10'))
  assert.ok(isStringMap(m))
})

test('string maps are Go maps; the mark is not a key and cannot be cleared through the map', () => {
  const m = newStringMap()
  assert.ok(isGoMap(m))
  assert.ok(isMapPrototype(Object.getPrototypeOf(m)))
  assert.ok(isMapPrototype(null))
  assert.ok(isMapPrototype(Object.prototype))
  assert.not.ok(isMapPrototype(Array.prototype))
  assert.equal(Object.getOwnPropertySymbols(m), [])
  assert.throws(() => {
    ;(m as unknown as {[k: symbol]: unknown})[Object.getOwnPropertySymbols(Object.getPrototypeOf(m) as object)[0]!] = false
  })
  assert.ok(isStringMap(m))
  assert.not.ok(isStringMap(newAnyMap()))
})

test('markStringMap marks a plain or null-prototype object, and leaves a string map as it is', () => {
  const plain = markStringMap(newAnyMap())
  assert.ok(isStringMap(plain))
  const m = newStringMap()
  assert.is(markStringMap(m), m)
  assert.equal(Object.getOwnPropertySymbols(m), [])
  assert.ok(isStringMap(markStringMap(JSON.parse('{"a":"b"}') as object)))
})

// V8 keeps a string map in fast mode (no hash table, no reallocation as it fills) past the 23 keys
// an http event's Parsed holds, even when keys are added by a computed store that sees many
// shapes (grok, statics, the event decoder) and after many small maps were made first
// (src/model/go-values.ts, StringMapObject). Run in a child: %HasFastProperties needs a V8 flag.
test('a string map keeps its fast mode past 32 keys added by computed stores', () => {
  const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..')
  const script = [
    "import {newStringMap} from './src/model/go-values.ts'",
    'const small = []',
    "for (let i = 0; i < 100; i++) { const m = newStringMap(); m.type = 'file'; small.push(m) }",
    'function store(o, k, v) { o[k] = v }',
    "for (let i = 0; i < 50; i++) { const o = {}; o['z' + i] = 1; store(o, 'q' + i, 1) }",
    "const keys = JSON.parse(JSON.stringify(Array.from({length: 32}, (_, i) => 'field_' + i)))",
    'const flips = []',
    'for (let round = 0; round < 3; round++) {',
    '  const m = newStringMap()',
    "  keys.forEach((k, i) => { store(m, k, 'v'); if (!%HasFastProperties(m)) flips.push(i + 1) })",
    '}',
    'console.log(JSON.stringify({flips, small: small.every((m) => %HasFastProperties(m))}))',
  ].join('\n')
  const {NODE_EXTRA_CA_CERTS: _ca, ...env} = process.env
  const r = spawnSync(process.execPath, ['--allow-natives-syntax', '--import', 'tsx', '--input-type=module', '-e', script], {cwd: root, encoding: 'utf8', env, timeout: 60_000})
  assert.is(r.status, 0, r.stderr)
  assert.equal(JSON.parse(r.stdout), {flips: [], small: true})
})

test.run()
