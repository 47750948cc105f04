import {Args, Flags} from '@oclif/core'
import {CrowdCommand} from '../../cli/base-command.js'
import {hubRemove, type PlanResult} from '../../hub/index.js'
import {renderPlan} from '../../hub/render.js'

export type HubRemoveResult = PlanResult

export default class HubRemove extends CrowdCommand<typeof HubRemove, HubRemoveResult> {
  static override summary = 'Remove installed packages (refused while an installed collection needs one, unless --force).'
  static override strict = false
  static override args = {names: Args.string({description: 'installed package names', required: true})}
  static override flags = {
    'dry-run': Flags.boolean({description: 'print the plan, change nothing'}),
    force: Flags.boolean({description: 'remove even if needed by another package or modified locally'}),
  }
  static override examples = ['<%= config.bin %> hub remove crowd/sshd', '<%= config.bin %> hub remove crowd/sshd-logs --force']

  async run(): Promise<HubRemoveResult> {
    const {argv} = await this.parse(HubRemove)
    const result = await hubRemove({dataDir: this.crowdConfig.dataDir, names: argv as string[], dryRun: this.flags['dry-run'], force: this.flags.force, logger: this.logger})
    this.out(renderPlan(result))
    return result
  }
}
