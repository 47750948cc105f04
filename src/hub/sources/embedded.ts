/**
 * The default, offline source: the hub-index.json shipped with crowd and the package
 * directories under plugins/. No tarballs are needed: a package directory is read directly
 * and checked against the index's content digest (see docs/hub.md for why).
 * Only the version currently in plugins/ is offered.
 */
import * as path from 'node:path'
import {CrowdError} from '../../model/errors.js'
import {PACKAGE_ROOT} from '../../platform/module-url.js'
import {INDEX_FILE, readHubIndex} from '../hub-index.js'
import {contentDigest} from '../integrity.js'
import {readPackageDir} from '../package-dir.js'
import type {HubSource, IndexVersion, PackageContent, SourceIndex} from '../types.js'
import * as fs from 'node:fs'

export class EmbeddedSource implements HubSource {
  readonly id = 'embedded'
  readonly kind = 'embedded' as const
  constructor(
    readonly root: string = PACKAGE_ROOT,
    readonly pluginsDir: string = path.join(root, 'plugins'),
  ) {}

  async loadIndex(): Promise<SourceIndex> {
    const file = path.join(this.root, INDEX_FILE)
    if (!fs.existsSync(file)) return {packages: Object.create(null), skipped: [`${INDEX_FILE} is missing: run \`crowd hub pack\``]}
    const index = readHubIndex(file)
    const packages: SourceIndex['packages'] = Object.create(null)
    for (const [name, versions] of Object.entries(index.packages)) {
      const current = this.currentVersion(name)
      if (current !== undefined && versions[current] !== undefined) {
        packages[name] = Object.create(null)
        packages[name][current] = versions[current]
      } else {
        index.skipped.push(`${name}: no package directory with a version listed in ${INDEX_FILE}`)
      }
    }
    return {packages, skipped: index.skipped}
  }

  private currentVersion(name: string): string | undefined {
    try {
      return readPackageDir(path.join(this.pluginsDir, ...name.split('/'))).manifest.version
    } catch {
      return undefined
    }
  }

  async fetchPackage(entry: IndexVersion): Promise<PackageContent> {
    const dir = path.join(this.pluginsDir, ...entry.name.split('/'))
    const pkg = readPackageDir(dir)
    if (pkg.manifest.version !== entry.version) {
      throw new CrowdError('hub', `${entry.name}: plugins/ holds version ${pkg.manifest.version}, not ${entry.version}`, {file: dir})
    }
    const digest = contentDigest(pkg.files)
    if (entry.contentSha256 === undefined || digest !== entry.contentSha256) {
      throw new CrowdError('hub', `${entry.name}@${entry.version}: content sha256 mismatch (index ${entry.contentSha256 ?? 'none'}, files ${digest}); refusing to install`, {file: dir})
    }
    return {manifest: pkg.manifest, files: pkg.files, missingData: []}
  }
}
