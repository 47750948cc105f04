/**
 * The file of a module crowd starts in another thread or process (the parse worker, the sandbox
 * process): `NAME.js` next to the caller when built, `NAME.ts` when running from sources under tsx.
 */
import * as fs from 'node:fs'
import * as path from 'node:path'
import {fileURLToPath} from 'node:url'

/** The repository (or installed package) root: src/<dir>/ and dist/<dir>/ are both two levels down. */
export const PACKAGE_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..')

/** `name` (without extension) next to the module at `base` (its import.meta.url). */
export function siblingModule(base: string, name: string): URL {
  const js = new URL(`./${name}.js`, base)
  if (js.protocol !== 'file:' || fs.existsSync(fileURLToPath(js))) return js
  return new URL(`./${name}.ts`, base)
}
