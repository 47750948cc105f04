/**
 * Bouncer configurations: `bouncers/NAME.yaml` (or .yml) beside crowd.toml, then in the data dir
 * (Config.bouncers.dirs; the first found wins), with CrowdSec's bouncer keys: `api_url`,
 * `api_key`, `update_frequency` (Go duration), `apply_interval` (crowd's: the least time between
 * two applies of a `batches = "full"` package, default 1s), `scopes`, `supported_decisions_types`, `origins`,
 * `scenarios_containing`, `scenarios_not_containing`, `log_level`; crowd adds `type` (which
 * installed bouncer package runs it; default: NAME) and `captcha_as_ban` (default true). Every
 * other key (`mode`, `bin_path`, `nftables`...) is the plugin's. `${VAR}` and `$VAR` are expanded
 * from the environment in the whole file before it is read, as CrowdSec's bouncers do (Debian's
 * configs use API_KEY, BINARY_PATH, BACKEND); an undefined variable is left as written.
 *
 * No file for NAME: defaults that work with a local `crowd lapi serve`: http://127.0.0.1:8080/,
 * the key from $API_KEY, 200ms between polls.
 */
import * as fs from 'node:fs'
import * as path from 'node:path'
import {isMap, isScalar, LineCounter, parseDocument, type Node as YamlNode} from 'yaml'
import {CrowdError, CrowdErrorList} from '../../model/errors.js'
import {parseGoDuration} from '../../model/go-time.js'
import {yamlFilesIn} from '../../platform/files.js'
import {expandEnv} from '../notifications/config.js'
import {DEFAULT_FILTERS, type DecisionFilters} from './decisions.js'

export const DEFAULT_API_URL = 'http://127.0.0.1:8080/'
export const DEFAULT_UPDATE_FREQUENCY_MS = 200
export const DEFAULT_APPLY_INTERVAL_MS = 1000
const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'warning', 'error', 'fatal', 'panic', 'off']
/** Keys the runner reads; the others go to the plugin. */
export const RUNNER_KEYS = new Set(['type', 'api_url', 'api_key', 'update_frequency', 'apply_interval', 'scopes', 'supported_decisions_types', 'origins', 'scenarios_containing', 'scenarios_not_containing', 'captcha_as_ban', 'log_level'])

export interface BouncerConfig {
  /** NAME: the file's name without .yaml. */
  name: string
  /** The file; undefined when NAME has none (defaults). */
  file?: string
  /** Line of each top-level key (for errors). */
  keyLines: Record<string, number>
  /** The bouncer package's type (`type:`, default NAME). */
  type: string
  apiUrl: string
  /** Empty when neither `api_key` nor $API_KEY is set (the runner refuses to start). */
  apiKey: string
  updateFrequencyMs: number
  /** `batches = "full"` plugins: the least time between two applies (`apply_interval`, default 1s). */
  applyIntervalMs: number
  logLevel?: string
  filters: DecisionFilters
  /** Every key of the file after expansion (what permissions naming keys resolve against). */
  values: Record<string, unknown>
}

export interface LoadBouncerOptions {
  /** Where `${VAR}` is read from (default process.env). */
  env?: Readonly<Record<string, string | undefined>>
}

const NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]*$/

/** The configuration files of the directories: NAME -> file (the first directory wins). */
export function bouncerFiles(dirs: readonly string[]): Map<string, string> {
  const out = new Map<string, string>()
  for (const file of yamlFilesIn(dirs, 'bouncer')) {
    const name = path.basename(file).replace(/\.ya?ml$/i, '')
    if (!out.has(name)) out.set(name, file)
  }
  return out
}

/** The configuration of NAME: its file, or the defaults when it has none. */
export function loadBouncerConfig(dirs: readonly string[], name: string, options: LoadBouncerOptions = {}): BouncerConfig {
  if (!NAME.test(name)) throw new CrowdError('usage', `"${name}" is not a bouncer name (letters, digits, _ . -)`)
  const file = bouncerFiles(dirs).get(name)
  if (file === undefined) return parseBouncerConfig('', name, undefined, options)
  let text: string
  try {
    text = fs.readFileSync(file, 'utf8')
  } catch (error) {
    throw new CrowdError('config', `cannot read bouncer configuration: ${(error as NodeJS.ErrnoException).code ?? String(error)}`, {file})
  }
  return parseBouncerConfig(text, name, file, options)
}

/** Every configuration of the directories, by name; the errors of all files at once. */
export function loadBouncerConfigs(dirs: readonly string[], options: LoadBouncerOptions = {}): BouncerConfig[] {
  const errors: CrowdError[] = []
  const out: BouncerConfig[] = []
  for (const name of [...bouncerFiles(dirs).keys()].sort()) {
    try {
      out.push(loadBouncerConfig(dirs, name, options))
    } catch (error) {
      if (error instanceof CrowdErrorList) errors.push(...error.errors)
      else if (error instanceof CrowdError) errors.push(error)
      else throw error
    }
  }
  if (errors.length === 1) throw errors[0]
  if (errors.length > 1) throw new CrowdErrorList(errors)
  return out
}

