/**
 * Files written so that a crash leaves the old content or the new, never a mix: a temporary file
 * beside the target, fsync, rename, fsync of the directory.
 */
import {createHash} from 'node:crypto'
import * as fs from 'node:fs'
import * as path from 'node:path'
import {CrowdError} from '../model/errors.js'

/** The mark of writeFileAtomic's temporary files: `<target>.tmp-<pid>`. */
const TEMPORARY = '.tmp-'

/** A temporary file older than this is left over from a write that never finished. */
const STALE_TEMPORARY_MS = 60_000

export function writeFileAtomic(file: string, data: string | Uint8Array, mode = 0o600): void {
  fs.mkdirSync(path.dirname(file), {recursive: true})
  const tmp = `${file}${TEMPORARY}${process.pid}`
  try {
    const fd = fs.openSync(tmp, 'w', mode)
    try {
      fs.writeFileSync(fd, data)
      fs.fsyncSync(fd)
    } finally {
      fs.closeSync(fd)
    }
    fs.renameSync(tmp, file)
  } catch (error) {
    fs.rmSync(tmp, {force: true}) // no half-written temporary file left beside the target
    throw error
  }
  try {
    const dir = fs.openSync(path.dirname(file), 'r')
    try {
      fs.fsyncSync(dir)
    } finally {
      fs.closeSync(dir)
    }
  } catch {
    // directories cannot be opened for fsync on some systems: the rename is still atomic
  }
}

/**
 * Removes from `dir` the temporary files of writeFileAtomic left by writes that never finished (a
 * worker thread stopped while it wrote, a process killed): only those a minute old or more, as
 * another process may be writing a fresh one right now. Best effort.
 */
export function removeStaleTemporaries(dir: string, now = Date.now()): void {
  try {
    for (const name of fs.readdirSync(dir)) {
      if (!name.includes(TEMPORARY)) continue
      const full = path.join(dir, name)
      const stat = fs.statSync(full, {throwIfNoEntry: false})
      if (stat !== undefined && now - stat.mtimeMs >= STALE_TEMPORARY_MS) fs.rmSync(full, {force: true})
    }
  } catch {
    // another process cleaned at the same time, or the directory is gone: nothing lost
  }
}

/**
 * A cache file checked when read: `<sha256 of the body, hex>\n<body>`, written with
 * writeFileAtomic (a reader sees the old file or the new one), only the user may read it. Best
 * effort: false when it cannot be written.
 */
export function writeCheckedFile(file: string, body: string | Uint8Array): boolean {
  try {
    fs.mkdirSync(path.dirname(file), {recursive: true, mode: 0o700})
    const bytes = typeof body === 'string' ? Buffer.from(body) : body
    writeFileAtomic(file, Buffer.concat([Buffer.from(`${createHash('sha256').update(bytes).digest('hex')}\n`), bytes]))
    return true
  } catch {
    return false
  }
}

/** One read buffer for fileDigest: a fresh buffer the size of a big file costs a page fault per 4 KiB. */
let digestBuffer: Buffer | undefined

/**
 * The sha256 (hex) of a file's bytes, read in 64 KiB pieces into one buffer: a 3.7 MB hub index
 * took ~20 ms read whole and hashed (most of it the kernel mapping fresh pages), ~5 ms this way.
 * Throws as fs.openSync and fs.readSync do.
 */
export function fileDigest(file: string): string {
  const buffer = (digestBuffer ??= Buffer.allocUnsafe(64 * 1024))
  const hash = createHash('sha256')
  const fd = fs.openSync(file, 'r')
  try {
    for (let n = fs.readSync(fd, buffer, 0, buffer.length, null); n > 0; n = fs.readSync(fd, buffer, 0, buffer.length, null)) hash.update(buffer.subarray(0, n))
  } finally {
    fs.closeSync(fd)
  }
  return hash.digest('hex')
}

/** The body of a file writeCheckedFile wrote, as text; 'missing' when it cannot be read, 'invalid' when it does not check out. */
export function readCheckedFile(file: string): {body: string} | 'missing' | 'invalid' {
  const read = readCheckedBytes(file)
  return typeof read === 'string' ? read : {body: read.body.toString('utf8')}
}

/**
 * The body of a file writeCheckedFile wrote. With `accept`, the file must not be a symbolic link
 * and `accept` must take its status (who owns it, who may write it): 'invalid' otherwise.
 */
export function readCheckedBytes(file: string, accept?: (stat: fs.Stats) => boolean): {body: Buffer} | 'missing' | 'invalid' {
  let fd: number
  try {
    fd = fs.openSync(file, accept === undefined ? fs.constants.O_RDONLY : fs.constants.O_RDONLY | (fs.constants.O_NOFOLLOW ?? 0))
  } catch {
    return 'missing'
  }
  try {
    if (accept !== undefined && !accept(fs.fstatSync(fd))) return 'invalid'
    const bytes = fs.readFileSync(fd)
    const body = bytes.subarray(65)
    const checks = bytes.length >= 65 && bytes[64] === 0x0a && createHash('sha256').update(body).digest('hex') === bytes.toString('latin1', 0, 64)
    return checks ? {body} : 'invalid'
  } catch {
    return 'invalid'
  } finally {
    fs.closeSync(fd)
  }
}

/**
 * The YAML files (`*.yaml`, `*.yml`) of each directory, in directory order, then by name: where
 * notification and bouncer configurations are read from. A missing directory has none; one that
 * cannot be read is an error naming it (`what`: the kind of directory, for the message).
 */
export function yamlFilesIn(dirs: readonly string[], what: string): string[] {
  const files: string[] = []
  for (const dir of dirs) {
    let names: string[]
    try {
      names = fs.readdirSync(dir)
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code
      if (code === 'ENOENT' || code === 'ENOTDIR') continue
      throw new CrowdError('config', `cannot read the ${what} directory: ${code ?? String(error)}`, {file: dir})
    }
    for (const name of names.sort()) {
      if (!/\.ya?ml$/i.test(name)) continue
      const file = path.join(dir, name)
      if (fs.statSync(file, {throwIfNoEntry: false})?.isFile() === true) files.push(file)
    }
  }
  return files
}
