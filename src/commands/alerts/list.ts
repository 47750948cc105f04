import {Flags} from '@oclif/core'
import {CrowdCommand} from '../../cli/base-command.js'
import {targetFlags} from '../../cli/decision-flags.js'
import {stdoutChalk} from '../../cli/stdout-chalk.js'
import {withAlertsApi} from '../../lapi/client.js'
import type {AlertJson} from '../../lapi/client.js'
import {table} from '../../outputs/table.js'

export default class AlertsList extends CrowdCommand<typeof AlertsList, AlertJson[]> {
  static override summary = 'List alerts in the LAPI shape, with their decisions (every match; --limit N for fewer).'
  static override flags = {
    ...targetFlags,
    since: Flags.string({description: 'started at most this long ago (4h, 7d)'}),
    until: Flags.string({description: 'started at least this long ago'}),
    'has-decision': Flags.boolean({description: 'only alerts with an active decision', allowNo: true}),
    limit: Flags.integer({description: 'at most this many alerts (newest first)', min: 1}),
  }
  static override examples = ['<%= config.bin %> alerts list', '<%= config.bin %> alerts list --scenario crowdsecurity/ssh-bf --since 24h --json']

  async run(): Promise<AlertJson[]> {
    const f = this.flags
    const q = new URLSearchParams()
    const set = (k: string, v: string | undefined): void => {
      if (v !== undefined) q.set(k, v)
    }
    set('ip', f.ip)
    set('range', f.range)
    set('scope', f.scope)
    set('value', f.value)
    set('decision_type', f.type)
    set('origin', f.origin)
    set('scenario', f.scenario)
    set('since', f.since)
    set('until', f.until)
    if (f['has-decision'] !== undefined) q.set('has_active_decision', String(f['has-decision']))
    q.set('limit', String(f.limit ?? 0))
    const alerts = await withAlertsApi(this.crowdConfig, this.logger, (api) => api.listAlerts(q))
    this.out(table(stdoutChalk(this.jsonEnabled()), ['ID', 'VALUE', 'REASON', 'COUNTRY', 'AS', 'DECISIONS', 'CREATED AT'],
      alerts.map((a) => {
        const s = a.source as Record<string, string>
        const decisions = ((a.decisions as Record<string, string>[] | null) ?? []).map((d) => `${d.type}:${d.duration}`)
        return [String(a.id), `${s.scope}:${s.value}`, String(a.scenario), s.cn ?? '', [s.as_number, s.as_name].filter(Boolean).join(' '), decisions.join(' '), String(a.created_at)]
      })))
    return alerts
  }
}
