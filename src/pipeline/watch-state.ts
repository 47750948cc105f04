/**
 * What `crowd watch` keeps between runs and across crashes: where each source was read up to,
 * the scenarios' bucket state, and the run's figures. It is committed as one text with the
 * alerts those lines produced (store/types.ts AgentStateWrite), so positions never run ahead
 * of stored alerts and never lag behind them.
 *
 * Positions are keyed by source: `file:<path>` (a FilePosition: inode and a fingerprint of the
 * first bytes, so a file rotated between two runs is finished before the new one starts) and
 * `journald:<filters>` (a journal cursor). Syslog and stdin have no position.
 */
import {isFilePosition, type FilePosition} from '../acquisition/follow/index.js'
import {CrowdError} from '../model/errors.js'

export const WATCH_STATE_VERSION = 1

export type SourcePosition = {file: FilePosition} | {cursor: string}

export interface WatchState {
  version: number
  /** When it was committed (RFC 3339). */
  savedAt: string
  positions: Record<string, SourcePosition>
  /** The detector's snapshot (src/detect/snapshot.ts), opaque here; null before the first run. */
  buckets: unknown
}

export function emptyWatchState(): WatchState {
  return {version: WATCH_STATE_VERSION, savedAt: '', positions: Object.create(null) as Record<string, SourcePosition>, buckets: null}
}

export function encodeWatchState(state: WatchState): string {
  return JSON.stringify(state)
}

/**
 * Reads a saved state; anything malformed is a CrowdError (code 'state') naming `where`: the
 * caller moves the bad state aside and starts clean rather than crash-looping on it.
 */
export function decodeWatchState(text: string, where: string): WatchState {
  const bad = (reason: string): CrowdError => new CrowdError('state', `corrupt watch state in ${where}: ${reason}`)
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch (error) {
    throw bad(`not JSON (${(error as Error).message})`)
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw bad('not an object')
  const v = value as Record<string, unknown>
  if (v.version !== WATCH_STATE_VERSION) throw bad(`version ${JSON.stringify(v.version)}, expected ${WATCH_STATE_VERSION}`)
  if (typeof v.positions !== 'object' || v.positions === null || Array.isArray(v.positions)) throw bad('positions is not a map')
  const positions = Object.create(null) as Record<string, SourcePosition>
  for (const [key, p] of Object.entries(v.positions)) {
    if (typeof p !== 'object' || p === null) throw bad(`position of ${key} is not an object`)
    const pos = p as Record<string, unknown>
    if (isFilePosition(pos.file)) positions[key] = {file: pos.file}
    else if (typeof pos.cursor === 'string' && pos.cursor !== '') positions[key] = {cursor: pos.cursor}
    else throw bad(`position of ${key} is neither a file position nor a cursor`)
  }
  return {version: WATCH_STATE_VERSION, savedAt: typeof v.savedAt === 'string' ? v.savedAt : '', positions, buckets: v.buckets ?? null}
}
