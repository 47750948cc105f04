/**
 * The journald source against the real journalctl reading real journal files (written with
 * systemd-journal-remote, see journal-files.ts): the lines are what `journalctl -o short`
 * prints (CrowdSec's Line.Raw), positions are cursors, follow mode sees entries appended later
 * and files created later, and journalctl failing, hanging or missing is reported, retried and
 * killed. A few tests use a small shell script in place of journalctl to make it misbehave.
 */
import {test} from 'uvu'
import * as assert from 'uvu/assert'
import * as fs from 'node:fs'
import * as path from 'node:path'
import {CrowdError} from '../../src/model/errors.js'
import {
  readJournalOnce, startJournald, journaldConfigFromAcquis,
  type JournaldBatch, type JournaldError, type JournaldOptions, type JournaldSource,
} from '../../src/acquisition/journald/index.js'
import type {RawLine} from '../../src/acquisition/types.js'
import {journalctlOutput, requireJournalctl, writeJournal, type ExportEntry} from './journal-files.js'
import {tempDir as makeTempDir} from './helpers.js'

const savedTz = process.env.TZ
const dirs: string[] = []

/** A temporary directory removed after the suite (journal files are a few MB each). */
function tempDir(): string {
  const dir = makeTempDir('crowd-journald-')
  dirs.push(dir)
  return dir
}

const SSH: ExportEntry = [['MESSAGE', 'Invalid user bob from 1.2.3.4 port 22'], ['_HOSTNAME', 'myhost'], ['SYSLOG_IDENTIFIER', 'sshd'], ['_PID', '123'], ['_COMM', 'sshd']]
const BINARY: ExportEntry = [['MESSAGE', Buffer.from([0x66, 0x6f, 0xff, 0xfe, 0x0a, 0x61])], ['_HOSTNAME', 'myhost'], ['_COMM', 'bin']]
const NO_MESSAGE: ExportEntry = [['FOO', 'no message here'], ['_HOSTNAME', 'myhost']]
const HUGE: ExportEntry = [['MESSAGE', 'x'.repeat(300_000)], ['SYSLOG_IDENTIFIER', 'big']]
const MULTI: ExportEntry = [['MESSAGE', Buffer.from('tab\there \x1b[31mred\x1b[0m\nsecond line\r\n\nfourth')], ['SYSLOG_PID', '77']]

/** A corpus of the awkward cases, whose short rendering is compared with journalctl's own. */
const CORPUS: ExportEntry[] = [
  SSH, BINARY, NO_MESSAGE, MULTI, HUGE,
  [['MESSAGE', 'source time wins'], ['_SOURCE_REALTIME_TIMESTAMP', '1600000000123456'], ['SYSLOG_IDENTIFIER', 'app']],
  [['MESSAGE', 'bad source time'], ['_SOURCE_REALTIME_TIMESTAMP', 'abc']],
  [['MESSAGE', Buffer.from('osc \x1b]8;;http://x\x07link\x1b]8;;\x07 end \x1b[12;31x \x1bq \x1b[')], ['_COMM', 'c']],
  [['MESSAGE', Buffer.from(Array.from({length: 1500}, (_, i) => i % 256))]],
  [['MESSAGE', 'trailing newline\n']],
  [['MESSAGE', '']],
  [['MESSAGE', Buffer.from('a\n\nb\n')], ['_HOSTNAME', 'h'.repeat(299)], ['SYSLOG_IDENTIFIER', 'i'.repeat(300)], ['_COMM', 'comm'], ['SYSLOG_PID', '5']],
  [['MESSAGE', 'unicode é ✓ 😀'], ['_HOSTNAME', 'h'.repeat(300)]],
  [['MESSAGE', Buffer.from('c1 \u0085 del \x7f')]],
  [['MESSAGE', 'tab\tx'], ['SYSLOG_IDENTIFIER', Buffer.from('id\x01')], ['_COMM', 'comm2'], ['_PID', Buffer.from('p\x02')], ['SYSLOG_PID', '9']],
  [['MESSAGE', Buffer.from('first value')], ['MESSAGE', 'the last value is shown']],
  [['MESSAGE', Buffer.from('a\rb')]],
]

interface Run {
  source: JournaldSource
  batches: JournaldBatch[]
  lines: RawLine[]
  errors: JournaldError[]
}

const running = new Set<JournaldSource>()

