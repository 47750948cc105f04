import * as fs from 'node:fs'
import * as path from 'node:path'
import {test} from 'uvu'
import * as assert from 'uvu/assert'
import {loadScenarios} from '../../src/detect/index.js'
import {ROOT, SHARED} from '../helpers/run-cli.js'

const INVALID = path.join(ROOT, 'test', 'fixtures', 'detect', 'invalid-compile')

for (const name of fs.readdirSync(INVALID).sort()) {
  test(`invalid-compile/${name}`, () => {
    const file = path.join(INVALID, name)
    const want = /^# wantErr: (.*)$/m.exec(fs.readFileSync(file, 'utf8'))![1]!.replace('FILE', file)
    const r = loadScenarios([file])
    assert.is(r.scenarios.length, 0)
    assert.equal(r.errors.map((e) => e.message), [want])
  })
}

test('an invalid file is skipped, the others load', () => {
  const good = path.join(ROOT, 'test', 'fixtures', 'detect', 'blackhole', 'scenarios.yaml')
  const r = loadScenarios([path.join(INVALID, 'unknown-type.yaml'), good])
  assert.equal(r.scenarios.map((s) => s.name), ['test/blackhole'])
  assert.is(r.errors.length, 1)
})

const derived: [string, string, Record<string, unknown>][] = [
  ['leaky 5/10s', 'type: leaky\nname: a\ndescription: d\nfilter: "true"\ncapacity: 5\nleakspeed: 10s\n',
    {queueLimit: 5, lifetimeNs: 60e9, leakspeedText: '10s', capacity: 5}],
  ['leaky 60s normalised', 'type: leaky\nname: a\ndescription: d\nfilter: "true"\ncapacity: 1\nleakspeed: 60s\n',
    {leakspeedText: '1m0s', lifetimeNs: 120e9}],
  ['cache_size smaller than capacity', 'type: leaky\nname: a\ndescription: d\nfilter: "true"\ncapacity: 40\ncache_size: 5\nleakspeed: 0.5s\n',
    {queueLimit: 5, leakspeedText: '500ms'}],
  ['cache_size larger than capacity ignored', 'type: leaky\nname: a\ndescription: d\nfilter: "true"\ncapacity: 4\ncache_size: 10\nleakspeed: 1s\n',
    {queueLimit: 4}],
  ['conditional unbounded', 'type: conditional\nname: a\ndescription: d\nfilter: "true"\ncapacity: -1\ncondition: "true"\nleakspeed: 2h\n',
    {queueLimit: -1, lifetimeNs: 7200e9, leakspeedText: '2h0m0s'}],
  ['trigger', 'type: trigger\nname: a\ndescription: d\nfilter: "true"\n', {queueLimit: 0, lifetimeNs: null, leakspeedText: '0s'}],
  ['remediation must be the YAML boolean', 'type: trigger\nname: a\ndescription: d\nfilter: "true"\nlabels:\n  remediation: "true"\n', {remediation: false}],
  ['remediation true', 'type: trigger\nname: a\ndescription: d\nfilter: "true"\nlabels:\n  remediation: true\n', {remediation: true}],
  ['local scenario has no hash/version with a hub index', 'type: trigger\nname: a\ndescription: d\nfilter: "true"\n', {version: ''}],
]
for (const [name, yaml, want] of derived) {
  test(`compile ${name}`, () => {
    const r = loadScenarios(['mem.yaml'], {contents: {'mem.yaml': yaml}})
    assert.equal(r.errors.map((e) => e.message), [])
    const s = r.scenarios[0] as unknown as Record<string, unknown>
    for (const [k, v] of Object.entries(want)) assert.equal(s[k], v, k)
  })
}

test('scenario_version from the hub index by digest', () => {
  const hub = path.join(SHARED, 'crowdsec-hub')
  const hubIndex = JSON.parse(fs.readFileSync(path.join(hub, '.index.json'), 'utf8')) as object
  const r = loadScenarios([path.join(hub, 'scenarios', 'crowdsecurity', 'ssh-bf.yaml')], {hubIndex})
  assert.equal(r.scenarios.map((s) => [s.name, s.hash.slice(0, 8), s.version]),
    [['crowdsecurity/ssh-bf', '242f3668', '0.3'], ['crowdsecurity/ssh-bf_user-enum', '242f3668', '0.3']])
})

test('every hub scenario compiles', () => {
  const r = loadScenarios([path.join(SHARED, 'crowdsec-hub', 'scenarios')])
  assert.equal(r.errors.map((e) => e.message), [])
  assert.ok(r.scenarios.length >= 300)
})

test('every compiled scenario has the same fields in the same order (one object shape for the detector)', () => {
  const r = loadScenarios([path.join(SHARED, 'crowdsec-hub', 'scenarios')])
  // the hub has scenarios with and without a shared filter plan, a prefilter, each optional expression
  assert.ok(r.scenarios.some((s) => s.filterPlan !== undefined) && r.scenarios.some((s) => s.filterPlan === undefined))
  assert.ok(r.scenarios.some((s) => s.prefilter !== undefined) && r.scenarios.some((s) => s.prefilter === undefined))
  const shapes = new Set(r.scenarios.map((s) => Object.keys(s).join(',')))
  assert.equal([...shapes], [Object.keys(r.scenarios[0]!).join(',')])
})

test.run()
