/**
 * Scans with the parse worker give exactly the single-threaded result: the same inputs with
 * --parse-workers 0 and 1 (real hub content and the embedded collections; archives, several
 * inputs, unreadable and corrupt inputs), compared as whole ScanResult JSON plus the log lines.
 */
import {spawnSync} from 'node:child_process'
import {test} from 'uvu'
import * as assert from 'uvu/assert'
import * as fs from 'node:fs'
import * as os from 'node:os'
import * as path from 'node:path'
import {pathToFileURL} from 'node:url'
import type {Worker} from 'node:worker_threads'
import * as zlib from 'node:zlib'
import * as tar from 'tar'
import type {Logger} from '../../src/model/logger.js'
import {loadStages, prepareScan, resolveContent, runScan, type ScanRequest} from '../../src/pipeline/index.js'
import {parseInWorker, planParseWorker} from '../../src/pipeline/parse-thread.js'
import {AUTO_MIN_BYTES, BlankParseWorker} from '../../src/pipeline/parse-worker-start.js'
import {ROOT, SHARED} from '../helpers/run-cli.js'
import {writerIn} from '../helpers/files.js'

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'crowd-parse-worker-'))
const w = writerIn(dir)
const AUTH = path.join(ROOT, 'test/fixtures/samples/auth.log')
const NGINX = path.join(ROOT, 'test/fixtures/samples/nginx-access.log')
const nginxText = fs.readFileSync(NGINX, 'utf8')
const authText = fs.readFileSync(AUTH, 'utf8')
// many batches: more events than the worker sends per batch, times the in-flight limit
const big = w('big/access.log', nginxText.repeat(Math.ceil(6000 / nginxText.split('\n').length)))
w('content/auth.log', authText)
w('content/sub/access.log.gz', zlib.gzipSync(nginxText))
tar.c({gzip: true, file: path.join(dir, 'logs.tgz'), cwd: path.join(dir, 'content'), sync: true, portable: true}, ['auth.log', 'sub/access.log.gz'])
const archive = path.join(dir, 'logs.tgz')
const corrupt = w('corrupt.tar', Buffer.alloc(4096, 'garbage!'))
const truncatedGz = w('trunc.log.gz', zlib.gzipSync(authText).subarray(0, 40))
const missing = path.join(dir, 'missing.log')
const hub = path.join(SHARED, 'crowdsec-hub')
const HUB_COLLECTIONS = ['crowdsecurity/linux', 'crowdsecurity/nginx', 'crowdsecurity/sshd', 'crowdsecurity/base-http-scenarios']

function capture(): Logger & {lines: string[]; handed: number; early: boolean} {
  const lines: string[] = []
  const out = {lines, handed: 0, early: false}
  const at = (level: string) => (m: string): void => {
    const h = /^parse worker: (\d+) line\(s\) handed/.exec(m)
    if (h !== null) out.handed += Number(h[1])
    if (m.startsWith('parse worker: started ahead')) out.early = true
    if (!m.startsWith('parse worker:')) lines.push(`${level} ${m}`)
  }
  return Object.assign(out, {error: at('error'), warn: at('warn'), info: at('info'), debug: at('debug')})
}

async function scanWith(request: Omit<ScanRequest, 'logger'>, workers: 0 | 1, handOff: 'auto' | 'always' | 'never' = 'auto'): Promise<{json: string; logs: string[]; handed: number}> {
  const logger = capture()
  const options = await prepareScan({...request, logger, parseWorkers: workers})
  if (workers === 1) assert.ok(planParseWorker(options, 2).use, 'the worker is used')
  const result = await runScan({...options, parseHandOff: handOff})
  return {json: JSON.stringify(result, null, 1), logs: logger.lines, handed: logger.handed}
}

const cases: [string, Omit<ScanRequest, 'logger'>][] = [
  ['hub collections: auth.log and nginx sample, types detected', {inputs: [{input: AUTH}, {input: NGINX}], hubDir: hub, collections: HUB_COLLECTIONS}],
  ['hub collections: a big nginx log (many batches), forced type', {inputs: [{input: big, type: 'nginx'}], hubDir: hub, collections: HUB_COLLECTIONS}],
  ['hub collections: archive, corrupt archive, truncated gzip, missing file, directory', {
    inputs: [{input: archive}, {input: corrupt}, {input: truncatedGz}, {input: missing}, {input: path.join(dir, 'content')}], hubDir: hub, collections: HUB_COLLECTIONS,
  }],
  ['embedded collections: samples, archive and a missing file', {inputs: [{input: AUTH}, {input: NGINX}, {input: archive}, {input: missing}], cacheDir: path.join(dir, 'cache')}],
  ['simulation and --type for every input', {inputs: [{input: NGINX}, {input: big}], type: 'nginx', hubDir: hub, collections: HUB_COLLECTIONS, simulation: {simulation: true}}],
]

