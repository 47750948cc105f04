/**
 * `crowd hub pack`: every plugins/<author>/<name>/ becomes a reproducible tarball
 * `<out>/<author>/<name>/<name>-<version>.tgz`, and hub-index.json is rewritten to list it.
 * Versions already in the index stay listed while their tarball is still in <out> with the
 * same sha256, so a published directory keeps its history.
 */
import * as fs from 'node:fs'
import * as path from 'node:path'
import {CrowdError, CrowdErrorList} from '../model/errors.js'
import {writeFileAtomic} from '../platform/files.js'
import {indexVersionOf, parseHubIndex, serializeHubIndex} from './hub-index.js'
import {contentDigest, sha256} from './integrity.js'
import {listPackageDirs, readPackageDir} from './package-dir.js'
import {writeTarball} from './tarball.js'
import type {IndexVersion, SourceIndex} from './types.js'

export interface PackOptions {
  pluginsDir: string
  outDir: string
  indexFile: string
  /** Compute only; report whether hub-index.json is up to date; write nothing. */
  check?: boolean
}

export interface PackedPackage {
  name: string
  version: string
  tarball: string
  sha256: string
  size: number
  /** The tarball did not exist or had other bytes. */
  changed: boolean
}

export interface PackResult {
  indexFile: string
  outDir: string
  packages: PackedPackage[]
  /** Older versions kept from the previous index. */
  kept: string[]
  indexChanged: boolean
  upToDate: boolean
  warnings: string[]
  check: boolean
}

export function packPlugins(options: PackOptions): PackResult {
  const indexDir = path.dirname(path.resolve(options.indexFile))
  const outDir = path.resolve(options.outDir)
  const warnings: string[] = []
  const errors: CrowdError[] = []
  let previous: SourceIndex = {packages: Object.create(null), skipped: []}
  let previousText: string | undefined
  if (fs.existsSync(options.indexFile)) {
    previousText = fs.readFileSync(options.indexFile, 'utf8')
    try {
      previous = parseHubIndex(previousText, options.indexFile)
    } catch (error) {
      warnings.push(`previous index ignored: ${(error as Error).message}`)
    }
  }

  const index: SourceIndex = {packages: Object.create(null), skipped: []}
  const packed: PackedPackage[] = []
  const writes: [string, Buffer][] = []
  for (const dir of listPackageDirs(options.pluginsDir)) {
    let pkg
    try {
      pkg = readPackageDir(dir)
    } catch (error) {
      if (error instanceof CrowdErrorList) errors.push(...error.errors)
      else if (error instanceof CrowdError) errors.push(error)
      else throw error
      continue
    }
    warnings.push(...pkg.warnings)
    const m = pkg.manifest
    if (index.packages[m.name] !== undefined) {
      errors.push(new CrowdError('hub', `package ${m.name} is defined twice`, {file: dir}))
      continue
    }
    const tgz = writeTarball(pkg.files)
    const [author, name] = m.name.split('/')
    const tarPath = path.join(outDir, author, name, `${name}-${m.version}.tgz`)
    const entry: IndexVersion = {
      ...indexVersionOf(m),
      tarball: path.relative(indexDir, tarPath).split(path.sep).join('/'),
      sha256: sha256(tgz),
      size: tgz.length,
      contentSha256: contentDigest(pkg.files),
    }
    const before = previous.packages[m.name]?.[m.version]
    if (before?.contentSha256 !== undefined && before.contentSha256 !== entry.contentSha256) {
      warnings.push(`${m.name}@${m.version}: content changed without a version bump`)
    }
    const existing = fs.existsSync(tarPath) ? fs.readFileSync(tarPath) : undefined
    const changed = existing === undefined || !existing.equals(tgz)
    if (changed) writes.push([tarPath, tgz])
    packed.push({name: m.name, version: m.version, tarball: entry.tarball!, sha256: entry.sha256!, size: entry.size!, changed})
    index.packages[m.name] = Object.create(null)
    index.packages[m.name][m.version] = entry
  }
  if (errors.length === 1) throw errors[0]
  if (errors.length > 1) throw new CrowdErrorList(errors)

  const kept: string[] = []
  for (const [name, versions] of Object.entries(previous.packages)) {
    for (const [version, entry] of Object.entries(versions)) {
      if (index.packages[name]?.[version] !== undefined || entry.tarball === undefined || entry.sha256 === undefined) continue
      const file = path.resolve(indexDir, entry.tarball)
      if (fs.existsSync(file) && sha256(fs.readFileSync(file)) === entry.sha256) {
        index.packages[name] ??= Object.create(null)
        index.packages[name][version] = entry
        kept.push(`${name}@${version}`)
      }
    }
  }

  const text = serializeHubIndex(index)
  const indexChanged = text !== previousText
  // The committed artefact is the index; tarballs are rebuilt from it byte for byte, so only the index is checked.
  const upToDate = !indexChanged
  if (!options.check) {
    for (const [file, bytes] of writes) {
      fs.mkdirSync(path.dirname(file), {recursive: true})
      writeFileAtomic(file, bytes, 0o644)
    }
    if (indexChanged) writeFileAtomic(options.indexFile, text, 0o644)
  }
  return {indexFile: options.indexFile, outDir, packages: packed, kept: kept.sort(), indexChanged, upToDate, warnings, check: Boolean(options.check)}
}
