/**
 * Reads a package directory (`plugins/<author>/<name>/`): its manifest and exactly the files
 * it ships (the manifest, `files`, the sources of `[data]`, and README.md when present).
 */
import * as fs from 'node:fs'
import * as path from 'node:path'
import {CrowdError, CrowdErrorList} from '../model/errors.js'
import {MANIFEST_FILE, parseManifest} from './manifest.js'
import type {Manifest} from './types.js'

export interface PackageDir {
  dir: string
  manifest: Manifest
  files: Map<string, Buffer>
  warnings: string[]
}

export function readPackageDir(dir: string): PackageDir {
  const manifestPath = path.join(dir, MANIFEST_FILE)
  let text: string
  try {
    text = fs.readFileSync(manifestPath, 'utf8')
  } catch (error) {
    throw new CrowdError('hub', `cannot read package manifest: ${(error as NodeJS.ErrnoException).code ?? String(error)}`, {file: manifestPath})
  }
  const {manifest, warnings} = parseManifest(text, manifestPath)
  const files = new Map<string, Buffer>([[MANIFEST_FILE, Buffer.from(text, 'utf8')]])
  const errors: CrowdError[] = []
  const wanted = [...manifest.files, ...Object.values(manifest.data)]
  if (fs.existsSync(path.join(dir, 'README.md'))) wanted.push('README.md')
  for (const rel of wanted) {
    if (files.has(rel)) continue
    try {
      files.set(rel, fs.readFileSync(path.join(dir, ...rel.split('/'))))
    } catch (error) {
      errors.push(new CrowdError('hub', `package file "${rel}" cannot be read: ${(error as NodeJS.ErrnoException).code ?? String(error)}`, {file: manifestPath}))
    }
  }
  const expected = path.basename(path.dirname(dir)) + '/' + path.basename(dir)
  if (manifest.name !== expected) warnings.push(`${manifestPath}: package "${manifest.name}" lives in directory ${expected}`)
  if (errors.length === 1) throw errors[0]
  if (errors.length > 1) throw new CrowdErrorList(errors)
  return {dir, manifest, files, warnings}
}

/** Every `<author>/<name>` directory under `pluginsDir` that holds a manifest, sorted. */
export function listPackageDirs(pluginsDir: string): string[] {
  const out: string[] = []
  let authors: string[]
  try {
    authors = fs.readdirSync(pluginsDir).sort()
  } catch {
    return out
  }
  for (const author of authors) {
    const authorDir = path.join(pluginsDir, author)
    if (!isDir(authorDir)) continue
    for (const name of fs.readdirSync(authorDir).sort()) {
      const dir = path.join(authorDir, name)
      if (isDir(dir) && fs.existsSync(path.join(dir, MANIFEST_FILE))) out.push(dir)
    }
  }
  return out
}

function isDir(p: string): boolean {
  try {
    return fs.statSync(p).isDirectory()
  } catch {
    return false
  }
}
