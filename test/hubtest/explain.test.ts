import * as path from 'node:path'
import {test} from 'uvu'
import * as assert from 'uvu/assert'
import {SHARED} from '../helpers/run-cli.js'
import {explain, renderExplain} from '../../src/hubtest/explain.js'
import {GoTime} from '../../src/model/go-time.js'

const HUB = path.join(SHARED, 'crowdsec-hub')
const now = (): GoTime => GoTime.fromEpochMs(Date.UTC(2026, 0, 1))

test('an sshd line through syslog-logs and sshd-logs: nodes, results and fields', () => {
  const r = explain({
    hubDir: HUB, type: 'syslog', now, failures: true,
    lines: ['Feb 12 14:10:21 sd-126005 sshd[16378]: Invalid user pascal from 35.188.49.176 port 53502'],
    parsers: ['crowdsecurity/syslog-logs', 'crowdsecurity/sshd-logs'],
  })
  const line = r.lines[0]!
  assert.is(line.parsed, true)
  assert.equal(line.stages.map((s) => [s.stage, s.nodes.map((n) => `${n.node}:${n.success}`)]), [
    ['s00-raw', ['crowdsecurity/syslog-logs:true']],
    ['s01-parse', ['crowdsecurity/sshd-logs:true']],
  ])
  const changes = Object.fromEntries(line.stages[1]!.nodes[0]!.changes.map((c) => [c.field, c.value]))
  assert.is(changes['Meta.source_ip'], '35.188.49.176')
  assert.is(changes['Meta.target_user'], 'pascal')
  assert.is(changes.Stage, undefined, 's01 is the last stage: no move')
  assert.match(renderExplain(r), 'parser success')
})

test('a line no parser takes: failures shown only with --failures', () => {
  const opts = {hubDir: HUB, type: 'nginx', now, lines: ['not an nginx line'], parsers: ['crowdsecurity/syslog-logs', 'crowdsecurity/nginx-logs']}
  const quiet = explain(opts).lines[0]!
  assert.is(quiet.parsed, false)
  assert.is(quiet.stoppedAt, 's01-parse')
  assert.equal(quiet.stages.map((s) => s.nodes.map((n) => n.node)), [['crowdsecurity/non-syslog']])
  const loud = explain({...opts, failures: true}).lines[0]!
  assert.equal(loud.stages.map((s) => s.nodes.map((n) => `${n.node}:${n.success}`)), [['crowdsecurity/syslog-logs:false', 'crowdsecurity/non-syslog:true'], ['crowdsecurity/nginx-logs:false']])
})

test('collections resolve to their parsers (recursively); unknown names are usage errors', () => {
  const r = explain({hubDir: HUB, type: 'syslog', now, lines: ['Feb 12 14:10:21 h sshd[1]: Invalid user a from 1.2.3.4 port 2'], collections: ['crowdsecurity/sshd']})
  assert.ok(r.parsers.includes('s01-parse/sshd-logs.yaml'), r.parsers.join(','))
  assert.throws(() => explain({hubDir: HUB, type: 'x', lines: ['a'], parsers: ['nobody/none']}), /nobody\/none/)
})

test.run()
