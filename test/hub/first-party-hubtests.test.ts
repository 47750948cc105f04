/**
 * Every hub test of the first-party content (test/hub/tests/<name>/) runs through the library
 * runner against plugins/crowd, installed the way users get it: `crowd hub install` from the
 * embedded source into a temporary data dir (so hub-index.json must also be current). Any failed
 * or skipped test fails this file; the pass count is printed. An empty assert file would be
 * filled in by the runner, so it fails here before anything runs: generate asserts with
 * `crowd test run`, review them, and commit them.
 */
import * as fs from 'node:fs'
import * as os from 'node:os'
import * as path from 'node:path'
import {test} from 'uvu'
import * as assert from 'uvu/assert'
import {hubInstall} from '../../src/hub/operations.js'
import {findHubTests, readHubTestConfig} from '../../src/hubtest/layout.js'
import {runHubTests} from '../../src/hubtest/run.js'
import {GoTime, UTC} from '../../src/model/go-time.js'
import {ROOT} from '../helpers/run-cli.js'

const TESTS = path.join(ROOT, 'test', 'hub', 'tests')
const PLUGINS = path.join(ROOT, 'plugins', 'crowd')

const isBlank = (file: string): boolean => !fs.existsSync(file) || fs.readFileSync(file, 'utf8').trim() === ''

test('every first-party hub test has its assert file filled in', () => {
  const blank: string[] = []
  for (const t of findHubTests([TESTS])) {
    const config = readHubTestConfig(t.dir)
    if (config.scenarios.some((s) => s !== '') && isBlank(path.join(t.dir, 'scenario.assert'))) blank.push(`${t.name}/scenario.assert`)
    if (!config.ignore_parsers && isBlank(path.join(t.dir, 'parser.assert'))) blank.push(`${t.name}/parser.assert`)
  }
  assert.equal(blank, [], `empty assert files: ${blank.join(', ')}`)
})

test('every first-party parser and scenario package has a hub test', () => {
  const tested = new Set<string>()
  for (const t of findHubTests([TESTS])) {
    const config = readHubTestConfig(t.dir)
    for (const s of config.scenarios) tested.add(s)
    if (!config.ignore_parsers) for (const p of config.parsers) tested.add(p)
  }
  const missing: string[] = []
  for (const dir of fs.readdirSync(PLUGINS).sort()) {
    const manifest = path.join(PLUGINS, dir, 'crowd-package.toml')
    if (!fs.existsSync(manifest)) continue
    const type = /^type = "([^"]+)"/m.exec(fs.readFileSync(manifest, 'utf8'))?.[1]
    if ((type === 'parser' || type === 'scenario') && !tested.has(`crowd/${dir}`)) missing.push(`crowd/${dir}`)
  }
  assert.equal(missing, [])
})

test('all first-party hub tests pass (plugins/crowd installed from the embedded hub)', async () => {
  const data = fs.mkdtempSync(path.join(os.tmpdir(), 'crowd-first-party-'))
  try {
    const names = fs.readdirSync(PLUGINS).filter((d) => fs.existsSync(path.join(PLUGINS, d, 'crowd-package.toml'))).map((d) => `crowd/${d}`)
    // --yes: the notification plugins among them ask for permissions
    const plan = await hubInstall({dataDir: data, sources: ['embedded'], names, yes: true})
    assert.ok(plan.applied, 'the embedded install ran')
    const hubDir = path.join(data, 'hub')
    const result = await runHubTests([TESTS], {hubDir, patternDirs: [], now: () => GoTime.now(UTC)})
    const failures = result.tests.filter((t) => !t.passed).map((t) => {
      const f = t.failed_assertions[0]
      if (t.skipped !== undefined) return `${t.name}: skipped: ${t.skipped}`
      return `${t.name}: ${f === undefined ? 'failed' : `line ${f.line}: ${f.expression} -> ${f.error}`}`
    })
    console.log(`first-party hub tests: ${result.passed} passed, ${result.failed} failed, ${result.skipped} skipped (of ${result.tests.length})`)
    assert.ok(result.tests.length >= 25, `found ${result.tests.length} tests`)
    assert.equal(failures, [])
  } finally {
    fs.rmSync(data, {recursive: true, force: true})
  }
})

test.run()
