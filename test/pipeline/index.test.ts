/**
 * The scan façade (src/pipeline/index.ts) in process, with crowd's embedded default content on
 * the sample logs: exit codes in the result, config errors, inputs of every kind (archives,
 * globs, directories, gz, stdin), mixed types, unreadable and corrupt inputs, --hub content,
 * and the streaming form. The content is selected and compiled once (prepareContent) and shared;
 * each scan gets fresh engines. What only the binary shows (process exit codes, stdout/stderr,
 * --json golden, --output, Deno) is in test/commands/scan.test.ts.
 */
import * as fs from 'node:fs'
import * as os from 'node:os'
import * as path from 'node:path'
import {Readable} from 'node:stream'
import * as zlib from 'node:zlib'
import * as tar from 'tar'
import {test} from 'uvu'
import * as assert from 'uvu/assert'
import {CrowdError} from '../../src/model/errors.js'
import type {Logger} from '../../src/model/logger.js'
import {prepareContent, prepareScan, scan, scanStream, type PreparedContent, type ScanRequest, type ScanResult} from '../../src/pipeline/index.js'
import {ROOT} from '../helpers/run-cli.js'
import {benignNginxLines, writerIn} from '../helpers/files.js'

const home = fs.mkdtempSync(path.join(os.tmpdir(), 'crowd-scan-lib-'))
const cacheDir = path.join(home, 'cache')
const AUTH = path.join(ROOT, 'test/fixtures/samples/auth.log')
const NGINX = path.join(ROOT, 'test/fixtures/samples/nginx-access.log')
const auth = fs.readFileSync(AUTH)
const nginx = fs.readFileSync(NGINX)

const file = writerIn(path.join(home, 'in'))
const benign = file('benign.log', benignNginxLines(nginx))
file('tree/auth.log', auth)
file('tree/nginx/access.log', nginx)
file('auth.log.gz', zlib.gzipSync(auth))
tar.c({file: path.join(home, 'in', 'logs.tar'), cwd: path.join(home, 'in', 'tree'), sync: true, portable: true}, ['auth.log', 'nginx'])
tar.c({gzip: true, file: path.join(home, 'in', 'logs.tgz'), cwd: path.join(home, 'in', 'tree'), sync: true, portable: true}, ['auth.log', 'nginx'])
const corrupt = file('corrupt.tgz', Buffer.concat([zlib.gzipSync(Buffer.alloc(1024, 'x')).subarray(0, 40), Buffer.alloc(64, 0xaa)]))
const inDir = path.join(home, 'in')
const missing = path.join(home, 'missing.log')

/** The attackers of the sample logs, as the embedded content sees them. */
const SAMPLE_ATTACKERS = ['198.51.100.23', '203.0.113.77', '198.51.100.66', '203.0.113.9']

let shared: PreparedContent | undefined
const prepared = async (): Promise<PreparedContent> => (shared ??= await prepareContent({cacheDir}))

type Json = {alerts: {scenario: string; source: {value: string}}[]; summary: Record<string, number>; exit_code: number; content: {origin: string}
  inputs: {input: string; error?: {message: string; file?: string}; sources: {src: string; type: string; type_from: string; lines: number; error?: {message: string}}[]}[]}
/** The result as `--json` prints it. */
const asJson = (r: ScanResult): Json => JSON.parse(JSON.stringify(r)) as Json
const alerted = (r: ScanResult): string[] => [...new Set(asJson(r).alerts.map((a) => `${a.scenario} ${a.source.value}`))].sort()
const run = async (inputs: ScanRequest['inputs'], extra: Partial<ScanRequest> = {}): Promise<ScanResult> => scan({inputs, prepared: await prepared(), ...extra})

