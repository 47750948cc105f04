/**
 * crowd sorts by bytes (src/model/order.ts), never by the locale: output orders are the same on
 * every machine, and a command never pays for setting up ICU's collator (~10 ms on its first use).
 * That includes oclif's sort of its commands, which the bundle gives a code-unit comparison
 * (scripts/bundle.mjs). The CLI runs here with localeCompare and Intl.Collator made to throw.
 */
import {spawnSync} from 'node:child_process'
import * as fs from 'node:fs'
import * as os from 'node:os'
import * as path from 'node:path'
import {test} from 'uvu'
import * as assert from 'uvu/assert'
import {BIN, freshMachineEnv, ROOT} from '../helpers/run-cli.js'

const home = fs.mkdtempSync(path.join(os.tmpdir(), 'crowd-locale-'))
test.after(() => fs.rmSync(home, {recursive: true, force: true}))

const preload = path.join(home, 'no-collator.cjs')
fs.writeFileSync(
  preload,
  [
    "String.prototype.localeCompare = function () { throw new Error('localeCompare called') }",
    "Intl.Collator = function () { throw new Error('Intl.Collator called') }",
    '',
  ].join('\n'),
)

function run(args: string[]): {status: number | null; stdout: string; stderr: string} {
  const {NODE_EXTRA_CA_CERTS: _ca, ...base} = process.env
  return spawnSync(process.execPath, ['--require', preload, BIN, ...args], {
    cwd: ROOT,
    encoding: 'utf8',
    timeout: 120_000,
    env: {...base, ...freshMachineEnv(home), NO_COLOR: '1'},
  })
}

test('the preload does stop a locale comparison', () => {
  const r = spawnSync(process.execPath, ['--require', preload, '-e', "'a'.localeCompare('b')"], {encoding: 'utf8'})
  assert.is.not(r.status, 0)
  assert.match(r.stderr, 'localeCompare called')
})

test('crowd scan runs without the locale (oclif loads its commands, the scan sorts its parser metrics)', () => {
  const r = run(['scan', path.join(ROOT, 'test', 'fixtures', 'samples', 'nginx-access.log'), '--json', '--fail-on', 'none'])
  assert.is(r.status, 0, r.stderr)
  const out = JSON.parse(r.stdout) as {summary: {lines: number; parsed: number}}
  assert.ok(out.summary.lines > 0)
  assert.is(out.summary.parsed, out.summary.lines)
})

test.run()
