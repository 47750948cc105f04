/** Turns a byte stream into line batches for one source (shared by every reader). */
import {LineSplitter, DEFAULT_MAX_LINE_BYTES} from './line-splitter.js'
import {newSourceMetrics, type AcquisitionOptions, type LineBatch, type RawLine, type SourceInfo} from './types.js'

export function newSourceInfo(src: string, module: string, reader: SourceInfo['reader']): SourceInfo {
  // Labels hold attacker-free keys (type, user labels), but stay a null-prototype map like every label map.
  const labels = Object.create(null) as Record<string, string>
  return {src, module, reader, labels, metrics: newSourceMetrics()}
}

export function newSplitter(info: SourceInfo, options: AcquisitionOptions): LineSplitter {
  return new LineSplitter(info.src, info.module, info.labels, info.metrics, options.maxLineBytes ?? DEFAULT_MAX_LINE_BYTES)
}

/**
 * Lines per batch. Small batches keep each line's decode close to its processing (see
 * LineSplitter.drain); one await per batch stays cheap next to the work on 64 lines.
 */
export const BATCH_LINES = 64

/** Reads `chunks` to the end; yields the opening batch, then batches of at most BATCH_LINES lines, then the last one. */
export async function* readLines(chunks: AsyncIterable<Uint8Array>, info: SourceInfo, options: AcquisitionOptions): AsyncGenerator<LineBatch> {
  const splitter = newSplitter(info, options)
  yield {source: info, lines: [], done: false}
  for await (const chunk of chunks) {
    splitter.feed(chunk)
    for (let more = true; more; ) {
      const out: RawLine[] = []
      more = splitter.drain(out, BATCH_LINES)
      if (out.length > 0) yield {source: info, lines: out, done: false}
    }
  }
  const out: RawLine[] = []
  splitter.end(out)
  yield {source: info, lines: out, done: true}
}
