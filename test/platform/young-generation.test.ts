/**
 * holdYoungGeneration (src/platform/young-generation.ts): while held, V8's young generation keeps
 * its first size however much survives; once released, it grows again. In a process of its own
 * (a fresh heap, and the flag is process-wide).
 */
import {spawnSync} from 'node:child_process'
import * as path from 'node:path'
import {pathToFileURL} from 'node:url'
import {test} from 'uvu'
import * as assert from 'uvu/assert'
import {ROOT} from '../helpers/run-cli.js'

test('held: the young generation keeps its size while objects survive; released (nested holds too): it grows', () => {
  const script = `import * as v8 from 'node:v8'
import {holdYoungGeneration} from ${JSON.stringify(pathToFileURL(path.join(ROOT, 'src', 'platform', 'young-generation.ts')).href)}
const young = () => v8.getHeapSpaceStatistics().find((s) => s.space_name === 'new_space').space_size
const keep = []
const churn = () => { for (let i = 0; i < 400000; i++) keep.push({i, s: 'x' + i}) }
const start = young()
const outer = holdYoungGeneration()
const inner = holdYoungGeneration()
churn()
inner.release()
inner.release()
churn()
const held = young()
outer.release()
churn()
console.log(JSON.stringify({start, held, released: young()}))`
  const {NODE_EXTRA_CA_CERTS: _ca, ...env} = process.env
  const r = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {cwd: ROOT, encoding: 'utf8', env})
  assert.is(r.status, 0, r.stderr)
  const {start, held, released} = JSON.parse(r.stdout) as {start: number; held: number; released: number}
  assert.is(held, start, 'held through 800,000 surviving objects')
  assert.ok(released > start, `released: ${released} > ${start}`)
})

test.run()
