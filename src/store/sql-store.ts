/**
 * The Store on SQL, for both engines (the driver hides which). Queries follow CrowdSec's
 * database layer (lapi.md §4-§6, §11): decision intervals for Ip/Range, "longest decision wins"
 * in streams, alert filters, retention. Every value from a request is a bound parameter.
 */
import {randomUUID} from 'node:crypto'
import {isAddressScope, parseIpInterval, type IpInterval} from './ip-range.js'
import {decisionTail, decisionText} from '../model/decision-text.js'
import {migrate} from './schema.js'
import type {Row, SqlDriver, SqlExecutor} from './sql-driver.js'
import type {
  AgentStateWrite,
  AlertNotificationWrite,
  NotificationCount,
  NotificationQueueFilter,
  NotificationRow,
  NotificationWrite,
  SavedAgentState,
  SignalRow,
  SignalWrite,
  AlertFilter, AlertRecord, AlertStats, AlertStatsRequest, BouncerPatch, ChangeMarks, BouncerRecord, DecisionFilter, DecisionRecord, DecisionTimes, EventRecord, FlushPolicy,
  FlushResult, MachinePatch, MachineRecord, MetaRecord, NewAlert, NewBouncer, NewDecision, NewMachine, Store, StreamRequest, StreamResult, StreamTextPage,
} from './types.js'
import {StoreError} from './types.js'

/** Rows per multi-row INSERT and ids per `IN (...)` list (well under both engines' parameter limits). */
const CHUNK = 100
/** How far before a bouncer's last pull a delta looks again (lapi.md §5.2: 2 s for deletions). */
const STREAM_OVERLAP_MS = 2000
/** After this many new decisions (and at most once a minute) PostgreSQL's statistics are refreshed. */
const BULK_DECISIONS = 5000
const ANALYZE_EVERY_MS = 60_000

const DECISION_COLUMNS = 'd.id, d.uuid, d.alert_id, d.created_at, d.until, d.origin, d.type, d.scope, d.value, d.scenario, d.simulated'

interface Clause {
  sql: string[]
  params: unknown[]
}

export class SqlStore implements Store {
  readonly engine
  readonly location
  #addedSinceAnalyze = 0
  #analyzedAt = 0

  private constructor(readonly driver: SqlDriver) {
    this.engine = driver.engine
    this.location = driver.location
  }

  /** Opens the store on a driver and brings its schema up to date. */
  static async open(driver: SqlDriver): Promise<SqlStore> {
    try {
      await migrate(driver)
    } catch (error) {
      await driver.close().catch(() => {})
      throw error
    }
    return new SqlStore(driver)
  }

  async schemaVersion(): Promise<number> {
    const rows = await this.driver.all<{version: number}>('SELECT version FROM crowd_schema')
    return rows.length === 0 ? 0 : Number(rows[0]!.version)
  }

  // ---- machines

  async addMachine(m: NewMachine, now: number): Promise<MachineRecord> {
    const rows = await this.driver.all(
      `INSERT INTO machines (machine_id, password_hash, ip_address, is_validated, auth_type, role, version, created_at, updated_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING *`,
      [m.machineId, m.passwordHash, m.ipAddress ?? '', m.isValidated ?? false, m.authType ?? 'password', m.role ?? 'watcher', m.version ?? '', now, now],
    ).catch((error: unknown) => {
      if (error instanceof StoreError && error.kind === 'exists') throw new StoreError('exists', `user '${m.machineId}': user already exist`)
      throw error
    })
    return machineOf(rows[0]!)
  }

  async getMachine(machineId: string): Promise<MachineRecord | undefined> {
    const rows = await this.driver.all('SELECT * FROM machines WHERE machine_id = ?', [machineId])
    return rows.length === 0 ? undefined : machineOf(rows[0]!)
  }

  async listMachines(): Promise<MachineRecord[]> {
    return (await this.driver.all('SELECT * FROM machines ORDER BY id')).map(machineOf)
  }

  async updateMachine(machineId: string, patch: MachinePatch, now: number): Promise<boolean> {
    const columns: Record<keyof MachinePatch, string> = {
      passwordHash: 'password_hash', ipAddress: 'ip_address', scenarios: 'scenarios', version: 'version', isValidated: 'is_validated',
      role: 'role', lastPush: 'last_push', lastHeartbeat: 'last_heartbeat',
    }
    const {sets, params} = assignments(patch, columns)
    if (sets.length === 0) return (await this.getMachine(machineId)) !== undefined
    return (await this.driver.run(`UPDATE machines SET ${sets.join(', ')}, updated_at = ? WHERE machine_id = ?`, [...params, now, machineId])) > 0
  }

  async deleteMachine(machineId: string): Promise<boolean> {
    return (await this.driver.run('DELETE FROM machines WHERE machine_id = ?', [machineId])) > 0
  }

  // ---- bouncers

  async addBouncer(b: NewBouncer, now: number): Promise<BouncerRecord> {
    const rows = await this.driver.all(
      `INSERT INTO bouncers (name, api_key_hash, ip_address, type, version, auth_type, created_at, updated_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING *`,
      [b.name, b.apiKeyHash, b.ipAddress ?? '', b.type ?? '', b.version ?? '', b.authType ?? 'api-key', now, now],
    ).catch((error: unknown) => {
      if (error instanceof StoreError && error.kind === 'exists') throw new StoreError('exists', `bouncer '${b.name}' already exists`)
      throw error
    })
    return bouncerOf(rows[0]!)
  }

  async listBouncers(): Promise<BouncerRecord[]> {
    return (await this.driver.all('SELECT * FROM bouncers ORDER BY id')).map(bouncerOf)
  }

  async bouncersByKeyHash(apiKeyHash: string): Promise<BouncerRecord[]> {
    return (await this.driver.all('SELECT * FROM bouncers WHERE api_key_hash = ? ORDER BY created_at, id', [apiKeyHash])).map(bouncerOf)
  }

