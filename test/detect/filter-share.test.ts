import {spawnSync} from 'node:child_process'
import * as fs from 'node:fs'
import * as os from 'node:os'
import * as path from 'node:path'
import {test} from 'uvu'
import * as assert from 'uvu/assert'
import {createDetector, loadScenarios} from '../../src/detect/index.js'
import {FilterMemo, mayHaveEffects, planSharedFilters, splitConjuncts} from '../../src/detect/filter-share.js'
import {compileExpr} from '../../src/expr/index.js'
import type {RuntimeAlert} from '../../src/model/alert.js'
import {Event, ExpectMode, newLogEvent} from '../../src/model/event.js'
import {alertSummary, loadHubDetectContent} from '../helpers/hub-content.js'
import {SHARED} from '../helpers/run-cli.js'
import {loadInline, metaEvent, trigger} from '../helpers/scenarios.js'

const SPLITS: [string, string[] | undefined][] = [
  ["evt.Meta.a == 'x'", ['evt.Meta.a == "x"']],
  ["evt.Meta.a == 'x' && evt.Meta.b in ['1', '2'] and len(evt.Meta.c) > 0", ['evt.Meta.a == "x"', 'evt.Meta.b in ["1", "2"]', 'len(evt.Meta.c) > 0']],
  ["evt.Meta.a == 'x' && (evt.Meta.b == '1' || evt.Meta.b == '2')", ['evt.Meta.a == "x"', 'evt.Meta.b == "1" || evt.Meta.b == "2"']],
  ["evt.Meta.a == 'x' && evt.Meta.b == '1' || evt.Meta.b == '2'", ['evt.Meta.a == "x" && evt.Meta.b == "1" || evt.Meta.b == "2"']],
  ["evt.Meta.a == 'x' && Upper(evt.Meta.p) contains 'Y'", ['evt.Meta.a == "x"', 'Upper(evt.Meta.p) contains "Y"']],
  ["evt.Meta.a == 'x' && evt.SetMeta('a', 'y')", undefined],
  ["evt.Meta.a == 'x' && GetFromStash('s', 'k') == ''", undefined],
  ["evt.Meta.a == 'x' && now().Hour() > 3", undefined],
  ['evt.Meta.a ==', undefined],
]

for (const [source, want] of SPLITS) {
  test(`splitConjuncts: ${source}`, () => {
    assert.equal(splitConjuncts(source), want)
  })
}

const EFFECTS: [string | undefined, boolean][] = [
  [undefined, false],
  ["evt.Meta.source_ip + evt.Meta.http_path", false],
  ["evt.SetMeta('a', 'b')", true],
  ["SetInStash('s', 'k', 'v')", true],
  ["Upper(evt.GetMeta('a'))", false],
]
for (const [source, want] of EFFECTS) {
  test(`mayHaveEffects: ${source}`, () => {
    assert.is(mayHaveEffects(source), want)
  })
}

const evt = (meta: Record<string, string>): Event => metaEvent(meta, '2026-01-01T10:00:00Z')

test('planSharedFilters: shared conjuncts alone, private runs merged, one program per source', () => {
  const s = loadInline([
    trigger('a', "evt.Meta.t == 'x' && evt.Meta.u == '1' && evt.Meta.v == '2'"),
    trigger('b', "evt.Meta.t == 'x' && evt.Meta.w == '3'"),
    trigger('c', "evt.Meta.other == 'y' && evt.Meta.z == '4'"),
    trigger('d', "evt.Meta.t == 'x'"),
  ].join('---\n'))
  assert.equal(s[0]!.filterPlan!.parts.map((p) => p.source), ['evt.Meta.t == "x"', '(evt.Meta.u == "1") && (evt.Meta.v == "2")'])
  assert.is(s[0]!.filterPlan!.strict, true)
  assert.equal(s[1]!.filterPlan!.parts.map((p) => p.source), ['evt.Meta.t == "x"', 'evt.Meta.w == "3"'])
  assert.is(s[2]!.filterPlan, undefined)
  assert.is(s[3]!.filterPlan!.strict, false)
  assert.ok(s[0]!.filterPlan!.parts[0] === s[1]!.filterPlan!.parts[0] && s[0]!.filterPlan!.parts[0] === s[3]!.filterPlan!.parts[0])
})

