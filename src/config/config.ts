/**
 * crowd.toml -> a typed Config. Every section is optional; unknown keys are errors so a
 * typo never silently falls back to a default. All errors of a file are reported at once.
 */
import * as fs from 'node:fs'
import TOML from '@iarna/toml'
import {CrowdError, CrowdErrorList} from '../model/errors.js'
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
}

export const DEFAULT_CONFIG: Omit<Config, 'file' | 'fileFrom' | 'fileExists' | 'dataDir'> = {
  logLevel: 'warn',
  hub: {sources: ['embedded']},
  acquisition: {maxLineBytes: 64 * 1024},
  detect: {maxBucketsPerScenario: 100_000},
  enrich: {reverseDns: false},
}

type Shape = {[key: string]: 'string' | 'number' | 'boolean' | 'string[]' | Shape}

const SCHEMA: Shape = {
  log_level: 'string',
  paths: {data_dir: 'string'},
  hub: {sources: 'string[]'},
  acquisition: {max_line_bytes: 'number'},
  detect: {max_buckets_per_scenario: 'number'},
  enrich: {geoip_city_db: 'string', geoip_asn_db: 'string', reverse_dns: 'boolean'},
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
  }
  if (errors.length === 1) throw errors[0]
  if (errors.length > 1) throw new CrowdErrorList(errors)
  return config
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
    } else if (want === 'string[]') {
      if (!Array.isArray(v) || v.some((x) => typeof x !== 'string')) errors.push(new CrowdError('config', `"${name}" must be an array of strings`, {file}))
    } else if (typeof v !== want) {
      errors.push(new CrowdError('config', `"${name}" must be a ${want}`, {file}))
    }
  }
}
