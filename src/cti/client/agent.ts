/**
 * The agent side of participative CTI, run beside a LAPI on its store (notifications-and-cti.md
 * §6-8): alerts the LAPI stores are turned into signals and queued in the store; a push loop sends
 * them in batches of at most 50 (the first push after 0.3 to 1.7 push intervals, then every
 * interval); a pull loop fetches the community blocklist at start and every pull interval into
 * decisions with origin `CAPI` under one alert per pull; a metrics loop reports the local
 * bouncers and machines.
 *
 * Unlike CrowdSec, nothing is dropped when the central API cannot be reached: the queue is in the
 * store, survives restarts, and is retried with a growing back-off; only past `queue_limit` the
 * oldest signals are dropped (and counted). Several LAPI processes on one database take turns:
 * a lease in the store lets one of them push, and one pull, at a time.
 */
import {randomBytes, randomUUID} from 'node:crypto'
import {hostname} from 'node:os'
import type {CtiAgentConfig} from '../../config/config.js'
import type {Alert} from '../../model/alert.js'
import type {Logger} from '../../model/logger.js'
import {parseGoDuration} from '../../model/go-time.js'
import {normalizeScope, parseIpInterval} from '../../store/ip-range.js'
import type {NewAlert, NewDecision, Store} from '../../store/types.js'
import {CapiClient, CapiError, replyMessage} from './capi.js'
import type {CapiCredentials} from './credentials.js'
import {shareDecision, toSignal} from './signals.js'

/** Signals per `POST /signals` (§7.3). */
export const SIGNAL_BATCH = 50
/** Batches sent in one push round at most (the rest waits for the next round). */
const MAX_BATCHES_PER_ROUND = 100
/** The community blocklist alert's source scope (§8.3). */
export const COMMUNITY_SCOPE = 'crowdsecurity/community-blocklist'
export const CAPI_ORIGIN = 'CAPI'

/** Keys of the client's state in the store (`cti_state`). */
export const STATE = {
  lastPush: 'last_push',
  lastPull: 'last_pull',
  lastMetrics: 'last_metrics',
  pushed: 'signals_pushed',
  dropped: 'signals_dropped',
  lastError: 'last_error',
  lastPullCounts: 'last_pull_counts',
} as const

export interface CtiAgentOptions {
  store: Store
  config: CtiAgentConfig
  credentials: CapiCredentials
  logger: Logger
  clock?: () => number
  /** In [0, 1): the jitter of the first push and of each pull. */
  random?: () => number
  /** Scenarios to declare besides those the local watchers reported at login (a watch on the local store). */
  scenarios?: () => readonly string[]
  /** crowd's version, reported with the metrics. */
  version?: string
  /** Tells apart processes sharing a store (leases); default host, pid and a random tag. */
  owner?: string
  timeoutMs?: number
}

export interface PushResult {
  sent: number
  batches: number
  /** Why nothing was tried, when nothing was. */
  skipped?: string
}

export interface PullResult {
  skipped?: string
  added: number
  deleted: number
  /** Earlier CAPI decisions replaced by this pull (hard-deleted). */
  replaced: number
  startup: boolean
}

