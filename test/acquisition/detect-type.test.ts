import {test} from 'uvu'
import * as assert from 'uvu/assert'
import {detectLogType, typesFromFilters} from '../../src/acquisition/detect-type.js'

const samples: {name: string; lines: string[]; want: string | undefined}[] = [
  {name: 'auth.log (RFC 3164)', lines: ['Mar  2 06:00:01 web01 sshd[12345]: Failed password for root from 203.0.113.7 port 52144 ssh2'], want: 'syslog'},
  {name: 'RFC 5424', lines: ['<34>1 2026-03-02T06:00:01.003Z host app 1 ID47 - msg'], want: 'syslog'},
  {name: 'rsyslog ISO timestamps', lines: ['2026-03-02T06:00:01.123456+01:00 web01 sshd[1]: Invalid user x from 1.2.3.4'], want: 'syslog'},
  {name: 'nginx combined', lines: ['1.2.3.4 - - [02/Mar/2026:06:00:01 +0000] "GET / HTTP/1.1" 200 12 "-" "curl/8"'], want: 'nginx'},
  {name: 'nginx error', lines: ['2026/03/02 06:00:01 [error] 123#123: *1 open() "/x" failed'], want: 'nginx'},
  {name: 'apache error', lines: ['[Mon Mar 02 06:00:01.123456 2026] [core:error] [pid 1] AH00126: Invalid URI'], want: 'apache2'},
  {name: 'unknown text', lines: ['hello world'], want: undefined},
  {name: 'majority wins', lines: ['hello', 'Mar  2 06:00:01 h p: m', 'Mar  2 06:00:02 h p: m', '1.2.3.4 - - [02/Mar/2026:06:00:01 +0000] "GET /"'], want: 'syslog'},
]

for (const c of samples) {
  test(`signature: ${c.name}`, () => {
    const got = detectLogType(c.lines)
    assert.is(got.type, c.want)
    assert.is(got.method, c.want === undefined ? 'none' : 'signature')
  })
}

test('trial: the type under which most lines parse wins', () => {
  const lines = ['1.2.3.4 - - [02/Mar/2026:06:00:01 +0000] "GET / HTTP/1.1" 200 12 "-" "curl/8"']
  const got = detectLogType(lines, {trial: (type) => (type === 'apache2' ? 1 : 0)})
  assert.equal([got.type, got.method], ['apache2', 'parsers'])
})

test('trial: extra candidates are tried', () => {
  const got = detectLogType(['{"level":"info"}'], {candidates: ['caddy'], trial: (type) => (type === 'caddy' ? 1 : 0)})
  assert.is(got.type, 'caddy')
})

test('trial: nothing parses -> signature fallback', () => {
  const got = detectLogType(['Mar  2 06:00:01 h p: m'], {trial: () => 0})
  assert.equal([got.type, got.method], ['syslog', 'signature'])
})

test('trial: a type that parses every line ends the trials; a partial score does not', () => {
  const lines = ['1.2.3.4 - - [02/Mar/2026:06:00:01 +0000] "GET / HTTP/1.1" 200 12 "-" "curl/8"', 'x']
  const tried: string[] = []
  const got = detectLogType(lines, {candidates: ['syslog', 'caddy'], trial: (type) => (tried.push(type), type === 'apache2' ? 2 : type === 'nginx' ? 1 : 0)})
  assert.equal([got.type, got.method], ['apache2', 'parsers'])
  assert.equal(tried, ['nginx', 'apache2'], 'nothing after the first type that parses every line')
  assert.equal(got.scores, {nginx: 1, apache2: 2})
  tried.length = 0
  const partial = detectLogType(lines, {candidates: ['syslog', 'caddy'], trial: (type) => (tried.push(type), type === 'caddy' ? 1 : 0)})
  assert.equal([partial.type, tried], ['caddy', ['nginx', 'apache2', 'syslog', 'caddy']])
})

test('types from parser filters', () => {
  const filters = ["evt.Parsed.program startsWith 'nginx'", 'evt.Parsed.program in ["apache2", "httpd"]', "evt.Line.Labels.type == 'caddy'", "evt.Parsed.program == 'sshd'"]
  assert.equal(typesFromFilters(filters), ['apache2', 'caddy', 'httpd', 'nginx', 'sshd'])
})

test.run()
