import * as fs from 'node:fs'
import * as os from 'node:os'
import * as path from 'node:path'
import {test} from 'uvu'
import * as assert from 'uvu/assert'
import {parse as parseYaml} from 'yaml'
import {createHubTest, parserDependencies} from '../../src/hubtest/new-test.js'
import {CrowdError} from '../../src/model/errors.js'
import {ROOT} from '../helpers/run-cli.js'

const PLUGINS = path.join(ROOT, 'plugins')
const tmp = (): string => fs.mkdtempSync(path.join(os.tmpdir(), 'crowd-newtest-'))
const log = (dir: string, text: string): string => {
  const f = path.join(dir, 'in.log')
  fs.writeFileSync(f, text)
  return f
}

test('scenario test crowd/ssh-bf: parsers from dependencies, ignore_parsers, empty scenario.assert', () => {
  const d = tmp()
  const r = createHubTest({name: 'bf', log: log(d, 'a\nb\n\nc'), logType: 'syslog', scenarios: ['crowd/ssh-bf'], testsDir: d, pluginsDir: PLUGINS})
  assert.is(r.kind, 'scenario')
  assert.equal(r.parsers, ['crowd/syslog-logs', 'crowd/dateparse-enrich', 'crowd/whitelists', 'crowd/sshd-logs'])
  assert.is(r.log_lines, 3)
  const config = parseYaml(fs.readFileSync(path.join(d, 'bf', 'config.yaml'), 'utf8')) as Record<string, unknown>
  assert.equal(config.scenarios, ['crowd/ssh-bf'])
  assert.is(config.log_file, 'bf.log')
  assert.is(config.log_type, 'syslog')
  assert.is(config.ignore_parsers, true)
  assert.is(fs.readFileSync(path.join(d, 'bf', 'scenario.assert'), 'utf8'), '')
  assert.is(fs.readFileSync(path.join(d, 'bf', 'bf.log'), 'utf8'), 'a\nb\n\nc\n')
})

test('parser test: parser.assert, scenarios [""]', () => {
  const d = tmp()
  const r = createHubTest({name: 'p', log: log(d, 'x\n'), logType: 'nginx', parsers: ['crowd/nginx-logs'], testsDir: d, pluginsDir: PLUGINS, noBaseParsers: true})
  assert.is(r.kind, 'parser')
  assert.equal(r.parsers, ['crowd/syslog-logs', 'crowd/nginx-logs'])
  const config = parseYaml(fs.readFileSync(path.join(d, 'p', 'config.yaml'), 'utf8')) as Record<string, unknown>
  assert.equal(config.scenarios, [''])
  assert.ok(fs.existsSync(path.join(d, 'p', 'parser.assert')))
})

test('parserDependencies of crowd/http-probing', () => {
  assert.equal(parserDependencies('crowd/http-probing', PLUGINS), ['crowd/http-logs'])
})

const errors: [string, Partial<Parameters<typeof createHubTest>[0]>, RegExp][] = [
  ['bad name', {name: '../x'}, /invalid test name/],
  ['bad log type', {logType: 'a b'}, /invalid log type/],
  ['missing log', {log: '/nonexistent/file.log'}, /cannot read the log/],
  ['empty log', {log: 'EMPTY'}, /the log is empty/],
]
for (const [what, patch, re] of errors) {
  test(`createHubTest error: ${what}`, () => {
    const d = tmp()
    const base = {name: 't', log: log(d, 'x\n'), logType: 'syslog', testsDir: d, parsers: ['crowd/sshd-logs']}
    const opts = {...base, ...patch}
    if (opts.log === 'EMPTY') opts.log = log(d, '\n\n')
    assert.throws(() => createHubTest(opts), (e: unknown) => e instanceof CrowdError && re.test(e.message))
  })
}

test('createHubTest refuses to overwrite without force', () => {
  const d = tmp()
  const opts = {name: 't', log: log(d, 'x\n'), logType: 'syslog', testsDir: d, parsers: ['crowd/sshd-logs']}
  createHubTest(opts)
  assert.throws(() => createHubTest(opts), /already exists/)
  createHubTest({...opts, force: true})
})

test.run()
