import {Args, Flags} from '@oclif/core'
import {CrowdCommand} from '../../cli/base-command.js'
import {readProfiles} from '../../decide/index.js'
import {inspectNotification, installedDeliverers, loadNotifications, type NotificationInspectResult} from '../../outputs/notifications/index.js'

export default class NotificationsInspect extends CrowdCommand<typeof NotificationsInspect, NotificationInspectResult> {
  static override summary = 'Show one notification as crowd reads it: settings, format, plugin options (secrets masked), the profiles that use it.'
  static override description = `Plugin options are shown after environment expansion (\${VAR}, $VAR), with the values of keys that hold secrets
(token, password, key, secret, auth...) replaced by *** and URLs cut to their scheme and host.`
  static override args = {name: Args.string({description: 'the notification name (its name: key)', required: true})}
  static override flags = {
    profiles: Flags.string({description: 'the profiles.yaml whose notifications: are shown (default: [lapi] profiles, else CrowdSec\'s default)'}),
  }
  static override examples = ['<%= config.bin %> notifications inspect slack_default', '<%= config.bin %> notifications inspect http_default --json']

  async run(): Promise<NotificationInspectResult> {
    const config = this.crowdConfig
    const n = inspectNotification(this.args.name, {
      dirs: config.notifications.dirs,
      loaded: loadNotifications(config.notifications.dirs),
      profiles: readProfiles(this.flags.profiles ?? config.lapi.profiles),
      resolver: await installedDeliverers({dataDir: config.dataDir, logger: this.logger}),
    })
    const lines = [
      `${n.name}  (type ${n.type}, ${n.file}:${n.line})`,
      `  plugin           ${n.plugin ? 'installed' : `none serves type '${n.type}'`}`,
      `  profiles         ${n.profiles.join(', ') || '-'}`,
      `  log_level        ${n.log_level ?? '-'}`,
      `  group_wait       ${n.group_wait ?? '-'}`,
      `  group_threshold  ${n.group_threshold}`,
      `  max_retry        ${n.max_retry}${n.max_retry === 0 ? ' (retries for up to 5 minutes)' : ''}`,
      `  timeout          ${n.timeout}`,
      '  options',
      ...Object.entries(n.options).map(([k, v]) => `    ${k}: ${JSON.stringify(v)}`),
      '  format',
      ...n.format.replace(/\n$/, '').split('\n').map((l) => `    ${l}`),
    ]
    this.out(lines.join('\n'))
    return n
  }
}
