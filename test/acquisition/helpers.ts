/** Shared helpers for acquisition tests: temp dirs and collecting batches into per-source lines. */
import * as fs from 'node:fs'
import * as os from 'node:os'
import * as path from 'node:path'
import type {LineBatch} from '../../src/acquisition/types.js'

export function tempDir(prefix = 'crowd-acq-'): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix))
}

export interface Collected {
  sources: string[]
  lines: Record<string, string[]>
  done: string[]
  error?: Error
}

export async function collect(batches: AsyncIterable<LineBatch>): Promise<Collected> {
  const got: Collected = {sources: [], lines: {}, done: []}
  try {
    for await (const batch of batches) {
      const src = batch.source.src
      if (!(src in got.lines)) {
        got.sources.push(src)
        got.lines[src] = []
      }
      got.lines[src]!.push(...batch.lines.map((l) => l.raw))
      if (batch.done) got.done.push(src)
    }
  } catch (error) {
    got.error = error as Error
  }
  return got
}
