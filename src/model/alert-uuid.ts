/**
 * An alert's identity as a UUID: derived from what it is (scenario, source, time span, events,
 * machine), so the same alert found twice (a scan recorded again, lines read again after a crash,
 * a notification retried) has the same UUID and is stored, indexed or counted once.
 */
import {createHash} from 'node:crypto'
import type {Alert} from './alert.js'

/** A version-4-shaped UUID from the alert's identity (stable across runs over the same lines). */
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

/** The alert as it reaches notifications: itself when it has a UUID, else a copy with alertUuid (a scan's alerts have none). */
export function withAlertUuid(alert: Alert): Alert {
  if (alert.UUID !== '') return alert
  return Object.assign(Object.create(Object.getPrototypeOf(alert) as object) as Alert, alert, {UUID: alertUuid(alert)})
}
