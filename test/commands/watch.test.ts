/**
 * `crowd watch` as a process: kill -9 at random moments of cron and daemon runs, then runs to the
 * end, store exactly the alerts one scan of the log finds (none lost, none twice); SIGHUP
 * reloads content and keeps buckets; SIGTERM drains and exits 0; a watch posts to a remote
 * `crowd lapi serve`; sources that cannot be read are errors with exit code 3, not crashes.
 */
import {spawn, execFileSync, type ChildProcess} from 'node:child_process'
import * as fs from 'node:fs'
import * as path from 'node:path'
import {test} from 'uvu'
import * as assert from 'uvu/assert'
import {addMachine} from '../../src/lapi/admin.js'
import {prepareContent, scan} from '../../src/pipeline/index.js'
import {openStore, storeLocation} from '../../src/store/open.js'
import {BIN, ROOT, runDeno, SHARED} from '../helpers/run-cli.js'
import {makeHome, type Home} from './lapi/helpers.js'
import {freePort} from '../helpers/crowdsec.js'
import {writeJournal, type ExportEntry} from '../acquisition/journal-files.js'

const HUB = path.join(SHARED, 'crowdsec-hub')
const CONTENT = ['--hub', HUB, '--collection', 'crowdsecurity/sshd', '--parser', 'crowdsecurity/syslog-logs', '--parser', 'crowdsecurity/dateparse-enrich']
const children: ChildProcess[] = []
test.after(() => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL')
})

function sshLog(dir: string, lines: number, seed: number): string {
  const out = path.join(dir, `ssh-${seed}.log`)
  execFileSync(process.execPath, [path.join(SHARED, 'bench', 'genlogs.mjs'), 'ssh', '--lines', String(lines), '--seed', String(seed), '--out', out, '--truth', out + '.json'], {stdio: 'ignore'})
  return out
}

const alertKey = (a: {scenario: string; value: string; count: number; start: number; stop: number}) => `${a.scenario} ${a.value} ${a.count} ${a.start} ${a.stop}`

async function scanKeys(log: string): Promise<string[]> {
  const result = await scan({inputs: [{input: log, type: 'syslog'}], prepared: await prepareContent({hubDir: HUB, collections: ['crowdsecurity/sshd'], parsers: ['crowdsecurity/syslog-logs', 'crowdsecurity/dateparse-enrich']})})
  return result.alerts.map((a) => alertKey({scenario: a.Scenario, value: a.Source.Value, count: a.EventsCount, start: Date.parse(a.StartAt), stop: Date.parse(a.StopAt)})).sort()
}

async function storedKeys(db: string): Promise<string[]> {
  const store = await openStore(storeLocation(db, path.dirname(db)))
  try {
    return (await store.queryAlerts({sort: 'ASC'}, Date.now())).map((a) => alertKey({scenario: a.scenario, value: a.source.value, count: a.eventsCount, start: a.startAt, stop: a.stopAt})).sort()
  } finally {
    await store.close()
  }
}

function start(home: Home, args: string[]): {child: ChildProcess; exited: Promise<{code: number | null; signal: string | null}>; stderr: () => string} {
  const child = spawn(process.execPath, [BIN, ...args], {cwd: ROOT, env: {...process.env, NO_COLOR: '1', ...home.env}, stdio: ['ignore', 'pipe', 'pipe']})
  children.push(child)
  let err = ''
  child.stderr!.setEncoding('utf8').on('data', (c: string) => (err += c))
  child.stdout!.resume()
  const exited = new Promise<{code: number | null; signal: string | null}>((resolve) => child.on('exit', (code, signal) => resolve({code, signal})))
  return {child, exited, stderr: () => err}
}

/** A deterministic sequence of delays (ms) in [lo, hi). */
function delays(seed: number, n: number, lo: number, hi: number): number[] {
  let x = seed >>> 0
  const out: number[] = []
  for (let i = 0; i < n; i++) {
    x = (Math.imul(x, 1664525) + 1013904223) >>> 0
    out.push(lo + (x % (hi - lo)))
  }
  return out
}

