/**
 * A directory that holds a hub-index.json and the tarballs it names (what `crowd hub pack
 * --out DIR --index DIR/hub-index.json` writes, or a copy of a published hub).
 */
import * as fs from 'node:fs'
import * as path from 'node:path'
import {CrowdError} from '../../model/errors.js'
import {INDEX_FILE, readHubIndex} from '../hub-index.js'
import {sha256} from '../integrity.js'
import {readTarball} from '../tarball.js'
import type {HubSource, IndexVersion, PackageContent, SourceIndex} from '../types.js'
import {contentFromFiles} from './package-content.js'

export class DirectorySource implements HubSource {
  readonly kind = 'directory' as const
  readonly id: string
  constructor(readonly dir: string) {
    this.id = path.resolve(dir)
  }

  async loadIndex(): Promise<SourceIndex> {
    return readHubIndex(path.join(this.dir, INDEX_FILE))
  }

  async fetchPackage(entry: IndexVersion): Promise<PackageContent> {
    if (entry.tarball === undefined || entry.sha256 === undefined) throw new CrowdError('hub', `${entry.name}@${entry.version}: the index names no tarball and sha256`)
    const file = path.resolve(this.dir, entry.tarball)
    let bytes: Buffer
    try {
      bytes = fs.readFileSync(file)
    } catch (error) {
      throw new CrowdError('hub', `cannot read tarball: ${(error as NodeJS.ErrnoException).code ?? String(error)}`, {file})
    }
    return verifyTarball(bytes, entry, file)
  }
}

export function verifyTarball(bytes: Buffer, entry: IndexVersion, label: string): PackageContent {
  const digest = sha256(bytes)
  if (digest !== entry.sha256) {
    throw new CrowdError('hub', `${entry.name}@${entry.version}: sha256 mismatch (index ${entry.sha256}, tarball ${digest}); refusing to install`, {file: label})
  }
  return contentFromFiles(readTarball(bytes, label), entry, label)
}