function follow(options: Partial<JournaldOptions> & {filters: string[]}): Run {
  const batches: JournaldBatch[] = []
  const lines: RawLine[] = []
  const errors: JournaldError[] = []
  const source = startJournald({
    labels: {type: 'syslog'},
    onLines: (b) => {
      batches.push(b)
      lines.push(...b.lines)
    },
    onError: (e) => errors.push(e),
    ...options,
  })
  running.add(source)
  return {source, batches, lines, errors}
}

async function stop(run: Run): Promise<void> {
  await run.source.stop()
  running.delete(run.source)
}

/** Resolves once `cond` holds; rejects after 20 s so a bug cannot hang the suite. */
async function until(cond: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 20_000
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 10))
  }
}

async function readAll(dir: string, extra: Partial<Parameters<typeof readJournalOnce>[0]> = {}): Promise<{lines: RawLine[]; batches: JournaldBatch[]; result: Awaited<ReturnType<typeof readJournalOnce>>}> {
  const lines: RawLine[] = []
  const batches: JournaldBatch[] = []
  const result = await readJournalOnce({
    filters: [`--directory=${dir}`],
    labels: {type: 'syslog'},
    onLines: (b) => {
      batches.push(b)
      lines.push(...b.lines)
    },
    ...extra,
  })
  return {lines, batches, result}
}

/** A fake journalctl: a shell script with this body (its arguments are in "$@"). */
function fakeJournalctl(dir: string, body: string): string {
  const file = path.join(dir, 'fake-journalctl')
  fs.writeFileSync(file, `#!/bin/sh\n${body}\n`, {mode: 0o755})
  return file
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch {
    return false
  }
}

test.before(() => {
  requireJournalctl()
  // the expected lines below are in UTC (journalctl and crowd both use the process's zone)
  process.env.TZ = 'UTC'
})
test.after(async () => {
  for (const s of running) await s.stop()
  if (savedTz === undefined) delete process.env.TZ
  else process.env.TZ = savedTz
  for (const dir of dirs) fs.rmSync(dir, {recursive: true, force: true})
})

test('each line is what journalctl -o short prints (CrowdSec Line.Raw), in several time zones', async () => {
  const dir = tempDir()
  writeJournal(path.join(dir, 'a.journal'), CORPUS)
  for (const tz of ['UTC', 'America/New_York', 'Asia/Kolkata']) {
    process.env.TZ = tz
    const want = journalctlOutput([`--directory=${dir}`], {...process.env, TZ: tz}).replace(/\n$/, '').split('\n')
    const {lines} = await readAll(dir, {maxLineBytes: 1024 * 1024})
    assert.equal(lines.map((l) => l.raw), want, tz)
  }
  process.env.TZ = 'UTC'
})

test('a whole journal once: lines, src, module, labels, counters and the cursor of the last entry', async () => {
  const dir = tempDir()
  writeJournal(path.join(dir, 'a.journal'), [SSH, BINARY, NO_MESSAGE, MULTI, HUGE])
  const {lines, batches, result} = await readAll(dir, {maxLineBytes: 1000, labels: {type: 'syslog', extra: 'x'}})
  assert.equal(lines.map((l) => l.raw.slice(0, 60)), [
    'Nov 14 22:13:20 myhost sshd[123]: Invalid user bob from 1.2.',
    'Nov 14 22:13:21 myhost bin: [6B blob data]',
    'Nov 14 22:13:23 unknown[77]: tab        here red',
    '                     second line',
    '                     ',
    '                     fourth',
    'Nov 14 22:13:24 big: ' + 'x'.repeat(39),
  ])
  assert.is(Buffer.byteLength(lines[6]!.raw), 1000)
  const src = `journalctl---directory=${dir}`
  for (const l of lines) assert.equal([l.src, l.module, l.labels], [src, 'journalctl', {type: 'syslog', extra: 'x'}])
  assert.equal(lines.map((l) => l.lineNo), [1, 2, 3, 4, 5, 6, 7])
  const m = result.metrics
  assert.equal([m.entries, m.lines, m.noMessage, m.blobs, m.truncated, m.malformed, m.exits], [5, 7, 1, 1, 1, 0, 0])
  const cursors = journalctlOutput([`--directory=${dir}`, '--output=json']).trim().split('\n').map((l) => JSON.parse(l).__CURSOR as string)
  assert.is(result.cursor, cursors[4])
  assert.is(batches.at(-1)!.cursor, cursors[4])
})

