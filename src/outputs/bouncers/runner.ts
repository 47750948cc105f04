/**
 * Runs one bouncer: polls the LAPI decision stream (lapi.md §5: `GET /v1/decisions/stream` with
 * `X-Api-Key`, `startup=true` first) every `update_frequency`, keeps the decisions known in
 * memory (DecisionState) and hands the changes to the plugin in chunks.
 *
 * - First poll: a startup batch (the plugin replaces its whole state); a big one is cut in chunks
 *   of `chunkSize` decisions, the first one only marked startup, with progress logged.
 * - The LAPI goes away: what is known stays enforced (decisions past their end are still
 *   removed, locally), polls are retried with a growing delay; once it answers again a startup
 *   poll resyncs and the plugin gets the difference only.
 * - The plugin fails: the error is reported and kept in the status; the memory state is kept and
 *   the plugin gets the whole state again (a startup batch) after a growing delay.
 * - Status (last sync, counts, last error) goes to `<dataDir>/bouncers/<name>.status.json`.
 */
import * as fs from 'node:fs'
import * as path from 'node:path'
import got from 'got'
import type {Logger} from '../../model/logger.js'
import {silentLogger} from '../../model/logger.js'
import type {BouncerConfig} from './config.js'
import {chunkBatch, DecisionState, emptyCounts, normaliseValue, type Decision, type DecisionBatch, type DecisionScope, type StreamAnswer, type StreamCounts} from './decisions.js'
import type {BouncerPlugin} from './plugins.js'
import {readStreamText} from './stream.js'

export const DEFAULT_CHUNK_SIZE = 10_000

/** A decision stream: every active decision when `startup`, else the changes since the last call. */
export type DecisionSource = (startup: boolean) => Promise<StreamAnswer>
/** What the LAPI's bouncer list shows as this bouncer's client. */
const USER_AGENT = 'crowd-bouncer/v0.1.0'

export interface BouncerStatus {
  name: string
  type: string
  package: string
  apiUrl: string
  pid: number
  startedAt: string
  /** The last poll the plugin fully applied (ISO time); null before the first. */
  lastSync: string | null
  /** The last poll that reached the LAPI. */
  lastPoll: string | null
  /** Values blocked and decisions known now. */
  blocked: number
  decisions: number
  totals: {polls: number; added: number; deleted: number; expired: number; filtered: number; garbage: number; lapiErrors: number; pluginErrors: number}
  /** Whether the plugin holds what the runner knows. */
  inSync: boolean
  lastError: {at: string; kind: 'lapi' | 'plugin'; message: string} | null
  /** What the plugin's last apply returned. */
  pluginStats: Record<string, unknown> | null
  updatedAt: string
}

export interface BouncerRunnerOptions {
  config: BouncerConfig
  plugin: BouncerPlugin
  dataDir: string
  logger?: Logger
  chunkSize?: number
  /** Retry delays after a failure: from `firstMs`, doubling, at most `maxMs` (defaults 1 s and 30 s). */
  backoff?: {firstMs: number; maxMs: number}
  /** Timeout of one poll (default 30 s: a startup stream of a million decisions takes a while). */
  pollTimeoutMs?: number
  /**
   * Where decisions come from instead of the LAPI over HTTP (a process that holds the store, as
   * `crowd watch` may): answers like the stream would for `startup`; a throw counts as the LAPI away.
   */
  source?: DecisionSource
  now?: () => number
}

/** Where `crowd bouncer status` reads a bouncer's status. */
export function statusFile(dataDir: string, name: string): string {
  return path.join(dataDir, 'bouncers', `${name}.status.json`)
}

export function readStatus(dataDir: string, name: string): BouncerStatus | undefined {
  try {
    return JSON.parse(fs.readFileSync(statusFile(dataDir, name), 'utf8')) as BouncerStatus
  } catch {
    return undefined
  }
}

