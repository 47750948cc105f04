/**
 * acquis.yaml and acquis.d/ as CrowdSec reads them: the acquisition examples of the hub
 * snapshot, multi-document files, the backward-compatible source detection, acquis.d order,
 * environment expansion, and every error path with its file and line.
 */
import {test} from 'uvu'
import * as assert from 'uvu/assert'
import * as fs from 'node:fs'
import * as path from 'node:path'
import {CrowdError, CrowdErrorList} from '../../src/model/errors.js'
import {
  acquisFilesIn, globSyntaxError, loadAcquisition, parseAcquis, readAcquisDir, readAcquisFile, strictExpand,
  type FileSourceConfig, type JournaldSourceConfig, type SyslogSourceConfig, type WatchSourceConfig,
} from '../../src/acquisition/acquis.js'
import {SHARED} from '../helpers/run-cli.js'
import {tempDir} from './helpers.js'

/** The errors a parse throws, as [line, reason] pairs (all of them name `file`). */
function errorsOf(fn: () => unknown, file = 'acquis.yaml'): [number | undefined, string][] {
  try {
    fn()
  } catch (error) {
    const list = error instanceof CrowdErrorList ? error.errors : [error]
    return list.map((e) => {
      assert.instance(e, CrowdError)
      const c = e as CrowdError
      assert.is(c.code, 'config')
      assert.is(c.file, file)
      return [c.line, c.reason]
    })
  }
  throw new Error('expected an error')
}

function parse(text: string, env: Record<string, string> = {}): WatchSourceConfig[] {
  return parseAcquis(text, 'acquis.yaml', {env})
}

/** The config without the compiled regexes and with plain label objects, for deep comparison. */
function plain(config: WatchSourceConfig): Record<string, unknown> {
  const {labels, ...rest} = config
  const out: Record<string, unknown> = {...rest, labels: {...labels}}
  if (config.kind === 'file') delete out.excludeRegexps
  return out
}

test('every acquisition example of the hub snapshot is read, or refused only for a datasource crowd does not have', () => {
  const root = path.join(SHARED, 'crowdsec-hub')
  assert.ok(fs.existsSync(root), `the hub snapshot is missing: ${root}`)
  const files: string[] = []
  const walk = (dir: string) => {
    for (const e of fs.readdirSync(dir, {withFileTypes: true})) {
      const p = path.join(dir, e.name)
      if (e.isDirectory()) walk(p)
      else if (p.endsWith('.md')) files.push(p)
    }
  }
  walk(root)
  const kinds: Record<string, number> = {}
  let refused = 0
  for (const file of files) {
    for (const block of fs.readFileSync(file, 'utf8').matchAll(/```ya?ml\n([\s\S]*?)```/g)) {
      const yaml = block[1]!
      if (!/labels:/.test(yaml) || !/(^|\n)\s*(source:|filenames?:|journalctl_filter:)/.test(yaml)) continue
      try {
        for (const c of parseAcquis(yaml, file, {env: {}})) kinds[c.kind] = (kinds[c.kind] ?? 0) + 1
      } catch (error) {
        const list = error instanceof CrowdErrorList ? error.errors : [error as CrowdError]
        for (const e of list) assert.match(e.reason, /is not supported by crowd|unknown data source "k8s_audit"/, `${file}: ${e.message}\n${yaml}`)
        refused++
      }
    }
  }
  assert.ok((kinds.file ?? 0) >= 100, JSON.stringify(kinds))
  assert.ok((kinds.journald ?? 0) >= 5, JSON.stringify(kinds))
  assert.ok((kinds.syslog ?? 0) >= 1, JSON.stringify(kinds))
  assert.ok(refused > 0)
})

const MULTI = `# crowd acquisition
filenames:
  - /var/log/nginx/*.log
  - /var/log/nginx/access.log.1
filename: /var/log/nginx/error.log
labels:
  type: nginx
---
# a comment-only document is skipped
---
source: journalctl
journalctl_filter:
  - _SYSTEMD_UNIT=ssh.service
labels:
  type: syslog
---
journalctl_filter: ["-k"]
labels: {type: syslog}
mode: cat
---
source: syslog
listen_addr: 0.0.0.0
listen_port: 4242
labels:
  type: syslog
name: my-syslog
---
`

