import {Flags} from '@oclif/core'
import {CrowdCommand} from '../../cli/base-command.js'
import {hubUpdate, type UpdateResult} from '../../hub/index.js'

export type HubUpdateResult = UpdateResult

export default class HubUpdate extends CrowdCommand<typeof HubUpdate, HubUpdateResult> {
  static override summary = 'Refresh the package indexes (https sources are revalidated with their ETag).'
  static override flags = {source: Flags.string({description: 'refresh this source instead of crowd.toml hub.sources'})}
  static override examples = ['<%= config.bin %> hub update', '<%= config.bin %> hub update --source https://hub.example/crowd/']

  async run(): Promise<HubUpdateResult> {
    const result = await hubUpdate({dataDir: this.crowdConfig.dataDir, sources: this.hubSources(this.flags.source), logger: this.logger})
    this.out(result.sources.map((s) => `${s.id}  ${s.kind}  ${s.packages} packages  ${s.refresh}${s.skipped > 0 ? `  (${s.skipped} skipped)` : ''}`).join('\n'))
    return result
  }
}