test('a message-less last entry still moves the cursor', async () => {
  const dir = tempDir()
  writeJournal(path.join(dir, 'a.journal'), [SSH, NO_MESSAGE])
  const {lines, batches, result} = await readAll(dir)
  assert.is(lines.length, 1)
  const cursors = journalctlOutput([`--directory=${dir}`, '--output=json']).trim().split('\n').map((l) => JSON.parse(l).__CURSOR as string)
  assert.is(result.cursor, cursors[1])
  assert.is(batches.at(-1)!.cursor, cursors[1])
})

test('format message: the bare MESSAGE, invalid UTF-8 replaced and counted', async () => {
  const dir = tempDir()
  writeJournal(path.join(dir, 'a.journal'), [SSH, BINARY, NO_MESSAGE, [['MESSAGE', '']]])
  const {lines, result} = await readAll(dir, {format: 'message'})
  assert.equal(lines.map((l) => l.raw), ['Invalid user bob from 1.2.3.4 port 22', 'fo\uFFFD\uFFFD\na'])
  assert.equal([result.metrics.invalidUtf8, result.metrics.empty, result.metrics.noMessage], [1, 1, 1])
})

test('once from a cursor reads only the entries after it', async () => {
  const dir = tempDir()
  writeJournal(path.join(dir, 'a.journal'), [1, 2, 3, 4, 5].map((i): ExportEntry => [['MESSAGE', `entry ${i}`], ['SYSLOG_IDENTIFIER', 'app']]))
  const first = await readAll(dir)
  assert.is(first.lines.length, 5)
  const cursors = journalctlOutput([`--directory=${dir}`, '--output=json']).trim().split('\n').map((l) => JSON.parse(l).__CURSOR as string)
  const after = await readAll(dir, {afterCursor: cursors[2]})
  assert.equal(after.lines.map((l) => l.raw.split(': ')[1]), ['entry 4', 'entry 5'])
  const none = await readAll(dir, {afterCursor: first.result.cursor})
  assert.equal([none.lines.length, none.result.cursor], [0, undefined])
})

test('once: journalctl failing rejects with a CrowdError carrying its stderr; a bad cursor is refused up front', async () => {
  const dir = tempDir()
  try {
    await readAll(path.join(dir, 'missing'))
    assert.unreachable('should reject')
  } catch (error) {
    assert.instance(error, CrowdError)
    assert.match((error as CrowdError).reason, /^journalctl exited with code 1: .*missing/)
    assert.is((error as CrowdError).file, `journalctl---directory=${path.join(dir, 'missing')}`)
  }
  try {
    await readAll(dir, {journalctl: path.join(dir, 'no-such-journalctl')})
    assert.unreachable('should reject')
  } catch (error) {
    assert.match((error as Error).message, /cannot run journalctl \(.*no-such-journalctl\): not found/)
  }
  try {
    await readAll(dir, {afterCursor: 'garbage'})
    assert.unreachable('should reject')
  } catch (error) {
    assert.match((error as Error).message, /not a journal cursor/)
  }
  assert.throws(() => startJournald({filters: ['-o', 'short'], onLines: () => undefined}), /crowd sets -o itself/)
  assert.throws(() => startJournald({filters: ['--output=cat'], onLines: () => undefined}), (e: unknown) => e instanceof CrowdError && e.code === 'config')
})

test('follow from the beginning: the backlog, then entries appended to the file and a file created later', async () => {
  const dir = tempDir()
  writeJournal(path.join(dir, 'a.journal'), [SSH, BINARY])
  const run = follow({filters: [`--directory=${dir}`], from: 'beginning'})
  await until(() => run.lines.length === 2, 'the backlog')
  writeJournal(path.join(dir, 'a.journal'), [[['MESSAGE', 'appended'], ['SYSLOG_IDENTIFIER', 'app']]], 10)
  await until(() => run.lines.length === 3, 'the appended entry')
  writeJournal(path.join(dir, 'b.journal'), [[['MESSAGE', 'in a new file'], ['SYSLOG_IDENTIFIER', 'app']]], 20)
  await until(() => run.lines.length === 4, 'the entry of the new file')
  assert.equal(run.lines.map((l) => l.raw.slice(16)), ['myhost sshd[123]: Invalid user bob from 1.2.3.4 port 22', 'myhost bin: [6B blob data]', 'app: appended', 'app: in a new file'])
  assert.is(run.source.cursor, run.batches.at(-1)!.cursor)
  assert.equal(run.errors, [])
  await stop(run)
  assert.equal([run.source.metrics.exits, run.source.metrics.restarts], [0, 0])
})

