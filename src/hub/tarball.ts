/**
 * Reproducible package tarballs, written and read in memory.
 *
 * Writing: ustar entries for regular files only, sorted by path (byte order), mtime 0,
 * uid/gid 0, mode 0644, empty user/group names, then gzip level 9 with the OS byte of the
 * gzip header forced to 255 ("unknown") so the bytes do not depend on the platform.
 * Reading is strict because tarballs come from the network: regular files only, relative
 * paths without `..`, bounded total size; anything else is an error, never skipped.
 */
import {gunzipSync, gzipSync} from 'node:zlib'
import {CrowdError} from '../model/errors.js'
import {compareBytes} from '../model/order.js'
import {isSafeRelativePath} from './manifest.js'

const BLOCK = 512
/** Upper bound on the unpacked size of one package (data files included). */
export const MAX_UNPACKED_BYTES = 256 * 1024 * 1024

export function writeTarball(files: ReadonlyMap<string, Buffer>): Buffer {
  const chunks: Buffer[] = []
  for (const name of [...files.keys()].sort(compareBytes)) {
    const body = files.get(name)!
    chunks.push(header(name, body.length))
    chunks.push(body)
    const pad = (BLOCK - (body.length % BLOCK)) % BLOCK
    if (pad > 0) chunks.push(Buffer.alloc(pad))
  }
  chunks.push(Buffer.alloc(BLOCK * 2))
  const gz = gzipSync(Buffer.concat(chunks), {level: 9})
  gz[9] = 255
  return gz
}

function header(name: string, size: number): Buffer {
  const h = Buffer.alloc(BLOCK)
  let prefix = ''
  let base = name
  if (Buffer.byteLength(name) > 100) {
    // ustar splits long names at a `/`: prefix (155 bytes) + name (100 bytes).
    const cut = name.lastIndexOf('/', 155)
    if (cut <= 0 || Buffer.byteLength(name.slice(cut + 1)) > 100 || Buffer.byteLength(name.slice(0, cut)) > 155) {
      throw new CrowdError('hub', `path too long for a tarball: ${name}`)
    }
    prefix = name.slice(0, cut)
    base = name.slice(cut + 1)
  }
  h.write(base, 0, 100, 'utf8')
  octal(h, 100, 8, 0o644)
  octal(h, 108, 8, 0)
  octal(h, 116, 8, 0)
  octal(h, 124, 12, size)
  octal(h, 136, 12, 0)
  h.fill(0x20, 148, 156) // checksum field counts as spaces while summing
  h.write('0', 156, 1, 'ascii')
  h.write('ustar\0', 257, 6, 'ascii')
  h.write('00', 263, 2, 'ascii')
  h.write(prefix, 345, 155, 'utf8')
  let sum = 0
  for (const b of h) sum += b
  octal(h, 148, 7, sum)
  h[155] = 0x20
  return h
}

function octal(buf: Buffer, offset: number, length: number, value: number): void {
  buf.write(value.toString(8).padStart(length - 1, '0') + '\0', offset, length, 'ascii')
}

export function readTarball(gz: Buffer, label: string): Map<string, Buffer> {
  let tar: Buffer
  try {
    tar = gunzipSync(gz, {maxOutputLength: MAX_UNPACKED_BYTES})
  } catch (error) {
    throw new CrowdError('hub', `${label}: not a readable gzip tarball (${(error as Error).message})`)
  }
  const files = new Map<string, Buffer>()
  let offset = 0
  while (offset + BLOCK <= tar.length) {
    const h = tar.subarray(offset, offset + BLOCK)
    if (h.every((b) => b === 0)) break
    let sum = 0
    for (let i = 0; i < BLOCK; i++) sum += i >= 148 && i < 156 ? 0x20 : h[i]
    const stored = parseInt(cstring(h, 148, 8).trim() || 'x', 8)
    if (stored !== sum) throw new CrowdError('hub', `${label}: corrupt tar header at byte ${offset}`)
    const typeflag = String.fromCharCode(h[156])
    const prefix = cstring(h, 345, 155)
    const name = (prefix ? prefix + '/' : '') + cstring(h, 0, 100)
    const size = parseInt(cstring(h, 124, 12).trim() || '0', 8)
    if (!Number.isSafeInteger(size) || size < 0) throw new CrowdError('hub', `${label}: bad size for ${name}`)
    if (typeflag !== '0' && typeflag !== '\0') throw new CrowdError('hub', `${label}: entry ${name} is not a regular file (type ${JSON.stringify(typeflag)})`)
    if (!isSafeRelativePath(name)) throw new CrowdError('hub', `${label}: unsafe path in tarball: ${JSON.stringify(name)}`)
    if (files.has(name)) throw new CrowdError('hub', `${label}: ${name} appears twice`)
    const start = offset + BLOCK
    if (start + size > tar.length) throw new CrowdError('hub', `${label}: truncated at ${name}`)
    files.set(name, Buffer.from(tar.subarray(start, start + size)))
    offset = start + Math.ceil(size / BLOCK) * BLOCK
  }
  return files
}

function cstring(buf: Buffer, offset: number, length: number): string {
  const slice = buf.subarray(offset, offset + length)
  const end = slice.indexOf(0)
  return slice.subarray(0, end === -1 ? length : end).toString('utf8')
}