test('kill -9 at random moments of cron and daemon runs: after a last run, the store holds exactly the alerts of one scan', async () => {
  const home = makeHome('watch-kill')
  const log = sshLog(home.dir, 120_000, 11)
  const expected = await scanKeys(log)
  assert.ok(expected.length > 20, `${expected.length} alerts expected`)
  const db = path.join(home.dir, 'crowd.db')
  let killed = 0
  for (const [i, ms] of delays(7, 6, 400, 3000).entries()) {
    const args = ['watch', ...(i % 2 === 0 ? ['--once'] : []), `${log}:syslog`, ...CONTENT]
    const p = start(home, args)
    const timer = setTimeout(() => p.child.kill('SIGKILL'), ms)
    const exit = await p.exited
    clearTimeout(timer)
    if (exit.signal === 'SIGKILL') killed++
    else if (i % 2 === 0) assert.ok(exit.code === 0 || exit.code === 1, `exit ${exit.code}: ${p.stderr()}`)
  }
  assert.ok(killed >= 3, `only ${killed} runs were killed mid-way`)
  const last = await home.run(['watch', '--once', `${log}:syslog`, ...CONTENT])
  assert.ok(last.status === 0 || last.status === 1, last.stderr)
  const stored = await storedKeys(db)
  const missing = expected.filter((k) => !stored.includes(k))
  const extra = stored.filter((k) => !expected.includes(k))
  const twice = stored.filter((k, i) => stored.indexOf(k) !== i)
  assert.equal({missing, extra, twice}, {missing: [], extra: [], twice: []})
  assert.is(stored.length, expected.length)
})

test('SIGHUP reloads content and configuration and keeps the buckets; SIGTERM drains and exits 0', async () => {
  const home = makeHome('watch-hup')
  const log = path.join(home.dir, 'auth.log')
  fs.writeFileSync(log, '')
  const p = start(home, ['watch', `${log}:syslog`, ...CONTENT, '--log-level', 'info'])
  const waitFor = async (re: RegExp, what: string) => {
    for (let i = 0; i < 300; i++) {
      if (re.test(p.stderr())) return
      await new Promise((r) => setTimeout(r, 50))
    }
    assert.unreachable(`${what}: ${p.stderr()}`)
  }
  const now = () => {
    const d = new Date()
    const mon = d.toLocaleString('en-US', {month: 'short', timeZone: 'UTC'})
    return `${mon} ${String(d.getUTCDate()).padStart(2, ' ')} ${d.toISOString().slice(11, 19)}`
  }
  const fail = (n: number) => Array.from({length: n}, (_, i) => `${now()} web01 sshd[${100 + i}]: Failed password for root from 198.51.100.77 port ${40000 + i} ssh2`).join('\n') + '\n'
  await waitFor(/watching 1 source/, 'the watch did not start')
  fs.appendFileSync(log, fail(3))
  // the lines reach the buckets once the parse worker (compiling its content meanwhile) answers: reload until they have
  for (let n = 1; n <= 40 && !/reloaded: [1-9]\d* bucket\(s\) kept/.test(p.stderr()); n++) {
    await new Promise((r) => setTimeout(r, 300))
    p.child.kill('SIGHUP')
    const reloads = (): number => p.stderr().split('reloaded: ').length - 1
    for (let i = 0; i < 300 && reloads() < n; i++) await new Promise((r) => setTimeout(r, 50))
    assert.is(reloads(), n, `reload ${n} did not finish: ${p.stderr()}`)
  }
  await waitFor(/reloaded: [1-9]\d* bucket\(s\) kept/, 'no reload with kept buckets')
  // three more: ssh-bf (capacity 5) overflows only if the first three were kept
  fs.appendFileSync(log, fail(3))
  const db = path.join(home.dir, 'crowd.db')
  let stored: string[] = []
  for (let i = 0; i < 100 && !stored.some((k) => k.startsWith('crowdsecurity/ssh-bf 198.51.100.77')); i++) {
    await new Promise((r) => setTimeout(r, 100))
    if (fs.existsSync(db)) stored = await storedKeys(db)
  }
  assert.ok(stored.some((k) => k.startsWith('crowdsecurity/ssh-bf 198.51.100.77')), `no ssh-bf alert: ${stored.join('\n')}\n${p.stderr()}`)
  p.child.kill('SIGTERM')
  const exit = await p.exited
  assert.is(exit.code, 0, p.stderr())
})

