/**
 * crowd explain through the built CLI: one line through CrowdSec's syslog and sshd parsers, the
 * `--json` result as a golden file (every node that ran, the fields it set, the event's Meta).
 */
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

test('explain --line: the text view names the nodes that ran', () => {
  const r = runCli(ARGS)
  assert.is(r.status, 0, r.stderr)
  assert.match(r.stdout, 'crowdsecurity/sshd-logs')
  assert.match(r.stdout, '198.51.100.23')
})

test.run()
