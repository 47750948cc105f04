import {Flags} from '@oclif/core'
import {CrowdCommand} from '../../cli/base-command.js'
import {targetFlags, targetOf} from '../../cli/decision-flags.js'
import {withAlertsApi} from '../../lapi/client.js'
import {deleteDecisions} from '../../lapi/decisions-admin.js'

export default class DecisionsDelete extends CrowdCommand<typeof DecisionsDelete, {deleted: number}> {
  static override summary = 'Expire decisions now (bouncers see them in their next "deleted" list).'
  static override flags = {
    ...targetFlags,
    id: Flags.string({description: 'the decision with this id'}),
    all: Flags.boolean({description: 'every active decision'}),
  }
  static override examples = ['<%= config.bin %> decisions delete --ip 192.0.2.7', '<%= config.bin %> decisions delete --id 42', '<%= config.bin %> decisions delete --all']

  async run(): Promise<{deleted: number}> {
    const result = await withAlertsApi(this.crowdConfig, this.logger, (api) => deleteDecisions(api, {...targetOf(this.flags), id: this.flags.id, all: this.flags.all}))
    this.out(`${result.deleted} decision${result.deleted === 1 ? '' : 's'} deleted`)
    return result
  }
}