test('FilterMemo: a shared part runs once per event, short-circuits, errors and non-booleans as && does', () => {
  let calls = 0
  const counted = compileExpr('Count() == 1', {env: 'any', helperTable: {Count: () => ++calls}})
  const falsy = compileExpr('false', {env: 'any'})
  const text = compileExpr("'text'", {env: 'any'})
  const boom = compileExpr('1 / x > 0', {env: 'any'})
  const memo = new FilterMemo()
  const a = memo.intern({parts: [counted, falsy], strict: true})
  const b = memo.intern({parts: [counted], strict: false})
  const c = memo.intern({parts: [falsy, boom], strict: true})
  const d = memo.intern({parts: [text], strict: false})
  const e = memo.intern({parts: [counted, text], strict: true})
  const f = memo.intern({parts: [counted, boom], strict: true})
  memo.next()
  assert.is(memo.run(a, true, {}), false)
  assert.is(memo.run(b, false, {}), true)
  assert.is(calls, 1)
  assert.is(memo.run(c, true, {}), false)
  assert.is(memo.run(d, false, {}), false)
  assert.throws(() => memo.run(e, true, {}), /non-boolean/)
  assert.throws(() => memo.run(f, true, {x: 'a'}))
  memo.next()
  assert.is(memo.run(b, false, {}), false)
  assert.is(calls, 2)
})

test('a scenario that changes the event makes later scenarios re-evaluate shared parts', () => {
  const s = loadInline([
    trigger('first', "evt.Meta.k == 'a' && evt.Meta.n == ''"),
    trigger('changer', "evt.SetMeta('k', 'b')"),
    trigger('last', "evt.Meta.k == 'a' && evt.Meta.m == ''"),
  ].join('---\n'))
  assert.ok(s[2]!.filterPlan !== undefined)
  for (const share of [true, false]) {
    const d = createDetector(s, {shareFilters: share})
    d.pour(evt({k: 'a', source_ip: '1.2.3.4'}))
    assert.equal(d.takeOverflows().map((o) => (o.Overflow as unknown as RuntimeAlert).Alert?.Scenario), ['first', 'changer'])
  }
})

test('a helper writing into the event (UnmarshalJSON, ParseKV) makes later scenarios re-evaluate shared parts', () => {
  for (const write of [`UnmarshalJSON('{"a": 1}', evt.Unmarshaled, 'j') == nil`, "ParseKV('a=1', evt.Unmarshaled, 'j') == nil"]) {
    const s = loadInline([
      trigger('first', "not ('j' in evt.Unmarshaled) && evt.Meta.n == ''"),
      trigger('changer', write),
      trigger('last', "not ('j' in evt.Unmarshaled) && evt.Meta.m == ''"),
    ].join('---\n'))
    assert.ok(s[2]!.filterPlan !== undefined)
    for (const share of [true, false]) {
      const d = createDetector(s, {shareFilters: share})
      d.pour(evt({k: 'a', source_ip: '1.2.3.4'}))
      assert.equal(d.takeOverflows().map((o) => (o.Overflow as unknown as RuntimeAlert).Alert?.Scenario), ['first', 'changer'], write)
    }
  }
})

