/**
 * Bounded renders: a downloaded template can ask for any amount of work or output; each
 * limit stops it with an error naming the template line, quickly, before the memory is taken.
 */
import {test} from 'uvu'
import * as assert from 'uvu/assert'
import {DEFAULT_LIMITS} from '../../src/template/index.js'
import {render} from './helpers.js'

function timed(f: () => string): [string, number] {
  const start = performance.now()
  const out = f()
  return [out, performance.now() - start]
}

test('defaults', () => {
  assert.equal(DEFAULT_LIMITS, {maxOutputBytes: 1048576, maxSteps: 1000000, maxRangeIterations: 100000, maxTemplateDepth: 100})
})

test('output bytes: a long loop of text stops at the limit', () => {
  const out = render('{{range until 900}}0123456789{{end}}', [], {limits: {maxOutputBytes: 1000}})
  assert.is(out, 'ERR template: t:1:19: executing "t" at <0123456789>: output exceeds 1000 bytes (limit)')
})

test('output bytes: repeat, indent and printf widths are refused before anything is built', () => {
  const [out, ms] = timed(() => render('{{repeat 1000000000 "abcdefgh"}}'))
  assert.is(out, 'ERR template: t:1:2: executing "t" at <repeat 1000000000 "abcdefgh">: error calling repeat: repeat result (8000000000) exceeds the output limit of 1048576 bytes')
  assert.ok(ms < 500)
  assert.match(render('{{indent 100000000 "x"}}'), 'error calling indent: indent result (100000001) exceeds the output limit')
  assert.match(render('{{printf "%900000000d" 1}}'), 'error calling printf: printf width (900000000) exceeds the output limit')
  assert.match(render('{{until 100000000}}'), 'error calling until: until list length (100000000) exceeds the output limit')
})

test('output bytes: a string doubled in a loop stops at the limit', () => {
  const [out, ms] = timed(() => render('{{$s := "x"}}{{range until 100}}{{$s = cat $s $s}}{{end}}{{len $s}}'))
  assert.match(out, /^ERR template: t:1:\d+: executing "t" at <cat \$s \$s>: error calling cat: (result|arguments) \(\d+\) exceeds? the output limit of 1048576 bytes$/)
  assert.ok(ms < 1000)
})

test('range iterations: nested ranges (10^9 iterations asked) stop at the limit', () => {
  const [out, ms] = timed(() => render('{{range until 1000}}{{range until 1000}}{{range until 1000}}{{end}}{{end}}{{end}}'))
  assert.is(out, 'ERR template: t:1:48: executing "t" at <{{range until 1000}}{{end}}>: execution stopped after 100000 range iterations (limit)')
  assert.ok(ms < 2000)
})

test('steps: work without output or ranges still stops', () => {
  const out = render('{{range until 5000}}{{$x := 1}}{{$y := 2}}{{end}}', [], {limits: {maxSteps: 10000}})
  assert.match(out, /^ERR template: t:1:\d+: executing "t" at <.*>: execution stopped after 10000 steps \(limit\)$/)
  // quadratic list building is charged by the size of what each call copies
  const [grow, ms] = timed(() => render('{{$l := list}}{{range until 100000}}{{$l = append $l .}}{{end}}{{len $l}}'))
  assert.match(grow, 'execution stopped after 1000000 steps (limit)')
  assert.ok(ms < 3000)
})

test('template depth: unbounded recursion stops at the limit (not a stack overflow)', () => {
  const text = '{{define "r"}}x{{template "r" .}}{{end}}{{template "r" .}}'
  assert.is(render(text, []), 'ERR template: t:1:26: executing "r" at <{{template "r" .}}>: exceeded maximum template depth (100)')
  assert.match(render(text, [], {limits: {maxTemplateDepth: 5}}), 'exceeded maximum template depth (5)')
  // bounded recursion is fine
  const countdown = '{{define "c"}}{{.}}{{if gt . 0}}{{template "c" (sub . 1 | int)}}{{end}}{{end}}{{template "c" 5}}'
  assert.is(render(countdown, []), '543210')
})

test('a value that contains itself cannot hang printing or JSON', () => {
  const base = '{{$d := dict}}{{$_ := set $d "self" $d}}'
  assert.is(render(base + '{{toJson $d}}'), '')
  assert.match(render(base + '{{$d}}'), 'value too large to format')
})

test.run()
