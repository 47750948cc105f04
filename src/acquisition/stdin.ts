/**
 * The `stdin` source (`-`): the standard input, read to its end. Gzip data is recognised by its
 * magic bytes and decompressed, so `zcat`-less pipelines (`cat x.gz | crowd scan -`) work.
 */
import * as zlib from 'node:zlib'
import {Readable} from 'node:stream'
import {inputError} from './file.js'
import {newSourceInfo, readLines} from './read-lines.js'
import type {AcquisitionOptions, LineBatch, SourceSpec} from './types.js'

export const STDIN_INPUT = '-'

export const stdinSource: SourceSpec = {
  type: 'stdin',
  describe: 'the standard input (`-`), plain or gzip',
  accepts: (path) => path === STDIN_INPUT,
  open: (_path, options) => readStdin(options),
}

async function* readStdin(options: AcquisitionOptions): AsyncGenerator<LineBatch> {
  const info = newSourceInfo(STDIN_INPUT, 'stdin', 'stdin')
  const input = options.stdin ?? process.stdin
  let consumed = 0
  let gzip = false
  try {
    yield* readLines(sniff(input), info, options)
  } catch (error) {
    throw inputError('<stdin>', error, consumed, gzip ? 'gzip' : undefined)
  }

  async function* sniff(source: AsyncIterable<Uint8Array>): AsyncGenerator<Uint8Array> {
    const iterator = source[Symbol.asyncIterator]()
    const first = await iterator.next()
    if (first.done) return
    const head = first.value
    const rest = async function* (): AsyncGenerator<Uint8Array> {
      yield head
      for (;;) {
        const next = await iterator.next()
        if (next.done) return
        yield next.value
      }
    }
    if (head.length >= 2 && head[0] === 0x1f && head[1] === 0x8b) {
      gzip = true
      const gunzip = zlib.createGunzip()
      const counted = async function* (): AsyncGenerator<Uint8Array> {
        for await (const c of rest()) {
          consumed += c.length
          yield c
        }
      }
      const compressed = Readable.from(counted())
      compressed.on('error', (e) => gunzip.destroy(e))
      compressed.pipe(gunzip)
      yield* gunzip as AsyncIterable<Uint8Array>
    } else {
      for await (const c of rest()) {
        consumed += c.length
        yield c
      }
    }
  }
}
