/**
 * `crowd watch` as a library (src/pipeline/watch.ts) with CrowdSec's sshd parsers and scenarios
 * from ../shared/crowdsec-hub plus a counter and a trigger scenario of our own, on a real SQLite
 * store through the LAPI's profiles (src/lapi/agent-sink.ts):
 * - cron mode: a log cut into K pieces and fed to K runs gives the alerts one scan of the whole
 *   log gives (leaky, conditional, counter and trigger buckets spanning the cuts), also when the
 *   file is rotated (rename + create, and copytruncate) between two runs;
 * - positions: a second run over an unchanged file reads nothing;
 * - a corrupt saved state is set aside and the run starts clean, without crashing;
 * - daemon mode: a backlog, then lines appended later, then a new file of a glob;
 * - the parse worker: the same alerts and figures as parsing in one thread; a worker that dies
 *   loses nothing (its lines are parsed in the loop's thread).
 */
import {execFileSync} from 'node:child_process'
import * as fs from 'node:fs'
import * as os from 'node:os'
import * as path from 'node:path'
import {pathToFileURL} from 'node:url'
import {test} from 'uvu'
import * as assert from 'uvu/assert'
import {openAgentSink, StoreAgentSink} from '../../src/lapi/agent-sink.js'
import {loadConfig} from '../../src/config/config.js'
import {silentLogger} from '../../src/model/logger.js'
import {loadStages, resolveContent, scan, type LoadedStages, type ScanContent} from '../../src/pipeline/index.js'
import {startWatch, type WatchOptions, type WatchResult} from '../../src/pipeline/watch.js'
import type {WatchSourceSpec} from '../../src/pipeline/watch-sources.js'
import {openStore} from '../../src/store/open.js'
import {storeLocation} from '../../src/store/open.js'
import {SHARED} from '../helpers/run-cli.js'

const HUB = path.join(SHARED, 'crowdsec-hub')
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'crowd-watch-'))
test.after(() => fs.rmSync(tmp, {recursive: true, force: true}))

const OWN_SCENARIOS = `type: counter
name: test/ssh-failures-per-hour
description: "counts failed ssh logins per IP over 20 minutes"
filter: "evt.Meta.log_type == 'ssh_failed-auth'"
groupby: evt.Meta.source_ip
duration: 20m
capacity: -1
labels:
  remediation: false
---
type: trigger
name: test/ssh-root-attempt
description: "a failed login as root"
filter: "evt.Meta.log_type == 'ssh_failed-auth' && evt.Meta.target_user == 'root'"
groupby: evt.Meta.source_ip
blackhole: 5m
labels:
  remediation: true
---
type: conditional
name: test/ssh-six-failures
description: "six failed logins from one IP, the first of them not for a known user"
filter: "evt.Meta.log_type == 'ssh_failed-auth'"
groupby: evt.Meta.source_ip
capacity: -1
leakspeed: 30m
condition: |
  len(queue.Queue) >= 6 && queue.Queue[0].Meta.target_user not in ['alice', 'bob', 'carol', 'dave']
labels:
  remediation: true
`

let content: ScanContent | undefined
let stages: LoadedStages | undefined
function testContent(): {content: ScanContent; stages: LoadedStages} {
  if (content === undefined) {
    content = resolveContent({hubDir: HUB, collections: ['crowdsecurity/sshd'], parsers: ['crowdsecurity/syslog-logs', 'crowdsecurity/dateparse-enrich']})
    const own = path.join(tmp, 'own-scenarios.yaml')
    fs.writeFileSync(own, OWN_SCENARIOS)
    content.scenarios.push({path: own, item: 'test/own'})
    stages = loadStages(content)
  }
  return {content, stages: stages!}
}

/** A deterministic sshd log with attackers (SHARED/bench/genlogs.mjs). */
function sshLog(lines: number, seed: number): string[] {
  const out = path.join(tmp, `gen-${lines}-${seed}.log`)
  if (!fs.existsSync(out)) execFileSync(process.execPath, [path.join(SHARED, 'bench', 'genlogs.mjs'), 'ssh', '--lines', String(lines), '--seed', String(seed), '--out', out, '--truth', out + '.json'], {stdio: 'ignore'})
  return fs.readFileSync(out, 'utf8').split('\n').filter((l) => l !== '')
}

