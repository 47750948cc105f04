/**
 * The sandbox under Deno (from the TypeScript sources, `--sloppy-imports`): a pool started by a
 * Deno program runs a plugin in a Deno sandbox process, whose host.http call the host performs;
 * a deadline kills a looping plugin and the pool goes on; and a process started the way the
 * pool starts it has no network, no writes and no environment (Deno's own permissions).
 */
import {spawn} from 'node:child_process'
import * as fs from 'node:fs'
import * as path from 'node:path'
import {pathToFileURL} from 'node:url'
import {test} from 'uvu'
import * as assert from 'uvu/assert'
import {ROOT} from '../helpers/run-cli.js'

const SCRIPT = (sandbox: string) => `
import * as http from 'node:http'
import {pathToFileURL} from 'node:url'
import {NO_PERMISSIONS, parsePermissions, SandboxPool} from ${JSON.stringify(sandbox + '/index.ts')}
import {childCommand} from ${JSON.stringify(sandbox + '/spawn.ts')}
import {spawnSync} from 'node:child_process'

const server = http.createServer((req, res) => { let body = ''; req.on('data', (c) => (body += c)); req.on('end', () => res.end('deno host got ' + body)) })
await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve))
const url = 'http://127.0.0.1:' + server.address().port + '/'
const pool = new SandboxPool({size: 1})
pool.register({id: 'deno/http', permissions: parsePermissions({network: [url]}, 'manifest'), code: \`module.exports = {
  async notify(config, alerts, host) { const r = await host.http({url: config.url, body: JSON.stringify(alerts)}); return [r.status, r.body, typeof process, typeof Deno] },
}\`})
pool.register({id: 'deno/loop', permissions: NO_PERMISSIONS, code: 'module.exports = { run() { while (true) {} } }'})
const first = await pool.call('deno/http', 'notify', [{url}, [{value: '192.0.2.7'}]])
const loop = await pool.call('deno/loop', 'run', [], {deadlineMs: 300}).then(() => 'returned', (e) => e.kind)
const after = await pool.call('deno/http', 'notify', [{url}, []])
await pool.close()

const probe = new URL('./probe.mjs', import.meta.url)
const cmd = childCommand(probe, {heapMb: 64, dataLimitMb: 0})
const r = spawnSync(cmd.command, [...cmd.args, url], {cwd: cmd.cwd, env: cmd.env, encoding: 'utf8'})
server.close()
console.log(JSON.stringify({first, loop, after, runtime: cmd.runtime, probe: r.stdout, stderr: r.stderr.slice(-300)}))
`

const PROBE = `
import * as fs from 'node:fs'
const out = {}
try { await fetch(process.argv[2]); out.net = 'allowed' } catch (e) { out.net = e.name }
try { fs.writeFileSync('/tmp/crowd-sandbox-deno-probe', 'x'); out.write = 'allowed' } catch (e) { out.write = e.name }
try { out.env = process.env.HOME ?? 'unset' } catch (e) { out.env = e.name }
process.stdout.write(JSON.stringify(out))
`

test('under Deno a pool runs a plugin in a Deno sandbox process, kills a loop at its deadline, and the process has no network, writes or environment', async () => {
  // inside the repository (a git-ignored .crowd-test-* dir): Deno resolves vm2 from the project's package.json
  const dir = fs.mkdtempSync(path.join(ROOT, '.crowd-test-sandbox-deno-'))
  try {
    fs.writeFileSync(path.join(dir, 'main.ts'), SCRIPT(pathToFileURL(path.join(ROOT, 'src', 'sandbox')).href))
    fs.writeFileSync(path.join(dir, 'probe.mjs'), PROBE)
    const deno = path.join(ROOT, 'node_modules', '.bin', 'deno')
    const proc = spawn(deno, ['run', '-A', '--sloppy-imports', path.join(dir, 'main.ts')], {cwd: ROOT, env: {...process.env, DENO_NO_UPDATE_CHECK: '1', NO_COLOR: '1'}})
    let stdout = ''
    let stderr = ''
    proc.stdout.setEncoding('utf8').on('data', (c: string) => (stdout += c))
    proc.stderr.setEncoding('utf8').on('data', (c: string) => (stderr += c))
    const timer = setTimeout(() => proc.kill('SIGKILL'), 60_000)
    const code = await new Promise((resolve) => proc.on('close', resolve))
    clearTimeout(timer)
    assert.is(code, 0, stderr)
    const out = JSON.parse(stdout.trim().split('\n').pop()!)
    assert.equal(out.first, [200, 'deno host got [{"value":"192.0.2.7"}]', 'undefined', 'undefined'])
    assert.is(out.loop, 'timeout')
    assert.equal(out.after, [200, 'deno host got []', 'undefined', 'undefined'])
    assert.is(out.runtime, 'deno')
    assert.equal(JSON.parse(out.probe), {net: 'NotCapable', write: 'NotCapable', env: 'NotCapable'}, out.stderr)
  } finally {
    fs.rmSync(dir, {recursive: true, force: true})
  }
})

test.run()
