/**
 * V8's code cache for the CLI bundle (scripts/bundle.mjs): the bytecode V8 compiled for
 * `dist/bundle/crowd.cjs` (and the parse worker's bundle) in one run, given back to V8 in the
 * next, so that a command does not parse and compile the same functions on every start. It is
 * what Node 22 does with `module.enableCompileCache()`, which Node 20 lacks (docs/performance.md
 * has the figures).
 *
 * Safety:
 * - An entry is named by a sha256 of the exact source it was compiled from and of the file's path:
 *   V8's own check compares only the source's length, and V8 (11, Node 20) keeps the script name
 *   of the run that wrote the entry, so that the same bundle in another checkout would report its
 *   stack traces (and profiles) with the first checkout's paths. V8 checks the rest itself (its
 *   version, its flags) and rejects an entry made by another; crowd then compiles and writes it
 *   again.
 * - An entry is code, so only the user who runs crowd may have written it: the directory must be
 *   owned by that user and writable by nobody else, and so must each entry; otherwise the cache is
 *   not used at all (as ssh treats ~/.ssh).
 * - Entries are checked files (src/platform/files.ts: written whole and renamed, a sha256 of the
 *   body checked before V8 sees it): a truncated or damaged entry is ignored and replaced.
 * - The directory is bounded: an entry is kept per bundle and command word, and entries of
 *   sources that are gone (an older build) are removed when a new one is written.
 *
 * On Node 20, code compiled with a code cache cannot start dynamic imports (the import callback is
 * lost): a file loaded here must not call import() (scripts/bundle.mjs routes oclif's through a
 * file Node compiles itself). `CROWD_CODE_CACHE=off` turns the cache off; under Deno (no `vm.Script`
 * code cache) the bundle is required as usual. Beside node builtins this module loads only small
 * platform modules.
 */
import {isAscii} from 'node:buffer'
import {createHash} from 'node:crypto'
import * as fs from 'node:fs'
import {createRequire} from 'node:module'
import Module from 'node:module'
import * as path from 'node:path'
import * as vm from 'node:vm'
import {cacheRoot} from '../platform/cache-dir.js'
import {readCheckedBytes, removeStaleTemporaries, writeCheckedFile} from '../platform/files.js'

/** What became of the cache for one load. */
export type CodeCacheState = 'hit' | 'missing' | 'invalid' | 'rejected' | 'off'

export interface CodeCacheLoad {
  readonly exports: unknown
  readonly state: CodeCacheState
  /** The entry's file (undefined when the cache is off). */
  readonly file?: string
}

type Env = Readonly<Record<string, string | undefined>>

/** The command word a cache entry is kept for: the first argument when it names a command or topic. */
export function codeCacheKey(argv: readonly string[]): string {
  const word = argv[0]
  return word !== undefined && /^[a-z][a-z0-9-]{0,31}$/.test(word) ? word : 'other'
}

/**
 * Requires the CommonJS `file`, compiled with the code cache entry kept for `key`; when there was
 * no usable entry, one is written as the process (or worker thread) exits, with what V8 compiled
 * by then. The module is registered in require's cache, so later `require(file)` calls get it.
 */
export function requireWithCodeCache(file: string, key: string, env: Env = process.env): CodeCacheLoad {
  const require = createRequire(file)
  const loaded = require.cache[file]
  if (loaded !== undefined) return {exports: loaded.exports, state: 'off'}
  const dir = codeCacheDir(env)
  if (dir === undefined) return {exports: require(file), state: 'off'}
  const bytes = fs.readFileSync(file)
  // <bundle>-<digest of path and source>-<key>.v8 ('ascii': entries of ASCII sources only, see below)
  const digest = createHash('sha256').update('ascii\0').update(file).update('\0').update(bytes).digest('hex').slice(0, 32)
  const ofSource = `${path.basename(file)}-${digest}-`
  const entry = path.join(dir, `${ofSource}${key}.v8`)
  const read = readCheckedBytes(entry, (stat) => stat.isFile() && ownedByUser(stat))
  // The bundle is ASCII (scripts/bundle.mjs): one byte per character, no UTF-8 decoding. Entries
  // are written for ASCII sources only, so an entry for these bytes says they are (isAscii takes
  // ~4 ms on the CLI bundle); a source that is not gets no entry.
  const ascii = typeof read !== 'string' || isAscii(bytes)
  const source = ascii ? bytes.toString('latin1') : bytes.toString('utf8')
  // no dynamic import() in `file`: Node 20 loses its import callback for code from a code cache
  const script = new vm.Script(Module.wrap(source), {filename: file, cachedData: typeof read === 'string' ? undefined : read.body})
  const state: CodeCacheState = typeof read === 'string' ? read : script.cachedDataRejected === true ? 'rejected' : 'hit'
  const mod = new Module(file) as Module & {filename: string; paths: string[]; loaded: boolean}
  mod.filename = file
  mod.paths = require.resolve.paths('crowd') ?? []
  require.cache[file] = mod
  try {
    const wrapper = script.runInThisContext({displayErrors: true}) as (...args: unknown[]) => void
    wrapper.call(mod.exports, mod.exports, require, mod, file, path.dirname(file))
  } catch (error) {
    delete require.cache[file]
    throw error
  }
  mod.loaded = true
  if (state !== 'hit' && ascii) process.once('exit', () => writeEntry(entry, script, `${path.basename(file)}-`, ofSource))
  return {exports: mod.exports, state, file: entry}
}

/** `<cache>/code`, when the code cache may be used: on, under Node, and the directory is the user's own. */
export function codeCacheDir(env: Env = process.env): string | undefined {
  if (env.CROWD_CODE_CACHE === 'off' || env.CROWD_CODE_CACHE === '0' || 'Deno' in globalThis) return undefined
  if (typeof process.getuid !== 'function' || typeof vm.Script.prototype.createCachedData !== 'function') return undefined
  const dir = path.join(cacheRoot(env), 'code')
  try {
    fs.mkdirSync(dir, {recursive: true, mode: 0o700})
    const stat = fs.lstatSync(dir)
    return stat.isDirectory() && ownedByUser(stat) ? dir : undefined
  } catch {
    return undefined
  }
}

/** Owned by this process's user and writable by nobody else. */
function ownedByUser(stat: fs.Stats): boolean {
  return stat.uid === process.getuid!() && (stat.mode & 0o022) === 0
}

/**
 * Writes what V8 compiled of `script` so far, and removes the entries of the same bundle made
 * from other sources (`ofBundle` and `ofSource` are the name prefixes), and temporary files left
 * by writes that never finished (a worker thread stopped while it wrote its entry). Best effort.
 */
function writeEntry(file: string, script: vm.Script, ofBundle: string, ofSource: string): void {
  try {
    if (!writeCheckedFile(file, script.createCachedData())) return
    const dir = path.dirname(file)
    removeStaleTemporaries(dir)
    for (const other of fs.readdirSync(dir)) {
      if (other.startsWith(ofBundle) && !other.startsWith(ofSource) && other.endsWith('.v8')) fs.rmSync(path.join(dir, other), {force: true})
    }
  } catch {
    // a cache that cannot be written costs the next run time, never a failure
  }
}
