/**
 * What the Local API does, apart from HTTP: each operation takes the request's query, body and
 * caller and returns the JSON CrowdSec's LAPI answers (lapi.md §4, §5). The HTTP server
 * (server.ts) wraps them; the CLI calls the same operations on the local store when no remote
 * LAPI is configured (client.ts, LocalApi), so both paths share one filter language and one behaviour.
 */
import type {Alert} from '../model/alert.js'
import type {Logger} from '../model/logger.js'
import type {AgentStateWrite, Store} from '../store/types.js'
import {alertFilter, bouncerDecisionFilter, deleteDecisionFilter} from './filters.js'
import type {LapiProfiles} from './profiles.js'
import {alertJson, ApiError, decisionText, decodeAlerts, toNewAlert} from './wire.js'

export interface PostAlertsResult {
  ids: string[]
  /** Decisions stored with them (the profiles' and those the alerts came with). */
  decisions: number
  /** Profile errors met (the alerts were still handled per `on_error`). */
  profileErrors: string[]
  /** Alerts routed to notifications, by profile (filled by the notifications issue's dispatcher). */
  notify: {alert: Alert; notifications: string[]}[]
}

export class LapiOperations {
  constructor(
    readonly store: Store,
    readonly profiles: LapiProfiles,
    readonly logger: Logger,
    readonly clock: () => number = Date.now,
  ) {}

  /**
   * `POST /v1/alerts`: profiles on agent alerts, manual alerts kept as sent, all stored in one
   * transaction. (Routing manual alerts to notifications through the profiles, lapi.md §4.1 step 4,
   * comes with the notifications dispatcher.)
   */
  async postAlerts(body: unknown, machineId: string, options: {agentState?: AgentStateWrite} = {}): Promise<PostAlertsResult> {
    const alerts = decodeAlerts(body)
    const now = this.clock()
    const result: PostAlertsResult = {ids: [], decisions: 0, profileErrors: [], notify: []}
    const ready = []
    for (const alert of alerts) {
      alert.MachineID = machineId
      if (alert.Decisions === null || alert.Decisions.length === 0) {
        alert.Decisions = null
        const outcome = await this.profiles.apply(alert, this.store, now, this.logger)
        result.profileErrors.push(...outcome.errors)
        if (outcome.refused) throw new ApiError(500, `while running profiles: ${outcome.errors.join('; ')}`)
        const notifications = outcome.matched.flatMap((name) => this.profiles.profiles.find((p) => p.name === name)?.notifications ?? [])
        if (notifications.length > 0) result.notify.push({alert, notifications})
      }
      const stored = toNewAlert(alert, machineId, now)
      if (stored !== null) ready.push(stored)
    }
    // one transaction for the whole request: a failure stores none of its alerts (CrowdSec commits per 50)
    // (an agent on this store also commits its positions and bucket state with them: crowd watch)
    result.ids = (await this.store.insertAlerts(ready, now, options.agentState)).map(String)
    for (const a of ready) result.decisions += a.decisions.length
    if (machineId !== '') await this.store.updateMachine(machineId, {lastPush: now}, now)
    return result
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
