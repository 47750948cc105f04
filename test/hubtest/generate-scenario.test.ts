import * as fs from 'node:fs'
import * as os from 'node:os'
import * as path from 'node:path'
import {test} from 'uvu'
import * as assert from 'uvu/assert'
import {runHubTests} from '../../src/hubtest/run.js'
import {SHARED} from '../helpers/run-cli.js'

const HUB = path.join(SHARED, 'crowdsec-hub')

function copyTest(name: string, dir: string): string {
  const to = path.join(dir, name)
  fs.mkdirSync(to, {recursive: true})
  for (const f of fs.readdirSync(path.join(SHARED, 'hubtests', name))) fs.copyFileSync(path.join(SHARED, 'hubtests', name, f), path.join(to, f))
  fs.writeFileSync(path.join(to, 'scenario.assert'), '')
  return to
}

test('an empty scenario.assert gets the assertions cscli hubtest generates, then passes', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'crowd-gen-'))
  const testDir = copyTest('ssh-bf', dir)
  const first = await runHubTests([testDir], {hubDir: HUB})
  assert.is(first.failed, 1, 'the first run asks for a review')
  assert.match(first.tests[0]!.failed_assertions[0]!.error, /scenario\.assert was empty: \d+ assertions generated/)
  const generated = fs.readFileSync(path.join(testDir, 'scenario.assert'), 'utf8').trim().split('\n').sort()
  const upstream = fs.readFileSync(path.join(SHARED, 'hubtests', 'ssh-bf', 'scenario.assert'), 'utf8').trim().split('\n').sort()
  assert.equal(generated, upstream)
  const second = await runHubTests([testDir], {hubDir: HUB})
  assert.is(second.passed, 1)
})

test.run()
