import {Flags} from '@oclif/core'
import {CrowdCommand} from '../../cli/base-command.js'
import {targetFlags} from '../../cli/decision-flags.js'
import {withAlertsApi} from '../../lapi/client.js'
import {CrowdError} from '../../model/errors.js'

export default class AlertsDelete extends CrowdCommand<typeof AlertsDelete, {deleted: number}> {
  static override summary = 'Delete alerts and their decisions (bouncers are not told; use decisions delete to lift bans).'
  static override flags = {
    ...targetFlags,
    id: Flags.string({description: 'the alert with this id'}),
    all: Flags.boolean({description: 'every alert'}),
  }
  static override examples = ['<%= config.bin %> alerts delete --id 12', '<%= config.bin %> alerts delete --scenario crowdsecurity/ssh-bf']

  async run(): Promise<{deleted: number}> {
    const f = this.flags
    const q = new URLSearchParams()
    const pairs: [string, string | undefined][] = [['ip', f.ip], ['range', f.range], ['scope', f.scope], ['value', f.value], ['decision_type', f.type], ['origin', f.origin], ['scenario', f.scenario]]
    for (const [k, v] of pairs) if (v !== undefined) q.set(k, v)
    if (f.id !== undefined && ([...q.keys()].length > 0 || f.all)) throw new CrowdError('usage', '--id cannot be combined with filters or --all')
    if (f.id === undefined && [...q.keys()].length === 0 && !f.all) throw new CrowdError('usage', 'give a filter, --id N, or --all')
    const deleted = await withAlertsApi(this.crowdConfig, this.logger, (api) => (f.id !== undefined ? api.deleteAlert(f.id) : api.deleteAlerts(q)))
    this.out(`${deleted} alert${deleted === 1 ? '' : 's'} deleted`)
    return {deleted}
  }
}
