/**
 * Where a followed file was left, and what to do when it is looked at again (the next poll, or
 * the next run of `crowd watch`). Everything here is pure: the caller gathers the facts (stat,
 * first bytes of the file, rotated siblings; probe.ts) and these functions decide.
 *
 * A file is identified by dev + inode; a fingerprint of its first bytes (sha256 of up to
 * FINGERPRINT_BYTES) guards against inode reuse and against a file rewritten in place
 * (copytruncate followed by new writes past the old offset).
 */
import {createHash} from 'node:crypto'

/** Bytes of the head of a file covered by a fingerprint. */
export const FINGERPRINT_BYTES = 1024

export interface Fingerprint {
  /** sha256 (hex) of the first `bytes` bytes of the file. */
  sha256: string
  /** How many bytes it covers: min(FINGERPRINT_BYTES, the file size when it was taken). */
  bytes: number
}

/** A committed position: the byte right after the last line handed on. Plain JSON. */
export interface FilePosition {
  /** The followed path (as given), even while a rotated file (`path.1`) is being finished. */
  path: string
  dev: number
  ino: number
  offset: number
  fingerprint: Fingerprint
}

/** The current state of one file: stat + its first min(size, FINGERPRINT_BYTES) bytes. */
export interface FileState {
  dev: number
  ino: number
  size: number
  head: Uint8Array
}

/** A file that may be an earlier incarnation of the followed path (`path.1`, `path-20240101`). */
export interface CandidateState extends FileState {
  path: string
}

export function fingerprintOf(head: Uint8Array, bytes: number = head.length): Fingerprint {
  const n = Math.min(bytes, head.length, FINGERPRINT_BYTES)
  return {sha256: createHash('sha256').update(head.subarray(0, n)).digest('hex'), bytes: n}
}

/** True when the file's head starts with the bytes the fingerprint covers. */
export function fingerprintMatches(fp: Fingerprint, state: FileState): boolean {
  if (state.size < fp.bytes || state.head.length < fp.bytes) return false
  return fingerprintOf(state.head, fp.bytes).sha256 === fp.sha256
}

/**
 * How a file relates to a saved position:
 * - `same`: same dev+inode, not shorter than the offset, same first bytes: continue at offset;
 * - `cut`: same dev+inode and first bytes, but shorter than the offset: its end was cut off
 *   (the lines still in it were read already);
 * - `shrunk`: same dev+inode, shorter than the offset, first bytes changed or not all there
 *   any more (truncated, copytruncate);
 * - `rewritten`: same dev+inode, long enough, but its first bytes changed (truncated and written
 *   again past the offset, or the inode was reused by a new file);
 * - `other`: another file (rotated by rename, or replaced).
 */
export type FileRelation = 'same' | 'cut' | 'shrunk' | 'rewritten' | 'other'

export function relate(saved: Pick<FilePosition, 'dev' | 'ino' | 'offset' | 'fingerprint'>, state: FileState): FileRelation {
  if (state.dev !== saved.dev || state.ino !== saved.ino) return 'other'
  const matches = fingerprintMatches(saved.fingerprint, state)
  if (state.size < saved.offset) return matches ? 'cut' : 'shrunk'
  return matches ? 'same' : 'rewritten'
}

/** Where the rest of an earlier file is read from, before the path is read. */
export interface OldFile {
  path: string
  offset: number
  /** How it was recognised: its inode (renamed), or its first bytes only (a copy: copytruncate). */
  by: 'inode' | 'fingerprint'
}

export type ResumeDecision =
  /** The same file: read on from the offset. */
  | {action: 'continue'; offset: number}
  /** The same file, its end cut off: read on from its current end (nothing read is read again). */
  | {action: 'cut'; offset: number}
  /** The file at the path was truncated or rewritten: read it from 0 (after `old`, if found). */
  | {action: 'restart'; reason: 'shrunk' | 'rewritten'; old?: OldFile; offset: 0}
  /** Another file is at the path: finish `old` from the saved offset if found, then the path from 0. */
  | {action: 'rotated'; old?: OldFile; offset: 0}
  /** Nothing at the path: finish `old` if found, then wait for the path. */
  | {action: 'vanished'; old?: OldFile}

/**
 * Decides what to do with a saved position given the file now at its path (undefined: no file)
 * and candidate earlier files. A candidate is the saved file when it has the saved dev+inode,
 * its size reaches the offset and its fingerprint matches (`by: 'inode'`); failing that, a
 * candidate with another inode whose first bytes match a non-empty fingerprint and whose size
 * reaches the offset is taken as a copy of it (`by: 'fingerprint'`: logrotate's copytruncate
 * copies the file to `path.1` before truncating it). Candidates are tried in the order given
 * (newest first is the useful order). A file whose end was cut off (`cut`) is read on from its
 * new end, unless a copy of it is found (then it was copytruncated and refilled). A candidate with nothing left to read is still returned:
 * finishing it reads nothing, and it documents why the path restarts at 0.
 */
export function decideResume(saved: FilePosition, current: FileState | undefined, candidates: readonly CandidateState[] = []): ResumeDecision {
  if (current !== undefined) {
    const relation = relate(saved, current)
    if (relation === 'same') return {action: 'continue', offset: saved.offset}
    const old = findOld(saved, candidates, relation === 'other' ? undefined : current)
    if (relation === 'cut') return old === undefined ? {action: 'cut', offset: current.size} : {action: 'restart', reason: 'shrunk', old, offset: 0}
    if (relation === 'other') return old === undefined ? {action: 'rotated', offset: 0} : {action: 'rotated', old, offset: 0}
    return old === undefined ? {action: 'restart', reason: relation, offset: 0} : {action: 'restart', reason: relation, old, offset: 0}
  }
  const old = findOld(saved, candidates, undefined)
  return old === undefined ? {action: 'vanished'} : {action: 'vanished', old}
}

/** The saved file among the candidates; `current` (the file at the path) is never one of them. */
export function findOld(saved: FilePosition, candidates: readonly CandidateState[], current: FileState | undefined): OldFile | undefined {
  const notCurrent = (c: CandidateState) => current === undefined || c.dev !== current.dev || c.ino !== current.ino
  for (const c of candidates) {
    if (notCurrent(c) && relate(saved, c) === 'same') return {path: c.path, offset: saved.offset, by: 'inode'}
  }
  if (saved.fingerprint.bytes === 0) return undefined
  for (const c of candidates) {
    if (!notCurrent(c) || (c.dev === saved.dev && c.ino === saved.ino)) continue
    if (c.size >= saved.offset && fingerprintMatches(saved.fingerprint, c)) return {path: c.path, offset: saved.offset, by: 'fingerprint'}
  }
  return undefined
}

/** Validates a position read back from a state file (bad input: false, never a throw). */
export function isFilePosition(value: unknown): value is FilePosition {
  if (typeof value !== 'object' || value === null) return false
  const v = value as Record<string, unknown>
  const nat = (x: unknown) => typeof x === 'number' && Number.isSafeInteger(x) && x >= 0
  if (typeof v.path !== 'string' || !nat(v.dev) || !nat(v.ino) || !nat(v.offset)) return false
  const fp = v.fingerprint as Record<string, unknown> | null
  if (typeof fp !== 'object' || fp === null) return false
  return typeof fp.sha256 === 'string' && /^[0-9a-f]{64}$/.test(fp.sha256) && nat(fp.bytes) && (fp.bytes as number) <= FINGERPRINT_BYTES
}
