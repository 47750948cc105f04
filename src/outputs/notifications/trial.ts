/**
 * `crowd notifications test`: the alerts cut into the messages the dispatcher would send (chunks of
 * group_threshold, of 1 when it is 0), each rendered with the notification's format, then either
 * shown (dry run: the text exactly as it would be sent) or sent once each through the deliverer of
 * its type, within its timeout. No retry: a test says at once whether the receiver takes it.
 */
import {withAlertUuid} from '../../model/alert-uuid.js'
import type {Alert} from '../../model/alert.js'
import {alertsTemplateData, type RenderOptions} from '../../template/index.js'
import {resolveNotifications} from './config.js'
import {attemptDelivery, REAL_CLOCK} from './delivery.js'
import type {LoadedNotification, NotifierResolver} from './types.js'

export interface NotificationTestChunk {
  /** Alerts in this message. */
  alerts: number
  /** The rendered text, byte for byte what the plugin is given. */
  text: string
  /** Sent: whether the receiver took it (absent on a dry run). */
  sent?: boolean
  error?: string
}

export interface NotificationTestResult {
  notification: string
  type: string
  dry_run: boolean
  /** `sample` (the built-in alert) or the alerts file. */
  alerts_from: string
  chunks: NotificationTestChunk[]
}

export interface NotificationTestOptions {
  dryRun: boolean
  resolver: NotifierResolver
  alertsFrom: string
  render?: Pick<RenderOptions, 'ctiLookup' | 'hostname'>
}

/** Renders (and unless dry-running, sends) the messages of `alerts`; a render error is a CrowdError naming the format's line. */
export async function testNotification(loaded: LoadedNotification, given: readonly Alert[], options: NotificationTestOptions): Promise<NotificationTestResult> {
  // as `scan --notify` sends them: alerts without a UUID (a scan's) get the one derived from what they are
  const alerts = given.map(withAlertUuid)
  // before rendering: a missing plugin is a configuration error whatever the alerts
  const notification = options.dryRun ? undefined : resolveNotifications([loaded], [loaded.name], options.resolver)[0]!
  const size = Math.max(1, loaded.groupThreshold)
  const chunks: {alerts: Alert[]; text: string}[] = []
  for (let i = 0; i < alerts.length; i += size) {
    const part = alerts.slice(i, i + size)
    chunks.push({alerts: part, text: loaded.template.render(alertsTemplateData(part), options.render)})
  }
  const result: NotificationTestResult = {notification: loaded.name, type: loaded.config.type, dry_run: options.dryRun, alerts_from: options.alertsFrom, chunks: []}
  for (const chunk of chunks) {
    const out: NotificationTestChunk = {alerts: chunk.alerts.length, text: chunk.text}
    if (notification !== undefined) {
      try {
        await attemptDelivery(notification, chunk.text, chunk.alerts, new AbortController().signal, REAL_CLOCK)
        out.sent = true
      } catch (error) {
        out.sent = false
        out.error = (error as Error).message
      }
    }
    result.chunks.push(out)
  }
  return result
}
