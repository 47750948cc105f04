import {Args, Flags} from '@oclif/core'
import {CrowdCommand} from '../../cli/base-command.js'
import {canPrompt, hubInstall, promptGrant, type PlanResult} from '../../hub/index.js'
import {runListrTasks, shouldShowProgress} from '../../hub/listr-tasks.js'
import {renderPlan} from '../../hub/render.js'

export type HubInstallResult = PlanResult

export default class HubInstall extends CrowdCommand<typeof HubInstall, HubInstallResult> {
  static override summary = 'Install hub packages and their dependencies (atomically; verified by sha256).'
  static override description = 'Notification and bouncer packages that ask for permissions (network, commands, files, secrets) show them first and need --yes, or a yes at the prompt on a terminal; the grant is recorded.'
  static override strict = false
  static override args = {names: Args.string({description: 'NAME or NAME@RANGE (semver), one or more', required: true})}
  static override flags = {
    source: Flags.string({description: 'install from this source instead of crowd.toml hub.sources: a directory, a CrowdSec hub directory, or an https URL'}),
    'dry-run': Flags.boolean({description: 'print the plan, change nothing'}),
    yes: Flags.boolean({
      char: 'y',
      description: 'grant the permissions notification and bouncer packages ask (needed off a terminal; on one you are asked)',
    }),
    force: Flags.boolean({description: 'reinstall even if installed, and replace locally modified (tainted) files'}),
  }
  static override examples = [
    '<%= config.bin %> hub install crowd/sshd',
    '<%= config.bin %> hub install crowd/sshd-logs@^1.0.0 --dry-run',
    '<%= config.bin %> hub install crowdsecurity/nginx --source ../crowdsec-hub',
    '<%= config.bin %> hub install crowd/notification-slack --yes',
  ]

  async run(): Promise<HubInstallResult> {
    const {argv} = await this.parse(HubInstall)
    const result = await hubInstall({
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
