import {Args} from '@oclif/core'
import {CrowdCommand} from '../../cli/base-command.js'
import {withStore} from '../../lapi/client.js'
import {deleteBouncer} from '../../lapi/admin.js'

export type BouncersDeleteResult = Awaited<ReturnType<typeof deleteBouncer>>

export default class BouncersDelete extends CrowdCommand<typeof BouncersDelete, BouncersDeleteResult> {
  static override summary = 'Delete a bouncer: its API key stops working.'
  static override args = {name: Args.string({description: 'bouncer name', required: true})}
  static override examples = ['<%= config.bin %> bouncers delete firewall']

  async run(): Promise<BouncersDeleteResult> {
    const result = await withStore(this.crowdConfig, (store) => deleteBouncer(store, this.args.name))
    this.out(`bouncer '${this.args.name}' deleted`)
    return result
  }
}