interface AlertKey {
  scenario: string
  value: string
  count: number
  start: number
  stop: number
}

const keyText = (a: AlertKey) => `${a.scenario} ${a.value} ${a.count} ${a.start} ${a.stop}`
const sorted = (list: AlertKey[]) => list.map(keyText).sort()

async function scanAlerts(file: string): Promise<AlertKey[]> {
  const result = await scan({inputs: [{input: file, type: 'syslog'}], prepared: testContent()})
  return result.alerts.map((a) => ({scenario: a.Scenario, value: a.Source.Value, count: a.EventsCount, start: Date.parse(a.StartAt), stop: Date.parse(a.StopAt)}))
}

async function storedAlerts(db: string): Promise<AlertKey[]> {
  const store = await openStore(storeLocation(db, tmp))
  try {
    const alerts = await store.queryAlerts({sort: 'ASC'}, Date.now())
    return alerts.map((a) => ({scenario: a.scenario, value: a.source.value, count: a.eventsCount, start: a.startAt, stop: a.stopAt}))
  } finally {
    await store.close()
  }
}

function configFor(db: string): ReturnType<typeof loadConfig> {
  const dir = fs.mkdtempSync(path.join(tmp, 'cfg-'))
  const file = path.join(dir, 'crowd.toml')
  fs.writeFileSync(file, `[paths]\ndata_dir = ${JSON.stringify(dir)}\n[store]\nurl = ${JSON.stringify(db)}\n`)
  return loadConfig({configFlag: file, env: {}})
}

async function runOnce(db: string, sources: WatchSourceSpec[], extra: Partial<WatchOptions> = {}): Promise<WatchResult> {
  const sink = await openAgentSink(configFor(db), silentLogger)
  try {
    const run = await startWatch({sources, stages: testContent().stages, sink, once: true, ...extra})
    return await run.done
  } finally {
    await sink.close()
  }
}

const fileSource = (file: string): WatchSourceSpec => ({kind: 'file', paths: [file], labels: {type: 'syslog'}})

/** Cut points for K pieces: deterministic, uneven, never empty pieces. */
function cuts(n: number, k: number): number[] {
  const out: number[] = []
  for (let i = 1; i < k; i++) out.push(Math.floor((n * i * i) / (k * k)) + i)
  return [...new Set(out)].filter((c) => c > 0 && c < n).sort((a, b) => a - b)
}

/** A case named `name`: the alerts one scan of `lines` finds, and where its store and its log go. */
async function setUp(name: string, lines: string[]): Promise<{expected: AlertKey[]; db: string; log: string}> {
  const whole = path.join(tmp, `${name}-whole.log`)
  fs.writeFileSync(whole, lines.join('\n') + '\n')
  return {expected: await scanAlerts(whole), db: path.join(tmp, `${name}.db`), log: path.join(tmp, `${name}.log`)}
}

/**
 * Writes `lines` to a fresh log in K pieces, one `--once` run after each piece (then `between`,
 * if given); returns the stored alerts, and the alerts one scan of the whole log finds.
 */
async function piecewise(name: string, lines: string[], k: number, between?: (db: string) => Promise<void>): Promise<{stored: AlertKey[]; expected: AlertKey[]; runs: number}> {
  const {expected, db, log} = await setUp(name, lines)
  fs.writeFileSync(log, '')
  let from = 0
  let runs = 0
  for (const cut of [...cuts(lines.length, k), lines.length]) {
    fs.appendFileSync(log, lines.slice(from, cut).join('\n') + '\n')
    from = cut
    const result = await runOnce(db, [fileSource(log)])
    runs++
    assert.equal(result.errors, [])
    assert.ok(result.exit_code === 0 || result.exit_code === 1, `exit code ${result.exit_code}`)
    await between?.(db)
  }
  return {stored: await storedAlerts(db), expected, runs}
}

for (const k of [2, 3, 7]) {
  test(`cron mode: the log cut into ${k} pieces, ${k} --once runs, the alerts of one scan`, async () => {
    const {stored, expected, runs} = await piecewise(`cron-${k}`, sshLog(4000, 3), k)
    const kinds = new Set(expected.map((a) => a.scenario))
    assert.ok(kinds.has('crowdsecurity/ssh-bf') && kinds.has('test/ssh-failures-per-hour') && kinds.has('test/ssh-root-attempt') && kinds.has('test/ssh-six-failures'), `scenario kinds alerted: ${[...kinds].join(', ')}`)
    assert.is(runs, k)
    assert.equal(sorted(stored), sorted(expected))
  })
}

