/**
 * `crowd scan` gives the same result with and without the content cache (issue 20): cache off,
 * first run (the bundle is written), later runs (read from it), in one thread and with the parse
 * worker; content changed between runs is never served from the cache; a damaged bundle is
 * ignored and replaced.
 */
import {spawnSync} from 'node:child_process'
import * as fs from 'node:fs'
import * as os from 'node:os'
import * as path from 'node:path'
import {test} from 'uvu'
import * as assert from 'uvu/assert'
import {SHARED, freshMachineEnv, runCli} from '../helpers/run-cli.js'

const home = fs.mkdtempSync(path.join(os.tmpdir(), 'crowd-scan-cache-'))
const env = freshMachineEnv(home)
const OFF = {...env, CROWD_CONTENT_CACHE: 'off'}
const HUB = path.join(SHARED, 'crowdsec-hub')
test.after(() => fs.rmSync(home, {recursive: true, force: true}))

const genlogs = (mode: 'nginx' | 'ssh', lines: number): string => {
  const file = path.join(home, `${mode}.log`)
  const r = spawnSync(process.execPath, [path.join(SHARED, 'bench', 'genlogs.mjs'), mode, '--lines', String(lines), '--seed', '3', '--out', file], {encoding: 'utf8'})
  assert.is(r.status, 0, r.stderr)
  return file
}
const nginx = genlogs('nginx', 3000)
const ssh = genlogs('ssh', 3000)

const bundles = (): string[] => {
  const root = path.join(home, 'cache', 'crowd', 'content')
  return fs.existsSync(root) ? fs.readdirSync(root, {recursive: true}).map(String).filter((f) => f.endsWith('.json')).map((f) => path.join(root, f)) : []
}
const scan = (args: string[], scanEnv: Record<string, string>): string => {
  const r = runCli(['scan', ...args, '--json', '--fail-on', 'none'], {env: scanEnv})
  assert.is(r.status, 0, r.stderr)
  return r.stdout
}

const HUB_ARGS = ['--hub', HUB, '--collection', 'crowdsecurity/linux', '--collection', 'crowdsecurity/sshd', '--collection', 'crowdsecurity/nginx', '--collection', 'crowdsecurity/base-http-scenarios']

test('hub content: cache off, first run and cached runs give the same result, in one thread and with the parse worker', () => {
  const args = [`${nginx}:nginx`, `${ssh}:syslog`, ...HUB_ARGS]
  const off = scan([...args, '--parse-workers', '0'], OFF)
  assert.ok((JSON.parse(off) as {summary: {alerts: number}}).summary.alerts > 0)
  assert.equal(bundles(), [])
  assert.is(scan([...args, '--parse-workers', '0'], env), off, 'first run (writes the bundle)')
  assert.is(bundles().length, 1)
  const written = fs.statSync(bundles()[0]!).mtimeMs
  assert.is(scan([...args, '--parse-workers', '0'], env), off, 'from the bundle')
  assert.is(scan([...args, '--parse-workers', '1'], env), off, 'from the bundle, parse worker too')
  assert.is(fs.statSync(bundles()[0]!).mtimeMs, written, 'an unchanged bundle is not rewritten')
})

test('the embedded default content: the same with and without the cache', () => {
  const off = scan([nginx, ssh], OFF)
  assert.is(scan([nginx, ssh], env), off)
  assert.is(scan([nginx, ssh], env), off)
})

test('content changed after it was cached is compiled afresh, never served from the cache', () => {
  // a hub of its own: the sshd parsers and the brute-force scenario, copied
  const hub = path.join(home, 'hub')
  for (const rel of ['parsers/s00-raw/crowdsecurity/syslog-logs.yaml', 'parsers/s01-parse/crowdsecurity/sshd-logs.yaml', 'parsers/s02-enrich/crowdsecurity/dateparse-enrich.yaml', 'scenarios/crowdsecurity/ssh-bf.yaml']) {
    fs.mkdirSync(path.dirname(path.join(hub, rel)), {recursive: true})
    fs.copyFileSync(path.join(HUB, rel), path.join(hub, rel))
  }
  fs.cpSync(path.join(HUB, 'patterns'), path.join(hub, 'patterns'), {recursive: true})
  // eight failed passwords in 16 s from one address: ssh-bf (capacity 5) overflows
  const log = path.join(home, 'bf.log')
  fs.writeFileSync(log, Array.from({length: 8}, (_, i) => `Mar  2 06:00:${String(10 + 2 * i).padStart(2, '0')} srv1 sshd[${400 + i}]: Failed password for root from 192.0.2.9 port ${40000 + i} ssh2\n`).join(''))
  const args = [`${log}:syslog`, '--hub', hub, '--parser', 'crowdsecurity/syslog-logs', '--parser', 'crowdsecurity/sshd-logs', '--parser', 'crowdsecurity/dateparse-enrich', '--scenario', 'crowdsecurity/ssh-bf']
  const before = scan(args, env)
  assert.is((JSON.parse(before) as {summary: {alerts: number}}).summary.alerts, 1)
  assert.is(scan(args, env), before)
  const scenario = path.join(hub, 'scenarios/crowdsecurity/ssh-bf.yaml')
  const text = fs.readFileSync(scenario, 'utf8')
  assert.match(text, /capacity: 5\n/)
  fs.writeFileSync(scenario, text.replace('capacity: 5\n', 'capacity: 50\n'))
  const parser = path.join(hub, 'parsers/s01-parse/crowdsecurity/sshd-logs.yaml')
  fs.writeFileSync(parser, fs.readFileSync(parser, 'utf8').replace('name: crowdsecurity/sshd-logs', 'name: crowdsecurity/sshd-logs-changed'))
  const after = scan(args, env)
  const result = JSON.parse(after) as {summary: {alerts: number}; metrics: {parsers: {name: string}[]}}
  assert.is(result.summary.alerts, 0)
  assert.ok(result.metrics.parsers.some((p) => p.name === 'crowdsecurity/sshd-logs-changed'))
  assert.is(after, scan(args, OFF), 'the changed content, compiled without the cache')
})

test('a damaged bundle is ignored and replaced', () => {
  const args = [`${ssh}:syslog`, ...HUB_ARGS]
  const off = scan(args, OFF)
  scan(args, env)
  for (const file of bundles()) fs.writeFileSync(file, fs.readFileSync(file, 'utf8').slice(0, 5000).replace(/[0-9a-f]{8}/, '00000000'))
  assert.is(scan(args, env), off)
  assert.is(scan(args, env), off)
  for (const file of bundles()) assert.equal(fs.readFileSync(file, 'utf8').split('\n').slice(0, 2).map((l) => l.replace(/^[0-9a-f]{64}$/, 'SHA256')), ['SHA256', 'crowd-content-cache 1'])
})

test.run()
