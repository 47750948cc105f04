import {Args} from '@oclif/core'
import {CrowdCommand} from '../../cli/base-command.js'
import {CrowdError} from '../../model/errors.js'
import {readStatus, statusFile, type BouncerStatus} from '../../outputs/bouncers/index.js'

export type BouncerStatusResult = BouncerStatus

export default class BouncerStatusCommand extends CrowdCommand<typeof BouncerStatusCommand, BouncerStatusResult> {
  static override summary = 'Show what a bouncer last did: last sync, values blocked, totals, last error.'
  static override description = 'Reads <data dir>/bouncers/NAME.status.json, which crowd bouncer run keeps up to date. Exit code 5 when the bouncer never ran.'
  static override args = {name: Args.string({description: 'the bouncer configuration name', required: true})}
  static override examples = ['<%= config.bin %> bouncer status firewall', '<%= config.bin %> bouncer status firewall --json']

  async run(): Promise<BouncerStatusResult> {
    const config = this.crowdConfig
    if (!/^[A-Za-z0-9][A-Za-z0-9_.-]*$/.test(this.args.name)) throw new CrowdError('usage', `"${this.args.name}" is not a bouncer name (letters, digits, _ . -)`)
    const status = readStatus(config.dataDir, this.args.name)
    if (status === undefined) throw new CrowdError('not-found', `bouncer '${this.args.name}' has no status: it never ran here (${statusFile(config.dataDir, this.args.name)})`)
    const t = status.totals
    const lines = [
      `bouncer      ${status.name} (type ${status.type}, package ${status.package}, pid ${status.pid})`,
      `lapi         ${status.apiUrl}`,
      `last sync    ${status.lastSync ?? 'never'}${status.inSync ? '' : ' (the plugin is behind: retrying)'}`,
      `blocked      ${status.blocked} value(s), ${status.decisions} decision(s)`,
      `totals       ${t.polls} polls, ${t.added} added, ${t.deleted} deleted, ${t.expired} expired, ${t.filtered} filtered, ${t.garbage} garbage`,
      `errors       ${t.lapiErrors} lapi, ${t.pluginErrors} plugin${status.lastError === null ? '' : `; last ${status.lastError.at} (${status.lastError.kind}): ${status.lastError.message}`}`,
    ]
    this.out(lines.join('\n'))
    return status
  }
}
