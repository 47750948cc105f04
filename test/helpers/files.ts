/** Test input files written under a temporary directory. */
import * as fs from 'node:fs'
import * as path from 'node:path'

/** A writer of files under `dir`: `(name, data)` creates parent directories and returns the path. */
export function writerIn(dir: string): (name: string, data: string | Buffer) => string {
  return (name, data) => {
    const p = path.join(dir, name)
    fs.mkdirSync(path.dirname(p), {recursive: true})
    fs.writeFileSync(p, data)
    return p
  }
}

/** The benign lines of the nginx sample (clients in 192.0.2.0/24: no scenario should alert on them). */
export function benignNginxLines(sample: string | Buffer): string {
  return sample.toString('utf8').split('\n').filter((l) => l.startsWith('192.0.2.')).join('\n') + '\n'
}
