/**
 * Detection content for scan, explain and test run, chosen in one place (selectContent):
 *   1. `--hub DIR` with `--collection`, `--parser`, `--scenario`, `--postoverflow`: those items
 *      of a CrowdSec-layout hub directory;
 *   2. else the hub items installed in the data dir (src/hub installedContent);
 *   3. else the embedded default: crowd's first-party collections (plugins/crowd), resolved
 *      through the hub's embedded source (dependencies, data files, content sha256 checked) and
 *      laid out as a CrowdSec hub in a per-user cache directory, never in the data dir.
 * Collections resolve recursively (cycles are ignored); every missing item is reported at once.
 * Each origin also gives the published versions of its scenarios (ScanContent.hubIndex), so that
 * alerts carry scenario_version (issue 18): the hub's `.index.json`, the install state, or the
 * `.index.json` the embedded hub is laid out with.
 *
 *   parsers/<stage>/<author>/<name>.yaml      scenarios/<author>/<name>.yaml
 *   postoverflows/<stage>/<author>/<name>.yaml collections/<author>/<name>.yaml   data/<file>
 */
import {createHash} from 'node:crypto'
import * as fs from 'node:fs'
import * as path from 'node:path'
import {parseYaml} from '../platform/yaml.js'
import {hubIndexFor, type HubIndexLike} from '../detect/index.js'
import type {InstalledItem} from '../hub/state.js'
import {CrowdError, CrowdErrorList} from '../model/errors.js'
import {cacheRoot} from '../platform/cache-dir.js'
import {throughContentCache, withContentCache, type ContentCache} from '../platform/content-cache.js'
import {compareBytes} from '../model/order.js'

export interface ContentSelection {
  hubDir: string
  collections?: readonly string[]
  parsers?: readonly string[]
  scenarios?: readonly string[]
  postoverflows?: readonly string[]
}

export interface StagedFile {
  path: string
  stage: string
  /** The hub item name (author/name). */
  item: string
}

/** Where the content came from: `--hub DIR`, the installed hub, or crowd's embedded default. */
export type ContentOrigin = 'hub' | 'installed' | 'embedded'

export interface ScanContent {
  origin: ContentOrigin
  /** A CrowdSec-layout directory holding every file below (explain and test run read items from it). */
  hubDir: string
  parsers: StagedFile[]
  postoverflows: StagedFile[]
  scenarios: {path: string; item: string}[]
  /**
   * The published versions of the scenarios above, for each alert's scenario_version (§12.3):
   * a file whose sha256 is a version's digest carries that version, another file of a listed
   * item '?' (tainted), a file of no listed item hash '' and version '' (custom). From the hub's
   * `.index.json` (`--hub`, and the embedded hub, which is laid out with one), or from the install
   * state (installed items: the package version and the sha256 recorded at install). Absent: the
   * scenarios carry their hash and no version. Only the content's own items are kept.
   */
  hubIndex?: HubIndexLike
  /** Where data files (`data:` dest_file) are looked up. */
  dataDir: string
  /** Grok pattern directories (a CrowdSec hub's `patterns/`), loaded after crowd's base patterns. */
  patternDirs: string[]
  /** Collections that were expanded, in resolution order. */
  collections: string[]
  /** The content cache bundle of this selection (src/pipeline/content-bundle.ts), which a parse worker reads too. */
  cacheFile?: string
}

type Kind = 'parsers' | 'postoverflows' | 'scenarios' | 'collections'

