// Every line of every parser.assert and scenario.assert of the CrowdSec hub tests compiles
// in its environment (hubtest.md §5, §7), basename shim included.
import * as fs from 'node:fs'
import * as path from 'node:path'
import {test} from 'uvu'
import * as assert from 'uvu/assert'
import {compileExpr, parseExpr, type ExprEnvName} from '../../src/expr/index.js'
import {SHARED} from '../helpers/run-cli.js'

const HUBTESTS = path.join(SHARED, 'hubtests')

/** hubtest.md §5 step 3.1. */
function basenameShim(line: string): string {
  if (!line.includes('datasource_path') || line.includes('basename(')) return line
  const parts = line.split('==')
  return `basename(${parts[0]}) == ${parts[1]}`
}

function assertLines(file: string): string[] {
  if (!fs.existsSync(file)) return []
  return fs
    .readFileSync(file, 'utf8')
    .split('\n')
    .map((l) => (l.endsWith('\r') ? l.slice(0, -1) : l))
    .filter((l) => l !== '')
}

const files: {file: string; env: ExprEnvName}[] = []
for (const name of fs.existsSync(HUBTESTS) ? fs.readdirSync(HUBTESTS).sort() : []) {
  files.push({file: path.join(HUBTESTS, name, 'parser.assert'), env: 'parser-assert'})
  files.push({file: path.join(HUBTESTS, name, 'scenario.assert'), env: 'scenario-assert'})
}

test('the hub tests are there', () => {
  assert.ok(files.length > 100, `expected hub tests under ${HUBTESTS}`)
})

test('every assert line parses', () => {
  let count = 0
  const failures: string[] = []
  for (const {file} of files) {
    for (const [i, line] of assertLines(file).entries()) {
      count++
      try {
        parseExpr(basenameShim(line), {file, line: i + 1})
      } catch (error) {
        failures.push((error as Error).message)
      }
    }
  }
  assert.ok(count > 50_000, `only ${count} lines`)
  assert.equal(failures.slice(0, 5), [])
})

test('every assert line compiles in its environment', () => {
  const failures: string[] = []
  for (const {file, env} of files) {
    for (const [i, line] of assertLines(file).entries()) {
      try {
        compileExpr(basenameShim(line), {env, location: {file, line: i + 1}})
      } catch (error) {
        failures.push((error as Error).message)
      }
    }
  }
  assert.equal(failures.slice(0, 5), [])
})

test.run()
