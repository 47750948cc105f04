#!/usr/bin/env node
// The crowd binary. The regexp guard must be in force before any regular expression is
// compiled: it switches V8 to its linear-time engine for any regex that starts to backtrack
// excessively, so a hostile log line can never hang the engine (docs/architecture.md).
// Node takes the flag at run time; Deno ignores that call, so under Deno the binary runs
// itself once more with the flag on Deno's command line.
import {relaunchUnderDenoWithGuard} from '../dist/platform/regexp-guard.js'

const relaunched = await relaunchUnderDenoWithGuard(import.meta.url)
if (relaunched !== undefined) process.exit(relaunched)

// the subpath, not the package index: --help and plain `crowd` then skip loading the parts of oclif
// a command needs only once it runs (commands import them themselves)
const {execute} = await import('@oclif/core/execute')
await execute({dir: import.meta.url})
