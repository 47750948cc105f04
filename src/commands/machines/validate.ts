import {Args} from '@oclif/core'
import {CrowdCommand} from '../../cli/base-command.js'
import {withStore} from '../../lapi/client.js'
import {validateMachine} from '../../lapi/admin.js'

export type MachinesValidateResult = Awaited<ReturnType<typeof validateMachine>>

export default class MachinesValidate extends CrowdCommand<typeof MachinesValidate, MachinesValidateResult> {
  static override summary = 'Validate a machine that registered itself, so that it can log in.'
  static override args = {name: Args.string({description: 'machine id', required: true})}
  static override examples = ['<%= config.bin %> machines validate web01']

  async run(): Promise<MachinesValidateResult> {
    const result = await withStore(this.crowdConfig, (store) => validateMachine(store, this.args.name))
    this.out(`machine '${this.args.name}' validated`)
    return result
  }
}
