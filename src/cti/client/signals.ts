/**
 * What the agent shares with the central API (notifications-and-cti.md §7.1, §7.2): which stored
 * alerts become signals (trust levels and console options), and the signal JSON, key for key as
 * CrowdSec's LAPI sends it (Go's struct order). A signal never holds log lines, events or labels;
 * the alert's context (its meta) only with `share_context`.
 */
import type {Alert} from '../../model/alert.js'
import {Source} from '../../model/alert.js'
import type {NewAlert} from '../../store/types.js'

export type ScenarioTrust = 'certified' | 'tainted' | 'custom' | 'manual'

/** The console options that decide what is shared (CrowdSec's console.yaml, `[cti]` in crowd.toml). */
export interface ShareOptions {
  sharing: boolean
  shareManualDecisions: boolean
  shareCustom: boolean
  shareTainted: boolean
  shareContext: boolean
}

/** What the LAPI stored: the record (times parsed, machine set) and the alert as posted (decision durations as given). */
export interface StoredAlertLike {
  record: NewAlert
  alert?: Alert
}

/** The trust level of an alert (§7.1): by hash and version, then "manual" when its first decision came from cscli. */
export function scenarioTrust(record: Pick<NewAlert, 'scenarioHash' | 'scenarioVersion' | 'decisions'>): ScenarioTrust {
  let trust: ScenarioTrust = record.scenarioHash === '' ? 'custom' : record.scenarioVersion === '' || record.scenarioVersion === '?' ? 'tainted' : 'certified'
  if (record.decisions.length > 0 && record.decisions[0]!.origin === 'cscli') trust = 'manual'
  return trust
}

/** Whether an alert is shared (§7.1); the reason when it is not. */
export function shareDecision(record: Pick<NewAlert, 'scenarioHash' | 'scenarioVersion' | 'decisions' | 'simulated'>, options: ShareOptions): {share: boolean; trust: ScenarioTrust; reason?: string} {
  const trust = scenarioTrust(record)
  if (!options.sharing) return {share: false, trust, reason: 'sharing is off ([cti] sharing = false)'}
  if (record.simulated) return {share: false, trust, reason: 'simulated alerts are never shared'}
  if (trust === 'manual' && !options.shareManualDecisions) return {share: false, trust, reason: 'manual decisions are not shared (share_manual_decisions = false)'}
  if (trust === 'custom' && !options.shareCustom) return {share: false, trust, reason: 'custom scenarios are not shared (share_custom = false)'}
  if (trust === 'tainted' && !options.shareTainted) return {share: false, trust, reason: 'tainted scenarios are not shared (share_tainted = false)'}
  return {share: true, trust}
}

/** RFC 3339 in UTC without a fraction. */
function rfc3339(ms: number): string {
  return new Date(Math.floor(ms / 1000) * 1000).toISOString().replace('.000Z', 'Z')
}

/** Go's duration text of a number of milliseconds (`4h0m0s`), for decisions whose posted duration is unknown. */
function goDuration(ms: number): string {
  const negative = ms < 0
  let s = Math.round(Math.abs(ms) / 1000)
  const h = Math.floor(s / 3600)
  s -= h * 3600
  const m = Math.floor(s / 60)
  s -= m * 60
  const text = h > 0 ? `${h}h${m}m${s}s` : m > 0 ? `${m}m${s}s` : `${s}s`
  return negative ? '-' + text : text
}

/**
 * The signal of a stored alert (§7.2): machine_id is the local watcher that posted it; decisions
 * with id 0 and no `until`, their duration as posted; context only when `shareContext`.
 */
export function toSignal(stored: StoredAlertLike, trust: ScenarioTrust, shareContext: boolean): Record<string, unknown> {
  const r = stored.record
  const a = stored.alert
  const s = r.source
  const out: Record<string, unknown> = {}
  out.context = shareContext && r.meta.length > 0 ? r.meta.map((m) => ({key: m.key, value: m.value})) : null
  if (a !== undefined && a.CreatedAt !== '') out.created_at = a.CreatedAt
  out.decisions = r.decisions.map((d) => {
    const posted = a?.Decisions?.find((x) => x.UUID === d.uuid)
    return {
      duration: posted !== undefined && posted.Duration !== '' ? posted.Duration : goDuration(d.until - r.stopAt),
      id: 0, origin: d.origin, scenario: d.scenario, scope: d.scope, type: d.type, uuid: d.uuid, value: d.value,
    }
  })
  out.kind = r.kind
  out.machine_id = r.machineId
  out.message = r.message
  out.scenario = r.scenario
  out.scenario_hash = r.scenarioHash
  out.scenario_trust = trust
  out.scenario_version = r.scenarioVersion
  out.source = new Source({Scope: s.scope, Value: s.value, IP: s.ip, Range: s.range, AsName: s.asName, AsNumber: s.asNumber, Cn: s.cn,
    Latitude: s.latitude, Longitude: s.longitude}).toJSON()
  out.start_at = a !== undefined && a.StartAt !== '' ? a.StartAt : rfc3339(r.startAt)
  out.stop_at = a !== undefined && a.StopAt !== '' ? a.StopAt : rfc3339(r.stopAt)
  out.uuid = r.uuid
  return out
}