  async updateBouncer(id: number, patch: BouncerPatch, now: number): Promise<void> {
    const {sets, params} = assignments(patch, {ipAddress: 'ip_address', type: 'type', version: 'version', lastPull: 'last_pull'})
    if (sets.length === 0) return
    await this.driver.run(`UPDATE bouncers SET ${sets.join(', ')}, updated_at = ? WHERE id = ?`, [...params, now, id])
  }

  async deleteBouncer(name: string): Promise<boolean> {
    return (await this.driver.run('DELETE FROM bouncers WHERE name = ?', [name])) > 0
  }

  // ---- alerts

  async insertAlerts(alerts: readonly NewAlert[], now: number, agentState?: AgentStateWrite, notifications: readonly AlertNotificationWrite[] = []): Promise<number[]> {
    if (alerts.length === 0) {
      if (agentState !== undefined) await this.driver.transaction((tx) => writeAgentState(tx, agentState, now))
      return []
    }
    const ids = await this.#insertAlerts(alerts, now, agentState, notifications)
    // PostgreSQL plans from statistics that autovacuum refreshes only later: after a bulk import its
    // estimates would be far off and stream pages would sort the whole table instead of walking ids
    if (this.engine === 'postgres') {
      this.#addedSinceAnalyze += alerts.reduce((n, a) => n + a.decisions.length, 0)
      if (this.#addedSinceAnalyze >= BULK_DECISIONS && now - this.#analyzedAt >= ANALYZE_EVERY_MS) {
        this.#addedSinceAnalyze = 0
        this.#analyzedAt = now
        await this.driver.run('ANALYZE decisions')
      }
    }
    return ids
  }

