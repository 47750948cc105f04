import {spawnSync} from 'node:child_process'
import * as fs from 'node:fs'
import * as path from 'node:path'
import {test} from 'uvu'
import * as assert from 'uvu/assert'
import {ROOT, runCli, runDeno} from '../helpers/run-cli.js'

const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8'))

test('crowd --version prints name/version and the runtime', () => {
  const r = runCli(['--version'])
  assert.is(r.status, 0, r.stderr)
  assert.match(r.stdout, new RegExp(`^crowd/${pkg.version.replace(/\./g, '\\.')} \\S+ node-v\\d+`))
})

test('crowd --help lists every topic of package.json', () => {
  const r = runCli(['--help'])
  assert.is(r.status, 0, r.stderr)
  assert.match(r.stdout, /TOPICS/)
  for (const topic of Object.keys(pkg.oclif.topics)) {
    // A topic only shows once it has a command; every declared topic must have one.
    assert.match(r.stdout, new RegExp(`^  ${topic} `, 'm'), `topic ${topic} missing from --help`)
  }
})

test('every command accepts --json and --log-level (from the manifest)', () => {
  const manifest = JSON.parse(fs.readFileSync(path.join(ROOT, 'oclif.manifest.json'), 'utf8'))
  const ids = Object.keys(manifest.commands)
  assert.ok(ids.length > 0)
  for (const id of ids) {
    const flags = manifest.commands[id].flags
    assert.ok(flags.json, `${id} has no --json`)
    assert.ok(flags['log-level'], `${id} has no --log-level`)
  }
})

test('an unknown command is a usage error (exit 2)', () => {
  const r = runCli(['no-such-command'])
  assert.is(r.status, 2)
})

test('the committed oclif.manifest.json matches the build (a stale one hides commands)', () => {
  const committed = spawnSync('git', ['show', 'HEAD:oclif.manifest.json'], {cwd: ROOT, encoding: 'utf8'})
  if (committed.status !== 0) {
    // Not a git checkout (e.g. an npm tarball): nothing to compare against.
    return
  }
  const built = JSON.parse(fs.readFileSync(path.join(ROOT, 'oclif.manifest.json'), 'utf8'))
  const want = JSON.parse(committed.stdout)
  assert.equal(Object.keys(built.commands).sort(), Object.keys(want.commands).sort(), 'run `npm run build` and commit oclif.manifest.json')
  assert.equal(built, want, 'run `npm run build` and commit oclif.manifest.json')
})

test('docs/commands.md is generated from the current manifest', async () => {
  // @ts-expect-error a plain .mjs script without types
  const {renderCommandDocs} = await import('../../scripts/command-docs.mjs')
  const manifest = JSON.parse(fs.readFileSync(path.join(ROOT, 'oclif.manifest.json'), 'utf8'))
  const want = renderCommandDocs(manifest, pkg)
  assert.fixture(fs.readFileSync(path.join(ROOT, 'docs', 'commands.md'), 'utf8'), want, 'run `npm run build` and commit docs/commands.md')
})

test('Deno runs the same binary: --help and --version match Node', () => {
  const normalise = (s: string) => s.replace(/node-v[\d.]+/g, 'node-vX')
  for (const args of [['--help'], ['--version']]) {
    const node = runCli(args)
    const deno = runDeno(args)
    assert.is(deno.status, 0, deno.stderr)
    assert.is(normalise(deno.stdout), normalise(node.stdout))
  }
})

test.run()
