/**
 * `crowd scan --record`: the scan's alerts and their decisions land in the local store, and a second identical scan
 * stores nothing new (alert UUIDs are derived from the alerts).
 */
import * as fs from 'node:fs'
import * as os from 'node:os'
import * as path from 'node:path'
import {test} from 'uvu'
import * as assert from 'uvu/assert'
import {runCli} from '../helpers/run-cli.js'

test('scan --record stores the alerts once, with the decisions the scan gave them', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'crowd-scan-record-'))
  try {
    const env = {CROWD_HOME: path.join(dir, 'home'), CROWD_CONFIG: path.join(dir, 'crowd.toml')}
    fs.writeFileSync(env.CROWD_CONFIG, '')
    const first = runCli(['scan', 'test/fixtures/samples/', '--record', '--json'], {env})
    assert.is(first.status, 1, first.stderr) // alerts found
    const r1 = JSON.parse(first.stdout) as {alerts: {decisions: unknown[] | null}[]; recorded: {alerts: number; decisions: number; ids: string[]; target: string}}
    assert.ok(r1.recorded.alerts > 0)
    assert.is(r1.recorded.alerts, r1.alerts.length)
    assert.is(r1.recorded.decisions, r1.alerts.reduce((n, a) => n + (a.decisions?.length ?? 0), 0))
    assert.match(r1.recorded.target, /^local store .*crowd\.db$/)
    const second = JSON.parse(runCli(['scan', 'test/fixtures/samples/', '--record', '--json'], {env}).stdout) as typeof r1
    assert.equal(second.recorded.ids, r1.recorded.ids, 'the same scan recorded again maps to the same alerts')
    const listed = JSON.parse(runCli(['alerts', 'list', '--json'], {env}).stdout) as {id: number; decisions: {origin: string}[] | null}[]
    assert.is(listed.length, r1.recorded.alerts)
    assert.ok(listed.every((a) => (a.decisions ?? []).every((d) => d.origin === 'crowdsec')))
  } finally {
    fs.rmSync(dir, {recursive: true, force: true})
  }
})

test.run()