test('follow from a saved cursor resumes after it, without repeating or losing entries', async () => {
  const dir = tempDir()
  writeJournal(path.join(dir, 'a.journal'), [1, 2, 3].map((i): ExportEntry => [['MESSAGE', `entry ${i}`], ['SYSLOG_IDENTIFIER', 'app']]))
  const first = follow({filters: [`--directory=${dir}`], from: 'beginning'})
  await until(() => first.lines.length === 3, 'the first run')
  const saved = first.source.cursor!
  await stop(first)
  writeJournal(path.join(dir, 'a.journal'), [4, 5].map((i): ExportEntry => [['MESSAGE', `entry ${i}`], ['SYSLOG_IDENTIFIER', 'app']]), 10)
  const second = follow({filters: [`--directory=${dir}`], from: saved})
  await until(() => second.lines.length === 2, 'the entries written while stopped')
  writeJournal(path.join(dir, 'a.journal'), [[['MESSAGE', 'entry 6'], ['SYSLOG_IDENTIFIER', 'app']]], 20)
  await until(() => second.lines.length === 3, 'the entry written while following')
  assert.equal(second.lines.map((l) => l.raw.split(': ')[1]), ['entry 4', 'entry 5', 'entry 6'])
  await stop(second)
})

test('follow from the end (CrowdSec -n 0): only what is written after the start', async () => {
  const dir = tempDir()
  writeJournal(path.join(dir, 'a.journal'), [[['MESSAGE', 'old'], ['SYSLOG_IDENTIFIER', 'app']]])
  const run = follow({filters: [`--directory=${dir}`]})
  // journalctl takes the end when it has opened the journal: write ticks until one shows up
  let tick = 0
  while (run.lines.length === 0) {
    writeJournal(path.join(dir, 'a.journal'), [[['MESSAGE', `tick ${tick}`], ['SYSLOG_IDENTIFIER', 'app']]], 10 + tick)
    tick++
    await new Promise((r) => setTimeout(r, 100))
    if (tick > 150) throw new Error('journalctl --follow never showed a new entry')
  }
  writeJournal(path.join(dir, 'a.journal'), [[['MESSAGE', 'after'], ['SYSLOG_IDENTIFIER', 'app']]], 500)
  await until(() => run.lines.some((l) => l.raw.endsWith('after')), 'the entry written after the start')
  assert.not.ok(run.lines.some((l) => l.raw.endsWith(': old')))
  await stop(run)
})

test('backpressure: while onLines is pending stdout is not read, and journalctl waits', async () => {
  const dir = tempDir()
  const entries = Array.from({length: 4000}, (_, i): ExportEntry => [['MESSAGE', `line ${i} ${'p'.repeat(400)}`], ['SYSLOG_IDENTIFIER', 'app']])
  writeJournal(path.join(dir, 'a.journal'), entries)
  let release!: () => void
  const gate = new Promise<void>((r) => (release = r))
  let calls = 0
  let concurrent = 0
  let maxConcurrent = 0
  const lines: string[] = []
  const source = startJournald({
    filters: [`--directory=${dir}`], from: 'beginning',
    onLines: async (b) => {
      calls++
      concurrent++
      maxConcurrent = Math.max(maxConcurrent, concurrent)
      lines.push(...b.lines.map((l) => l.raw))
      if (calls === 1) await gate
      concurrent--
    },
  })
  running.add(source)
  await until(() => calls === 1, 'the first batch')
  await new Promise((r) => setTimeout(r, 400))
  // ~2 MB of JSON waits in journalctl: what was read is bounded by the pipe and stream buffers
  assert.is(calls, 1)
  assert.ok(source.metrics.bytes < 512 * 1024, `read ${source.metrics.bytes} bytes while paused`)
  release()
  await until(() => lines.length === 4000, 'every line')
  assert.is(maxConcurrent, 1)
  assert.equal(lines.slice(0, 3).map((l) => l.split(' ').slice(4, 6).join(' ')), ['line 0', 'line 1', 'line 2'])
  assert.ok(lines.every((l, i) => l.includes(`line ${i} `)), 'in order')
  await source.stop()
  running.delete(source)
})

