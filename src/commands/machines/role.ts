import {Args} from '@oclif/core'
import {CrowdCommand} from '../../cli/base-command.js'
import {withStore} from '../../lapi/client.js'
import {MACHINE_ROLES, setMachineRole} from '../../lapi/admin.js'

export type MachinesRoleResult = Awaited<ReturnType<typeof setMachineRole>>

export default class MachinesRole extends CrowdCommand<typeof MachinesRole, MachinesRoleResult> {
  static override summary = 'Give a machine a role: watcher (reads the console) or admin (may also add and delete decisions there).'
  static override description = 'Takes effect at the machine\'s next console request: a console session checks the role on every request.'
  static override args = {
    name: Args.string({description: 'machine id', required: true}),
    role: Args.string({description: 'the new role', required: true, options: [...MACHINE_ROLES]}),
  }
  static override examples = ['<%= config.bin %> machines role alice admin', '<%= config.bin %> machines role alice watcher']

  async run(): Promise<MachinesRoleResult> {
    const result = await withStore(this.crowdConfig, (store) => setMachineRole(store, this.args.name, this.args.role))
    this.out(`machine '${result.machine_id}' is now ${result.role}`)
    return result
  }
}
