/**
 * crowd.toml -> a typed Config. Every section is optional; unknown keys are errors so a
 * typo never silently falls back to a default. All errors of a file are reported at once.
 */
import * as fs from 'node:fs'
import * as path from 'node:path'
import TOML from '@iarna/toml'
import {CrowdError, CrowdErrorList} from '../model/errors.js'
import {parseGoDuration} from '../model/go-time.js'
import {chooseConfigFile, chooseDataDir, type ConfigFileChoice, type Env} from './paths.js'

export type LogLevel = 'error' | 'warn' | 'info' | 'debug' | 'trace'
export const LOG_LEVELS: readonly LogLevel[] = ['error', 'warn', 'info', 'debug', 'trace']

export interface Config {
  /** The config file that was read, or would have been (absent default). */
  file: string
  fileFrom: ConfigFileChoice['from']
  fileExists: boolean
  dataDir: string
  logLevel: LogLevel
  hub: {
    /** Index sources, in order: 'embedded', a directory, or an https URL. */
    sources: string[]
  }
  acquisition: {
    /** Lines longer than this (bytes) are truncated and counted. */
    maxLineBytes: number
  }
  detect: {
    /** Upper bound on live buckets per scenario; overflowing it is counted. */
    maxBucketsPerScenario: number
  }
  enrich: {
    geoipCityDb?: string
    geoipAsnDb?: string
    reverseDns: boolean
  }
  store: {
    /** postgres://... for PostgreSQL; a file path (or sqlite://path) for SQLite; absent: crowd.db in the data dir. */
    url?: string
  }
  lapi: LapiConfig
  watch: WatchConfig
  notifications: NotificationsConfig
  bouncers: BouncersConfig
  /** `[cti]`, the agent side of participative CTI (src/cti/client): what the LAPI shares and pulls. */
  ctiAgent: CtiAgentConfig
  /** `[cti]`, the central service (`crowd cti serve`, src/cti/service). */
  ctiService: CtiServiceConfig
}

/** `[cti]` keys of the central participative-CTI service (`crowd cti serve`, docs/cti.md). */
export interface CtiServiceConfig {
  /** A hub directory (CrowdSec's `.index.json` or crowd's `hub-index.json`) whose published scenario hashes and versions count as unmodified. */
  hub?: string
  /** HOST:PORT to listen on. */
  listen: string
  /** The service's own database: postgres://... or a SQLite file; absent: cti.db in the data dir. */
  storeUrl?: string
  /** Files of `CIDR reason` lines never promoted (relative to the config file). */
  neverBan: string[]
  /** Proxies (IPs or CIDRs) whose X-Forwarded-For names the reporter's address. */
  trustedProxies: string[]
  /** A file of `IP benign|malicious` lines: the service's canaries (relative to the config file). */
  canaries?: string
  /** `[cti.consensus]`. */
  consensus: {k?: number; intervalMs: number; trustNewReporters: boolean}
}

/**
 * `[cti]` keys of the agent side (CrowdSec's `online_client` and console options, notifications-and-cti.md §6-8):
 * alerts stored through the LAPI are shared as signals, the community blocklist is pulled into decisions.
 */
export interface CtiAgentConfig {
  /** Push signals (CrowdSec's `online_client.sharing`). */
  sharing: boolean
  /** Pull the community blocklist. */
  pull: boolean
  shareManualDecisions: boolean
  shareCustom: boolean
  shareTainted: boolean
  /** Send the alert's context (its meta) with each signal. */
  shareContext: boolean
  /** online_api_credentials.yaml (url, login, password), written by `crowd cti register`. */
  credentials: string
  /** Milliseconds between signal pushes (the first after 0.3 to 1.7 times this). */
  pushIntervalMs: number
  /** Milliseconds between blocklist pulls; a pull is skipped when the last one is younger than three quarters of this. */
  pullIntervalMs: number
  /** Milliseconds between metrics pushes. */
  metricsIntervalMs: number
  /** Signals kept while the central API cannot be reached; past this the oldest are dropped (and counted). */
  queueLimit: number
}

/** CrowdSec notification configurations (`notifications/*.yaml`, docs/notifications.md). */
export interface NotificationsConfig {
  /** Where they are read from, in order: `notifications/` beside the config file, then in the data dir. */
  dirs: string[]
}

