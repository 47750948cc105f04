/**
 * Execution semantics against Go's text/template rules: each expected text is worked out
 * from Go's exec.go / funcs.go behaviour, the rule noted beside it. Data: one ssh-bf alert
 * (country FR, one ban) as `[]*models.Alert`.
 */
import {test} from 'uvu'
import * as assert from 'uvu/assert'
import {alertsTemplateData} from '../../src/template/index.js'
import {GoPointer, GoStruct} from '../../src/template/value.js'
import {render, sshAlert} from './helpers.js'

const cases: [string, string][] = [
  // pointer fields print their value (printableValue follows pointers)
  ['{{range .}}{{.Scenario}} {{.EventsCount}} {{.Simulated}} {{.Source.Value}}{{end}}', 'crowdsecurity/ssh-bf 6 false 35.188.49.176'],
  // a non-nil pointer is true, even to false: isTrue looks at the pointer
  ['{{range .}}{{if .Simulated}}T{{else}}F{{end}}{{if not .Simulated}}!{{end}}{{end}}', 'T'],
  // the documented ways to test a pointer's value: through JSON, or a typed (string) parameter
  ['{{range .}}{{if eq (toJson .Simulated) "true"}}S{{else}}L{{end}}{{if hasPrefix "crowdsecurity/" .Scenario}}C{{end}}{{end}}', 'LC'],
  // a plain bool field is its value
  ['{{range .}}{{if .Remediation}}R{{end}}{{if .Source.Cn}}C{{end}}{{if .Source.Range}}X{{end}}{{end}}', 'RC'],
  // typed parameters dereference a pointer argument once (validateType)
  ['{{range .}}{{.Scenario | upper}} {{trimPrefix "crowdsecurity/" .Scenario}}{{end}}', 'CROWDSECURITY/SSH-BF ssh-bf'],
  // but an interface{} parameter gets the pointer: fmt prints its type with %T
  ['{{range .}}{{printf "%T %s %T %T" .Scenario .Source.Cn .EventsCount .Source}}{{end}}', '*string FR *int32 *models.Source'],
  // a missing map key is no value; a chain through it too; index gives the zero value (nil -> no value)
  ['{{$d := dict "a" 1}}{{$d.b}}|{{$d.b.c}}|{{index $d "b"}}|{{$d.a}}', '<no value>|<no value>|<no value>|1'],
  // variables: = assigns the nearest declaration, := in a block is popped at {{end}}
  ['{{$x := 1}}{{if true}}{{$x = 2}}{{$x := 3}}{{$x}}{{end}}{{$x}}', '32'],
  // range over a map: sorted keys; two variables are key and value
  ['{{range $k, $v := dict "b" 1 "a" 2 "c" 3}}{{$k}}={{$v}};{{end}}', 'a=2;b=1;c=3;'],
  ['{{range $e := list "x" "y"}}{{$e}}{{end}}|{{range $i, $e := list "x" "y"}}{{$i}}{{$e}}{{end}}', 'xy|0x1y'],
  // else of range: empty lists and no value
  ['{{range list}}x{{else}}empty{{end}}|{{$d := dict}}{{range $d.none}}x{{else}}none{{end}}', 'empty|none'],
  // break and continue (Go 1.18+)
  ['{{range list 1 2 3 4}}{{if eq . 2}}{{continue}}{{end}}{{if eq . 4}}{{break}}{{end}}{{.}}{{end}}', '13'],
  // range sets dot; $ stays the data
  ['{{range .}}{{range .Decisions}}{{.Type}} {{.Value}} {{.Duration}} {{len $}}{{end}}{{end}}', 'ban 35.188.49.176 4h 1'],
  // define / template: the callee's dot and $ are the argument; no pipeline is no value
  ['{{define "T"}}[{{.}}|{{$}}]{{end}}{{template "T" "x"}}{{template "T"}}', '[x|x][<no value>|<no value>]'],
  // block defines and runs in place
  ['{{block "B" . | len}}n={{.}}{{end}}', 'n=1'],
  // else-if and else-with chains
  ['{{if eq 1 2}}a{{else if eq 1 1}}b{{else}}c{{end}}', 'b'],
  ['{{if false}}a{{else if false}}b{{else}}c{{end}}', 'c'],
  ['{{with ""}}a{{else with "x"}}{{.}}{{else}}c{{end}}', 'x'],
  ['{{with $d := dict "a" 1}}{{.a}}{{$d.a}}{{end}}', '11'],
  // and/or return an argument, and stop at the first that decides (fail is never called)
  ['{{or 0 "" "x" (fail "boom")}}|{{and 1 0 (fail "boom")}}|{{and 1 2}}|{{or 0 ""}}|{{"x" | and 1}}', 'x|0|2||x'],
  // printf verbs (fmt)
  ['{{printf "%5.2f|%-4d|%x|%q|%v|%03d|%t|%s" 3.14159 7 255 "a\\"b" (list 1 "a") 5 true "s"}}', ' 3.14|7   |ff|"a\\"b"|[1 a]|005|true|s'],
  ['{{printf "%d %d" 1}}|{{printf "%d" "x"}}|{{printf "%T %T %T" 1e3 0x10 (add 1 2)}}', '1 %!d(MISSING)|%!d(string=x)|float64 int int64'],
  // print: spaces only between two non-strings; println: always, and a newline
  ['{{print 1 2 "a" "b" 3}}|{{println 1 "a"}}', '1 2ab3|1 a\n'],
  // number constants: syntax decides int or float
  ['{{1.5}} {{1e3}} {{-7}} {{0b101}}', '1.5 1000 -7 5'],
  // comparisons (basic kinds; int and uint compare; eq with several operands)
  ['{{lt 1 2}} {{lt "a" "b"}} {{eq "a" "b" "a"}} {{ne 1 2}} {{ge 2 2}} {{gt (len .) 0}} {{eq (add 1 1) 2}} {{eq nil nil}} {{le 2 1}}', 'true true true true true true true true false'],
  // index, len (bytes), Sprig's slice
  ['{{index (list 1 2 3) 1}} {{index "abc" 1}} {{len "héllo"}} {{slice (list 1 2 3) 1}} {{range .}}{{len .Decisions}}{{index .Decisions 0 | printf "%T"}}{{end}}', '2 98 6 [2 3] 1*models.Decision'],
  ['{{index (dict "a" (list 5 6)) "a" 1}}', '6'],
  // html / js / urlquery escape the text of their arguments (pointers followed)
  ['{{html "<a href=\'x\'>&"}}|{{js "it\'s <b>"}}|{{urlquery "a b&c=d/é"}}|{{range .}}{{html .Scenario}}{{end}}', '&lt;a href=&#39;x&#39;&gt;&amp;|it\\\'s \\u003Cb\\u003E|a+b%26c%3Dd%2F%C3%A9|crowdsecurity/ssh-bf'],
  // methods of the models come before fields
  ['{{range .}}{{.GetScope}} {{.GetValue}} {{.GetScenario}} [{{.GetMeta "x"}}] {{.Source.GetAsNumberName}} {{(index .Events 0).GetMeta "target_user"}}{{end}}', 'Ip 35.188.49.176 crowdsecurity/ssh-bf [] 396982 Google LLC root'],
  // the top-level value: a slice of pointers prints addresses, but its length is known
  ['{{len .}} {{printf "%T" .}}', '1 []*models.Alert'],
]

