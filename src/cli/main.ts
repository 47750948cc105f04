/**
 * What bin/run.js needs, in one module: the regexp guard, the help cache, and the loading of the
 * CLI bundle (scripts/bundle.mjs: `dist/bundle/crowd.cjs`, oclif and every command in one file,
 * each module evaluated only when a command needs it), compiled with V8's code cache
 * (./code-cache.ts). The regexp guard comes first: it must be in force before any regular
 * expression is compiled.
 */
import type {LoadOptions} from '@oclif/core/interfaces'
import * as fs from 'node:fs'
import {fileURLToPath} from 'node:url'
import {codeCacheKey, requireWithCodeCache} from './code-cache.js'

export {relaunchUnderDenoWithGuard} from '../platform/regexp-guard.js'
export {helpCache} from './help-cache.js'

type ExecuteOptions = {dir: string; loadOptions?: LoadOptions}

/** What the CLI bundle exports (its entry is written by scripts/bundle.mjs). */
interface CliBundle {
  execute(options: ExecuteOptions): Promise<unknown>
}

/**
 * oclif's `execute`, loaded on call (help served from the help cache never loads it): from the
 * CLI bundle beside this module when this module is the bundled one, else from node_modules.
 */
export async function execute(options: ExecuteOptions, argv: readonly string[] = process.argv.slice(2)): Promise<unknown> {
  const bundle = fileURLToPath(new URL('../crowd.cjs', import.meta.url))
  if (fs.existsSync(bundle)) return (requireWithCodeCache(bundle, codeCacheKey(argv)).exports as CliBundle).execute(options)
  // the subpath, not the package index: --help and plain `crowd` then skip the parts of oclif a
  // command needs only once it runs
  const oclif = await import('@oclif/core/execute')
  return oclif.execute(options)
}