/** Bouncer configurations (`bouncers/NAME.yaml`, CrowdSec's bouncer keys: src/outputs/bouncers). */
export interface BouncersConfig {
  /** Where they are read from, in order: `bouncers/` beside the config file, then in the data dir. */
  dirs: string[]
}

/** `[watch]`: `crowd watch`, the daemon and cron agent. */
export interface WatchConfig {
  /** HOST:PORT of the Prometheus endpoint (CrowdSec's metric names); absent: none. */
  metricsListen?: string
  /** Tells apart several watches of one machine on a shared store (their saved state). */
  name?: string
  /** A CrowdSec acquis.yaml or acquis.d directory (relative to the config file). */
  acquis?: string
  /** `[[watch.sources]]`: tables with acquis.yaml's keys (source, filenames, labels...), checked when the watch starts. */
  sources: Record<string, unknown>[]
  /** Milliseconds between polls of a followed file when no change was signalled. */
  pollMs: number
  /** A rotated-away file is read until it has not grown for this long. */
  closeRotatedAfterMs: number
  /** Lines queued between the sources and the parsers before sources wait. */
  maxQueueLines: number
  /** Bouncers (`bouncers/NAME.yaml`) the watch runs, fed from the local store when it writes there. */
  bouncers: string[]
}

/** `[lapi]`: the Local API server (`crowd lapi serve`) and the credentials to a remote one. */
export interface LapiConfig {
  /** HOST:PORT to listen on. */
  listen: string
  /** Also listen on this unix socket. */
  listenSocket?: string
  tlsCert?: string
  tlsKey?: string
  /** Callers allowed to delete alerts (IPs or CIDRs); unix-socket callers always are. */
  trustedIps: string[]
  useForwardedForHeaders: boolean
  trustedProxies: string[]
  /** profiles.yaml to run on posted alerts (default: CrowdSec's default profiles). */
  profiles?: string
  /** Largest request body after decompression, for authenticated routes. */
  maxBodyBytes: number
  /** Refuse watcher registration from non-loopback callers. */
  disableRemoteRegistration: boolean
  /** Retention: keep about this many alerts, and none older than max_age (alerts with active decisions always stay). */
  flush: {maxItems?: number; maxAge?: string}
  autoRegistration: {enabled: boolean; token?: string; allowedRanges: string[]}
  /** A remote LAPI the commands and `scan --record` use instead of the local store. */
  credentials?: {url: string; machineId: string; password: string}
  /** Serve the web console at /console/ (docs/console.md). */
  console: boolean
}

export const DEFAULT_CONFIG: Omit<Config, 'file' | 'fileFrom' | 'fileExists' | 'dataDir'> = {
  logLevel: 'warn',
  hub: {sources: ['embedded']},
  acquisition: {maxLineBytes: 64 * 1024},
  detect: {maxBucketsPerScenario: 100_000},
  enrich: {reverseDns: false},
  store: {},
  lapi: {
    listen: '127.0.0.1:8080',
    trustedIps: ['127.0.0.1', '::1'],
    useForwardedForHeaders: false,
    trustedProxies: [],
    maxBodyBytes: 50 * 1024 * 1024,
    disableRemoteRegistration: false,
    flush: {maxItems: 5000, maxAge: '7d'},
    autoRegistration: {enabled: false, allowedRanges: []},
    console: false,
  },
  watch: {sources: [], pollMs: 100, closeRotatedAfterMs: 1000, maxQueueLines: 20_000, bouncers: []},
  // loadConfig sets them from the config file and the data dir (notificationDirs)
  notifications: {dirs: []},
  bouncers: {dirs: []},
  // credentials: loadConfig puts the file in the data dir
  ctiAgent: {
    sharing: true, pull: true, shareManualDecisions: false, shareCustom: true, shareTainted: true, shareContext: false, credentials: '',
    pushIntervalMs: 10_000, pullIntervalMs: 2 * 3600_000, metricsIntervalMs: 30 * 60_000, queueLimit: 100_000,
  },
  ctiService: {listen: '127.0.0.1:8090', neverBan: [], trustedProxies: [], consensus: {intervalMs: 60_000, trustNewReporters: false}},
}

/** The `[cti]` keys of the central service (`crowd cti serve`). */
const CTI_SERVICE_SHAPE: Shape = {
  hub: 'string', listen: 'string', store_url: 'string', never_ban: 'string[]', trusted_proxies: 'string[]', canaries: 'string',
  consensus: {k: 'number', interval: 'string', trust_new_reporters: 'boolean'},
}