test('embedded content on the samples directory: every attacker, no benign IP, exit 1', async () => {
  const r = await run([{input: path.join(ROOT, 'test/fixtures/samples/')}])
  assert.is(r.exit_code, 1)
  assert.is(r.content?.origin, 'embedded')
  const ips = new Set(asJson(r).alerts.map((a) => a.source.value))
  for (const ip of SAMPLE_ATTACKERS) assert.ok(ips.has(ip), ip)
  assert.ok(![...ips].some((ip) => ip.startsWith('192.0.2.')), 'no benign IP')
  const scenarios = new Set(asJson(r).alerts.map((a) => a.scenario))
  for (const s of ['crowd/ssh-bf', 'crowd/ssh-user-enum', 'crowd/http-probing', 'crowd/http-path-traversal']) assert.ok(scenarios.has(s), s)
})

test('exit codes in the result: table', async () => {
  const cases: {name: string; inputs: ScanRequest['inputs']; extra?: Partial<ScanRequest>; want: number}[] = [
    {name: 'no alert -> 0', inputs: [{input: benign}], want: 0},
    {name: 'alerts -> 1', inputs: [{input: AUTH}], want: 1},
    {name: 'alerts with failOn none -> 0', inputs: [{input: AUTH}], extra: {failOn: 'none'}, want: 0},
    {name: 'unreadable input -> 3', inputs: [{input: missing}, {input: benign}], want: 3},
    {name: 'corrupt archive -> 3', inputs: [{input: corrupt}], want: 3},
  ]
  for (const c of cases) {
    const r = await run(c.inputs, c.extra)
    assert.is(r.exit_code, c.want, c.name)
  }
})

test('config errors are CrowdErrors thrown before any input is read: table', async () => {
  const badProfiles = file('bad-profiles.yaml', 'name: x\nfilters:\n  - "Alert.GetScope( =="\ndecisions: []\n')
  const cases: {name: string; request: Partial<ScanRequest>; prepared: boolean; code?: string; message: RegExp}[] = [
    {name: 'missing profiles file', request: {profilesFile: path.join(home, 'nope.yaml')}, prepared: true, message: /nope\.yaml/},
    {name: 'invalid profiles file', request: {profilesFile: badProfiles}, prepared: true, message: /bad-profiles\.yaml/},
    {name: '--collection without --hub', request: {collections: ['crowd/linux']}, prepared: false, code: 'usage', message: /--hub/},
    {name: '--hub without items', request: {hubDir: inDir}, prepared: false, code: 'usage', message: /--collection/},
    {name: 'unknown collection', request: {hubDir: inDir, collections: ['no/such']}, prepared: false, code: 'config', message: /no\/such/},
    {name: 'bad profiles and bad content: the profiles, checked first', request: {hubDir: inDir, collections: ['no/such'], profilesFile: badProfiles}, prepared: false, message: /bad-profiles\.yaml/},
  ]
  for (const c of cases) {
    let read = false
    const stdin = {async *[Symbol.asyncIterator]() { read = true; yield Buffer.from('') }}
    const request: ScanRequest = {inputs: [{input: '-'}], stdin, cacheDir, ...c.request, ...(c.prepared ? {prepared: await prepared()} : {})}
    try {
      await prepareScan(request)
      assert.unreachable(`${c.name}: no error`)
    } catch (error) {
      assert.instance(error, CrowdError, c.name)
      const e = error as CrowdError
      assert.ok(e.code !== 'input', `${c.name}: a config error (exit 2), not an input error`)
      if (c.code !== undefined) assert.is(e.code, c.code, c.name)
      assert.match(`${e.message} ${e.file ?? ''}`, c.message, c.name)
    }
    assert.not.ok(read, `${c.name}: no input read`)
  }
})

test('unreadable input and corrupt archive: reported and logged, the other inputs still scanned', async () => {
  const errors: string[] = []
  const logger: Logger = {error: (m) => errors.push(m), warn() {}, info() {}, debug() {}}
  const r = await run([{input: missing}, {input: corrupt}, {input: AUTH}], {logger})
  const out = asJson(r)
  assert.is(out.exit_code, 3)
  assert.is(out.summary.input_errors, 2)
  assert.match(out.inputs[0]!.error?.message ?? '', /not|no such/i)
  const corruptReport = out.inputs[1]!.error ?? out.inputs[1]!.sources[0]?.error
  assert.ok(corruptReport !== undefined && corruptReport.message !== '', 'the corrupt archive has an error')
  assert.ok(errors.some((m) => m.includes('corrupt.tgz')), `the log names the archive: ${errors.join(' | ')}`)
  assert.ok(alerted(r).includes('crowd/ssh-bf 198.51.100.23'))
})

