/**
 * crowd explain through the built CLI: one line through CrowdSec's syslog and sshd parsers, the
 * `--json` result as a golden file (every node that ran, the fields it set, the event's Meta), the
 * same with the content cache cold, warm and off.
 */
import * as fs from 'node:fs'
import * as os from 'node:os'
import * as path from 'node:path'
import {test} from 'uvu'
import * as assert from 'uvu/assert'
import {assertGolden} from '../helpers/golden.js'
import {runCli, SHARED} from '../helpers/run-cli.js'

const HUB = path.join(SHARED, 'crowdsec-hub')
const LINE = 'Nov 27 06:12:01 web01 sshd[21431]: Invalid user admin from 198.51.100.23 port 40112'
const ARGS = ['explain', '--line', LINE, '--type', 'syslog', '--hub', HUB, '--parser', 'crowdsecurity/syslog-logs', '--parser', 'crowdsecurity/sshd-logs']

test('explain --line --json (golden)', () => {
  const r = runCli([...ARGS, '--json'])
  assert.is(r.status, 0, r.stderr)
  const out = JSON.parse(r.stdout) as {lines: {parsed: boolean; meta: Record<string, string>}[]}
  assert.equal([out.lines[0]!.parsed, out.lines[0]!.meta.source_ip, out.lines[0]!.meta.log_type], [true, '198.51.100.23', 'ssh_failed-auth'])
  assertGolden('explain.json', r.stdout)
})

test('explain --json: the same with the content cache cold, warm (a bundle of its own beside the scan\'s) and off', () => {
  const cache = fs.mkdtempSync(path.join(os.tmpdir(), 'crowd-explain-'))
  try {
    const run = (env: Record<string, string>): string => {
      const r = runCli([...ARGS, '--json'], {env: {XDG_CACHE_HOME: cache, ...env}})
      assert.is(r.status, 0, r.stderr)
      return r.stdout
    }
    const bundles = (): string[] => fs.readdirSync(path.join(cache, 'crowd', 'content')).flatMap((d) => fs.readdirSync(path.join(cache, 'crowd', 'content', d)))
    const cold = run({})
    assert.is(bundles().length, 1, 'explain wrote its bundle')
    assert.is(run({}), cold)
    assert.is(run({CROWD_CONTENT_CACHE: 'off'}), cold)
    // a scan of the same selection keeps a bundle of its own
    const scan = runCli(['scan', '-', '--type', 'syslog', '--hub', HUB, '--parser', 'crowdsecurity/syslog-logs', '--parser', 'crowdsecurity/sshd-logs', '--json', '--fail-on', 'none'], {env: {XDG_CACHE_HOME: cache}, input: `${LINE}\n`})
    assert.is(scan.status, 0, scan.stderr)
    assert.is(bundles().length, 2)
    assert.is(run({}), cold)
    assertGolden('explain.json', cold)
  } finally {
    fs.rmSync(cache, {recursive: true, force: true})
  }
})

test('explain --line: the text view names the nodes that ran', () => {
  const r = runCli(ARGS)
  assert.is(r.status, 0, r.stderr)
  assert.match(r.stdout, 'crowdsecurity/sshd-logs')
  assert.match(r.stdout, '198.51.100.23')
})

test.run()
