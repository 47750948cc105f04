/**
 * What `crowd notifications list` and `inspect` show: each configuration as loaded, which profiles
 * route to it, whether a plugin serves its type, and its plugin options with secrets masked (keys
 * that hold tokens, passwords and keys; URLs cut to their scheme and host, since a Slack webhook's
 * path is its secret). The output is machine-stable: --json prints these results as they are.
 */
import {CrowdError} from '../../model/errors.js'
import {parseGoDuration} from '../../model/go-time.js'
import type {ProfileNotifications} from './config.js'
import {formatMs} from './delivery.js'
import type {LoadedNotification, NotifierResolver} from './types.js'

export interface NotificationSummary {
  name: string
  type: string
  file: string
  line: number
  /** As written; null when not set. */
  group_wait: string | null
  group_threshold: number
  max_retry: number
  /** As written, or CrowdSec's default (5s). */
  timeout: string
  /** Whether an installed notification plugin serves the type. */
  plugin: boolean
  /** Profiles whose `notifications:` name it. */
  profiles: string[]
}

export interface NotificationsListResult {
  directories: string[]
  notifications: NotificationSummary[]
  /** Names profiles route to that have no configuration (a LAPI or watch would not start). */
  missing: {profile: string; notification: string}[]
}

export interface NotificationInspectResult extends NotificationSummary {
  log_level: string | null
  format: string
  /** The plugin's options, environment expanded, secrets masked. */
  options: Record<string, unknown>
}

export interface DescribeContext {
  dirs: readonly string[]
  loaded: readonly LoadedNotification[]
  profiles: readonly ProfileNotifications[]
  resolver: NotifierResolver
}

function summary(n: LoadedNotification, context: DescribeContext): NotificationSummary {
  const c = n.config
  return {
    name: n.name,
    type: c.type,
    file: c.file,
    line: c.line,
    group_wait: c.group_wait ?? null,
    group_threshold: n.groupThreshold,
    max_retry: n.maxRetry,
    // a zero timeout means CrowdSec's default
    timeout: c.timeout !== undefined && parseGoDuration(c.timeout).ns > 0 ? c.timeout : formatMs(n.timeoutMs),
    plugin: context.resolver.deliverer(c.type) !== undefined,
    profiles: context.profiles.filter((p) => p.notifications.includes(n.name)).map((p) => p.name),
  }
}

export function listNotifications(context: DescribeContext): NotificationsListResult {
  const known = new Set(context.loaded.map((n) => n.name))
  const missing: NotificationsListResult['missing'] = []
  for (const p of context.profiles) for (const name of new Set(p.notifications)) if (!known.has(name)) missing.push({profile: p.name, notification: name})
  return {directories: [...context.dirs], notifications: context.loaded.map((n) => summary(n, context)), missing}
}

export function inspectNotification(name: string, context: DescribeContext): NotificationInspectResult {
  const n = findNotification(name, context.loaded)
  return {...summary(n, context), log_level: n.config.log_level ?? null, format: n.config.format, options: maskOptions(n.config.options) as Record<string, unknown>}
}

export function findNotification(name: string, loaded: readonly LoadedNotification[]): LoadedNotification {
  const n = loaded.find((l) => l.name === name)
  if (n === undefined) {
    throw new CrowdError('not-found', `no notification is named '${name}'${loaded.length === 0 ? ' (no notification configuration found)' : `; known: ${loaded.map((l) => l.name).join(', ')}`}`)
  }
  return n
}

const SECRET_KEY = /(token|passw|secret|api_?key|apikey|shared_key|private_key|auth|credential|cookie|signature)/i

/** Options with secrets masked: values of secret-looking keys become `***`, http(s) URLs keep their scheme and host. */
export function maskOptions(value: unknown, key = ''): unknown {
  if (value === null || value === undefined) return value ?? null
  if (SECRET_KEY.test(key) && typeof value !== 'object' && typeof value !== 'boolean') return value === '' ? '' : '***'
  if (typeof value === 'string') return maskUrl(value)
  if (Array.isArray(value)) return value.map((v) => maskOptions(v, key))
  if (typeof value === 'object') {
    const out: Record<string, unknown> = {}
    for (const [k, v] of Object.entries(value)) out[k] = maskOptions(v, k)
    return out
  }
  return value
}

function maskUrl(text: string): string {
  if (!/^[a-z][a-z0-9+.-]*:\/\//i.test(text)) return text
  let url: URL
  try {
    url = new URL(text)
  } catch {
    return text
  }
  const base = `${url.protocol}//${url.host}`
  const hidden = url.username !== '' || url.password !== '' || url.search !== '' || url.hash !== '' || (url.pathname !== '/' && url.pathname !== '')
  return hidden ? `${base}/***` : base
}
