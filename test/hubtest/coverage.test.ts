import * as fs from 'node:fs'
import * as os from 'node:os'
import * as path from 'node:path'
import {test} from 'uvu'
import * as assert from 'uvu/assert'
import {computeCoverage, itemsFromHub} from '../../src/hubtest/coverage.js'
import {ROOT} from '../helpers/run-cli.js'

function write(file: string, text: string): void {
  fs.mkdirSync(path.dirname(file), {recursive: true})
  fs.writeFileSync(file, text)
}

test('coverage of a CrowdSec-layout hub: names and paths count, unused items do not', () => {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'crowd-cov-'))
  write(path.join(d, 'hub/parsers/s01-parse/acme/a-logs.yaml'), 'name: acme/a-logs\n')
  write(path.join(d, 'hub/parsers/s01-parse/acme/b-logs.yaml'), 'name: acme/b-logs\n')
  write(path.join(d, 'hub/scenarios/acme/a-bf.yaml'), 'name: acme/a-bf\n')
  write(path.join(d, 'tests/t1/config.yaml'), 'parsers:\n- acme/a-logs\nscenarios:\n- ./scenarios/acme/a-bf.yaml\n')
  write(path.join(d, 'tests/t2/config.yaml'), 'parsers: [acme/a-logs]\n')
  write(path.join(d, 'tests/broken/config.yaml'), 'parsers: [\n')
  const r = computeCoverage({testsDirs: [path.join(d, 'tests')], hubDirs: [path.join(d, 'hub')]})
  assert.equal(r.parsers, [
    {name: 'acme/a-logs', type: 'parser', tests: ['t1', 't2']},
    {name: 'acme/b-logs', type: 'parser', tests: []},
  ])
  assert.equal(r.scenarios, [{name: 'acme/a-bf', type: 'scenario', tests: ['t1']}])
  assert.is(r.parser_coverage, 50)
  assert.is(r.scenario_coverage, 100)
  assert.is(r.tests, 3)
  assert.is(r.unreadable.length, 1)
  assert.is(r.unreadable[0]!.test, 'broken')
})

test('itemsFromHub of a missing folder is empty', () => {
  assert.equal(itemsFromHub('/nonexistent/hub'), {parsers: [], scenarios: []})
})

test('every first-party parser and scenario has a hub test', () => {
  const r = computeCoverage({testsDirs: [path.join(ROOT, 'test/hub/tests')], pluginsDirs: [path.join(ROOT, 'plugins')]})
  assert.equal([...r.parsers, ...r.scenarios].filter((i) => i.tests.length === 0).map((i) => i.name), [])
  assert.ok(r.parsers.length >= 10)
  assert.ok(r.scenarios.length >= 15)
})

test.run()
