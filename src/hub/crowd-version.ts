/** The running crowd's version (package.json), which packages' `crowd` ranges are checked against. */
import * as fs from 'node:fs'
import * as path from 'node:path'
import {fileURLToPath} from 'node:url'

/** The repository (or installed package) root: src/hub/ and dist/hub/ are both two levels down. */
export const PACKAGE_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..')

let cached: string | undefined

export function crowdVersion(): string {
  cached ??= (JSON.parse(fs.readFileSync(path.join(PACKAGE_ROOT, 'package.json'), 'utf8')) as {version: string}).version
  return cached
}
