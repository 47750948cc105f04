/**
 * `crowd lapi serve` under Deno: the same server (node:http) on the same store format (node:sqlite there), answering a
 * bouncer and a watcher, and stopping cleanly on SIGTERM.
 */
import * as fs from 'node:fs'
import * as os from 'node:os'
import * as path from 'node:path'
import {test} from 'uvu'
import * as assert from 'uvu/assert'
import {parseDurationNs} from '../../src/detect/time.js'
import {Cleanup, freePort, httpGet, spawnManaged} from '../helpers/crowdsec.js'
import {BIN, ROOT, runCli} from '../helpers/run-cli.js'

const cleanup = new Cleanup()
test.after(() => cleanup.run())

test('crowd lapi serve under Deno serves the decisions a Node command stored, and stops on SIGTERM', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'crowd-deno-lapi-'))
  cleanup.add('deno lapi dir', () => fs.rmSync(dir, {recursive: true, force: true}))
  const port = await freePort()
  const config = path.join(dir, 'crowd.toml')
  fs.writeFileSync(config, `[lapi]\nlisten = "127.0.0.1:${port}"\n`)
  const env = {...process.env, CROWD_HOME: path.join(dir, 'home'), CROWD_CONFIG: config, DENO_NO_UPDATE_CHECK: '1', NO_COLOR: '1'}
  const key = JSON.parse(runCli(['bouncers', 'add', 'deno-bouncer', '--json'], {env}).stdout).api_key as string
  const added = Date.now()
  assert.is(runCli(['decisions', 'add', '--ip', '192.0.2.200', '--duration', '1h'], {env}).status, 0)
  const deno = path.join(ROOT, 'node_modules', '.bin', 'deno')
  const server = spawnManaged('crowd lapi serve (deno)', deno, ['run', '-A', BIN, 'lapi', 'serve'], {env, cleanup})
  await server.waitForOutput(/listening on/, 60_000)
  const hit = await httpGet(`http://127.0.0.1:${port}/v1/decisions?ip=192.0.2.200`, {'X-Api-Key': key})
  assert.is(hit.status, 200)
  assert.equal((JSON.parse(hit.body) as {value: string; origin: string}[]).map((d) => [d.value, d.origin]), [['192.0.2.200', 'cscli']])
  const miss = await httpGet(`http://127.0.0.1:${port}/v1/decisions?ip=192.0.2.201`, {'X-Api-Key': key})
  assert.equal([miss.status, miss.body], [200, 'null'])
  const stream = await httpGet(`http://127.0.0.1:${port}/v1/decisions/stream?startup=true`, {'X-Api-Key': key})
  const entry = /^\{"new": \[\{"duration":"([^"]+)","id":1,"origin":"cscli",.*"value":"192\.0\.2\.200"\}\], "deleted": \[\]\}$/.exec(stream.body)
  assert.ok(entry, stream.body)
  // what is left of the hour: no more than it, no less than it minus the time since the decision was added (Deno's
  // start included, which a busy machine can make long), minus up to 1 s as the decision's stop_at is written to the
  // second (as cscli does) and 0.5 s as the countdown is rounded to the second
  const left = parseDurationNs(entry[1]!) / 1e9
  const since = (Date.now() - added) / 1000
  assert.ok(left <= 3600 && left >= 3600 - since - 1.5, `${entry[1]} left, ${since} s after the decision was added`)
  const exit = await server.stop(20_000)
  assert.is(exit.code, 0, server.output())
})

test.run()
