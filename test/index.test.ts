import {spawnSync} from 'node:child_process'
import {test} from 'uvu'
import * as assert from 'uvu/assert'
import {ROOT} from './helpers/run-cli.js'

test('the library façade evaluates an expression on an event', () => {
  const script = `
    import {compileExpr, evalFilter, newLogEvent} from './dist/index.js'
    const p = compileExpr("evt.Meta.log_type == 'ssh_failed-auth'", {env: 'event'})
    const evt = newLogEvent({raw: 'x', src: 'test', module: 'file', labels: {type: 'syslog'}})
    evt.Meta.log_type = 'ssh_failed-auth'
    console.log(JSON.stringify({hit: evalFilter(p, {evt})}))
  `
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], {cwd: ROOT, encoding: 'utf8'})
  assert.is(r.status, 0, r.stderr)
  assert.is(JSON.parse(r.stdout).hit, true)
})

test('importing the façade turns on the regexp guard', () => {
  const script = `
    import './dist/index.js'
    const t = Date.now(); /^(a+)+$/.test('a'.repeat(34) + 'b'); console.log(Date.now() - t)
  `
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], {cwd: ROOT, encoding: 'utf8', timeout: 30_000})
  assert.is(r.status, 0, r.stderr)
  assert.ok(Number(r.stdout) < 1000, `took ${r.stdout} ms`)
})

test.run()
