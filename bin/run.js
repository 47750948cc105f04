#!/usr/bin/env node
// The crowd binary. The regexp guard must be in force before any regular expression is
// compiled: it switches V8 to its linear-time engine for any regex that starts to backtrack
// excessively, so a hostile log line can never hang the engine (docs/architecture.md).
// Node takes the flag at run time; Deno ignores that call, so under Deno the binary runs
// itself once more with the flag on Deno's command line.
import {fileURLToPath} from 'node:url'
import {relaunchUnderDenoWithGuard} from '../dist/platform/regexp-guard.js'
import {helpCache} from '../dist/cli/help-cache.js'

const relaunched = await relaunchUnderDenoWithGuard(import.meta.url)
if (relaunched !== undefined) process.exit(relaunched)

// help and version text printed before for the same request is printed again without oclif
const help = helpCache(process.argv.slice(2), fileURLToPath(new URL('..', import.meta.url)))
if (!help.served) {
  // the subpath, not the package index: --help and plain `crowd` then skip loading the parts of oclif
  // a command needs only once it runs (commands import them themselves)
  const {execute} = await import('@oclif/core/execute')
  await execute({dir: import.meta.url})
  help.finish()
}
