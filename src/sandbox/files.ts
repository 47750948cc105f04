/**
 * Writing a file for a plugin, only where its manifest lets it (files.write), and only there:
 *
 * - the path's text must be absolute and normalised (no `.`, `..` or empty segment) and fall
 *   under a declared directory (ending in `/`) or be a declared file;
 * - its parent directory, symbolic links resolved, must still be inside the declared directory
 *   (resolved the same way): a link inside the directory that points out of it is refused;
 * - an append opens the file itself with O_NOFOLLOW (a link in its place is refused) and
 *   O_NONBLOCK (a FIFO cannot block the host); it must then be a regular file with a single link
 *   (a hard link to a file elsewhere is refused);
 * - a whole-file write checks the same, then writes a new file beside it and renames it over the
 *   old one: readers see the old content or the new, never a half-written file.
 *
 * Parents are not created. What is left: a directory renamed between the check and the open
 * (the grant is a directory the user gave the plugin; another process racing inside it is
 * outside this model).
 */
import * as fs from 'node:fs'
import * as path from 'node:path'
import {writeGrantFor, type Permissions} from './permissions.js'

export class WriteRefused extends Error {}

const NOFOLLOW = fs.constants.O_NOFOLLOW ?? 0
const NONBLOCK = fs.constants.O_NONBLOCK ?? 0

/**
 * Rotation before an append (the file plugin's `rotate`): when the file would grow past
 * `maxBytes`, `file.<keep-1>` becomes `file.<keep>` ... `file` becomes `file.1` (the oldest
 * beyond `keep` is removed), all in the file's own (checked) directory, and the data goes to a
 * new `file`. A rotated name is the granted file's, suffixed: no other file is touched.
 */
export interface RotateOptions {
  maxBytes: number
  keep: number
}

export async function writePluginFile(p: Permissions, file: string, data: string, append: boolean, rotate?: RotateOptions): Promise<void> {
  const grant = writeGrantFor(p, file)
  if (grant === undefined) throw new WriteRefused(`writing ${file} is not declared`)
  const dir = path.dirname(file)
  let realDir: string
  try {
    realDir = await fs.promises.realpath(dir)
  } catch (error) {
    throw new Error(`cannot write ${file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message} on its directory`)
  }
  const base = grant.endsWith('/') ? grant.slice(0, -1) : path.dirname(grant)
  let realBase: string
  try {
    realBase = await fs.promises.realpath(base)
  } catch (error) {
    throw new Error(`cannot write ${file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message} on ${base}`)
  }
  const inside = grant.endsWith('/') ? realDir === realBase || realDir.startsWith(realBase + path.sep) : realDir === realBase
  if (!inside) throw new WriteRefused(`${file} resolves to ${path.join(realDir, path.basename(file))}, outside ${grant}`)
  const target = path.join(realDir, path.basename(file))
  if (!append) return replaceAtomically(file, target, data)
  let handle = await openChecked(file, target, append)
  try {
    if (append && rotate !== undefined && rotate.keep >= 1) {
      const size = (await handle.stat()).size
      if (size > 0 && size + Buffer.byteLength(data, 'utf8') > rotate.maxBytes) {
        await handle.close()
        await rotateFiles(target, rotate.keep)
        handle = await openChecked(file, target, append)
      }
    }
    await handle.writeFile(data, 'utf8')
  } finally {
    await handle.close()
  }
}

/**
 * A whole-file write: the data goes to a new file beside the target (created exclusively, never
 * through a link), which then replaces it in one rename, with the old file's mode: a reader (nginx
 * reloading its map) sees the old file or the new one, never half of one. The target, if it
 * exists, must be a regular file with one link, as for appends.
 */
async function replaceAtomically(file: string, target: string, data: string): Promise<void> {
  let mode = 0o640
  let owner: {uid: number; gid: number} | undefined
  try {
    const st = await fs.promises.lstat(target)
    if (st.isSymbolicLink()) throw new WriteRefused(`${file} is a symbolic link`)
    if (!st.isFile()) throw new WriteRefused(`${file} is not a regular file`)
    if (st.nlink > 1) throw new WriteRefused(`${file} has other hard links`)
    mode = st.mode & 0o7777
    owner = {uid: st.uid, gid: st.gid}
  } catch (error) {
    if (error instanceof WriteRefused) throw error
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw new Error(`cannot write ${file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`)
  }
  const temp = path.join(path.dirname(target), `.${path.basename(target)}.crowd-${process.pid}-${Math.random().toString(36).slice(2, 10)}`)
  let handle: fs.promises.FileHandle
  try {
    handle = await fs.promises.open(temp, fs.constants.O_WRONLY | fs.constants.O_CREAT | fs.constants.O_EXCL | NOFOLLOW, mode)
  } catch (error) {
    throw new Error(`cannot write ${file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message} on a new file beside it`)
  }
  try {
    try {
      await handle.writeFile(data, 'utf8')
      await handle.chmod(mode)
      if (owner !== undefined) await handle.chown(owner.uid, owner.gid).catch(() => {})
      await handle.sync()
    } finally {
      await handle.close()
    }
    await fs.promises.rename(temp, target)
  } catch (error) {
    await fs.promises.rm(temp, {force: true})
    throw new Error(`cannot write ${file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`)
  }
}

/** Opens the file to write without following a link or blocking on a FIFO; it must be a regular file with one link. */
async function openChecked(file: string, target: string, append: boolean): Promise<fs.promises.FileHandle> {
  const flags = fs.constants.O_WRONLY | fs.constants.O_CREAT | NOFOLLOW | NONBLOCK | (append ? fs.constants.O_APPEND : 0)
  let handle: fs.promises.FileHandle
  try {
    handle = await fs.promises.open(target, flags, 0o640)
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    if (code === 'ELOOP') throw new WriteRefused(`${file} is a symbolic link`)
    throw new Error(`cannot write ${file}: ${code ?? (error as Error).message}`)
  }
  try {
    const st = await handle.stat()
    if (!st.isFile()) throw new WriteRefused(`${file} is not a regular file`)
    if (st.nlink > 1) throw new WriteRefused(`${file} has other hard links`)
  } catch (error) {
    await handle.close()
    throw error
  }
  return handle
}

/** `target.<keep>` goes, each `target.<n>` becomes `target.<n+1>`, `target` becomes `target.1` (renames never follow links). */
async function rotateFiles(target: string, keep: number): Promise<void> {
  await fs.promises.rm(`${target}.${keep}`, {force: true})
  for (let n = keep - 1; n >= 1; n--) {
    try {
      await fs.promises.rename(`${target}.${n}`, `${target}.${n + 1}`)
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error
    }
  }
  await fs.promises.rename(target, `${target}.1`)
}