test('a multi-document acquis.yaml: file, journalctl (explicit and detected) and syslog, with their origins', () => {
  const configs = parse(MULTI)
  assert.equal(configs.map((c) => c.kind), ['file', 'journald', 'journald', 'syslog'])
  assert.equal(plain(configs[0]!), {
    kind: 'file', mode: 'tail', useTimeMachine: false,
    // filenames first, then filename, as CrowdSec appends it
    paths: ['/var/log/nginx/*.log', '/var/log/nginx/access.log.1', '/var/log/nginx/error.log'],
    exclude: [], labels: {type: 'nginx'}, origin: {file: 'acquis.yaml', doc: 0, line: 2},
  })
  assert.equal(plain(configs[1]!), {
    kind: 'journald', mode: 'tail', useTimeMachine: false, filters: ['_SYSTEMD_UNIT=ssh.service'],
    labels: {type: 'syslog'}, origin: {file: 'acquis.yaml', doc: 2, line: 11},
  })
  const detected = configs[2] as JournaldSourceConfig
  assert.equal([detected.filters, detected.mode, detected.origin], [['-k'], 'cat', {file: 'acquis.yaml', doc: 3, line: 17}])
  const syslog = configs[3] as SyslogSourceConfig
  assert.equal([syslog.host, syslog.port, syslog.protocols, syslog.maxMessageLen, syslog.name, {...syslog.labels}, syslog.origin.line], [
    '0.0.0.0', 4242, ['udp'], 2048, 'my-syslog', {type: 'syslog'}, 21,
  ])
})

test('a file source with every CrowdSec key; exclude_regexps are RE2', () => {
  const [config] = parse(`source: file
filenames: [/var/log/*.log]
exclude_regexps: ['\\.gz$', 'debug\\z', '(?i)TRACE']
force_inotify: true
poll_without_inotify: false
max_buffer_size: 1048576
discovery_poll_enable: true
discovery_poll_interval: 30s
mode: cat
log_level: Debug
name: logs
unique_id: u-1
use_time_machine: true
transform: evt.Line.Raw
labels:
  type: syslog
  program: app
`) as [FileSourceConfig]
  assert.equal(plain(config), {
    kind: 'file', mode: 'cat', useTimeMachine: true, name: 'logs', logLevel: 'Debug', uniqueId: 'u-1', transform: 'evt.Line.Raw',
    paths: ['/var/log/*.log'], exclude: ['\\.gz$', 'debug\\z', '(?i)TRACE'], maxLineBytes: 1048576,
    labels: {type: 'syslog', program: 'app'}, origin: {file: 'acquis.yaml', doc: 0, line: 1},
  })
  const excluded = (p: string) => config.excludeRegexps.some((re) => re.test(p))
  assert.equal(['/var/log/a.log.gz', '/var/log/app.debug', '/var/log/app.debug\n', '/var/log/x.trace', '/var/log/a.log'].map(excluded), [true, true, false, true, false])
})

test('environment variables are expanded as CrowdSec does (set ones only)', () => {
  const lookup = (env: Record<string, string>) => (name: string) => env[name]
  const env = {USER: 'me', HOME: '/home/me', EMPTY: ''}
  const cases: [string, string][] = [
    ['$HOME', '/home/me'], ['${USER}', 'me'], ['Hello, $USER!', 'Hello, me!'], ['a $UNSET b ${HOME}', 'a $UNSET b /home/me'],
    ['${UNSET} $HOME', '${UNSET} /home/me'], ['$EMPTY', ''], ['$USER:$EMPTY:$HOME', 'me::/home/me'], ['end$', 'end$'],
    ['${open', '${open'], ['\\.log$', '\\.log$'], ['$$', '$$'],
  ]
  for (const [input, want] of cases) assert.is(strictExpand(input, lookup(env)), want, input)
  const [config] = parse('filename: ${LOG_DIR}/app.log\nexclude_regexps: ["\\\\.gz$"]\nlabels:\n  type: ${TYPE}\n  other: $UNSET\n', {LOG_DIR: '/srv/logs', TYPE: 'nginx'}) as [FileSourceConfig]
  assert.equal([config.paths, config.exclude, {...config.labels}], [['/srv/logs/app.log'], ['\\.gz$'], {type: 'nginx', other: '$UNSET'}])
})