  #insertAlerts(alerts: readonly NewAlert[], now: number, agentState: AgentStateWrite | undefined, notifications: readonly AlertNotificationWrite[]): Promise<number[]> {
    return this.driver.transaction(async (tx) => {
      const ids: number[] = []
      const pending: {decision: NewDecision; alertId: number}[] = []
      const repeated = new Set<number>()
      for (const [index, alert] of alerts.entries()) {
        let id = await insertAlert(tx, alert, alert.uuid, now)
        if (id === undefined) {
          // stored before (or by a concurrent request that committed first): the same alert when the same
          // machine sent it; another machine's alert that reuses its UUID is stored under a fresh one
          const existing = await tx.all<{id: number; machine_id: string}>('SELECT id, machine_id FROM alerts WHERE uuid = ?', [alert.uuid])
          if (existing[0]!.machine_id === alert.machineId) {
            ids.push(Number(existing[0]!.id))
            repeated.add(index)
            continue
          }
          id = (await insertAlert(tx, alert, randomUUID(), now))!
        }
        ids.push(id)
        for (const d of alert.decisions) pending.push({decision: d, alertId: id})
      }
      // every decision of the request in a few multi-row statements, not one per alert
      await insertDecisions(tx, pending, now)
      // an alert stored before had its notifications queued then: a repeated post notifies nothing twice
      await insertNotifications(tx, notifications.filter((n) => !repeated.has(n.alertIndex)), now)
      if (agentState !== undefined) await writeAgentState(tx, agentState, now)
      return ids
    })
  }

  async queryAlerts(filter: AlertFilter, now: number): Promise<AlertRecord[]> {
    const where = alertWhere(filter, now)
    const order = filter.sort === 'ASC' ? 'ASC' : 'DESC'
    const limit = filter.limit !== undefined && filter.limit > 0 ? ` LIMIT ${Math.trunc(filter.limit)}` : ''
    const rows = await this.driver.all(
      `SELECT a.* FROM alerts a${whereSql(where)} ORDER BY a.created_at ${order}, a.id ${order}${limit}`,
      where.params,
    )
    const alerts = rows.map(alertOf)
    if (filter.withDecisions !== false && alerts.length > 0) {
      const byAlert = new Map<number, DecisionRecord[]>()
      for (const a of alerts) {
        a.decisions = []
        byAlert.set(a.id, a.decisions)
      }
      const ids = alerts.map((a) => a.id)
      for (let i = 0; i < ids.length; i += CHUNK) {
        const part = ids.slice(i, i + CHUNK)
        const decisions = await this.driver.all(`SELECT ${DECISION_COLUMNS} FROM decisions d WHERE d.alert_id IN (${marks(part.length)}) ORDER BY d.id`, part)
        for (const row of decisions) byAlert.get(Number(row.alert_id))?.push(decisionOf(row))
      }
    }
    return alerts
  }

  async deleteAlerts(filter: AlertFilter, now: number): Promise<number> {
    const where = alertWhere(filter, now)
    return this.driver.transaction(async (tx) => {
      const ids = (await tx.all<{id: number}>(`SELECT a.id FROM alerts a${whereSql(where)}`, where.params)).map((r) => Number(r.id))
      for (let i = 0; i < ids.length; i += CHUNK) {
        const part = ids.slice(i, i + CHUNK)
        await tx.run(`DELETE FROM decisions WHERE alert_id IN (${marks(part.length)})`, part)
        await tx.run(`DELETE FROM alerts WHERE id IN (${marks(part.length)})`, part)
      }
      return ids.length
    })
  }

  // ---- decisions

  async activeDecisions(filter: DecisionFilter, now: number): Promise<DecisionRecord[]> {
    const where = decisionWhere(filter)
    where.sql.unshift('d.until >= ?')
    where.params.unshift(now)
    return (await this.driver.all(`SELECT ${DECISION_COLUMNS} FROM decisions d${whereSql(where)} ORDER BY d.id${limitSql(filter)}`, where.params)).map(decisionOf)
  }

  async allDecisions(filter: DecisionFilter): Promise<DecisionRecord[]> {
    const where = decisionWhere(filter)
    return (await this.driver.all(`SELECT ${DECISION_COLUMNS} FROM decisions d${whereSql(where)} ORDER BY d.id${limitSql(filter)}`, where.params)).map(decisionOf)
  }

  async decisionStream(request: StreamRequest): Promise<StreamResult> {
    const {newer, gone} = streamClauses(request)
    const select = `SELECT ${DECISION_COLUMNS} FROM decisions d`
    const [added, deleted] = await Promise.all([
      this.driver.all(`${select}${whereSql(newer)} ORDER BY d.id`, newer.params),
      this.driver.all(`${select}${whereSql(gone)} ORDER BY d.id`, gone.params),
    ])
    return {new: added.map(decisionOf), deleted: deleted.map(decisionOf)}
  }

  async *decisionStreamText(request: StreamRequest, pageSize = 10_000): AsyncGenerator<StreamTextPage> {
    const {newer, gone} = streamClauses(request)
    const now = request.now
    for (const [list, clause] of [['new', newer], ['deleted', gone]] as const) {
      const sql = streamPageSql(this.engine, clause, pageSize)
      let after = 0
      for (;;) {
        const rows = await this.driver.all<{n: number; last: number | null; text: string | null}>(sql, [now, now, now, ...clause.params, after])
        const n = Number(rows[0]?.n ?? 0)
        if (n === 0) break
        let text = rows[0]!.text!
        // rows stored before the wire column (schema 1), written here
        if (text.includes('{"!":')) text = await this.#renderMarked(text, now)
        yield {list, text, rows: n}
        if (n < pageSize) break
        after = Number(rows[0]!.last)
      }
    }
  }

  async #renderMarked(text: string, now: number): Promise<string> {
    const ids = [...text.matchAll(/\{"!":(\d+)\}/g)].map((m) => Number(m[1]))
    const byId = new Map<number, string>()
    for (let i = 0; i < ids.length; i += CHUNK) {
      const part = ids.slice(i, i + CHUNK)
      const rows = await this.driver.all(`SELECT ${DECISION_COLUMNS} FROM decisions d WHERE d.id IN (${marks(part.length)})`, part)
      for (const r of rows) byId.set(Number(r.id), decisionText(decisionOf(r), now, true))
    }
    return text.replace(/\{"!":(\d+)\}/g, (_, id: string) => byId.get(Number(id)) ?? `{"!":${id}}`)
  }

  async expireDecisions(filter: DecisionFilter, now: number): Promise<number> {
    const where = decisionWhere(filter)
    // until > now (CrowdSec's UntilGT): one already expired at this very instant is not counted again
    where.sql.unshift('d.until > ?')
    where.params.unshift(now)
    // the subquery form works on both engines (PostgreSQL has no alias on UPDATE ... d)
    return this.driver.run(`UPDATE decisions SET until = ? WHERE id IN (SELECT d.id FROM decisions d${whereSql(where)})`, [now, ...where.params])
  }

  async decisionTimes(value: string): Promise<DecisionTimes[]> {
    const interval = parseIpInterval(value)
    const rows = interval === null
      ? await this.driver.all<{created_at: number; until: number}>('SELECT created_at, until FROM decisions WHERE value = ?', [value])
      : await this.driver.all<{created_at: number; until: number}>(
        'SELECT created_at, until FROM decisions WHERE ip_size = ? AND start_ip <= ? AND end_ip >= ?',
        [interval.ipSize, interval.start, interval.end],
      )
    return rows.map((r) => ({createdAt: Number(r.created_at), until: Number(r.until)}))
  }

  // ---- retention

  async agentState(name: string): Promise<SavedAgentState | undefined> {
    return this.driver.transaction(async (tx) => {
      const found = await tx.all<{state: string}>('SELECT state FROM agent_states WHERE name = ?', [name])
      if (found.length === 0) return undefined
      const rows = await tx.all<{key: string; value: string}>('SELECT key, value FROM agent_state_rows WHERE name = ? ORDER BY key', [name])
      return {state: String(found[0]!.state), rows: rows.map((r): [string, string] => [String(r.key), String(r.value)])}
    })
  }

  async setAgentState(name: string, write: Omit<AgentStateWrite, 'name'> | null, now: number): Promise<void> {
    await this.driver.transaction(async (tx) => {
      if (write !== null) return writeAgentState(tx, {name, ...write}, now)
      await tx.run('DELETE FROM agent_states WHERE name = ?', [name])
      await tx.run('DELETE FROM agent_state_rows WHERE name = ?', [name])
    })
  }

  async flush(policy: FlushPolicy, now: number): Promise<FlushResult> {
    return this.driver.transaction(async (tx) => {
      const result: FlushResult = {alertsDeleted: 0, decisionsDeleted: 0}
      result.decisionsDeleted += await tx.run('DELETE FROM decisions WHERE alert_id IS NULL AND until < ?', [now])
      const keep = 'NOT EXISTS (SELECT 1 FROM decisions k WHERE k.alert_id = alerts.id AND k.until >= ?)'
      const doomed = async (condition: string, params: unknown[]): Promise<void> => {
        const ids = (await tx.all<{id: number}>(`SELECT id FROM alerts WHERE ${condition} AND ${keep}`, [...params, now])).map((r) => Number(r.id))
        for (let i = 0; i < ids.length; i += CHUNK) {
          const part = ids.slice(i, i + CHUNK)
          result.decisionsDeleted += await tx.run(`DELETE FROM decisions WHERE alert_id IN (${marks(part.length)})`, part)
          result.alertsDeleted += await tx.run(`DELETE FROM alerts WHERE id IN (${marks(part.length)})`, part)
        }
      }
      if (policy.maxAge !== undefined && policy.maxAge > 0) await doomed('created_at < ?', [now - policy.maxAge])
      if (policy.maxItems !== undefined && policy.maxItems > 0) {
        const max = await tx.all<{m: number | null}>('SELECT MAX(id) AS m FROM alerts')
        const top = max[0]?.m
        if (top !== null && top !== undefined) await doomed('id < ?', [Number(top) - policy.maxItems])
      }
      return result
    })
  }

  // ---- notifications

  async queueNotifications(rows: readonly NotificationWrite[], now: number): Promise<number[]> {
    if (rows.length === 0) return []
    return this.driver.transaction((tx) => insertNotifications(tx, rows, now))
  }

  async notificationQueue(filter: NotificationQueueFilter): Promise<NotificationRow[]> {
    const clause: Clause = {sql: [], params: []}
    if (filter.owner !== undefined) {
      clause.sql.push('q.owner = ?')
      clause.params.push(filter.owner)
    }
    if (filter.name !== undefined) {
      clause.sql.push('q.name = ?')
      clause.params.push(filter.name)
    }
    const limit = filter.limit !== undefined && filter.limit > 0 ? ` LIMIT ${Math.trunc(filter.limit)}` : ''
    return (await this.driver.all(`SELECT q.* FROM notification_queue q${whereSql(clause)} ORDER BY q.id${limit}`, clause.params)).map(notificationOf)
  }

  async countNotifications(owner?: string): Promise<NotificationCount[]> {
    const rows = await this.driver.all<{owner: string; name: string; n: number}>(
      `SELECT owner, name, COUNT(*) AS n FROM notification_queue${owner === undefined ? '' : ' WHERE owner = ?'} GROUP BY owner, name ORDER BY owner, name`,
      owner === undefined ? [] : [owner],
    )
    return rows.map((r) => ({owner: str(r.owner), name: str(r.name), count: num(r.n)}))
  }

  async deleteNotifications(ids: readonly number[]): Promise<number> {
    if (ids.length === 0) return 0
    return this.driver.transaction(async (tx) => {
      let n = 0
      for (let i = 0; i < ids.length; i += CHUNK) {
        const part = ids.slice(i, i + CHUNK)
        n += await tx.run(`DELETE FROM notification_queue WHERE id IN (${marks(part.length)})`, part)
      }
      return n
    })
  }

  async retryNotifications(ids: readonly number[], attempts: number, nextAt: number): Promise<void> {
    if (ids.length === 0) return
    await this.driver.transaction(async (tx) => {
      for (let i = 0; i < ids.length; i += CHUNK) {
        const part = ids.slice(i, i + CHUNK)
        await tx.run(`UPDATE notification_queue SET attempts = ?, next_at = ? WHERE id IN (${marks(part.length)})`, [attempts, nextAt, ...part])
      }
    })
  }

  async leaseNotifications(owner: string, names: readonly string[], now: number, leaseUntil: number): Promise<NotificationCount[]> {
    return this.driver.transaction(async (tx) => {
      await tx.run(
        'INSERT INTO notification_owners (owner, lease_until) VALUES (?, ?) ON CONFLICT (owner) DO UPDATE SET lease_until = excluded.lease_until',
        [owner, leaseUntil],
      )
      // owners whose lease ran out are forgotten; their rows, and rows of owners that never had a lease, are free
      await tx.run('DELETE FROM notification_owners WHERE lease_until < ?', [now])
      const taken: NotificationCount[] = []
      for (const name of names) {
        const n = await tx.run(
          'UPDATE notification_queue SET owner = ? WHERE name = ? AND owner <> ? AND owner NOT IN (SELECT o.owner FROM notification_owners o)',
          [owner, name, owner],
        )
        if (n > 0) taken.push({owner, name, count: n})
      }
      return taken
    })
  }

  async releaseNotifications(owner: string): Promise<void> {
    await this.driver.run('DELETE FROM notification_owners WHERE owner = ?', [owner])
  }

  // ---- participative CTI, the agent side

  async queueSignals(rows: readonly SignalWrite[], limit: number, now: number): Promise<{queued: number; dropped: number}> {
    if (rows.length === 0) return {queued: 0, dropped: 0}
    return this.driver.transaction(async (tx) => {
      let queued = 0
      for (let i = 0; i < rows.length; i += CHUNK) {
        const part = rows.slice(i, i + CHUNK)
        const params: unknown[] = []
        for (const r of part) params.push(r.alertUuid, r.signal, now)
        queued += await tx.run(
          `INSERT INTO cti_signals (alert_uuid, signal, created_at) VALUES ${part.map(() => '(?, ?, ?)').join(', ')} ON CONFLICT (alert_uuid) DO NOTHING`,
          params,
        )
      }
      const count = Number((await tx.all<{n: number}>('SELECT COUNT(*) AS n FROM cti_signals'))[0]!.n)
      const excess = count - Math.max(0, Math.trunc(limit))
      let dropped = 0
      if (excess > 0) {
        dropped = await tx.run(`DELETE FROM cti_signals WHERE id IN (SELECT id FROM cti_signals ORDER BY id LIMIT ${excess})`)
        const before = await tx.all<{value: string}>('SELECT value FROM cti_state WHERE key = ?', ['signals_dropped'])
        await setState(tx, 'signals_dropped', String(Number(before[0]?.value ?? '0') + dropped), now)
      }
      return {queued, dropped}
    })
  }

  async signalQueue(limit: number): Promise<SignalRow[]> {
    const rows = await this.driver.all<Row>(`SELECT id, alert_uuid, signal, created_at FROM cti_signals ORDER BY id LIMIT ${Math.max(0, Math.trunc(limit))}`)
    return rows.map((r) => ({id: Number(r.id), alertUuid: String(r.alert_uuid), signal: String(r.signal), createdAt: Number(r.created_at)}))
  }

  async countSignals(): Promise<number> {
    return Number((await this.driver.all<{n: number}>('SELECT COUNT(*) AS n FROM cti_signals'))[0]!.n)
  }

  async deleteSignals(ids: readonly number[]): Promise<number> {
    if (ids.length === 0) return 0
    return this.driver.transaction(async (tx) => {
      let n = 0
      for (let i = 0; i < ids.length; i += CHUNK) {
        const part = ids.slice(i, i + CHUNK)
        n += await tx.run(`DELETE FROM cti_signals WHERE id IN (${marks(part.length)})`, part)
      }
      return n
    })
  }

  async ctiState(key: string): Promise<string | undefined> {
    const rows = await this.driver.all<{value: string}>('SELECT value FROM cti_state WHERE key = ?', [key])
    return rows.length === 0 ? undefined : String(rows[0]!.value)
  }

  async setCtiState(key: string, value: string | null, now: number): Promise<void> {
    if (value === null) await this.driver.run('DELETE FROM cti_state WHERE key = ?', [key])
    else await setState(this.driver, key, value, now)
  }

  async ctiLease(name: string, owner: string, now: number, leaseUntil: number): Promise<boolean> {
    // one statement: of two processes racing for a free lease, one inserts and the other's update finds a live lease
    const changed = await this.driver.run(
      `INSERT INTO cti_leases (name, owner, lease_until) VALUES (?, ?, ?)
       ON CONFLICT (name) DO UPDATE SET owner = excluded.owner, lease_until = excluded.lease_until
       WHERE cti_leases.owner = excluded.owner OR cti_leases.lease_until < ?`,
      [name, owner, leaseUntil, now],
    )
    return changed > 0
  }

  async releaseCtiLease(name: string, owner: string): Promise<void> {
    await this.driver.run('DELETE FROM cti_leases WHERE name = ? AND owner = ?', [name, owner])
  }

  async replaceOriginDecisions(origin: string, deleted: readonly {scope?: string; values: readonly string[]}[], alert: NewAlert, now: number):
    Promise<{expired: number; replaced: number; inserted: number; alertId: number | null}> {
    return this.driver.transaction(async (tx) => {
      let expired = 0
      for (const group of deleted) {
        for (let i = 0; i < group.values.length; i += CHUNK) {
          const part = group.values.slice(i, i + CHUNK)
          const scope = group.scope === undefined ? '' : ' AND scope = ?'
          expired += await tx.run(
            `UPDATE decisions SET until = ? WHERE origin = ? AND until > ? AND value IN (${marks(part.length)})${scope}`,
            [now, origin, now, ...part, ...(group.scope === undefined ? [] : [group.scope])],
          )
        }
      }
      let replaced = 0
      const values = [...new Set(alert.decisions.map((d) => d.value))]
      for (let i = 0; i < values.length; i += CHUNK) {
        const part = values.slice(i, i + CHUNK)
        replaced += await tx.run(`DELETE FROM decisions WHERE origin = ? AND value IN (${marks(part.length)})`, [origin, ...part])
      }
      if (alert.decisions.length === 0) return {expired, replaced, inserted: 0, alertId: null}
      const alertId = (await insertAlert(tx, alert, alert.uuid, now)) ?? (await insertAlert(tx, alert, randomUUID(), now))!
      await insertDecisions(tx, alert.decisions.map((decision) => ({decision, alertId})), now)
      return {expired, replaced, inserted: alert.decisions.length, alertId}
    })
  }

  // ---- the console (src/lapi/console)

  async alertStats(request: AlertStatsRequest): Promise<AlertStats> {
    const {since, until} = request
    const bucketMs = Math.max(1, Math.trunc(request.bucketMs))
    const count = Math.max(1, Math.ceil((until - since) / bucketMs))
    const top = Math.max(1, Math.trunc(request.top))
    const window = 'a.created_at >= CAST(? AS BIGINT) AND a.created_at < CAST(? AS BIGINT)'
    const [histogram, sources, scenarios] = await Promise.all([
      this.driver.all(`SELECT (a.created_at - CAST(? AS BIGINT)) / CAST(? AS BIGINT) AS b, COUNT(*) AS n FROM alerts a WHERE ${window} GROUP BY 1`,
        [since, bucketMs, since, until]),
      this.driver.all(`SELECT a.source_scope AS scope, a.source_value AS value, MAX(a.source_cn) AS cn, MAX(a.source_as_name) AS as_name, COUNT(*) AS n
        FROM alerts a WHERE ${window} AND a.source_value <> '' GROUP BY a.source_scope, a.source_value ORDER BY n DESC, value LIMIT ${top}`, [since, until]),
      this.driver.all(`SELECT a.scenario AS scenario, COUNT(*) AS n FROM alerts a WHERE ${window} GROUP BY a.scenario ORDER BY n DESC, scenario LIMIT ${top}`,
        [since, until]),
    ])
    const buckets = new Array<number>(count).fill(0)
    let total = 0
    for (const r of histogram) {
      const i = num(r.b)
      total += num(r.n)
      if (i >= 0 && i < count) buckets[i] = num(r.n)
    }
    return {
      total,
      buckets,
      sources: sources.map((r) => ({scope: str(r.scope), value: str(r.value), cn: str(r.cn), asName: str(r.as_name), count: num(r.n)})),
      scenarios: scenarios.map((r) => ({scenario: str(r.scenario), count: num(r.n)})),
    }
  }

  async latestDecisions(filter: DecisionFilter, now: number, limit: number): Promise<DecisionRecord[]> {
    const where = decisionWhere(filter)
    where.sql.unshift('d.until >= ?')
    where.params.unshift(now)
    return (await this.driver.all(`SELECT ${DECISION_COLUMNS} FROM decisions d${whereSql(where)} ORDER BY d.id DESC LIMIT ${Math.max(1, Math.trunc(limit))}`,
      where.params)).map(decisionOf)
  }

  async changeMarks(now: number): Promise<ChangeMarks> {
    const rows = await this.driver.all(`SELECT (SELECT COALESCE(MAX(id), 0) FROM alerts) AS a, (SELECT COALESCE(MAX(id), 0) FROM decisions) AS d,
      (SELECT COUNT(*) FROM decisions WHERE until >= CAST(? AS BIGINT)) AS n`, [now])
    const r = rows[0] ?? {}
    return {lastAlertId: num(r.a ?? 0), lastDecisionId: num(r.d ?? 0), activeDecisions: num(r.n ?? 0)}
  }

  close(): Promise<void> {
    return this.driver.close()
  }
}