test('cron mode: without the saved buckets the same cuts give other alerts (the cuts do split buckets)', async () => {
  // forget the buckets after each run, keep the positions
  const {stored, expected} = await piecewise('nobuckets', sshLog(4000, 3), 7, async (db) => {
    const sink = (await openAgentSink(configFor(db), silentLogger)) as StoreAgentSink
    const state = JSON.parse((await sink.loadState())!.state) as {buckets: unknown}
    state.buckets = null
    await sink.commit([], {state: JSON.stringify(state), rows: {full: true, upserts: [], deletes: []}})
    await sink.close()
  })
  assert.not.equal(sorted(stored), sorted(expected))
})

test('cron mode: rotation between runs (rename + create, then copytruncate): the old file is finished first, nothing lost or repeated', async () => {
  const lines = sshLog(3000, 4)
  const {expected, db, log} = await setUp('rot', lines)
  const part = (a: number, b: number) => lines.slice(a, b).join('\n') + '\n'
  fs.writeFileSync(log, part(0, 700))
  await runOnce(db, [fileSource(log)])
  // more lines, then logrotate's rename + create before the next run
  fs.appendFileSync(log, part(700, 1200))
  fs.renameSync(log, log + '.1')
  fs.writeFileSync(log, part(1200, 1900))
  await runOnce(db, [fileSource(log)])
  // more lines, then copytruncate: copied to .1 (the old .1 moves on), the file emptied in place
  fs.appendFileSync(log, part(1900, 2500))
  fs.renameSync(log + '.1', log + '.2')
  fs.copyFileSync(log, log + '.1')
  fs.truncateSync(log, 0)
  fs.appendFileSync(log, part(2500, lines.length))
  const last = await runOnce(db, [fileSource(log)])
  assert.equal(last.errors, [])
  assert.equal(sorted(await storedAlerts(db)), sorted(expected))
})

test('cron mode: a second run over an unchanged file reads nothing and stores nothing', async () => {
  const lines = sshLog(1000, 5)
  const db = path.join(tmp, 'again.db')
  const log = path.join(tmp, 'again.log')
  fs.writeFileSync(log, lines.join('\n') + '\n')
  const first = await runOnce(db, [fileSource(log)])
  assert.is(first.summary.lines, lines.length)
  const stored = (await storedAlerts(db)).length
  // issue 18: the stored alerts carry the scenario's version from the hub's .index.json (the one
  // whose digest is the file's sha256, the alert's hash); our own scenarios, in no index, are custom
  const index = JSON.parse(fs.readFileSync(path.join(HUB, '.index.json'), 'utf8')) as {scenarios: Record<string, {versions: Record<string, {digest: string}>}>}
  const store = await openStore(storeLocation(db, tmp))
  const records = await store.queryAlerts({sort: 'ASC'}, Date.now()).finally(() => store.close())
  assert.ok(records.some((r) => r.scenario.startsWith('crowdsecurity/')) && records.some((r) => r.scenario.startsWith('test/')), records.map((r) => r.scenario).join(' '))
  for (const r of records) {
    if (r.scenario.startsWith('test/')) assert.equal([r.scenarioHash, r.scenarioVersion], ['', ''], r.scenario)
    // crowdsecurity/ssh-bf_user-enum is a second scenario of crowdsecurity/ssh-bf's file: the digest of some item's version
    else assert.ok(r.scenarioHash !== '' && Object.values(index.scenarios).some((item) => item.versions[r.scenarioVersion]?.digest === r.scenarioHash), `${r.scenario} ${r.scenarioHash} ${r.scenarioVersion}`)
  }
  const second = await runOnce(db, [fileSource(log)])
  assert.is(second.summary.lines, 0)
  assert.is(second.summary.alerts, 0)
  assert.is(second.exit_code, 0)
  assert.is((await storedAlerts(db)).length, stored)
})

