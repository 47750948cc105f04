/**
 * The decisions store: what the Local API keeps (lapi.md §3, §11). One interface, two engines
 * (SQLite embedded by default, PostgreSQL for many agents sharing one LAPI); both run the same
 * SQL through `SqlStore` and the same contract tests (test/store/contract.ts).
 *
 * Times are Unix milliseconds. Filters are already validated and parsed (IP intervals, absolute
 * times): turning query strings or flags into filters is the caller's job (src/lapi/filters.ts).
 */
import type {IpInterval} from './ip-range.js'

export type StoreEngine = 'sqlite' | 'postgres'

export interface MachineRecord {
  id: number
  machineId: string
  passwordHash: string
  ipAddress: string
  /** Comma-joined scenario names sent at the last login that had some. */
  scenarios: string
  version: string
  isValidated: boolean
  authType: string
  /** `watcher` (default) or `admin` (console writes). */
  role: string
  createdAt: number
  updatedAt: number
  lastPush: number | null
  lastHeartbeat: number | null
}

export type NewMachine = Pick<MachineRecord, 'machineId' | 'passwordHash'> & Partial<Pick<MachineRecord, 'ipAddress' | 'isValidated' | 'authType' | 'role' | 'version'>>
export type MachinePatch = Partial<Pick<MachineRecord, 'passwordHash' | 'ipAddress' | 'scenarios' | 'version' | 'isValidated' | 'role' | 'lastPush' | 'lastHeartbeat'>>

export interface BouncerRecord {
  id: number
  name: string
  /** SHA-512 hex of the API key; the key itself is never stored. */
  apiKeyHash: string
  ipAddress: string
  type: string
  version: string
  authType: string
  createdAt: number
  updatedAt: number
  lastPull: number | null
}

export type NewBouncer = Pick<BouncerRecord, 'name' | 'apiKeyHash'> & Partial<Pick<BouncerRecord, 'ipAddress' | 'type' | 'version' | 'authType'>>
export type BouncerPatch = Partial<Pick<BouncerRecord, 'ipAddress' | 'type' | 'version' | 'lastPull'>>

export interface DecisionRecord {
  id: number
  uuid: string
  alertId: number | null
  createdAt: number
  until: number
  origin: string
  type: string
  scope: string
  value: string
  scenario: string
  simulated: boolean
}

export type NewDecision = Omit<DecisionRecord, 'id' | 'alertId' | 'createdAt'> & {createdAt?: number}

export interface SourceRecord {
  scope: string
  value: string
  ip: string
  range: string
  asNumber: string
  asName: string
  cn: string
  latitude: number
  longitude: number
}

export interface MetaRecord {
  key: string
  value: string
}

export interface EventRecord {
  timestamp: number
  meta: MetaRecord[]
}

export interface AlertRecord {
  id: number
  uuid: string
  machineId: string
  createdAt: number
  scenario: string
  scenarioHash: string
  scenarioVersion: string
  message: string
  eventsCount: number
  startAt: number
  stopAt: number
  capacity: number
  leakspeed: string
  simulated: boolean
  remediation: boolean
  kind: string
  source: SourceRecord
  events: EventRecord[]
  meta: MetaRecord[]
  /** Null when not loaded (`with_decisions=false`). */
  decisions: DecisionRecord[] | null
}

export type NewAlert = Omit<AlertRecord, 'id' | 'createdAt' | 'decisions'> & {createdAt?: number; decisions: NewDecision[]}

/** What a decision query may test; every field is optional and they are AND-ed. */
export interface DecisionFilter {
  /** An Ip/Range interval: decisions containing it (contains, the default) or contained in it. */
  ip?: IpInterval
  contains?: boolean
  /** Exact scopes (any of). */
  scopes?: string[]
  value?: string
  type?: string
  origins?: string[]
  /** Exact scenario. */
  scenario?: string
  /** The scenario contains any of these words (case-insensitive). */
  scenariosContaining?: string[]
  /** The scenario contains none of these words (case-insensitive). */
  scenariosNotContaining?: string[]
  /** Include simulated decisions (default: exclude). */
  includeSimulated?: boolean
  uuids?: string[]
  id?: number
  limit?: number
  offset?: number
}