test('a watch posts to a remote crowd lapi serve ([lapi.credentials]); a second run posts nothing twice', async () => {
  const server = makeHome('watch-serve')
  const store = await openStore({engine: 'sqlite', target: path.join(server.dir, 'crowd.db')})
  try {
    await addMachine(store, {name: 'agent1', password: 'pw-agent'})
  } finally {
    await store.close()
  }
  const s = start(server, ['lapi', 'serve', '--listen', '127.0.0.1:0'])
  const url = await new Promise<string>((resolve, reject) => {
    const t = setInterval(() => {
      const m = /crowd lapi listening on (http:\/\/127\.0\.0\.1:\d+\/)/.exec(s.stderr())
      if (m !== null) {
        clearInterval(t)
        resolve(m[1]!)
      }
    }, 50)
    void s.exited.then(() => reject(new Error(`lapi serve exited: ${s.stderr()}`)))
  })
  try {
    const agent = makeHome('watch-agent', `[lapi.credentials]\nurl = "${url}"\nmachine_id = "agent1"\npassword = "pw-agent"\n`)
    const log = sshLog(agent.dir, 3000, 12)
    const expected = await scanKeys(log)
    const first = await agent.json(['watch', '--once', `${log}:syslog`, ...CONTENT])
    assert.is(first.status, expected.length > 0 ? 1 : 0, first.stderr)
    assert.is(first.body.target, url)
    assert.is(first.body.summary.alerts, expected.length)
    assert.ok(fs.existsSync(path.join(agent.dir, 'data', 'watch')) || fs.readdirSync(agent.dir).length > 0)
    assert.equal(await storedKeys(path.join(server.dir, 'crowd.db')), expected)
    // the server's profiles made the decisions (already over: CrowdSec counts them from the alert's end, in March)
    const serverStore = await openStore({engine: 'sqlite', target: path.join(server.dir, 'crowd.db')})
    try {
      assert.ok((await serverStore.allDecisions({})).length >= expected.length)
    } finally {
      await serverStore.close()
    }
    const second = await agent.json(['watch', '--once', `${log}:syslog`, ...CONTENT])
    assert.is(second.status, 0, second.stderr)
    assert.is(second.body.summary.lines, 0)
    assert.equal(await storedKeys(path.join(server.dir, 'crowd.db')), expected)
  } finally {
    s.child.kill('SIGTERM')
    await s.exited
  }
})

test('sources that cannot be read: a missing file and a directory are errors naming them (exit 3), the rest is watched', async () => {
  const home = makeHome('watch-bad')
  const log = sshLog(home.dir, 500, 13)
  const r = await home.json(['watch', '--once', `${log}:syslog`, `${path.join(home.dir, 'missing.log')}:syslog`, `${home.dir}:syslog`, ...CONTENT])
  assert.is(r.status, 3, r.stderr)
  const messages = r.body.errors.map((e: {message: string}) => e.message).join('\n')
  assert.match(messages, 'missing.log')
  assert.ok(r.body.summary.lines === 500, JSON.stringify(r.body.summary))
})

test('syslog from [[watch.sources]]: util-linux logger over UDP and TCP, alerts stored', async () => {
  const port = await freePort()
  const home = makeHome('watch-syslog', `[[watch.sources]]\nsource = "syslog"\nlisten_addr = "127.0.0.1"\nlisten_port = ${port}\nprotocol = "udp,tcp"\n[watch.sources.labels]\ntype = "syslog"\n`)
  const p = start(home, ['watch', ...CONTENT, '--log-level', 'info'])
  for (let i = 0; i < 300 && !/watching 1 source/.test(p.stderr()); i++) await new Promise((r) => setTimeout(r, 50))
  assert.match(p.stderr(), 'watching 1 source')
  const send = (proto: string, ip: string, i: number) =>
    execFileSync('logger', ['--server', '127.0.0.1', '--port', String(port), proto, '--rfc3164', '-t', 'sshd', '-p', 'auth.info', `Failed password for root from ${ip} port ${41000 + i} ssh2`])
  for (let i = 0; i < 7; i++) send('--udp', '198.51.100.61', i)
  for (let i = 0; i < 7; i++) send('--tcp', '198.51.100.62', i)
  const db = path.join(home.dir, 'crowd.db')
  let stored: string[] = []
  for (let i = 0; i < 100; i++) {
    if (fs.existsSync(db)) stored = await storedKeys(db)
    if (['198.51.100.61', '198.51.100.62'].every((ip) => stored.some((k) => k.startsWith(`crowdsecurity/ssh-bf ${ip} `)))) break
    await new Promise((r) => setTimeout(r, 100))
  }
  p.child.kill('SIGTERM')
  const exit = await p.exited
  assert.ok(['198.51.100.61', '198.51.100.62'].every((ip) => stored.some((k) => k.startsWith(`crowdsecurity/ssh-bf ${ip} `))), `${stored.join('\n')}\n${p.stderr()}`)
  assert.is(exit.code, 0, p.stderr())
})

