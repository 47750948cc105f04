import {test} from 'uvu'
import * as assert from 'uvu/assert'
import {newLogEvent, type Event} from '../../src/model/event.js'
import {GoTime} from '../../src/model/go-time.js'
import {silentLogger} from '../../src/model/logger.js'
import {compileNode, type CompiledNode} from '../../src/parse/compile-node.js'
import {loadParserFiles} from '../../src/parse/load.js'
import {walkStages, type RunContext} from '../../src/parse/run.js'
import {fakeEnv, type FakeExpr} from './fake-env.js'

const EXPRS: Record<string, FakeExpr> = {
  'true': () => true,
  'false': () => false,
  'evt.Parsed.a': (e) => e.Parsed.a ?? '',
  'evt.Meta.source_ip': (e) => e.Meta.source_ip ?? '',
  'bad type': () => true,
  'a list': () => ['x'],
  'nil': () => null,
  'int': () => 42,
  'float': () => 0.5,
  'boom': () => {
    throw new Error('runtime error')
  },
}

/** Files `stage/name` -> YAML; returns a runner recording (stage, node, success). */
function build(files: Record<string, string>) {
  const loaded = loadParserFiles(Object.entries(files).map(([key, text]) => ({path: key, stage: key.split('/')[0]!, sortKey: key, text})))
  assert.equal(loaded.errors.map((e) => e.message), [])
  const env = fakeEnv(EXPRS)
  const nodes: CompiledNode[] = loaded.nodes.map((n) => compileNode(n.config, env, {file: n.file, stage: n.stage}))
  const byStage = new Map<string, CompiledNode[]>()
  for (const n of nodes) byStage.set(n.stage, [...(byStage.get(n.stage) ?? []), n])
  const enrich = {logger: silentLogger, now: () => GoTime.fromEpochMs(0)}
  const ctx: RunContext = {stages: [...byStage.keys()].sort(), logger: silentLogger, enrich, statics: {logger: silentLogger, enrich}}
  return (raw: string, setup?: (e: Event) => void) => {
    const evt = newLogEvent({raw, src: 'test.log', module: 'file', labels: {type: 'test'}})
    setup?.(evt)
    const records: string[] = []
    const result = walkStages(byStage, evt, ctx, (stage, node, _e, ok) => records.push(`${stage}:${node.name}:${ok}`))
    return {evt, result, records}
  }
}

test('a grok-less parent without next_stage: the last child decides', () => {
  const run = build({
    's00-raw/a.yaml': `name: last-child
nodes:
  - statics: [{parsed: first, value: "yes"}]
  - grok: {pattern: "^(?<a>x+)$", apply_on: Line.Raw}
`,
  })
  const ok = run('xx')
  assert.equal(ok.records, ['s00-raw:last-child:true'])
  assert.is(ok.result.parsed, true)
  const ko = run('yy')
  assert.equal(ko.records, ['s00-raw:last-child:false'])
  assert.is(ko.evt.Parsed.first, 'yes', 'partial changes stay on the event')
  assert.is(ko.result.parsed, false)
})

test('a next_stage parent stops at its first successful child and moves the event', () => {
  const run = build({
    's00-raw/a.yaml': `name: parent
onsuccess: next_stage
nodes:
  - grok: {pattern: "^(?<a>x+)", apply_on: Line.Raw}
  - statics: [{parsed: second, value: "ran"}]
`,
    's01-parse/b.yaml': `name: next
statics: [{meta: got, expression: evt.Parsed.a}]
`,
  })
  const r = run('xxx')
  assert.equal(r.records, ['s00-raw:parent:true', 's01-parse:next:true'])
  assert.is(r.evt.Parsed.second, undefined)
  assert.is(r.evt.Meta.got, 'xxx')
  assert.is(r.evt.Stage, 's01-parse')
})

test('a parent whose grok matched cannot be failed by its children', () => {
  const run = build({'s00-raw/a.yaml': `name: grok-parent
grok: {pattern: "^(?<a>x)", apply_on: Line.Raw}
nodes:
  - filter: "false"
    statics: [{meta: never, value: "x"}]
statics: [{meta: done, value: "yes"}]
`})
  const r = run('x')
  assert.equal(r.records, ['s00-raw:grok-parent:true'])
  assert.is(r.evt.Meta.done, 'yes')
})

