/** Cached help and version text (src/cli/help-cache.ts): which requests, the same text as oclif's, and never stale. */
import * as fs from 'node:fs'
import * as os from 'node:os'
import * as path from 'node:path'
import {test} from 'uvu'
import * as assert from 'uvu/assert'
import {helpCache, isHelpRequest} from '../../src/cli/help-cache.js'
import {freshMachineEnv, runCli} from '../helpers/run-cli.js'

const home = fs.mkdtempSync(path.join(os.tmpdir(), 'crowd-help-cache-'))
test.after(() => fs.rmSync(home, {recursive: true, force: true}))

test('help and version requests, and only those', () => {
  for (const argv of [[], ['--help'], ['-h'], ['help'], ['help', 'scan'], ['scan', '--help'], ['hub', 'install', '-h'], ['--version'], ['-v'], ['version']]) assert.ok(isHelpRequest(argv), argv.join(' '))
  for (const argv of [['scan'], ['scan', 'x.log', '--help'], ['scan', '--json', '--help'], ['help', '--json'], ['--help', 'scan'], ['hub', 'list']]) assert.not.ok(isHelpRequest(argv), argv.join(' '))
})

test('the CLI prints the same text from the cache as from oclif, and caches no failure', () => {
  const env = freshMachineEnv(path.join(home, 'cli'))
  for (const argv of [['--help'], ['scan', '--help'], ['hub', 'install', '--help'], ['--version']]) {
    const first = runCli(argv, {env})
    assert.is(first.status, 0, first.stderr)
    const second = runCli(argv, {env})
    assert.is(second.status, 0)
    assert.is(second.stdout, first.stdout, argv.join(' '))
    assert.is(runCli(argv, {env: {...env, CROWD_HELP_CACHE: 'off'}}).stdout, first.stdout)
  }
  const dir = path.join(home, 'cli', 'cache', 'crowd', 'help')
  assert.is(fs.readdirSync(dir).length, 4)
  assert.is(runCli(['nosuch', '--help'], {env}).status, 2)
  assert.is(runCli(['nosuch', '--help'], {env}).status, 2)
  assert.is(fs.readdirSync(dir).length, 4)
})

/** A stand-in package root and stdout, to drive helpCache directly. */
function fakeRoot(manifest: string): {root: string; out: {isTTY: boolean; columns: number; write: typeof process.stdout.write; text: string}} {
  const root = fs.mkdtempSync(path.join(home, 'root-'))
  fs.writeFileSync(path.join(root, 'package.json'), '{"name":"crowd"}')
  fs.writeFileSync(path.join(root, 'oclif.manifest.json'), manifest)
  const sink = {text: ''}
  const write = ((chunk: string) => ((sink.text += chunk), true)) as typeof process.stdout.write
  return {root, out: Object.assign(sink, {isTTY: false, columns: 80, write})}
}

test('a changed manifest, terminal or damaged file is never served', () => {
  const env = {XDG_CACHE_HOME: path.join(home, 'unit')}
  const {root, out} = fakeRoot('{"commands":{}}')
  const record = helpCache(['--help'], root, env, out)
  assert.is(record.served, false)
  out.write('HELP TEXT v1\n')
  record.finish()
  const files = fs.readdirSync(path.join(home, 'unit', 'crowd', 'help'))
  assert.is(files.length, 1)
  // a TTY of another width: another key
  assert.is(helpCache(['--help'], root, env, {...out, isTTY: true, columns: 120}).served, false)
  fs.writeFileSync(path.join(root, 'oclif.manifest.json'), '{"commands":{"x":{}}}')
  assert.is(helpCache(['--help'], root, env, out).served, false)
  // damaged: the checksum no longer matches
  const file = path.join(home, 'unit', 'crowd', 'help', files[0]!)
  fs.writeFileSync(path.join(root, 'oclif.manifest.json'), '{"commands":{}}')
  fs.writeFileSync(file, fs.readFileSync(file, 'utf8').replace('v1', 'v2'))
  assert.is(helpCache(['--help'], root, env, out).served, false)
})

test.run()