export interface StreamRequest {
  startup: boolean
  /** The bouncer's last successful pull (null: never). */
  lastPull: number | null
  now: number
  filter: DecisionFilter
  /** Longest decision wins (default true). */
  dedup: boolean
}

export interface StreamResult {
  new: DecisionRecord[]
  deleted: DecisionRecord[]
}

/** One page of a stream list: its decisions as the LAPI sends them, comma-joined JSON objects. */
export interface StreamTextPage {
  list: 'new' | 'deleted'
  /** `{"duration":..,"id":..,"origin":..,"scenario":..,"scope":..,"type":..,"uuid":..,"value":..}` objects joined by `,`. */
  text: string
  rows: number
}

export interface AlertFilter {
  id?: number
  scope?: string
  value?: string
  /** The alert's scenario, or one of its decisions' scenario. */
  scenario?: string
  ip?: IpInterval
  contains?: boolean
  /** start_at >= since (ms). */
  startedAfter?: number
  /** start_at <= until (ms). */
  startedBefore?: number
  createdBefore?: number
  decisionType?: string
  origin?: string
  /** Default true; false excludes community-blocklist and list alerts. */
  includeCapi?: boolean
  /** true: has an active decision; false: has no decision at all. */
  hasActiveDecision?: boolean
  /** false excludes simulated alerts. */
  includeSimulated?: boolean
  kind?: string
  /** 0 or absent: no limit. */
  limit?: number
  sort?: 'ASC' | 'DESC'
  /** Default true. */
  withDecisions?: boolean
}

/** Retention (lapi.md §11). */
export interface FlushPolicy {
  maxItems?: number
  /** Milliseconds. */
  maxAge?: number
}

export interface FlushResult {
  alertsDeleted: number
  decisionsDeleted: number
}

/** What a profile's decision-count helpers need about one value (GetDecisionsCount...). */
export interface DecisionTimes {
  createdAt: number
  until: number
}

export interface Store {
  readonly engine: StoreEngine
  /** The file, or the URL without its password. */
  readonly location: string
  schemaVersion(): Promise<number>

  addMachine(machine: NewMachine, now: number): Promise<MachineRecord>
  getMachine(machineId: string): Promise<MachineRecord | undefined>
  listMachines(): Promise<MachineRecord[]>
  updateMachine(machineId: string, patch: MachinePatch, now: number): Promise<boolean>
  deleteMachine(machineId: string): Promise<boolean>

  addBouncer(bouncer: NewBouncer, now: number): Promise<BouncerRecord>
  listBouncers(): Promise<BouncerRecord[]>
  bouncersByKeyHash(apiKeyHash: string): Promise<BouncerRecord[]>
  updateBouncer(id: number, patch: BouncerPatch, now: number): Promise<void>
  deleteBouncer(name: string): Promise<boolean>

  /**
   * Stores alerts with their events, meta and decisions, all or nothing. An alert whose UUID the
   * same machine already stored is not stored again: its existing id is returned (posting is
   * idempotent); another machine's alert reusing that UUID is stored under a fresh one.
   * `agentState` and `notifications` are written in the same transaction; a notification of an
   * alert that was stored before is not queued again.
   */
  insertAlerts(alerts: readonly NewAlert[], now: number, agentState?: AgentStateWrite, notifications?: readonly AlertNotificationWrite[]): Promise<number[]>
  queryAlerts(filter: AlertFilter, now: number): Promise<AlertRecord[]>
  deleteAlerts(filter: AlertFilter, now: number): Promise<number>

