/**
 * The second layer: what a sandbox process could do if a plugin got out of vm2. Started the way
 * the pool starts it (childCommand), a probe script finds no environment, cannot write files,
 * read outside crowd's package, start processes or threads; and on Linux the data-size limit
 * stops an allocation the heap limit would have let through.
 */
import {spawnSync} from 'node:child_process'
import * as fs from 'node:fs'
import * as os from 'node:os'
import * as path from 'node:path'
import {fileURLToPath, pathToFileURL} from 'node:url'
import {test} from 'uvu'
import * as assert from 'uvu/assert'
import {childCommand} from '../../src/sandbox/spawn.js'
import {builtChildEntry} from './helpers.js'

const PROBE = `
import * as fs from 'node:fs'
import {execFileSync} from 'node:child_process'
import {Worker} from 'node:worker_threads'
const tries = {
  env: () => Object.keys(process.env).filter((k) => k !== 'PWD').join(',') || 'empty', // the shell setting the data limit adds PWD
  write: () => fs.writeFileSync(process.argv[2], 'x'),
  readOutside: () => fs.readFileSync('/etc/hostname', 'utf8').length,
  spawn: () => execFileSync('/bin/true'),
  worker: () => new Worker('1', {eval: true}),
}
const out = {}
for (const [name, f] of Object.entries(tries)) { try { out[name] = 'allowed: ' + f() } catch (e) { out[name] = e.code ?? e.name } }
process.stdout.write(JSON.stringify(out))
`

function writeProbe(name: string, text: string): URL {
  const file = path.join(path.dirname(fileURLToPath(builtChildEntry())), name)
  fs.writeFileSync(file, text)
  return pathToFileURL(file)
}

test('a built sandbox process runs under the permission model: no environment, no writes, no reads outside crowd, no processes, no threads', () => {
  const probe = writeProbe('probe-os.js', PROBE)
  const cmd = childCommand(probe, {heapMb: 32, dataLimitMb: 256})
  assert.is(cmd.osPermissions, true)
  const target = path.join(os.tmpdir(), `crowd-sandbox-probe-${process.pid}`)
  const r = spawnSync(cmd.command, [...cmd.args, target], {cwd: cmd.cwd, env: cmd.env, encoding: 'utf8'})
  assert.is(r.status, 0, r.stderr)
  assert.equal(JSON.parse(r.stdout), {env: 'allowed: empty', write: 'ERR_ACCESS_DENIED', readOutside: 'ERR_ACCESS_DENIED', spawn: 'ERR_ACCESS_DENIED', worker: 'ERR_ACCESS_DENIED'})
  assert.not.ok(fs.existsSync(target))
})

test('from the TypeScript sources (tsx) the permission model is off: tsx needs a loader thread', () => {
  const cmd = childCommand(new URL('../../src/sandbox/child.ts', import.meta.url), {heapMb: 32, dataLimitMb: 0})
  assert.is(cmd.osPermissions, false)
  assert.ok(cmd.args.includes('--import'))
})

test('on Linux the data-size limit stops what the heap limit lets through (one huge allocation)', () => {
  if (process.platform !== 'linux') return
  // 1 GiB of heap allowed, 128 MiB of data: only the data limit can stop 16 flat strings of 128 MiB
  const probe = writeProbe('probe-data.js', `const keep = []; for (let i = 0; i < 16; i++) { const s = 'xy'.repeat(2 ** 26 - i); s.indexOf('z'); keep.push(s) } process.stdout.write('survived ' + keep.length)`)
  const limited = childCommand(probe, {heapMb: 1024, dataLimitMb: 128})
  assert.is(limited.command, '/bin/sh')
  const r = spawnSync(limited.command, limited.args, {cwd: limited.cwd, env: limited.env, encoding: 'utf8'})
  assert.is(r.stdout, '')
  assert.ok(r.signal !== null || r.status !== 0, `status ${r.status}, signal ${r.signal}`)
})

test.run()
