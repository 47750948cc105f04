/**
 * CrowdSec notification configurations (notifications-and-cti.md §2): every `*.yaml`/`*.yml` of the
 * notification directories, each a YAML stream of documents, one named notification per document
 * (empty documents skipped). Known keys are decoded strictly, the others are the plugin's options.
 * Every error is a CrowdError ('config') naming the file and line, and all the errors of the
 * directories are reported together. Templates are compiled here, once per notification.
 */
import * as fs from 'node:fs'
import * as path from 'node:path'
import {isMap, isScalar, LineCounter, parseAllDocuments, Scalar, type Node as YamlNode} from 'yaml'
import {CrowdError, CrowdErrorList, formatLocation} from '../../model/errors.js'
import {parseGoDuration} from '../../model/go-time.js'
import {yamlFilesIn} from '../../platform/files.js'
import {compileTemplate} from '../../template/index.js'
import type {Deliver, LoadedNotification, Notification, NotificationConfig, NotifierResolver} from './types.js'

/** CrowdSec's per-attempt timeout when `timeout` is not set. */
export const DEFAULT_TIMEOUT_MS = 5000

const KNOWN_KEYS = new Set(['type', 'name', 'log_level', 'group_wait', 'group_threshold', 'max_retry', 'timeout', 'format'])
const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'off']

export interface LoadNotificationsOptions {
  /** The environment `${VAR}` and `$VAR` in the plugin options are read from (default: process.env). */
  env?: Readonly<Record<string, string | undefined>>
}

/** The notification files of the directories, in directory order, then by name; a missing directory has none. */
export function notificationFiles(dirs: readonly string[]): string[] {
  return yamlFilesIn(dirs, 'notification')
}

/** Every notification of the directories, loaded; throws all the errors at once. */
export function loadNotifications(dirs: readonly string[], options: LoadNotificationsOptions = {}): LoadedNotification[] {
  const errors: CrowdError[] = []
  const loaded: LoadedNotification[] = []
  for (const file of notificationFiles(dirs)) {
    let text: string
    try {
      text = fs.readFileSync(file, 'utf8')
    } catch (error) {
      errors.push(new CrowdError('config', `cannot read notification file: ${(error as NodeJS.ErrnoException).code ?? String(error)}`, {file}))
      continue
    }
    try {
      loaded.push(...parseNotifications(text, file, options))
    } catch (error) {
      errors.push(...errorsOf(error))
    }
  }
  const byName = new Map<string, NotificationConfig>()
  for (const n of loaded) {
    const first = byName.get(n.name)
    if (first === undefined) byName.set(n.name, n.config)
    else errors.push(new CrowdError('config', `notification '${n.name}' is defined twice: here and at ${formatLocation(first)}`, {file: n.config.file, line: n.config.line}))
  }
  throwAll(errors)
  return loaded
}

