/**
 * What bin/run.js needs, in one module: the bundle (scripts/bundle.mjs) starts from here, so the
 * binary loads the command it runs from a few files rather than hundreds. The regexp
 * guard comes first: it must be in force before any regular expression is compiled.
 */
import type {LoadOptions} from '@oclif/core/interfaces'

export {relaunchUnderDenoWithGuard} from '../platform/regexp-guard.js'
export {helpCache} from './help-cache.js'

/** oclif's `execute`, loaded on call: help served from the help cache never loads oclif. */
export async function execute(options: {dir: string; loadOptions?: LoadOptions}): Promise<unknown> {
  // the subpath, not the package index: --help and plain `crowd` then skip the parts of oclif a
  // command needs only once it runs (commands import them themselves)
  const oclif = await import('@oclif/core/execute')
  return oclif.execute(options)
}
