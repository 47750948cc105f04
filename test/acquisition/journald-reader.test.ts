/**
 * The pure parts of the journald source: the streaming reader of journalctl's JSON output and
 * the rendering helpers (the rendering itself is compared with the real journalctl in
 * journald.test.ts).
 */
import {test} from 'uvu'
import * as assert from 'uvu/assert'
import {Buffer} from 'node:buffer'
import {
  JournalJsonReader, checkJournalFilter, followArgs, formatBytes, isJournalCursor, isPrintable, journaldSrc, onceArgs,
  parseRealtime, renderEntry, stripTabAnsi, type JournalJsonError, type JournalRecord,
} from '../../src/acquisition/journald/index.js'

const KEEP = new Map([['MESSAGE', 20], ['__CURSOR', 64], ['_PID', 8]])

interface Read {
  records: {[field: string]: {kind: string; text: string; length: number}}[]
  errors: string[]
}

/** Feeds `text` in chunks of `size` bytes (all at once when undefined). */
function read(text: string | Buffer, size?: number, keep = KEEP): Read {
  const reader = new JournalJsonReader({keep})
  const buf = Buffer.isBuffer(text) ? text : Buffer.from(text)
  const records: JournalRecord[] = []
  const errors: JournalJsonError[] = []
  const step = size ?? buf.length
  for (let i = 0; i < buf.length; i += step) reader.push(buf.subarray(i, i + step), records, errors)
  reader.end(records, errors)
  return {
    records: records.map((r) => Object.fromEntries([...r.fields].map(([k, v]) => [k, {kind: v.kind, text: v.bytes.toString('latin1'), length: v.length}]))),
    errors: errors.map((e) => e.message),
  }
}

const SAMPLE = [
  '{"__CURSOR":"s=1;i=1","MESSAGE":"hello \\"world\\" \\\\ \\/ \\t\\n","_PID":"42","OTHER":"skipped"}',
  '{"MESSAGE":[104,105,255],"__CURSOR":"s=1;i=2"}',
  '{"MESSAGE":null,"__CURSOR":"s=1;i=3"}',
  '{"MESSAGE":["first",[1,2],null,"last"],"__CURSOR":"s=1;i=4"}',
  '{"MESSAGE":"\\u00e9\\ud83d\\ude00 \\ud800x \\udc00","__CURSOR":"s=1;i=5"}',
  '{"MESSAGE":"0123456789abcdefghijXYZ","__CURSOR":"s=1;i=6"}',
  '{"MESSAGE":[],"_PID":"1"}',
  '{"MESSAGE":["x",[]]}',
  '{}',
].join('\n') + '\n'

test('reads every kind of value journalctl writes, keeping only the fields asked for', () => {
  const got = read(SAMPLE)
  assert.equal(got.errors, [])
  assert.equal(got.records.length, 9)
  assert.equal(got.records[0], {
    __CURSOR: {kind: 'text', text: 's=1;i=1', length: 7},
    MESSAGE: {kind: 'text', text: 'hello "world" \\ / \t\n', length: 20},
    _PID: {kind: 'text', text: '42', length: 2},
  })
  assert.equal(got.records[1]!.MESSAGE, {kind: 'bytes', text: 'hi\xff', length: 3})
  assert.equal(got.records[2]!.MESSAGE, {kind: 'null', text: '', length: 0})
  // a field given several times: the last value is the one kept (what journalctl -o short shows)
  assert.equal(got.records[3]!.MESSAGE, {kind: 'text', text: 'last', length: 4})
  // \u escapes: surrogate pairs joined, lone surrogates -> U+FFFD
  assert.equal(Buffer.from(got.records[4]!.MESSAGE!.text, 'latin1').toString('utf8'), 'é😀 \uFFFDx \uFFFD')
  // over the cap: the kept bytes and the full length
  assert.equal(got.records[5]!.MESSAGE, {kind: 'text', text: '0123456789abcdefghij', length: 23})
  assert.equal(got.records[6]!.MESSAGE, {kind: 'bytes', text: '', length: 0})
  assert.equal(got.records[7]!.MESSAGE, {kind: 'bytes', text: '', length: 0})
  assert.equal(got.records[8], {})
})

test('any chunking gives the same entries (one byte at a time, 7 bytes, one chunk)', () => {
  const whole = read(SAMPLE)
  for (const size of [1, 2, 3, 7, 64]) assert.equal(read(SAMPLE, size), whole, `chunks of ${size}`)
})

test('a value cut at its cap ends at a character boundary', () => {
  const got = read('{"MESSAGE":"abcdefghijklmné€"}\n', undefined, new Map([['MESSAGE', 15]]))
  // 'abcdefghijklmn' is 14 bytes; é (2 bytes) does not fit in the 15th: it is left out whole
  assert.equal(got.records[0]!.MESSAGE, {kind: 'text', text: 'abcdefghijklmn', length: 19})
})

