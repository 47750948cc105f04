/**
 * The consensus job of `crowd cti serve`: every interval, the replica that holds the lease (a row
 * of the database taken with one conditional UPDATE, on SQLite and PostgreSQL alike) feeds the
 * engine the signals stored since its cursor, runs a pass, and writes the fire entries and the
 * reporters' state. A replica that becomes leader (the first one, or the next after a leader
 * stopped) builds its engine from the database: the reporters, their history, and the signals of
 * the window replayed. What a replay would credit twice (reporters confirmed again by the
 * re-promotion of entries already on the list) is read back from the database after its pass.
 */
import type {Logger} from '../../model/logger.js'
import type {CtiSignalRow, CtiStore, CtiWatcher} from '../../store/cti-store.js'
import {ConsensusEngine, type Canaries, type FireEntry} from '../consensus/engine.js'
import type {NeverBan} from '../consensus/never-ban.js'
import type {ConsensusParams} from '../consensus/params.js'

const PAGE = 10_000
/** Tombstones (expired entries) are kept this long, so that a pull can report them deleted. */
export const TOMBSTONE_MS = 7 * 24 * 3600_000
const LEASE = 'consensus'

export interface ConsensusJobOptions {
  store: CtiStore
  params: Partial<ConsensusParams>
  neverBan: NeverBan
  /** Addresses the service knows are benign, and its probes (`[cti] canaries`). */
  canaries?: Canaries
  /** This replica's name in the lease. */
  holder: string
  intervalMs: number
  /** PostgreSQL: how far behind the clock new signals are read (default 10 s; tests with a clock of their own: 0). */
  settleMs?: number
  logger: Logger
  clock?: () => number
}

export interface PassSummary {
  leader: boolean
  ingested: number
  promoted: number
  expired: number
}

export class ConsensusJob {
  readonly #o: ConsensusJobOptions
  readonly #clock: () => number
  readonly #leaseMs: number
  /**
   * PostgreSQL: signals received less than this ago are read next time (a transaction that took its id and time
   * earlier may commit later). SQLite gives ids in commit order: the cursor is the id alone.
   */
  readonly #settleMs: number
  #engine?: ConsensusEngine
  #cursor = {receivedAt: 0, id: 0}
  #written = new Map<string, number>()
  /** What the database holds of each reporter (only the ones that changed are written). */
  #reportersWritten = new Map<string, string>()
  #timer?: NodeJS.Timeout
  #running?: Promise<PassSummary>
  #stopped = false
  passes = 0
  leader = false

  constructor(options: ConsensusJobOptions) {
    this.#o = options
    this.#clock = options.clock ?? Date.now
    // a pass (a takeover replays a whole window) must end well within the lease: it is renewed in the pass's own write
    this.#leaseMs = Math.max(3 * options.intervalMs, 30_000)
    this.#settleMs = options.store.engine === 'postgres' ? (options.settleMs ?? 10_000) : 0
  }

  get engine(): ConsensusEngine | undefined {
    return this.#engine
  }

  start(): void {
    const tick = (): void => {
      if (this.#stopped) return
      void this.tick().catch((error: unknown) => this.#o.logger.warn(`cti: consensus pass failed: ${(error as Error).message}`)).finally(() => {
        if (!this.#stopped) {
          this.#timer = setTimeout(tick, this.#o.intervalMs)
          this.#timer.unref()
        }
      })
    }
    this.#timer = setTimeout(tick, Math.min(this.#o.intervalMs, 1000))
    this.#timer.unref()
  }

