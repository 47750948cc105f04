/**
 * The facts position.ts decides on: the state of a path (stat + first bytes) and the files in
 * its directory that may be rotated copies of it. Never throws: a missing path and an error
 * (permission denied, not a regular file...) are results.
 */
import * as fsp from 'node:fs/promises'
import * as path from 'node:path'
import {Buffer} from 'node:buffer'
import {FINGERPRINT_BYTES, type CandidateState, type FileState} from './position.js'

export type Probe =
  | {kind: 'file'; state: FileState}
  | {kind: 'missing'}
  | {kind: 'error'; code: string; message: string}

/** An error as a probe result; `code` is the errno code (EACCES...) or NOTREG / EISDIR for non-files. */
export function probeError(error: unknown): {kind: 'error'; code: string; message: string} {
  const e = error as NodeJS.ErrnoException
  return {kind: 'error', code: typeof e?.code === 'string' ? e.code : 'EUNKNOWN', message: e?.message ?? String(error)}
}

/** Stat of a path (following symlinks) and its head; only regular files are followed (a FIFO would block). */
export async function probePath(file: string): Promise<Probe> {
  let st
  try {
    st = await fsp.stat(file)
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    return code === 'ENOENT' ? {kind: 'missing'} : probeError(error)
  }
  if (st.isDirectory()) return {kind: 'error', code: 'EISDIR', message: `${file} is a directory`}
  if (!st.isFile()) return {kind: 'error', code: 'NOTREG', message: `${file} is not a regular file`}
  let fh: fsp.FileHandle | undefined
  try {
    fh = await fsp.open(file, 'r')
    const fst = await fh.stat()
    const head = await readHead(fh, fst.size)
    return {kind: 'file', state: {dev: Number(fst.dev), ino: Number(fst.ino), size: fst.size, head}}
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    return code === 'ENOENT' ? {kind: 'missing'} : probeError(error)
  } finally {
    await fh?.close().catch(() => undefined)
  }
}

/** The first min(size, FINGERPRINT_BYTES) bytes of an open file. */
export async function readHead(fh: fsp.FileHandle, size: number): Promise<Buffer> {
  const want = Math.min(size, FINGERPRINT_BYTES)
  const buf = Buffer.alloc(want)
  let got = 0
  while (got < want) {
    const {bytesRead} = await fh.read(buf, got, want - got, got)
    if (bytesRead === 0) break
    got += bytesRead
  }
  return got === want ? buf : buf.subarray(0, got)
}

/** Suffixes of compressed rotations: their bytes are not the log's, so they are never candidates. */
const COMPRESSED = /\.(gz|bz2|xz|zst|lz4|z|zip)$/i

/** At most this many candidates are looked at (a directory of thousands of rotations stays cheap). */
export const MAX_CANDIDATES = 32

/**
 * Regular files in the path's directory whose name starts with its base name followed by `.`,
 * `-` or `_` (`auth.log.1`, `auth.log-20240101`), not compressed, newest first (mtime). Errors
 * (an unreadable directory, a file gone meanwhile) just leave files out.
 */
export async function findCandidates(file: string, limit: number = MAX_CANDIDATES): Promise<CandidateState[]> {
  const dir = path.dirname(file)
  const base = path.basename(file)
  let names: string[]
  try {
    names = await fsp.readdir(dir)
  } catch {
    return []
  }
  const stats: {path: string; mtime: number}[] = []
  for (const name of names) {
    if (name.length <= base.length || !name.startsWith(base) || !'.-_'.includes(name[base.length]!) || COMPRESSED.test(name)) continue
    const p = path.join(dir, name)
    try {
      const st = await fsp.stat(p)
      if (st.isFile()) stats.push({path: p, mtime: st.mtimeMs})
    } catch {
      // gone meanwhile
    }
  }
  stats.sort((a, b) => b.mtime - a.mtime || (a.path < b.path ? -1 : a.path > b.path ? 1 : 0))
  const out: CandidateState[] = []
  for (const s of stats.slice(0, limit)) {
    const probe = await probePath(s.path)
    if (probe.kind === 'file') out.push({path: s.path, ...probe.state})
  }
  return out
}
