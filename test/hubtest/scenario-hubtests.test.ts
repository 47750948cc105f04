/**
 * Runs every CrowdSec hub test that lists a scenario (scenario.assert) from SHARED/hubtests
 * against SHARED/crowdsec-hub. A test not named in test/hubtests.known-failures must pass; the
 * list only shrinks (a listed test that passes is reported so that it gets removed).
 */
import * as fs from 'node:fs'
import * as path from 'node:path'
import {test} from 'uvu'
import {checkHubTests} from '../helpers/known-failures.js'
import {SHARED} from '../helpers/run-cli.js'
import {HubTestCache} from '../../src/hubtest/cache.js'
import {openHub} from '../../src/hubtest/install.js'
import {readHubTestConfig} from '../../src/hubtest/layout.js'
import {runHubTest} from '../../src/hubtest/run.js'
import {runScenarios} from '../../src/hubtest/scenarios.js'
import {GoTime, UTC} from '../../src/model/go-time.js'

const HUB = path.join(SHARED, 'crowdsec-hub')
const TESTS = path.join(SHARED, 'hubtests')

function scenarioTests(): string[] {
  return fs.readdirSync(TESTS).filter((name) => {
    const dir = path.join(TESTS, name)
    if (!fs.existsSync(path.join(dir, 'config.yaml'))) return false
    try {
      return readHubTestConfig(dir).scenarios.length > 0
    } catch {
      return true
    }
  }).sort()
}

test('scenario hub tests pass, except the known failures', async () => {
  const hub = openHub(HUB)
  // one run: the pattern library, compiled grok patterns and data files are shared by every test
  const cache = new HubTestCache()
  await checkHubTests('scenario', scenarioTests(), (name) =>
    runHubTest({name, dir: path.join(TESTS, name)}, hub, {hubDir: HUB, now: () => GoTime.now(UTC), cache}, runScenarios))
})

test.run()