test('journalctl exiting is reported with its stderr and restarted with a doubling, bounded backoff; maxRestarts gives up', async () => {
  const dir = tempDir()
  const delays: number[] = []
  const run = follow({
    filters: [`--directory=${path.join(dir, 'missing')}`],
    restartDelayMs: 5, maxRestartDelayMs: 20, maxRestarts: 5,
    sleep: async (ms) => {
      delays.push(ms)
    },
  })
  try {
    await run.source.done
    assert.unreachable('should give up')
  } catch (error) {
    assert.instance(error, CrowdError)
    assert.match((error as Error).message, /journalctl failed 6 times in a row, giving up: journalctl exited with code 1: .*missing/)
  }
  assert.equal(delays, [5, 10, 20, 20, 20])
  assert.equal([run.source.metrics.exits, run.source.metrics.restarts], [6, 5])
  const exits = run.errors.filter((e) => e.kind === 'exit')
  assert.is(exits.length, 6)
  assert.equal([exits[0]!.code, exits[0]!.src], [1, `journalctl---directory=${path.join(dir, 'missing')}`])
  assert.match(exits[0]!.stderr!, /missing/)
  // the stderr line was also reported as it came
  assert.ok(run.errors.some((e) => e.kind === 'stderr' && /missing/.test(e.message)))
  running.delete(run.source)
})

test('journalctl not found: reported as spawn errors, retried', async () => {
  const dir = tempDir()
  const run = follow({filters: [], journalctl: path.join(dir, 'nope'), restartDelayMs: 1, maxRestarts: 2})
  await run.source.done.catch(() => undefined)
  assert.equal(run.errors.map((e) => e.kind), ['spawn', 'spawn', 'spawn'])
  assert.match(run.errors[0]!.message, /cannot run journalctl \(.*nope\): not found/)
  running.delete(run.source)
})

test('after an exit, journalctl is started again after the last cursor handed on', async () => {
  const dir = tempDir()
  const argsLog = path.join(dir, 'args.log')
  const runs = path.join(dir, 'runs')
  // first run: two entries and a malformed line, then exit 0; later runs: one entry, then hang
  const bin = fakeJournalctl(dir, `
echo "$@" >> ${argsLog}
n=$(cat ${runs} 2>/dev/null || echo 0); echo $((n + 1)) > ${runs}
if [ "$n" = 0 ]; then
  echo '{"__CURSOR":"s=1;i=1","__REALTIME_TIMESTAMP":"1700000000000000","MESSAGE":"one"}'
  echo 'garbage'
  echo '{"__CURSOR":"s=1;i=2","__REALTIME_TIMESTAMP":"1700000001000000","MESSAGE":"two"}'
  exit 0
fi
echo '{"__CURSOR":"s=1;i=3","__REALTIME_TIMESTAMP":"1700000002000000","MESSAGE":"three"}'
exec sleep 600`)
  const run = follow({filters: ['_UID=0'], journalctl: bin, from: 'beginning', restartDelayMs: 1})
  await until(() => run.lines.length === 3, 'the second run')
  assert.equal(run.lines.map((l) => l.raw), ['Nov 14 22:13:20 unknown: one', 'Nov 14 22:13:21 unknown: two', 'Nov 14 22:13:22 unknown: three'])
  assert.equal(fs.readFileSync(argsLog, 'utf8').trim().split('\n'), [
    '--follow --output=json --all --no-pager --lines=all _UID=0',
    '--follow --output=json --all --no-pager --lines=all --after-cursor=s=1;i=2 _UID=0',
  ])
  assert.equal(run.errors.map((e) => e.kind), ['malformed', 'exit'])
  assert.match(run.errors[0]!.message, /the line starts "garbage"/)
  assert.equal([run.source.metrics.malformed, run.source.metrics.exits, run.source.metrics.restarts], [1, 1, 1])
  await stop(run)
})

