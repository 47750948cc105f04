/**
 * The content cache of a scan's selection (src/platform/content-cache.ts) on disk: one bundle per
 * selection of content (hub dir and item names, or the data dir's installed / embedded content),
 * in the per-user cache directory, under the build's identity. The main thread reads it before it
 * resolves and compiles the content and writes it back when the entries it used changed; a parse
 * worker reads the same file (ScanContent.cacheFile) and never writes it.
 */
import * as path from 'node:path'
import {bundleFile, contentCacheIdentity, readBundle, withContentCache, writeBundle, type ContentCache} from '../platform/content-cache.js'
import {embeddedCacheRoot, selectContent, type ContentRequest, type ScanContent} from './content.js'

export interface ContentBundle {
  readonly file: string
  readonly cache: ContentCache
  /** 'hit' when a valid bundle was read. */
  readonly state: 'hit' | 'missing' | 'invalid'
}

/**
 * The bundle of a content request, or undefined when the cache is off (no build identity,
 * CROWD_CONTENT_CACHE=off). `purpose`: what compiles the content; each has its own bundle, as a
 * bundle keeps only the entries its last run used (`crowd explain` compiles parsers alone, and
 * sharing a scan's bundle would drop the scan's scenarios from it).
 */
export function openContentBundle(request: ContentRequest, purpose: 'scan' | 'explain' = 'scan'): ContentBundle | undefined {
  const identity = contentCacheIdentity()
  if (identity === undefined) return undefined
  const abs = (p: string | undefined): string | null => (p === undefined ? null : path.resolve(p))
  const selection = JSON.stringify({
    hub: abs(request.hubDir),
    collections: request.collections ?? [],
    parsers: request.parsers ?? [],
    scenarios: request.scenarios ?? [],
    postoverflows: request.postoverflows ?? [],
    data: abs(request.dataDir),
    cache: abs(request.cacheDir),
    ...(purpose !== 'scan' ? {purpose} : {}),
  })
  const file = bundleFile(request.cacheDir ?? embeddedCacheRoot(), identity, selection)
  return {file, ...readBundle(file)}
}

/** Content selected through its bundle, and how to compile what derives from it with the bundle in force. */
export interface CachedSelection {
  content: ScanContent
  /** undefined when the cache is off. */
  bundle?: ContentBundle
  /** Runs a compile of this content with the bundle in force, then writes the bundle back (throughContentBundle). */
  compileWith<T>(compile: () => T): T
}

/** Opens the bundle of `request` (for `purpose`, see openContentBundle) and selects the content through it. */
export async function selectWithBundle(request: ContentRequest, purpose: 'scan' | 'explain' = 'scan'): Promise<CachedSelection> {
  const bundle = openContentBundle(request, purpose)
  const content = await selectCachedContent(request, bundle)
  return {content, ...(bundle !== undefined ? {bundle} : {}), compileWith: (compile) => throughContentBundle(bundle, compile)}
}

/** selectContent through the selection's content cache bundle, which the content then names (for its parse worker). */
export async function selectCachedContent(request: ContentRequest, bundle: ContentBundle | undefined): Promise<ScanContent> {
  const content = await selectContent(request, bundle?.cache)
  if (bundle !== undefined) content.cacheFile = bundle.file
  return content
}

/** The bundle a parse worker compiles from: the one its content names, read-only. */
export function workerContentCache(cacheFile: string | undefined): ContentCache | undefined {
  return cacheFile === undefined || contentCacheIdentity() === undefined ? undefined : readBundle(cacheFile).cache
}

/** Writes the bundle back when the entries used changed (best effort). */
export function saveContentBundle(bundle: ContentBundle | undefined): void {
  if (bundle !== undefined) writeBundle(bundle.file, bundle.cache)
}

/**
 * Runs `compile` (what derives from the content: its stages, the engines built over them) with
 * the bundle in force, then writes the bundle back when it changed.
 */
export function throughContentBundle<T>(bundle: ContentBundle | undefined, compile: () => T): T {
  const result = withContentCache(bundle?.cache, compile)
  saveContentBundle(bundle)
  return result
}
