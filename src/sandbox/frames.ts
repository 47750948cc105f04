/**
 * Frames between the host and a sandbox process: one JSON value per line over a pipe
 * (JSON.stringify never writes a raw newline). The reader bounds a line's length, so a process
 * that writes without end costs the host at most `maxBytes` before it is stopped.
 */

export function encodeFrame(value: unknown): string {
  return JSON.stringify(value) + '\n'
}

export class FrameReader {
  private chunks: Buffer[] = []
  private pending = 0
  private failed = false

  /**
   * @param maxBytes longest line accepted
   * @param onFrame each parsed value
   * @param onError once, for a line that is too long or not JSON; later input is ignored
   */
  constructor(
    private readonly maxBytes: number,
    private readonly onFrame: (value: unknown) => void,
    private readonly onError: (reason: string) => void,
  ) {}

  push(chunk: Buffer): void {
    let start = 0
    while (!this.failed) {
      const nl = chunk.indexOf(10, start)
      if (nl < 0) break
      const part = chunk.subarray(start, nl)
      start = nl + 1
      if (this.pending + part.length > this.maxBytes) return this.fail(`a message longer than ${this.maxBytes} bytes`)
      const line = this.pending === 0 ? part : Buffer.concat([...this.chunks, part])
      this.chunks = []
      this.pending = 0
      let value: unknown
      try {
        value = JSON.parse(line.toString('utf8'))
      } catch {
        return this.fail('a line that is not JSON')
      }
      this.onFrame(value)
    }
    if (this.failed || start >= chunk.length) return
    const rest = chunk.subarray(start)
    this.pending += rest.length
    if (this.pending > this.maxBytes) return this.fail(`a message longer than ${this.maxBytes} bytes`)
    this.chunks.push(rest)
  }

  private fail(reason: string): void {
    this.failed = true
    this.chunks = []
    this.pending = 0
    this.onError(reason)
  }
}