async function setState(tx: SqlExecutor, key: string, value: string, now: number): Promise<void> {
  await tx.run(
    'INSERT INTO cti_state (key, value, updated_at) VALUES (?, ?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at',
    [key, value, now],
  )
}

/** Queues notification rows in a few multi-row statements; returns their ids in the order given. */
async function insertNotifications(tx: SqlExecutor, rows: readonly NotificationWrite[], now: number): Promise<number[]> {
  const ids: number[] = []
  for (let i = 0; i < rows.length; i += CHUNK) {
    const part = rows.slice(i, i + CHUNK)
    const params: unknown[] = []
    for (const r of part) params.push(r.name, r.owner, r.alertUuid, r.alert, now)
    const returned = await tx.all<{id: number}>(
      `INSERT INTO notification_queue (name, owner, alert_uuid, alert, created_at) VALUES ${part.map(() => '(?, ?, ?, ?, ?)').join(', ')} RETURNING id`,
      params,
    )
    // one statement numbers its rows in the order of its VALUES; RETURNING's order is not promised
    ids.push(...returned.map((r) => Number(r.id)).sort((a, b) => a - b))
  }
  return ids
}

/**
 * One page of a stream list as one string, built by the database: each decision's countdown duration
 * (rounded to the second, halves away from zero, Go's `4h0m0s` form) and id, then its stored `wire`
 * tail. Decisions stored before that column existed are left as `{"!":ID}` for the caller to write.
 * Parameters: now, now, now, the clause's, the last id.
 */
