/**
 * The runtime with a real bouncer package of this repo: crowd/bouncer-custom (plugins/), packed
 * into a directory source, installed with its grant (run the program its configuration's bin_path
 * names), fed by `crowd bouncer run custom --once` from a real `crowd lapi serve`: the program
 * gets CrowdSec custom-bouncer's arguments for the decision added before.
 */
import type {ChildProcess} from 'node:child_process'
import * as fs from 'node:fs'
import * as path from 'node:path'
import {test} from 'uvu'
import * as assert from 'uvu/assert'
import {makeHome, runCliAsync} from '../../commands/lapi/helpers.js'

import {installRepoPackage, startLapiServe} from '../../helpers/lapi-serve.js'

const home = makeHome('bouncer-custom-e2e')
let lapi: ChildProcess | undefined

test.after(() => {
  if (lapi !== undefined && lapi.exitCode === null && lapi.signalCode === null) lapi.kill('SIGKILL')
})

test('crowd bouncer run custom --once runs the program for the decision', async () => {
  await installRepoPackage(home, 'bouncer-custom')
  const key = await home.json(['bouncers', 'add', 'custom'])
  assert.is((await home.run(['decisions', 'add', '--ip', '2001:db8:0:0::7', '--duration', '1h', '--reason', 'manual ban'])).status, 0)

  const served = await startLapiServe(home.env)
  lapi = served.child
  const url = served.url

  const out = path.join(home.dir, 'calls.txt')
  const script = path.join(home.dir, 'block.sh')
  fs.writeFileSync(script, `#!/bin/sh\necho "$1 $2 $3 $4" >> ${out}\n`, {mode: 0o755})
  fs.mkdirSync(path.join(home.dir, 'bouncers'))
  fs.writeFileSync(path.join(home.dir, 'bouncers', 'custom.yaml'), `bin_path: \${BINARY_PATH}\napi_url: ${url}\napi_key: \${API_KEY}\nlog_level: debug\n`)
  const r = await runCliAsync(['bouncer', 'run', 'custom', '--once', '--json'], {...home.env, API_KEY: key.body.api_key, BINARY_PATH: script})
  assert.is(r.status, 0, r.stdout + r.stderr)
  assert.equal(JSON.parse(r.stdout).pluginStats, {added: 1, deleted: 0, runs: 1})
  assert.match(r.stderr, 'bouncer custom: startup, 1 added, 0 deleted', 'log_level: debug')
  const calls = fs.readFileSync(out, 'utf8')
  const m = /^add 2001:db8::7 (\d+) manual ban\n$/.exec(calls)
  assert.ok(m !== null && Number(m[1]) > 3500 && Number(m[1]) <= 3600, calls)
})

test.run()
