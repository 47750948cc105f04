/**
 * A CrowdSec hub directory as a source (`--source DIR` where DIR has a .index.json or
 * parsers/ scenarios/ ... folders). Each item becomes a package: its YAML file, the data
 * files its `data:` section names (from DIR/data/<dest_file>), and for collections a
 * dependency ("*") on each item they list. Versions like "0.3" become semver "0.3.0".
 * With .index.json the file's sha256 is checked against the index's digest.
 *
 * CrowdSec names are unique per type only (crowdsecurity/modsecurity is a collection, a
 * parser and a scenario). A name used by several types keeps its plain form for the first
 * of collection, parser, scenario, postoverflow, context; the others are `type:author/name`
 * (e.g. `parser:crowdsecurity/modsecurity`). `type:author/name` also works for any item.
 */
import * as fs from 'node:fs'
import * as path from 'node:path'
import semver from 'semver'
import {parseAllDocuments} from 'yaml'
import {CrowdError} from '../../model/errors.js'
import {sha256} from '../integrity.js'
import type {HubSource, IndexVersion, Manifest, PackageContent, PackageType, SourceIndex} from '../types.js'

/** CrowdSec folder / index key -> crowd package type, in name-precedence order. */
const TYPE_DIRS: [string, PackageType][] = [
  ['collections', 'collection'],
  ['parsers', 'parser'],
  ['scenarios', 'scenario'],
  ['postoverflows', 'postoverflow'],
  ['contexts', 'context'],
]
const DIR_OF: Record<string, string> = Object.fromEntries(TYPE_DIRS.map(([d, t]) => [t, d]))

interface CrowdsecItem {
  key: string
  name: string
  type: PackageType
  path: string
  stage?: string
  version: string
  description: string
  digest?: string
  contentB64?: string
  dependencies: Record<string, string>
}

export class CrowdsecSource implements HubSource {
  readonly kind = 'crowdsec' as const
  readonly id: string
  private items: Map<string, CrowdsecItem> | undefined

  constructor(readonly dir: string) {
    this.id = path.resolve(dir)
  }

  static looksLikeHub(dir: string): boolean {
    return fs.existsSync(path.join(dir, '.index.json')) || TYPE_DIRS.some(([d]) => fs.existsSync(path.join(dir, d)))
  }

  async loadIndex(): Promise<SourceIndex> {
    const skipped: string[] = []
    const raw = this.readRawItems(skipped)
    // Key names: plain for the first type that uses a name, `type:name` for the others.
    const keyOf = new Map<string, string>()
    const taken = new Set<string>()
    for (const [, type] of TYPE_DIRS) {
      for (const item of raw.filter((r) => r.type === type)) {
        const key = taken.has(item.name) ? `${type}:${item.name}` : item.name
        taken.add(item.name)
        keyOf.set(`${type}:${item.name}`, key)
      }
    }
    this.items = new Map()
    const packages: SourceIndex['packages'] = Object.create(null)
    for (const item of raw) {
      item.key = keyOf.get(`${item.type}:${item.name}`)!
      const deps: Record<string, string> = Object.create(null)
      for (const [depType, depName] of item.rawDeps) {
        const key = keyOf.get(`${depType}:${depName}`)
        if (key === undefined) skipped.push(`${item.key}: lists ${depType} ${depName}, which this hub does not have (dropped)`)
        else deps[key] = '*'
      }
      const {rawDeps: _r, ...rest} = item
      const full: CrowdsecItem = {...rest, dependencies: deps}
      this.items.set(item.key, full)
      const entry: IndexVersion = {name: item.key, version: item.version, type: item.type, description: item.description, crowd: '*', dependencies: deps}
      if (item.stage !== undefined) entry.stage = item.stage
      if (item.digest !== undefined) entry.sha256 = item.digest
      packages[item.key] = Object.create(null)
      packages[item.key][item.version] = entry
    }
    return {packages, skipped}
  }

