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
 *
 * A second flag is set at the same time, for speed: V8 compiles a regex to native code on its first
 * run rather than interpreting its bytecode once first (`--regexp-tier-up-ticks=0`). crowd's regexes
 * run on many lines, and the interpreter is slow on the big grok alternations (an nginx line's first
 * match took ~20 ms interpreted, ~6 ms compiled): -25 ms to the first detected line, -40 ms at 20,000
 * nginx lines, -75 ms at 200,000 (docs/performance.md). Both are set in one call: any flag set at run
 * time makes V8 reject the code cache of the Node built-ins loaded afterwards, once.
 */
import {spawn} from 'node:child_process'
import {fileURLToPath} from 'node:url'
import * as v8 from 'node:v8'

export const REGEXP_GUARD_FLAG = '--enable-experimental-regexp-engine-on-excessive-backtracks'
/** Regexes compiled to native code on their first run (no interpreted first run). */
export const REGEXP_NATIVE_FLAG = '--regexp-tier-up-ticks=0'
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
 * Under Deno without the flag, runs `entry` again in a child Deno with the flag and resolves to
 * the child's exit code; otherwise resolves to undefined and the caller goes on. SIGTERM, SIGINT
 * and SIGHUP sent to this process are passed to the child (a service manager that signals only
 * the main process still stops the server cleanly); commands that handle them must tolerate
 * getting one twice, as a signal sent to the whole process group reaches both.
 */
export async function relaunchUnderDenoWithGuard(entry: string): Promise<number | undefined> {
  const deno = denoRuntime()
  if (deno === undefined || process.env[GUARD_ENV] === 'deno') return undefined
  const script = entry.startsWith('file:') ? fileURLToPath(entry) : entry
  const child = spawn(deno.execPath(), ['run', '-A', `--v8-flags=${REGEXP_GUARD_FLAG},${REGEXP_NATIVE_FLAG}`, script, ...deno.args], {
    stdio: 'inherit',
    env: {...process.env, [GUARD_ENV]: 'deno'},
  })
  const signals = ['SIGTERM', 'SIGINT', 'SIGHUP'] as const
  // process.kill, not child.kill: Deno's ChildProcess then reports any exit as death by that signal
  const forward = (signal: NodeJS.Signals) => (): void => {
    if (child.pid !== undefined && child.exitCode === null) process.kill(child.pid, signal)
  }
  // the handlers stay until this process exits with the child's code (under Deno, removing the last
  // listener of a signal that was received makes the process die of it)
  for (const signal of signals) process.on(signal, forward(signal))
  return new Promise<number>((resolve) => {
    child.on('error', () => resolve(1))
    child.on('exit', (code, signal) => resolve(code ?? (signal === null ? 1 : 128 + (signalNumber[signal] ?? 0))))
  })
}

const signalNumber: Partial<Record<NodeJS.Signals, number>> = {SIGHUP: 1, SIGINT: 2, SIGKILL: 9, SIGTERM: 15}

v8.setFlagsFromString(`${REGEXP_GUARD_FLAG} ${REGEXP_NATIVE_FLAG}`)