test('a malformed line is reported with its start and skipped; the next line is read', () => {
  const lines = [
    'not json at all',
    '{"MESSAGE":"unterminated',
    '{"MESSAGE":tru}',
    '{"MESSAGE":[1,"mixed"]}',
    '{"MESSAGE":[300]}',
    '{"MESSAGE":"x"} trailing',
    '{"MESSAGE":"bad \\q escape"}',
    '{"MESSAGE" "no colon"}',
    '{"MESSAGE":[[1,[2]]]}',
    '-- Boot 0123 --',
    '{"MESSAGE":"ok","__CURSOR":"c"}',
  ]
  for (const size of [undefined, 1, 5]) {
    const got = read(lines.join('\n') + '\n', size)
    assert.equal(got.records, [{MESSAGE: {kind: 'text', text: 'ok', length: 2}, __CURSOR: {kind: 'text', text: 'c', length: 1}}])
    assert.is(got.errors.length, 9, got.errors.join('\n'))
    assert.match(got.errors[0]!, /^malformed journalctl JSON: a line does not start with \{ \(byte 1\); the line starts "not json at all"$/)
    assert.match(got.errors[1]!, /a string is not closed before the end of the line/)
    assert.match(got.errors[4]!, /not a byte/)
    assert.match(got.errors[5]!, /text after the end of the entry/)
  }
})

test('the error message quotes at most 80 bytes of the line, without control characters', () => {
  const got = read('{"MESSAGE":"' + 'y'.repeat(200) + '" x}\n')
  assert.is(got.errors.length, 1)
  const quoted = /the line starts (".*")$/.exec(got.errors[0]!)![1]!
  assert.is(JSON.parse(quoted).length, 80)
})

test('the end of the output: a last entry without newline is taken, a cut entry is an error', () => {
  assert.equal(read('{"MESSAGE":"a"}').records.length, 1)
  const cut = read('{"MESSAGE":"a"}\n{"MESSAGE":"b')
  assert.equal(cut.records.length, 1)
  assert.match(cut.errors[0]!, /the output ended inside an entry/)
})

test('memory stays bounded: a 5 MB field is read in chunks, only its cap is kept', () => {
  const reader = new JournalJsonReader({keep: new Map([['MESSAGE', 100]])})
  const records: JournalRecord[] = []
  const errors: JournalJsonError[] = []
  reader.push(Buffer.from('{"MESSAGE":"'), records, errors)
  const chunk = Buffer.alloc(64 * 1024, 'z')
  for (let i = 0; i < 80; i++) reader.push(chunk, records, errors)
  reader.push(Buffer.from('","BIG":[' + '255,'.repeat(100000) + '0]}\n'), records, errors)
  assert.equal(errors, [])
  assert.is(records[0]!.fields.get('MESSAGE')!.bytes.length, 100)
  assert.is(records[0]!.fields.get('MESSAGE')!.length, 80 * 64 * 1024)
  assert.not.ok(records[0]!.fields.has('BIG'))
})

test('formatBytes matches systemd FORMAT_BYTES', () => {
  assert.is(formatBytes(0), '0B')
  assert.is(formatBytes(1023), '1023B')
  assert.is(formatBytes(1024), '1.0K')
  assert.is(formatBytes(1500), '1.4K')
  assert.is(formatBytes(2 * 1024 * 1024 + 300000), '2.2M')
  assert.is(formatBytes(5 * 1024 ** 3), '5.0G')
})

test('stripTabAnsi: tabs, color and OSC sequences, carriage returns before newlines', () => {
  const s = (t: string) => stripTabAnsi(Buffer.from(t)).toString('latin1')
  assert.is(s('a\tb'), 'a        b')
  assert.is(s('\x1b[1;31mred\x1b[0m'), 'red')
  assert.is(s('\x1b]8;;http://x\x07link\x1b]8;;\x07'), 'link')
  assert.is(s('\x1b[12x'), '\x1b[12x')
  assert.is(s('\x1b[31'), '\x1b[31')
  assert.is(s('\x1bq\x1b'), '\x1bq\x1b')
  assert.is(s('a\r\r\nb\r'), 'a\nb')
  assert.is(s('a\rb'), 'a\rb')
  assert.is(s('a\r\x1b[0m\n'), 'a\r\n')
})

test('isPrintable: systemd utf8_is_printable (tab and newline allowed)', () => {
  assert.ok(isPrintable(Buffer.from('tab\tnewline\né✓😀')))
  for (const bad of [[0x41, 0x0d], [0x1b], [0x7f], [0xc2, 0x85], [0xff], [0xc3], [0xed, 0xa0, 0x80], [0xc0, 0x80]]) {
    assert.not.ok(isPrintable(Buffer.from(bad)), JSON.stringify(bad))
  }
})

test('parseRealtime: decimal microseconds, positive, below year 9999', () => {
  assert.is(parseRealtime('1700000000000000'), 1700000000000000n)
  for (const bad of [undefined, '', '0', '-5', 'abc', '1e6', '999999999999999999999']) assert.is(parseRealtime(bad), undefined, String(bad))
})

test('renderEntry: no MESSAGE or no valid time gives no line; format message is the bare MESSAGE', () => {
  const record = (fields: Record<string, string | number[] | null>): JournalRecord => ({
    fields: new Map(Object.entries(fields).map(([k, v]) => [k, v === null ? {kind: 'null' as const, bytes: Buffer.alloc(0), length: 0}
      : Array.isArray(v) ? {kind: 'bytes' as const, bytes: Buffer.from(v), length: v.length} : {kind: 'text' as const, bytes: Buffer.from(v), length: Buffer.byteLength(v)}])),
  })
  const opts = {format: 'short' as const, maxLineBytes: 1000}
  assert.ok(renderEntry(record({__REALTIME_TIMESTAMP: '1700000000000000'}), opts).noMessage)
  assert.ok(renderEntry(record({__REALTIME_TIMESTAMP: '1700000000000000', MESSAGE: null}), opts).noMessage)
  assert.ok(renderEntry(record({MESSAGE: 'no time'}), opts).noMessage)
  const m = renderEntry(record({MESSAGE: 'a\tb\nc'}), {format: 'message', maxLineBytes: 1000})
  assert.equal(m.lines, ['a\tb\nc'])
  const bin = renderEntry(record({MESSAGE: [0x61, 0xff, 0x62]}), {format: 'message', maxLineBytes: 1000})
  assert.equal(bin.lines, ['a\uFFFDb'])
  assert.ok(bin.invalidUtf8)
  const cut = renderEntry(record({MESSAGE: 'é'.repeat(10)}), {format: 'message', maxLineBytes: 5})
  assert.equal([cut.lines, cut.truncated], [['éé'], 1])
})

test('journal cursors, src naming and the journalctl arguments', () => {
  assert.ok(isJournalCursor('s=6eb43fdcdf22467d9220960524f0d7f9;i=3;b=0123456789abcdef0123456789abcdef;m=bb8;t=60a24183cc480;x=9e69072a7918a37b'))
  for (const bad of ['', 'end', 'beginning', 's=xyz', 's=1;;i=2', 'q=1', 's=1;i=2;', 'x'.repeat(2000)]) assert.not.ok(isJournalCursor(bad), bad)
  // CrowdSec: "journalctl-" + the filters joined with "."
  assert.is(journaldSrc(['_SYSTEMD_UNIT=ssh.service', '_UID=0']), 'journalctl-_SYSTEMD_UNIT=ssh.service._UID=0')
  assert.equal(followArgs('end', ['-k']), ['--follow', '--output=json', '--all', '--no-pager', '--lines=0', '-k'])
  assert.equal(followArgs('beginning', []), ['--follow', '--output=json', '--all', '--no-pager', '--lines=all'])
  assert.equal(followArgs('s=1;i=2', ['_UID=0']), ['--follow', '--output=json', '--all', '--no-pager', '--lines=all', '--after-cursor=s=1;i=2', '_UID=0'])
  assert.equal(onceArgs(['_UID=0']), ['--output=json', '--all', '--no-pager', '_UID=0'])
  assert.equal(onceArgs(['_UID=0'], 's=1', 'yesterday'), ['--output=json', '--all', '--no-pager', '--since=yesterday', '--after-cursor=s=1', '_UID=0'])
})

test('filters that would change the output or the position are refused', () => {
  for (const ok of ['_SYSTEMD_UNIT=ssh.service', '-k', '--directory=/x', '-ussh.service', '-uforce', '--unit=ssh', '-b', '-p3', 'SYSLOG_IDENTIFIER=sshd', '+', '-', '--since=today']) {
    assert.is(checkJournalFilter(ok), undefined, ok)
  }
  for (const bad of ['-o', '-ojson', '--output=cat', '--output-fields=MESSAGE', '-f', '-kf', '--follow', '-n', '-n5', '--lines=10', '-r', '--reverse',
    '--after-cursor=x', '--cursor=x', '--show-cursor', '-e', '-N', '--fields', '-F', '--field=MESSAGE', '--list-boots', '--help', '--version', '-h', 'a\0b']) {
    assert.type(checkJournalFilter(bad), 'string', bad)
  }
})

test.run()
