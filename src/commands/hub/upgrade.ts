import {Args, Flags} from '@oclif/core'
import {CrowdCommand} from '../../cli/base-command.js'
import {canPrompt, hubUpgrade, promptGrant, type PlanResult} from '../../hub/index.js'
import {runListrTasks, shouldShowProgress} from '../../hub/listr-tasks.js'
import {renderPlan} from '../../hub/render.js'

export type HubUpgradeResult = PlanResult

export default class HubUpgrade extends CrowdCommand<typeof HubUpgrade, HubUpgradeResult> {
  static override summary = 'Upgrade installed packages (all, or the ones named) to the newest versions that fit.'
  static override description = 'Locally modified (tainted) packages are left alone unless --force. A new version that asks for permissions beyond what was granted shows what it adds and needs --yes (or a yes at the prompt on a terminal).'
  static override strict = false
  static override args = {names: Args.string({description: 'installed package names (default: all)'})}
  static override flags = {
    source: Flags.string({description: 'upgrade from this source (default: crowd.toml hub.sources plus the source each item came from)'}),
    'dry-run': Flags.boolean({description: 'print the plan, change nothing'}),
    yes: Flags.boolean({
      char: 'y',
      description: 'grant the permissions notification and bouncer packages ask (needed off a terminal; on one you are asked)',
    }),
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
      yes: this.flags.yes,
      confirm: canPrompt() ? (steps) => promptGrant(steps, {input: process.stdin, output: process.stderr}) : undefined,
      logger: this.logger,
      runTasks: shouldShowProgress(this.jsonEnabled()) ? runListrTasks : undefined,
    })
    this.out(renderPlan(result))
    return result
  }
}
