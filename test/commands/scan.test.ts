/**
 * `crowd scan` through the built binary, for what only the process shows: the embedded default
 * content on a fresh machine (nothing written to the data dir), exit codes, stdout vs stderr,
 * --json (golden), --ndjson, --output, and the same JSON under Deno. Each run costs a process
 * start and a content build, so scan behaviour per input kind (archives, globs, stdin, mixed
 * types, corrupt inputs, --hub content) is tested in process: test/pipeline/index.test.ts.
 */
import {spawnSync} from 'node:child_process'
import * as fs from 'node:fs'
import * as os from 'node:os'
import * as path from 'node:path'
import {test} from 'uvu'
import * as assert from 'uvu/assert'
import {assertGolden} from '../helpers/golden.js'
import {freshMachineEnv, ROOT, runCli, runDeno, type CliResult} from '../helpers/run-cli.js'
import {benignNginxLines, writerIn} from '../helpers/files.js'

const home = fs.mkdtempSync(path.join(os.tmpdir(), 'crowd-scan-cli-'))
// A fresh machine: empty config and data dirs; the embedded hub is laid out once in this cache.
const env = freshMachineEnv(home)
const AUTH = 'test/fixtures/samples/auth.log'
const NGINX = 'test/fixtures/samples/nginx-access.log'
const nginx = fs.readFileSync(path.join(ROOT, NGINX))

const file = writerIn(path.join(home, 'in'))
const benign = file('benign.log', benignNginxLines(nginx))

const scan = (args: string[]): CliResult => runCli(['scan', ...args], {env})
const json = (r: CliResult): {alerts: {scenario: string; source: {value: string}}[]; summary: Record<string, number>; inputs: {input: string; error?: {message: string}; sources: {src: string; type: string; lines: number; error?: {message: string}}[]}[]; exit_code: number; content: {origin: string}} =>
  JSON.parse(r.stdout)

/** The attackers of the sample logs, as the embedded content sees them. */
const SAMPLE_ATTACKERS = ['198.51.100.23', '203.0.113.77', '198.51.100.66', '203.0.113.9']

test('README first command: samples on a fresh machine, no flags -> exit 1 and the attackers', () => {
  const r = scan(['test/fixtures/samples/'])
  assert.is(r.status, 1, r.stderr)
  for (const ip of SAMPLE_ATTACKERS) assert.match(r.stdout, ip)
  assert.match(r.stdout, 'crowd/ssh-bf')
  assert.match(r.stdout, 'crowd/ssh-user-enum')
  assert.match(r.stdout, 'crowd/http-probing')
  assert.match(r.stdout, 'crowd/http-path-traversal')
  assert.not.match(r.stdout, '192.0.2.')
  assert.is.not(fs.existsSync(path.join(home, 'data', 'crowd', 'hub')), true, 'the embedded default writes nothing to the data dir')
})

test('exit codes and streams: table', () => {
  // What the process shows: the exit code, and where the error goes. Scan results per input kind are in test/pipeline/index.test.ts.
  const cases: {name: string; args: string[]; status: number; stderr?: string; stdout?: string}[] = [
    {name: 'unknown flag -> 2', args: [AUTH, '--no-such-flag'], status: 2, stderr: 'no-such-flag'},
    {name: 'bad --fail-on value -> 2', args: [AUTH, '--fail-on', 'sometimes'], status: 2, stderr: 'sometimes'},
    {name: 'invalid profiles file (a config error) -> 2', args: [AUTH, '--profiles', file('bad-profiles.yaml', 'name: x\nfilters:\n  - "Alert.GetScope( =="\ndecisions: []\n')], status: 2, stderr: 'bad-profiles.yaml'},
    {name: 'unreadable input -> 3, the rest scanned', args: [path.join(home, 'missing.log'), benign], status: 3, stderr: 'missing.log', stdout: 'benign.log'},
  ]
  for (const c of cases) {
    const r = scan(c.args)
    assert.is(r.status, c.status, `${c.name}: ${r.stderr}`)
    if (c.stderr !== undefined) assert.match(r.stderr, c.stderr, c.name)
    if (c.stdout !== undefined) assert.match(r.stdout, c.stdout, c.name)
    if (c.status === 2) assert.is(r.stdout, '', `${c.name}: nothing on stdout`)
  }
})

