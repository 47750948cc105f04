/**
 * hub-index.json: for each package and version its type, description, dependencies,
 * supported crowd range, tarball path (relative to the index file), tarball sha256 and
 * size, and the content digest. Written with sorted keys and no timestamp so that packing
 * the same plugins twice gives the same bytes.
 */
import * as fs from 'node:fs'
import semver from 'semver'
import {CrowdError, CrowdErrorList} from '../model/errors.js'
import {parsePermissions, permissionsTable} from '../sandbox/permissions.js'
import {isPackageName, SERVED_TYPE} from './manifest.js'
import {PACKAGE_TYPES, type IndexVersion, type Permissions, type SourceIndex} from './types.js'

export const INDEX_FILE = 'hub-index.json'
export const INDEX_FORMAT = 1

/** One version as hub-index.json stores it: permissions in the manifest's [permissions] format. */
export type IndexFileVersion = Omit<IndexVersion, 'name' | 'version' | 'permissions'> & {permissions?: Record<string, unknown>}

export interface HubIndexFile {
  format: number
  packages: Record<string, {type: string; description: string; latest: string; versions: Record<string, IndexFileVersion>}>
}

export function readHubIndex(file: string): SourceIndex {
  let text: string
  try {
    text = fs.readFileSync(file, 'utf8')
  } catch (error) {
    throw new CrowdError('hub', `cannot read hub index: ${(error as NodeJS.ErrnoException).code ?? String(error)}`, {file})
  }
  return parseHubIndex(text, file)
}

export function parseHubIndex(text: string, file: string): SourceIndex {
  let raw: unknown
  try {
    raw = JSON.parse(text)
  } catch (error) {
    throw new CrowdError('hub', `hub index is not valid JSON: ${(error as Error).message}`, {file})
  }
  const bad = (why: string): never => {
    throw new CrowdError('hub', `hub index: ${why}`, {file})
  }
  if (raw === null || typeof raw !== 'object') bad('not an object')
  const r = raw as Partial<HubIndexFile>
  if (r.format !== INDEX_FORMAT) bad(`unsupported format ${JSON.stringify(r.format)} (this crowd reads format ${INDEX_FORMAT})`)
  if (r.packages === null || typeof r.packages !== 'object') bad('"packages" must be an object')
  const packages: SourceIndex['packages'] = Object.create(null)
  for (const [name, pkg] of Object.entries(r.packages!)) {
    if (!isPackageName(name)) bad(`bad package name ${JSON.stringify(name)}`)
    if (pkg === null || typeof pkg !== 'object' || pkg.versions === null || typeof pkg.versions !== 'object') bad(`${name}: "versions" must be an object`)
    const versions: Record<string, IndexVersion> = Object.create(null)
    for (const [version, v] of Object.entries(pkg.versions)) {
      if (semver.valid(version) !== version) bad(`${name}: bad version ${JSON.stringify(version)}`)
      if (!(PACKAGE_TYPES as readonly string[]).includes(v.type)) bad(`${name}@${version}: bad type ${JSON.stringify(v.type)}`)
      if (v.sha256 !== undefined && !/^[0-9a-f]{64}$/.test(v.sha256)) bad(`${name}@${version}: bad sha256`)
      if (v.contentSha256 !== undefined && !/^[0-9a-f]{64}$/.test(v.contentSha256)) bad(`${name}@${version}: bad contentSha256`)
      const dependencies: Record<string, string> = Object.create(null)
      for (const [d, range] of Object.entries(v.dependencies ?? {})) {
        if (!isPackageName(d) || typeof range !== 'string' || semver.validRange(range) === null) bad(`${name}@${version}: bad dependency ${d}`)
        dependencies[d] = range
      }
      if (v.main !== undefined && (typeof v.main !== 'string' || !v.main.endsWith('.js'))) bad(`${name}@${version}: bad main ${JSON.stringify(v.main)}`)
      if (v.serves !== undefined && (!Array.isArray(v.serves) || v.serves.some((t) => typeof t !== 'string' || !SERVED_TYPE.test(t)))) bad(`${name}@${version}: bad serves`)
      const {permissions: table, ...rest} = v
      const entry: IndexVersion = {...rest, name, version, dependencies, description: v.description ?? '', crowd: v.crowd ?? '*'}
      if (table !== undefined) entry.permissions = indexPermissions(table, `${name}@${version}`, file)
      versions[version] = entry
    }
    packages[name] = versions
  }
  return {packages, skipped: []}
}

function indexPermissions(table: unknown, label: string, file: string): Permissions {
  try {
    return parsePermissions(table, file)
  } catch (error) {
    if (!(error instanceof CrowdError || error instanceof CrowdErrorList)) throw error
    const first = error instanceof CrowdErrorList ? error.errors[0]! : error
    throw new CrowdError('hub', `hub index: ${label}: ${first.reason}`, {file})
  }
}

export function serializeHubIndex(index: SourceIndex): string {
  const out: HubIndexFile = {format: INDEX_FORMAT, packages: {}}
  for (const name of Object.keys(index.packages).sort()) {
    const versions = index.packages[name]
    const sorted = Object.keys(versions).sort(semver.compare)
    const latest = versions[sorted[sorted.length - 1]]
    const vs: HubIndexFile['packages'][string]['versions'] = {}
    for (const version of sorted) {
      const {name: _n, version: _v, permissions, ...rest} = versions[version]
      vs[version] = permissions === undefined ? rest : {...rest, permissions: permissionsTable(permissions)}
    }
    out.packages[name] = {type: latest.type, description: latest.description, latest: latest.version, versions: vs}
  }
  return JSON.stringify(sortKeys(out), null, 2) + '\n'
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys)
  if (value === null || typeof value !== 'object') return value
  const out: Record<string, unknown> = {}
  for (const k of Object.keys(value).sort()) {
    const v = (value as Record<string, unknown>)[k]
    if (v !== undefined) out[k] = sortKeys(v)
  }
  return out
}

/** Entry of a manifest-derived index version, without the tarball fields. */
export function indexVersionOf(m: import('./types.js').Manifest): IndexVersion {
  const v: IndexVersion = {
    name: m.name,
    version: m.version,
    type: m.type,
    description: m.description,
    crowd: m.crowd,
    dependencies: {...m.dependencies},
  }
  if (m.stage !== undefined) v.stage = m.stage
  const dataFiles = Object.keys(m.data).sort()
  if (dataFiles.length > 0) v.dataFiles = dataFiles
  if (m.main !== undefined) v.main = m.main
  if (m.serves !== undefined) v.serves = [...m.serves]
  if (m.permissions !== undefined) v.permissions = m.permissions
  return v
}
