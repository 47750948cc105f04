import {test} from 'uvu'
import * as assert from 'uvu/assert'
import * as fs from 'node:fs'
import {crowdsecLine, parseSyslogMessage, type SyslogMessage, type SyslogParseErrorReason} from '../../src/acquisition/syslog/index.js'

const NOW = new Date('2024-03-10T12:00:00Z')
const now = (): Date => NOW
const parse = (s: string | Uint8Array) => parseSyslogMessage(s, {now})

interface Ok {
  name: string
  input: string
  want: Partial<Omit<SyslogMessage, 'timestamp'>> & {tsText?: string; tsIso?: string}
}

const ok: Ok[] = [
  // RFC 5424 §6.5 examples
  {
    name: '5424 example 1: BOM, nil PROCID and SD',
    input: "<34>1 2003-10-11T22:14:15.003Z mymachine.example.com su - ID47 - \uFEFF'su root' failed for lonvick on /dev/pts/8",
    want: {
      format: 'rfc5424', facility: 4, severity: 2, version: 1, hostname: 'mymachine.example.com', appName: 'su', procId: undefined, msgId: 'ID47',
      bom: true, message: "'su root' failed for lonvick on /dev/pts/8", tsText: '2003-10-11T22:14:15.003Z', tsIso: '2003-10-11T22:14:15.003Z',
      line: "Oct 11 22:14:15 mymachine.example.com su: 'su root' failed for lonvick on /dev/pts/8",
    },
  },
  {
    name: '5424 example 2: offset kept in the line wall clock',
    input: "<165>1 2003-08-24T05:14:15.000003-07:00 192.0.2.1 myproc 8710 - - %% It's time to make the do-nuts.",
    want: {
      facility: 20, severity: 5, hostname: '192.0.2.1', appName: 'myproc', procId: '8710', msgId: undefined, bom: false,
      tsIso: '2003-08-24T12:14:15.000Z', line: "Aug 24 05:14:15 192.0.2.1 myproc[8710]: %% It's time to make the do-nuts.",
    },
  },
  {
    name: '5424 example 3: structured data then BOM message',
    input: '<165>1 2003-10-11T22:14:15.003Z mymachine.example.com evntslog - ID47 [exampleSDID@32473 iut="3" eventSource="Application" eventID="1011"] \uFEFFAn application event log entry...',
    want: {
      structuredData: [{id: 'exampleSDID@32473', params: [['iut', '3'], ['eventSource', 'Application'], ['eventID', '1011']]}],
      message: 'An application event log entry...', bom: true,
      line: 'Oct 11 22:14:15 mymachine.example.com evntslog: An application event log entry...',
    },
  },
  {
    name: '5424 example 4: two SD elements, no MSG',
    input: '<165>1 2003-10-11T22:14:15.003Z mymachine.example.com evntslog - ID47 [exampleSDID@32473 iut="3"][examplePriority@32473 class="high"]',
    want: {
      structuredData: [{id: 'exampleSDID@32473', params: [['iut', '3']]}, {id: 'examplePriority@32473', params: [['class', 'high']]}],
      message: '', line: 'Oct 11 22:14:15 mymachine.example.com evntslog: ',
    },
  },
  {
    name: '5424 escapes in PARAM-VALUE (\\" \\\\ \\] unescaped, other backslashes kept)',
    input: '<13>1 2024-01-02T03:04:05Z h a 1 m [x@1 a="q\\"uote" b="br\\]acket" c="back\\\\slash" d="other\\n" e=""] msg ] " here',
    want: {
      structuredData: [{id: 'x@1', params: [['a', 'q"uote'], ['b', 'br]acket'], ['c', 'back\\slash'], ['d', 'other\\n'], ['e', '']]}],
      message: 'msg ] " here', msgId: 'm', procId: '1',
    },
  },
  {
    name: '5424 everything nil: now (UTC) and unknownhost in the line',
    input: '<13>1 - - - - - -',
    want: {hostname: undefined, appName: undefined, procId: undefined, msgId: undefined, message: '', line: 'Mar 10 12:00:00 unknownhost: '},
  },
  {
    name: '5424 as `logger --rfc5424=notime,nohost` sends it',
    input: '<13>1 - - myapp - - - nohost',
    want: {appName: 'myapp', message: 'nohost', line: 'Mar 10 12:00:00 unknownhost myapp: nohost'},
  },
  {
    name: '5424 non-numeric PROCID is kept (current CrowdSec passes it through)',
    input: '<14>1 2024-01-02T03:04:05+02:00 web nginx worker-1 - - GET /',
    want: {procId: 'worker-1', tsIso: '2024-01-02T01:04:05.000Z', line: 'Jan 2 03:04:05 web nginx[worker-1]: GET /'},
  },
  {
    name: '5424 trailing CRLF and NUL stripped',
    input: '<14>1 2024-01-02T03:04:05Z web app - - - hi\r\n\0',
    want: {message: 'hi', line: 'Jan 2 03:04:05 web app: hi'},
  },
  // RFC 3164
  {
    name: '3164 the hub sshd line (parsers.md §12.1) comes back verbatim',
    input: '<38>Feb 12 14:10:21 sd-126005 sshd[16378]: Invalid user pascal from 35.188.49.176 port 53502',
    want: {
      format: 'rfc3164', facility: 4, severity: 6, hostname: 'sd-126005', appName: 'sshd', procId: '16378', msgId: undefined, structuredData: [],
      tsText: 'Feb 12 14:10:21', tsIso: '2024-02-12T14:10:21.000Z', message: 'Invalid user pascal from 35.188.49.176 port 53502',
      line: 'Feb 12 14:10:21 sd-126005 sshd[16378]: Invalid user pascal from 35.188.49.176 port 53502',
    },
  },
  {
    name: '3164 space-padded day, printed unpadded as Go `Jan 2`',
    input: '<13>Jun  8 10:44:36 host CRON[12]: (root) CMD (true)',
    want: {tsText: 'Jun  8 10:44:36', line: 'Jun 8 10:44:36 host CRON[12]: (root) CMD (true)'},
  },
  {
    name: '3164 without hostname',
    input: '<13>Jun  8 10:44:36 sshd[12]: msg',
    want: {hostname: undefined, appName: 'sshd', procId: '12', message: 'msg', line: 'Jun 8 10:44:36 unknownhost sshd[12]: msg'},
  },
  {
    name: '3164 as `logger --rfc3164` sends it over TCP (no pid, trailing LF)',
    input: '<13>Dec  6 18:26:33 vm myapp: hello 3164 tcp\n',
    want: {hostname: 'vm', appName: 'myapp', procId: undefined, message: 'hello 3164 tcp', line: 'Dec 6 18:26:33 vm myapp: hello 3164 tcp'},
  },
  {
    name: '3164 with an RFC 3339 timestamp (rsyslog high precision)',
    input: '<30>2023-11-14T00:20:42.738197+01:00 myserver sshd[1112652]: Accepted publickey',
    want: {tsIso: '2023-11-13T23:20:42.738Z', hostname: 'myserver', line: 'Nov 14 00:20:42 myserver sshd[1112652]: Accepted publickey'},
  },
  {
    name: '3164 without a tag: the rest is the message',
    input: '<13>Feb 12 14:10:21 host just some text: here',
    want: {hostname: 'host', appName: undefined, message: 'just some text: here', line: 'Feb 12 14:10:21 host: just some text: here'},
  },
  {
    name: '3164 tag without a space after the colon',
    input: '<13>Feb 12 14:10:21 host kernel:[ 1.0] x',
    want: {appName: 'kernel', message: '[ 1.0] x'},
  },
  {
    name: '3164 nothing after the timestamp',
    input: '<0>Feb 12 14:10:21',
    want: {facility: 0, severity: 0, hostname: undefined, message: '', line: 'Feb 12 14:10:21 unknownhost: '},
  },
  {
    name: '3164 PRI 191 (local7.debug) and leading-zero PRI',
    input: '<191>Feb 12 14:10:21 h t: m',
    want: {facility: 23, severity: 7},
  },
]

