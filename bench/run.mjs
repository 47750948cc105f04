// `npm run bench`: runs every benchmark under bench/ (each prints its own lines), or the ones named:
//   npm run bench -- startup expr
import {spawnSync} from 'node:child_process'
import * as fs from 'node:fs'
import * as path from 'node:path'
import {ROOT} from './lib.mjs'

const dir = path.join(ROOT, 'bench')
const all = fs.readdirSync(dir).filter((f) => /\.(mjs|ts)$/.test(f) && !['run.mjs', 'lib.mjs'].includes(f) && !f.startsWith('_'))
const wanted = process.argv.slice(2)
const chosen = wanted.length === 0 ? all : all.filter((f) => wanted.includes(f.replace(/\.(mjs|ts)$/, '')))
let failed = 0
for (const file of chosen.sort()) {
  console.log(`\n# ${file}`)
  // tsx for every bench: some .mjs benches import the TypeScript sources directly.
  const args = ['--import', 'tsx', path.join(dir, file)]
  const r = spawnSync(process.execPath, ['--expose-gc', ...args], {stdio: 'inherit', cwd: ROOT})
  if (r.status !== 0) failed++
}
process.exit(failed ? 1 : 0)
