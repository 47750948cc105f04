import * as path from 'node:path'
import {Flags} from '@oclif/core'
import {CrowdCommand} from '../../cli/base-command.js'
import {ExitCode} from '../../model/exit-codes.js'
import {PACKAGE_ROOT, packPlugins, type PackResult} from '../../hub/index.js'

export type HubPackResult = PackResult

export default class HubPack extends CrowdCommand<typeof HubPack, HubPackResult> {
  static override summary = 'Build reproducible tarballs of plugins/<author>/<name>/ and update hub-index.json.'
  static override flags = {
    plugins: Flags.string({description: 'package directories root (default: crowd\'s plugins/)'}),
    out: Flags.string({description: 'where tarballs go (default: hub-dist/ beside the index)'}),
    index: Flags.string({description: 'the hub-index.json to write (default: crowd\'s own)'}),
    check: Flags.boolean({description: 'write nothing; exit 1 if the index or a tarball is out of date'}),
  }
  static override examples = ['<%= config.bin %> hub pack', '<%= config.bin %> hub pack --check', '<%= config.bin %> hub pack --out site/ --index site/hub-index.json']

  async run(): Promise<HubPackResult> {
    const indexFile = path.resolve(this.flags.index ?? path.join(PACKAGE_ROOT, 'hub-index.json'))
    const result = packPlugins({
      pluginsDir: path.resolve(this.flags.plugins ?? path.join(PACKAGE_ROOT, 'plugins')),
      outDir: path.resolve(this.flags.out ?? path.join(path.dirname(indexFile), 'hub-dist')),
      indexFile,
      check: this.flags.check,
    })
    for (const w of result.warnings) this.logger.warn(w)
    this.out(
      [
        ...result.packages.map((p) => `${p.changed ? (result.check ? 'stale ' : 'packed') : 'same  '}  ${p.name}@${p.version}  ${p.size} bytes  sha256 ${p.sha256.slice(0, 12)}`),
        ...result.kept.map((k) => `kept    ${k}`),
        result.check ? (result.upToDate ? 'hub-index.json is up to date' : 'hub-index.json is out of date: run crowd hub pack') : `${result.indexChanged ? 'wrote' : 'unchanged'} ${result.indexFile}`,
      ].join('\n'),
    )
    if (result.check && !result.upToDate) process.exitCode = ExitCode.found
    return result
  }
}
