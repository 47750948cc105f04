/**
 * Where `crowd watch` sends its alerts and keeps its state: the seam between the pipeline and
 * the Local API. src/lapi/agent-sink.ts implements it on the local store (alerts through the
 * LAPI's profiles, state in the same transaction) and on a remote LAPI (alerts posted with
 * stable UUIDs, so a repeated post stores nothing twice; state in a file written after).
 */
import type {Alert} from '../model/alert.js'

export interface CommitOutcome {
  /** Ids of the stored alerts. */
  ids: string[]
  /** Decisions the profiles made for them (0 when a remote LAPI decides). */
  decisions: number
  /** Alerts the profiles route to notification plugins, with the plugin names: the dispatch point of notifications. */
  notify: {alert: Alert; notifications: string[]}[]
}

/**
 * The agent's state as committed: a text (positions, the detector's snapshot header) and rows
 * beside it (one per bucket, watch-state.ts), of which a commit writes only those that changed.
 */
export interface SavedAgentState {
  state: string
  /** By key. */
  rows: [key: string, value: string][]
}

/** What one commit changes: the whole state text, and the rows that changed (with `full`, every row: the others go). */
export interface AgentStateChange {
  state: string
  rows: {full: boolean; upserts: [key: string, value: string][]; deletes: string[]}
}

export interface AgentSink {
  /** `local store <file>` or the LAPI URL. */
  readonly target: string
  /** The state committed last (undefined: first run). */
  loadState(): Promise<SavedAgentState | undefined>
  /**
   * Stores the alerts and the state that covers the lines they came from, all or nothing where
   * the target allows it. Rejects when nothing was stored (the caller keeps both and retries).
   */
  commit(alerts: readonly Alert[], state: AgentStateChange): Promise<CommitOutcome>
  /** Keeps an unreadable state somewhere a human can look at, and forgets it; returns where it went. */
  setAsideState(saved: SavedAgentState): Promise<string>
  close(): Promise<void>
}