for (const c of ok) {
  test(c.name, () => {
    const got = parse(c.input)
    if (!got.ok) throw new Error(`${got.reason}: ${got.detail}`)
    const {tsText, tsIso, ...fields} = c.want
    for (const [k, v] of Object.entries(fields)) assert.equal((got as unknown as Record<string, unknown>)[k], v, k)
    if (tsText !== undefined) assert.is(got.timestamp?.text, tsText)
    if (tsIso !== undefined) assert.is(got.timestamp?.date.toISOString(), tsIso)
  })
}

const bad: [string, string | Uint8Array, SyslogParseErrorReason][] = [
  ['empty', '', 'empty'],
  ['only a newline', '\r\n', 'empty'],
  ['no PRI', 'Feb 12 14:10:21 host app: x', 'missing-pri'],
  ['empty PRI', '<>Feb 12 14:10:21 h t: m', 'bad-pri'],
  ['4-digit PRI', '<1234>Feb 12 14:10:21 h t: m', 'bad-pri'],
  ['PRI over 191', '<192>Feb 12 14:10:21 h t: m', 'bad-pri'],
  ['PRI not closed', '<13 Feb', 'bad-pri'],
  ['PRI letters', '<ab>x', 'bad-pri'],
  ['only PRI', '<13>', 'bad-timestamp'],
  ['3164 unknown month', '<13>Foo 12 14:10:21 h t: m', 'bad-timestamp'],
  ['3164 Feb 30', '<13>Feb 30 14:10:21 h t: m', 'bad-timestamp'],
  ['3164 hour 25', '<13>Feb 12 25:10:21 h t: m', 'bad-timestamp'],
  ['3164 text after PRI', '<13>hello world', 'bad-timestamp'],
  ['3164 timestamp glued to the host', '<13>Feb 12 14:10:21host t: m', 'bad-timestamp'],
  ['5424 date without time', '<13>1 2003-10-11 host app - - - msg', 'bad-timestamp'],
  ['5424 month 13', '<13>1 2003-13-11T22:14:15Z host app - - - msg', 'bad-timestamp'],
  ['5424 no zone', '<13>1 2003-10-11T22:14:15 host app - - - msg', 'bad-timestamp'],
  ['5424 header cut short', '<13>1 2003-10-11T22:14:15Z host app', 'bad-header'],
  ['5424 double space (empty field)', '<13>1 2003-10-11T22:14:15Z host  app - - - m', 'bad-header'],
  ['5424 APP-NAME of 49 characters', `<13>1 - h ${'a'.repeat(49)} - - - m`, 'bad-header'],
  ['5424 MSGID of 33 characters', `<13>1 - h a - ${'m'.repeat(33)} - m`, 'bad-header'],
  ['5424 non-ASCII hostname', '<13>1 - hôte a - - - m', 'bad-header'],
  ['5424 SD neither [ nor -', '<13>1 - h a - - x msg', 'bad-structured-data'],
  ['5424 SD unterminated', '<13>1 - h a - - [id a="1"', 'bad-structured-data'],
  ['5424 SD value unterminated', '<13>1 - h a - - [id a="1] msg', 'bad-structured-data'],
  ['5424 SD unescaped ]', '<13>1 - h a - - [id a="x]"] msg', 'bad-structured-data'],
  ['5424 SD value without quotes', '<13>1 - h a - - [id a=1] msg', 'bad-structured-data'],
  ['5424 SD empty id', '<13>1 - h a - - [] msg', 'bad-structured-data'],
  ['5424 no space after SD', '<13>1 - h a - - [id]msg', 'bad-structured-data'],
  ['binary garbage', Uint8Array.from([0x3c, 0x31, 0x3e, 0xff, 0x00, 0x01, 0x80]), 'bad-timestamp'],
]

