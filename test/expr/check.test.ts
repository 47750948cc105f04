import {test} from 'uvu'
import * as assert from 'uvu/assert'
import {compileExpr, type ExprEnvName} from '../../src/expr/index.js'

function compileError(src: string, env: ExprEnvName): string {
  try {
    compileExpr(src, {env})
    return 'ok'
  } catch (error) {
    return (error as Error).message
  }
}

// [expression, environment, expected compile result]
const cases: [string, ExprEnvName, string][] = [
  ['evt.Meta.log_type == "ssh"', 'event', 'ok'],
  ['evt.Foo', 'event', 'type pipeline.Event has no field Foo (1:5)'],
  ['evt.parsed.x', 'event', 'type pipeline.Event has no field parsed (1:5)'],
  ['evt.Line.Labels.type', 'event', 'ok'],
  ['evt.Line.Nope', 'event', 'type pipeline.Line has no field Nope (1:10)'],
  ['evt.Parsed.a.b', 'event', 'type string has no field b (1:14)'],
  ['evt.Parsed.x[0]', 'event', 'type string does not support indexing (1:13)'],
  ['evt.Parsed.x[4:]', 'event', 'ok'],
  ['evt.Unmarshaled.a.b.c', 'event', 'ok'],
  ['foo', 'event', 'unknown name foo (1:1)'],
  ['Foo(1)', 'event', 'unknown name Foo (1:1)'],
  ['Upper(evt.Meta.x)', 'event', 'ok'],
  ['basename("/a/b")', 'event', 'unknown name basename (1:1)'],
  ['basename("/a/b") == "b"', 'parser-assert', 'ok'],
  ['evt.GetMeta("x")', 'event', 'ok'],
  ['evt.Nope()', 'event', 'type pipeline.Event has no method Nope (1:5)'],
  ['evt.GetMeta()', 'event', 'not enough arguments to call GetMeta (1:5)'],
  ['evt.Time.Hour() >= 18', 'event', 'ok'],
  ['evt.Time.Weekday().String() == "Saturday"', 'event', 'ok'],
  ['evt.Time.Weekday() < 6', 'event', 'invalid operation: < (mismatched types time.Weekday and int) (1:20)'],
  ['evt.Time.Nope()', 'event', 'type time.Time has no method Nope (1:10)'],
  ['not evt.Meta.x == "a"', 'event', 'invalid operation: not (mismatched type string) (1:1)'],
  ['not evt.Meta.x in ["a"]', 'event', 'invalid operation: not (mismatched type string) (1:1)'],
  ['evt.Meta.x not in ["a"]', 'event', 'ok'],
  ['evt.Meta.x && true', 'event', 'invalid operation: && (mismatched types string and bool) (1:12)'],
  ['evt.Meta.x == 1', 'event', 'invalid operation: == (mismatched types string and int) (1:12)'],
  ['evt.Meta.x + 1', 'event', 'invalid operation: + (mismatched types string and int) (1:12)'],
  ['evt.Meta.x == nil', 'event', 'ok'],
  ['evt.Unmarshaled.x == 1', 'event', 'ok'],
  ['1 in evt.Meta', 'event', 'invalid operation: in (mismatched types int and map[string]string) (1:3)'],
  ['"x" in evt.Meta', 'event', 'ok'],
  ['evt.Type == 1', 'event', 'ok'],
  ['"a" == 1', 'any', 'invalid operation: == (mismatched types string and int) (1:5)'],
  ['"a" matches "("', 'any', 'error parsing regexp: missing closing ): `(` (1:13)'],
  ['"a" matches "(?=a)"', 'any', 'error parsing regexp: invalid or unsupported Perl syntax: `(?=` (1:13)'],
  ['"a" matches "\\\\1"', 'any', 'error parsing regexp: invalid escape sequence: `\\1` (1:13)'],
  ['all(evt.Meta, true)', 'event', 'builtin all takes only array (got map[string]string) (1:9)'],
  ['filter([1], "x")', 'any', 'predicate should return boolean (got string) (1:13)'],
  ['len(1)', 'any', 'invalid argument for len (type int) (1:1)'],
  ['len()', 'any', 'not enough arguments to call len (1:1)'],
  ['upper("a", "b")', 'any', 'too many arguments to call upper (1:1)'],
  ['x.y.z', 'any', 'ok'],
  ['results["s00-raw"]["x"][0].Evt.Parsed["a"] == "b"', 'parser-assert', 'ok'],
  ['results["s00-raw"]["x"][0].Evt.Foo', 'parser-assert', 'type pipeline.Event has no field Foo (1:32)'],
  ['results[0].Overflow.Alert.Events[0].GetMeta("x") == "y"', 'scenario-assert', 'ok'],
  ['results[0].Overflow.Sources["1.2.3.4"].GetScope() == "Ip"', 'scenario-assert', 'ok'],
  ['results[0].Overflow.Alert.GetEventsCount() == 6', 'scenario-assert', 'ok'],
  ['"1.2.3.4" in results[0].Overflow.GetSources()', 'scenario-assert', 'ok'],
  ['results[0].Overflow.Alert.Nope', 'scenario-assert', 'type models.Alert has no field Nope (1:27)'],
  ['Alert.Remediation == true && Alert.GetScope() == "Ip"', 'alert', 'ok'],
  ['Alert.GetDecisions()', 'alert', 'type models.Alert has no method GetDecisions (1:7)'],
  ['let x = evt.Meta; x.a', 'event', 'ok'],
  ['let evt = 1; evt', 'event', 'cannot redeclare evt (1:1)'],
]

for (const [src, env, want] of cases) {
  test(`check [${env}] ${src}`, () => {
    assert.is(compileError(src, env), want)
  })
}

test.run()