export class BouncerRunner {
  readonly state: DecisionState
  readonly status: BouncerStatus
  readonly #o: Required<Omit<BouncerRunnerOptions, 'logger' | 'source'>> & {logger: Logger; source?: DecisionSource}
  /** No poll has reached the LAPI yet: the next is a startup one, and so is the plugin's batch. */
  #first = true
  /** The LAPI was away: the next poll is a startup one, the plugin gets the difference. */
  #resync = false
  /** The plugin must get the whole state again (it failed). */
  #pluginStale = false
  #failures = 0
  #lastWrite = 0
  /** `full` plugins: a change not applied yet, and when the last whole apply was. */
  #fullPending = false
  #lastFullApply = -Infinity

  constructor(options: BouncerRunnerOptions) {
    this.#o = {logger: silentLogger, chunkSize: DEFAULT_CHUNK_SIZE, backoff: {firstMs: 1000, maxMs: 30_000}, pollTimeoutMs: 30_000, now: Date.now, ...options}
    this.state = new DecisionState(options.config.filters)
    const c = options.config
    this.status = {
      name: c.name,
      type: c.type,
      package: options.plugin.packageName,
      apiUrl: c.apiUrl,
      pid: process.pid,
      startedAt: new Date(this.#o.now()).toISOString(),
      lastSync: null,
      lastPoll: null,
      blocked: 0,
      decisions: 0,
      totals: {polls: 0, added: 0, deleted: 0, expired: 0, filtered: 0, garbage: 0, lapiErrors: 0, pluginErrors: 0},
      inSync: false,
      lastError: null,
      pluginStats: null,
      updatedAt: new Date(this.#o.now()).toISOString(),
    }
  }

  /**
   * One round: expire, poll, apply. Returns true when the LAPI answered and the plugin applied
   * everything; false after a failure (reported in the status and the log, never thrown).
   */
  async syncOnce(): Promise<boolean> {
    const log = this.#o.logger
    const now = this.#o.now()
    const expired = this.state.expire(now)
    if (expired.length > 0) this.status.totals.expired += expired.length
    let answer: StreamAnswer
    const startup = this.#first || this.#resync
    try {
      answer = await this.#poll(startup)
    } catch (error) {
      if (expired.length > 0 && !this.#pluginStale) {
        if (this.#o.plugin.batches === 'full') await this.#sendFull({startup: false, added: [], deleted: expired})
        else await this.#send({startup: false, added: [], deleted: expired})
      }
      this.#failed('lapi', `cannot poll ${this.#o.config.apiUrl}: ${(error as Error).message}`)
      if (!this.#first) this.#resync = true
      return false
    }
    this.status.totals.polls++
    this.status.lastPoll = new Date(this.#o.now()).toISOString()
    const counts: StreamCounts = emptyCounts()
    const t = this.#o.now()
    let batch: DecisionBatch = startup ? this.state.replace(answer, t, counts) : this.state.apply(answer, t, counts)
    if (this.#first) batch = {startup: true, added: batch.added, deleted: []}
    else if (expired.length > 0) {
      const readded = new Set(batch.added.map((a) => a.value))
      batch = {...batch, deleted: [...expired.filter((d) => !readded.has(d.value)), ...batch.deleted]}
    }
    // the state is loaded: later polls are deltas, even when the plugin fails (it then gets the whole state again)
    this.#first = false
    this.#resync = false
    this.status.totals.filtered += counts.filtered
    this.status.totals.garbage += counts.garbage
    if (counts.garbage > 0) log.warn(`bouncer ${this.#o.config.name}: ${counts.garbage} unusable decision(s) left out: ${counts.samples.join('; ')}`)
    if (startup && counts.read > this.#o.chunkSize) log.info(`bouncer ${this.#o.config.name}: ${counts.read} decisions read from the LAPI, ${this.state.decisions} kept for ${this.state.size} values`)
    if (this.#pluginStale) batch = {startup: true, added: this.state.snapshot(this.#o.now()), deleted: []}
    const ok = this.#o.plugin.batches === 'full' ? await this.#sendFull(batch) : await this.#send(batch)
    if (ok) {
      this.#failures = 0
      this.status.lastSync = new Date(this.#o.now()).toISOString()
    }
    this.#writeStatus(ok || batch.added.length + batch.deleted.length > 0)
    return ok
  }

  /** Polls until `signal` aborts, waiting update_frequency between rounds and longer after failures. */
  async run(signal: AbortSignal): Promise<void> {
    while (!signal.aborted) {
      const ok = await this.syncOnce()
      await sleep(ok ? this.#o.config.updateFrequencyMs : this.retryDelay(), signal)
    }
    this.#writeStatus(true)
  }

  /** The wait before the next try after `failures` failures in a row. */
  retryDelay(): number {
    const {firstMs, maxMs} = this.#o.backoff
    return Math.min(maxMs, firstMs * 2 ** Math.max(0, Math.min(this.#failures - 1, 30)))
  }

  async #poll(startup: boolean): Promise<StreamAnswer> {
    if (this.#o.source !== undefined) return this.#o.source(startup)
    const c = this.#o.config
    if (c.apiKey === '') throw new Error('no API key (set api_key in the configuration, or $API_KEY; crowd bouncers add NAME makes one)')
    const url = new URL('v1/decisions/stream', c.apiUrl)
    url.searchParams.set('startup', String(startup))
    url.searchParams.set('scopes', c.filters.scopes.join(','))
    if (c.filters.origins.length > 0) url.searchParams.set('origins', c.filters.origins.join(','))
    if (c.filters.scenariosContaining.length > 0) url.searchParams.set('scenarios_containing', c.filters.scenariosContaining.join(','))
    if (c.filters.scenariosNotContaining.length > 0) url.searchParams.set('scenarios_not_containing', c.filters.scenariosNotContaining.join(','))
    const response = await got(url, {
      headers: {'X-Api-Key': c.apiKey, 'User-Agent': USER_AGENT},
      throwHttpErrors: false,
      retry: {limit: 0},
      timeout: {request: this.#o.pollTimeoutMs},
      responseType: 'text',
    })
    if (response.statusCode !== 200) {
      let message = response.body.slice(0, 200)
      try {
        message = String((JSON.parse(response.body) as {message?: unknown}).message ?? message)
      } catch {}
      throw new Error(`${response.statusCode} ${message}`.trim())
    }
    return readStreamText(response.body)
  }

  /**
   * `batches = "full"` plugins: when anything changed (or the plugin must catch up), every decision
   * in one startup batch, at most once per apply_interval; a change within the interval waits for
   * a later round (the run loop polls every update_frequency). False (reported) when the plugin failed.
   */
  async #sendFull(changes: DecisionBatch): Promise<boolean> {
    if (changes.startup || changes.added.length > 0 || changes.deleted.length > 0) this.#fullPending = true
    if (!this.#fullPending) return true
    const now = this.#o.now()
    if (now - this.#lastFullApply < this.#o.config.applyIntervalMs) {
      this.status.inSync = false
      return true
    }
    const batch: DecisionBatch = {startup: true, added: this.state.snapshot(now), deleted: []}
    try {
      this.status.pluginStats = await this.#o.plugin.apply(batch)
    } catch (error) {
      this.#pluginStale = true
      this.status.inSync = false
      this.#failed('plugin', `${this.#o.plugin.packageName} failed: ${(error as Error).message}`)
      return false
    }
    this.#lastFullApply = this.#o.now()
    this.#fullPending = false
    this.#pluginStale = false
    this.status.inSync = true
    this.status.totals.added += changes.added.length
    this.status.totals.deleted += changes.deleted.length
    this.#o.logger.debug(`bouncer ${this.#o.config.name}: ${batch.added.length} decisions applied whole`)
    return true
  }

  /**
   * A startup too big for one chunk, for a plugin that can resync: what the target holds that is
   * not wanted is deleted, then every decision is added again (refreshing timeouts), in chunks;
   * the old bans keep filtering meanwhile, so nothing banned passes during the resync. Undefined
   * when the plugin has no resync (the startup then goes as a startup batch in chunks).
   */
  async #resyncBatch(batch: DecisionBatch): Promise<DecisionBatch | undefined> {
    const plugin = this.#o.plugin
    if (plugin.resync === undefined) return undefined
    const held = await plugin.resync()
    if (held === undefined) return undefined
    const wanted = new Set(batch.added.map((d) => d.value))
    const deleted: Decision[] = []
    for (const text of held) {
      const scope: DecisionScope = text.includes('/') ? 'Range' : 'Ip'
      const value = normaliseValue(scope, text)
      if (value !== undefined && !wanted.has(value)) deleted.push({value, scope, type: 'ban', origin: '', scenario: '', ttlMs: 1})
    }
    this.#o.logger.info(`bouncer ${this.#o.config.name}: resync: the target holds ${held.length} values, ${deleted.length} to remove, ${batch.added.length} to (re)add`)
    return {startup: false, added: batch.added, deleted}
  }

  /** Sends a batch in chunks; false (reported) when the plugin failed. */
  async #send(batch: DecisionBatch): Promise<boolean> {
    const log = this.#o.logger
    const name = this.#o.config.name
    if (!batch.startup && batch.added.length === 0 && batch.deleted.length === 0) return true
    const total = batch.added.length + batch.deleted.length
    let done = 0
    try {
      if (batch.startup && total > this.#o.chunkSize) batch = (await this.#resyncBatch(batch)) ?? batch
      const chunks = chunkBatch(batch, this.#o.chunkSize)
      for (const chunk of chunks) {
        this.status.pluginStats = await this.#o.plugin.apply(chunk)
        done += chunk.added.length + chunk.deleted.length
        if (chunks.length > 1) log.info(`bouncer ${name}: applied ${done}/${batch.added.length + batch.deleted.length} decisions`)
      }
    } catch (error) {
      this.#pluginStale = true
      this.status.inSync = false
      this.#failed('plugin', `${this.#o.plugin.packageName} failed: ${(error as Error).message}`)
      return false
    }
    this.#pluginStale = false
    this.status.inSync = true
    this.status.totals.added += batch.added.length
    this.status.totals.deleted += batch.deleted.length
    if (total > 0) log.debug(`bouncer ${name}: ${batch.startup ? 'startup, ' : ''}${batch.added.length} added, ${batch.deleted.length} deleted`)
    return true
  }

  #failed(kind: 'lapi' | 'plugin', message: string): void {
    this.#failures++
    if (kind === 'lapi') this.status.totals.lapiErrors++
    else this.status.totals.pluginErrors++
    this.status.lastError = {at: new Date(this.#o.now()).toISOString(), kind, message}
    this.#o.logger.error(`bouncer ${this.#o.config.name}: ${message} (retry in ${this.retryDelay()}ms)`)
    this.#writeStatus(true)
  }

  #writeStatus(changed: boolean): void {
    const now = this.#o.now()
    if (!changed && now - this.#lastWrite < 5000) return
    this.#lastWrite = now
    this.status.blocked = this.state.size
    this.status.decisions = this.state.decisions
    this.status.updatedAt = new Date(now).toISOString()
    const file = statusFile(this.#o.dataDir, this.#o.config.name)
    try {
      fs.mkdirSync(path.dirname(file), {recursive: true})
      fs.writeFileSync(file + '.tmp', JSON.stringify(this.status, null, 2) + '\n')
      fs.renameSync(file + '.tmp', file)
    } catch (error) {
      this.#o.logger.warn(`bouncer ${this.#o.config.name}: cannot write ${file}: ${(error as Error).message}`)
    }
  }
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve()
    const timer = setTimeout(done, ms)
    function done(): void {
      clearTimeout(timer)
      signal.removeEventListener('abort', done)
      resolve()
    }
    signal.addEventListener('abort', done, {once: true})
  })
}
