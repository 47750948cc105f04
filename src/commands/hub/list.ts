import {Flags} from '@oclif/core'
import {CrowdCommand} from '../../cli/base-command.js'
import {hubList, PACKAGE_TYPES, type ListResult, type PackageType} from '../../hub/index.js'
import {renderList} from '../../hub/render.js'

export type HubListResult = ListResult

export default class HubList extends CrowdCommand<typeof HubList, HubListResult> {
  static override summary = 'List installed and available hub packages.'
  static override flags = {
    type: Flags.option({description: 'only this package type', options: [...PACKAGE_TYPES]})(),
    installed: Flags.boolean({description: 'only installed packages (reads no index)'}),
    source: Flags.string({description: 'list this source instead of crowd.toml hub.sources'}),
  }
  static override examples = ['<%= config.bin %> hub list', '<%= config.bin %> hub list --type parser --json']

  async run(): Promise<HubListResult> {
    const result = await hubList({
      dataDir: this.crowdConfig.dataDir,
      sources: this.hubSources(this.flags.source),
      type: this.flags.type as PackageType | undefined,
      installedOnly: this.flags.installed,
      logger: this.logger,
    })
    this.out(renderList(result))
    return result
  }
}