for (const [text, want] of cases) {
  test(`exec: ${JSON.stringify(text)}`, () => {
    assert.is(render(text), want)
  })
}

const errors: [string, string][] = [
  // a pointer is not a basic kind: comparing it to a string is a type error
  ['{{range .}}{{eq .Scenario "crowdsecurity/ssh-bf"}}{{end}}', 'template: t:1:13: executing "t" at <eq .Scenario "crowdsecurity/ssh-bf">: error calling eq: incompatible types for comparison'],
  ['{{range .}}{{if eq .Simulated false}}x{{end}}{{end}}', 'template: t:1:16: executing "t" at <eq .Simulated false>: error calling eq: incompatible types for comparison'],
  // an int never equals a float; bools are not ordered
  ['{{eq 1 1.0}}', 'template: t:1:2: executing "t" at <eq 1 1.0>: error calling eq: incompatible types for comparison'],
  ['{{lt true false}}', 'template: t:1:2: executing "t" at <lt true false>: error calling lt: invalid type for comparison'],
  ['{{eq 1}}', 'template: t:1:2: executing "t" at <eq 1>: error calling eq: missing argument for comparison'],
  ['{{eq}}', 'template: t:1:2: executing "t" at <eq>: wrong number of args for eq: want at least 1 got 0'],
  ['{{.Foo}}', 'template: t:1:2: executing "t" at <.Foo>: can\'t evaluate field Foo in type []*models.Alert'],
  ['{{range .}}{{.Source.Nope}}{{end}}', 'template: t:1:20: executing "t" at <.Source.Nope>: can\'t evaluate field Nope in type *models.Source'],
  ['{{template "nope"}}', 'template: t:1:11: executing "t" at <{{template "nope"}}>: template "nope" not defined'],
  ['{{range "ab"}}{{end}}', 'template: t:1:8: executing "t" at <"ab">: range can\'t iterate over ab'],
  // range over an int came with Go 1.22's successor; CrowdSec's Go cannot
  ['{{range 3}}{{end}}', 'template: t:1:8: executing "t" at <3>: range can\'t iterate over 3'],
  ['{{nil}}', 'template: t:1:2: executing "t" at <nil>: nil is not a command'],
  ['{{1 2}}', 'template: t:1:2: executing "t" at <1 2>: can\'t give argument to non-function 1'],
  ['{{range .}}{{.Scenario 1}}{{end}}', 'template: t:1:13: executing "t" at <.Scenario>: Scenario has arguments but cannot be invoked as function'],
  // a variable with fields sits at its first field (Go's parser builds it from the chain)
  ['{{$d := dict}}{{$d.a 1}}', 'template: t:1:18: executing "t" at <$d.a>: a is not a method but has arguments'],
  // literal arguments must fit the parameter type; values must be assignable
  ['{{repeat "3" "x"}}', 'template: t:1:9: executing "t" at <"3">: expected integer; found "3"'],
  ['{{upper 3}}', 'template: t:1:8: executing "t" at <3>: expected string; found 3'],
  ['{{upper nil}}', 'template: t:1:8: executing "t" at <nil>: cannot assign nil to string'],
  ['{{$n := add 1 2}}{{repeat $n "x"}}', 'template: t:1:26: executing "t" at <$n>: wrong type for value; expected int; got int64'],
  ['{{index (list 1) 5}}', 'template: t:1:2: executing "t" at <index (list 1) 5>: error calling index: index out of range: 5'],
  ['{{len 3}}', 'template: t:1:2: executing "t" at <len 3>: error calling len: len of type int'],
  ['{{slice "abc" 1}}', 'template: t:1:2: executing "t" at <slice "abc" 1>: error calling slice: list should be type of slice or array but string'],
  ['{{div 1 0}}', 'template: t:1:2: executing "t" at <div 1 0>: error calling div: runtime error: integer divide by zero'],
]

