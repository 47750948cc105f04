/**
 * The scan loop with stand-in stages (the real parse/detect stages are tested in their own
 * folders): inputs of every kind, type choice, corrupt inputs, alerts -> decisions, exit codes.
 */
import {test} from 'uvu'
import * as assert from 'uvu/assert'
import * as fs from 'node:fs'
import * as os from 'node:os'
import * as path from 'node:path'
import * as zlib from 'node:zlib'
import {Readable} from 'node:stream'
import * as tar from 'tar'
import {Alert, RuntimeAlert, Source} from '../../src/model/alert.js'
import {Event, EventType} from '../../src/model/event.js'
import {DEFAULT_PROFILES_YAML, parseProfiles} from '../../src/decide/profile-config.js'
import {compileProfiles, type CompileFn} from '../../src/decide/profiles.js'
import type {Engines} from '../../src/pipeline/engines.js'
import {runScan, scanAlerts, type ScanOptions} from '../../src/pipeline/scan.js'
import {writerIn} from '../helpers/files.js'

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'crowd-scan-'))
const w = writerIn(dir)
const syslogLine = (ip: string, s: number) => `Mar  2 06:00:${String(s).padStart(2, '0')} web01 sshd[1]: Failed password for root from ${ip} port 22 ssh2`
const nginxLine = (ip: string) => `${ip} - - [02/Mar/2026:06:00:01 +0000] "GET /.env HTTP/1.1" 404 12 "-" "curl/8"`
const auth = w('auth.log', [1, 2, 3, 4, 5, 6].map((s) => syslogLine('203.0.113.7', s)).join('\n') + '\nMar  2 06:00:09 web01 sshd[1]: Accepted password for bob from 10.0.0.1\n')
const access = w('access.log', nginxLine('198.51.100.9') + '\n')
w('content/x.log', syslogLine('192.0.2.1', 1) + '\n')
w('content/y.log.gz', zlib.gzipSync(syslogLine('192.0.2.2', 1) + '\n'))
tar.c({gzip: true, file: path.join(dir, 'logs.tgz'), cwd: path.join(dir, 'content'), sync: true, portable: true}, ['x.log', 'y.log.gz'])
const archive = path.join(dir, 'logs.tgz')
const badTar = w('bad.tar', Buffer.alloc(2048, 'garbage!'))
const truncGz = w('trunc.log.gz', zlib.gzipSync(syslogLine('1.1.1.1', 1).repeat(50)).subarray(0, 20))
const long = w('long.log', 'x'.repeat(5000) + '\n' + Buffer.from([0xff, 0x0a]).toString('latin1'))
fs.writeFileSync(long, Buffer.concat([Buffer.from('Mar  2 06:00:01 h p: ' + 'x'.repeat(5000) + '\n'), Buffer.from([0x4d, 0xff, 0x0a])]))

/**
 * Stand-in stages: a line parses when its type is 'syslog' and it says "Failed password", or
 * type 'nginx' and it starts with an IP. Each IP with 5 failures overflows once.
 */
function fakeEngines(): Engines & {poured: string[]} {
  const counts = new Map<string, number>()
  const poured: string[] = []
  return {
    poured,
    warnings: [],
    parsers: {
      filters: ["evt.Line.Labels.type == 'nginx'"],
      parse: (evt) => {
        const type = evt.Line.Labels.type
        const m = /from (\S+) port/.exec(evt.Line.Raw)
        if (type === 'syslog' && m !== null) {
          evt.Meta.source_ip = m[1]!
          return true
        }
        if (type === 'nginx' && /^\d+\.\d+\.\d+\.\d+ /.test(evt.Line.Raw)) {
          evt.Meta.source_ip = evt.Line.Raw.split(' ')[0]!
          return true
        }
        return false
      },
    },
    detector: {
      scenarios: ['test/bf'],
      pour: (evt) => {
        poured.push(`${evt.Line.Labels.type} ${evt.Meta.source_ip}`)
        const ip = evt.Meta.source_ip!
        const n = (counts.get(ip) ?? 0) + 1
        counts.set(ip, n)
        if (n !== 5) return []
        const ov = new Event()
        ov.Type = EventType.overflow
        const ra = new RuntimeAlert()
        const alert = new Alert()
        alert.Scenario = 'test/bf'
        alert.Remediation = true
        alert.EventsCount = n
        alert.StartAt = '2026-03-02T06:00:01Z'
        alert.StopAt = '2026-03-02T06:00:05Z'
        alert.Source = new Source({Scope: 'Ip', Value: ip, IP: ip})
        ra.Alert = alert
        ov.Overflow = ra as unknown as Event['Overflow']
        return [ov]
      },
      flush: () => [],
    },
  }
}

const compile: CompileFn = (source) => ({source, run: (vars) => {
  const a = vars.Alert as Alert
  return a.Remediation && a.GetScope() === (source.includes('"Ip"') ? 'Ip' : 'Range')
}})
const profiles = compileProfiles(parseProfiles(DEFAULT_PROFILES_YAML, 'default'), compile)