  /** Active decisions (until >= now) matching the filter, by id. */
  activeDecisions(filter: DecisionFilter, now: number): Promise<DecisionRecord[]>
  /** Every stored decision matching the filter, active or not, by id. */
  allDecisions(filter: DecisionFilter): Promise<DecisionRecord[]>
  decisionStream(request: StreamRequest): Promise<StreamResult>
  /**
   * The same lists as decisionStream, `new` then `deleted`, already in the LAPI's wire text (lapi.md
   * §5.2: Go's key order and escaping, durations counted down from `now`), in pages of at most
   * `pageSize` decisions read one at a time. The database builds the text: the stream is the LAPI's
   * largest answer, and this way no object is made per decision and other requests run between pages.
   */
  decisionStreamText(request: StreamRequest, pageSize?: number): AsyncGenerator<StreamTextPage>
  /** Sets until = now on the decisions matching the filter that end after now; returns how many. */
  expireDecisions(filter: DecisionFilter, now: number): Promise<number>
  /**
   * Creation and end times of every decision, active or not: for an IP or CIDR `value`, the Ip/Range
   * decisions whose interval contains it; for any other value, the decisions whose value equals it.
   */
  decisionTimes(value: string): Promise<DecisionTimes[]>

  flush(policy: FlushPolicy, now: number): Promise<FlushResult>

  /** The state a watching agent saved under `name` (see AgentStateWrite), with its rows by key, if any. */
  agentState(name: string): Promise<SavedAgentState | undefined>
  /** Writes an agent's state on its own (its rows changed as `write.rows` says), or with null deletes it and its rows. */
  setAgentState(name: string, write: Omit<AgentStateWrite, 'name'> | null, now: number): Promise<void>

  /** Queues notifications on their own (not tied to an alert insert); returns their ids, in order. */
  queueNotifications(rows: readonly NotificationWrite[], now: number): Promise<number[]>
  /** Queued notifications by id (the oldest first). */
  notificationQueue(filter: NotificationQueueFilter): Promise<NotificationRow[]>
  /** How many notifications are queued, by owner and name. */
  countNotifications(owner?: string): Promise<NotificationCount[]>
  /** Removes delivered (or dropped) notifications; returns how many were removed. */
  deleteNotifications(ids: readonly number[]): Promise<number>
  /** Records a failed delivery: the attempts made so far and when the next one is due. */
  retryNotifications(ids: readonly number[], attempts: number, nextAt: number): Promise<void>
  /**
   * Renews `owner`'s lease until `leaseUntil`, then gives it the rows of `names` whose owner holds
   * no live lease at `now` (a dispatcher that stopped for good); returns how many rows it took, by name.
   */
  leaseNotifications(owner: string, names: readonly string[], now: number, leaseUntil: number): Promise<NotificationCount[]>
  /** Ends `owner`'s lease: any dispatcher may take its rows at once. */
  releaseNotifications(owner: string): Promise<void>

  // ---- participative CTI, the agent side (src/cti/client)

  /**
   * Queues signals for the central API (one per alert UUID: an alert queued again is not queued twice),
   * then drops the oldest rows past `limit`; the drops are added to the `signals_dropped` state counter.
   */
  queueSignals(rows: readonly SignalWrite[], limit: number, now: number): Promise<{queued: number; dropped: number}>
  /** The oldest queued signals first, at most `limit`. */
  signalQueue(limit: number): Promise<SignalRow[]>
  countSignals(): Promise<number>
  /** Removes pushed signals; returns how many were removed. */
  deleteSignals(ids: readonly number[]): Promise<number>
  /** A value of the CTI client's state (its token, last push, last pull...), if set. */
  ctiState(key: string): Promise<string | undefined>
  /** Sets a value, or with null removes it. */
  setCtiState(key: string, value: string | null, now: number): Promise<void>
  /**
   * Takes or renews the lease `name` for `owner` until `leaseUntil`: true when `owner` holds it (nobody held it, the
   * holder's lease ran out at `now`, or `owner` held it already), false when another owner holds a live lease.
   */
  ctiLease(name: string, owner: string, now: number, leaseUntil: number): Promise<boolean>
  /** Ends `owner`'s lease `name` (another owner's lease is left alone). */
  releaseCtiLease(name: string, owner: string): Promise<void>
  /**
   * Applies one community blocklist pull in one transaction (notifications-and-cti.md §8.3): `deleted` expires the
   * active decisions of `origin` with those values (and that scope, when given); then the decisions of `origin`
   * whose value is among `alert`'s are hard-deleted, and `alert` is stored with its decisions (none stored when it
   * has none). Returns how many decisions were expired, replaced and inserted, and the alert's id.
   */
  replaceOriginDecisions(origin: string, deleted: readonly {scope?: string; values: readonly string[]}[], alert: NewAlert, now: number):
    Promise<{expired: number; replaced: number; inserted: number; alertId: number | null}>

