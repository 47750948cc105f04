import {Args, Flags} from '@oclif/core'
import {CrowdCommand} from '../../cli/base-command.js'
import {hubUpgrade, type PlanResult} from '../../hub/index.js'
import {runListrTasks, shouldShowProgress} from '../../hub/listr-tasks.js'
import {renderPlan} from '../../hub/render.js'

export type HubUpgradeResult = PlanResult

export default class HubUpgrade extends CrowdCommand<typeof HubUpgrade, HubUpgradeResult> {
  static override summary = 'Upgrade installed packages (all, or the ones named) to the newest versions that fit.'
  static override description = 'Locally modified (tainted) packages are left alone unless --force.'
  static override strict = false
  static override args = {names: Args.string({description: 'installed package names (default: all)'})}
  static override flags = {
    source: Flags.string({description: 'upgrade from this source (default: crowd.toml hub.sources plus the source each item came from)'}),
    'dry-run': Flags.boolean({description: 'print the plan, change nothing'}),
    force: Flags.boolean({description: 'also upgrade tainted packages, replacing local changes'}),
  }
  static override examples = ['<%= config.bin %> hub upgrade', '<%= config.bin %> hub upgrade crowd/sshd-logs --dry-run']

  async run(): Promise<HubUpgradeResult> {
    const {argv} = await this.parse(HubUpgrade)
    const result = await hubUpgrade({
      dataDir: this.crowdConfig.dataDir,
      sources: this.hubSources(this.flags.source),
      names: argv as string[],
      dryRun: this.flags['dry-run'],
      force: this.flags.force,
      logger: this.logger,
      runTasks: shouldShowProgress(this.jsonEnabled()) ? runListrTasks : undefined,
    })
    this.out(renderPlan(result))
    return result
  }
}