function streamPageSql(engine: 'sqlite' | 'postgres', clause: Clause, pageSize: number): string {
  // SQLite aggregates the ordered page as it reads it, in id order (the contract test checks the order at
  // several page sizes); PostgreSQL's string_agg needs the order said
  const agg = engine === 'sqlite' ? "group_concat(p.t, ',')" : "string_agg(p.t, ',' ORDER BY p.id)"
  const a = '(abs(i.r))'
  const duration = `(CASE WHEN i.r < 0 THEN '-' ELSE '' END) || (CASE WHEN ${a} >= 3600 THEN (${a} / 3600) || 'h' || ((${a} % 3600) / 60) || 'm' || (${a} % 60) || 's'`
    + ` WHEN ${a} >= 60 THEN (${a} / 60) || 'm' || (${a} % 60) || 's' ELSE ${a} || 's' END)`
  return `SELECT COUNT(*) AS n, MAX(p.id) AS last, ${agg} AS text FROM (
    SELECT i.id, CASE WHEN i.wire <> '' THEN '{"duration":"' || ${duration} || '","id":' || i.id || i.wire ELSE '{"!":' || i.id || '}' END AS t FROM (
      SELECT d.id, d.wire,
        CASE WHEN d.until >= CAST(? AS BIGINT) THEN ((d.until - CAST(? AS BIGINT)) + 500) / 1000 ELSE -(((CAST(? AS BIGINT) - d.until) + 500) / 1000) END AS r
      FROM decisions d${whereSql(clause)} AND d.id > ? ORDER BY d.id LIMIT ${Math.trunc(pageSize)}
    ) i
  ) p`
}

