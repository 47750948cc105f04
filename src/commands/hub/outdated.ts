import {Flags} from '@oclif/core'
import {CrowdCommand} from '../../cli/base-command.js'
import {hubOutdated, type OutdatedResult} from '../../hub/index.js'

export type HubOutdatedResult = OutdatedResult

export default class HubOutdated extends CrowdCommand<typeof HubOutdated, HubOutdatedResult> {
  static override summary = 'List installed packages that have a newer version.'
  static override flags = {source: Flags.string({description: 'compare with this source (default: crowd.toml hub.sources plus each item\'s own source)'})}
  static override examples = ['<%= config.bin %> hub outdated', '<%= config.bin %> hub outdated --json']

  async run(): Promise<HubOutdatedResult> {
    const result = await hubOutdated({dataDir: this.crowdConfig.dataDir, sources: this.hubSources(this.flags.source), logger: this.logger})
    this.out(result.outdated.length === 0 ? 'everything is up to date' : result.outdated.map((o) => `${o.name}  ${o.installed} -> ${o.latest}${o.tainted ? '  (tainted: upgrade needs --force)' : ''}`).join('\n'))
    return result
  }
}
