/**
 * How a sandbox process is started, on each runtime: the command line that gives it a heap
 * limit, a data-size limit, and no capability of its own.
 *
 * - Node, built (`child.js`): `--max-old-space-size`, the permission model (`--permission`, or
 *   `--experimental-permission` on Node 20) with read access to crowd's package and vm2 only:
 *   no file writes, no child processes, no worker threads, no native addons. Node's permission
 *   model does not cover the network (Node 20).
 * - Deno: `--allow-read` for the same directories and no other permission: no network, no
 *   writes, no environment, no subprocess. `--v8-flags=--max-old-space-size`.
 * - Node from sources (`child.ts` under tsx, for development and tests): tsx's loader runs in
 *   a worker thread, which the permission model forbids, so this mode has no permission flags;
 *   every other layer is the same. (The same bootstrap idea as startWorker in
 *   src/pipeline/parse-thread.ts, for a process instead of a thread: to be merged into a
 *   shared src/platform helper.)
 * - Linux: through `/bin/sh -c 'ulimit -d N; exec …'`, a data-segment limit, which bounds what
 *   the V8 heap limit does not: a single huge allocation, memory of the runtime itself.
 *   Deno reserves more address space than Node at start, so it gets a larger floor.
 *
 * The environment is empty (Deno: HOME and DENO_DIR only, which it needs for its cache and
 * which a plugin cannot read without --allow-env).
 */
import * as fs from 'node:fs'
import {createRequire} from 'node:module'
import * as path from 'node:path'
import {fileURLToPath, pathToFileURL} from 'node:url'
import {siblingModule} from '../platform/module-url.js'

export interface ChildLimits {
  /** V8 old-generation limit. */
  heapMb: number
  /** Data-segment limit (Linux); 0 for none. */
  dataLimitMb: number
}

export interface ChildCommand {
  command: string
  args: string[]
  cwd: string
  env: Record<string, string>
  runtime: 'node' | 'deno'
  /** Whether the runtime's own permission model is on (off only from sources under tsx). */
  osPermissions: boolean
}

/** The smallest data limit each runtime starts under (measured: Deno reserves its code range up front). */
const DATA_FLOOR_MB = {node: 128, deno: 1024}

export function isDeno(): boolean {
  return 'Deno' in globalThis
}

/** The default data-size limit for a heap limit: room for the heap, the runtime and one large string. */
export function defaultDataLimitMb(heapMb: number): number {
  return Math.max(heapMb * 4, isDeno() ? DATA_FLOOR_MB.deno : 256)
}

/** The sandbox process script next to this module (`.js` when built; `.ts` when run from source). */
export function childEntryUrl(): URL {
  return siblingModule(import.meta.url, 'child')
}

/** The command line that starts `entry` as a sandbox process under the current runtime. */
export function childCommand(entry: URL, limits: ChildLimits): ChildCommand {
  const file = fileURLToPath(entry)
  const fromSource = file.endsWith('.ts')
  const roots = readRoots(file)
  const cwd = roots[0]!
  let command = process.execPath
  let args: string[]
  let env: Record<string, string> = {}
  let osPermissions = true
  let floor = DATA_FLOOR_MB.node
  if (isDeno()) {
    floor = DATA_FLOOR_MB.deno
    args = ['run', '--no-prompt', `--allow-read=${roots.join(',')}`, `--v8-flags=--max-old-space-size=${limits.heapMb}`]
    if (fromSource) args.push('--sloppy-imports')
    args.push(file)
    for (const key of ['HOME', 'DENO_DIR']) {
      const value = process.env[key]
      if (value !== undefined) env[key] = value
    }
    env.DENO_NO_UPDATE_CHECK = '1'
  } else if (fromSource) {
    osPermissions = false
    args = [`--max-old-space-size=${limits.heapMb}`, '--import', tsxLoaderUrl(), file]
  } else {
    const flags = process.allowedNodeEnvironmentFlags
    args = [`--max-old-space-size=${limits.heapMb}`, flags.has('--permission') ? '--permission' : '--experimental-permission']
    for (const root of roots) args.push(`--allow-fs-read=${root}`)
    if (flags.has('--disable-warning')) args.push('--disable-warning=ExperimentalWarning')
    args.push(file)
  }
  if (limits.dataLimitMb > 0 && process.platform === 'linux' && fs.existsSync('/bin/sh')) {
    const kb = Math.max(limits.dataLimitMb, floor) * 1024
    // $0 is the limit, "$@" the command: nothing is parsed by the shell
    args = ['-c', 'ulimit -d "$0" && exec "$@"', String(kb), command, ...args]
    command = '/bin/sh'
  }
  return {command, args, cwd, env, runtime: isDeno() ? 'deno' : 'node', osPermissions}
}

/** What the process may read: the package holding the entry script, and vm2 when it lives elsewhere. */
function readRoots(entryFile: string): string[] {
  const root = packageRoot(path.dirname(entryFile))
  const vm2 = path.dirname(createRequire(pathToFileURL(entryFile)).resolve('vm2'))
  const roots = [root]
  if (!isInside(vm2, root)) roots.push(packageRoot(vm2))
  if (!isDeno() && entryFile.endsWith('.ts')) roots.push(path.dirname(fileURLToPath(tsxLoaderUrl())))
  return roots
}

function packageRoot(dir: string): string {
  for (let d = dir; ; d = path.dirname(d)) {
    if (fs.existsSync(path.join(d, 'package.json'))) return d
    if (path.dirname(d) === d) return dir
  }
}

function isInside(p: string, dir: string): boolean {
  const rel = path.relative(dir, p)
  return rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel))
}

function tsxLoaderUrl(): string {
  return import.meta.resolve('tsx')
}
