import {CrowdCommand} from '../../cli/base-command.js'
import {stdoutChalk} from '../../cli/stdout-chalk.js'
import {listBouncers, type BouncersListResult} from '../../outputs/bouncers/index.js'
import {table} from '../../outputs/table.js'

export default class BouncerList extends CrowdCommand<typeof BouncerList, BouncersListResult> {
  static override summary = 'List the bouncer configurations (bouncers/*.yaml), the package each runs and whether it may run.'
  static override description = `Reads bouncers/*.yaml beside crowd.toml, then in the data dir (crowd config show). STATE is ready, or why
it cannot run: no package (install one), several packages, not granted (crowd hub install --force PACKAGE), tainted.
The API keys bouncers use are listed by crowd bouncers list.`
  static override examples = ['<%= config.bin %> bouncer list', '<%= config.bin %> bouncer list --json']

  async run(): Promise<BouncersListResult> {
    const config = this.crowdConfig
    const result = listBouncers(config.bouncers.dirs, config.dataDir)
    if (result.bouncers.length === 0) this.out(`No bouncer configured (read from ${result.directories.join(', ')}).`)
    else {
      this.out(table(stdoutChalk(this.jsonEnabled()), ['NAME', 'TYPE', 'PACKAGE', 'STATE', 'API URL', 'LAST SYNC', 'FILE'],
        result.bouncers.map((b) => [b.name, b.type, b.package ?? '-', b.state, b.apiUrl, b.lastSync ?? '-', b.file])))
    }
    return result
  }
}