test('a corrupt saved state is reported, set aside, and the run starts clean (no crash loop)', async () => {
  const lines = sshLog(600, 6)
  const db = path.join(tmp, 'corrupt.db')
  const log = path.join(tmp, 'corrupt.log')
  fs.writeFileSync(log, lines.join('\n') + '\n')
  const sink = await openAgentSink(configFor(db), silentLogger)
  assert.ok(sink instanceof StoreAgentSink)
  await sink.commit([], {state: '{"version":2,"positions":{"file:x":{"file":{"path":1}}}}', rows: {full: true, upserts: [], deletes: []}})
  await sink.close()
  const result = await runOnce(db, [fileSource(log)])
  assert.ok(result.warnings.some((w) => /corrupt watch state/.test(w) && /set aside/.test(w)), result.warnings.join('\n'))
  assert.is(result.summary.lines, lines.length, 'read again from the beginning')
  const store = await openStore(storeLocation(db, tmp))
  try {
    const all = await Promise.all(['x'].map(() => store.agentState((sink as StoreAgentSink).stateName)))
    assert.ok(all[0] !== undefined && all[0].state.startsWith('{"version":2'), 'a fresh state was saved')
  } finally {
    await store.close()
  }
  // and the next run goes on from there
  const next = await runOnce(db, [fileSource(log)])
  assert.equal(next.warnings, [])
  assert.is(next.summary.lines, 0)
})

test('cron mode with the parse worker: 3 pieces, the alerts of one scan, the same figures as parsing in one thread', async () => {
  const lines = sshLog(4000, 3)
  const {expected, db, log} = await setUp('cron-worker', lines)
  const here = path.join(tmp, 'cron-worker-here.db')
  fs.writeFileSync(log, '')
  let from = 0
  for (const cut of [...cuts(lines.length, 3), lines.length]) {
    fs.appendFileSync(log, lines.slice(from, cut).join('\n') + '\n')
    from = cut
    const inWorker = await runOnce(db, [fileSource(log)], {parseWorker: {content: testContent().content}})
    const inThread = await runOnce(here, [fileSource(log)])
    assert.equal(inWorker.warnings, [])
    assert.equal(inWorker.summary, inThread.summary)
    assert.equal(inWorker.figures.parsers, inThread.figures.parsers)
    assert.equal(inWorker.figures.buckets, inThread.figures.buckets)
  }
  assert.equal(sorted(await storedAlerts(db)), sorted(expected))
})

test('a parse worker that fails: reported once, its lines parsed in this thread, nothing lost', async () => {
  const lines = sshLog(4000, 3)
  const {expected, db, log} = await setUp('worker-fails', lines)
  fs.writeFileSync(log, lines.join('\n') + '\n')
  // a worker that dies at its first batch, with batches in flight
  const script = path.join(tmp, 'dying-worker.mjs')
  fs.writeFileSync(script, "import {parentPort} from 'node:worker_threads'\nparentPort.on('message', (m) => { if (m.type === 'parse') process.exit(3) })\n")
  const result = await runOnce(db, [{kind: 'file', paths: [log], labels: {type: 'syslog'}}], {parseWorker: {content: testContent().content, url: pathToFileURL(script)}, maxQueueLines: 200})
  assert.equal(result.warnings.filter((w) => /parse worker failed/.test(w)).length, 1, result.warnings.join('\n'))
  assert.is(result.summary.parsed + result.summary.unparsed, lines.length)
  assert.equal(sorted(await storedAlerts(db)), sorted(expected))
})