test('acquis.d: *.yaml sorted, then *.yml sorted; other files and directories left out', () => {
  const dir = tempDir()
  const entry = (name: string) => `filename: /var/log/${name}.log\nlabels:\n  type: syslog\n`
  for (const name of ['b.yaml', 'a.yaml', 'c.yml', '0.yml', 'Z.yaml', '.hidden.yaml']) fs.writeFileSync(path.join(dir, name), entry(name))
  fs.writeFileSync(path.join(dir, 'notes.txt'), 'not yaml')
  fs.writeFileSync(path.join(dir, 'x.yaml.bak'), 'not yaml')
  fs.mkdirSync(path.join(dir, 'sub.yaml'))
  const order = ['.hidden.yaml', 'Z.yaml', 'a.yaml', 'b.yaml', '0.yml', 'c.yml']
  assert.equal(acquisFilesIn(dir), order.map((n) => path.join(dir, n)))
  const configs = readAcquisDir(dir) as FileSourceConfig[]
  assert.equal(configs.map((c) => c.paths[0]), order.map((n) => `/var/log/${n}.log`))
  assert.equal(configs.map((c) => c.origin.file), order.map((n) => path.join(dir, n)))
})

test('loadAcquisition: acquis.yaml first, then acquis.d; missing ones are skipped', () => {
  const dir = tempDir()
  const file = path.join(dir, 'acquis.yaml')
  const d = path.join(dir, 'acquis.d')
  fs.mkdirSync(d)
  fs.writeFileSync(file, 'filename: /main.log\nlabels: {type: syslog}\n')
  fs.writeFileSync(path.join(d, 'extra.yaml'), 'filename: /extra.log\nlabels: {type: syslog}\n')
  assert.equal(loadAcquisition({file, dir: d}).map((c) => (c as FileSourceConfig).paths[0]), ['/main.log', '/extra.log'])
  assert.equal(loadAcquisition({file: path.join(dir, 'none.yaml'), dir: path.join(dir, 'none.d')}), [])
  assert.equal(parse(''), [])
  assert.equal(parse('# only a comment\n---\n---\n'), [])
})

test('YAML errors: syntax and duplicate keys, with line and column', () => {
  assert.equal(errorsOf(() => parse('source: file\nlabels:\n  type: x\nfilename: [a.log\n')).map(([l]) => l), [5])
  const dup = errorsOf(() => parse('source: file\nlabels:\n  type: x\nfilenames: [a.log]\nfilenames: [b.log]\n'))
  assert.equal(dup, [[5, 'invalid YAML: Map keys must be unique']])
  assert.equal(errorsOf(() => parse('- a\n- b\n')), [[1, 'a datasource must be a map of keys (source, labels, ...)']])
  assert.equal(errorsOf(() => parse('<aaaa\n')), [[1, 'a datasource must be a map of keys (source, labels, ...)']])
})

test('source errors: missing, not a string, unsupported datasources named, unknown ones', () => {
  assert.equal(errorsOf(() => parse('labels:\n  type: x\nfoo: bar\n')), [[1, "missing 'source' field"]])
  assert.equal(errorsOf(() => parse('source: [file]\nlabels: {type: x}\n')), [[1, 'source must be a string']])
  for (const type of ['docker', 'kinesis', 'k8s-audit', 'cloudwatch', 's3', 'kafka', 'appsec', 'loki', 'http', 'victorialogs', 'wineventlog']) {
    assert.equal(errorsOf(() => parse(`labels:\n  type: x\nsource: ${type}\n`)), [[3, `data source "${type}" is not supported by crowd (it reads file, journalctl and syslog sources)`]])
  }
  assert.equal(errorsOf(() => parse('source: does_not_exist\nlabels: {type: x}\n')), [[1, 'unknown data source "does_not_exist" (crowd reads file, journalctl and syslog sources)']])
})

