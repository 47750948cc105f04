// `crowd expr eval`, through the built CLI (bin/run.js -> dist).
import {test} from 'uvu'
import * as assert from 'uvu/assert'
import {runCli} from '../../helpers/run-cli.js'

test('prints the value as Go JSON', () => {
  const r = runCli(['expr', 'eval', 'filter(1..5, # > 3)'])
  assert.is(r.status, 0, r.stderr)
  assert.is(r.stdout, '[\n  4,\n  5\n]\n')
})

test('--json gives value and type', () => {
  const r = runCli(['expr', 'eval', '7 / 2', '--json'])
  assert.is(r.status, 0, r.stderr)
  assert.equal(JSON.parse(r.stdout), {value: 3.5, type: 'float'})
})

test('--env takes the variables; --type checks them as an event', () => {
  const r = runCli(['expr', 'eval', 'evt.Meta.log_type == "ssh" && evt.Meta.nope == ""', '--type', 'event', '--env', '{"evt":{"Meta":{"log_type":"ssh"}}}'])
  assert.is(r.status, 0, r.stderr)
  assert.is(r.stdout, 'true\n')
})

test('compile error: message with column and caret, exit 1', () => {
  const r = runCli(['expr', 'eval', 'evt.Foo == 1', '--type', 'event'])
  assert.is(r.status, 1)
  assert.is(r.stderr, 'Error: type pipeline.Event has no field Foo (1:5)\n | evt.Foo == 1\n |     ^\n')
})

test('runtime error with --json', () => {
  const r = runCli(['expr', 'eval', 'x.y.z', '--env', '{"x":{}}', '--json'])
  assert.is(r.status, 1)
  const out = JSON.parse(r.stdout) as {error: {message: string; column: number}}
  assert.is(out.error.message, 'cannot fetch z from <nil>')
  assert.is(out.error.column, 5)
})

test('--explain prints the source and the tree first', () => {
  const r = runCli(['expr', 'eval', 'not a == b', '--env', '{"a":true,"b":false}', '--explain'])
  assert.is(r.status, 0, r.stderr)
  assert.is(r.stdout, '(not a) == b\n\nBinary ==\n  Unary not\n    Identifier a\n  Identifier b\n\ntrue\n')
})

test('bad --env JSON is a usage error', () => {
  const r = runCli(['expr', 'eval', '1', '--env', '{nope'])
  assert.is(r.status, 2)
})

test.run()
