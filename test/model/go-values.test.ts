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

test.run()
