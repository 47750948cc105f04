import {test} from 'uvu'
import * as assert from 'uvu/assert'
import {Event} from '../../src/model/event.js'
import {GoTime} from '../../src/model/go-time.js'
import {compileExpr, evalFilter} from '../../src/expr/index.js'
import {anyMap, evaluate, stringMap} from './eval-table.js'

// [expression, variables, expected value ('float:N' for floats, 'error: ...' for errors)]
const cases: [string, Record<string, unknown>, unknown][] = [
  // arithmetic and int/float
  ['1 + 2', {}, 3],
  ['7 / 2', {}, 3.5],
  ['6 / 2', {}, 'float:3'],
  ['7 % 3', {}, 1],
  ['-7 % 3', {}, -1],
  ['7 % 0', {}, 'error: integer divide by zero (1:3)'],
  ['2 ** 3', {}, 'float:8'],
  ['2 ^ 3', {}, 'float:8'],
  ['1.5 + 1.5', {}, 'float:3'],
  ['1 + 1.0', {}, 'float:2'],
  ['-x', {x: 3}, -3],
  ['x + 1', {x: 'a'}, 'error: invalid operation: string + int (1:3)'],
  ['"a" + "b"', {}, 'ab'],
  ['1 / 0', {}, Infinity],
  // comparisons
  ['1 == 1.0', {}, true],
  ['"1" == x', {x: 1}, false],
  ['nil == nil', {}, true],
  ['"" == nil', {}, false],
  ['x == nil', {x: null}, true],
  ['[1, 2] == [1, 2]', {}, true],
  ['"a" < "b"', {}, true],
  ['1 < 2 < 3', {}, true],
  ['3 > 2 > 2', {}, false],
  ['x < 1', {x: 'a'}, 'error: invalid operation: string < int (1:3)'],
  // logic: no truthiness, short-circuit
  ['true && false', {}, false],
  ['false and x', {x: 'not evaluated'}, false],
  ['true or x.y.z', {x: null}, true],
  ['x && true', {x: 1}, 'error: invalid operation: && (mismatched type int): expected bool (1:3)'],
  ['not x', {x: null}, 'error: invalid operation: not (mismatched type nil): expected bool (1:1)'],
  ['!false', {}, true],
  ['x ? 1 : 2', {x: 'yes'}, 'error: non-bool expression (type string) used as condition (1:1)'],
  ['true ? 1 : 2', {}, 1],
  ['nil ?: "d"', {}, 'error: non-bool expression (type nil) used as condition (1:1)'],
  ['if 1 > 2 { "a" } else { "b" }', {}, 'b'],
  // in
  ['"a" in ["a", "b"]', {}, true],
  ['x in ["a", "b", "c"]', {x: 'c'}, true],
  ['x in ["a", "b", "c"]', {x: 'd'}, false],
  ['x in ["a"]', {x: 'a'}, true],
  ['x in ["a", "a"]', {x: 'b'}, false],
  ['x in ["a", "b", "c", "d"]', {x: 'd'}, true],
  ['x in ["a", "b", "c", "d"]', {x: ''}, false],
  ['x in ["a", "b", "c", ""]', {x: null}, true],
  ['x in ["", "a"]', {x: null}, true],
  ['x in ["", nil]', {x: null}, true],
  ['x in ["a", "b"]', {x: 1}, 'error: cannot use int as type string in map key (1:3)'],
  ['2 in [1, 2]', {}, true],
  ['x in [1, 2]', {x: 2.0}, true],
  ['"k" in m', {m: anyMap({k: 1})}, true],
  ['"z" in m', {m: anyMap({k: 1})}, false],
  ['x in nil', {x: 'a'}, false],
  ['"a" not in ["a"]', {}, false],
  // string operators
  ['"abc" contains "b"', {}, true],
  ['"abc" startsWith "ab"', {}, true],
  ['"abc" endsWith "bc"', {}, true],
  ['x contains "a"', {x: null}, false],
  ['"abc" matches "b"', {}, true],
  ['"abc" matches "^B"', {}, false],
  ['"abc" matches "(?i)^A"', {}, true],
  ['x matches "a"', {x: null}, false],
  ['"abc" matches x', {x: '['}, 'error: error parsing regexp: missing closing ]: `[` (1:15)'],
  ['"a\\nb" matches "a.b"', {}, false],
  ['"a\\rb" matches "a.b"', {}, true],
  ['"x/y" matches "^x\\\\/y$"', {}, true],
  // nil coalescing, optional chaining
  ['x ?? "d"', {x: null}, 'd'],
  ['x ?? "d"', {x: ''}, ''],
  ['a?.b', {a: null}, null],
  ['a?.b.c', {a: null}, null],
  ['a.b.c', {a: anyMap({})}, 'error: cannot fetch c from <nil> (1:5)'],
  ['a?.[0]', {a: null}, null],
  // member access
  ['m.k', {m: anyMap({k: 'v'})}, 'v'],
  ['m["missing"]', {m: anyMap({})}, null],
  ['m["missing"]', {m: stringMap({})}, ''],
  ['m.constructor', {m: anyMap({})}, null],
  ['arr[-1]', {arr: [1, 2, 3]}, 3],
  ['arr[3]', {arr: [1, 2, 3]}, 'error: index out of range: 3 (array length is 3) (1:4)'],
  ['x[1]', {x: 'abc'}, 98],
  ['x[-1]', {x: 'é'}, 169],
  ['"héllo"[0:2]', {}, 'h\ufffd'],
  ['"hello"[1:3]', {}, 'el'],
  ['"hello"[-3:]', {}, 'llo'],
  ['"hello"[4:2]', {}, ''],
  ['arr[1:]', {arr: [1, 2, 3]}, [2, 3]],
  ['arr[:10]', {arr: [1, 2, 3]}, [1, 2, 3]],
  ['1..3', {}, [1, 2, 3]],
  ['3..1', {}, []],
  ['$env.x', {x: 5}, 5],
  ['"x" in $env', {x: 5}, true],
  // let, sequences, literals
  ['let x = 2; let y = x * 3; y + 1', {}, 7],
  ['1; 2; 3', {}, 3],
  ['{a: 1, 3: 2}["3"]', {}, 2],
  ['[1, "a", nil]', {}, [1, 'a', null]],
  // predicates
  ['all([1, 2], # > 0)', {}, true],
  ['any([1, 2], # > 1)', {}, true],
  ['none([1, 2], # > 2)', {}, true],
  ['one([1, 2], # > 1)', {}, true],
  ['filter([1, 2, 3], # % 2 == 1)', {}, [1, 3]],
  ['map([1, 2], # * #index)', {}, [0, 2]],
  ['map(xs, .Name)', {xs: [anyMap({Name: 'a'}), anyMap({Name: 'b'})]}, ['a', 'b']],
  ['filter(xs, .Name startsWith "J") | map(.Name)', {xs: [anyMap({Name: 'Jo'}), anyMap({Name: 'Al'})]}, ['Jo']],
  ['map([[1, 2], [3]], {let outer = #; map(#, # + len(outer))})', {}, [[3, 4], [4]]],
  ['reduce([1, 2, 3], #acc + #)', {}, 6],
  ['reduce([1, 2, 3], #acc + #, 10)', {}, 16],
  ['reduce([], #acc + #)', {}, 'error: reduce of empty array with no initial value (1:1)'],
  ['any(x, # == 1)', {x: null}, 'error: cannot use <nil> as array in any (1:5)'],
  ['all([1], #)', {}, 'error: all: predicate should return boolean (got int) (1:1)'],
  ['count([1, 2, 3], # > 1)', {}, 2],
  ['sum([1, 2, 3])', {}, 6],
  ['sum([1, 2.5])', {}, 3.5],
  ['find([1, 2, 3], # > 1)', {}, 2],
  ['findIndex([1, 2, 3], # > 5)', {}, -1],
  ['findLast([1, 2, 3], # > 1)', {}, 3],
  ['findLastIndex([1, 2, 3], # > 1)', {}, 2],
  ['sortBy([3, 1, 2], #)', {}, [1, 2, 3]],
  ['sortBy([3, 1, 2], #, "desc")', {}, [3, 2, 1]],
  ['groupBy([1, 2, 3], # % 2)["1"]', {}, [1, 3]],
  // pipes
  ['"a,b" | split(",") | join("-")', {}, 'a-b'],
  ['" x " | trim() | upper()', {}, 'X'],
]

