/**
 * The content cache: what compiling detection content derives from its text (decoded parser,
 * scenario, collection and profiles files, RE2 translations, grok group counts, required literals,
 * expression syntax trees, filters split into shared conjuncts, the hub index's scenario versions), kept between runs so that a scan,
 * a worker or a watch start does not derive it again.
 *
 * Safety by construction:
 * - Every entry is keyed by a digest of *all* its inputs (the file's path and bytes, the regex
 *   source and options...), never by a name, a path alone or a modification time: content that
 *   changed simply misses. A bundle never serves stale content; at worst it serves nothing.
 * - Entries hold plain data only (no code): what is cached is what a pure function computed from
 *   its inputs, and the code that turns it into matchers is the same with or without the cache.
 *   A value JSON would not give back unchanged (jsonFaithful) is not kept.
 * - The code is part of the key: a bundle lives under the build's identity (`dist/build-id.json`,
 *   a digest of the compiled code written by `npm run build`), so another build never reads it.
 *   Without a build identity (running from sources) nothing is persisted.
 * - Bundles are checked files (src/platform/files.ts: written whole and renamed, so readers in
 *   other processes see the old bundle or the new one; a sha256 of the body first), and a bundle
 *   that does not check out is ignored (and replaced by the next writer). The directory is bounded
 *   (pruneBundles).
 *
 * Compilation is synchronous, so the cache in force is a dynamic scope (`withContentCache`): the
 * deriving functions ask `activeContentCache()` and compute as before when there is none.
 */
import {createHash} from 'node:crypto'
import * as fs from 'node:fs'
import * as path from 'node:path'
import {readCheckedFile, removeStaleTemporaries, writeCheckedFile} from './files.js'
import {PACKAGE_ROOT} from './module-url.js'

/** The kinds of entries (one table each). */
export type ContentCacheTable = 're2' | 're2-groups' | 're2-literals' | 'parser-file' | 'scenario-file' | 'hub-index' | 'expr-ast' | 'filter-conjuncts' | 'collection-file' | 'profiles-file'

/** Per table, per key, the entry's value as JSON text (parsed afresh by every lookup). */
type Tables = Partial<Record<ContentCacheTable, Record<string, string>>>

const FORMAT = 'crowd-content-cache 1'

export class ContentCache {
  private readonly known = new Map<ContentCacheTable, Map<string, string>>()
  private readonly used = new Map<ContentCacheTable, Map<string, string>>()
  private loadedCount = 0
  private usedCount = 0
  private added = 0
  hits = 0
  misses = 0

  constructor(tables: Tables = {}) {
    for (const [table, entries] of Object.entries(tables) as [ContentCacheTable, Record<string, unknown>][]) {
      if (entries === null || typeof entries !== 'object') continue
      const map = new Map<string, string>()
      for (const [key, text] of Object.entries(entries)) if (typeof text === 'string') map.set(key, text)
      this.known.set(table, map)
      this.loadedCount += map.size
    }
  }

  /**
   * The entry for `key` (a fresh copy: callers may change it), or undefined. A hit is kept for
   * the next bundle.
   */
  lookup<T>(table: ContentCacheTable, key: string): T | undefined {
    const text = this.known.get(table)?.get(key)
    if (text === undefined) {
      this.misses++
      return undefined
    }
    let value: T
    try {
      value = JSON.parse(text) as T
    } catch {
      this.misses++
      return undefined
    }
    this.hits++
    this.keep(table, key, text)
    return value
  }

  /**
   * Records a derived value (plain data) under a key covering all its inputs, and returns it as
   * a lookup would: through JSON, so a first run sees exactly what later runs read back. A value
   * JSON would not give back as it is (see jsonFaithful) is returned as it is and not kept.
   */
  store<T>(table: ContentCacheTable, key: string, value: T): T {
    if (!jsonFaithful(value)) return value // e.g. Infinity, -0, a Map: JSON would change it, so it is not kept
    const text = JSON.stringify(value)
    let map = this.known.get(table)
    if (map === undefined) this.known.set(table, (map = new Map()))
    if (!map.has(key)) this.added++
    map.set(key, text)
    this.keep(table, key, text)
    return JSON.parse(text) as T
  }

  /** The cached value, or `compute()` stored (a compute that throws stores nothing). */
  memo<T>(table: ContentCacheTable, key: string, compute: () => T): T {
    const hit = this.lookup<T>(table, key)
    if (hit !== undefined) return hit
    return this.store(table, key, compute())
  }

  /** True when the entries used differ from the ones loaded (new ones, or loaded ones no longer needed). */
  get changed(): boolean {
    return this.added > 0 || this.usedCount !== this.loadedCount
  }

  /** The entries used since this cache was made: what the next run of the same content needs. */
  usedTables(): Tables {
    const out: Tables = {}
    for (const [table, map] of this.used) out[table] = Object.fromEntries(map)
    return out
  }

  private keep(table: ContentCacheTable, key: string, text: string): void {
    let map = this.used.get(table)
    if (map === undefined) this.used.set(table, (map = new Map()))
    if (!map.has(key)) this.usedCount++
    map.set(key, text)
  }
}

/**
 * True when JSON gives the value back as it is: null, booleans, strings, finite numbers other
 * than -0, arrays of such values, and plain objects of them (a property whose value is
 * undefined is dropped by JSON, which reads the same: such a property is as good as absent).
 */