  private readRawItems(skipped: string[]): (Omit<CrowdsecItem, 'dependencies'> & {rawDeps: [PackageType, string][]})[] {
    const indexFile = path.join(this.dir, '.index.json')
    const out: (Omit<CrowdsecItem, 'dependencies'> & {rawDeps: [PackageType, string][]})[] = []
    if (fs.existsSync(indexFile)) {
      let index: Record<string, Record<string, Record<string, unknown>>>
      try {
        index = JSON.parse(fs.readFileSync(indexFile, 'utf8'))
      } catch (error) {
        throw new CrowdError('hub', `CrowdSec hub index is not valid JSON: ${(error as Error).message}`, {file: indexFile})
      }
      const supported = new Set(TYPE_DIRS.map(([d]) => d))
      for (const [section, items] of Object.entries(index)) {
        if (!supported.has(section)) {
          skipped.push(`${Object.keys(items ?? {}).length} ${section} items (not supported by crowd)`)
          continue
        }
        const type = TYPE_DIRS.find(([d]) => d === section)![1]
        for (const [name, item] of Object.entries(items)) {
          const rawVersion = String(item.version ?? '0')
          const version = semver.valid(semver.coerce(rawVersion)) ?? '0.0.0'
          const versions = item.versions as Record<string, {digest?: string}> | undefined
          const rawDeps: [PackageType, string][] = []
          for (const [depDir, depType] of TYPE_DIRS) {
            for (const dep of (item[depDir] as string[] | undefined) ?? []) rawDeps.push([depType, dep])
          }
          for (const other of ['appsec-configs', 'appsec-rules']) {
            for (const dep of (item[other] as string[] | undefined) ?? []) skipped.push(`${name}: lists ${other} ${dep} (not supported by crowd, dropped)`)
          }
          out.push({
            key: name,
            name,
            type,
            path: String(item.path),
            stage: typeof item.stage === 'string' ? item.stage : undefined,
            version,
            description: typeof item.description === 'string' ? item.description : '',
            digest: versions?.[rawVersion]?.digest,
            contentB64: typeof item.content === 'string' ? item.content : undefined,
            rawDeps,
          })
        }
      }
      return out
    }
    // No index: walk the folders. Names are <author>/<file name without extension>.
    for (const [dirName, type] of TYPE_DIRS) {
      const staged = type === 'parser' || type === 'postoverflow'
      for (const rel of walkYaml(path.join(this.dir, dirName), staged ? 3 : 2)) {
        const parts = rel.split('/')
        const name = `${parts[parts.length - 2]}/${parts[parts.length - 1].replace(/\.ya?ml$/, '')}`
        const rawDeps: [PackageType, string][] = []
        let description = ''
        if (type === 'collection') {
          try {
            const doc = parseAllDocuments(fs.readFileSync(path.join(this.dir, dirName, rel), 'utf8'))[0]?.toJS() as Record<string, unknown> | undefined
            description = typeof doc?.description === 'string' ? doc.description : ''
            for (const [depDir, depType] of TYPE_DIRS) {
              for (const dep of (doc?.[depDir] as string[] | undefined) ?? []) if (typeof dep === 'string') rawDeps.push([depType, dep])
            }
          } catch (error) {
            skipped.push(`${dirName}/${rel}: unreadable YAML (${(error as Error).message.split('\n')[0]})`)
            continue
          }
        }
        out.push({key: name, name, type, path: `${dirName}/${rel}`, stage: staged ? parts[0] : undefined, version: '0.0.0', description, rawDeps})
      }
    }
    return out
  }

  async fetchPackage(entry: IndexVersion): Promise<PackageContent> {
    if (this.items === undefined) await this.loadIndex()
    const item = this.items!.get(entry.name)
    if (item === undefined) throw new CrowdError('hub', `${entry.name}: not in the CrowdSec hub ${this.dir}`)
    const file = path.join(this.dir, ...item.path.split('/'))
    let bytes: Buffer
    if (fs.existsSync(file)) bytes = fs.readFileSync(file)
    else if (item.contentB64 !== undefined) bytes = Buffer.from(item.contentB64, 'base64')
    else throw new CrowdError('hub', `${entry.name}: item file is missing`, {file})
    if (item.digest !== undefined && sha256(bytes) !== item.digest) {
      throw new CrowdError('hub', `${entry.name}@${entry.version}: sha256 mismatch (index ${item.digest}, file ${sha256(bytes)}); refusing to install`, {file})
    }
    const base = path.basename(item.path)
    const files = new Map<string, Buffer>([[base, bytes]])
    const data: Record<string, string> = Object.create(null)
    const missingData: string[] = []
    for (const dest of dataFilesOf(bytes.toString('utf8'), file)) {
      const src = path.join(this.dir, 'data', dest)
      if (fs.existsSync(src)) {
        data[dest] = `data/${dest}`
        files.set(`data/${dest}`, fs.readFileSync(src))
      } else {
        missingData.push(dest)
      }
    }
    const manifest: Manifest = {
      name: item.key,
      type: item.type,
      version: item.version,
      description: item.description,
      crowd: '*',
      files: [base],
      dependencies: item.dependencies,
      data,
    }
    if (item.stage !== undefined) manifest.stage = item.stage
    return {manifest, files, missingData}
  }
}

/** The `dest_file` of every `data:` entry in every YAML document of an item. */
function dataFilesOf(text: string, file: string): string[] {
  const out = new Set<string>()
  let docs
  try {
    docs = parseAllDocuments(text)
  } catch (error) {
    throw new CrowdError('hub', `unreadable YAML: ${(error as Error).message.split('\n')[0]}`, {file})
  }
  for (const doc of docs) {
    const js = doc.toJS() as {data?: unknown} | null
    if (js === null || typeof js !== 'object' || !Array.isArray(js.data)) continue
    for (const d of js.data) {
      const dest = (d as {dest_file?: unknown} | null)?.dest_file
      if (typeof dest === 'string' && dest !== '' && !dest.includes('/') && !dest.includes('\\') && dest !== '..') out.add(dest)
    }
  }
  return [...out].sort()
}

function walkYaml(root: string, depth: number): string[] {
  const out: string[] = []
  const visit = (dir: string, rel: string[], left: number): void => {
    let entries: fs.Dirent[]
    try {
      entries = fs.readdirSync(dir, {withFileTypes: true})
    } catch {
      return
    }
    for (const e of entries.sort((a, b) => (a.name < b.name ? -1 : 1))) {
      if (e.isDirectory() && left > 1) visit(path.join(dir, e.name), [...rel, e.name], left - 1)
      else if (e.isFile() && left === 1 && (e.name.endsWith('.yaml') || e.name.endsWith('.yml'))) out.push([...rel, e.name].join('/'))
    }
  }
  visit(root, [], depth)
  return out
}

export {DIR_OF as CROWDSEC_TYPE_DIRS}
