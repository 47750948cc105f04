#!/usr/bin/env node
// The crowd binary. It runs the bundle of dist/ (scripts/bundle.mjs): a few files for Node's loader
// to read rather than hundreds. The regexp guard must be in force before any regular expression is
// compiled: it switches V8 to its linear-time engine for any regex that starts to backtrack
// excessively, so a hostile log line can never hang the engine (docs/architecture.md). Node takes the
// flag at run time; Deno ignores that call, so under Deno the binary runs itself once more with the
// flag on Deno's command line.
import {fileURLToPath} from 'node:url'
import {execute, helpCache, relaunchUnderDenoWithGuard} from '../dist/bundle/cli/main.js'

const relaunched = await relaunchUnderDenoWithGuard(import.meta.url)
if (relaunched !== undefined) process.exit(relaunched)

// help and version text printed before for the same request is printed again without oclif
const help = helpCache(process.argv.slice(2), fileURLToPath(new URL('..', import.meta.url)))
if (!help.served) {
  await execute({dir: import.meta.url})
  help.finish()
}
