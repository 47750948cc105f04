/**
 * Cached help and version text: `crowd --help`, `crowd help scan`, `crowd scan --help`,
 * `crowd --version` print what oclif printed the last time for the same request, without loading
 * oclif (most of a help request's start-up). bin/run.js asks here before it starts oclif.
 *
 * The key covers everything the text depends on: the request (argv), the command manifest and
 * package.json (bytes), the runtime (version, platform, arch: `--version` prints them), and the
 * terminal (TTY or not, its width, OCLIF_COLUMNS and the color variables). Text is recorded only
 * from a run that ended with exit code 0, as a checked file (src/platform/files.ts: written whole,
 * its sha256 checked when read); anything else runs oclif as usual. Beside node builtins this module
 * loads only small platform modules: oclif and the rest of crowd stay unloaded.
 */
import {createHash} from 'node:crypto'
import * as fs from 'node:fs'
import * as path from 'node:path'
import {cacheRoot} from '../platform/cache-dir.js'
import {readCheckedFile, writeCheckedFile} from '../platform/files.js'

const HELP_FLAGS = new Set(['--help', '-h'])
const VERSION_ARGS = new Set(['--version', '-v', 'version'])
const WORD = /^[a-z][a-z0-9-]*$/
const COLOR_ENV = ['OCLIF_COLUMNS', 'NO_COLOR', 'FORCE_COLOR', 'TERM', 'COLORTERM', 'CI', 'TERM_PROGRAM', 'DEBUG']

/** True for the requests whose output is help or version text only. */
export function isHelpRequest(argv: readonly string[]): boolean {
  if (argv.length === 0) return true
  if (argv.length === 1 && VERSION_ARGS.has(argv[0]!)) return true
  const words = argv[0] === 'help' ? argv.slice(1) : HELP_FLAGS.has(argv.at(-1)!) ? argv.slice(0, -1) : undefined
  return words !== undefined && words.every((w) => WORD.test(w))
}

interface Terminal {
  isTTY?: boolean
  columns?: number
}

function cacheFile(argv: readonly string[], root: string, env: Readonly<Record<string, string | undefined>>, out: Terminal): string | undefined {
  const hash = createHash('sha256')
  try {
    for (const file of ['oclif.manifest.json', 'package.json']) hash.update(fs.readFileSync(path.join(root, file))).update('\u0000')
  } catch {
    return undefined // no manifest: oclif finds the commands itself, nothing to key on
  }
  const runtime = [process.version, process.platform, process.arch, String(out.isTTY === true), String(out.isTTY === true ? out.columns ?? 0 : 0)]
  hash.update(JSON.stringify({argv, runtime, env: COLOR_ENV.map((k) => env[k] ?? null)}))
  return path.join(cacheRoot(env), 'help', `${hash.digest('hex').slice(0, 32)}.txt`)
}

export interface HelpCache {
  /** True when the cached text was printed: nothing else to do. */
  readonly served: boolean
  /** After oclif ran the request: keeps what it printed, when it ended well. */
  finish(): void
}

const NONE: HelpCache = {served: false, finish: () => {}}

/**
 * For a help request: prints the cached text (served), or starts recording what oclif prints to
 * stdout (finish keeps it). For any other request: nothing. `CROWD_HELP_CACHE=off` turns it off.
 */
export function helpCache(argv: readonly string[], root: string, env: Readonly<Record<string, string | undefined>> = process.env, out: Terminal & {write: typeof process.stdout.write} = process.stdout): HelpCache {
  // Not under Deno: its console writes bypass process.stdout.write, so what oclif prints cannot be recorded whole.
  if (env.CROWD_HELP_CACHE === 'off' || 'Deno' in globalThis || !isHelpRequest(argv)) return NONE
  const file = cacheFile(argv, root, env, out)
  if (file === undefined) return NONE
  const read = readCheckedFile(file)
  if (typeof read !== 'string' && read.body !== '') {
    out.write(read.body) // the process exits once it is flushed
    return {served: true, finish: () => {}}
  }
  const chunks: string[] = []
  const write = out.write
  out.write = function (this: unknown, chunk: unknown, ...rest: unknown[]): boolean {
    chunks.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk as Uint8Array).toString('utf8'))
    return (write as (...args: unknown[]) => boolean).call(this, chunk, ...rest)
  } as typeof process.stdout.write
  return {
    served: false,
    finish: () => {
      out.write = write
      const exitCode = process.exitCode ?? 0
      const text = chunks.join('')
      if (exitCode !== 0 || text === '') return
      writeCheckedFile(file, text)
    },
  }
}