for (const withWorker of [false, true]) test(`daemon mode${withWorker ? ' (parse worker)' : ''}: the backlog, lines appended later, and a new file matching the glob, all stored; stop() drains and saves`, async () => {
  const lines = sshLog(1500, 7)
  const dir = fs.mkdtempSync(path.join(tmp, 'daemon-'))
  const db = path.join(tmp, `daemon-${withWorker}.db`)
  const a = path.join(dir, 'a.log')
  fs.writeFileSync(a, lines.slice(0, 500).join('\n') + '\n')
  const sink = await openAgentSink(configFor(db), silentLogger)
  const run = await startWatch({sources: [{kind: 'file', paths: [path.join(dir, '*.log')], labels: {type: 'syslog'}}], stages: testContent().stages, sink, pollMs: 20, globPollMs: 50,
    ...(withWorker ? {parseWorker: {content: testContent().content}} : {})})
  try {
    const waitLines = async (n: number) => {
      for (let i = 0; i < 500; i++) {
        const f = run.figures()
        if (f.sources.reduce((t, s) => t + s.parsed + s.unparsed, 0) >= n) return
        await new Promise((r) => setTimeout(r, 20))
      }
      assert.unreachable(`fewer than ${n} lines processed: ${JSON.stringify(run.figures().sources)}`)
    }
    await waitLines(500)
    fs.appendFileSync(a, lines.slice(500, 1000).join('\n') + '\n')
    await waitLines(1000)
    fs.writeFileSync(path.join(dir, 'b.log'), lines.slice(1000).join('\n') + '\n')
    await waitLines(1500)
    // a file deleted by its retention stops being followed, and its position is forgotten
    fs.rmSync(a)
    for (let i = 0; i < 200 && run.figures().sources.some((s) => s.src === a); i++) await new Promise((r) => setTimeout(r, 20))
    assert.equal(run.figures().sources.map((s) => s.src), [path.join(dir, 'b.log')])
  } finally {
    const result = await run.stop()
    await sink.close()
    assert.is(result.figures.sources.length, 1)
    const reader = await openAgentSink(configFor(db), silentLogger)
    const state = JSON.parse((await reader.loadState())!.state) as {positions: Record<string, unknown>}
    await reader.close()
    assert.equal(Object.keys(state.positions), [`file:${path.join(dir, 'b.log')}`])
    assert.ok(result.summary.alerts > 0)
    assert.is((await storedAlerts(db)).length, result.summary.alerts)
  }
})

test('daemon mode with fromEnd: a source without a saved position starts at its current end; a new file of the glob from its beginning', async () => {
  const lines = sshLog(1200, 8)
  const dir = fs.mkdtempSync(path.join(tmp, 'fromend-'))
  const db = path.join(tmp, 'fromend.db')
  const a = path.join(dir, 'a.log')
  fs.writeFileSync(a, lines.slice(0, 600).join('\n') + '\n')
  const sink = await openAgentSink(configFor(db), silentLogger)
  const run = await startWatch({sources: [{kind: 'file', paths: [path.join(dir, '*.log')], labels: {type: 'syslog'}}], stages: testContent().stages, sink, fromEnd: true, pollMs: 20, globPollMs: 50})
  const processed = () => run.figures().sources.reduce((t, s) => t + s.parsed + s.unparsed + s.whitelisted, 0)
  try {
    await new Promise((r) => setTimeout(r, 300))
    assert.is(processed(), 0, 'the 600 lines there before the start are skipped')
    fs.appendFileSync(a, lines.slice(600, 900).join('\n') + '\n')
    fs.writeFileSync(path.join(dir, 'b.log'), lines.slice(900).join('\n') + '\n')
    for (let i = 0; i < 300 && processed() < 600; i++) await new Promise((r) => setTimeout(r, 20))
    assert.is(processed(), 600)
  } finally {
    await run.stop()
    await sink.close()
  }
})

test('a store that refuses commits: alerts kept and retried, exit code 4 when the run cannot save, nothing lost on the next run', async () => {
  const lines = sshLog(2000, 9)
  const {expected, db, log} = await setUp('refuse', lines)
  fs.writeFileSync(log, lines.join('\n') + '\n')
  // the real store behind a sink that refuses the first `failures` commits (a database that is down, then back)
  const flaky = async (failures: number) => {
    const sink = await openAgentSink(configFor(db), silentLogger)
    let refused = 0
    const commit = sink.commit.bind(sink)
    sink.commit = async (alerts, state) => {
      if (refused++ < failures) throw new Error('database is locked')
      return commit(alerts, state)
    }
    return sink
  }
  const down = await flaky(Infinity)
  const failed = await (await startWatch({sources: [fileSource(log)], stages: testContent().stages, sink: down, once: true})).done
  await down.close()
  assert.is(failed.exit_code, 4)
  assert.ok(failed.figures.commits.failed >= 1 && failed.figures.commits.ok === 0)
  assert.equal(await storedAlerts(db), [])
  // back after two refusals: the whole log is read again (positions did not move) and every alert stored once
  const back = await flaky(2)
  const ok = await (await startWatch({sources: [fileSource(log)], stages: testContent().stages, sink: back, once: true})).done
  await back.close()
  assert.is(ok.summary.lines, lines.length)
  assert.ok(ok.figures.commits.failed === 2 && ok.exit_code === 1, JSON.stringify(ok.figures.commits))
  assert.equal(sorted(await storedAlerts(db)), sorted(expected))
})

test.run()
