/**
 * `crowd watch --bouncer NAME` ([watch] bouncers): the bouncer runs inside the watch, fed straight
 * from the local store (no LAPI, no API key), with the real crowd/bouncer-custom package whose
 * program records its arguments:
 * - a cron run (--once) enforces the decisions of the lines it read before it exits;
 * - a daemon enforces a decision the moment it is stored, and lifts it when it is deleted;
 * - a bouncer that cannot run (unknown name, package missing) stops the watch before it reads.
 */
import {spawn} from 'node:child_process'
import * as fs from 'node:fs'
import * as path from 'node:path'
import {test} from 'uvu'
import * as assert from 'uvu/assert'
import {makeHome, type Home} from '../commands/lapi/helpers.js'
import {BIN, ROOT} from '../helpers/run-cli.js'

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec']

/** sshd lines of a password brute force from `ip`, stamped a second apart up to now (a decision lasts from its alert's time). */
function attack(ip: string, n = 8): string {
  const two = (x: number): string => String(x).padStart(2, '0')
  let out = ''
  for (let i = n; i > 0; i--) {
    const t = new Date(Date.now() - i * 1000)
    out += `${MONTHS[t.getMonth()]} ${String(t.getDate()).padStart(2, ' ')} ${two(t.getHours())}:${two(t.getMinutes())}:${two(t.getSeconds())} web01 sshd[${20300 + i}]: Failed password for root from ${ip} port ${40100 + i} ssh2\n`
  }
  return out
}

async function setUp(name: string): Promise<{h: Home; calls: string; log: string}> {
  const h = makeHome(`watch-bouncer-${name}`, '')
  const install = await h.run(['hub', 'install', 'crowd/bouncer-custom', '--yes'])
  assert.is(install.status, 0, install.stderr)
  const calls = path.join(h.dir, 'calls.txt')
  const script = path.join(h.dir, 'block.sh')
  fs.writeFileSync(script, `#!/bin/sh\necho "$1 $2" >> ${JSON.stringify(calls)}\n`, {mode: 0o755})
  fs.mkdirSync(path.join(h.dir, 'bouncers'))
  // no api_url, no api_key: fed from the store
  fs.writeFileSync(path.join(h.dir, 'bouncers', 'custom.yaml'), `bin_path: ${JSON.stringify(script)}\nupdate_frequency: 100ms\n`)
  const log = path.join(h.dir, 'auth.log')
  return {h, calls, log}
}

const read = (file: string): string[] => (fs.existsSync(file) ? fs.readFileSync(file, 'utf8').split('\n').filter((l) => l !== '') : [])

async function until(what: string, check: () => boolean | Promise<boolean>, ms = 20_000): Promise<void> {
  const end = Date.now() + ms
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`timed out waiting: ${what}`)
    await new Promise((r) => setTimeout(r, 50))
  }
}

async function bannedIps(h: Home): Promise<string[]> {
  const r = await h.json(['decisions', 'list'])
  assert.is(r.status, 0, r.stderr)
  return [...new Set((r.body as {value: string}[]).map((d) => d.value))].sort()
}

test('watch --once --bouncer custom: the run\'s decisions are enforced before it exits', async () => {
  const {h, calls, log} = await setUp('once')
  fs.writeFileSync(log, attack('198.51.100.23') + attack('203.0.113.9'))
  const r = await h.json(['watch', '--once', `${log}:syslog`, '--bouncer', 'custom'])
  assert.is(r.status, 1, r.stderr)
  assert.ok(r.body.summary.decisions >= 1, JSON.stringify(r.body.summary))
  const banned = await bannedIps(h)
  assert.equal(banned, ['198.51.100.23', '203.0.113.9'])
  assert.equal(read(calls).filter((l) => l.startsWith('add ')).map((l) => l.slice(4)).sort(), banned)
  const status = await h.json(['bouncer', 'status', 'custom'])
  assert.is(status.status, 0, status.stderr)
  assert.is(status.body.inSync, true)
  assert.is(status.body.blocked, banned.length)
})

test('watch (daemon) --bouncer custom: a stored decision is enforced, a deleted one lifted; SIGTERM stops both', async () => {
  const {h, calls, log} = await setUp('daemon')
  fs.writeFileSync(log, '')
  const child = spawn(process.execPath, [BIN, 'watch', `${log}:syslog`, '--bouncer', 'custom', '--log-level', 'info'], {cwd: ROOT, env: {...process.env, NO_COLOR: '1', ...h.env}, stdio: ['ignore', 'pipe', 'pipe']})
  let stderr = ''
  child.stderr.setEncoding('utf8').on('data', (c: string) => (stderr += c))
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)))
  try {
    await until('the bouncer started', () => stderr.includes('bouncer custom: crowd/bouncer-custom enforcing decisions from the local store'))
    // attack lines arrive in the followed log
    fs.appendFileSync(log, attack('198.51.100.23'))
    let banned: string[] = []
    await until('decisions stored', async () => (banned = await bannedIps(h)).length > 0)
    await until(`add calls for ${banned.join(', ')}`, () => banned.every((ip) => read(calls).includes(`add ${ip}`)))
    // a manual ban and its deletion
    assert.is((await h.run(['decisions', 'add', '--ip', '192.0.2.77', '--duration', '1h'])).status, 0)
    await until('add 192.0.2.77', () => read(calls).includes('add 192.0.2.77'))
    assert.is((await h.run(['decisions', 'delete', '--ip', '192.0.2.77'])).status, 0)
    await until('del 192.0.2.77', () => read(calls).includes('del 192.0.2.77'))
  } finally {
    child.kill('SIGTERM')
  }
  assert.is(await exited, 0, stderr)
})

test('a bouncer that cannot run stops the watch before it reads, naming it', async () => {
  const {h, log} = await setUp('refused')
  fs.writeFileSync(log, attack('198.51.100.23'))
  const unknown = await h.run(['watch', '--once', `${log}:syslog`, '--bouncer', 'firewall'])
  assert.is(unknown.status, 2, unknown.stderr)
  assert.match(unknown.stderr, `bouncer 'firewall': no installed bouncer package runs type "firewall"`)
  const none = await h.json(['decisions', 'list'])
  assert.equal(none.body, [], 'nothing was read')
})

test.run()
