/**
 * The services CrowdSec helpers need, passed in rather than kept in module globals:
 * data files (`data:` sections), stash caches, a decision store, CTI, DNS, GeoIP, a
 * logger and a clock. Every backend is optional except data, stash, logger and clock;
 * a missing backend gives the neutral value the hub tests expect (0 decisions, no GeoIP).
 */
import {hostname as osHostname} from 'node:os'
import {GoDuration, GoTime} from '../../model/go-time.js'
import {silentLogger, type Logger} from '../../model/logger.js'
import {FileDataStore} from './data-files.js'
import {MemoryStashStore} from './stash-decisions.js'

export type DataFileType = 'string' | 'regexp' | 'regex' | 'map' | 'bots'

export interface RegexpCacheOptions {
  cache?: boolean
  strategy?: string
  size?: number
  /** Go duration text (`10s`). */
  ttl?: string
}

/** A row of a `type: map` data file. */
export interface MapRow {
  pattern: string
  tag: string
  type: 'equals' | 'contains' | 'regex'
}

/** An entry of a `type: bots` data file. */
export interface BotEntry {
  name: string
  user_agent?: string
  paths?: string[]
  ips?: string[]
  ranges?: string[]
  rdns?: string[]
}

export interface DataStore {
  /**
   * Loads a `data:` entry once per file name; `path` is `<data_dir>/<dest_file>` or just
   * `dest_file`. Lines starting with `#` and empty lines are skipped. A missing file is
   * logged and ignored; an invalid regexp throws (CrowdSec refuses to start).
   */
  loadDataFile(path: string, type: string, options?: RegexpCacheOptions & {destFile?: string}): void
  strings(name: string): string[] | undefined
  regexps(name: string): RegexpFile | undefined
  mapRows(name: string): MapRow[] | undefined
  bots(name: string): BotEntry[] | undefined
}

export interface RegexpFile {
  test(text: string): boolean
  /** The RE2 source of each line, when known (analyses such as the detector's prefilter read it). */
  readonly sources?: readonly string[]
}

export interface StashCacheConfig {
  size?: number
  /** Default TTL in nanoseconds. */
  ttlNs?: number
  strategy?: string
}

export interface StashStore {
  /** Declares a cache (a stash definition); several definitions of one name are allowed. */
  define(name: string, config: StashCacheConfig): void
  get(name: string, key: string): string | undefined
  /** ttlNs undefined: the cache's default. */
  set(name: string, key: string, value: string, ttlNs?: number): void
}

export interface DecisionsBackend {
  count(value: string): number
  activeCount(value: string): number
  sinceCount(value: string, sinceNs: number): number
  activeTimeLeft(value: string): GoDuration
}

/** CTI lookups are synchronous (expressions are): a backend answers from its cache. */
export interface CtiBackend {
  lookup(ip: string): unknown
}

export interface DnsBackend {
  lookupHost(name: string): string[] | undefined
  /** PTR names (with trailing dot), for MatchKnownBot's forward-confirmed rDNS. */
  lookupAddr?(ip: string): string[] | undefined
}

export interface GeoIpBackend {
  city(ip: string): unknown
  asn(ip: string): unknown
  range(ip: string): unknown
  country?(ip: string): string
}

export interface HttpBackend {
  request(method: string, url: string, headers: Record<string, string>, body: string): unknown
}

export interface Clock {
  now(): GoTime
}

export interface HelperContext {
  data: DataStore
  stash: StashStore
  logger: Logger
  clock: Clock
  decisions?: DecisionsBackend
  cti?: CtiBackend
  dns?: DnsBackend
  geoip?: GeoIpBackend
  http?: HttpBackend
  hostname?: () => string
}

export const systemClock: Clock = {now: () => GoTime.now()}

export interface HelperContextOptions extends Partial<HelperContext> {
  /** Where `data:` dest_files live, for the default data store. */
  dataDir?: string
}

/** A context with in-memory defaults for whatever is not given. */
export function createHelperContext(options: HelperContextOptions = {}): HelperContext {
  const logger = options.logger ?? silentLogger
  const {dataDir, ...rest} = options
  return {
    ...rest,
    logger,
    clock: options.clock ?? systemClock,
    data: options.data ?? new FileDataStore({dataDir, logger}),
    stash: options.stash ?? new MemoryStashStore(),
    hostname: options.hostname ?? osHostname,
  }
}

let fallback: HelperContext | undefined

/** A shared context for expressions compiled without one (no data files, empty stash). */
export function defaultHelperContext(): HelperContext {
  fallback ??= createHelperContext()
  return fallback
}