for (const [name, request] of cases) {
  test(`workers 0 and 1 give the same result: ${name}`, async () => {
    const one = await scanWith(request, 0)
    assert.ok(one.json.length > 200)
    // the worker parses every line, or hands every batch of lines back to this thread
    for (const handOff of ['never', 'always'] as const) {
      const two = await scanWith(request, 1, handOff)
      assert.fixture(two.json, one.json)
      assert.equal(two.logs, one.logs)
      const parsed = (JSON.parse(two.json) as {summary: {lines: number}}).summary.lines
      if (handOff === 'never') assert.is(two.handed, 0)
      else assert.ok(two.handed > 0 && parsed > 0, `lines handed over: ${two.handed}`)
    }
  })
}

// Scenarios that read what the wire leaves out unless asked: Line.Raw, Parsed keys in the filter,
// groupby and distinct, Parsed keys of queued events, a whole Parsed map. If the worker sent too
// little, these would alert differently from a single-threaded scan.
const readers = w('readers/scenarios.yaml', `type: leaky
name: test/raw-and-parsed
description: reads fields the wire sends only on demand
filter: "evt.Meta.log_type == 'http_access-log' && evt.Line.Raw contains 'HTTP/1.1' && evt.Parsed.verb != ''"
groupby: evt.Parsed.remote_addr
distinct: evt.Parsed.request
capacity: 1
leakspeed: 10m
labels:
  remediation: true
---
type: conditional
name: test/queue-reads-parsed
description: reads fields the wire sends only on demand
filter: "evt.Meta.log_type == 'http_access-log'"
groupby: evt.Meta.source_ip
capacity: -1
leakspeed: 10m
condition: "len(queue.Queue) >= 2 && any(queue.Queue, {#.Parsed.http_user_agent contains 'Mozilla'})"
labels:
  remediation: true
---
type: trigger
name: test/whole-parsed
description: reads fields the wire sends only on demand
filter: "evt.Meta.log_type == 'http_access-log' && len(evt.Parsed) > 10 && evt.Enriched.MarshaledTime != ''"
groupby: evt.Meta.source_ip
blackhole: 1m
labels:
  remediation: true
`)

test('workers 0 and 1 give the same result when scenarios read Line.Raw, Parsed keys, queued events and whole maps', async () => {
  const content = resolveContent({hubDir: hub, collections: ['crowdsecurity/linux', 'crowdsecurity/nginx']})
  content.scenarios = [{...content.scenarios[0]!, path: readers}]
  const stages = loadStages(content, {logger: capture()})
  const run = async (workers: 0 | 1, handOff: 'never' | 'always' = 'never'): Promise<string> => {
    const options = await prepareScan({inputs: [{input: big, type: 'nginx'}], prepared: {content, stages}, parseWorkers: workers, logger: capture()})
    return JSON.stringify(await runScan({...options, parseHandOff: handOff}), null, 1)
  }
  // alert digests first: a wrong wire shows as missing alerts, and uvu's diff of two big JSON texts is slow
  const digest = (json: string): string[] => (JSON.parse(json) as {alerts: {scenario: string; source: {value: string}; events_count: number}[]}).alerts.map((a) => `${a.scenario} ${a.source.value} ${a.events_count}`)
  const one = await run(0)
  for (const handOff of ['never', 'always'] as const) {
    const two = await run(1, handOff)
    assert.equal(digest(two), digest(one), handOff)
    assert.ok(two === one, `the same result JSON (hand-off ${handOff})`)
  }
  const scenarios = new Set((JSON.parse(one) as {alerts: {scenario: string}[]}).alerts.map((a) => a.scenario))
  assert.equal([...scenarios].sort(), ['test/queue-reads-parsed', 'test/raw-and-parsed', 'test/whole-parsed'])
})

test('the scans above find alerts and input errors (the comparison is not of empty results)', async () => {
  const {json} = await scanWith(cases[2]![1], 1)
  const result = JSON.parse(json) as {alerts: unknown[]; summary: {input_errors: number; parsed: number}; exit_code: number}
  assert.ok(result.summary.parsed > 0)
  assert.is(result.summary.input_errors, 3)
  assert.is(result.exit_code, 3)
  const withAlerts = JSON.parse((await scanWith(cases[1]![1], 1)).json) as {alerts: unknown[]}
  assert.ok(withAlerts.alerts.length > 0)
})