test('common key errors: labels (missing, not a map, no type, nested), mode, log_level, use_time_machine, name', () => {
  assert.equal(errorsOf(() => parse('source: file\nfilename: a.log\n')), [[1, 'missing labels (labels.type names the log type, e.g. labels: {type: syslog})']])
  assert.equal(errorsOf(() => parse('source: file\nfilename: a.log\nlabels: {}\n')).map(([l]) => l), [1])
  assert.equal(errorsOf(() => parse('source: file\nfilename: a.log\nlabels: [type]\n')), [[3, 'labels must be a map of strings']])
  assert.equal(errorsOf(() => parse('source: file\nfilename: a.log\nlabels:\n  program: x\n')), [[3, 'labels.type is required: it is the log type that selects the parsers (e.g. type: syslog)']])
  assert.equal(errorsOf(() => parse('source: file\nfilename: a.log\nlabels:\n  type: {a: 1}\n')), [[3, 'labels.type must be a string']])
  assert.equal(errorsOf(() => parse('source: file\nfilename: a.log\nlabels: {type: x}\nmode: follow\n')), [[4, 'unsupported mode "follow" (tail or cat)']])
  assert.equal(errorsOf(() => parse('source: file\nfilename: a.log\nlabels: {type: x}\nlog_level: toto\n')), [[4, 'not a valid logrus Level: "toto"']])
  assert.equal(errorsOf(() => parse('source: file\nfilename: a.log\nlabels: {type: x}\nuse_time_machine: yes please\n')), [[4, 'use_time_machine must be true or false']])
  assert.equal(errorsOf(() => parse('source: file\nfilename: a.log\nlabels: {type: x}\nname: [a]\n')), [[4, 'name must be a string']])
})

test('file source errors, each at the line of its key (or list item)', () => {
  const head = 'source: file\nlabels:\n  type: x\n'
  const cases: [string, [number, string][]][] = [
    ['filename: a.log\nfoobar: asd.log\n', [[5, 'unknown field "foobar"']]],
    ['type: file\nfilename: a.log\n', [[4, 'unknown field "type"']]],
    ['', [[1, 'no filename or filenames configuration provided']]],
    ['filenames: /tmp/a.log\n', [[4, 'filenames must be a list of strings']]],
    ['filenames:\n  - a.log\n  - {x: 1}\n', [[6, 'filenames must be a list of strings']]],
    ['filename: "[asd-.log"\n', [[4, 'glob failure: syntax error in pattern: "[asd-.log"']]],
    ['filenames:\n  - ok.log\n  - "bad\\\\"\n', [[6, 'glob failure: syntax error in pattern: "bad\\\\"']]],
    ['filename: "[asd.log]"\nexclude_regexps:\n  - ok\n  - "as[a-$d"\n', [[7, 'could not compile regexp as[a-$d: error parsing regexp: invalid character class range: `a-$`']]],
    ['filename: a.log\nexclude_regexps: ["(?=lookahead)"]\n', [[5, 'could not compile regexp (?=lookahead): error parsing regexp: invalid or unsupported Perl syntax: `(?=`']]],
    ['filename: a.log\nmax_buffer_size: -1\n', [[5, 'max_buffer_size must be a whole number of bytes']]],
    ['filename: a.log\ndiscovery_poll_interval: invalid\n', [[5, 'cannot parse FileAcquisition configuration: time: invalid duration "invalid"']]],
    ['filename: a.log\nforce_inotify: "no"\n', [[5, 'force_inotify must be true or false']]],
    ['filename: a.log\nmode: server\n', [[5, 'unsupported mode server for file source']]],
  ]
  for (const [body, want] of cases) assert.equal(errorsOf(() => parse(head + body)), want, body)
})

