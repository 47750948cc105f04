import {test} from 'uvu'
import * as assert from 'uvu/assert'
import {parseExpr} from '../../src/expr/index.js'
import {print} from '../../src/expr/print.js'

// Input -> printed tree (fully showing the grouping the parser chose).
const cases: [string, string][] = [
  ['a + b * c', 'a + b * c'],
  ['(a + b) * c', '(a + b) * c'],
  ['not a == b', '(not a) == b'],
  ['not (a == b)', 'not (a == b)'],
  ['x not in y', 'not (x in y)'],
  ['-x ** 2', '-(x ** 2)'],
  ['2 ** 3 ** 2', '2 ** 3 ** 2'],
  ['a < b < c', 'a < b && b < c'],
  ['a ? b : c ? d : e', 'a ? b : c ? d : e'],
  ['a ?: b', 'a ? a : b'],
  ['a or b and c', 'a or b and c'],
  ['x == a ?? b', 'x == (a ?? b)'],
  ['a ?? b ?? c', '(a ?? b) ?? c'],
  ['x | upper()', 'upper(x)'],
  ['x | split(",") | len()', 'len(split(x, ","))'],
  ['filter(xs, .Name startsWith "J")', 'filter(xs, {#.Name startsWith "J"})'],
  ['map(xs, {let y = #; y + #index})', 'map(xs, {let y = #; y + #index})'],
  ['a?.b.c', 'a?.b.c'],
  ['a?.[0]', 'a?.[0]'],
  ['a.b(1, 2,)', 'a.b(1, 2)'],
  ['s[1:]', 's[1:]'],
  ['s[:-1]', 's[:-1]'],
  ['s[:]', 's[:]'],
  ['[1, "a", x,]', '[1, "a", x]'],
  ['{a: 1, "b c": 2, 3: x, (k): v}', '{"a": 1, "b c": 2, "3": x, (k): v}'],
  ['let x = 1; let y = 2; x + y', 'let x = 1; let y = 2; x + y'],
  ['a; b;', 'a; b'],
  ['if a { 1 } else if b { 2 } else { 3 }', 'if a { 1 } else { if b { 2 } else { 3 } }'],
  ['1..3', '1 .. 3'],
  ['x.contains', 'x.contains'],
  ['$env["evt"]', '$env.evt'],
  ['reduce(xs, #acc + #, 0)', 'reduce(xs, {#acc + #}, 0)'],
  ['count(xs)', 'count(xs)'],
  ['a in [1, 2] == true', 'a in [1, 2] == true'],
]

for (const [src, want] of cases) {
  test(`parse ${src}`, () => {
    const printed = print(parseExpr(src))
    assert.is(printed, want)
    // Round trip: the printed source parses to the same tree.
    assert.is(print(parseExpr(printed)), printed)
  })
}

const errors: [string, string][] = [
  ['a +', 'unexpected token EOF (1:4)'],
  ['(a + b', 'an opened parenthesis is not properly closed (1:1)'],
  ['a ?? b + c', 'Operator (+) and coalesce expressions (??) cannot be mixed. Wrap either by parentheses. (1:8)'],
  ['a not b', 'unexpected token Identifier("b") (1:7)'],
  ['filter(xs, #; #)', 'wrap predicate with brackets { and } (1:13)'],
  ['let x = 1 x', 'unexpected token Identifier("x") (1:11)'],
  ['a.1', 'expected name (1:3)'],
  ['if a { 1 }', 'unexpected token EOF (1:11)'],
  ['{a 1}', 'unexpected token Number("1") (1:4)'],
  ['{[1]: 2}', 'a map key must be a quoted string, a number, a identifier, or an expression enclosed in parentheses (unexpected token Bracket("[")) (1:2)'],
  ['99999999999999999999', 'integer literal is too large: 99999999999999999999 (1:1)'],
  ['all(xs)', 'expected at least 2 arguments (1:7)'],
  ['#', 'unexpected token Operator("#") (1:1)'],
]

for (const [src, message] of errors) {
  test(`parse error ${src}`, () => {
    try {
      parseExpr(src)
      assert.unreachable('should fail')
    } catch (error) {
      assert.is((error as Error).message, message)
    }
  })
}

test('multi-line expression: error line and caret', () => {
  try {
    parseExpr('a &&\n  b +', {file: 'p.yaml', line: 10})
    assert.unreachable('should fail')
  } catch (error) {
    const e = error as {message: string; withSnippet(): string; line: number; column: number}
    assert.is(e.line, 11)
    assert.is(e.column, 6)
    assert.is(e.withSnippet(), 'unexpected token EOF (p.yaml:11:6)\n |   b +\n |      ^')
  }
})

test.run()
