/**
 * The two places a watching agent (`crowd watch`) commits to (src/pipeline/watch-sink.ts):
 *
 * - the local store: alerts go through the same LapiOperations as `POST /v1/alerts` (the
 *   LAPI's profiles make the decisions and pick the notifications), and the agent's state is
 *   written in the same transaction (`agent_states`). A crash leaves either both or neither.
 * - a remote LAPI (`[lapi.credentials]`): alerts are posted first, with UUIDs derived from what
 *   they are (model/alert-uuid.ts), then the state is written to files in the data dir (a base
 *   and a journal of changes, agent-state-file.ts). A crash between the two re-reads the same lines with the
 *   same bucket state, so the same alerts are posted again under the same UUIDs, and crowd's
 *   LAPI stores them once.
 */
import * as path from 'node:path'
import type {Config} from '../config/config.js'
import type {Alert} from '../model/alert.js'
import type {Logger} from '../model/logger.js'
import {writeFileAtomic} from '../platform/files.js'
import type {AgentStateRows, SavedAgentState, Store} from '../store/types.js'
import {AgentStateFile} from './agent-state-file.js'
import {CrowdError, CrowdErrorList} from '../model/errors.js'
import {asCrowdError, localMachineName, openConfiguredStore, RemoteApi} from './client.js'
import {LapiOperations, type AlertsStoredHook, type NotificationQueue} from './operations.js'
import {LapiProfiles} from './profiles.js'
import {alertWire} from './record.js'
import {compareBytes} from '../model/order.js'

/** The pipeline's AgentSink, restated so this folder does not import the pipeline (same shape). */
export interface AgentSinkLike {
  readonly target: string
  loadState(): Promise<SavedAgentState | undefined>
  commit(alerts: readonly Alert[], state: AgentStateChange): Promise<{ids: string[]; decisions: number; notify: {alert: Alert; notifications: string[]}[]}>
  setAsideState(saved: SavedAgentState): Promise<string>
  close(): Promise<void>
}

/** The state text and the rows that changed (watch-sink.ts AgentStateChange). */
export interface AgentStateChange {
  state: string
  rows: AgentStateRows
}

/** Alerts per request to a remote LAPI, as CrowdSec's agent batches them. */
const POST_BATCH = 50

export class StoreAgentSink implements AgentSinkLike {
  readonly target: string
  constructor(
    readonly store: Store,
    private ops: LapiOperations,
    readonly machineId: string,
    /** The agent_states row: one per watching agent on a shared store. */
    readonly stateName: string,
    readonly clock: () => number = Date.now,
  ) {
    this.target = `local store ${store.location}`
  }

  /** The profiles the alerts run through. */
  get profiles(): LapiProfiles['profiles'] {
    return this.ops.profiles.profiles
  }

  /**
   * Runs the alerts of the next commits through another profiles file (SIGHUP reload). With
   * notifications, a profile naming one that is not served is refused (the running profiles stay).
   */
  useProfiles(file: string | undefined, logger: Logger): void {
    const profiles = new LapiProfiles(file, logger)
    const queue = this.ops.notifications
    if (queue !== undefined) {
      const errors = profiles.profiles.flatMap((p) => [...new Set(p.notifications)].filter((name) => !queue.serves(name)).map((name) =>
        new CrowdError('config', `profile '${p.name}' notifies '${name}', which is not running (notification configurations are read when the watch starts)`, {file: p.file, line: p.line})))
      if (errors.length > 0) throw errors.length === 1 ? errors[0]! : new CrowdErrorList(errors)
    }
    this.ops = new LapiOperations(this.store, profiles, logger, this.clock, {notifications: queue, onAlertsStored: this.ops.onAlertsStored})
  }

  /** Queues the notifications the profiles route in each commit's transaction. */
  useNotifications(queue: NotificationQueue): void {
    this.ops = new LapiOperations(this.store, this.ops.profiles, this.ops.logger, this.clock, {notifications: queue, onAlertsStored: this.ops.onAlertsStored})
  }

  /** Hands each commit's stored alerts to `hook` (the CTI client queues their signals), as the LAPI does. */
  useAlertsHook(hook: AlertsStoredHook | undefined): void {
    this.ops = new LapiOperations(this.store, this.ops.profiles, this.ops.logger, this.clock, {notifications: this.ops.notifications, onAlertsStored: hook})
  }