test('a scenario whose writes do not run leaves shared results in place', () => {
  const s = loadInline([
    trigger('first', "evt.Meta.k == 'a' && evt.Meta.n == 'x'"),
    trigger('changer', "evt.Meta.k == 'zz' && evt.SetMeta('k', 'b')"),
    trigger('last', "evt.Meta.k == 'a' && evt.Meta.m == 'x'"),
  ].join('---\n'))
  // (no skips: the field tests these filters open with would spare them from running at all)
  const d = createDetector(s, {prefilter: false})
  let reads = 0
  const e = evt({k: 'a', source_ip: '1.2.3.4'})
  // reads of Meta.k: the shared `evt.Meta.k == 'a'` part runs once (not again after changer), changer's own test once
  const meta = e.Meta
  let k = meta.k
  Object.defineProperty(meta, 'k', {enumerable: true, configurable: true, get: () => (reads++, k), set: (v: string) => void (k = v)})
  d.pour(e)
  assert.is(d.takeOverflows().length, 0)
  assert.is(reads, 2)
})

test('a shared part failing aborts the loop like the whole filter', () => {
  const s = loadInline([
    trigger('one', 'evt.Meta.k == "a" && evt.Overflow.Alert.Remediation == true'),
    trigger('two', 'evt.Meta.k == "a" && true'),
  ].join('---\n'))
  for (const share of [true, false]) {
    const d = createDetector(s, {shareFilters: share})
    d.pour(evt({k: 'a', source_ip: '1.2.3.4'}))
    assert.is(d.metrics.exprErrors, 1)
    assert.is(d.takeOverflows().length, 0)
  }
})

test('nginx + base-http-scenarios on a genlogs sample: same alerts and metrics with sharing (conjuncts, sub-expressions) on and off', () => {
  const content = loadHubDetectContent(['crowdsecurity/nginx', 'crowdsecurity/base-http-scenarios'])
  const loadedParsers = content.parsers
  const files = content.scenarioFiles
  const {helpers, dataDir, hubIndex: index} = content.scenarioOptions
  const loaded = loadScenarios(files, {helpers, dataDir, hubIndex: index})
  assert.equal(loaded.errors, [])
  const memo = loaded.scenarios[0]!.exprMemo
  assert.ok(memo !== undefined && memo.size > 10, `sub-expression memo: ${memo?.size}`)
  const unshared = loadScenarios(files, {helpers, dataDir, hubIndex: index, shareSubexpressions: false})
  assert.equal(unshared.errors, [])
  assert.ok(unshared.scenarios.every((s) => s.exprMemo === undefined))
  assert.ok(loaded.scenarios.filter((s) => s.filterPlan !== undefined).length > 20)

  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'crowd-share-'))
  try {
    const log = path.join(dir, 'nginx.log')
    const r = spawnSync(process.execPath, [path.join(SHARED, 'bench', 'genlogs.mjs'), 'nginx', '--lines', '6000', '--seed', '7',
      '--hours', '1', '--attack-ratio', '0.3', '--out', log])
    assert.is(r.status, 0)
    const lines = fs.readFileSync(log, 'utf8').split('\n').filter((l) => l !== '')
    const run = (share: boolean, scenarios = loaded.scenarios) => {
      const d = createDetector(scenarios, {mode: 'replay', shareFilters: share})
      for (const raw of lines) {
        const e = newLogEvent({raw, src: log, module: 'file', labels: {type: 'nginx'}})
        e.ExpectMode = ExpectMode.timeMachine
        if (loadedParsers.parse(e).parsed) d.pour(e)
      }
      return {alerts: d.takeOverflows().map(alertSummary), metrics: JSON.stringify(d.metrics), open: d.flush()}
    }
    const on = run(true)
    const off = run(false)
    const none = run(false, unshared.scenarios)
    const partsOnly = run(true, unshared.scenarios)
    assert.ok(on.alerts.length > 5, `only ${on.alerts.length} alerts`)
    for (const other of [off, none, partsOnly]) {
      assert.equal(on.alerts, other.alerts)
      assert.is(on.metrics, other.metrics)
      assert.is(on.open, other.open)
    }
  } finally {
    fs.rmSync(dir, {recursive: true, force: true})
  }
})

test.run()