test('journalctl and syslog errors come from their readers, at the line of the key they name', () => {
  assert.equal(errorsOf(() => parse('source: journalctl\nlabels:\n  type: x\n')), [[1, 'journalctl datasource: journalctl_filter is required']])
  assert.equal(errorsOf(() => parse('source: journalctl\nlabels: {type: x}\njournalctl_filter: [_UID=0]\nfilename: /path/to/file.log\n')), [[4, 'journalctl datasource: unknown field "filename"']])
  assert.equal(errorsOf(() => parse('source: journalctl\nlabels: {type: x}\njournalctl_filter: ["-o", "short"]\n'))[0]![0], 3)
  assert.equal(errorsOf(() => parse('source: syslog\nlabels: {type: x}\nlisten_port: 424242\n')), [[3, 'syslog datasource: invalid port 424242']])
  assert.equal(errorsOf(() => parse('source: syslog\nlabels: {type: x}\nlisten_addr: 10.0.0\n')), [[3, 'syslog datasource: invalid listen IP 10.0.0']])
  assert.equal(errorsOf(() => parse('source: syslog\nlabels: {type: x}\nfoobar: asd\n')), [[3, 'syslog datasource: unknown key "foobar"']])
  // a labels error is reported once, not again by the datasource's reader
  assert.equal(errorsOf(() => parse('source: syslog\nlabels: [x]\n')), [[2, 'labels must be a map of strings']])
})

test('all the errors of a file are thrown together, each with its document and line', () => {
  const text = `filename: a.log
labels: {type: x}
---
source: docker
---
source: file
filename: "[bad"
---
source: file
filename: b.log
labels: {type: x}
oops: 1
`
  const errors = errorsOf(() => parse(text))
  assert.equal(errors, [
    [4, 'position 1: data source "docker" is not supported by crowd (it reads file, journalctl and syslog sources)'],
    [6, 'position 2: missing labels (labels.type names the log type, e.g. labels: {type: syslog})'],
    [7, 'position 2: glob failure: syntax error in pattern: "[bad"'],
    [12, 'position 3: unknown field "oops"'],
  ])
})

test('a directory reports the errors of all its files together; unreadable files and directories are errors', () => {
  const dir = tempDir()
  fs.writeFileSync(path.join(dir, 'a.yaml'), 'source: docker\n')
  fs.writeFileSync(path.join(dir, 'b.yaml'), 'filename: ok.log\nlabels: {type: x}\n')
  fs.writeFileSync(path.join(dir, 'c.yaml'), 'source: file\n')
  try {
    readAcquisDir(dir)
    assert.unreachable('should throw')
  } catch (error) {
    assert.instance(error, CrowdErrorList)
    assert.equal((error as CrowdErrorList).errors.map((e) => [path.basename(e.file!), e.line]), [['a.yaml', 1], ['c.yaml', 1], ['c.yaml', 1]])
  }
  assert.equal(errorsOf(() => readAcquisFile(path.join(dir, 'none.yaml')), path.join(dir, 'none.yaml')), [[undefined, 'cannot read acquisition file: ENOENT']])
  assert.equal(errorsOf(() => acquisFilesIn(path.join(dir, 'none.d')), path.join(dir, 'none.d')), [[undefined, 'cannot read acquisition directory: ENOENT']])
})

test('globSyntaxError follows Go filepath.Match', () => {
  for (const ok of ['/var/log/*.log', '/a/[abc].log', '/a/[^a-z].log', '/a/[\\]].log', '/a/\\*', '/a/b?c', '/a/[é-ü]']) assert.is(globSyntaxError(ok), undefined, ok)
  for (const bad of ['[', '/a/[abc', '/a/[]', '/a/[-a]', '/a/[a-]', 'trailing\\', '/a/[\\']) assert.type(globSyntaxError(bad), 'string', bad)
})

test.run()