export function resolveContent(selection: ContentSelection): ScanContent {
  const hub = selection.hubDir
  if (!fs.existsSync(hub) || !fs.statSync(hub).isDirectory()) throw new CrowdError('config', 'hub directory not found', {file: hub})
  const errors: CrowdError[] = []
  const content: ScanContent = {origin: 'hub', hubDir: hub, parsers: [], postoverflows: [], scenarios: [], dataDir: path.join(hub, 'data'), patternDirs: patternDirsOf(hub), collections: []}
  const seen = new Set<string>()
  const stageIndex = new Map<Kind, Map<string, StagedFile>>()

  const staged = (kind: 'parsers' | 'postoverflows'): Map<string, StagedFile> => {
    let index = stageIndex.get(kind)
    if (index !== undefined) return index
    index = new Map()
    const root = path.join(hub, kind)
    for (const stage of safeReaddir(root)) {
      for (const author of safeReaddir(path.join(root, stage))) {
        for (const file of safeReaddir(path.join(root, stage, author))) {
          const m = /^(.*)\.ya?ml$/.exec(file)
          if (m !== null) index.set(`${author}/${m[1]}`, {path: path.join(root, stage, author, file), stage, item: `${author}/${m[1]}`})
        }
      }
    }
    stageIndex.set(kind, index)
    return index
  }

  const add = (kind: Kind, name: string, from: string | undefined): void => {
    const key = `${kind}:${name}`
    if (seen.has(key)) return
    seen.add(key)
    const where = from === undefined ? 'given on the command line' : `required by collection ${from}`
    if (kind === 'parsers' || kind === 'postoverflows') {
      const file = staged(kind).get(name)
      if (file === undefined) errors.push(new CrowdError('config', `unknown ${kind.slice(0, -1)} '${name}' (${where}) in hub`, {file: hub}))
      else content[kind].push(file)
      return
    }
    const file = findYaml(path.join(hub, kind, ...name.split('/')))
    if (file === undefined) {
      errors.push(new CrowdError('config', `unknown ${kind.slice(0, -1)} '${name}' (${where}) in hub`, {file: hub}))
      return
    }
    if (kind === 'scenarios') {
      content.scenarios.push({path: file, item: name})
      return
    }
    content.collections.push(name)
    let doc: Record<string, unknown>
    try {
      doc = decodeCollection(file, fs.readFileSync(file, 'utf8'))
    } catch (error) {
      errors.push(new CrowdError('config', `cannot read collection: ${(error as Error).message.split('\n')[0]}`, {file}))
      return
    }
    for (const sub of ['parsers', 'postoverflows', 'scenarios', 'collections'] as const) {
      const list = doc[sub]
      if (list === undefined || list === null) continue
      if (!Array.isArray(list)) {
        errors.push(new CrowdError('config', `'${sub}' must be a list`, {file}))
        continue
      }
      for (const item of list) add(sub, String(item), name)
    }
  }

  for (const name of selection.collections ?? []) add('collections', name, undefined)
  for (const name of selection.parsers ?? []) add('parsers', name, undefined)
  for (const name of selection.scenarios ?? []) add('scenarios', name, undefined)
  for (const name of selection.postoverflows ?? []) add('postoverflows', name, undefined)
  if (errors.length > 0) throw errors.length === 1 ? errors[0]! : new CrowdErrorList(errors)
  const hubIndex = hubIndexFor(hub, content.scenarios.map((s) => s.item))
  if (hubIndex !== undefined) content.hubIndex = hubIndex
  const byStagePath = (a: StagedFile, b: StagedFile): number => compareBytes(`${a.stage}/${a.item}`, `${b.stage}/${b.item}`)
  content.parsers.sort(byStagePath)
  content.postoverflows.sort(byStagePath)
  return content
}

/** A collection file's document, through the content cache in force (kept under its path and text). */
function decodeCollection(file: string, text: string): Record<string, unknown> {
  return throughContentCache('collection-file', [file, text], () => (parseYaml(text) ?? {}) as Record<string, unknown>)
}

function findYaml(base: string): string | undefined {
  for (const ext of ['.yaml', '.yml']) if (fs.existsSync(base + ext)) return base + ext
  return undefined
}

function safeReaddir(dir: string): string[] {
  try {
    return fs.readdirSync(dir).sort()
  } catch {
    return []
  }
}

/** The first-party collections the embedded default uses (issue 8). */
export const EMBEDDED_COLLECTIONS: readonly string[] = [
  'crowd/linux', 'crowd/sshd', 'crowd/nginx', 'crowd/apache2', 'crowd/http', 'crowd/iptables', 'crowd/mysql', 'crowd/postfix',
]

export interface ContentRequest {
  /** `--hub DIR` and the items named from it. */
  hubDir?: string
  collections?: readonly string[]
  parsers?: readonly string[]
  scenarios?: readonly string[]
  postoverflows?: readonly string[]
  /** crowd's data dir (installed hub items); without it, installed items are not looked at. */
  dataDir?: string
  /** Where the embedded hub is laid out (default: the user cache dir, see embeddedCacheRoot). */
  cacheDir?: string
}