/** The where clauses of a stream's `new` and `deleted` lists (lapi.md §5.2); both always have conditions. */
function streamClauses(request: StreamRequest): {newer: Clause; gone: Clause} {
  const {now, lastPull, startup, dedup} = request
  const newer = decisionWhere(request.filter)
  newer.sql.unshift('d.until > ?')
  newer.params.unshift(now)
  const gone = decisionWhere(request.filter)
  gone.sql.unshift('d.until < ?')
  gone.params.unshift(now)
  if (!startup && lastPull !== null) {
    // A decision is stamped when its request starts and is visible once committed; a pull that ran in
    // between set last_pull past the stamp without seeing the row. The same 2 s of overlap CrowdSec
    // gives deletions (which set until = now) covers that: a decision may come twice, never not at all.
    newer.sql.push('d.created_at > ?')
    newer.params.push(lastPull - STREAM_OVERLAP_MS)
    gone.sql.push('d.until > ?')
    gone.params.push(lastPull - STREAM_OVERLAP_MS)
  }
  if (dedup) {
    const longest = 'NOT EXISTS (SELECT 1 FROM decisions l WHERE l.value = d.value AND l.type = d.type AND l.scope = d.scope AND l.until > d.until)'
    newer.sql.push(longest)
    gone.sql.push(longest)
  }
  return {newer, gone}
}

/** Inserts one alert row under `uuid`; undefined when that UUID is already stored. */
async function insertAlert(tx: SqlExecutor, alert: NewAlert, uuid: string, now: number): Promise<number | undefined> {
  const s = alert.source
  const rows = await tx.all<{id: number}>(
    `INSERT INTO alerts (uuid, machine_id, created_at, scenario, scenario_hash, scenario_version, message, events_count, start_at, stop_at,
       capacity, leakspeed, simulated, remediation, kind, source_scope, source_value, source_ip, source_range, source_as_number,
       source_as_name, source_cn, source_latitude, source_longitude, events, meta)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
     ON CONFLICT (uuid) DO NOTHING RETURNING id`,
    [uuid, alert.machineId, alert.createdAt ?? now, alert.scenario, alert.scenarioHash, alert.scenarioVersion, alert.message,
      alert.eventsCount, alert.startAt, alert.stopAt, alert.capacity, alert.leakspeed, alert.simulated, alert.remediation, alert.kind,
      s.scope, s.value, s.ip, s.range, s.asNumber, s.asName, s.cn, s.latitude, s.longitude, JSON.stringify(alert.events), JSON.stringify(alert.meta)],
  )
  return rows.length === 0 ? undefined : Number(rows[0]!.id)
}

async function insertDecisions(tx: SqlExecutor, decisions: readonly {decision: NewDecision; alertId: number}[], now: number): Promise<void> {
  for (let i = 0; i < decisions.length; i += CHUNK) {
    const part = decisions.slice(i, i + CHUNK)
    const params: unknown[] = []
    for (const {decision: d, alertId} of part) {
      const interval = isAddressScope(d.scope) ? parseIpInterval(d.value) : null
      params.push(d.uuid, alertId, d.createdAt ?? now, d.until, d.origin, d.type, d.scope, d.value, d.scenario, d.simulated,
        interval?.ipSize ?? 0, interval?.start ?? '', interval?.end ?? '', interval !== null && interval.start !== interval.end, decisionTail(d))
    }
    await tx.run(
      `INSERT INTO decisions (uuid, alert_id, created_at, until, origin, type, scope, value, scenario, simulated, ip_size, start_ip, end_ip, is_range, wire)
       VALUES ${part.map(() => '(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)').join(', ')}`,
      params,
    )
  }
}

