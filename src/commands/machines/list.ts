import {CrowdCommand} from '../../cli/base-command.js'
import {stdoutChalk} from '../../cli/stdout-chalk.js'
import {withStore} from '../../lapi/client.js'
import {machineView, type MachineView} from '../../lapi/admin.js'
import {table} from '../../outputs/table.js'

export default class MachinesList extends CrowdCommand<typeof MachinesList, MachineView[]> {
  static override summary = 'List the machines (watchers) of the store.'
  static override examples = ['<%= config.bin %> machines list', '<%= config.bin %> machines list --json']

  async run(): Promise<MachineView[]> {
    const machines = (await withStore(this.crowdConfig, (store) => store.listMachines())).map(machineView)
    this.out(table(stdoutChalk(this.jsonEnabled()), ['NAME', 'IP', 'VALIDATED', 'ROLE', 'VERSION', 'LAST HEARTBEAT'],
      machines.map((m) => [m.machine_id, m.ip_address, m.is_validated ? 'yes' : 'no', m.role, m.version, m.last_heartbeat ?? '-'])))
    return machines
  }
}
