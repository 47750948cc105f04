import {test} from 'uvu'
import * as assert from 'uvu/assert'
import {HELPER_NAMES} from '../../../src/expr/helper-names.js'
import {HELPER_SIGNATURES, createHelperContext, createHelpers, defaultHelperContext, helperSignature} from '../../../src/expr/helpers/index.js'

test('every signature has an implementation and every expr helper name a signature', () => {
  const h = createHelpers(createHelperContext())
  for (const s of HELPER_SIGNATURES) assert.type(h[s.name], 'function', s.name)
  for (const name of HELPER_NAMES) assert.ok(helperSignature(name) !== undefined, name)
  assert.is(Object.keys(h).length, HELPER_SIGNATURES.length)
})

test('signatures carry arity, variadic helpers have max Infinity', () => {
  assert.equal({...helperSignature('Sprintf')!}, {name: 'Sprintf', min: 1, max: Infinity, params: ['string', 'any'], returns: 'string'})
  assert.is(helperSignature('TimeNow')!.max, 0)
  assert.is(helperSignature('Replace')!.min, 4)
  assert.is(helperSignature('nope'), undefined)
})

test('the table is built once per context and checks arity at run time', () => {
  const ctx = createHelperContext()
  assert.is(createHelpers(ctx), createHelpers(ctx))
  assert.is.not(createHelpers(ctx), createHelpers(createHelperContext()))
  assert.throws(() => createHelpers(ctx).Replace!('a', 'b', 'c'), /Replace: expected 4 arguments, got 3/)
  assert.throws(() => createHelpers(ctx).Sprintf!(), /at least 1/)
  assert.is(createHelpers(defaultHelperContext()).Upper!('a'), 'A')
})

test('the table is a null-prototype object', () => {
  const h = createHelpers(createHelperContext())
  assert.is(Object.getPrototypeOf(h), null)
  assert.is(h.constructor, undefined)
})

test.run()
