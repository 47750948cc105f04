import {CrowdCommand} from '../../cli/base-command.js'
import {stdoutChalk} from '../../cli/stdout-chalk.js'
import {withStore} from '../../lapi/client.js'
import {bouncerView, type BouncerView} from '../../lapi/admin.js'
import {table} from '../../outputs/table.js'

export default class BouncersList extends CrowdCommand<typeof BouncersList, BouncerView[]> {
  static override summary = 'List the bouncers of the store, with their last pull.'
  static override examples = ['<%= config.bin %> bouncers list', '<%= config.bin %> bouncers list --json']

  async run(): Promise<BouncerView[]> {
    const bouncers = (await withStore(this.crowdConfig, (store) => store.listBouncers())).map(bouncerView)
    this.out(table(stdoutChalk(this.jsonEnabled()), ['NAME', 'IP', 'TYPE', 'VERSION', 'LAST PULL'],
      bouncers.map((b) => [b.name, b.ip_address, b.type, b.version, b.last_pull ?? '-'])))
    return bouncers
  }
}
