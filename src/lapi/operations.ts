/**
 * What the Local API does, apart from HTTP: each operation takes the request's query, body and
 * caller and returns the JSON CrowdSec's LAPI answers (lapi.md §4, §5). The HTTP server
 * (server.ts) wraps them; the CLI calls the same operations on the local store when no remote
 * LAPI is configured (client.ts, LocalApi), so both paths share one filter language and one behaviour.
 */
import type {Alert} from '../model/alert.js'
import type {Logger} from '../model/logger.js'
import type {AgentStateWrite, AlertNotificationWrite, NewAlert, NotificationWrite, Store} from '../store/types.js'
import {alertFilter, bouncerDecisionFilter, deleteDecisionFilter} from './filters.js'
import type {LapiProfiles} from './profiles.js'
import {alertJson, ApiError, decisionText, decodeAlerts, newUuid, toNewAlert, validAlertUuid} from './wire.js'

export interface PostAlertsResult {
  ids: string[]
  /** Decisions stored with them (the profiles' and those the alerts came with). */
  decisions: number
  /** Profile errors met (the alerts were still handled per `on_error`). */
  profileErrors: string[]
  /** Alerts the matching profiles route to notifications, with every name (once per matching profile naming it). */
  notify: {alert: Alert; notifications: string[]}[]
}

/**
 * Where postAlerts queues the notifications the profiles route (src/outputs/notifications, the
 * NotificationDispatcher): the rows are written in the transaction that stores the alerts, so a
 * crash never keeps an alert whose notification was lost, nor notifies an alert that was not stored.
 */
export interface NotificationQueue {
  /** The dispatcher that delivers the rows queued here (written on each row). */
  readonly owner: string
  /** Whether notifications of this name are delivered (a name without configuration is skipped and logged). */
  serves(name: string): boolean
  /** After the transaction that queued `rows` committed (rows of alerts stored before were not queued). */
  queued(rows: readonly NotificationWrite[]): void
}

/** A running NotificationQueue (the dispatcher), stopped when the LAPI or the watch stops. */
export interface NotificationService extends NotificationQueue {
  /** Flushes what waits, within `flushWithin` ms; what is left stays queued in the store. */
  close(options?: {flushWithin?: number}): Promise<unknown>
}

export interface LapiOperationsOptions {
  /** Queue the notifications profiles route (default: none are queued). */
  notifications?: NotificationQueue
  /** Called with the alerts of each `POST /v1/alerts` once committed (the CTI client queues its signals); its errors are logged. */
  onAlertsStored?: AlertsStoredHook
}

/** An alert just stored: its id, the record stored, and the alert as posted (profiles applied). */
export interface StoredAlert {
  id: number
  record: NewAlert
  alert: Alert
}

export type AlertsStoredHook = (alerts: readonly StoredAlert[]) => Promise<void> | void

/** One alert routed to notifications: the names of one matching profile, and the copy they get. */
interface Route {
  alert: Alert
  names: readonly string[]
  /** The copy has the decisions (a profile at or after the one that attached them, or a manual alert). */
  decisions: boolean
}

export class LapiOperations {
  readonly notifications: NotificationQueue | undefined
  readonly onAlertsStored: AlertsStoredHook | undefined
  readonly #warnedNames = new Set<string>()

  constructor(
    readonly store: Store,
    readonly profiles: LapiProfiles,
    readonly logger: Logger,
    readonly clock: () => number = Date.now,
    options: LapiOperationsOptions = {},
  ) {
    this.notifications = options.notifications
    this.onAlertsStored = options.onAlertsStored
  }

