import * as fs from 'node:fs'
import * as os from 'node:os'
import * as path from 'node:path'
import {test} from 'uvu'
import * as assert from 'uvu/assert'
import {ROOT, runCli} from '../helpers/run-cli.js'
import {assertGolden} from '../helpers/golden.js'

const home = fs.mkdtempSync(path.join(os.tmpdir(), 'crowd-cli-'))
const env = {XDG_CONFIG_HOME: path.join(home, 'config'), XDG_DATA_HOME: path.join(home, 'data'), CROWD_CONFIG: '', CROWD_HOME: '', CROWD_LOG_LEVEL: ''}
const scrub = (text: string) => text.split(home).join('$HOME')

test('config show --json (golden)', () => {
  const r = runCli(['config', 'show', '--json'], {env})
  assert.is(r.status, 0, r.stderr)
  assertGolden('config-show.json', scrub(r.stdout))
})

test('config show: $CROWD_HOME sets the data dir', () => {
  const r = runCli(['config', 'show', '--json'], {env: {...env, CROWD_HOME: path.join(home, 'state')}})
  assert.is(JSON.parse(r.stdout).dataDir, path.join(home, 'state'))
})

test('config show: an invalid crowd.toml exits 2 and names file, line and column', () => {
  const file = path.join(home, 'bad.toml')
  fs.writeFileSync(file, '[detect]\nmax_buckets_per_scenario = = 3\n')
  const r = runCli(['config', 'show', '--config', file], {env})
  assert.is(r.status, 2)
  assert.match(r.stderr, `${file}:2:`)
  const j = runCli(['config', 'show', '--config', file, '--json'], {env})
  assert.is(j.status, 2)
  const out = JSON.parse(j.stdout)
  assert.is(out.error.errors[0].file, file)
  assert.is(out.error.errors[0].line, 2)
})

test('config show: --log-level must be a known level', () => {
  const r = runCli(['config', 'show', '--log-level', 'loud'], {env})
  assert.is(r.status, 2)
})

test('stdout carries only results: nothing on stdout but JSON with --json', () => {
  const r = runCli(['config', 'show', '--json', '--log-level', 'debug'], {env})
  JSON.parse(r.stdout)
  assert.ok(!fs.existsSync(path.join(ROOT, 'undefined')))
})

test.run()