/** The `[cti]` keys of the agent side (other `[cti]` keys belong to `crowd cti serve`). */
const CTI_AGENT_SHAPE: Shape = {
  sharing: 'boolean', pull: 'boolean', share_manual_decisions: 'boolean', share_custom: 'boolean', share_tainted: 'boolean', share_context: 'boolean',
  credentials: 'string', push_interval: 'string', pull_interval: 'string', metrics_interval: 'string', queue_limit: 'number',
}

type Shape = {[key: string]: 'string' | 'number' | 'boolean' | 'string[]' | 'table[]' | Shape}

const SCHEMA: Shape = {
  log_level: 'string',
  paths: {data_dir: 'string'},
  hub: {sources: 'string[]'},
  acquisition: {max_line_bytes: 'number'},
  detect: {max_buckets_per_scenario: 'number'},
  enrich: {geoip_city_db: 'string', geoip_asn_db: 'string', reverse_dns: 'boolean'},
  store: {url: 'string'},
  lapi: {
    listen: 'string', listen_socket: 'string', tls_cert: 'string', tls_key: 'string', trusted_ips: 'string[]', use_forwarded_for_headers: 'boolean',
    trusted_proxies: 'string[]', profiles: 'string', max_body_bytes: 'number', disable_remote_registration: 'boolean',
    flush: {max_items: 'number', max_age: 'string'},
    auto_registration: {enabled: 'boolean', token: 'string', allowed_ranges: 'string[]'},
    credentials: {url: 'string', machine_id: 'string', password: 'string'},
    console: 'boolean',
  },
  watch: {metrics_listen: 'string', name: 'string', acquis: 'string', sources: 'table[]', poll_ms: 'number', close_rotated_after_ms: 'number', max_queue_lines: 'number', bouncers: 'string[]'},
  cti: {...CTI_AGENT_SHAPE, ...CTI_SERVICE_SHAPE},
}

export interface LoadConfigOptions {
  configFlag?: string
  logLevelFlag?: string
  env?: Env
}

export function loadConfig(options: LoadConfigOptions = {}): Config {
  const env = options.env ?? process.env
  const choice = chooseConfigFile(options.configFlag, env)
  let text: string | undefined
  try {
    text = fs.readFileSync(choice.path, 'utf8')
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    if (code !== 'ENOENT' || choice.required) {
      throw new CrowdError('config', `cannot read config file: ${code ?? String(error)}`, {file: choice.path})
    }
  }
  const raw = text === undefined ? {} : parseToml(text, choice.path)
  return buildConfig(raw, choice, text !== undefined, options.logLevelFlag, env)
}

export function parseToml(text: string, file: string): Record<string, unknown> {
  try {
    return TOML.parse(text) as Record<string, unknown>
  } catch (error) {
    const e = error as {line?: number; col?: number; message?: string}
    // @iarna/toml reports 0-based line and column, and a message that repeats them.
    const reason = (e.message ?? String(error)).split('\n')[0].replace(/ at row \d+, col \d+, pos \d+:?$/, '')
    const line = typeof e.line === 'number' ? e.line + 1 : undefined
    const column = typeof e.col === 'number' ? e.col + 1 : undefined
    const sourceLine = line === undefined ? undefined : text.split('\n')[line - 1]
    throw new CrowdError('config', `invalid TOML: ${reason}`, {file, line, column, sourceLine})
  }
}