  // ---- the console (src/lapi/console)

  /** Alerts created in [since, until): per time bucket, and the sources and scenarios with the most. */
  alertStats(request: AlertStatsRequest): Promise<AlertStats>
  /** Active decisions matching the filter, the newest (highest id) first, at most `limit`. */
  latestDecisions(filter: DecisionFilter, now: number, limit: number): Promise<DecisionRecord[]>
  /** What changes when alerts or decisions are added, deleted or expire (the console's live updates compare them). */
  changeMarks(now: number): Promise<ChangeMarks>

  close(): Promise<void>
}

export interface AlertStatsRequest {
  since: number
  until: number
  /** Width of a histogram bucket (ms). */
  bucketMs: number
  /** How many sources and scenarios to return. */
  top: number
}

export interface AlertStats {
  total: number
  /** Alerts per bucket: index i counts [since + i * bucketMs, since + (i + 1) * bucketMs). */
  buckets: number[]
  /** By count, then value. */
  sources: {scope: string; value: string; cn: string; asName: string; count: number}[]
  scenarios: {scenario: string; count: number}[]
}

export interface ChangeMarks {
  lastAlertId: number
  lastDecisionId: number
  activeDecisions: number
}

/** A signal to queue for the central API: the alert it comes from, and the signal as JSON. */
export interface SignalWrite {
  alertUuid: string
  signal: string
}

export interface SignalRow extends SignalWrite {
  id: number
  createdAt: number
}

/** A notification to queue: one alert for one notification name (src/outputs/notifications). */
export interface NotificationWrite {
  /** The notification's name (a notifications/*.yaml `name`). */
  name: string
  /** The dispatcher that will deliver it. */
  owner: string
  /** The alert's UUID (to find the rows of an alert again). */
  alertUuid: string
  /** The alert as JSON, the LAPI model as handed to notifications (notifications-and-cti.md §1). */
  alert: string
}

/** A notification queued by insertAlerts, with the alert it is about. */
export interface AlertNotificationWrite extends NotificationWrite {
  /** Index in insertAlerts' `alerts`: not queued when that alert was stored before (a repeated post). */
  alertIndex: number
}

export interface NotificationRow extends NotificationWrite {
  id: number
  createdAt: number
  /** Delivery attempts that failed so far. */
  attempts: number
  /** When the next attempt is due (0: at once). */
  nextAt: number
}

export interface NotificationQueueFilter {
  owner?: string
  name?: string
  /** 0 or absent: no limit. */
  limit?: number
}

export interface NotificationCount {
  owner: string
  name: string
  count: number
}

/**
 * An agent's state (source positions, bucket state) written by insertAlerts in the same
 * transaction as the alerts: either both are stored or neither, so a crash never leaves
 * alerts whose lines would be read again, nor positions past lines whose alerts were lost.
 */
export interface AgentStateWrite {
  name: string
  state: string
  /** Rows kept beside the state (the bucket state, one row per bucket): only those that changed. */
  rows?: AgentStateRows
}

/** Changes to an agent's rows: with `full`, the rows not in `upserts` are deleted. Keys are unique across both lists. */
export interface AgentStateRows {
  full: boolean
  upserts: readonly (readonly [key: string, value: string])[]
  deletes: readonly string[]
}

export interface SavedAgentState {
  state: string
  /** By key. */
  rows: [key: string, value: string][]
}

export type StoreErrorKind = 'not-found' | 'exists' | 'invalid' | 'unavailable'

/** A store failure callers can act on: 'unavailable' means the database is busy or gone. */
export class StoreError extends Error {
  constructor(readonly kind: StoreErrorKind, message: string, options?: {cause?: unknown}) {
    super(message, options)
    this.name = 'StoreError'
  }

  /** The HTTP status an API answers it with (CrowdSec's LAPI: a duplicate is 403, a busy database 503). */
  get status(): number {
    return this.kind === 'not-found' ? 404 : this.kind === 'exists' ? 403 : this.kind === 'unavailable' ? 503 : 500
  }
}
