/**
 * The folders follow the data, and imports point one way (docs/architecture.md). This test reads
 * every import line under src/ and fails when a folder imports one it may not, so the layering
 * cannot erode silently. Widening a rule is a design change: update docs/architecture.md with it.
 */
import * as fs from 'node:fs'
import * as path from 'node:path'
import {test} from 'uvu'
import * as assert from 'uvu/assert'
import {ROOT} from '../helpers/run-cli.js'

const SRC = path.join(ROOT, 'src')

/** Which src/ folders each folder may import (besides itself). `commands` may import anything. */
const ALLOWED: Record<string, readonly string[]> = {
  model: [],
  platform: ['model'],
  config: ['model', 'platform'],
  metrics: ['model', 'platform'],
  regex: ['model', 'platform'],
  expr: ['model', 'platform', 'regex'],
  grok: ['model', 'platform', 'regex'],
  acquisition: ['model', 'platform', 'config', 'regex'],
  parse: ['model', 'platform', 'regex', 'expr', 'grok'],
  detect: ['model', 'platform', 'regex', 'expr'],
  decide: ['model', 'platform', 'expr'],
  hub: ['model', 'platform', 'config', 'sandbox'],
  outputs: ['model', 'platform', 'pipeline', 'template', 'store', 'hub', 'sandbox'],
  pipeline: ['model', 'platform', 'config', 'regex', 'expr', 'grok', 'acquisition', 'parse', 'detect', 'decide', 'hub'],
  hubtest: ['model', 'platform', 'config', 'regex', 'expr', 'grok', 'parse', 'detect', 'hub', 'pipeline'],
  store: ['model', 'platform'],
  lapi: ['model', 'platform', 'config', 'expr', 'decide', 'store'],
  cli: ['model', 'platform', 'config'],
  template: ['model', 'regex'],
  sandbox: ['model', 'platform'],
  agent: ['model', 'platform', 'config', 'acquisition', 'pipeline', 'lapi', 'metrics', 'outputs', 'store'],
  cti: ['model', 'platform', 'config', 'store'],
}

function filesUnder(dir: string): string[] {
  return fs.readdirSync(dir, {withFileTypes: true}).flatMap((e) => {
    const p = path.join(dir, e.name)
    return e.isDirectory() ? filesUnder(p) : e.name.endsWith('.ts') ? [p] : []
  })
}

function importsOf(file: string): string[] {
  const text = fs.readFileSync(file, 'utf8')
  const specs: string[] = []
  for (const m of text.matchAll(/(?:^|\n)\s*(?:import|export)[^'"]*?from\s+'([^']+)'|import\(\s*'([^']+)'\s*\)/g)) specs.push(m[1] ?? m[2]!)
  return specs.filter((s) => s.startsWith('.'))
}

test('every folder of src/ has a layering rule', () => {
  const folders = fs.readdirSync(SRC, {withFileTypes: true}).filter((e) => e.isDirectory()).map((e) => e.name)
  for (const f of folders) assert.ok(f === 'commands' || f in ALLOWED, `src/${f} has no rule in test/architecture/layers.test.ts`)
})

test('imports point down the layers', () => {
  const violations: string[] = []
  for (const file of filesUnder(SRC)) {
    const rel = path.relative(SRC, file)
    const from = rel.includes(path.sep) ? rel.split(path.sep)[0]! : '.'
    if (from === 'commands') continue
    for (const spec of importsOf(file)) {
      const target = path.relative(SRC, path.resolve(path.dirname(file), spec))
      const to = target.includes(path.sep) ? target.split(path.sep)[0]! : '.'
      if (to === from || to.startsWith('..')) continue
      if (to === 'commands') violations.push(`${rel} imports ${spec}: nothing may import commands`)
      else if (from !== '.' && !(ALLOWED[from] ?? []).includes(to)) violations.push(`${rel} imports ${spec} (${from} -> ${to})`)
    }
  }
  assert.equal(violations, [])
})

test.run()
