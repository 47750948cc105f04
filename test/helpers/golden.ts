/**
 * Golden files for machine-stable output (`--json`). Set UPDATE_GOLDEN=1 to (re)write them,
 * then review the diff: a golden file changes only when the output contract does.
 */
import * as fs from 'node:fs'
import * as path from 'node:path'
import * as assert from 'uvu/assert'
import {ROOT} from './run-cli.js'

export const GOLDEN_DIR = path.join(ROOT, 'test', 'golden')

export function assertGolden(name: string, actual: string): void {
  const file = path.join(GOLDEN_DIR, name)
  if (process.env.UPDATE_GOLDEN === '1' || !fs.existsSync(file)) {
    if (process.env.CI && !fs.existsSync(file)) assert.unreachable(`golden file ${name} is missing`)
    fs.mkdirSync(path.dirname(file), {recursive: true})
    fs.writeFileSync(file, actual)
    return
  }
  assert.fixture(actual, fs.readFileSync(file, 'utf8'))
}
