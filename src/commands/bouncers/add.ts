import {Args, Flags} from '@oclif/core'
import {CrowdCommand} from '../../cli/base-command.js'
import {withStore} from '../../lapi/client.js'
import {addBouncer} from '../../lapi/admin.js'

export interface BouncersAddResult {
  name: string
  api_key: string
}

export default class BouncersAdd extends CrowdCommand<typeof BouncersAdd, BouncersAddResult> {
  static override summary = 'Add a bouncer and print its API key (shown once; only its hash is stored).'
  static override args = {name: Args.string({description: 'bouncer name', required: true})}
  static override flags = {key: Flags.string({description: 'use this API key instead of a random one'})}
  static override examples = ['<%= config.bin %> bouncers add firewall', '<%= config.bin %> bouncers add nginx --json']

  async run(): Promise<BouncersAddResult> {
    const result = await withStore(this.crowdConfig, (store) => addBouncer(store, this.args.name, this.flags.key))
    this.out(`API key for '${result.name}':\n\n   ${result.api_key}\n\nKeep it: it cannot be shown again.`)
    return result
  }
}