for (const [src, vars, want] of cases) {
  test(`eval ${src}`, () => {
    assert.equal(evaluate(src, vars), want)
  })
}

function newEvent(): Event {
  const evt = new Event()
  evt.Meta.log_type = 'http_access-log'
  evt.Parsed.verb = 'POST'
  evt.Unmarshaled.doc = Object.assign(Object.create(null), {level: 'info'})
  evt.Time = new GoTime(1_700_000_000) // 2023-11-14 22:13:20 UTC, a Tuesday
  return evt
}

const eventCases: [string, unknown][] = [
  ["evt.Meta.log_type in ['http_access-log', 'http_error-log'] && evt.Parsed.verb == 'POST'", true],
  ['evt.Meta.missing', ''],
  ['evt.Meta.missing == nil', false],
  ["'log_type' in evt.Meta", true],
  ['evt.Unmarshaled.doc.level', 'info'],
  ['evt.Unmarshaled.nothing', null],
  ['evt.Unmarshaled.nothing.level', 'error: cannot fetch level from <nil> (1:25)'],
  ['evt.Unmarshaled.nothing?.level', null],
  ['evt.GetMeta("log_type")', 'http_access-log'],
  ['evt.SetMeta("k", "v") && evt.Meta.k == "v"', true],
  ['evt.GetType()', 'log'],
  ['evt.Time.Hour()', 22],
  ['evt.Time.Weekday().String()', 'Tuesday'],
  ['evt.Time.Weekday() == 2', false],
  ['int(evt.Time.Weekday()) == 2', true],
  ['evt.Line.Labels.type', ''],
  ['evt.Overflow.Alert == nil', true],
  ['evt.Overflow.Alert.Source.IP', 'error: cannot fetch Source from <nil> (1:20)'],
  ['len(evt.Meta)', 1],
  ['evt.Time.Add(duration("1h")).Hour()', 23],
  ['(evt.Time + duration("2h")).Hour()', 0],
]

