// Part of `npm run build`: files the compiled code reads at run time (not TypeScript) are copied
// beside it in dist/, so the published package (which ships dist/, not src/) has them.
import * as fs from 'node:fs'
import * as path from 'node:path'
import {fileURLToPath} from 'node:url'

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
const ASSETS = ['lapi/console/assets']

for (const dir of ASSETS) {
  const from = path.join(root, 'src', dir)
  const to = path.join(root, 'dist', dir)
  fs.rmSync(to, {recursive: true, force: true})
  fs.cpSync(from, to, {recursive: true})
}