test('a next_stage child under a next_stage parent moves twice (s01 is skipped)', () => {
  const run = build({
    's00-raw/a.yaml': `name: double
onsuccess: next_stage
nodes:
  - onsuccess: next_stage
    statics: [{parsed: c, value: "1"}]
`,
    's01-parse/b.yaml': 'name: skipped\nstatics: [{meta: s01, value: "ran"}]\n',
    's02-enrich/c.yaml': 'name: last\nstatics: [{meta: s02, value: "ran"}]\n',
  })
  const r = run('line')
  assert.equal(r.records, ['s00-raw:double:true', 's02-enrich:last:true'])
  assert.is(r.evt.Meta.s01, undefined)
  assert.is(r.result.parsed, true)
})

test('an event still at an earlier stage is not parsed', () => {
  const run = build({
    's00-raw/a.yaml': 'name: stays\nstatics: [{parsed: a, value: "1"}]\n',
    's01-parse/b.yaml': 'name: never\nstatics: [{meta: b, value: "1"}]\n',
  })
  const r = run('line')
  assert.equal(r.records, ['s00-raw:stays:true'])
  assert.is(r.result.parsed, false)
  assert.is(r.result.stoppedAt, 's00-raw')
})

test('a filter that fails, errors or returns a non-boolean fails the node; apply_on on a missing key fails the grok', () => {
  const run = build({'s00-raw/a.yaml': `name: f1
filter: boom
statics: [{meta: a, value: "1"}]
---
name: f2
filter: int
statics: [{meta: a, value: "1"}]
---
name: g
grok: {pattern: "(?<a>.*)", apply_on: missing}
`})
  assert.equal(run('x').records, ['s00-raw:f1:false', 's00-raw:f2:false', 's00-raw:g:false'])
})

test('static values: int as decimal, float as %f, nil and empty skipped, any-list skipped', () => {
  const run = build({'s00-raw/a.yaml': `name: values
statics:
  - meta: int
    expression: int
  - meta: float
    expression: float
  - meta: nil
    expression: nil
  - meta: list
    expression: a list
  - meta: empty
    expression: evt.Parsed.a
  - meta: boom
    expression: boom
  - target: evt.StrTime
    value: "12:00"
  - target: evt.Parsed.x.y
    value: "deep"
  - target: evt.Time
    value: "no"
`})
  const r = run('x')
  assert.equal({...r.evt.Meta}, {int: '42', float: '0.500000'})
  assert.is(r.evt.StrTime, '12:00')
  assert.is(r.evt.Parsed.x, 'deep')
  assert.is(r.result.parsed, true)
})

test('a static of an unsupported type aborts the event and the node is not recorded', () => {
  const EXPR_BOOL = build({'s00-raw/a.yaml': 'name: ok\nstatics: [{meta: a, value: "1"}]\n---\nname: aborts\nstatics: [{meta: b, expression: "bad type"}]\n'})
  const r = EXPR_BOOL('x')
  assert.equal(r.records, ['s00-raw:ok:true'])
  assert.is(r.result.parsed, false)
  assert.ok(r.result.error !== undefined)
})

test('whitelists: success unaffected, statics only when whitelisted, first reason kept', () => {
  const run = build({'s00-raw/a.yaml': `name: wl
whitelist:
  reason: private
  cidr: ["10.0.0.0/8"]
  ip: ["::1"]
statics: [{meta: wl, value: "yes"}]
---
name: wl2
whitelist:
  reason: second
  ip: ["10.1.2.3"]
`})
  const inside = run('x', (e) => (e.Meta.source_ip = '10.1.2.3'))
  assert.equal(inside.records, ['s00-raw:wl:true', 's00-raw:wl2:true'])
  assert.is(inside.evt.Whitelisted, true)
  assert.is(inside.evt.WhitelistReason, 'private')
  assert.is(inside.evt.Meta.wl, 'yes')
  const outside = run('x', (e) => (e.Meta.source_ip = '11.1.2.3'))
  assert.is(outside.evt.Whitelisted, false)
  assert.is(outside.evt.Meta.wl, undefined)
  const mapped = run('x', (e) => (e.Meta.source_ip = '::ffff:10.1.2.3'))
  assert.is(mapped.evt.Whitelisted, false, 'an IPv4 prefix does not contain an IPv4-mapped address')
})

test.run()