function buildConfig(raw: Record<string, unknown>, choice: ConfigFileChoice, exists: boolean, logLevelFlag: string | undefined, env: Env): Config {
  const errors: CrowdError[] = []
  checkShape(raw, SCHEMA, '', choice.path, errors)
  const get = <T>(section: string, key: string): T | undefined => {
    const s = raw[section]
    return s && typeof s === 'object' ? ((s as Record<string, unknown>)[key] as T | undefined) : undefined
  }
  const logLevel = (logLevelFlag ?? (env.CROWD_LOG_LEVEL || undefined) ?? (raw.log_level as string | undefined) ?? DEFAULT_CONFIG.logLevel) as LogLevel
  if (!LOG_LEVELS.includes(logLevel)) {
    errors.push(new CrowdError('config', `log level must be one of ${LOG_LEVELS.join(', ')}, not "${logLevel}"`, {file: choice.path}))
  }
  const positive = (value: number | undefined, key: string, fallback: number): number => {
    if (value === undefined) return fallback
    if (typeof value !== 'number') return fallback // already reported by checkShape
    if (!Number.isInteger(value) || value <= 0) errors.push(new CrowdError('config', `${key} must be a positive integer`, {file: choice.path}))
    return value
  }
  const config: Config = {
    file: choice.path,
    fileFrom: choice.from,
    fileExists: exists,
    dataDir: chooseDataDir(get<string>('paths', 'data_dir'), choice.path, env),
    logLevel,
    hub: {sources: get<string[]>('hub', 'sources') ?? DEFAULT_CONFIG.hub.sources},
    acquisition: {maxLineBytes: positive(get('acquisition', 'max_line_bytes'), 'acquisition.max_line_bytes', DEFAULT_CONFIG.acquisition.maxLineBytes)},
    detect: {maxBucketsPerScenario: positive(get('detect', 'max_buckets_per_scenario'), 'detect.max_buckets_per_scenario', DEFAULT_CONFIG.detect.maxBucketsPerScenario)},
    enrich: {
      geoipCityDb: get('enrich', 'geoip_city_db'),
      geoipAsnDb: get('enrich', 'geoip_asn_db'),
      reverseDns: get('enrich', 'reverse_dns') ?? DEFAULT_CONFIG.enrich.reverseDns,
    },
    store: {url: env.CROWD_STORE_URL || get<string>('store', 'url')},
    lapi: buildLapiConfig(raw.lapi as Record<string, unknown> | undefined, choice.path, errors, positive),
    watch: buildWatchConfig(raw.watch, choice.path, errors, positive),
    notifications: {dirs: []},
    bouncers: {dirs: []},
    ctiAgent: DEFAULT_CONFIG.ctiAgent,
    ctiService: buildCtiServiceConfig(raw.cti, choice.path, errors, positive),
  }
  config.ctiAgent = buildCtiAgentConfig(raw.cti, config.file, config.dataDir, errors, positive)
  config.notifications.dirs = notificationDirs(config.file, config.dataDir)
  config.bouncers.dirs = besideAndInData(config.file, config.dataDir, 'bouncers')
  if (errors.length === 1) throw errors[0]
  if (errors.length > 1) throw new CrowdErrorList(errors)
  return config
}

/** `notifications/` beside the config file, then in the data dir (once when they are the same). */
export function notificationDirs(configFile: string, dataDir: string): string[] {
  return besideAndInData(configFile, dataDir, 'notifications')
}

/** `NAME/` beside the config file, then in the data dir (once when they are the same). */
export function besideAndInData(configFile: string, dataDir: string, name: string): string[] {
  const dirs = [path.join(path.dirname(configFile), name), path.join(dataDir, name)]
  return dirs[0] === dirs[1] ? [dirs[0]!] : dirs
}

function buildWatchConfig(raw: unknown, file: string, errors: CrowdError[], positive: (v: number | undefined, key: string, fallback: number) => number): WatchConfig {
  const d = DEFAULT_CONFIG.watch
  const r = (raw !== null && typeof raw === 'object' && !Array.isArray(raw) ? raw : {}) as Record<string, unknown>
  const listen = r.metrics_listen
  if (typeof listen === 'string' && !/^(\[[0-9a-fA-F:.]+\]|[^:\s]+):\d{1,5}$/.test(listen)) {
    errors.push(new CrowdError('config', `watch.metrics_listen must be HOST:PORT, not "${listen}"`, {file}))
  }
  const out: WatchConfig = {
    sources: Array.isArray(r.sources) ? (r.sources as Record<string, unknown>[]) : [],
    pollMs: positive(r.poll_ms as number | undefined, 'watch.poll_ms', d.pollMs),
    closeRotatedAfterMs: positive(r.close_rotated_after_ms as number | undefined, 'watch.close_rotated_after_ms', d.closeRotatedAfterMs),
    maxQueueLines: positive(r.max_queue_lines as number | undefined, 'watch.max_queue_lines', d.maxQueueLines),
    bouncers: Array.isArray(r.bouncers) ? (r.bouncers as string[]) : [],
  }
  if (typeof listen === 'string') out.metricsListen = listen
  if (typeof r.name === 'string' && r.name !== '') out.name = r.name
  if (typeof r.acquis === 'string' && r.acquis !== '') out.acquis = path.resolve(path.dirname(file), r.acquis)
  return out
}