// Parsers that keep state from line to line: the previous request path of each source, through a stash.
const stashRead = w('stash/a-prev.yaml', `name: test/a-prev
description: the previous request path of this source
filter: "evt.Meta.log_type == 'http_access-log'"
statics:
  - meta: prev_path
    expression: "GetFromStash('test_prev', evt.Meta.source_ip)"
`)
const stashWrite = w('stash/b-store.yaml', `name: test/b-store
description: stores this request path for the next line of the source
filter: "evt.Meta.log_type == 'http_access-log'"
stash:
  - name: test_prev
    key: evt.Meta.source_ip
    value: evt.Meta.http_path
    ttl: 1h
    size: 100000
statics:
  - meta: prev_stored
    value: 'yes'
`)

test('parsers that stash across lines keep every line in the worker (none handed back): same result', async () => {
  const content = resolveContent({hubDir: hub, collections: ['crowdsecurity/linux', 'crowdsecurity/nginx', 'crowdsecurity/base-http-scenarios']})
  content.parsers.push({path: stashRead, stage: 's02-enrich', item: 'test/a-prev'}, {path: stashWrite, stage: 's02-enrich', item: 'test/b-store'})
  const stages = loadStages(content, {logger: capture()})
  const run = async (workers: 0 | 1): Promise<{json: string; handed: number}> => {
    const logger = capture()
    const options = await prepareScan({inputs: [{input: big, type: 'nginx'}], prepared: {content, stages}, parseWorkers: workers, logger})
    if (workers === 1) assert.is(planParseWorker(options, 2).handOff, false)
    return {json: JSON.stringify(await runScan({...options, parseHandOff: 'always'}), null, 1), handed: logger.handed}
  }
  const one = await run(0)
  assert.match(one.json, '"prev_path"')
  const two = await run(1)
  assert.is(two.handed, 0)
  assert.ok(two.json === one.json, 'the same result JSON')
})

test('prepareScan starts the worker ahead; runScan uses it once, and a fresh one for other inputs', async () => {
  const request = {inputs: [{input: NGINX}, {input: AUTH}], hubDir: hub, collections: HUB_COLLECTIONS}
  const one = await scanWith(request, 0)
  const logger = capture()
  const options = await prepareScan({...request, logger, parseWorkers: 1})
  assert.ok(options.parseWorkerEarly !== undefined, 'started by prepareScan')
  const first = JSON.stringify(await runScan(options), null, 1)
  assert.ok(logger.early, 'the early worker was used')
  assert.ok(first === one.json, 'same result')
  // used once: the same options (their engines keep the first scan's buckets) scan again with a new worker
  logger.early = false
  await runScan(options)
  assert.is(logger.early, false)
  // started for other inputs: not used (stopped), a fresh worker reads the right ones
  const other = await prepareScan({...request, logger, parseWorkers: 1})
  const authOnly = JSON.parse(JSON.stringify(await runScan({...other, inputs: [{input: AUTH}]}))) as {inputs: {input: string}[]}
  assert.equal(authOnly.inputs.map((i) => i.input), [AUTH])
  assert.is(logger.early, false)
})

test('a worker started before the content is chosen (BlankParseWorker) gets its work from prepareScan: same result', async () => {
  const request = {inputs: [{input: NGINX}, {input: AUTH}], hubDir: hub, collections: HUB_COLLECTIONS}
  const one = await scanWith(request, 0)
  const logger = capture()
  const blank = new BlankParseWorker()
  const options = await prepareScan({...request, logger, parseWorkers: 1, parseWorkerBlank: blank})
  assert.ok(options.parseWorkerEarly !== undefined)
  assert.not.ok('parseWorkerBlank' in options, 'the blank worker is not passed on')
  const json = JSON.stringify(await runScan(options), null, 1)
  assert.ok(logger.early, 'the worker given its work was used')
  assert.ok(json === one.json, 'same result')
})

test('a blank worker the content rules out is stopped; one that died meanwhile is replaced by a fresh worker', async () => {
  const request = {inputs: [{input: NGINX}], hubDir: hub, collections: HUB_COLLECTIONS}
  // the test waits for the exits: the workers are unref'd, so it holds the event loop open meanwhile
  const exitOf = (blank: BlankParseWorker): Promise<number> => {
    const worker = (blank as unknown as {worker: Worker}).worker
    worker.ref()
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('the worker did not exit within 20 s')), 20_000)
      worker.once('exit', (code) => {
        clearTimeout(timer)
        resolve(code)
      })
    })
  }
  const unused = new BlankParseWorker()
  const stopped = exitOf(unused)
  await prepareScan({...request, logger: capture(), parseWorkers: 0, parseWorkerBlank: unused})
  await stopped
  const one = await scanWith(request, 0)
  const dead = new BlankParseWorker(new URL('data:text/javascript,process.exit(3)'))
  assert.is(await exitOf(dead), 3)
  const logger = capture()
  const options = await prepareScan({...request, logger, parseWorkers: 1, parseWorkerBlank: dead})
  const json = JSON.stringify(await runScan(options), null, 1)
  assert.ok(logger.early, 'a fresh worker was started ahead instead')
  assert.ok(json === one.json, 'same result')
})

