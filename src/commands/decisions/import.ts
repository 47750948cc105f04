import {Args, Flags} from '@oclif/core'
import {CrowdCommand} from '../../cli/base-command.js'
import {withAlertsApi} from '../../lapi/client.js'
import {importDecisions, readImportFile} from '../../lapi/decisions-admin.js'

export default class DecisionsImport extends CrowdCommand<typeof DecisionsImport, {imported: number; alerts: string[]}> {
  static override summary = 'Import decisions from a CSV or JSON file (as cscli), or one value per line; all or nothing.'
  static override args = {file: Args.string({description: 'the file to import', required: true})}
  static override flags = {
    format: Flags.option({description: 'file format (auto: by extension and content)', options: ['auto', 'json', 'csv', 'values'] as const, default: 'auto'})(),
    duration: Flags.string({description: 'duration for rows without one', default: '4h'}),
    type: Flags.string({description: 'type for rows without one', default: 'ban'}),
    scope: Flags.string({description: 'scope for rows without one', default: 'Ip'}),
    reason: Flags.string({description: 'reason for rows without one', default: 'manual import'}),
  }
  static override examples = ['<%= config.bin %> decisions import bans.csv', '<%= config.bin %> decisions import ips.txt --format values --duration 24h']

  async run(): Promise<{imported: number; alerts: string[]}> {
    const f = this.flags
    const rows = readImportFile(this.args.file, f.format, {duration: f.duration, type: f.type, scope: f.scope, reason: f.reason})
    const result = await withAlertsApi(this.crowdConfig, this.logger, (api) => importDecisions(api, rows, this.args.file))
    this.out(`${result.imported} decision${result.imported === 1 ? '' : 's'} imported`)
    return result
  }
}