/**
 * The one place content is chosen (see the top of this file). A `--hub` without item names,
 * or item names without `--hub`, is a usage error.
 */
export async function selectContent(request: ContentRequest, cache?: ContentCache): Promise<ScanContent> {
  const resolve = (selection: ContentSelection): ScanContent => withContentCache(cache, () => resolveContent(selection))
  const named = [request.collections, request.parsers, request.scenarios, request.postoverflows].some((l) => (l?.length ?? 0) > 0)
  if (request.hubDir !== undefined) {
    if (!named) throw new CrowdError('usage', '--hub needs at least one --collection, --parser or --scenario')
    return resolve({hubDir: request.hubDir, collections: request.collections, parsers: request.parsers, scenarios: request.scenarios, postoverflows: request.postoverflows})
  }
  if (named) throw new CrowdError('usage', '--collection, --parser and --scenario select items of a hub directory: give it with --hub DIR')
  if (request.dataDir !== undefined) {
    const {installedContent} = await import('../hub/installed.js')
    const installed = installedContent(request.dataDir)
    if (installed.parsers.length > 0 || installed.scenarios.length > 0) return contentFromInstalled(installed)
  }
  const hubDir = await embeddedHub({cacheDir: request.cacheDir})
  const content = resolve({hubDir, collections: EMBEDDED_COLLECTIONS})
  content.origin = 'embedded'
  return content
}

/** Files of an installed hub (src/hub installedContent) as scan content. */
export function contentFromInstalled(installed: {hubDir: string; dataDir: string; parsers: string[]; postoverflows: string[]; scenarios: string[]; items?: readonly InstalledItem[]}): ScanContent {
  const staged = (file: string): StagedFile => {
    const parts = path.relative(installed.hubDir, file).split(path.sep)
    // parsers/<stage>/<author>/<name>.yaml (or <name>/<file>.yaml for a package of several files)
    return {path: file, stage: parts[1] ?? 's01-parse', item: `${parts[2] ?? ''}/${(parts[3] ?? '').replace(/\.ya?ml$/, '')}`}
  }
  const scenarioItem = (file: string): string => {
    const parts = path.relative(installed.hubDir, file).split(path.sep)
    return `${parts[1] ?? ''}/${(parts[2] ?? '').replace(/\.ya?ml$/, '')}`
  }
  return {
    origin: 'installed',
    hubDir: installed.hubDir,
    parsers: installed.parsers.map(staged),
    postoverflows: installed.postoverflows.map(staged),
    scenarios: installed.scenarios.map((p) => ({path: p, item: scenarioItem(p)})),
    dataDir: installed.dataDir,
    patternDirs: patternDirsOf(installed.hubDir),
    collections: [],
    ...(installed.items !== undefined ? {hubIndex: installedHubIndex(installed.items)} : {}),
  }
}

/**
 * The install state as a hub index: every scenario file of an installed scenario package, its
 * package version with the sha256 recorded at install as digest. An unchanged file carries the
 * version; a file changed since (src/hub/taint.ts's check, on this file) '?'.
 */
function installedHubIndex(items: readonly InstalledItem[]): HubIndexLike {
  const scenarios: NonNullable<HubIndexLike['scenarios']> = {}
  for (const item of items) {
    if (item.type !== 'scenario') continue
    const rels = Object.keys(item.files).filter((r) => r.startsWith('scenarios/') && /\.ya?ml$/.test(r))
    for (const rel of rels) {
      const key = rels.length === 1 ? item.name : `${item.name}/${path.posix.basename(rel)}`
      scenarios[key] = {path: rel, versions: {[item.version]: {digest: item.files[rel]}}}
    }
  }
  return {scenarios}
}

/** The per-user cache root (src/platform/cache-dir.ts), where the embedded hub is laid out. */
export function embeddedCacheRoot(env: Readonly<Record<string, string | undefined>> = process.env): string {
  return cacheRoot(env)
}

const embeddedHubs = new Map<string, Promise<string>>()

