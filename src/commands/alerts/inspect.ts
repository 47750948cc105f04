import {Args} from '@oclif/core'
import {CrowdCommand} from '../../cli/base-command.js'
import {withAlertsApi} from '../../lapi/client.js'
import type {AlertJson} from '../../lapi/client.js'

export default class AlertsInspect extends CrowdCommand<typeof AlertsInspect, AlertJson> {
  static override summary = 'Show one alert with its events and decisions.'
  static override args = {id: Args.string({description: 'alert id', required: true})}
  static override examples = ['<%= config.bin %> alerts inspect 12', '<%= config.bin %> alerts inspect 12 --json']

  async run(): Promise<AlertJson> {
    const a = await withAlertsApi(this.crowdConfig, this.logger, (api) => api.getAlert(this.args.id))
    const s = a.source as Record<string, string>
    const lines = [
      `alert ${a.id}  ${a.scenario}  (${a.uuid})`,
      `  source      ${s.scope}:${s.value}${s.cn ? `  ${s.cn}` : ''}${s.as_name ? `  ${s.as_number} ${s.as_name}` : ''}`,
      `  machine     ${a.machine_id}`,
      `  time        ${a.start_at} .. ${a.stop_at} (created ${a.created_at})`,
      `  events      ${a.events_count}   capacity ${a.capacity}   leakspeed ${a.leakspeed}${a.simulated ? '   simulated' : ''}`,
      `  message     ${a.message}`,
    ]
    for (const d of (a.decisions as Record<string, unknown>[] | null) ?? []) lines.push(`  decision    ${d.id}: ${d.type} ${d.scope}:${d.value} for ${d.duration} (${d.origin})`)
    for (const e of (a.events as {timestamp: string; meta: {key?: string; value?: string}[]}[] | null) ?? []) {
      lines.push(`  event       ${e.timestamp}  ${e.meta.map((m) => `${m.key}=${m.value}`).join(' ')}`)
    }
    this.out(lines.join('\n'))
    return a
  }
}