/** The time text of the metrics (RFC 3339, UTC). */
const iso = (ms: number | null): string | undefined => (ms === null ? undefined : new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z'))

export class CtiAgent {
  readonly client: CapiClient
  readonly #o: CtiAgentOptions
  readonly #clock: () => number
  readonly #random: () => number
  readonly #owner: string
  readonly #timers = new Set<NodeJS.Timeout>()
  #pushing: Promise<PushResult> | undefined
  #pulling: Promise<PullResult> | undefined
  #metricsRun: Promise<void> | undefined
  #failures = 0
  #retryAt = 0
  #startupDone = false
  #closed = false

  constructor(options: CtiAgentOptions) {
    this.#o = options
    this.#clock = options.clock ?? Date.now
    this.#random = options.random ?? Math.random
    this.#owner = options.owner ?? `${hostname()}/${process.pid}/${randomBytes(4).toString('hex')}`
    this.client = new CapiClient({credentials: options.credentials, store: options.store, scenarios: () => this.scenarios(), clock: this.#clock, timeoutMs: options.timeoutMs})
  }

  /** The scenarios declared at login: those local watchers reported at their LAPI login, and those given. */
  async scenarios(): Promise<string[]> {
    const names = new Set<string>()
    for (const m of await this.#o.store.listMachines()) for (const s of m.scenarios.split(',')) if (s.trim() !== '') names.add(s.trim())
    for (const s of this.#o.scenarios?.() ?? []) if (s !== '') names.add(s)
    return [...names].sort()
  }

  // ---- signals in

  /** The LAPI's hook: queues the signals of the alerts §7.1 allows. */
  readonly onAlertsStored = async (alerts: readonly {record: NewAlert; alert?: Alert}[]): Promise<void> => {
    const c = this.#o.config
    const rows: {alertUuid: string; signal: string}[] = []
    for (const stored of alerts) {
      const verdict = shareDecision(stored.record, c)
      if (!verdict.share) continue
      rows.push({alertUuid: stored.record.uuid, signal: JSON.stringify(toSignal(stored, verdict.trust, c.shareContext))})
    }
    if (rows.length === 0) return
    const {dropped} = await this.#o.store.queueSignals(rows, c.queueLimit, this.#clock())
    if (dropped > 0) this.#o.logger.warn(`cti: the signal queue is full (${c.queueLimit}): dropped the ${dropped} oldest signal(s)`)
  }

  // ---- loops

  /** Starts the loops: pushes (when sharing), the startup pull and the periodic pulls (when pulling), metrics. */
  start(): void {
    const c = this.#o.config
    if (c.sharing) {
      this.#after(c.pushIntervalMs * (0.3 + 1.4 * this.#random()), () => this.#pushTick())
    }
    if (c.pull) this.#after(0, () => this.#startupPull())
    this.#after(0, () => this.#metricsTick())
  }

  #after(ms: number, fn: () => void): void {
    if (this.#closed) return
    const timer = setTimeout(() => {
      this.#timers.delete(timer)
      if (!this.#closed) fn()
    }, Math.max(0, Math.round(ms)))
    timer.unref()
    this.#timers.add(timer)
  }

  #pushTick(): void {
    void this.pushNow().catch((error: unknown) => this.#o.logger.warn(`cti: push: ${(error as Error).message}`))
      .finally(() => this.#after(this.#o.config.pushIntervalMs, () => this.#pushTick()))
  }

  #startupPull(): void {
    // the startup pull waits until some watcher declared its scenarios (§8.1), checked every push interval
    void (async () => {
      let result: PullResult | undefined
      try {
        result = await this.pullNow()
      } catch (error) {
        this.#o.logger.warn(`cti: pull: ${(error as Error).message}`)
      }
      const c = this.#o.config
      if (result?.skipped === NO_SCENARIOS) this.#after(c.pushIntervalMs, () => this.#startupPull())
      // the service could not be reached: tried again within a minute (not as often as pushes: each failure is logged)
      else if (result === undefined) this.#after(Math.min(c.pullIntervalMs, Math.max(6 * c.pushIntervalMs, 60_000)), () => this.#startupPull())
      else this.#after(this.#pullDelay(), () => this.#pullTick())
    })()
  }

  /** A pull interval give or take 1/24 of it (2 h ± 5 min). */
  #pullDelay(): number {
    const every = this.#o.config.pullIntervalMs
    return every + (this.#random() * 2 - 1) * (every / 24)
  }

  #pullTick(): void {
    void this.pullNow().catch((error: unknown) => this.#o.logger.warn(`cti: pull: ${(error as Error).message}`))
      .finally(() => this.#after(this.#pullDelay(), () => this.#pullTick()))
  }

  #metricsTick(): void {
    void this.pushMetricsNow().catch((error: unknown) => this.#o.logger.debug(`cti: metrics: ${(error as Error).message}`))
      .finally(() => this.#after(this.#o.config.metricsIntervalMs, () => this.#metricsTick()))
  }

  /**
   * Stops the loops and waits for the exchanges in flight, at most `waitMs` (a central API that hangs must not hold
   * the LAPI's shutdown: what was not acknowledged stays queued and is sent again by the next run).
   */
  async close(waitMs = 5000): Promise<void> {
    this.#closed = true
    for (const t of this.#timers) clearTimeout(t)
    this.#timers.clear()
    let timer: NodeJS.Timeout | undefined
    await Promise.race([
      Promise.allSettled([this.#pushing, this.#pulling, this.#metricsRun]),
      new Promise<void>((resolve) => {
        timer = setTimeout(resolve, waitMs)
      }),
    ])
    clearTimeout(timer)
    await this.#o.store.releaseCtiLease('push', this.#owner).catch(() => {})
    await this.#o.store.releaseCtiLease('pull', this.#owner).catch(() => {})
  }

  // ---- push

  /** Sends what is queued, in batches of at most 50 (after a failure, not before its back-off ran out unless `force`). */
  pushNow(options: {force?: boolean} = {}): Promise<PushResult> {
    this.#pushing ??= this.#push(options.force === true).finally(() => {
      this.#pushing = undefined
    })
    return this.#pushing
  }

  async #push(force: boolean): Promise<PushResult> {
    const store = this.#o.store
    const now = this.#clock()
    if (!this.#o.config.sharing) return {sent: 0, batches: 0, skipped: 'sharing is off'}
    if (!force && now < this.#retryAt) return {sent: 0, batches: 0, skipped: 'waiting after a failed push'}
    if (!(await store.ctiLease('push', this.#owner, now, now + Math.max(60_000, 6 * this.#o.config.pushIntervalMs)))) {
      return {sent: 0, batches: 0, skipped: 'another LAPI process pushes'}
    }
    let sent = 0
    let batches = 0
    try {
      while (batches < MAX_BATCHES_PER_ROUND && !this.#closed) {
        const rows = await store.signalQueue(SIGNAL_BATCH)
        if (rows.length === 0) break
        const body = rows.map((r) => JSON.parse(r.signal) as unknown)
        const reply = await this.client.call('POST', 'signals', {json: body})
        if (reply.status < 200 || reply.status >= 300) throw new CapiError(reply.status, `POST ${this.client.version}/signals: ${reply.status} ${replyMessage(reply)}`.trim())
        await store.deleteSignals(rows.map((r) => r.id))
        sent += rows.length
        batches++
        const at = this.#clock()
        await store.setCtiState(STATE.lastPush, String(at), at)
        await store.setCtiState(STATE.pushed, String(Number((await store.ctiState(STATE.pushed)) ?? '0') + rows.length), at)
      }
      this.#failures = 0
      this.#retryAt = 0
      if (sent > 0) this.#o.logger.info(`cti: pushed ${sent} signal(s) to ${this.client.url}`)
      return {sent, batches}
    } catch (error) {
      // kept in the queue; tried again after a back-off that doubles up to 32 push intervals (at most 5 minutes)
      this.#failures++
      const wait = Math.min(this.#o.config.pushIntervalMs * 2 ** Math.min(this.#failures, 5), Math.max(300_000, this.#o.config.pushIntervalMs))
      this.#retryAt = this.#clock() + wait
      await store.setCtiState(STATE.lastError, `${new Date(this.#clock()).toISOString()} push: ${(error as Error).message}`, this.#clock()).catch(() => {})
      throw error
    } finally {
      await store.releaseCtiLease('push', this.#owner).catch(() => {})
    }
  }

  // ---- pull

  /**
   * Pulls the community blocklist (§8): skipped when pulling is off, no watcher declared scenarios
   * yet, another process pulls, or (unless `force`) a CAPI alert is younger than three quarters of
   * the pull interval (1 h 30 min of 2 h). Deletions first, then the new decisions under one alert.
   */
  pullNow(options: {force?: boolean} = {}): Promise<PullResult> {
    this.#pulling ??= this.#pull(options.force === true).finally(() => {
      this.#pulling = undefined
    })
    return this.#pulling
  }

  async #pull(force: boolean): Promise<PullResult> {
    const store = this.#o.store
    const none = (skipped: string): PullResult => ({skipped, added: 0, deleted: 0, replaced: 0, startup: false})
    if (!this.#o.config.pull) return none('pulling is off')
    if (!force && (await this.scenarios()).length === 0) return none(NO_SCENARIOS)
    const now = this.#clock()
    if (!(await store.ctiLease('pull', this.#owner, now, now + 10 * 60_000))) return none('another LAPI process pulls')
    try {
      if (!force) {
        const recent = await store.queryAlerts({origin: CAPI_ORIGIN, limit: 1, sort: 'DESC', withDecisions: false}, now)
        const window = this.#o.config.pullIntervalMs * 0.75
        if (recent.length > 0 && now - recent[0]!.createdAt < window) return none('the last community blocklist is recent')
      }
      const startup = !this.#startupDone
      const reply = await this.client.call('GET', 'decisions/stream', {query: startup ? {startup: 'true'} : {}})
      if (reply.status !== 200) throw new CapiError(reply.status, `GET ${this.client.version}/decisions/stream: ${reply.status} ${replyMessage(reply)}`.trim())
      const at = this.#clock()
      const {alert, deleted, problems} = communityPull(reply.body, at)
      for (const p of problems.slice(0, 5)) this.#o.logger.warn(`cti: community blocklist: ${p}`)
      if (problems.length > 5) this.#o.logger.warn(`cti: community blocklist: ${problems.length - 5} more entries skipped`)
      const r = await store.replaceOriginDecisions(CAPI_ORIGIN, deleted, alert, at)
      this.#startupDone = true
      const deletedValues = deleted.reduce((n, g) => n + g.values.length, 0)
      await store.setCtiState(STATE.lastPull, String(at), at)
      await store.setCtiState(STATE.lastPullCounts, JSON.stringify({added: r.inserted, deleted: deletedValues, expired: r.expired, replaced: r.replaced}), at)
      this.#o.logger.info(`cti: community blocklist: +${r.inserted}/-${deletedValues} from ${this.client.url}`)
      return {added: r.inserted, deleted: r.expired, replaced: r.replaced, startup}
    } catch (error) {
      await store.setCtiState(STATE.lastError, `${new Date(this.#clock()).toISOString()} pull: ${(error as Error).message}`, this.#clock()).catch(() => {})
      throw error
    } finally {
      await store.releaseCtiLease('pull', this.#owner).catch(() => {})
    }
  }

  // ---- metrics

  /** `POST /v3/metrics/` (§8.4): the local bouncers and machines. */
  pushMetricsNow(): Promise<void> {
    this.#metricsRun ??= this.#metrics().finally(() => {
      this.#metricsRun = undefined
    })
    return this.#metricsRun
  }

  async #metrics(): Promise<void> {
    const store = this.#o.store
    const bouncers = (await store.listBouncers()).map((b) => ({custom_name: b.name, last_pull: iso(b.lastPull), name: b.type, version: b.version}))
    const machines = (await store.listMachines()).map((m) => ({last_push: iso(m.lastPush), last_update: iso(m.updatedAt), name: m.machineId, version: m.version}))
    const body = {apil_version: this.#o.version ?? 'v0.1.0', bouncers, machines}
    const reply = await this.client.call('POST', 'metrics/', {json: body})
    if (reply.status < 200 || reply.status >= 300) throw new CapiError(reply.status, `POST ${this.client.version}/metrics/: ${reply.status} ${replyMessage(reply)}`.trim())
    const at = this.#clock()
    await store.setCtiState(STATE.lastMetrics, String(at), at)
  }
}

const NO_SCENARIOS = 'no local watcher declared scenarios yet'

/**
 * The store's view of one `GET /decisions/stream` answer (§8.2, §8.3): deletions by value (the
 * scope only when it is not `ip`, as sent: CrowdSec's quirk), and one alert holding every new
 * decision (`ban`, origin CAPI, scope normalised, `until = now + duration`). Entries that are not
 * valid (a bad address, a bad duration) are left out and described in `problems`.
 */
export function communityPull(body: unknown, now: number): {alert: NewAlert; deleted: {scope?: string; values: string[]}[]; problems: string[]} {
  const problems: string[] = []
  const b = (body !== null && typeof body === 'object' && !Array.isArray(body) ? body : {}) as Record<string, unknown>
  if (body === null || typeof body !== 'object' || Array.isArray(body)) problems.push('the answer is not a JSON object')
  const deleted: {scope?: string; values: string[]}[] = []
  for (const g of Array.isArray(b.deleted) ? b.deleted : []) {
    const group = (g ?? {}) as {scope?: unknown; decisions?: unknown}
    const scope = typeof group.scope === 'string' ? group.scope : 'ip'
    const values = (Array.isArray(group.decisions) ? group.decisions : []).filter((v): v is string => typeof v === 'string' && v !== '')
    if (values.length > 0) deleted.push(scope.toLowerCase() === 'ip' ? {values} : {scope, values})
  }
  const decisions: NewDecision[] = []
  const seen = new Set<string>()
  for (const g of Array.isArray(b.new) ? b.new : []) {
    const group = (g ?? {}) as {scenario?: unknown; scope?: unknown; decisions?: unknown}
    const scenario = typeof group.scenario === 'string' ? group.scenario : ''
    const scope = normalizeScope(typeof group.scope === 'string' ? group.scope : 'ip')
    for (const d of Array.isArray(group.decisions) ? group.decisions : []) {
      const entry = (d ?? {}) as {value?: unknown; duration?: unknown}
      const value = typeof entry.value === 'string' ? entry.value : ''
      if ((scope === 'Ip' || scope === 'Range') && parseIpInterval(value) === null) {
        problems.push(`'${value}' is not a valid ${scope} (scenario ${scenario})`)
        continue
      }
      if (value === '') {
        problems.push(`an entry of ${scenario} has no value`)
        continue
      }
      let ms: number
      try {
        ms = parseGoDuration(typeof entry.duration === 'string' ? entry.duration : '').ns / 1e6
      } catch (error) {
        problems.push(`'${value}': bad duration '${String(entry.duration)}': ${(error as Error).message}`)
        continue
      }
      if (ms <= 0) continue
      // one decision per value and scope: a value listed twice keeps its first entry
      const key = `${scope}\u0000${value}`
      if (seen.has(key)) continue
      seen.add(key)
      decisions.push({uuid: randomUUID(), origin: CAPI_ORIGIN, type: 'ban', scope, value, scenario, simulated: false, until: now + Math.trunc(ms)})
    }
  }
  const removed = deleted.reduce((n, g) => n + g.values.length, 0)
  const alert: NewAlert = {
    uuid: randomUUID(), machineId: '', scenario: `update : +${decisions.length}/-${removed} IPs`, scenarioHash: '', scenarioVersion: '', message: '',
    eventsCount: 0, startAt: now, stopAt: now, capacity: 0, leakspeed: '', simulated: false, remediation: true, kind: 'capi',
    source: {scope: COMMUNITY_SCOPE, value: '', ip: '', range: '', asNumber: '', asName: '', cn: '', latitude: 0, longitude: 0},
    events: [], meta: [], decisions,
  }
  return {alert, deleted, problems}
}
