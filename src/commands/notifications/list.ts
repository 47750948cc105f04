import {Flags} from '@oclif/core'
import {CrowdCommand} from '../../cli/base-command.js'
import {stdoutChalk} from '../../cli/stdout-chalk.js'
import {readProfiles} from '../../decide/index.js'
import {installedDeliverers, listNotifications, loadNotifications, type NotificationsListResult} from '../../outputs/notifications/index.js'
import {table} from '../../outputs/table.js'

export default class NotificationsList extends CrowdCommand<typeof NotificationsList, NotificationsListResult> {
  static override summary = 'List the notifications (CrowdSec notifications/*.yaml) and the profiles that route alerts to them.'
  static override description = `Reads every *.yaml and *.yml of the notification directories (crowd config show): notifications/ beside crowd.toml,
then in the data dir. A configuration error (with its file and line) fails the command, as it would stop crowd lapi serve.`
  static override flags = {
    profiles: Flags.string({description: 'the profiles.yaml whose notifications: are shown (default: [lapi] profiles, else CrowdSec\'s default)'}),
  }
  static override examples = ['<%= config.bin %> notifications list', '<%= config.bin %> notifications list --json']

  async run(): Promise<NotificationsListResult> {
    const config = this.crowdConfig
    const result = listNotifications({
      dirs: config.notifications.dirs,
      loaded: loadNotifications(config.notifications.dirs),
      profiles: readProfiles(this.flags.profiles ?? config.lapi.profiles),
      resolver: await installedDeliverers({dataDir: config.dataDir, logger: this.logger}),
    })
    const lines = [table(stdoutChalk(this.jsonEnabled()), ['NAME', 'TYPE', 'GROUP WAIT', 'THRESHOLD', 'MAX RETRY', 'TIMEOUT', 'PLUGIN', 'PROFILES', 'FILE'],
      result.notifications.map((n) => [n.name, n.type, n.group_wait ?? '-', String(n.group_threshold), String(n.max_retry), n.timeout, n.plugin ? 'yes' : 'no',
        n.profiles.join(', ') || '-', `${n.file}:${n.line}`]))]
    if (result.notifications.length === 0) lines.splice(0, 1, `No notification configured (read from ${result.directories.join(', ')}).`)
    for (const m of result.missing) lines.push(`profile '${m.profile}' routes to '${m.notification}', which has no configuration`)
    this.out(lines.join('\n'))
    return result
  }
}