test('journald from an acquis.yaml (journalctl over a real journal directory): cron runs resume from the cursor', async () => {
  const home = makeHome('watch-journal')
  const dir = path.join(home.dir, 'journal')
  fs.mkdirSync(dir)
  const entry = (i: number, ip: string): ExportEntry => [
    ['__CURSOR', `s=0123456789abcdef0123456789abcdef;i=${i + 1};b=0123456789abcdef0123456789abcdef;m=${(i + 1).toString(16)};t=${(1_772_431_200_000_000 + i * 1_000_000).toString(16)};x=${(i + 1).toString(16)}`],
    ['__REALTIME_TIMESTAMP', String(1_772_431_200_000_000 + i * 1_000_000)],
    ['__MONOTONIC_TIMESTAMP', String(1_000_000 + i)],
    ['_BOOT_ID', '0123456789abcdef0123456789abcdef'],
    ['_HOSTNAME', 'web01'],
    ['SYSLOG_IDENTIFIER', 'sshd'],
    ['_PID', String(300 + i)],
    ['_SYSTEMD_UNIT', 'ssh.service'],
    ['MESSAGE', `Failed password for root from ${ip} port ${42000 + i} ssh2`],
  ]
  writeJournal(path.join(dir, 'a.journal'), Array.from({length: 4}, (_, i) => entry(i, '198.51.100.71')))
  const acquis = path.join(home.dir, 'acquis.yaml')
  fs.writeFileSync(acquis, `source: journalctl\njournalctl_filter:\n  - --directory=${dir}\n  - _SYSTEMD_UNIT=ssh.service\nlabels:\n  type: syslog\n`)
  const first = await home.json(['watch', '--once', '--acquis', acquis, ...CONTENT])
  assert.is(first.status, 0, first.stderr)
  assert.is(first.body.summary.lines, 4)
  assert.is(first.body.summary.parsed, 4)
  writeJournal(path.join(dir, 'b.journal'), Array.from({length: 4}, (_, i) => entry(i + 4, '198.51.100.71')))
  const second = await home.json(['watch', '--once', '--acquis', acquis, ...CONTENT])
  assert.is(second.status, 1, second.stderr)
  assert.is(second.body.summary.lines, 4, 'only the new entries')
  const stored = await storedKeys(path.join(home.dir, 'crowd.db'))
  assert.ok(stored.some((k) => k.startsWith('crowdsecurity/ssh-bf 198.51.100.71 6 ')), stored.join('\n'))
})

test('metrics: a running watch serves them (crowd metrics --url reads them back); a --once run leaves them for crowd metrics', async () => {
  const port = await freePort()
  const home = makeHome('watch-metrics')
  const log = sshLog(home.dir, 2000, 14)
  const p = start(home, ['watch', `${log}:syslog`, ...CONTENT, '--metrics-listen', `127.0.0.1:${port}`, '--log-level', 'info'])
  try {
    let figures: {acquisition: {source: string; lines_read: number; lines_parsed: number}[]; buckets: {name: string}[]} | undefined
    for (let i = 0; i < 200; i++) {
      if (/metrics: http/.test(p.stderr())) {
        const r = await home.json(['metrics', '--url', `http://127.0.0.1:${port}/metrics`])
        // read at once; parsed once the parse worker (compiling its content meanwhile) has answered
        if (r.status === 0 && r.body.acquisition.some((a: {lines_read: number; lines_parsed: number}) => a.lines_read === 2000 && a.lines_parsed > 0) &&
          r.body.buckets.some((b: {name: string}) => b.name === 'crowdsecurity/ssh-bf')) {
          figures = r.body
          break
        }
      }
      await new Promise((r) => setTimeout(r, 100))
    }
    assert.ok(figures !== undefined, p.stderr())
    const source = figures!.acquisition.find((a) => a.source === log)!
    assert.is(source.lines_read, 2000)
    assert.ok(source.lines_parsed > 0)
    assert.ok(figures!.buckets.some((b) => b.name === 'crowdsecurity/ssh-bf'))
  } finally {
    p.child.kill('SIGTERM')
    await p.exited
  }
  const once = makeHome('watch-metrics-once')
  const none = await once.json(['metrics'])
  assert.is(none.status, 5)
  const r = await once.json(['watch', '--once', `${log}:syslog`, ...CONTENT])
  assert.ok(r.status === 0 || r.status === 1, r.stderr)
  const saved = await once.json(['metrics'])
  assert.is(saved.status, 0, saved.stderr)
  assert.is(saved.body.acquisition.find((a: {source: string}) => a.source === log).lines_read, 2000)
})