  async stop(): Promise<void> {
    this.#stopped = true
    if (this.#timer !== undefined) clearTimeout(this.#timer)
    await this.#running?.catch(() => undefined)
    if (this.leader) await this.#o.store.releaseLease(LEASE, this.#o.holder).catch(() => undefined)
    this.leader = false
  }

  /** One round: take or keep the lease; when held, one pass. */
  tick(): Promise<PassSummary> {
    this.#running ??= this.#tick()
      .catch((error: unknown) => {
        // a lost lease or a failed write: the next pass as leader starts again from the database
        this.#engine = undefined
        this.leader = false
        throw error
      })
      .finally(() => (this.#running = undefined))
    return this.#running
  }

  async #tick(): Promise<PassSummary> {
    const store = this.#o.store
    const now = this.#clock()
    this.leader = await store.takeLease(LEASE, this.#o.holder, now, now + this.#leaseMs)
    if (!this.leader) {
      if (this.#engine !== undefined) this.#o.logger.info(`cti: ${this.#o.holder} lost the consensus lease`)
      this.#engine = undefined
      return {leader: false, ingested: 0, promoted: 0, expired: 0}
    }
    let takeover = false
    let priorFire = new Set<string>()
    if (this.#engine === undefined) {
      takeover = true
      this.#o.logger.info(`cti: ${this.#o.holder} runs the consensus`)
      const engine = new ConsensusEngine({params: this.#o.params, neverBan: this.#o.neverBan, canaries: this.#o.canaries})
      for (const w of await store.watchers()) engine.addReporter(reporterInfo(w))
      engine.reporters.importState(await this.#reporterState())
      this.#engine = engine
      this.#cursor = store.engine === 'sqlite' ? {receivedAt: 0, id: await store.signalIdBefore(now - engine.params.windowMs)} : {receivedAt: now - engine.params.windowMs, id: 0}
      this.#written.clear()
      this.#reportersWritten.clear()
      priorFire = new Set((await store.activeFire(now)).map((f) => f.value))
    }
    const engine = this.#engine
    let ingested = 0
    const upTo = now - this.#settleMs
    for (;;) {
      const rows = store.engine === 'sqlite'
        ? await store.signalsAfterId(this.#cursor.id, PAGE)
        : (await store.signalsAfter(this.#cursor.receivedAt, this.#cursor.id, PAGE)).filter((r) => r.receivedAt <= upTo)
      if (rows.length === 0) break
      await this.#ensureReporters(rows)
      for (const r of rows) {
        const reporter = engine.reporters.indexOf(r.machineId)
        if (reporter === undefined) continue
        engine.ingest({reporter, ip: r.ip, scenario: r.scenario, at: r.at, certified: r.trust === 'certified'}, now)
        ingested++
      }
      const last = rows[rows.length - 1]!
      this.#cursor = {receivedAt: last.receivedAt, id: last.id ?? 0}
      if (rows.length < PAGE) break
      // a long replay keeps its lease (another replica would otherwise take over halfway)
      const t = this.#clock()
      if (!(await store.takeLease(LEASE, this.#o.holder, t, t + this.#leaseMs))) throw new Error(`${this.#o.holder} lost the consensus lease during the replay`)
    }
    const result = engine.pass(now)
    if (takeover) {
      // the replay re-promoted what was already fire: its reporters were credited then, not again now
      engine.reporters.importState(await this.#reporterState())
      for (const f of result.promoted) {
        if (priorFire.has(f.value) || f.scope !== 'Ip') continue
        for (const id of f.evidence.reporters) {
          const i = engine.reporters.indexOf(id)
          if (i !== undefined) engine.reporters.confirm(i)
        }
      }
    }
    const upserts: FireEntry[] = []
    for (const f of engine.fire()) if (this.#written.get(f.value) !== f.lastEvidenceAt) upserts.push(f)
    const exported = engine.reporters.exportState(now)
    const reporters = exported.reporters.filter((r) => this.#reportersWritten.get(r.id) !== `${r.confirmed}/${r.unconfirmed}/${r.liar}`)
    await store.saveConsensus({
      now,
      lease: {name: LEASE, holder: this.#o.holder, until: this.#clock() + this.#leaseMs},
      upserts: upserts.map((f) => ({value: f.value, scope: f.scope, scenario: f.scenario, promotedAt: f.promotedAt, lastEvidenceAt: f.lastEvidenceAt, expiresAt: f.expiresAt, evidence: f.evidence as unknown as Record<string, unknown>})),
      expired: result.expired.map((f) => f.value),
      reporters: reporters.map((r) => ({machineId: r.id, confirmed: r.confirmed, unconfirmed: r.unconfirmed, liar: r.liar})),
      quarantine: exported.quarantine,
      purgeDeletedBefore: now - TOMBSTONE_MS,
    })
    for (const f of upserts) this.#written.set(f.value, f.lastEvidenceAt)
    for (const r of reporters) this.#reportersWritten.set(r.id, `${r.confirmed}/${r.unconfirmed}/${r.liar}`)
    for (const f of result.expired) this.#written.delete(f.value)
    this.passes++
    if (result.promoted.length > 0 || result.expired.length > 0) this.#o.logger.info(`cti: consensus pass: ${ingested} signals, ${result.promoted.length} promoted, ${result.expired.length} expired`)
    return {leader: true, ingested, promoted: result.promoted.length, expired: result.expired.length}
  }

  async #reporterState() {
    const s = await this.#o.store.reporterState()
    return {reporters: s.reporters.map((r) => ({id: r.machineId, confirmed: r.confirmed, unconfirmed: r.unconfirmed, liar: r.liar})), quarantine: s.quarantine}
  }

  /** Reporters of these signals, added or updated (a watcher that logged in from elsewhere moved). */
  async #ensureReporters(rows: readonly CtiSignalRow[]): Promise<void> {
    const ids = [...new Set(rows.map((r) => r.machineId))]
    for (const w of await this.#o.store.watchersByIds(ids)) this.#engine!.addReporter(reporterInfo(w))
  }
}

export function reporterInfo(w: CtiWatcher): {id: string; network: string; asn: number; registeredAt: number} {
  return {id: w.machineId, network: w.network === '' ? 'unknown' : w.network, asn: w.asn, registeredAt: w.registeredAt}
}