test('stop and abort kill journalctl; one that ignores SIGTERM is killed with SIGKILL', async () => {
  const dir = tempDir()
  writeJournal(path.join(dir, 'a.journal'), [SSH])
  const pidFile = path.join(dir, 'pid')
  const wrapper = fakeJournalctl(dir, `echo $$ > ${pidFile}\nexec journalctl "$@"`)
  const run = follow({filters: [`--directory=${dir}`], journalctl: wrapper, from: 'beginning'})
  await until(() => run.lines.length === 1, 'the first line')
  const pid = Number(fs.readFileSync(pidFile, 'utf8'))
  assert.ok(alive(pid))
  await stop(run)
  assert.not.ok(alive(pid), 'journalctl is gone after stop()')

  fs.rmSync(pidFile)
  const controller = new AbortController()
  const aborted = follow({filters: [`--directory=${dir}`], journalctl: wrapper, from: 'beginning', signal: controller.signal})
  await until(() => aborted.lines.length === 1, 'the first line')
  const pid2 = Number(fs.readFileSync(pidFile, 'utf8'))
  controller.abort()
  await aborted.source.done
  assert.not.ok(alive(pid2), 'journalctl is gone after abort')
  running.delete(aborted.source)

  const stubborn = fakeJournalctl(dir, `trap '' TERM\necho $$ > ${pidFile}\necho '{"__CURSOR":"s=1;i=1","__REALTIME_TIMESTAMP":"1700000000000000","MESSAGE":"x"}'\nexec sleep 600`)
  const hard = follow({filters: [], journalctl: stubborn, killTimeoutMs: 200})
  await until(() => hard.lines.length === 1, 'the stubborn line')
  const pid3 = Number(fs.readFileSync(pidFile, 'utf8'))
  const t0 = Date.now()
  await stop(hard)
  assert.ok(Date.now() - t0 >= 150, 'waited for SIGTERM first')
  assert.not.ok(alive(pid3), 'SIGKILL after killTimeoutMs')
})

test('an exception from onLines ends the source (done rejects) and kills journalctl', async () => {
  const dir = tempDir()
  writeJournal(path.join(dir, 'a.journal'), [SSH])
  const pidFile = path.join(dir, 'pid')
  const wrapper = fakeJournalctl(dir, `echo $$ > ${pidFile}\nexec journalctl "$@"`)
  const source = startJournald({
    filters: [`--directory=${dir}`], journalctl: wrapper, from: 'beginning',
    onLines: () => {
      throw new Error('pipeline broke')
    },
  })
  try {
    await source.done
    assert.unreachable('should reject')
  } catch (error) {
    assert.is((error as Error).message, 'pipeline broke')
  }
  assert.not.ok(alive(Number(fs.readFileSync(pidFile, 'utf8'))))
})

test('journaldConfigFromAcquis: CrowdSec keys, defaults and errors', () => {
  const config = journaldConfigFromAcquis({source: 'journalctl', journalctl_filter: ['_SYSTEMD_UNIT=ssh.service'], labels: {type: 'syslog'}})
  assert.equal({...config, labels: {...config.labels}}, {filters: ['_SYSTEMD_UNIT=ssh.service'], mode: 'tail', labels: {type: 'syslog'}})
  assert.equal(journaldConfigFromAcquis({journalctl_filter: ['-k', 42], mode: 'cat', labels: {type: 'syslog'}, name: 'n', log_level: 'info', use_time_machine: true, unique_id: 'u', transform: 'x'}).filters, ['-k', '42'])
  const bad: [Record<string, unknown>, RegExp][] = [
    [{source: 'journalctl', labels: {type: 'x'}}, /journalctl_filter is required/],
    [{journalctl_filter: [], labels: {type: 'x'}}, /journalctl_filter is required/],
    [{journalctl_filter: '_UID=0'}, /must be a list/],
    [{journalctl_filter: [{a: 1}]}, /must be a list of strings/],
    [{journalctl_filter: ['-f']}, /"-f": crowd sets -f itself/],
    [{journalctl_filter: ['_UID=0'], filename: '/x'}, /unknown field "filename"/],
    [{journalctl_filter: ['_UID=0'], source: 'file'}, /source is "file", not journalctl/],
    [{journalctl_filter: ['_UID=0'], mode: 'server'}, /unsupported mode "server"/],
    [{journalctl_filter: ['_UID=0'], labels: ['type']}, /labels must be a map/],
  ]
  for (const [doc, re] of bad) {
    assert.throws(() => journaldConfigFromAcquis(doc, 'acquis.yaml'), (e: unknown) => e instanceof CrowdError && e.code === 'config' && e.file === 'acquis.yaml' && re.test(e.message), JSON.stringify(doc))
  }
})

test.run()
