// Every filter / expression / groupby / distinct / cancel_on / condition of the hub's
// parsers, postoverflows and scenarios compiles against the event environment.
import * as fs from 'node:fs'
import * as path from 'node:path'
import {test} from 'uvu'
import * as assert from 'uvu/assert'
import {parseAllDocuments} from 'yaml'
import {compileExpr, type ExprEnvName} from '../../src/expr/index.js'
import {SHARED} from '../helpers/run-cli.js'

const HUB = path.join(SHARED, 'crowdsec-hub')
const EXPRESSION_KEYS = new Set(['filter', 'expression', 'groupby', 'distinct', 'cancel_on'])

function yamlFiles(dir: string, out: string[] = []): string[] {
  for (const entry of fs.readdirSync(dir, {withFileTypes: true})) {
    if (entry.name.startsWith('.')) continue
    const p = path.join(dir, entry.name)
    if (entry.isDirectory()) yamlFiles(p, out)
    else if (/\.ya?ml$/.test(entry.name)) out.push(p)
  }
  return out
}

function collect(node: unknown, out: [string, ExprEnvName][]): void {
  if (Array.isArray(node)) {
    for (const x of node) collect(x, out)
    return
  }
  if (node === null || typeof node !== 'object') return
  for (const [k, v] of Object.entries(node)) {
    if (k === 'data' || k === 'labels' || k === 'grok' || k === 'pattern_syntax') continue
    if (typeof v === 'string' && EXPRESSION_KEYS.has(k)) out.push([v, 'event'])
    else if (typeof v === 'string' && k === 'condition') out.push([v, 'bucket'])
    else if (k === 'expression' && Array.isArray(v)) for (const e of v) if (typeof e === 'string') out.push([e, 'event'])
    else collect(v, out)
  }
}

test('hub parser, postoverflow and scenario expressions compile', () => {
  const failures: string[] = []
  let count = 0
  for (const kind of ['parsers', 'postoverflows', 'scenarios']) {
    const dir = path.join(HUB, kind)
    if (!fs.existsSync(dir)) continue
    for (const file of yamlFiles(dir)) {
      for (const doc of parseAllDocuments(fs.readFileSync(file, 'utf8'))) {
        const exprs: [string, ExprEnvName][] = []
        collect(doc.toJS(), exprs)
        for (const [source, env] of exprs) {
          count++
          try {
            compileExpr(source, {env, location: {file: path.relative(HUB, file)}})
          } catch (error) {
            failures.push((error as Error).message)
          }
        }
      }
    }
  }
  assert.ok(count > 1000, `only ${count} expressions found under ${HUB}`)
  assert.equal(failures.slice(0, 5), [])
})

test.run()
