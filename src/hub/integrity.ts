/**
 * Hashes. A tarball is checked by the sha256 of its bytes; a package directory (the
 * embedded source reads plugins/ directly) by a content digest that does not depend on
 * tar or gzip: sha256 over `<sha256 of file>  <path>\n` lines sorted by path.
 */
import {createHash} from 'node:crypto'
import {compareBytes} from '../model/order.js'

export function sha256(data: Buffer | string): string {
  return createHash('sha256').update(data).digest('hex')
}

export function contentDigest(files: ReadonlyMap<string, Buffer>): string {
  const lines = [...files.keys()].sort(compareBytes).map((p) => `${sha256(files.get(p)!)}  ${p}\n`)
  return sha256(lines.join(''))
}
