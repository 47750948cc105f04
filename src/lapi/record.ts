/**
 * `crowd scan --record`: a scan's alerts, with the decisions its profiles gave them, posted to
 * the local store or the configured LAPI as a watcher would post them. Each alert gets a UUID
 * derived from what it is (scenario, source, time span, events), so recording the same scan twice
 * stores it once: a CI job that is re-run does not double its alerts.
 */
import type {Alert} from '../model/alert.js'
import {alertUuid} from '../model/alert-uuid.js'
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
