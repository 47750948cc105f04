/**
 * The notifications seam (notifications-and-cti.md §2-§5): a notification is a named CrowdSec
 * configuration (`notifications/*.yaml`) whose alerts are grouped, rendered with its `format` and
 * handed to a Deliver, the implementation of its `type` (slack, http, email...). Deliverers are
 * looked up through a NotifierResolver, so the sandboxed plugins plug in without this folder
 * knowing them.
 */
import type {Alert} from '../../model/alert.js'
import type {CompiledTemplate} from '../../template/index.js'

/** One notification document as written (CrowdSec's keys), plus where it is. */
export interface NotificationConfig {
  type: string
  name: string
  /** trace|debug|info|warn|error|off: the plugin's own logging (CrowdSec hands it to the plugin). */
  log_level?: string
  /** Go durations and counts as written; absent when the file has none. */
  group_wait?: string
  group_threshold?: number
  max_retry?: number
  timeout?: string
  /** The Go template rendered over the alerts of one message (unexpanded: `$alert` stays). */
  format: string
  /**
   * The plugin's own keys (webhook, url, headers, smtp_host...), with `${VAR}` and `$VAR` replaced by
   * the environment variables that exist, as CrowdSec hands them to its plugins.
   */
  options: Record<string, unknown>
  /** The file and the line where the document starts. */
  file: string
  line: number
  /** Line of each key of the document (for errors a plugin finds in its options). */
  keyLines: Record<string, number>
}

/**
 * Sends one rendered message. Rejects when the message was not delivered (the dispatcher then
 * retries as §3 says); must stop when `signal` aborts (the attempt's `timeout` passed, or shutdown).
 */
export type Deliver = (notification: NotificationConfig, text: string, alerts: readonly Alert[], signal: AbortSignal) => Promise<void>

/** Finds the implementation of a notification `type`. */
export interface NotifierResolver {
  /**
   * The deliverer of `type`, or undefined when no installed notification plugin serves it. With
   * `notification`, the configuration that will use it: a resolver may check its options there and
   * throw CrowdErrors (with the file and `keyLines`), reported with the other configuration errors.
   */
  deliverer(type: string, notification?: NotificationConfig): Deliver | undefined
  /** The types served, for messages and `crowd notifications list`. */
  types(): readonly string[]
}

/** A notification as loaded: its settings in milliseconds and its template compiled (every error found at load). */
export interface LoadedNotification {
  readonly config: NotificationConfig
  readonly name: string
  /** 0 when not set. */
  readonly groupWaitMs: number
  /** 0 when not set. */
  readonly groupThreshold: number
  /** 0: retry with back-off for up to 5 minutes. */
  readonly maxRetry: number
  readonly timeoutMs: number
  readonly template: CompiledTemplate
}

/** A notification ready to run: loaded, with the deliverer of its type. */
export interface Notification extends LoadedNotification {
  readonly deliver: Deliver
}

/** Per notification name, for metrics and reports. */
export interface NotificationFigures {
  name: string
  type: string
  /** Alerts delivered, and the messages that carried them. */
  delivered: number
  messages: number
  /** Delivery attempts that failed (each retry counts). */
  failed: number
  /** Alerts given up: retries exhausted, a render error, or no room while the store is unavailable. */
  dropped: number
  /** Alerts waiting: grouped, being sent, or kept in the store until there is room. */
  pending: number
  /** Of those, the alerts held in memory (at most the dispatcher's maxInMemory). */
  inMemory: number
}
