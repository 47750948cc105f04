import {CrowdCommand} from '../../cli/base-command.js'
import {asCrowdError} from '../../lapi/client.js'
import {lapiStatus, type LapiStatus} from '../../lapi/status.js'

export default class LapiStatusCommand extends CrowdCommand<typeof LapiStatusCommand, LapiStatus> {
  static override summary = 'Check the Local API: log in to the configured remote one, or report the local store and server.'
  static override examples = ['<%= config.bin %> lapi status', '<%= config.bin %> lapi status --json']

  async run(): Promise<LapiStatus> {
    const status = await lapiStatus(this.crowdConfig).catch((error: unknown) => {
      throw asCrowdError(error, 'lapi')
    })
    if (status.mode === 'remote') {
      this.out(`logged in to ${status.url} as '${status.machine}' (token until ${status.token_expire})`)
    } else {
      const s = status.store!
      this.out([
        `store        ${s.engine} ${s.location} (schema ${s.schema_version})`,
        `contents     ${s.machines} machines, ${s.bouncers} bouncers, ${s.active_decisions} active decisions`,
        `server       ${status.reachable ? 'answering' : 'not answering'} on ${status.url}`,
      ].join('\n'))
    }
    return status
  }
}
