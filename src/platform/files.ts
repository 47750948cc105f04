/**
 * Files written so that a crash leaves the old content or the new, never a mix: a temporary file
 * beside the target, fsync, rename, fsync of the directory.
 */
import * as fs from 'node:fs'
import * as path from 'node:path'
import {CrowdError} from '../model/errors.js'

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