/** The notifications of one file's text. */
export function parseNotifications(text: string, file: string, options: LoadNotificationsOptions = {}): LoadedNotification[] {
  const env = options.env ?? process.env
  const lines = new LineCounter()
  const docs = parseAllDocuments(text, {lineCounter: lines, uniqueKeys: true})
  const lineOf = (node: YamlNode | null | undefined, fallback = 1): number => {
    const offset = node?.range?.[0]
    return offset === undefined ? fallback : lines.linePos(offset).line
  }
  const errors: CrowdError[] = []
  const out: LoadedNotification[] = []
  if (!Array.isArray(docs)) throw new CrowdError('config', 'not a YAML stream', {file})
  for (const doc of docs) {
    for (const e of doc.errors) {
      const reason = e.message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '')
      errors.push(new CrowdError('config', reason, {file, line: e.linePos?.[0]?.line, column: e.linePos?.[0]?.col}))
    }
    if (doc.errors.length > 0) continue
    const root = doc.contents as YamlNode | null
    if (root === null || (isScalar(root) && (root.value === null || root.value === ''))) continue
    const docLine = lineOf(root)
    if (!isMap(root)) {
      errors.push(new CrowdError('config', 'a notification must be a mapping', {file, line: docLine}))
      continue
    }
    if (root.items.length === 0) continue
    const values = doc.toJS({maxAliasCount: 100}) as Record<string, unknown>
    const nodes = new Map<string, {key: YamlNode; value: YamlNode | null}>()
    for (const pair of root.items) {
      const key = isScalar(pair.key) ? String(pair.key.value) : ''
      nodes.set(key, {key: pair.key as YamlNode, value: (pair.value ?? null) as YamlNode | null})
    }
    const at = (key: string): number => {
      const n = nodes.get(key)
      return n === undefined ? docLine : lineOf(n.value ?? n.key, lineOf(n.key))
    }
    const name = typeof values.name === 'string' ? values.name : ''
    const fail = (reason: string, key?: string): void => {
      errors.push(new CrowdError('config', name === '' ? reason : `notification '${name}': ${reason}`, {file, line: key === undefined ? docLine : at(key)}))
    }
    const before = errors.length
    const config: NotificationConfig = {type: '', name, format: '', options: {}, file, line: docLine, keyLines: {}}
    for (const [key, n] of nodes) config.keyLines[key] = lineOf(n.key)

    const text = (key: string): string | undefined => {
      const v = values[key]
      if (v === undefined || v === null) return undefined
      if (typeof v === 'string') return v
      if (typeof v === 'number' || typeof v === 'boolean') return String(v)
      fail(`'${key}' must be a string`, key)
      return undefined
    }
    config.type = text('type') ?? ''
    if (config.type === '') fail("missing required field 'type'")
    if (!nodes.has('name') || name === '') fail("missing required field 'name'")
    if (values.name !== undefined && values.name !== null && typeof values.name !== 'string') fail("'name' must be a string", 'name')

    const logLevel = text('log_level')
    if (logLevel !== undefined && logLevel !== '') {
      if (!LOG_LEVELS.includes(logLevel.toLowerCase())) fail(`log_level must be one of ${LOG_LEVELS.join(', ')}, not '${logLevel}'`, 'log_level')
      config.log_level = logLevel
    }
    const duration = (key: 'group_wait' | 'timeout'): number | undefined => {
      const v = values[key]
      if (v === undefined || v === null) return undefined
      // a number is nanoseconds, as Go decodes it into a time.Duration
      if (typeof v === 'number') {
        if (!Number.isInteger(v) || v < 0) fail(`${key} must be a duration such as 30s, not ${v}`, key)
        config[key] = `${v}ns`
        return v / 1e6
      }
      if (typeof v !== 'string') {
        fail(`${key} must be a duration such as 30s`, key)
        return undefined
      }
      config[key] = v
      try {
        const ns = parseGoDuration(v).ns
        if (ns < 0) fail(`${key} must not be negative: ${v}`, key)
        return ns / 1e6
      } catch (error) {
        fail(`${key}: ${(error as Error).message}`, key)
        return undefined
      }
    }
    const count = (key: 'group_threshold' | 'max_retry'): number | undefined => {
      const v = values[key]
      if (v === undefined || v === null) return undefined
      if (typeof v !== 'number' || !Number.isInteger(v) || v < 0) {
        fail(`${key} must be a whole number, 0 or more, not ${JSON.stringify(v)}`, key)
        return undefined
      }
      config[key] = v
      return v
    }
    const groupWaitMs = duration('group_wait') ?? 0
    const timeoutMs = duration('timeout') ?? 0
    const groupThreshold = count('group_threshold') ?? 0
    const maxRetry = count('max_retry') ?? 0
    config.format = text('format') ?? ''
    for (const [key, value] of Object.entries(values)) {
      if (!KNOWN_KEYS.has(key)) config.options[key] = expandValue(value, env)
    }
    if (errors.length > before) continue

    const formatNode = nodes.get('format')?.value ?? null
    const block = isScalar(formatNode) && (formatNode.type === Scalar.BLOCK_LITERAL || formatNode.type === Scalar.BLOCK_FOLDED)
    try {
      const template = compileTemplate(config.format, {name: config.name, file, line: at('format') + (block ? 1 : 0)})
      out.push({config, name: config.name, groupWaitMs, groupThreshold, maxRetry, timeoutMs: timeoutMs > 0 ? timeoutMs : DEFAULT_TIMEOUT_MS, template})
    } catch (error) {
      errors.push(...errorsOf(error))
    }
  }
  throwAll(errors)
  return out
}