function buildLapiConfig(raw: Record<string, unknown> | undefined, file: string, errors: CrowdError[], positive: (v: number | undefined, key: string, fallback: number) => number): LapiConfig {
  const d = DEFAULT_CONFIG.lapi
  const r = raw !== null && typeof raw === 'object' ? raw : {}
  const table = (key: string): Record<string, unknown> => {
    const t = r[key]
    return t !== null && typeof t === 'object' && !Array.isArray(t) ? (t as Record<string, unknown>) : {}
  }
  const flush = table('flush')
  const auto = table('auto_registration')
  const cred = table('credentials')
  const relative = (p: unknown): string | undefined => (typeof p === 'string' && p !== '' ? path.resolve(path.dirname(file), p) : undefined)
  const listen = (r.listen as string | undefined) ?? d.listen
  if (typeof listen === 'string' && !/^(\[[0-9a-fA-F:.]+\]|[^:\s]+):\d{1,5}$/.test(listen)) {
    errors.push(new CrowdError('config', `lapi.listen must be HOST:PORT, not "${listen}"`, {file}))
  }
  let credentials: LapiConfig['credentials']
  if (Object.keys(cred).length > 0) {
    const url = cred.url as string | undefined
    const machineId = cred.machine_id as string | undefined
    const password = cred.password as string | undefined
    if (!url || !machineId || password === undefined) {
      errors.push(new CrowdError('config', 'lapi.credentials needs url, machine_id and password', {file}))
    } else if (!/^https?:\/\//.test(url)) {
      errors.push(new CrowdError('config', `lapi.credentials.url must be an http:// or https:// URL, not "${url}"`, {file}))
    } else {
      credentials = {url, machineId, password}
    }
  }
  return {
    listen,
    listenSocket: relative(r.listen_socket),
    tlsCert: relative(r.tls_cert),
    tlsKey: relative(r.tls_key),
    trustedIps: (r.trusted_ips as string[] | undefined) ?? d.trustedIps,
    useForwardedForHeaders: (r.use_forwarded_for_headers as boolean | undefined) ?? d.useForwardedForHeaders,
    trustedProxies: (r.trusted_proxies as string[] | undefined) ?? d.trustedProxies,
    profiles: relative(r.profiles),
    maxBodyBytes: positive(r.max_body_bytes as number | undefined, 'lapi.max_body_bytes', d.maxBodyBytes),
    disableRemoteRegistration: (r.disable_remote_registration as boolean | undefined) ?? d.disableRemoteRegistration,
    flush: {
      maxItems: flush.max_items === undefined ? d.flush.maxItems : positive(flush.max_items as number, 'lapi.flush.max_items', 5000),
      maxAge: (flush.max_age as string | undefined) ?? d.flush.maxAge,
    },
    autoRegistration: {
      enabled: (auto.enabled as boolean | undefined) ?? false,
      token: auto.token as string | undefined,
      allowedRanges: (auto.allowed_ranges as string[] | undefined) ?? [],
    },
    credentials,
    console: (r.console as boolean | undefined) ?? d.console,
  }
}

// ---- [cti], the agent side (src/cti/client)

function buildCtiAgentConfig(raw: unknown, file: string, dataDir: string, errors: CrowdError[], positive: (v: number | undefined, key: string, fallback: number) => number): CtiAgentConfig {
  const d = DEFAULT_CONFIG.ctiAgent
  const r = (raw !== null && typeof raw === 'object' && !Array.isArray(raw) ? raw : {}) as Record<string, unknown>
  const flag = (key: string, fallback: boolean): boolean => (typeof r[key] === 'boolean' ? (r[key] as boolean) : fallback)
  const interval = (key: string, fallback: number): number => {
    const text = r[key]
    if (typeof text !== 'string') return fallback
    try {
      const ms = parseGoDuration(text).ns / 1e6
      if (ms >= 10) return ms
      errors.push(new CrowdError('config', `cti.${key} must be at least 10ms, not "${text}"`, {file}))
    } catch (error) {
      errors.push(new CrowdError('config', `cti.${key} must be a duration such as 10s or 2h, not "${text}": ${(error as Error).message}`, {file}))
    }
    return fallback
  }
  const credentials = typeof r.credentials === 'string' && r.credentials !== '' ? path.resolve(path.dirname(file), r.credentials) : path.join(dataDir, 'online_api_credentials.yaml')
  return {
    sharing: flag('sharing', d.sharing),
    pull: flag('pull', d.pull),
    shareManualDecisions: flag('share_manual_decisions', d.shareManualDecisions),
    shareCustom: flag('share_custom', d.shareCustom),
    shareTainted: flag('share_tainted', d.shareTainted),
    shareContext: flag('share_context', d.shareContext),
    credentials,
    pushIntervalMs: interval('push_interval', d.pushIntervalMs),
    pullIntervalMs: interval('pull_interval', d.pullIntervalMs),
    metricsIntervalMs: interval('metrics_interval', d.metricsIntervalMs),
    queueLimit: positive(r.queue_limit as number | undefined, 'cti.queue_limit', d.queueLimit),
  }
}

