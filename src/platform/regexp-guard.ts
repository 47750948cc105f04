/**
 * Turns on V8's linear-time fallback for regular expressions that backtrack excessively.
 *
 * Logs are written by attackers: a grok pattern or a `matches` expression with nested
 * quantifiers could otherwise take exponential time on a crafted line. With this flag V8
 * re-runs such a match on its linear-time engine once it exceeds a backtrack budget.
 * The flag cannot be passed through NODE_OPTIONS and only affects regexes compiled after
 * it is set, so every entry point (bin/run.js, src/index.ts) imports this module first.
 *
 * Deno accepts `v8.setFlagsFromString` but ignores it; there the flag must be given as
 * `--v8-flags=...` on the command line, which `relaunchUnderDenoWithGuard` arranges.
 */
import {spawnSync} from 'node:child_process'
import {fileURLToPath} from 'node:url'
import * as v8 from 'node:v8'

export const REGEXP_GUARD_FLAG = '--enable-experimental-regexp-engine-on-excessive-backtracks'
const GUARD_ENV = 'CROWD_REGEXP_GUARD'

interface DenoGlobal {
  execPath(): string
  args: string[]
}

function denoRuntime(): DenoGlobal | undefined {
  return (globalThis as {Deno?: DenoGlobal}).Deno
}

/** True when the flag is known to be in force for this process. */
export function regexpGuardActive(): boolean {
  return denoRuntime() === undefined || process.env[GUARD_ENV] === 'deno'
}

/**
 * Under Deno without the flag, runs `entry` again in a child Deno with the flag and
 * returns the child's exit code; otherwise returns undefined and the caller goes on.
 */
export function relaunchUnderDenoWithGuard(entry: string): number | undefined {
  const deno = denoRuntime()
  if (deno === undefined || process.env[GUARD_ENV] === 'deno') return undefined
  const script = entry.startsWith('file:') ? fileURLToPath(entry) : entry
  const child = spawnSync(deno.execPath(), ['run', '-A', `--v8-flags=${REGEXP_GUARD_FLAG}`, script, ...deno.args], {
    stdio: 'inherit',
    env: {...process.env, [GUARD_ENV]: 'deno'},
  })
  return child.status ?? 1
}

v8.setFlagsFromString(REGEXP_GUARD_FLAG)