/** One configuration's text (`file` undefined: no file, the defaults). */
export function parseBouncerConfig(text: string, name: string, file: string | undefined, options: LoadBouncerOptions = {}): BouncerConfig {
  const env = options.env ?? process.env
  const lines = new LineCounter()
  const doc = parseDocument(expandEnv(text, env), {lineCounter: lines, uniqueKeys: true})
  const errors: CrowdError[] = []
  for (const e of doc.errors) errors.push(new CrowdError('config', e.message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, ''), {file, line: e.linePos?.[0]?.line, column: e.linePos?.[0]?.col}))
  if (errors.length > 0) throw errors.length === 1 ? errors[0]! : new CrowdErrorList(errors)
  const root = doc.contents as YamlNode | null
  const keyLines: Record<string, number> = {}
  let values: Record<string, unknown> = {}
  if (root !== null && !(isScalar(root) && (root.value === null || root.value === ''))) {
    if (!isMap(root)) throw new CrowdError('config', 'a bouncer configuration must be a mapping', {file, line: 1})
    for (const pair of root.items) {
      const offset = (pair.key as YamlNode | null)?.range?.[0]
      if (isScalar(pair.key)) keyLines[String(pair.key.value)] = offset === undefined ? 1 : lines.linePos(offset).line
    }
    values = (doc.toJS({maxAliasCount: 100}) ?? {}) as Record<string, unknown>
  }
  const fail = (key: string, reason: string): void => void errors.push(new CrowdError('config', `${key}: ${reason}`, {file, line: keyLines[key]}))
  const str = (key: string): string | undefined => {
    const v = values[key]
    if (v === undefined || v === null) return undefined
    if (typeof v === 'string' || typeof v === 'number') return String(v)
    fail(key, 'must be a string')
    return undefined
  }
  const list = (key: string, fallback: string[]): string[] => {
    const v = values[key]
    if (v === undefined || v === null) return fallback
    const items = typeof v === 'string' ? v.split(',') : Array.isArray(v) ? v : undefined
    if (items === undefined || items.some((x) => typeof x !== 'string')) {
      fail(key, 'must be a list of strings')
      return fallback
    }
    return (items as string[]).map((s) => s.trim()).filter((s) => s !== '')
  }

  const type = str('type') ?? name
  const apiUrl = str('api_url') ?? DEFAULT_API_URL
  let url: URL | undefined
  try {
    url = new URL(apiUrl)
  } catch {
    fail('api_url', 'must be an http or https URL')
  }
  if (url !== undefined && url.protocol !== 'http:' && url.protocol !== 'https:') fail('api_url', 'must be an http or https URL')
  const apiKey = str('api_key') ?? env.API_KEY ?? ''
  const duration = (key: string, fallback: number): number => {
    const v = values[key]
    if (typeof v === 'number') return v / 1e6 // nanoseconds, as Go decodes a number into a Duration
    if (typeof v === 'string') {
      try {
        return parseGoDuration(v).ns / 1e6
      } catch (error) {
        fail(key, (error as Error).message)
      }
    } else if (v !== undefined && v !== null) fail(key, 'must be a duration such as 10s')
    return fallback
  }
  const updateFrequencyMs = duration('update_frequency', DEFAULT_UPDATE_FREQUENCY_MS)
  if (updateFrequencyMs <= 0 && errors.length === 0) fail('update_frequency', 'must be more than 0')
  const applyIntervalMs = duration('apply_interval', DEFAULT_APPLY_INTERVAL_MS)
  if (applyIntervalMs < 0 && errors.length === 0) fail('apply_interval', 'must not be negative')
  const logLevel = str('log_level')
  if (logLevel !== undefined && !LOG_LEVELS.includes(logLevel.toLowerCase())) fail('log_level', `must be one of ${LOG_LEVELS.join(', ')}`)
  const scopes = list('scopes', ['Ip', 'Range']).map((s) => s.toLowerCase())
  for (const s of scopes) if (s !== 'ip' && s !== 'range') fail('scopes', `"${s}": a bouncer blocks Ip and Range decisions only`)
  const captcha = values.captcha_as_ban
  if (captcha !== undefined && captcha !== null && typeof captcha !== 'boolean') fail('captcha_as_ban', 'must be true or false')
  const filters: DecisionFilters = {
    scopes: scopes.filter((s) => s === 'ip' || s === 'range'),
    types: list('supported_decisions_types', DEFAULT_FILTERS.types).map((s) => s.toLowerCase()),
    // as written: the LAPI matches origins exactly (CAPI, lists, cscli, crowdsec); the local check ignores case
    origins: list('origins', []),
    scenariosContaining: list('scenarios_containing', []),
    scenariosNotContaining: list('scenarios_not_containing', []),
    captchaAsBan: typeof captcha === 'boolean' ? captcha : DEFAULT_FILTERS.captchaAsBan,
  }
  if (errors.length === 1) throw errors[0]
  if (errors.length > 1) throw new CrowdErrorList(errors)
  const config: BouncerConfig = {name, keyLines, type, apiUrl: apiUrl.endsWith('/') ? apiUrl : apiUrl + '/', apiKey, updateFrequencyMs, applyIntervalMs, filters, values}
  if (file !== undefined) config.file = file
  if (logLevel !== undefined) config.logLevel = logLevel
  return config
}
