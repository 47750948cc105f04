import {Args, Flags} from '@oclif/core'
import {CrowdCommand} from '../../cli/base-command.js'
import {withStore} from '../../lapi/client.js'
import {addMachine, type AddMachineResult} from '../../lapi/admin.js'

export default class MachinesAdd extends CrowdCommand<typeof MachinesAdd, AddMachineResult> {
  static override summary = 'Add a validated machine (watcher) that can log in to the Local API.'
  static override args = {name: Args.string({description: 'machine id', required: true})}
  static override flags = {
    password: Flags.string({description: 'its password', exclusive: ['auto']}),
    auto: Flags.boolean({description: 'generate a random password (printed once)'}),
    role: Flags.option({description: 'watcher, or admin (may write through the console)', options: ['watcher', 'admin'] as const, default: 'watcher'})(),
    file: Flags.string({description: "also write CrowdSec's local_api_credentials.yaml (url, login, password) to this file"}),
    url: Flags.string({description: 'the LAPI URL written into --file', default: 'http://127.0.0.1:8080/'}),
    force: Flags.boolean({description: 'reset the password of an existing machine'}),
  }
  static override examples = ['<%= config.bin %> machines add web01 --password s3cret', '<%= config.bin %> machines add web01 --auto --file /etc/crowdsec/local_api_credentials.yaml --json']

  async run(): Promise<AddMachineResult> {
    if (this.flags.password === undefined && !this.flags.auto) this.error('give --password P or --auto', {exit: 2})
    const result = await withStore(this.crowdConfig, (store) =>
      addMachine(store, {name: this.args.name, password: this.flags.password, role: this.flags.role, credentialsFile: this.flags.file, url: this.flags.url, force: this.flags.force}))
    this.out(`machine '${result.machine_id}' added (${result.role})${result.password === undefined ? '' : `, password: ${result.password}`}${result.credentials_file ? `, credentials in ${result.credentials_file}` : ''}`)
    return result
  }
}
