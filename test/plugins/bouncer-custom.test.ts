/**
 * crowd/bouncer-custom in the sandbox (a real pool), running a real shell script as its program:
 * one run per decision with CrowdSec custom-bouncer's arguments (deletions first), or one run per
 * batch with JSON lines on stdin; the program's exit status fails the batch; the package can run
 * only the program its configuration names.
 */
import * as fs from 'node:fs'
import * as os from 'node:os'
import * as path from 'node:path'
import {test} from 'uvu'
import * as assert from 'uvu/assert'
import {parsePermissions, resolvePermissions} from '../../src/sandbox/index.js'
import {ROOT} from '../helpers/run-cli.js'
import {recordingPool} from '../sandbox/helpers.js'

const dir = path.join(ROOT, 'plugins', 'crowd', 'bouncer-custom')
const code = fs.readFileSync(path.join(dir, 'index.js'), 'utf8')
const {pool} = recordingPool()
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'crowd-bouncer-custom-'))
test.after(async () => {
  await pool.close()
  fs.rmSync(tmp, {recursive: true, force: true})
})

/** A program that appends its arguments (and stdin) to a log, exiting with the code in `exit` if present. */
function program(name: string): {bin: string; log: string} {
  const bin = path.join(tmp, `${name}.sh`)
  const log = path.join(tmp, `${name}.log`)
  fs.writeFileSync(bin, `#!/bin/sh\nprintf '%s\\n' "$*" >> ${log}\nif [ ! -t 0 ]; then cat >> ${log}; fi\n[ -f ${tmp}/exit ] && exit $(cat ${tmp}/exit)\nexit 0\n`, {mode: 0o755})
  return {bin, log}
}

function register(id: string, config: Record<string, unknown>): void {
  const manifest = parsePermissions({commands: ['config:bin_path']}, path.join(dir, 'crowd-package.toml'))
  pool.register({id, code, filename: path.join(dir, 'index.js'), permissions: resolvePermissions(manifest, config, '/etc/crowd/bouncers/custom.yaml')})
}

const decision = (value: string, ttlMs = 4 * 3600_000) => ({value, scope: value.includes('/') ? 'Range' : 'Ip', type: 'ban', origin: 'crowdsec', scenario: 'crowdsecurity/ssh-bf', ttlMs})

test('one run per decision: del first, then add, with <value> <seconds> <scenario> <json> [bin_args]', async () => {
  const {bin, log} = program('each')
  const options = {bin_path: bin, bin_args: ['--tag', 'crowd']}
  register('each', options)
  const out = await pool.call('each', 'apply', [{startup: false, added: [decision('192.0.2.7'), decision('2001:db8::/64', 60_000)], deleted: [decision('198.51.100.9', 0)]}, options])
  assert.equal(out, {added: 2, deleted: 1, runs: 3})
  const json = (v: string, d: string, scope = 'Ip') => JSON.stringify({duration: d, origin: 'crowdsec', scenario: 'crowdsecurity/ssh-bf', scope, type: 'ban', value: v})
  assert.is(fs.readFileSync(log, 'utf8'), [
    `del 198.51.100.9 0 crowdsecurity/ssh-bf ${json('198.51.100.9', '0s')} --tag crowd`,
    `add 192.0.2.7 14400 crowdsecurity/ssh-bf ${json('192.0.2.7', '14400s')} --tag crowd`,
    `add 2001:db8::/64 60 crowdsecurity/ssh-bf ${json('2001:db8::/64', '60s', 'Range')} --tag crowd`,
    '',
  ].join('\n'))
})

test('feed_via_stdin: one run per batch, one JSON line per decision with its action', async () => {
  const {bin, log} = program('stdin')
  const options = {bin_path: bin, feed_via_stdin: true}
  register('stdin', options)
  const out = await pool.call('stdin', 'apply', [{startup: true, added: [decision('192.0.2.7'), decision('192.0.2.8')], deleted: []}, options])
  assert.equal(out, {added: 2, deleted: 0, runs: 1})
  const lines = fs.readFileSync(log, 'utf8').split('\n').filter((l) => l.startsWith('{'))
  assert.equal(lines.map((l) => (JSON.parse(l) as {action: string; value: string})).map((d) => `${d.action} ${d.value}`), ['add 192.0.2.7', 'add 192.0.2.8'])
})

test('a program that fails fails the batch; the package cannot run any other program', async () => {
  const {bin} = program('fails')
  register('fails', {bin_path: bin})
  fs.writeFileSync(path.join(tmp, 'exit'), '3')
  try {
    await pool.call('fails', 'apply', [{startup: false, added: [decision('192.0.2.7')], deleted: []}, {bin_path: bin}])
    assert.unreachable('applied')
  } catch (error) {
    assert.match((error as Error).message, `add 192.0.2.7 exited with 3`)
  } finally {
    fs.rmSync(path.join(tmp, 'exit'))
  }
  // the plugin told to run nft instead of its configured program: refused by the host
  register('other', {bin_path: bin})
  try {
    await pool.call('other', 'apply', [{startup: false, added: [decision('192.0.2.7')], deleted: []}, {bin_path: '/usr/sbin/nft'}])
    assert.unreachable('ran nft')
  } catch (error) {
    assert.match((error as Error).message, 'not declared')
  }
})

test.run()