for (const [name, input, reason] of bad) {
  test(`error: ${name}`, () => {
    const got = parse(input)
    if (got.ok) throw new Error(`parsed as ${got.format}: ${got.line}`)
    assert.is(got.reason, reason, got.detail)
    assert.type(got.detail, 'string')
  })
}

test('fixtures: real senders (rsyslog, syslog-ng, busybox, logger, systemd) parse to the expected lines', () => {
  const cases = JSON.parse(fs.readFileSync(new URL('../fixtures/syslog/messages.json', import.meta.url), 'utf8')) as {input: string; format: string; line: string}[]
  assert.ok(cases.length >= 5)
  for (const c of cases) {
    const got = parse(c.input)
    if (!got.ok) throw new Error(`${c.input}: ${got.reason}`)
    assert.is(got.format, c.format, c.input)
    assert.is(got.line, c.line, c.input)
  }
})

test('hostile input: random bytes never throw; long runs stay linear', () => {
  let seed = 42
  const rand = (): number => (seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff
  const alphabet = '<>0123456789 []="\\-:TZ.+FebJun\n\r\uFEFF'
  for (let n = 0; n < 5000; n++) {
    let s = rand() < 0.5 ? '<13>' : ''
    if (rand() < 0.3) s += '1 '
    const len = Math.floor(rand() * 60)
    for (let i = 0; i < len; i++) s += alphabet[Math.floor(rand() * alphabet.length)]
    const got = parse(s)
    assert.type(got.ok, 'boolean')
    if (got.ok) assert.type(got.line, 'string')
  }
  const big = 1_000_000
  const runs = [
    '<13>1 - h a - - ' + '['.repeat(big),
    '<13>1 - h a - - [id a="' + '\\'.repeat(big),
    '<13>1 - h a - - [id' + ' a="1"'.repeat(big / 6) + ']',
    '<13>Feb 12 14:10:21 ' + 'a'.repeat(big),
    '<13>Feb 12 14:10:21 h ' + 'x['.repeat(big / 2),
    '<13>' + '1'.repeat(big),
  ]
  for (const s of runs) assert.type(parse(s).ok, 'boolean')
})

test('bytes: invalid UTF-8 becomes U+FFFD, a BOM inside a 3164 message is kept', () => {
  const bytes = new Uint8Array([...new TextEncoder().encode('<13>Feb 12 14:10:21 h t: caf'), 0xc3, 0x28, 0xef, 0xbb, 0xbf])
  const got = parse(bytes)
  if (!got.ok) throw new Error(got.reason)
  assert.is(got.message, 'caf\uFFFD(\uFEFF')
})

test('crowdsecLine: CrowdSec buildLogFromSyslog layout', () => {
  const wall = {month: 1, day: 5, hour: 7, minute: 8, second: 9}
  const ts = {text: 'x', date: new Date(0), wall}
  assert.is(crowdsecLine({timestamp: ts, hostname: 'h', appName: 'a', procId: '1', message: 'm'}), 'Jan 5 07:08:09 h a[1]: m')
  assert.is(crowdsecLine({timestamp: ts, hostname: '', appName: undefined, procId: undefined, message: 'm\n'}), 'Jan 5 07:08:09 unknownhost: m')
  assert.is(crowdsecLine({timestamp: undefined, hostname: 'h', appName: 'a', procId: undefined, message: ''}, now), 'Mar 10 12:00:00 h a: ')
})

test.run()
