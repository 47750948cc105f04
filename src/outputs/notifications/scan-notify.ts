/**
 * `crowd scan --notify NAME`: the scan's alerts, once it is done, sent to the named notifications,
 * grouped as each configuration says (chunks of group_threshold), with its retries, within a bounded
 * wait. Nothing is kept in the store: what is not delivered in time is reported, never retried later.
 */
import type {Alert} from '../../model/alert.js'
import {withAlertUuid} from '../../model/alert-uuid.js'
import type {Logger} from '../../model/logger.js'
import {loadNotifications, resolveNotifications, type LoadNotificationsOptions} from './config.js'
import {NotificationDispatcher} from './dispatcher.js'
import type {Notification, NotificationFigures, NotifierResolver} from './types.js'

export interface ScanNotifications {
  /** Sends the alerts, waits at most `withinMs`; returns the figures and a warning per notification that did not deliver everything. */
  send(alerts: readonly Alert[], withinMs: number): Promise<{figures: NotificationFigures[]; warnings: string[]}>
}

/** Checks the names before the scan runs (a missing configuration or plugin is a configuration error). */
export function prepareScanNotifications(options: LoadNotificationsOptions & {dirs: readonly string[]; names: readonly string[]; resolver: NotifierResolver; logger?: Logger}): ScanNotifications {
  const notifications: Notification[] = resolveNotifications(loadNotifications(options.dirs, options), options.names, options.resolver)
  return {
    async send(alerts, withinMs) {
      const dispatcher = await NotificationDispatcher.start({notifications, logger: options.logger, maxInMemory: Math.max(1000, alerts.length)})
      const names = notifications.map((n) => n.name)
      // as a watcher's alerts reach notifications with their UUID, a scan's get the one `scan --record` gives them
      for (const alert of alerts) await dispatcher.enqueue(withAlertUuid(alert), names)
      await dispatcher.drain(withinMs)
      const figures = await dispatcher.close({flushWithin: 0})
      const warnings = figures
        .filter((f) => f.delivered < alerts.length)
        .map((f) => `notification '${f.name}': ${alerts.length - f.delivered} of ${alerts.length} alert(s) not delivered (${f.dropped} dropped, ${f.pending} still waiting after ${withinMs / 1000}s, ${f.failed} failed attempt(s))`)
      return {figures, warnings}
    },
  }
}
