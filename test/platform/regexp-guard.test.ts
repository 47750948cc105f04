import {spawnSync} from 'node:child_process'
import {test} from 'uvu'
import * as assert from 'uvu/assert'
import {ROOT} from '../helpers/run-cli.js'

// The catastrophic pattern takes ~30 s on 30 a's without the guard; with it, well under a second.
const PROBE = `
const t = process.hrtime.bigint();
const hit = /^(a+)+$/.test('a'.repeat(40) + 'b');
console.log(JSON.stringify({hit, ms: Number(process.hrtime.bigint() - t) / 1e6}));
`

/** Runs PROBE in a fresh node after importing `module` and checks it finished fast. */
function assertGuardedAfter(module: string): void {
  const script = `import '${module}';\n${PROBE}`
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], {cwd: ROOT, encoding: 'utf8', timeout: 20_000})
  assert.is(r.status, 0, r.stderr)
  const {hit, ms} = JSON.parse(r.stdout)
  assert.is(hit, false)
  assert.ok(ms < 500, `took ${ms} ms`)
}

test('the guard makes /^(a+)+$/ on 40 a and a b finish well under a second', () => {
  assertGuardedAfter('./dist/platform/regexp-guard.js')
})

test('the binary enables the guard as its entry loads, before oclif or any command (the bundled CLI entry)', async () => {
  const {readFileSync} = await import('node:fs')
  const bin = readFileSync(`${ROOT}/bin/run.js`, 'utf8')
  const imports = [...bin.matchAll(/^import .* from '([^']+)'/gm)].map((m) => m[1])
  assert.equal(imports.filter((m) => !m.startsWith('node:')), ['../dist/bundle/cli/main.js'], 'bin/run.js loads crowd through the CLI entry only')
  assertGuardedAfter('./dist/bundle/cli/main.js')
})

test.run()