const scan = (inputs: ScanOptions['inputs'], extra: Partial<ScanOptions> = {}) => runScan({inputs, engines: fakeEngines(), profiles, ...extra})

test('syslog file: type detected by signature, alert with a 4h ban, exit 1', async () => {
  const r = await scan([{input: auth}])
  assert.is(r.inputs[0]!.sources[0]!.type, 'syslog')
  assert.is(r.inputs[0]!.sources[0]!.type_from, 'parsers')
  assert.equal([r.summary.lines, r.summary.parsed, r.summary.unparsed], [7, 6, 1])
  assert.is(r.alerts.length, 1)
  const json = JSON.parse(JSON.stringify(r.alerts[0]))
  assert.equal(json.decisions, [{duration: '4h', origin: 'crowdsec', scenario: 'test/bf', scope: 'Ip', type: 'ban', until: '2026-03-02T10:00:05Z', value: '203.0.113.7'}])
  assert.is(r.exit_code, 1)
})

test('--fail-on none keeps 0', async () => {
  const r = await scan([{input: auth}], {failOn: 'none'})
  assert.is(r.exit_code, 0)
})

test('no alert: exit 0', async () => {
  const r = await scan([{input: access}])
  assert.is(r.alerts.length, 0)
  assert.is(r.exit_code, 0)
})

test('mixed types: per-input type, --type, detection', async () => {
  const r = await scan([{input: access, type: 'nginx'}, {input: auth}], {type: undefined})
  assert.equal(r.inputs.map((i) => [i.sources[0]!.type, i.sources[0]!.type_from]), [['nginx', 'input'], ['syslog', 'parsers']])
  const forced = await scan([{input: auth}], {type: 'nginx'})
  assert.equal([forced.inputs[0]!.sources[0]!.type, forced.inputs[0]!.sources[0]!.type_from, forced.summary.parsed], ['nginx', 'flag', 0])
})

test('access log detected as nginx (parser trial)', async () => {
  const r = await scan([{input: access}])
  assert.equal([r.inputs[0]!.sources[0]!.type, r.summary.parsed], ['nginx', 1])
})

test('archive members and directories are sources of their own', async () => {
  const r = await scan([{input: archive}, {input: path.join(dir, 'content')}])
  assert.equal(r.inputs[0]!.sources.map((s) => s.src), [`${archive}:x.log`, `${archive}:y.log.gz`])
  assert.equal(r.inputs[1]!.sources.map((s) => path.basename(s.src)), ['x.log', 'y.log.gz'])
  assert.is(r.summary.parsed, 4)
})

test('glob input', async () => {
  const r = await scan([{input: path.join(dir, '*.log')}])
  assert.equal(r.inputs[0]!.sources.map((s) => path.basename(s.src)), ['access.log', 'auth.log', 'long.log'])
})

test('stdin', async () => {
  const r = await scan([{input: '-'}], {stdin: Readable.from([Buffer.from(fs.readFileSync(auth))])})
  assert.equal([r.inputs[0]!.sources[0]!.src, r.summary.parsed, r.alerts.length], ['-', 6, 1])
})

test('corrupt inputs: reported with file and offset, the rest scanned, exit 3', async () => {
  const r = await scan([{input: badTar}, {input: truncGz}, {input: path.join(dir, 'missing.log')}, {input: auth}])
  assert.match(r.inputs[0]!.error!.message, /corrupt archive at byte offset \d+/)
  assert.is(r.inputs[0]!.error!.file, badTar)
  assert.match(r.inputs[1]!.sources[0]!.error!.message, /corrupt gzip data at byte offset \d+/)
  assert.match(r.inputs[2]!.error!.message, /no such file or directory/)
  assert.is(r.summary.input_errors, 3)
  assert.is(r.alerts.length, 1)
  assert.is(r.exit_code, 3)
})

test('oversized lines and invalid UTF-8 are counted and warned about', async () => {
  const r = await scan([{input: long, type: 'syslog'}], {maxLineBytes: 1024})
  const s = r.inputs[0]!.sources[0]!
  assert.equal([s.lines, s.truncated, s.invalid_utf8], [2, 1, 1])
  assert.is(r.warnings.length, 2)
})

test('simulation marks alerts and decisions', async () => {
  const r = await scan([{input: auth}], {simulation: {simulation: true}})
  assert.ok(r.alerts[0]!.Simulated)
  assert.ok(r.alerts[0]!.Decisions![0]!.Simulated)
})

test('scanAlerts streams alerts, then the result', async () => {
  const stream = scanAlerts({inputs: [{input: auth}, {input: archive}], engines: fakeEngines(), profiles})
  const seen: string[] = []
  for await (const a of stream) seen.push(a.Source.Value)
  assert.equal(seen, ['203.0.113.7'])
  assert.is((await stream.result).summary.alerts, 1)
})

test('the same scan twice gives the same JSON', async () => {
  const a = JSON.stringify(await scan([{input: auth}, {input: archive}]))
  const b = JSON.stringify(await scan([{input: auth}, {input: archive}]))
  assert.is(a, b)
})

test.run()
