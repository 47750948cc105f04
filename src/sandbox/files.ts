/**
 * Writing a file for a plugin, only where its manifest lets it (files.write), and only there:
 *
 * - the path's text must be absolute and normalised (no `.`, `..` or empty segment) and fall
 *   under a declared directory (ending in `/`) or be a declared file;
 * - its parent directory, symbolic links resolved, must still be inside the declared directory
 *   (resolved the same way): a link inside the directory that points out of it is refused;
 * - the file itself is opened with O_NOFOLLOW (a link in its place is refused) and O_NONBLOCK
 *   (a FIFO cannot block the host), without O_TRUNC; it must then be a regular file with a
 *   single link (a hard link to a file elsewhere is refused), and only then is it truncated.
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

export async function writePluginFile(p: Permissions, file: string, data: string, append: boolean): Promise<void> {
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
  const flags = fs.constants.O_WRONLY | fs.constants.O_CREAT | NOFOLLOW | NONBLOCK | (append ? fs.constants.O_APPEND : 0)
  let handle: fs.promises.FileHandle
  try {
    handle = await fs.promises.open(path.join(realDir, path.basename(file)), flags, 0o640)
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    if (code === 'ELOOP') throw new WriteRefused(`${file} is a symbolic link`)
    throw new Error(`cannot write ${file}: ${code ?? (error as Error).message}`)
  }
  try {
    const st = await handle.stat()
    if (!st.isFile()) throw new WriteRefused(`${file} is not a regular file`)
    if (st.nlink > 1) throw new WriteRefused(`${file} has other hard links`)
    if (!append) await handle.truncate(0) // only now: the checks above come before any change
    await handle.writeFile(data, 'utf8')
  } finally {
    await handle.close()
  }
}