/** `scan AUTH NGINX --json`, run once: the golden test, the --ndjson test and the Deno test compare against it. */
let samplesJson: CliResult | undefined
const samples = (): CliResult => (samplesJson ??= scan([AUTH, NGINX, '--json', '--output', path.join(home, 'report.json')]))

test('--json: golden file (years of syslog timestamps scrubbed); --output writes the same document', () => {
  const r = samples()
  assert.is(r.status, 1, r.stderr)
  assertGolden('scan-samples.json', scrubJson(r.stdout))
  assert.equal(JSON.parse(fs.readFileSync(path.join(home, 'report.json'), 'utf8')), JSON.parse(r.stdout))
})

test('--ndjson: one alert per line as found, same alerts as --json; --output writes the same lines', () => {
  const nd = path.join(home, 'report.ndjson')
  const r = scan([AUTH, NGINX, '--ndjson', '--output', nd])
  assert.is(r.status, 1, r.stderr)
  const alerts = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as {scenario: string; source: {value: string}})
  assert.equal(alerts.map((a) => `${a.scenario} ${a.source.value}`), json(samples()).alerts.map((a) => `${a.scenario} ${a.source.value}`))
  assert.is(fs.readFileSync(nd, 'utf8'), r.stdout)
})

test('--output: the text report (same as stdout) and an unwritable file -> 2', () => {
  const text = path.join(home, 'report.txt')
  const t = scan([AUTH, '--fail-on', 'none', '--output', text])
  assert.is(t.status, 0, `alerts with --fail-on none -> 0: ${t.stderr}`)
  const report = fs.readFileSync(text, 'utf8')
  assert.match(report, 'crowd/ssh-bf')
  assert.is(report.trim(), t.stdout.trim())
  const bad = scan([AUTH, '--output', path.join(home, 'no', 'such', 'dir', 'x.json')])
  assert.is(bad.status, 2)
  assert.match(bad.stderr, 'x.json')
})

test('Deno: crowd scan --json gives the same document as Node, in one thread and with the parse worker', () => {
  if (!fs.existsSync(path.join(ROOT, 'node_modules', '.bin', 'deno')) || spawnSync(path.join(ROOT, 'node_modules', '.bin', 'deno'), ['--version']).status !== 0) {
    console.log('  (deno not available: skipped)')
    return
  }
  const node = samples()
  const deno = runDeno(['scan', AUTH, NGINX, '--json'], {env: {...process.env, ...env, NO_COLOR: '1'}})
  assert.is(deno.status, node.status, deno.stderr)
  assert.equal(JSON.parse(deno.stdout), JSON.parse(node.stdout))
  // the parse worker under Deno (worker_threads, structured clone of the wire batches): the same document
  const worker = runDeno(['scan', AUTH, NGINX, '--json', '--parse-workers', '1', '--log-level', 'debug'], {env: {...process.env, ...env, NO_COLOR: '1'}})
  assert.is(worker.status, node.status, worker.stderr)
  assert.match(worker.stderr, /parsing in a worker thread/)
  assert.equal(JSON.parse(worker.stdout), JSON.parse(node.stdout))
})

/** Syslog lines carry no year: the parser takes the current one, so years are scrubbed. */
function scrubJson(text: string): string {
  return text.replace(/\b(?:19|20)\d\d-(\d\d-\d\d)/g, 'YYYY-$1').replace(/"scenario_hash": "[0-9a-f]+"/g, '"scenario_hash": "…"')
}

test.run()