test('inputs: tar, tgz, gz, directory, glob, stdin give the same alerts as the plain files', async () => {
  const plain = alerted(await run([{input: AUTH}, {input: NGINX}]))
  const authOnly = alerted(await run([{input: AUTH}]))
  assert.ok(plain.length > authOnly.length && authOnly.length > 0, 'both logs give alerts')
  const stdin = (): AsyncIterable<Uint8Array> => Readable.from([auth.subarray(0, 5000), auth.subarray(5000)])
  const cases: {name: string; inputs: ScanRequest['inputs']; extra?: Partial<ScanRequest>; want: string[]}[] = [
    {name: 'tar', inputs: [{input: path.join(inDir, 'logs.tar')}], want: plain},
    {name: 'tgz', inputs: [{input: path.join(inDir, 'logs.tgz')}], want: plain},
    {name: 'directory', inputs: [{input: path.join(inDir, 'tree')}], want: plain},
    {name: 'glob', inputs: [{input: path.join(inDir, 'tree', '**', '*.log')}], want: plain},
    {name: 'gz', inputs: [{input: path.join(inDir, 'auth.log.gz')}], want: authOnly},
    {name: 'stdin with --type', inputs: [{input: '-'}], extra: {type: 'syslog', stdin: stdin()}, want: authOnly},
    {name: 'stdin, type detected', inputs: [{input: '-'}], extra: {stdin: stdin()}, want: authOnly},
  ]
  for (const c of cases) {
    const r = await run(c.inputs, c.extra)
    assert.is(r.exit_code, 1, c.name)
    assert.equal(alerted(r), c.want, c.name)
  }
})

test('mixed types: each file gets its own detected or given type', async () => {
  const r = await run([{input: AUTH, type: 'syslog'}, {input: NGINX}])
  const sources = asJson(r).inputs.flatMap((i) => i.sources)
  assert.equal(sources.map((s) => [s.src, s.type, s.type_from]), [[AUTH, 'syslog', 'input'], [NGINX, 'nginx', 'parsers']])
  const wrong = await run([{input: NGINX}], {type: 'syslog'})
  assert.is(wrong.exit_code, 0, 'nginx lines read as syslog give nothing')
  assert.is(wrong.summary.parsed, 0)
})

test('--ndjson form: the stream yields the same alerts, in order, as the result', async () => {
  const stream = await scanStream({inputs: [{input: AUTH}, {input: NGINX}], prepared: await prepared()})
  const streamed: string[] = []
  for await (const a of stream) streamed.push(JSON.stringify(a))
  const result = await stream.result
  assert.ok(streamed.length > 0)
  assert.equal(streamed, result.alerts.map((a) => JSON.stringify(a)))
  const again = await run([{input: AUTH}, {input: NGINX}])
  assert.equal(streamed, again.alerts.map((a) => JSON.stringify(a)), 'same as a scan of the same inputs')
})

test('shared content, fresh engines: the same scan twice gives the same result', async () => {
  const a = asJson(await run([{input: AUTH}, {input: NGINX}]))
  const b = asJson(await run([{input: AUTH}, {input: NGINX}]))
  assert.equal(a, b)
  assert.ok(a.alerts.length > 0)
})

test('--hub with --collection uses that hub, not the embedded default', async () => {
  const hub = shared?.content.hubDir ?? (await prepared()).content.hubDir
  const r = await scan({inputs: [{input: AUTH}], hubDir: hub, collections: ['crowd/sshd', 'crowd/linux']})
  assert.is(r.content?.origin, 'hub')
  assert.equal(r.content?.collections, ['crowd/sshd', 'crowd/linux'])
  assert.ok(alerted(r).includes('crowd/ssh-bf 198.51.100.23'))
})

test.after(() => fs.rmSync(home, {recursive: true, force: true}))

test.run()
