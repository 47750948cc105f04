/**
 * What `crowd watch` keeps between runs and across crashes: where each source was read up to,
 * and the scenarios' bucket state (a header in the text, a row per bucket beside it: a commit
 * writes the rows that changed). It is committed with the alerts those lines produced
 * (store/types.ts AgentStateWrite), so positions never run ahead of stored alerts and never
 * lag behind them.
 *
 * Positions are keyed by source: `file:<path>` (a FilePosition: inode and a fingerprint of the
 * first bytes, so a file rotated between two runs is finished before the new one starts) and
 * `journald:<filters>` (a journal cursor). Syslog and stdin have no position.
 */
import {isFilePosition, type FilePosition} from '../acquisition/follow/index.js'
import {CrowdError} from '../model/errors.js'

/** 2: the detector's state as a header in the text and one row per bucket beside it (1: a whole snapshot in the text). */
export const WATCH_STATE_VERSION = 2

export type SourcePosition = {file: FilePosition} | {cursor: string}

/** The text of a commit: rows (bucket state) are written beside it. */
export interface WatchState {
  version: number
  /** When it was committed (RFC 3339). */
  savedAt: string
  positions: Record<string, SourcePosition>
  /** The detector's snapshot header (src/detect/snapshot-rows.ts), opaque here; null before the first run. */
  buckets: unknown
}

/** A saved state as the run restores it. */
export interface RestoredWatchState {
  positions: Record<string, SourcePosition>
  /** What Detector.restore takes (a snapshot, or a header with its rows); null: no bucket state. */
  buckets: unknown
}

export function emptyWatchState(): RestoredWatchState {
  return {positions: Object.create(null) as Record<string, SourcePosition>, buckets: null}
}

export function encodeWatchState(state: WatchState): string {
  return JSON.stringify(state)
}

/**
 * Reads a saved state (its text and its rows); anything malformed is a CrowdError (code 'state')
 * naming `where`: the caller moves the bad state aside and starts clean rather than crash-looping
 * on it. A state of version 1 (a whole snapshot, before rows) is read too.
 */
export function decodeWatchState(saved: {state: string; rows: readonly (readonly [string, string])[]}, where: string): RestoredWatchState {
  const bad = (reason: string): CrowdError => new CrowdError('state', `corrupt watch state in ${where}: ${reason}`)
  let value: unknown
  try {
    value = JSON.parse(saved.state)
  } catch (error) {
    throw bad(`not JSON (${(error as Error).message})`)
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw bad('not an object')
  const v = value as Record<string, unknown>
  if (v.version !== 1 && v.version !== WATCH_STATE_VERSION) throw bad(`version ${JSON.stringify(v.version)}, expected ${WATCH_STATE_VERSION}`)
  if (typeof v.positions !== 'object' || v.positions === null || Array.isArray(v.positions)) throw bad('positions is not a map')
  const positions = Object.create(null) as Record<string, SourcePosition>
  for (const [key, p] of Object.entries(v.positions)) {
    if (typeof p !== 'object' || p === null) throw bad(`position of ${key} is not an object`)
    const pos = p as Record<string, unknown>
    if (isFilePosition(pos.file)) positions[key] = {file: pos.file}
    else if (typeof pos.cursor === 'string' && pos.cursor !== '') positions[key] = {cursor: pos.cursor}
    else throw bad(`position of ${key} is neither a file position nor a cursor`)
  }
  const header = v.buckets ?? null
  if (v.version === 1 || header === null) {
    if (saved.rows.length > 0 && header === null) throw bad(`${saved.rows.length} bucket row(s) without a header`)
    return {positions, buckets: header}
  }
  if (typeof header !== 'object' || Array.isArray(header)) throw bad('buckets is not a snapshot header')
  const rows = saved.rows.map(([key, text]) => {
    try {
      return JSON.parse(text) as unknown
    } catch (error) {
      throw bad(`bucket row ${key} is not JSON (${(error as Error).message})`)
    }
  })
  return {positions, buckets: {...header, rows}}
}