  /**
   * `POST /v1/alerts` (lapi.md §4.1): profiles on agent alerts, manual alerts kept as sent, all stored
   * in one transaction, with the notifications the matching profiles route (notifications-and-cti.md
   * §1): an agent alert's copy is taken after the first matching profile's decisions were attached;
   * an alert that came with decisions is routed by the profiles only (evaluated only when some
   * profile has notifications and a dispatcher runs).
   */
  async postAlerts(body: unknown, machineId: string, options: {agentState?: AgentStateWrite} = {}): Promise<PostAlertsResult> {
    const alerts = decodeAlerts(body)
    const now = this.clock()
    const result: PostAlertsResult = {ids: [], decisions: 0, profileErrors: [], notify: []}
    const ready: NewAlert[] = []
    const readyAlerts: Alert[] = []
    const routes: {index: number; route: Route}[] = []
    const routeManual = this.notifications !== undefined && this.profiles.profiles.some((p) => p.notifications.length > 0)
    for (const alert of alerts) {
      alert.MachineID = machineId
      // step 3: the UUID the alert is stored under, also in the notification's copy
      if (!validAlertUuid(alert.UUID)) alert.UUID = newUuid()
      const alertRoutes: Route[] = []
      if (alert.Decisions === null || alert.Decisions.length === 0) {
        alert.Decisions = null
        const outcome = await this.profiles.apply(alert, this.store, now, this.logger)
        result.profileErrors.push(...outcome.errors)
        if (outcome.refused) throw new ApiError(500, `while running profiles: ${outcome.errors.join('; ')}`)
        outcome.matched.forEach((name, i) => alertRoutes.push({alert, names: this.#notificationsOf(name), decisions: outcome.attachedAt >= 0 && i >= outcome.attachedAt}))
      } else if (routeManual) {
        const routed = await this.profiles.route(alert, this.store, now, this.logger)
        result.profileErrors.push(...routed.errors)
        for (const name of routed.matched) alertRoutes.push({alert, names: this.#notificationsOf(name), decisions: true})
      }
      // the decisions' UUIDs are given here, so that the stored ones and the notified ones are the same
      for (const d of alert.Decisions ?? []) if (d.UUID === '') d.UUID = newUuid()
      const notifications = alertRoutes.flatMap((r) => r.names)
      if (notifications.length > 0) result.notify.push({alert, notifications})
      const stored = toNewAlert(alert, machineId, now)
      if (stored === null) continue
      for (const route of alertRoutes) if (route.names.length > 0) routes.push({index: ready.length, route})
      ready.push(stored)
      readyAlerts.push(alert)
    }
    const writes = this.#notificationWrites(routes)
    // one transaction for the whole request: a failure stores none of its alerts (CrowdSec commits per 50)
    // (an agent on this store also commits its positions and bucket state with them: crowd watch)
    result.ids = (await this.store.insertAlerts(ready, now, options.agentState, writes)).map(String)
    if (writes.length > 0) this.notifications!.queued(writes)
    if (this.onAlertsStored !== undefined && ready.length > 0) {
      try {
        await this.onAlertsStored(ready.map((record, i) => ({id: Number(result.ids[i]), record, alert: readyAlerts[i]!})))
      } catch (error) {
        this.logger.warn(`lapi: after storing alerts: ${(error as Error).message}`)
      }
    }
    for (const a of ready) result.decisions += a.decisions.length
    if (machineId !== '') await this.store.updateMachine(machineId, {lastPush: now}, now)
    return result
  }

  #notificationsOf(profileName: string): readonly string[] {
    return this.profiles.profiles.find((p) => p.name === profileName)?.notifications ?? []
  }

  /** The queue rows of the routed alerts: the LAPI model before insertion (id 0, decisions without `until`). */
  #notificationWrites(routes: readonly {index: number; route: Route}[]): AlertNotificationWrite[] {
    const queue = this.notifications
    if (queue === undefined) return []
    const writes: AlertNotificationWrite[] = []
    const texts = new Map<Alert, {with?: string; without?: string}>()
    for (const {index, route} of routes) {
      let text = texts.get(route.alert)
      if (text === undefined) texts.set(route.alert, (text = {}))
      const json = route.decisions ? (text.with ??= notificationJson(route.alert, true)) : (text.without ??= notificationJson(route.alert, false))
      for (const name of route.names) {
        if (!queue.serves(name)) {
          if (!this.#warnedNames.has(name)) this.logger.warn(`notification '${name}' has no configuration: alerts routed to it are not notified`)
          this.#warnedNames.add(name)
          continue
        }
        writes.push({alertIndex: index, name, owner: queue.owner, alertUuid: route.alert.UUID, alert: json})
      }
    }
    return writes
  }

  /** `GET /v1/alerts`: the alerts, or null when none (§4.2). */
  async listAlerts(query: URLSearchParams): Promise<Record<string, unknown>[] | null> {
    const now = this.clock()
    const alerts = await this.store.queryAlerts(alertFilter(query, now), now)
    return alerts.length === 0 ? null : alerts.map((a) => alertJson(a, now))
  }

  /** `GET /v1/alerts/{id}` (§4.3). */
  async getAlert(idText: string): Promise<Record<string, unknown>> {
    const id = parseId(idText, 'alert_id')
    const now = this.clock()
    const alerts = await this.store.queryAlerts({id, limit: 1}, now)
    if (alerts.length === 0) throw new ApiError(404, 'object not found')
    return alertJson(alerts[0]!, now)
  }

  /** `DELETE /v1/alerts` (§4.4): alerts and their decisions. */
  async deleteAlerts(query: URLSearchParams): Promise<{nbDeleted: string}> {
    if (query.has('alert_source')) throw new ApiError(500, "filter parameter 'alert_source' is unknown (=" + query.get('alert_source') + '): invalid filter')
    const now = this.clock()
    const filter = alertFilter(query, now)
    filter.limit = 0
    return {nbDeleted: String(await this.store.deleteAlerts(filter, now))}
  }

  /** `DELETE /v1/alerts/{id}`: a missing id is a 500, as in CrowdSec. */
  async deleteAlert(idText: string): Promise<{nbDeleted: string}> {
    const id = parseId(idText, 'alert_id')
    const n = await this.store.deleteAlerts({id}, this.clock())
    if (n === 0) throw new ApiError(500, `unable to find alert with ID '${id}': object not found`)
    return {nbDeleted: String(n)}
  }

  /** `DELETE /v1/decisions` (§4.5): expires the matching active decisions. */
  async deleteDecisions(query: URLSearchParams): Promise<{nbDeleted: string}> {
    const filter = deleteDecisionFilter(query)
    return {nbDeleted: String(await this.store.expireDecisions(filter, this.clock()))}
  }

  /** `DELETE /v1/decisions/{id}` (§4.6). */
  async deleteDecision(idText: string): Promise<{nbDeleted: string}> {
    const id = parseId(idText, 'decision_id')
    const n = await this.store.expireDecisions({id, includeSimulated: true}, this.clock())
    if (n === 0) throw new ApiError(500, `decision with id '${id}' doesn't exist: object not found`)
    return {nbDeleted: String(n)}
  }

  /** `GET /v1/decisions` (§5.1): the body as text, `null` when nothing matches. */
  async decisionsText(query: URLSearchParams): Promise<string> {
    const now = this.clock()
    const decisions = await this.store.activeDecisions(bouncerDecisionFilter(query), now)
    if (decisions.length === 0) return 'null'
    let out = '['
    for (let i = 0; i < decisions.length; i++) out += (i === 0 ? '' : ',') + decisionText(decisions[i]!, now, false)
    return out + ']'
  }

  /**
   * `GET /v1/decisions/stream` (§5.2) as chunks of text, for a bouncer whose last pull was
   * `lastPull`; `now` is the request's start time, which becomes the bouncer's new last pull.
   */
  async *streamText(query: URLSearchParams, lastPull: number | null, now: number): AsyncGenerator<string> {
    const filter = bouncerDecisionFilter(query, ['ip', 'range'])
    const pages = this.store.decisionStreamText({startup: query.get('startup') === 'true', lastPull, now, filter, dedup: query.get('dedup') !== 'false'})
    // the first page is read before the first byte, so that a failing query still gets an error answer
    let page = await pages.next()
    yield '{"new": ['
    let list: 'new' | 'deleted' = 'new'
    let first = true
    for (; !page.done; page = await pages.next()) {
      if (page.value.list !== list) {
        yield '], "deleted": ['
        list = 'deleted'
        first = true
      }
      yield first ? page.value.text : ',' + page.value.text
      first = false
    }
    yield list === 'new' ? '], "deleted": []}' : ']}'
  }
}

function parseId(text: string, name: string): number {
  if (!/^\d{1,15}$/.test(text)) throw new ApiError(400, `${name} must be valid integer`)
  return Number(text)
}

/** An alert's JSON as a notification gets it: with its decisions (less their `until`), or with none. */
function notificationJson(alert: Alert, decisions: boolean): string {
  const wire = JSON.parse(JSON.stringify(alert)) as Record<string, unknown>
  if (!decisions) wire.decisions = null
  else if (Array.isArray(wire.decisions)) for (const d of wire.decisions as Record<string, unknown>[]) delete d.until
  return JSON.stringify(wire)
}