  async loadState(): Promise<SavedAgentState | undefined> {
    return this.#call(() => this.store.agentState(this.stateName))
  }

  async commit(alerts: readonly Alert[], change: AgentStateChange): Promise<{ids: string[]; decisions: number; notify: {alert: Alert; notifications: string[]}[]}> {
    return this.#call(async () => {
      const agentState = {name: this.stateName, ...change}
      if (alerts.length === 0) {
        await this.store.setAgentState(this.stateName, change, this.clock())
        return {ids: [], decisions: 0, notify: []}
      }
      for (const a of alerts) a.MachineID = this.machineId
      const result = await this.ops.postAlerts(alerts.map(alertWire), this.machineId, {agentState})
      return {ids: result.ids, decisions: result.decisions, notify: result.notify}
    })
  }

  async setAsideState(saved: SavedAgentState): Promise<string> {
    const aside = `${this.stateName}.corrupt.${new Date(this.clock()).toISOString()}`
    await this.#call(async () => {
      await this.store.setAgentState(aside, {state: saved.state, rows: {full: true, upserts: saved.rows, deletes: []}}, this.clock())
      await this.store.setAgentState(this.stateName, null, this.clock())
    })
    return `${this.target}, agent state '${aside}'`
  }

  async close(): Promise<void> {
    await this.store.close()
  }

  #call<T>(fn: () => Promise<T>): Promise<T> {
    return fn().catch((error: unknown) => {
      throw asCrowdError(error, this.target)
    })
  }
}

export class RemoteAgentSink implements AgentSinkLike {
  readonly target: string
  private readonly file: AgentStateFile
  constructor(readonly api: RemoteApi, readonly machineId: string, readonly stateFile: string) {
    this.target = api.target
    this.file = new AgentStateFile(stateFile)
  }

  async loadState(): Promise<SavedAgentState | undefined> {
    const content = this.file.load()
    return content === undefined ? undefined : {state: content.state, rows: [...content.rows].sort(([a], [b]) => compareBytes(a, b))}
  }

  async commit(alerts: readonly Alert[], change: AgentStateChange): Promise<{ids: string[]; decisions: number; notify: {alert: Alert; notifications: string[]}[]}> {
    const ids: string[] = []
    for (let i = 0; i < alerts.length; i += POST_BATCH) {
      const batch = alerts.slice(i, i + POST_BATCH).map((a) => {
        a.MachineID = this.machineId
        return alertWire(a)
      })
      ids.push(...(await this.api.postAlerts(batch)))
    }
    this.file.commit(change)
    return {ids, decisions: 0, notify: []}
  }

  async setAsideState(saved: SavedAgentState): Promise<string> {
    const aside = `${this.stateFile}.corrupt-${new Date().toISOString().replace(/[:.]/g, '-')}`
    writeFileAtomic(aside, JSON.stringify({state: saved.state, rows: Object.fromEntries(saved.rows)}))
    this.file.remove()
    return aside
  }

  async close(): Promise<void> {
    this.file.close()
  }
}

/** The state name of an agent on a shared store: one per machine (and per `[watch] name` when several run on one host). */
export function agentStateName(machineId: string, name: string | undefined): string {
  return name === undefined || name === '' ? `watch/${machineId}` : `watch/${machineId}/${name}`
}

/**
 * The sink of the configuration: the remote LAPI of `[lapi.credentials]`, else the local store
 * with the LAPI's profiles (`[lapi] profiles`).
 */
export async function openAgentSink(config: Config, logger: Logger, options: {name?: string; profiles?: string} = {}): Promise<AgentSinkLike> {
  const machineId = localMachineName(config)
  const stateName = agentStateName(machineId, options.name)
  if (config.lapi.credentials !== undefined) {
    const api = new RemoteApi(config.lapi.credentials)
    await api.login().catch((error: unknown) => {
      throw asCrowdError(error, api.target)
    })
    const file = path.join(config.dataDir, 'watch', `${stateName.replace(/[^A-Za-z0-9._-]/g, '_')}.state.json`)
    return new RemoteAgentSink(api, machineId, file)
  }
  const store = await openConfiguredStore(config)
  try {
    const profiles = new LapiProfiles(options.profiles ?? config.lapi.profiles, logger)
    return new StoreAgentSink(store, new LapiOperations(store, profiles, logger), machineId, stateName)
  } catch (error) {
    await store.close()
    throw error
  }
}