/**
 * Lays the embedded collections (EMBEDDED_COLLECTIONS and their dependencies, as the hub's
 * embedded source resolves and verifies them) out as a CrowdSec hub directory and returns it:
 * `<cache>/embedded-hub-<digest>/{parsers,postoverflows,scenarios,collections,data,patterns}`.
 * The digest covers crowd's version and every package's content sha256, so a changed package
 * gets a new directory; an existing complete one is reused (and marked used, daily). Written to a
 * temporary sibling and renamed, so a reader never sees half a hub; writing one removes the
 * layouts of other versions unused for a month (pruneEmbeddedHubs).
 */
export async function embeddedHub(options: {cacheDir?: string} = {}): Promise<string> {
  const root = options.cacheDir ?? embeddedCacheRoot()
  const known = embeddedHubs.get(root)
  if (known !== undefined) {
    const dir = await known
    // a long-running process (crowd watch, on reload) marks its layout on each use, and lays out
    // again one that was removed meanwhile
    if (markUsed(path.join(dir, COMPLETE_MARKER))) return dir
    if (embeddedHubs.get(root) === known) embeddedHubs.delete(root)
    return embeddedHub(options)
  }
  const pending = buildEmbeddedHub(root)
  embeddedHubs.set(root, pending)
  pending.catch(() => embeddedHubs.delete(root))
  return pending
}

const COMPLETE_MARKER = '.crowd-embedded-hub'

/** A layout not used for this long (another crowd version's) is removed when a new one is laid out. */
export const EMBEDDED_HUB_UNUSED_MS = 30 * 24 * 3600 * 1000
/** A use refreshes the marker's time at most this often (one write a day, not one per run). */
const MARK_EVERY_MS = 24 * 3600 * 1000
/** A staging directory this old was left by a process that died while laying out. */
const STAGING_STALE_MS = 3600 * 1000
const LAYOUT_NAME = /^embedded-hub-[0-9a-f]{16}$/
const STAGING_NAME = /^embedded-hub-[0-9a-f]{16}\.tmp-/

/** True when the layout is complete (its marker exists); its marker's time then says when it was last used. */
function markUsed(marker: string, now = Date.now()): boolean {
  let stat: fs.Stats
  try {
    stat = fs.statSync(marker)
  } catch {
    return false
  }
  if (now - stat.mtimeMs >= MARK_EVERY_MS) {
    try {
      const t = new Date(now)
      fs.utimesSync(marker, t, t)
    } catch {
      // a read-only cache still serves the layout
    }
  }
  return true
}

/**
 * Removes the embedded hub layouts of other crowd versions not used for EMBEDDED_HUB_UNUSED_MS
 * (a version still in use marks its own daily), and staging directories left by processes that
 * died while laying out. Run only when a new layout is written (an upgrade), so the cache holds
 * a bounded number of them. Best effort.
 */
export function pruneEmbeddedHubs(root: string, now = Date.now()): void {
  let names: string[]
  try {
    names = fs.readdirSync(root)
  } catch {
    return
  }
  for (const name of names) {
    const full = path.join(root, name)
    try {
      if (LAYOUT_NAME.test(name)) {
        const marker = path.join(full, COMPLETE_MARKER)
        const used = fs.existsSync(marker) ? fs.statSync(marker).mtimeMs : fs.statSync(full).mtimeMs
        if (now - used >= EMBEDDED_HUB_UNUSED_MS) fs.rmSync(full, {recursive: true, force: true})
      } else if (STAGING_NAME.test(name) && now - fs.statSync(full).mtimeMs >= STAGING_STALE_MS) {
        fs.rmSync(full, {recursive: true, force: true})
      }
    } catch {
      // gone meanwhile, or not ours to remove
    }
  }
}