function marks(n: number): string {
  return new Array<string>(n).fill('?').join(', ')
}

function whereSql(clause: Clause): string {
  return clause.sql.length === 0 ? '' : ` WHERE ${clause.sql.join(' AND ')}`
}

function limitSql(filter: DecisionFilter): string {
  let out = ''
  if (filter.limit !== undefined && filter.limit > 0) out += ` LIMIT ${Math.trunc(filter.limit)}`
  else if (filter.offset !== undefined && filter.offset > 0) out += ' LIMIT 1000000000000' // OFFSET needs a LIMIT in SQLite
  if (filter.offset !== undefined && filter.offset > 0) out += ` OFFSET ${Math.trunc(filter.offset)}`
  return out
}

/**
 * A LIKE pattern matching `word` anywhere, with LIKE's wildcards escaped. The SQL lowers it
 * with LOWER() like the column (not here: JavaScript folds non-ASCII letters that the engine's
 * LOWER may keep, and then an exact-case word would not match).
 */
function containsPattern(word: string): string {
  return `%${word.replace(/[\\%_]/g, (c) => '\\' + c)}%`
}

/**
 * The interval test on decisions of alias `d`. Most decisions are single addresses, so
 * "contains" is an exact index lookup plus a scan of the few range decisions.
 */
function intervalSql(ip: IpInterval, contains: boolean, alias: string): Clause {
  if (!contains) {
    return {sql: [`${alias}.ip_size = ? AND ${alias}.start_ip >= ? AND ${alias}.end_ip <= ?`], params: [ip.ipSize, ip.start, ip.end]}
  }
  const ranges = `SELECT id FROM decisions WHERE is_range = 1 AND ip_size = ? AND start_ip <= ? AND end_ip >= ?`
  if (ip.start === ip.end) {
    return {
      sql: [`${alias}.id IN (SELECT id FROM decisions WHERE ip_size = ? AND start_ip = ? AND end_ip = ? UNION ALL ${ranges})`],
      params: [ip.ipSize, ip.start, ip.end, ip.ipSize, ip.start, ip.end],
    }
  }
  return {sql: [`${alias}.id IN (${ranges})`], params: [ip.ipSize, ip.start, ip.end]}
}

function decisionWhere(f: DecisionFilter, alias = 'd'): Clause {
  const c: Clause = {sql: [], params: []}
  const add = (sql: string, ...params: unknown[]): void => {
    c.sql.push(sql)
    c.params.push(...params)
  }
  if (f.id !== undefined) add(`${alias}.id = ?`, f.id)
  if (f.ip !== undefined) {
    const part = intervalSql(f.ip, f.contains !== false, alias)
    add(part.sql[0]!, ...part.params)
  }
  if (f.scopes !== undefined && f.scopes.length > 0) add(`${alias}.scope IN (${marks(f.scopes.length)})`, ...f.scopes)
  if (f.value !== undefined) add(`${alias}.value = ?`, f.value)
  if (f.type !== undefined) add(`${alias}.type = ?`, f.type)
  if (f.origins !== undefined && f.origins.length > 0) add(`${alias}.origin IN (${marks(f.origins.length)})`, ...f.origins)
  if (f.scenario !== undefined) add(`${alias}.scenario = ?`, f.scenario)
  if (f.scenariosContaining !== undefined && f.scenariosContaining.length > 0) {
    add(`(${f.scenariosContaining.map(() => `LOWER(${alias}.scenario) LIKE LOWER(?) ESCAPE '\\'`).join(' OR ')})`, ...f.scenariosContaining.map(containsPattern))
  }
  for (const word of f.scenariosNotContaining ?? []) add(`LOWER(${alias}.scenario) NOT LIKE LOWER(?) ESCAPE '\\'`, containsPattern(word))
  if (f.includeSimulated !== true) add(`${alias}.simulated = 0`)
  if (f.uuids !== undefined && f.uuids.length > 0) add(`${alias}.uuid IN (${marks(f.uuids.length)})`, ...f.uuids)
  return c
}

function alertWhere(f: AlertFilter, now: number): Clause {
  const c: Clause = {sql: [], params: []}
  const add = (sql: string, ...params: unknown[]): void => {
    c.sql.push(sql)
    c.params.push(...params)
  }
  const hasDecision = (condition: string, ...params: unknown[]): void =>
    add(`EXISTS (SELECT 1 FROM decisions d WHERE d.alert_id = a.id AND ${condition})`, ...params)
  if (f.id !== undefined) add('a.id = ?', f.id)
  if (f.scope !== undefined) add('a.source_scope = ?', f.scope)
  if (f.value !== undefined) add('a.source_value = ?', f.value)
  if (f.scenario !== undefined) add('(a.scenario = ? OR EXISTS (SELECT 1 FROM decisions d WHERE d.alert_id = a.id AND d.scenario = ?))', f.scenario, f.scenario)
  if (f.ip !== undefined) {
    const part = intervalSql(f.ip, f.contains !== false, 'd')
    hasDecision(part.sql[0]!, ...part.params)
  }
  if (f.startedAfter !== undefined) add('a.start_at >= ?', f.startedAfter)
  if (f.startedBefore !== undefined) add('a.start_at <= ?', f.startedBefore)
  if (f.createdBefore !== undefined) add('a.created_at <= ?', f.createdBefore)
  if (f.decisionType !== undefined) hasDecision('d.type = ?', f.decisionType)
  if (f.origin !== undefined) hasDecision('d.origin = ?', f.origin)
  if (f.includeCapi === false && f.origin === undefined) {
    add("NOT EXISTS (SELECT 1 FROM decisions d WHERE d.alert_id = a.id AND d.origin IN ('CAPI', 'lists'))")
    // a prefix test, not LIKE: SQLite's LIKE ignores case and PostgreSQL's does not
    add("NOT (SUBSTR(a.source_scope, 1, 6) = 'lists:' AND NOT EXISTS (SELECT 1 FROM decisions d WHERE d.alert_id = a.id))")
    add("NOT (a.source_scope = 'crowdsecurity/community-blocklist' AND NOT EXISTS (SELECT 1 FROM decisions d WHERE d.alert_id = a.id))")
  }
  if (f.hasActiveDecision === true) hasDecision('d.until >= ?', now)
  if (f.hasActiveDecision === false) add('NOT EXISTS (SELECT 1 FROM decisions d WHERE d.alert_id = a.id)')
  if (f.includeSimulated === false) add('a.simulated = 0')
  if (f.kind !== undefined) add('a.kind = ?', f.kind)
  return c
}

