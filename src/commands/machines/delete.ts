import {Args} from '@oclif/core'
import {CrowdCommand} from '../../cli/base-command.js'
import {withStore} from '../../lapi/client.js'
import {deleteMachine} from '../../lapi/admin.js'

export type MachinesDeleteResult = Awaited<ReturnType<typeof deleteMachine>>

export default class MachinesDelete extends CrowdCommand<typeof MachinesDelete, MachinesDeleteResult> {
  static override summary = 'Delete a machine: it can no longer log in.'
  static override args = {name: Args.string({description: 'machine id', required: true})}
  static override examples = ['<%= config.bin %> machines delete web01']

  async run(): Promise<MachinesDeleteResult> {
    const result = await withStore(this.crowdConfig, (store) => deleteMachine(store, this.args.name))
    this.out(`machine '${this.args.name}' deleted`)
    return result
  }
}