test('a worker started ahead and never used does not keep the process alive', () => {
  const code = `import {prepareScan} from ${JSON.stringify(pathToFileURL(path.join(ROOT, 'src/pipeline/index.ts')).href)}
const options = await prepareScan({inputs: [{input: ${JSON.stringify(NGINX)}}], hubDir: ${JSON.stringify(hub)}, collections: ['crowdsecurity/nginx'], parseWorkers: 1})
console.log(options.parseWorkerEarly !== undefined ? 'started' : 'none')`
  const r = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', code], {encoding: 'utf8', timeout: 30_000, cwd: ROOT})
  assert.is(r.status, 0, r.stderr)
  assert.is(r.stdout.trim(), 'started')
})

const planCases: [string, Parameters<typeof planParseWorker>[0], number, boolean][] = [
  ['setting 0', {parseWorkers: 0, parseWorkerContent: {content: {} as never, sharedState: false}, inputs: [{input: big}]}, 2, false],
  ['setting 1', {parseWorkers: 1, parseWorkerContent: {content: {} as never, sharedState: false}, inputs: [{input: AUTH}]}, 2, true],
  ['setting 1 without content info', {parseWorkers: 1, inputs: [{input: AUTH}]}, 2, false],
  ['setting 1 with stash shared by scenarios', {parseWorkers: 1, parseWorkerContent: {content: {} as never, sharedState: true}, inputs: [{input: AUTH}]}, 2, false],
  ['setting 1 with stdin', {parseWorkers: 1, parseWorkerContent: {content: {} as never, sharedState: false}, inputs: [{input: AUTH}, {input: '-'}]}, 2, false],
  ['setting 1 on one core', {parseWorkers: 1, parseWorkerContent: {content: {} as never, sharedState: false}, inputs: [{input: AUTH}]}, 1, false],
  ['auto with small files', {parseWorkers: 'auto', parseWorkerContent: {content: {} as never, sharedState: false}, inputs: [{input: AUTH}, {input: NGINX}]}, 2, false],
  ['auto with a file of AUTO_MIN_BYTES', {parseWorkers: 'auto', parseWorkerContent: {content: {} as never, sharedState: false}, inputs: [{input: 'SPARSE'}]}, 2, true],
]
const sparse = path.join(dir, 'sparse.log')
fs.writeFileSync(sparse, '')
fs.truncateSync(sparse, AUTO_MIN_BYTES)
for (const [name, options, cores, use] of planCases) {
  test(`plan: ${name}`, () => {
    const inputs = options.inputs.map((i) => (i.input === 'SPARSE' ? {input: sparse} : i))
    const plan = planParseWorker({...options, inputs}, cores)
    assert.is(plan.use, use)
    if (use) assert.is(plan.handOff, true)
  })
}

test('plan: parsers that keep state across lines: the worker, no hand-off', () => {
  const plan = planParseWorker({parseWorkers: 1, parseWorkerContent: {content: {} as never, sharedState: false, parserState: true}, inputs: [{input: AUTH}]}, 2)
  assert.equal([plan.use, plan.handOff], [true, false])
})

const sink = {event: () => {}, warning: () => {}, progress: () => {}}
const silent = {error() {}, warn() {}, info() {}, debug() {}}
const request = {content: {} as never, inputs: [{input: 'first.log'}, {input: 'second.log'}], logLevel: 'warn' as const}

test('a worker that dies is an error naming the input, not a hang', async () => {
  const script = w('dying-worker.mjs', "import {parentPort} from 'node:worker_threads'\nparentPort.postMessage({type: 'input', index: 1})\nsetTimeout(() => { throw new Error('boom') }, 5)\n")
  try {
    await parseInWorker(request, sink, silent, {url: pathToFileURL(script)})
    assert.unreachable('should fail')
  } catch (error) {
    assert.match((error as Error).message, /parse worker failed while reading second\.log: boom/)
  }
})

test('a worker that exits early is an error, not a hang', async () => {
  const script = w('exiting-worker.mjs', 'process.exit(0)\n')
  try {
    await parseInWorker(request, sink, silent, {url: pathToFileURL(script)})
    assert.unreachable('should fail')
  } catch (error) {
    assert.match((error as Error).message, /parse worker exited \(code 0\) before reading any input/)
  }
})

test.run()
