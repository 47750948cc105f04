/**
 * A CrowdSec hub's `.index.json` as scenario_version needs it (§12.3): per scenario item, its
 * file path and every published version with the sha256 of its file (`digest`). Read by hub
 * tests (src/hubtest) and by scan / watch content (src/pipeline/content.ts); only the
 * `scenarios` section is kept.
 */
import {createHash} from 'node:crypto'
import * as fs from 'node:fs'
import * as path from 'node:path'
import {CrowdError} from '../model/errors.js'
import {activeContentCache, cacheKey} from '../platform/content-cache.js'
import {fileDigest} from '../platform/files.js'
import type {HubIndexLike} from './compile.js'

const cache = new Map<string, {stamp: string; index: HubIndexLike | undefined}>()

/** `<hubDir>/.index.json`, scenarios only; undefined when absent or unreadable. Cached per file (size and mtime). */
export function readHubIndex(hubDir: string): HubIndexLike | undefined {
  const file = path.join(hubDir, '.index.json')
  let stamp: string
  try {
    const st = fs.statSync(file)
    stamp = `${st.size}:${st.mtimeMs}`
  } catch {
    return undefined
  }
  const hit = cache.get(file)
  if (hit !== undefined && hit.stamp === stamp) return hit.index
  let index: HubIndexLike | undefined
  try {
    index = decodeHubIndex(fs.readFileSync(file, 'utf8'))
  } catch {
    index = undefined
  }
  cache.set(file, {stamp, index})
  return index
}

/** The items of an index a content uses (scan content carries only those, e.g. to its parse worker). */
export function hubIndexOf(index: HubIndexLike, items: Iterable<string>): HubIndexLike {
  const scenarios: NonNullable<HubIndexLike['scenarios']> = {}
  for (const name of items) {
    const item = index.scenarios?.[name]
    if (item !== undefined) scenarios[name] = item
  }
  return {scenarios}
}

/** The scenarios section of an `.index.json` text (throws when it is not JSON). */
function decodeHubIndex(text: string): HubIndexLike {
  const raw = JSON.parse(text) as {scenarios?: unknown}
  const scenarios = raw !== null && typeof raw === 'object' && raw.scenarios !== null && typeof raw.scenarios === 'object' ? (raw.scenarios as NonNullable<HubIndexLike['scenarios']>) : {}
  const index: HubIndexLike = {scenarios: {}}
  for (const [name, item] of Object.entries(scenarios)) {
    if (item === null || typeof item !== 'object') continue
    const versions: Record<string, {digest?: string}> = {}
    for (const [v, info] of Object.entries(item.versions ?? {})) if (typeof info?.digest === 'string') versions[v] = {digest: info.digest}
    index.scenarios![name] = {...(typeof item.path === 'string' ? {path: item.path} : {}), versions}
  }
  return index
}

/**
 * `hubIndexOf(readHubIndex(hubDir), items)`, through the content cache in force: kept under the
 * index's bytes and the items, so a cached run does not decode a hub's whole index (megabytes).
 */
export function hubIndexFor(hubDir: string, items: readonly string[]): HubIndexLike | undefined {
  const cache = activeContentCache()
  if (cache === undefined) {
    const index = readHubIndex(hubDir)
    return index === undefined ? undefined : hubIndexOf(index, items)
  }
  const file = path.join(hubDir, '.index.json')
  let digest: string
  try {
    digest = fileDigest(file)
  } catch {
    return undefined
  }
  // an index that does not decode is no index (null), as readHubIndex has it; one that changed
  // since it was hashed is decoded only if it still has the same digest
  const found = cache.memo('hub-index', cacheKey('hub-index', digest, ...items), (): HubIndexLike | null => {
    let bytes: Buffer
    try {
      bytes = fs.readFileSync(file)
    } catch {
      return null
    }
    if (createHash('sha256').update(bytes).digest('hex') !== digest) throw new CrowdError('config', 'the hub index changed while it was read: run again', {file})
    try {
      return hubIndexOf(decodeHubIndex(bytes.toString('utf8')), items)
    } catch {
      return null
    }
  })
  return found ?? undefined
}
