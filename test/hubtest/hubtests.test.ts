/**
 * Runs every parser-only CrowdSec hub test (no scenario listed, parser.assert non-empty,
 * ignore_parsers false) from SHARED/hubtests against SHARED/crowdsec-hub. A test not named
 * in test/hubtests.known-failures must pass; the list may only shrink (a listed test that
 * passes fails the run until it is removed).
 */
import * as fs from 'node:fs'
import * as path from 'node:path'
import {test} from 'uvu'
import * as assert from 'uvu/assert'
import {checkHubTests} from '../helpers/known-failures.js'
import {SHARED} from '../helpers/run-cli.js'
import {HubTestCache} from '../../src/hubtest/cache.js'
import {openHub} from '../../src/hubtest/install.js'
import {readHubTestConfig} from '../../src/hubtest/layout.js'
import {runHubTest} from '../../src/hubtest/run.js'
import {GoTime, UTC} from '../../src/model/go-time.js'

const HUB = path.join(SHARED, 'crowdsec-hub')
const TESTS = path.join(SHARED, 'hubtests')

function parserOnlyTests(): string[] {
  return fs.readdirSync(TESTS).filter((name) => {
    const dir = path.join(TESTS, name)
    if (!fs.existsSync(path.join(dir, 'config.yaml'))) return false
    const assertFile = path.join(dir, 'parser.assert')
    if (!fs.existsSync(assertFile) || fs.readFileSync(assertFile, 'utf8').trim() === '') return false
    const config = readHubTestConfig(dir)
    return !config.ignore_parsers && config.scenarios.length === 0
  }).sort()
}

test('parser-only hub tests pass, except the known failures', async () => {
  const hub = openHub(HUB)
  // one run: the pattern library, compiled grok patterns and data files are shared by every test
  const cache = new HubTestCache()
  await checkHubTests('parser-only', parserOnlyTests(), async (name) => {
    const dir = path.join(TESTS, name)
    const before = fs.readFileSync(path.join(dir, 'parser.assert'))
    const r = await runHubTest({name, dir}, hub, {hubDir: HUB, now: () => GoTime.now(UTC), cache})
    assert.ok(before.equals(fs.readFileSync(path.join(dir, 'parser.assert'))), `${name}: parser.assert was modified`)
    return r
  })
})

test.run()
