/**
 * `crowd scan --record`: a scan's alerts, with the decisions its profiles gave them, posted to
 * the local store or the configured LAPI as a watcher would post them. Each alert gets a UUID
 * derived from what it is (scenario, source, time span, events), so recording the same scan twice
 * stores it once: a CI job that is re-run does not double its alerts.
 */
import {createHash} from 'node:crypto'
import type {Alert} from '../model/alert.js'
import type {AlertsApi} from './client.js'

/** Alerts per POST, as CrowdSec's agent batches them. */
const POST_BATCH = 50

export interface RecordResult {
  /** `local store <file>` or the LAPI URL. */
  target: string
  alerts: number
  decisions: number
  /** Ids of the stored alerts (existing ids for alerts recorded before). */
  ids: string[]
}

/** A version-4-shaped UUID from the alert's identity (stable across runs of the same scan). */
export function alertUuid(alert: Alert): string {
  const h = createHash('sha256')
    .update([alert.Scenario, alert.ScenarioHash, alert.Source.Scope, alert.Source.Value, alert.StartAt, alert.StopAt, String(alert.EventsCount), alert.MachineID].join('\u0000'))
  // live buckets run on the wall clock: two overflows of one scenario and source can share their times
  // (a burst within a millisecond), but not their events
  for (const e of alert.Events ?? []) h.update('\u0001' + JSON.stringify(e))
  return uuidOf(h.digest('hex'))
}

function uuidOf(h: string): string {
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-${((parseInt(h[16]!, 16) & 3) | 8).toString(16)}${h.slice(17, 20)}-${h.slice(20, 32)}`
}

/**
 * An alert as a watcher posts it: its UUID (the alert's own, else alertUuid), no id or creation
 * time (the LAPI sets them), and no decisions key when it has none, so the LAPI's profiles decide.
 */
export function alertWire(alert: Alert): unknown {
  const wire = alert.toJSON()
  wire.uuid = alert.UUID !== '' ? alert.UUID : alertUuid(alert)
  delete wire.id
  delete wire.created_at
  if (alert.Decisions === null || alert.Decisions.length === 0) delete wire.decisions
  return JSON.parse(JSON.stringify(wire)) as unknown
}

export async function recordAlerts(api: AlertsApi, alerts: readonly Alert[]): Promise<RecordResult> {
  const result: RecordResult = {target: api.target, alerts: alerts.length, decisions: 0, ids: []}
  for (let i = 0; i < alerts.length; i += POST_BATCH) {
    const batch = alerts.slice(i, i + POST_BATCH).map((alert) => {
      result.decisions += alert.Decisions?.length ?? 0
      return alertWire(alert)
    })
    result.ids.push(...(await api.postAlerts(batch)))
  }
  return result
}