test('under Deno: two cron runs store what they store under Node (node:sqlite), and the second resumes', async () => {
  const node = makeHome('watch-node')
  const deno = makeHome('watch-deno')
  const log = sshLog(deno.dir, 3000, 15)
  const lines = fs.readFileSync(log, 'utf8').split('\n').filter((l) => l !== '')
  const part = path.join(deno.dir, 'part.log')
  fs.writeFileSync(part, lines.slice(0, 1700).join('\n') + '\n')
  const denoRun = () => runDeno(['watch', '--once', `${part}:syslog`, ...CONTENT, '--json'], {env: deno.env})
  const first = denoRun()
  assert.ok(first.status === 0 || first.status === 1, first.stderr)
  fs.appendFileSync(part, lines.slice(1700).join('\n') + '\n')
  const second = denoRun()
  assert.ok(second.status === 0 || second.status === 1, second.stderr)
  assert.is(JSON.parse(second.stdout).summary.lines, lines.length - 1700)
  const r = await node.json(['watch', '--once', `${log}:syslog`, ...CONTENT])
  assert.ok(r.status === 0 || r.status === 1, r.stderr)
  assert.equal(await storedKeys(path.join(deno.dir, 'crowd.db')), await storedKeys(path.join(node.dir, 'crowd.db')))
})

test('stdin in cron mode; alerts the profiles give no decision are stored too and listed by crowd alerts list', async () => {
  const home = makeHome('watch-stdin')
  const log = sshLog(home.dir, 3000, 16)
  const profiles = path.join(home.dir, 'profiles.yaml')
  fs.writeFileSync(profiles, "name: only_ssh_bf\nfilters:\n  - Alert.GetScenario() == 'crowdsecurity/ssh-bf'\ndecisions:\n  - type: ban\n    duration: 4h\non_success: break\n")
  const r = await home.run(['watch', '--once', '-', '--type', 'syslog', ...CONTENT, '--profiles', profiles, '--json'], {input: fs.readFileSync(log, 'utf8')})
  assert.is(r.status, 1, r.stderr)
  const result = JSON.parse(r.stdout) as {summary: {lines: number; alerts: number; decisions: number}}
  assert.is(result.summary.lines, 3000)
  const expected = await scanKeys(log)
  assert.is(result.summary.alerts, expected.length)
  const listed = await home.json(['alerts', 'list'])
  assert.is(listed.status, 0, listed.stderr)
  const withDecision = listed.body.filter((a: {decisions: unknown[] | null}) => (a.decisions ?? []).length > 0)
  assert.is(listed.body.length, expected.length, 'every stored alert is listed')
  assert.ok(withDecision.length > 0 && withDecision.length < listed.body.length, `${withDecision.length} of ${listed.body.length} with decisions`)
  assert.ok(withDecision.every((a: {scenario: string}) => a.scenario === 'crowdsecurity/ssh-bf'))
  assert.is(result.summary.decisions, withDecision.length)
})

test('no source at all is a usage error (exit 2); an acquis entry with transform is refused naming its file and line', async () => {
  const home = makeHome('watch-none')
  const r = await home.json(['watch', '--once', ...CONTENT])
  assert.is(r.status, 2)
  assert.match(r.body.error.errors[0].message, 'nothing to watch')
  const acquis = path.join(home.dir, 'acquis.yaml')
  fs.writeFileSync(acquis, `filenames:\n  - ${path.join(home.dir, 'x.log')}\nlabels:\n  type: syslog\n---\nfilenames:\n  - ${path.join(home.dir, 'y.log')}\nlabels:\n  type: syslog\ntransform: evt.Line.Raw\n`)
  const t = await home.json(['watch', '--once', '--acquis', acquis, ...CONTENT])
  assert.is(t.status, 2)
  assert.equal([t.body.error.errors[0].file, t.body.error.errors[0].line], [acquis, 6])
  assert.match(t.body.error.errors[0].message, 'transform')
})

test.run()
