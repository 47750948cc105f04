/**
 * One acquis.yaml `source: journalctl` entry -> what the journald source needs. CrowdSec's keys:
 * `journalctl_filter` (a list, required) and the common datasource keys; decoding is strict (an
 * unknown key is an error, as CrowdSec's strict YAML decoding makes it).
 */
import {CrowdError} from '../../model/errors.js'
import {checkJournalFilter} from './source.js'

export const JOURNALD_SOURCE = 'journalctl'

/** What one acquis.yaml `source: journalctl` entry configures. */
export interface JournaldAcquisConfig {
  /** journalctl arguments (`journalctl_filter`), in order. */
  filters: string[]
  /** `tail` (default): follow from the end; `cat`: read the whole journal once. */
  mode: 'tail' | 'cat'
  labels: Record<string, string>
}

/** CrowdSec's common datasource keys, accepted here (labels and mode used, the others left to the caller). */
const COMMON_KEYS = new Set(['source', 'mode', 'labels', 'log_level', 'name', 'use_time_machine', 'unique_id', 'transform'])
export const JOURNALD_KEYS: ReadonlySet<string> = new Set(['journalctl_filter'])

/**
 * Reads one acquis.yaml document whose `source` is `journalctl` (or that has no source but a
 * `journalctl_filter`, which CrowdSec takes for journalctl). Errors are CrowdErrors (code
 * 'config') naming `file` when given, and the key at fault.
 */
export function journaldConfigFromAcquis(doc: Record<string, unknown>, file?: string): JournaldAcquisConfig {
  const bad = (reason: string): CrowdError => new CrowdError('config', `journalctl datasource: ${reason}`, {file})
  for (const key of Object.keys(doc)) {
    if (!COMMON_KEYS.has(key) && !JOURNALD_KEYS.has(key)) throw bad(`unknown field ${JSON.stringify(key)}`)
  }
  if (doc.source !== undefined && doc.source !== JOURNALD_SOURCE) throw bad(`source is ${JSON.stringify(doc.source)}, not journalctl`)
  const raw = doc.journalctl_filter
  if (raw === undefined || raw === null || (Array.isArray(raw) && raw.length === 0)) throw bad('journalctl_filter is required')
  if (!Array.isArray(raw)) throw bad('journalctl_filter must be a list of journalctl arguments')
  const filters: string[] = []
  for (const item of raw) {
    if (typeof item !== 'string' && typeof item !== 'number' && typeof item !== 'boolean') throw bad('journalctl_filter must be a list of strings')
    const filter = String(item)
    const why = checkJournalFilter(filter)
    if (why !== undefined) throw bad(`journalctl_filter ${JSON.stringify(filter)}: ${why}`)
    filters.push(filter)
  }
  const mode = doc.mode === undefined || doc.mode === '' ? 'tail' : doc.mode
  if (mode !== 'tail' && mode !== 'cat') throw bad(`unsupported mode ${JSON.stringify(mode)} (tail or cat)`)
  const labels: Record<string, string> = Object.create(null)
  if (doc.labels !== undefined && doc.labels !== null) {
    if (typeof doc.labels !== 'object' || Array.isArray(doc.labels)) throw bad('labels must be a map')
    for (const [k, v] of Object.entries(doc.labels)) labels[k] = String(v)
  }
  return {filters, mode, labels}
}
