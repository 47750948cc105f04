import {Flags} from '@oclif/core'
import {CrowdCommand} from '../../cli/base-command.js'
import {ctiStatus, type CtiStatus} from '../../cti/client/index.js'
import {withStore} from '../../lapi/client.js'

export default class CtiStatusCommand extends CrowdCommand<typeof CtiStatusCommand, CtiStatus> {
  static override summary = 'Show the link to the central API: registration, a login attempt, the signal queue, the last push and pull, community decisions held.'
  static override description =
    'Reads [cti] credentials and the store ([store] url): signals waiting to be pushed (kept while the central API cannot be reached), ' +
    'signals pushed and dropped (past [cti] queue_limit), the last push, pull and metrics report, the last error, and the active decisions of origin CAPI. ' +
    'Exit code 1 when the LAPI is registered but the login fails.'
  static override flags = {
    'no-login': Flags.boolean({description: 'do not try to log in to the central API'}),
  }
  static override examples = ['<%= config.bin %> cti status', '<%= config.bin %> cti status --json']

  async run(): Promise<CtiStatus> {
    const config = this.crowdConfig.ctiAgent
    const s = await withStore(this.crowdConfig, (store) => ctiStatus({config, store, login: !this.flags['no-login']}))
    const lines: string[] = []
    if (!s.registered) lines.push(`not registered to a central API (no ${s.credentials}; run crowd cti register URL)`)
    else {
      lines.push(`central API: ${s.url} as '${s.machine_id}'`)
      if (s.login !== undefined) lines.push(`login: ${s.login.ok ? `ok (${s.login.api})` : `FAILED: ${s.login.error}`}`)
    }
    lines.push(`sharing: ${s.sharing ? 'on' : 'off'}, pull: ${s.pull ? 'on' : 'off'}`)
    lines.push(`signals queued: ${s.queue}, pushed: ${s.pushed}, dropped: ${s.dropped}`)
    lines.push(`last push: ${s.last_push ?? 'never'}, last pull: ${s.last_pull ?? 'never'}, last metrics: ${s.last_metrics ?? 'never'}`)
    if (s.last_error !== null) lines.push(`last error: ${s.last_error}`)
    lines.push(`community decisions (origin CAPI): ${s.capi_decisions}`)
    this.out(lines.join('\n'))
    if (s.login !== undefined && !s.login.ok) process.exitCode = 1
    return s
  }
}