async function buildEmbeddedHub(root: string): Promise<string> {
  // the hub's modules are loaded only here: a scan of `--hub DIR` content does not need them
  const [{crowdVersion}, {installedFiles}, {resolveDependencies}, {SourceSet}, {EmbeddedSource}, {sha256}] = await Promise.all([
    import('../hub/crowd-version.js'),
    import('../hub/layout.js'),
    import('../hub/resolve.js'),
    import('../hub/source-set.js'),
    import('../hub/sources/embedded.js'),
    import('../hub/integrity.js'),
  ])
  const source = new EmbeddedSource()
  const set = await SourceSet.load([source])
  let chosen
  try {
    chosen = resolveDependencies({universe: set, requests: EMBEDDED_COLLECTIONS.map((name) => ({name, range: '*', by: 'user'})), crowdVersion: crowdVersion()})
  } catch (error) {
    const why = error instanceof Error ? error.message : String(error)
    throw new CrowdError('config', `the embedded detection content cannot be resolved: ${why}${set.skipped.length > 0 ? ` (${set.skipped.join('; ')})` : ''}`)
  }
  const entries = [...chosen.values()].sort((a, b) => compareBytes(a.name, b.name))
  const key = createHash('sha256')
  key.update(`crowd ${crowdVersion()}\nlayout 2 (.index.json)\n`)
  for (const e of entries) key.update(`${e.name}@${e.version} ${e.contentSha256 ?? ''}\n`)
  const digest = key.digest('hex').slice(0, 16)
  const dir = path.join(root, `embedded-hub-${digest}`)
  if (markUsed(path.join(dir, COMPLETE_MARKER))) return dir
  pruneEmbeddedHubs(root)

  const files = new Map<string, Buffer>()
  for (const entry of entries) {
    const content = await source.fetchPackage(entry)
    for (const [rel, bytes] of installedFiles(content)) files.set(rel, bytes)
  }
  const staging = `${dir}.tmp-${process.pid}-${Math.random().toString(36).slice(2, 10)}`
  try {
    fs.mkdirSync(path.join(staging, 'patterns'), {recursive: true})
    fs.mkdirSync(path.join(staging, 'parsers'), {recursive: true})
    for (const [rel, bytes] of files) {
      const out = path.join(staging, ...rel.split('/'))
      fs.mkdirSync(path.dirname(out), {recursive: true})
      fs.writeFileSync(out, bytes)
    }
    fs.writeFileSync(path.join(staging, '.index.json'), JSON.stringify(embeddedIndex(entries, files, sha256)))
    fs.writeFileSync(path.join(staging, COMPLETE_MARKER), entries.map((e) => `${e.name}@${e.version}\n`).join(''))
    try {
      fs.renameSync(staging, dir)
    } catch (error) {
      // another process won the race: its directory is complete (it was renamed whole)
      if (!fs.existsSync(path.join(dir, COMPLETE_MARKER))) throw error
    }
  } catch (error) {
    throw new CrowdError('config', `cannot lay out the embedded detection content: ${(error as NodeJS.ErrnoException).code ?? String(error)}`, {file: dir})
  } finally {
    fs.rmSync(staging, {recursive: true, force: true})
  }
  return dir
}

/**
 * The embedded hub's `.index.json`, in CrowdSec's format, scenarios only: per scenario package
 * its file, its version (the package's, checked against hub-index.json) and that version's
 * digest (the file's sha256, what a scenario's hash is): the embedded content's alerts carry
 * the version `[cti] hub` certifies.
 */
function embeddedIndex(entries: readonly {name: string; version: string}[], files: ReadonlyMap<string, Buffer>, sha256: (bytes: Buffer) => string): {scenarios: Record<string, {path: string; version: string; versions: Record<string, {digest: string}>}>} {
  const scenarios: Record<string, {path: string; version: string; versions: Record<string, {digest: string}>}> = {}
  for (const e of entries) {
    const [author, name] = e.name.split('/')
    const base = `scenarios/${author}/${name}`
    const rels = [...files.keys()].filter((rel) => /\.ya?ml$/.test(rel) && (rel.startsWith(`${base}/`) || rel === `${base}.yaml` || rel === `${base}.yml`))
    for (const rel of rels) {
      const key = rels.length === 1 ? e.name : `${e.name}/${path.posix.basename(rel)}`
      scenarios[key] = {path: rel, version: e.version, versions: {[e.version]: {digest: sha256(files.get(rel)!)}}}
    }
  }
  return {scenarios}
}

/** `<hub>/patterns` when it exists (CrowdSec loads every file there). */
function patternDirsOf(hubDir: string): string[] {
  const dir = path.join(hubDir, 'patterns')
  try {
    return fs.statSync(dir).isDirectory() ? [dir] : []
  } catch {
    return []
  }
}
