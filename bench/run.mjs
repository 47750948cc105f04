// `npm run bench`: runs every benchmark under bench/ (each prints its own lines), or the ones named;
// arguments from the first one starting with `--` on are passed to each bench run:
//   npm run bench -- startup expr
//   npm run bench -- scan-crowdsec --cases nginx-20k --runs 3
import {spawnSync} from 'node:child_process'
import * as fs from 'node:fs'
import * as path from 'node:path'
import {ROOT} from './lib.mjs'

const dir = path.join(ROOT, 'bench')
const all = fs.readdirSync(dir).filter((f) => /\.(mjs|ts)$/.test(f) && !['run.mjs', 'lib.mjs'].includes(f) && !f.startsWith('_'))
const firstOption = process.argv.findIndex((a, i) => i >= 2 && a.startsWith('--'))
const wanted = process.argv.slice(2, firstOption === -1 ? undefined : firstOption)
const passed = firstOption === -1 ? [] : process.argv.slice(firstOption)
const chosen = wanted.length === 0 ? all : all.filter((f) => wanted.includes(f.replace(/\.(mjs|ts)$/, '')))
let failed = 0
for (const file of chosen.sort()) {
  console.log(`\n# ${file}`)
  // tsx for every bench: some .mjs benches import the TypeScript sources directly.
  const args = ['--import', 'tsx', path.join(dir, file), ...passed]
  const r = spawnSync(process.execPath, ['--expose-gc', ...args], {stdio: 'inherit', cwd: ROOT})
  if (r.status !== 0) failed++
}
process.exit(failed ? 1 : 0)
