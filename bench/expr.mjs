// Nanoseconds per evaluation of a typical parser filter, compiled once (median of runs).
// Run: node --import tsx bench/expr.mjs
import {compileExpr} from '../src/expr/index.ts'
import {newLogEvent} from '../src/model/event.ts'

const source = "evt.Meta.log_type in ['http_access-log', 'http_error-log'] && evt.Parsed.verb == 'POST'"
const program = compileExpr(source, {env: 'event'})

function map(entries) {
  return Object.assign(Object.create(null), entries)
}
const evt = {
  Type: 0, Meta: map({log_type: 'http_access-log', source_ip: '1.2.3.4'}), Parsed: map({verb: 'POST', request: '/'}),
  Enriched: map({}), Unmarshaled: map({}), Line: {Raw: '', Labels: map({})},
}
const vars = {evt}
if (program.run(vars) !== true) throw new Error('unexpected result')

function measure(label, vars) {
const N = 2_000_000
const runs = []
for (let r = 0; r < 9; r++) {
  const t0 = process.hrtime.bigint()
  let hits = 0
  for (let i = 0; i < N; i++) if (program.run(vars) === true) hits++
  const t1 = process.hrtime.bigint()
  if (hits !== N) throw new Error('bad hits')
  runs.push(Number(t1 - t0) / N)
}
runs.sort((a, b) => a - b)
const median = runs[runs.length >> 1]
console.log(`${label}: ${median.toFixed(1)} ns/eval (median of ${runs.length} runs of ${N}; min ${runs[0].toFixed(1)}, max ${runs[runs.length - 1].toFixed(1)})`)
}

console.log(source)
measure('plain object event', vars)
const real = newLogEvent({raw: 'x', src: 'bench', module: 'file', labels: {type: 'nginx'}})
real.Meta.log_type = 'http_access-log'
real.Parsed.verb = 'POST'
if (program.run({evt: real}) !== true) throw new Error('unexpected result on Event')
measure('model Event instance', {evt: real})