for (const [text, want] of errors) {
  test(`exec error: ${JSON.stringify(text)}`, () => {
    assert.is(render(text), 'ERR ' + want)
  })
}

/** The alert data with a nil Source (a pointer field Go may leave nil). */
function withNilSource(): unknown[] {
  const data = alertsTemplateData([sshAlert()])
  const alert = (data[0] as GoPointer).elem as GoStruct
  ;(alert.values as Record<string, unknown>).Source = new GoPointer('models.Source')
  return data
}

test('a nil pointer is false, prints <nil>, and evaluating a field through it is an error', () => {
  const data = withNilSource()
  assert.is(render('{{range .}}{{if .Source}}y{{else}}n{{end}} {{.Source}}{{end}}', data), 'n <nil>')
  assert.is(render('{{range .}}{{.Source.Value}}{{end}}', data), 'ERR template: t:1:20: executing "t" at <.Source.Value>: nil pointer evaluating *models.Source.Value')
  // a field the type lacks is still "can't evaluate", not "nil pointer"
  assert.is(render('{{range .}}{{.Source.Nope}}{{end}}', data), 'ERR template: t:1:20: executing "t" at <.Source.Nope>: can\'t evaluate field Nope in type *models.Source')
})

test('a struct prints as fmt prints a struct value, nested pointers as addresses', () => {
  const out = render('{{range .}}{{.Source}}{{end}}')
  assert.match(out, /^\{Google LLC 396982 FR 35\.188\.49\.176 0 0  0x[0-9a-f]+ 0x[0-9a-f]+\}$/)
  assert.match(render('{{range .}}{{print .Scenario}}{{end}}'), /^0x[0-9a-f]+$/)
})

test('a runtime error is a CrowdError naming the file line', async () => {
  const {compileTemplate} = await import('../../src/template/index.js')
  const t = compileTemplate('line1\n{{eq 1 1.5}}', {name: 'n', file: 'notifications/http.yaml', line: 10})
  try {
    t.render([])
    assert.unreachable()
  } catch (error) {
    const e = error as {code: string; file: string; line: number; reason: string}
    assert.is(e.code, 'config')
    assert.is(e.file, 'notifications/http.yaml')
    assert.is(e.line, 11)
    assert.is(e.reason, 'template: n:2:2: executing "n" at <eq 1 1.5>: error calling eq: incompatible types for comparison')
  }
})

test.run()
