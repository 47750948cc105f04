/**
 * Files written so that a crash leaves the old content or the new, never a mix: a temporary file
 * beside the target, fsync, rename, fsync of the directory.
 */
import * as fs from 'node:fs'
import * as path from 'node:path'

export function writeFileAtomic(file: string, data: string | Uint8Array, mode = 0o600): void {
  fs.mkdirSync(path.dirname(file), {recursive: true})
  const tmp = `${file}.tmp-${process.pid}`
  const fd = fs.openSync(tmp, 'w', mode)
  try {
    fs.writeFileSync(fd, data)
    fs.fsyncSync(fd)
  } finally {
    fs.closeSync(fd)
  }
  fs.renameSync(tmp, file)
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