for (const [src, want] of eventCases) {
  test(`event ${src}`, () => {
    assert.equal(evaluate(src, {evt: newEvent()}, 'event'), want)
  })
}

// `evt.Meta.k` is read by one closure (Compiler.envStructField); through a local (`let e = evt`) the
// same read takes the general path, step by step: both must agree on every event shape and key.
test('evt.M.k read at once agrees with the step-by-step read', () => {
  const shapes: [string, () => unknown][] = [
    ['event', newEvent],
    ['nil Meta', () => Object.assign(newEvent(), {Meta: null})],
    ['Meta not a map', () => Object.assign(newEvent(), {Meta: 'text'})],
    ['plain-object Meta', () => Object.assign(newEvent(), {Meta: {log_type: 'x', constructor: 'c'}})],
    ['nil event', () => null],
    ['not an event', () => 'text'],
  ]
  const keys = ['log_type', 'missing', 'constructor', 'toString', 'hasOwnProperty', 'valueOf']
  for (const [shape, make] of shapes) {
    for (const key of keys) {
      for (const map of ['Meta', 'Parsed', 'Unmarshaled']) {
        const direct = evaluate(`evt.${map}.${key}`, {evt: make()}, 'event')
        const stepwise = evaluate(`let e = evt; e.${map}.${key}`, {evt: make()}, 'event')
        // error positions differ by the `let` prefix; the messages must not
        const strip = (v: unknown): unknown => (typeof v === 'string' ? v.replace(/ \(1:\d+\)$/, '') : v)
        assert.equal(strip(direct), strip(stepwise), `${shape} ${map}.${key}`)
      }
    }
  }
})

test('evalFilter: only exactly true passes; runtime errors are false and reported', () => {
  const errors: string[] = []
  const onError = (e: Error): void => void errors.push(e.message)
  assert.is(evalFilter(compileExpr('1 == 1'), {}, onError), true)
  assert.is(evalFilter(compileExpr('"true"'), {}, onError), false)
  assert.is(evalFilter(compileExpr('nil'), {}, onError), false)
  assert.is(evalFilter(compileExpr('x.y'), {x: null}, onError), false)
  assert.equal(errors, ['cannot fetch y from <nil> (1:3)'])
})

test('runtime error carries file, line and column', () => {
  const p = compileExpr('a +\n  b.c', {location: {file: 'x.yaml', line: 7}})
  try {
    p.run({a: 1, b: null})
    assert.unreachable('should throw')
  } catch (error) {
    const e = error as {code: string; message: string; line: number; column: number}
    assert.is(e.code, 'expr-runtime')
    assert.is(e.message, 'cannot fetch c from <nil> (x.yaml:8:5)')
  }
})

test('a helper table is used for capitalised calls', () => {
  const p = compileExpr('Upper(evt.Meta.log_type)', {env: 'event', helperTable: {Upper: (s: unknown) => String(s).toUpperCase()}})
  assert.is(p.run({evt: newEvent()}), 'HTTP_ACCESS-LOG')
})

test('helper errors become runtime errors at the call', () => {
  const p = compileExpr('1 == 1 && Boom("x")', {helperTable: {Boom: () => { throw new Error('boom') }}})
  assert.throws(() => p.run({}), (e: Error) => e.message === 'boom (1:11)')
})

test.run()