function assignments<P extends object>(patch: P, columns: Record<keyof P, string>): {sets: string[]; params: unknown[]} {
  const sets: string[] = []
  const params: unknown[] = []
  for (const [key, value] of Object.entries(patch)) {
    if (value === undefined) continue
    sets.push(`${columns[key as keyof P]} = ?`)
    params.push(value)
  }
  return {sets, params}
}

const num = (v: unknown): number => Number(v)
const numOrNull = (v: unknown): number | null => (v === null || v === undefined ? null : Number(v))
const str = (v: unknown): string => (v === null || v === undefined ? '' : String(v))
const bool = (v: unknown): boolean => v === true || v === 1 || v === '1' || v === 1n

function machineOf(r: Row): MachineRecord {
  return {
    id: num(r.id), machineId: str(r.machine_id), passwordHash: str(r.password_hash), ipAddress: str(r.ip_address), scenarios: str(r.scenarios),
    version: str(r.version), isValidated: bool(r.is_validated), authType: str(r.auth_type), role: str(r.role), createdAt: num(r.created_at),
    updatedAt: num(r.updated_at), lastPush: numOrNull(r.last_push), lastHeartbeat: numOrNull(r.last_heartbeat),
  }
}

function bouncerOf(r: Row): BouncerRecord {
  return {
    id: num(r.id), name: str(r.name), apiKeyHash: str(r.api_key_hash), ipAddress: str(r.ip_address), type: str(r.type), version: str(r.version),
    authType: str(r.auth_type), createdAt: num(r.created_at), updatedAt: num(r.updated_at), lastPull: numOrNull(r.last_pull),
  }
}

function decisionOf(r: Row): DecisionRecord {
  return {
    id: num(r.id), uuid: str(r.uuid), alertId: numOrNull(r.alert_id), createdAt: num(r.created_at), until: num(r.until), origin: str(r.origin),
    type: str(r.type), scope: str(r.scope), value: str(r.value), scenario: str(r.scenario), simulated: bool(r.simulated),
  }
}

function parseJsonList<T>(text: unknown): T[] {
  try {
    const v = JSON.parse(str(text)) as unknown
    return Array.isArray(v) ? (v as T[]) : []
  } catch {
    return []
  }
}

function notificationOf(r: Row): NotificationRow {
  return {
    id: num(r.id), name: str(r.name), owner: str(r.owner), alertUuid: str(r.alert_uuid), alert: str(r.alert), createdAt: num(r.created_at),
    attempts: num(r.attempts), nextAt: num(r.next_at),
  }
}

function alertOf(r: Row): AlertRecord {
  return {
    id: num(r.id), uuid: str(r.uuid), machineId: str(r.machine_id), createdAt: num(r.created_at), scenario: str(r.scenario),
    scenarioHash: str(r.scenario_hash), scenarioVersion: str(r.scenario_version), message: str(r.message), eventsCount: num(r.events_count),
    startAt: num(r.start_at), stopAt: num(r.stop_at), capacity: num(r.capacity), leakspeed: str(r.leakspeed), simulated: bool(r.simulated),
    remediation: bool(r.remediation), kind: str(r.kind),
    source: {
      scope: str(r.source_scope), value: str(r.source_value), ip: str(r.source_ip), range: str(r.source_range), asNumber: str(r.source_as_number),
      asName: str(r.source_as_name), cn: str(r.source_cn), latitude: num(r.source_latitude), longitude: num(r.source_longitude),
    },
    events: parseJsonList<EventRecord>(r.events),
    meta: parseJsonList<MetaRecord>(r.meta),
    decisions: null,
  }
}

/** Rows per statement when an agent's rows change (3 parameters each: within both engines' limits). */
const AGENT_ROWS_PER_STATEMENT = 200

/** Upsert of one agent's state, and of the rows that changed (both engines know ON CONFLICT ... DO UPDATE). */
async function writeAgentState(tx: SqlExecutor, write: AgentStateWrite, now: number): Promise<void> {
  const {name, rows} = write
  await tx.run(
    'INSERT INTO agent_states (name, state, updated_at) VALUES (?, ?, ?) ON CONFLICT (name) DO UPDATE SET state = excluded.state, updated_at = excluded.updated_at',
    [name, write.state, now],
  )
  if (rows === undefined) return
  if (rows.full) await tx.run('DELETE FROM agent_state_rows WHERE name = ?', [name])
  for (let i = 0; i < rows.deletes.length; i += AGENT_ROWS_PER_STATEMENT) {
    const keys = rows.deletes.slice(i, i + AGENT_ROWS_PER_STATEMENT)
    await tx.run(`DELETE FROM agent_state_rows WHERE name = ? AND key IN (${keys.map(() => '?').join(', ')})`, [name, ...keys])
  }
  for (let i = 0; i < rows.upserts.length; i += AGENT_ROWS_PER_STATEMENT) {
    const chunk = rows.upserts.slice(i, i + AGENT_ROWS_PER_STATEMENT)
    const params: string[] = []
    for (const [key, value] of chunk) params.push(name, key, value)
    await tx.run(
      `INSERT INTO agent_state_rows (name, key, value) VALUES ${chunk.map(() => '(?, ?, ?)').join(', ')} ON CONFLICT (name, key) DO UPDATE SET value = excluded.value`,
      params,
    )
  }
}
