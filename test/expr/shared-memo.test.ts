import {test} from 'uvu'
import * as assert from 'uvu/assert'
import {compileExpr, ExprRuntimeError, SharedMemo} from '../../src/expr/index.js'

/** Helpers counting their calls. */
function table(): {calls: Record<string, number>; helpers: Record<string, (...args: unknown[]) => unknown>} {
  const calls: Record<string, number> = {Upper: 0, Lower: 0, SetThing: 0}
  const helpers = {
    File: () => ['X', 'Z'],
    Upper: (s: unknown) => {
      calls.Upper!++
      if (typeof s !== 'string') throw new Error('Upper: not a string')
      return s.toUpperCase()
    },
    Lower: (s: unknown) => {
      calls.Lower!++
      return String(s).toLowerCase()
    },
    SetThing: (s: unknown) => {
      calls.SetThing!++
      return s
    },
  }
  return {calls, helpers}
}

const vars = (a: unknown) => ({evt: {Meta: {a, b: 'Q'}}})

// [sources compiled with one memo, variables, expected results, Upper calls with the memo for one epoch]
const CASES: [string, string[], unknown, unknown[], number][] = [
  ['same call in two programs', ["Upper(evt.Meta.a) contains 'X'", "Upper(evt.Meta.a) == 'AX'"], 'ax', [true, true], 1],
  ['different spacing, same printed source', ['Upper( evt.Meta.a ) + "1"', 'Upper(evt.Meta.a)+"2"'], 'ax', ['AX1', 'AX2'], 1],
  ['let variable is not shared', ['let x = evt.Meta.a; Upper(x)', 'let x = evt.Meta.b; Upper(x)'], 'ax', ['AX', 'Q'], 2],
  ['predicate element is not shared', ["map(['a'], Upper(#))[0]", "map(['b'], Upper(#))[0]"], 'ax', ['A', 'B'], 2],
  ['predicate over a literal array with evt shared', ["any(['x'], {Upper(evt.Meta.a) contains Upper(#)})", "any(['x'], {Upper(evt.Meta.a) contains Upper(#)})"], 'ax', [true, true], 2],
  ['pure part of an impure program is not shared', ['Upper(evt.Meta.a)', 'SetThing(Upper(evt.Meta.a))', 'SetThing(Upper(evt.Meta.a))'], 'ax', ['AX', 'AX', 'AX'], 3],
  ['data helpers are shared', ['any(File("f"), {Upper(evt.Meta.a) contains #})', 'any(File("f"), {Upper(evt.Meta.a) contains #})'], 'ax', [true, true], 1],
]

for (const [name, sources, a, expected, upperCalls] of CASES) {
  test(`shared memo: ${name}`, () => {
    const {calls, helpers} = table()
    const memo = new SharedMemo()
    const programs = sources.map((s) => compileExpr(s, {env: 'any', helperTable: helpers, memo}))
    assert.equal(programs.map((p) => p.run(vars(a))), expected)
    assert.is(calls.Upper, upperCalls)
    // a new epoch recomputes
    memo.next()
    const before = calls.Upper!
    assert.equal(programs.map((p) => p.run(vars(a))), expected)
    assert.is(calls.Upper! - before, upperCalls)
    // same results as without a memo
    const plain = sources.map((s) => compileExpr(s, {env: 'any', helperTable: helpers}))
    assert.equal(plain.map((p) => p.run(vars(a))), expected)
  })
}

test('shared memo: a value is not read in another epoch', () => {
  const {helpers} = table()
  const memo = new SharedMemo()
  const p = compileExpr('Upper(evt.Meta.a)', {env: 'any', helperTable: helpers, memo})
  assert.is(p.run(vars('a')), 'A')
  assert.is(p.run(vars('b')), 'A') // same epoch: the owner promised the variables did not change
  memo.next()
  assert.is(p.run(vars('b')), 'B')
})

test('shared memo: a failure is kept and thrown again with the same message', () => {
  const {calls, helpers} = table()
  const memo = new SharedMemo()
  const sources = ["Upper(evt.Meta.a) == 'X'", "evt.Meta.b == 'Q' &&   Upper(evt.Meta.a) == 'Y'"]
  const programs = sources.map((s) => compileExpr(s, {env: 'any', helperTable: helpers, memo}))
  const plain = sources.map((s) => compileExpr(s, {env: 'any', helperTable: helpers}))
  const failure = (f: () => unknown): ExprRuntimeError => {
    try {
      f()
    } catch (e) {
      assert.instance(e, ExprRuntimeError)
      return e as ExprRuntimeError
    }
    throw new Error('no error')
  }
  for (let i = 0; i < sources.length; i++) {
    const shared = failure(() => programs[i]!.run(vars(3)))
    const alone = failure(() => plain[i]!.run(vars(3)))
    assert.is(shared.message, alone.message)
  }
  assert.is(calls.Upper, 1 + 2)
})

test.run()
