import {Args, Flags} from '@oclif/core'
import {CrowdCommand} from '../../cli/base-command.js'
import {hubInspect, type InspectResult} from '../../hub/index.js'
import {renderInspect} from '../../hub/render.js'

export type HubInspectResult = InspectResult

export default class HubInspect extends CrowdCommand<typeof HubInspect, HubInspectResult> {
  static override summary = 'Show a package: versions, dependencies, installed files and whether they were changed locally.'
  static override args = {name: Args.string({description: 'package name', required: true})}
  static override flags = {source: Flags.string({description: 'look in this source instead of crowd.toml hub.sources'})}
  static override examples = ['<%= config.bin %> hub inspect crowd/sshd-logs']

  async run(): Promise<HubInspectResult> {
    const result = await hubInspect({dataDir: this.crowdConfig.dataDir, sources: this.hubSources(this.flags.source), name: this.args.name, logger: this.logger})
    this.out(renderInspect(result))
    return result
  }
}