export function jsonFaithful(value: unknown): boolean {
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return true
    case 'number':
      return Number.isFinite(value) && !Object.is(value, -0)
    case 'object': {
      if (value === null) return true
      if (Array.isArray(value)) return value.every((v) => v !== undefined && jsonFaithful(v))
      const proto = Object.getPrototypeOf(value) as unknown
      if (proto !== Object.prototype && proto !== null) return false
      for (const v of Object.values(value)) if (v !== undefined && !jsonFaithful(v)) return false
      return true
    }
    default:
      return false
  }
}

let active: ContentCache | undefined

/** The cache in force for the compilation running now, if any. */
export function activeContentCache(): ContentCache | undefined {
  return active
}

/**
 * `compute()`, through the cache in force when there is one: kept under `table` and a digest of
 * `inputs`, which must be all of compute's inputs (a compute that throws keeps nothing).
 */
export function throughContentCache<T>(table: ContentCacheTable, inputs: readonly (string | Uint8Array)[], compute: () => T): T {
  const cache = active
  return cache === undefined ? compute() : cache.memo(table, cacheKey(table, ...inputs), compute)
}

/** Runs a (synchronous) compilation with `cache` in force. */
export function withContentCache<T>(cache: ContentCache | undefined, fn: () => T): T {
  const previous = active
  active = cache
  try {
    return fn()
  } finally {
    active = previous
  }
}

/** A key for entries: sha256 over the parts (NUL-separated), 128 bits in hex. */
export function cacheKey(...parts: readonly (string | Uint8Array)[]): string {
  const hash = createHash('sha256')
  for (const part of parts) {
    hash.update(part)
    hash.update('\u0000')
  }
  return hash.digest('hex').slice(0, 32)
}

// ---------------------------------------------------------------------------------------------
// Bundles on disk

let buildIdentity: string | null | undefined

/**
 * The identity of the compiled code (`dist/build-id.json`, written by the build), or undefined when
 * running from sources or when `CROWD_CONTENT_CACHE=off`: then nothing is read or persisted.
 */
export function contentCacheIdentity(env: Readonly<Record<string, string | undefined>> = process.env): string | undefined {
  if (env.CROWD_CONTENT_CACHE === 'off' || env.CROWD_CONTENT_CACHE === '0') return undefined
  if (buildIdentity === undefined) {
    try {
      const id = (JSON.parse(fs.readFileSync(path.join(PACKAGE_ROOT, 'dist', 'build-id.json'), 'utf8')) as {id?: unknown}).id
      buildIdentity = typeof id === 'string' && /^[0-9a-f]{16,}$/.test(id) && isBuiltCode() ? id : null
    } catch {
      buildIdentity = null
    }
  }
  return buildIdentity ?? undefined
}

/** True when this module is the compiled one (dist/), not a source file run under tsx. */
function isBuiltCode(): boolean {
  return import.meta.url.endsWith('.js')
}

/** Where the bundle of a selection of content lives: `<cacheRoot>/content/<build>/<selection digest>.json`. */
export function bundleFile(cacheRoot: string, identity: string, selection: string): string {
  return path.join(cacheRoot, 'content', identity.slice(0, 16), `${cacheKey(FORMAT, identity, selection)}.json`)
}

/** The bundle at `file` as a ContentCache; an empty one when it is missing, unreadable or does not check out. */
export function readBundle(file: string): {cache: ContentCache; state: 'hit' | 'missing' | 'invalid'} {
  // a checked file (src/platform/files.ts) whose body is FORMAT, a newline, the tables
  const read = readCheckedFile(file)
  if (typeof read === 'string') return {cache: new ContentCache(), state: read}
  try {
    if (!read.body.startsWith(`${FORMAT}\n`)) throw new Error('not a bundle')
    const tables = JSON.parse(read.body.slice(FORMAT.length + 1)) as unknown
    if (tables === null || typeof tables !== 'object' || Array.isArray(tables)) throw new Error('not a bundle')
    return {cache: new ContentCache(tables as Tables), state: 'hit'}
  } catch {
    return {cache: new ContentCache(), state: 'invalid'}
  }
}

/**
 * Writes the entries the cache used, when they changed. Best effort: a cache that cannot be
 * written costs the next run time, never a failure.
 */
export function writeBundle(file: string, cache: ContentCache): boolean {
  if (!cache.changed) return false
  if (!writeCheckedFile(file, `${FORMAT}\n${JSON.stringify(cache.usedTables())}`)) return false
  pruneBundles(file)
  return true
}

/** Bundles kept per build: the most recently written ones (a selection of content per bundle). */
export const MAX_BUNDLES = 64

/**
 * Keeps the cache bounded: other builds' bundle directories are removed (no build but theirs reads
 * them), and beyond MAX_BUNDLES in this build's directory the least recently written go. Best effort.
 */
function pruneBundles(file: string): void {
  try {
    const dir = path.dirname(file)
    const root = path.dirname(dir)
    for (const other of fs.readdirSync(root)) if (other !== path.basename(dir)) fs.rmSync(path.join(root, other), {recursive: true, force: true})
    removeStaleTemporaries(dir)
    const bundles = fs.readdirSync(dir).filter((f) => f.endsWith('.json'))
    if (bundles.length <= MAX_BUNDLES) return
    const byAge = bundles.map((f) => ({f, t: fs.statSync(path.join(dir, f)).mtimeMs})).sort((a, b) => a.t - b.t)
    for (const {f} of byAge.slice(0, bundles.length - MAX_BUNDLES)) fs.rmSync(path.join(dir, f), {force: true})
  } catch {
    // another process pruned at the same time, or the directory is not ours to clean: nothing lost
  }
}
