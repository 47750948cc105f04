import {Flags} from '@oclif/core'
import {CrowdCommand} from '../../cli/base-command.js'
import {targetFlags, targetOf} from '../../cli/decision-flags.js'
import {stdoutChalk} from '../../cli/stdout-chalk.js'
import {withAlertsApi} from '../../lapi/client.js'
import {listDecisions, type FlatDecision} from '../../lapi/decisions-admin.js'
import {table} from '../../outputs/table.js'

export default class DecisionsList extends CrowdCommand<typeof DecisionsList, FlatDecision[]> {
  static override summary = 'List active decisions (every match; --limit N for fewer).'
  static override flags = {
    ...targetFlags,
    limit: Flags.integer({description: 'at most this many decisions', min: 1}),
    all: Flags.boolean({description: 'include expired decisions still in the store', char: 'a'}),
  }
  static override examples = ['<%= config.bin %> decisions list', '<%= config.bin %> decisions list --ip 192.0.2.7 --json', '<%= config.bin %> decisions list --origin cscli --limit 20']

  async run(): Promise<FlatDecision[]> {
    const rows = await withAlertsApi(this.crowdConfig, this.logger, (api) => listDecisions(api, targetOf(this.flags), {limit: this.flags.limit, includeExpired: this.flags.all}))
    this.out(table(stdoutChalk(this.jsonEnabled()), ['ID', 'SOURCE', 'SCOPE:VALUE', 'REASON', 'ACTION', 'EXPIRATION', 'ALERT ID'],
      rows.map((d) => [String(d.id), d.origin, `${d.scope}:${d.value}`, d.scenario, d.type + (d.simulated ? ' (simulated)' : ''), d.duration, String(d.alert_id)])))
    return rows
  }
}
