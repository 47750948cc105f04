import {Args, Flags} from '@oclif/core'
import {CrowdCommand} from '../../cli/base-command.js'
import {ExitCode} from '../../model/exit-codes.js'
import {findNotification, installedDeliverers, loadNotifications, readAlertsFile, sampleAlert, testNotification, type NotificationTestResult} from '../../outputs/notifications/index.js'

export default class NotificationsTest extends CrowdCommand<typeof NotificationsTest, NotificationTestResult> {
  static override summary = 'Render a notification for a sample alert (or the alerts of a file) and send it, or show it with --dry-run.'
  static override description = `Without --alerts, one built-in alert (an SSH brute force with a 4h ban) is used. --alerts takes a JSON list of alerts
as crowd alerts list --json prints them, or a whole crowd scan --json document. The alerts are cut into messages as
the dispatcher cuts them (group_threshold alerts per message, one when it is 0). Each message is sent once, within
the notification's timeout, by the plugin of its type; exit code 4 when one was not delivered. --dry-run prints
each message's text exactly as the plugin would get it (with several messages, a header line for each goes to stderr).`
  static override args = {name: Args.string({description: 'the notification name (its name: key)', required: true})}
  static override flags = {
    alerts: Flags.string({description: 'a JSON file of alerts (crowd alerts list --json, or crowd scan --json)'}),
    'dry-run': Flags.boolean({description: 'print the rendered messages instead of sending them'}),
  }
  static override examples = [
    '<%= config.bin %> notifications test slack_default',
    '<%= config.bin %> notifications test http_default --dry-run',
    '<%= config.bin %> alerts list --json > alerts.json && <%= config.bin %> notifications test email_default --alerts alerts.json',
  ]

  async run(): Promise<NotificationTestResult> {
    const config = this.crowdConfig
    const notification = findNotification(this.args.name, loadNotifications(config.notifications.dirs))
    const file = this.flags.alerts
    const alerts = file === undefined ? [sampleAlert()] : readAlertsFile(file)
    const result = await testNotification(notification, alerts, {
      dryRun: this.flags['dry-run'],
      resolver: await installedDeliverers({dataDir: config.dataDir, logger: this.logger}),
      alertsFrom: file ?? 'sample',
    })
    const many = result.chunks.length > 1
    result.chunks.forEach((chunk, i) => {
      if (result.dry_run) {
        if (many && !this.jsonEnabled()) process.stderr.write(`--- message ${i + 1} of ${result.chunks.length} (${chunk.alerts} alert${chunk.alerts === 1 ? '' : 's'}) ---\n`)
        if (!this.jsonEnabled()) process.stdout.write(chunk.text)
      } else {
        this.out(`message ${i + 1} of ${result.chunks.length} (${chunk.alerts} alert${chunk.alerts === 1 ? '' : 's'}): ${chunk.sent ? 'sent' : `not delivered: ${chunk.error}`}`)
      }
    })
    if (result.chunks.some((c) => c.sent === false)) process.exitCode = ExitCode.service
    return result
  }
}