// ---- [cti], the central service (src/cti/service)

function buildCtiServiceConfig(raw: unknown, file: string, errors: CrowdError[], positive: (v: number | undefined, key: string, fallback: number) => number): CtiServiceConfig {
  const d = DEFAULT_CONFIG.ctiService
  const r = (raw !== null && typeof raw === 'object' && !Array.isArray(raw) ? raw : {}) as Record<string, unknown>
  const c = (r.consensus !== null && typeof r.consensus === 'object' && !Array.isArray(r.consensus) ? r.consensus : {}) as Record<string, unknown>
  const relative = (p: unknown): string | undefined => (typeof p === 'string' && p !== '' ? path.resolve(path.dirname(file), p) : undefined)
  const listen = typeof r.listen === 'string' ? r.listen : d.listen
  if (!/^(\[[0-9a-fA-F:.]+\]|[^:\s]+):\d{1,5}$/.test(listen)) errors.push(new CrowdError('config', `cti.listen must be HOST:PORT, not "${listen}"`, {file}))
  let intervalMs = d.consensus.intervalMs
  if (typeof c.interval === 'string') {
    try {
      intervalMs = parseGoDuration(c.interval).ns / 1e6
      if (!(intervalMs >= 100)) errors.push(new CrowdError('config', `cti.consensus.interval must be at least 100ms, not "${c.interval}"`, {file}))
    } catch (error) {
      errors.push(new CrowdError('config', `cti.consensus.interval must be a duration such as 1m or 30s, not "${c.interval}": ${(error as Error).message}`, {file}))
    }
  }
  const out: CtiServiceConfig = {
    listen,
    neverBan: Array.isArray(r.never_ban) ? (r.never_ban as string[]).map((f) => relative(f) ?? f) : [],
    trustedProxies: Array.isArray(r.trusted_proxies) ? (r.trusted_proxies as string[]) : [],
    consensus: {intervalMs, trustNewReporters: typeof c.trust_new_reporters === 'boolean' ? c.trust_new_reporters : d.consensus.trustNewReporters},
  }
  const hub = relative(r.hub)
  if (hub !== undefined) out.hub = hub
  const canaries = relative(r.canaries)
  if (canaries !== undefined) out.canaries = canaries
  if (typeof r.store_url === 'string' && r.store_url !== '') out.storeUrl = r.store_url
  if (c.k !== undefined) out.consensus.k = positive(c.k as number, 'cti.consensus.k', 5)
  return out
}

function checkShape(value: Record<string, unknown>, shape: Shape, prefix: string, file: string, errors: CrowdError[]): void {
  for (const [key, v] of Object.entries(value)) {
    const name = prefix + key
    const want = shape[key]
    if (want === undefined) {
      errors.push(new CrowdError('config', `unknown key "${name}"`, {file}))
    } else if (typeof want === 'object') {
      if (v === null || typeof v !== 'object' || Array.isArray(v)) errors.push(new CrowdError('config', `"${name}" must be a table`, {file}))
      else checkShape(v as Record<string, unknown>, want, name + '.', file, errors)
    } else if (want === 'table[]') {
      if (!Array.isArray(v) || v.some((x) => x === null || typeof x !== 'object' || Array.isArray(x))) errors.push(new CrowdError('config', `"${name}" must be an array of tables ([[${name}]])`, {file}))
    } else if (want === 'string[]') {
      if (!Array.isArray(v) || v.some((x) => typeof x !== 'string')) errors.push(new CrowdError('config', `"${name}" must be an array of strings`, {file}))
    } else if (typeof v !== want) {
      errors.push(new CrowdError('config', `"${name}" must be a ${want}`, {file}))
    }
  }
}