/** The profiles of a profiles.yaml, as far as notifications care. */
export interface ProfileNotifications {
  name: string
  notifications: readonly string[]
  file?: string
  line?: number
}

/** A profile naming a notification that has no configuration is a startup error (§2), one per name and profile. */
export function checkProfileNotifications(profiles: readonly ProfileNotifications[], loaded: readonly LoadedNotification[], dirs: readonly string[]): void {
  const known = new Set(loaded.map((n) => n.name))
  const errors: CrowdError[] = []
  for (const p of profiles) {
    for (const name of new Set(p.notifications)) {
      if (known.has(name)) continue
      const where = dirs.length === 0 ? 'no notification directory' : `none in ${dirs.join(', ')}`
      errors.push(new CrowdError('config', `profile '${p.name}' notifies '${name}', which has no configuration (${where})`, {file: p.file, line: p.line}))
    }
  }
  throwAll(errors)
}

/**
 * The notifications of `names` with their deliverers. A name without configuration, or whose type
 * no installed plugin serves, is an error (at the document's `type` line).
 */
export function resolveNotifications(loaded: readonly LoadedNotification[], names: Iterable<string>, resolver: NotifierResolver): Notification[] {
  const errors: CrowdError[] = []
  const out: Notification[] = []
  for (const name of new Set(names)) {
    const n = loaded.find((l) => l.name === name)
    if (n === undefined) {
      errors.push(new CrowdError('config', `no notification is named '${name}'${loaded.length === 0 ? ' (no notification configuration found)' : `; known: ${loaded.map((l) => l.name).join(', ')}`}`))
      continue
    }
    let deliver: Deliver | undefined
    try {
      deliver = resolver.deliverer(n.config.type, n.config)
    } catch (error) {
      errors.push(...errorsOf(error))
      continue
    }
    if (deliver === undefined) {
      const served = resolver.types()
      errors.push(new CrowdError('config', `notification '${name}': no installed notification plugin serves type '${n.config.type}'${served.length === 0 ? '' : ` (installed: ${served.join(', ')})`}`,
        {file: n.config.file, line: n.config.keyLines.type ?? n.config.line}))
      continue
    }
    out.push({...n, deliver})
  }
  throwAll(errors)
  return out
}

/**
 * CrowdSec's environment expansion of plugin configurations (csstring.StrictExpand): `${VAR}` and
 * `$VAR` become the variable's value when it exists; an undefined variable is left as written.
 */
export function expandEnv(text: string, env: Readonly<Record<string, string | undefined>>): string {
  return text.replace(/\$(?:\{([^}]*)\}|([A-Za-z_][A-Za-z0-9_]*))/g, (whole, braced: string | undefined, bare: string | undefined) => {
    const value = Object.hasOwn(env, braced ?? bare!) ? env[braced ?? bare!] : undefined
    return value === undefined ? whole : value
  })
}

function expandValue(value: unknown, env: Readonly<Record<string, string | undefined>>): unknown {
  if (typeof value === 'string') return expandEnv(value, env)
  if (Array.isArray(value)) return value.map((v) => expandValue(v, env))
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {}
    for (const [k, v] of Object.entries(value)) out[k] = expandValue(v, env)
    return out
  }
  return value
}

function errorsOf(error: unknown): CrowdError[] {
  if (error instanceof CrowdErrorList) return error.errors
  if (error instanceof CrowdError) return [error]
  throw error
}

function throwAll(errors: CrowdError[]): void {
  if (errors.length === 1) throw errors[0]!
  if (errors.length > 1) throw new CrowdErrorList(errors)
}
