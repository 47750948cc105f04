/**
 * Notifications (notifications-and-cti.md §1-§5): CrowdSec's `notifications/*.yaml` loaded as they
 * are, alerts grouped and rendered per configuration, delivered by pluggable deliverers, queued in
 * the store until delivered. See docs/notifications.md and the README of this folder.
 */
import type {Logger} from '../../model/logger.js'
import {checkProfileNotifications, loadNotifications, resolveNotifications, type LoadNotificationsOptions, type ProfileNotifications} from './config.js'
import {NotificationDispatcher, type DispatcherOptions, type NotificationStore} from './dispatcher.js'
import type {NotifierResolver} from './types.js'

export {checkProfileNotifications, DEFAULT_TIMEOUT_MS, expandEnv, loadNotifications, notificationFiles, parseNotifications, resolveNotifications} from './config.js'
export type {LoadNotificationsOptions, ProfileNotifications} from './config.js'
export {DelivererRegistry, installedDeliverers} from './deliverers.js'
export {findNotification, inspectNotification, listNotifications, maskOptions} from './describe.js'
export type {DescribeContext, NotificationInspectResult, NotificationsListResult, NotificationSummary} from './describe.js'
export {readAlertsFile, sampleAlert} from './sample.js'
export {prepareScanNotifications, type ScanNotifications} from './scan-notify.js'
export {testNotification, type NotificationTestChunk, type NotificationTestOptions, type NotificationTestResult} from './trial.js'
export {backoffDelay, CROWDSEC_RETRY, REAL_CLOCK, type DispatcherClock, type RetryPolicy} from './delivery.js'
export {NotificationDispatcher, type CloseOptions, type DispatcherOptions, type NotificationStore} from './dispatcher.js'
export type {Deliver, LoadedNotification, Notification, NotificationConfig, NotificationFigures, NotifierResolver} from './types.js'

export interface StartNotificationsOptions extends LoadNotificationsOptions {
  /** The notification directories (Config.notifications.dirs). */
  dirs: readonly string[]
  /** The profiles whose `notifications:` route alerts: each name must have a configuration. */
  profiles: readonly ProfileNotifications[]
  /** More names to serve than the profiles name (`crowd scan --notify`). */
  names?: readonly string[]
  resolver: NotifierResolver
  store?: NotificationStore
  owner?: string
  logger?: Logger
  /** Dispatcher settings (tests: clock, retry policy). */
  dispatcher?: Omit<DispatcherOptions, 'notifications' | 'store' | 'owner' | 'logger'>
}

/**
 * Loads the configurations, checks that every name the profiles use has one and that a deliverer
 * serves each name used, and starts a dispatcher over them. Throws CrowdErrors (file and line) on
 * any configuration error: nothing starts.
 */
export async function startNotifications(options: StartNotificationsOptions): Promise<NotificationDispatcher> {
  const loaded = loadNotifications(options.dirs, options)
  checkProfileNotifications(options.profiles, loaded, options.dirs)
  const used = [...options.profiles.flatMap((p) => p.notifications), ...(options.names ?? [])]
  const notifications = resolveNotifications(loaded, used, options.resolver)
  return NotificationDispatcher.start({...options.dispatcher, notifications, store: options.store, owner: options.owner, logger: options.logger})
}
