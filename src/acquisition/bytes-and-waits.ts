/**
 * Two small things every following source needs: where a byte buffer may be cut without
 * splitting a UTF-8 sequence (a message or line cut to its size limit stays valid text), and a
 * wait between polls that an abort ends at once (stopping never waits for a poll interval).
 */

/** The largest length <= len that does not end inside a UTF-8 sequence. */
export function utf8Boundary(buf: Uint8Array, len: number): number {
  let i = len
  // Step back over at most 3 continuation bytes to the lead byte.
  let back = 0
  while (i > 0 && back < 3 && (buf[i - 1]! & 0xc0) === 0x80) {
    i--
    back++
  }
  if (i === 0) return len
  const lead = buf[i - 1]!
  const need = lead >= 0xf0 ? 4 : lead >= 0xe0 ? 3 : lead >= 0xc0 ? 2 : 1
  if (need === 1) return len
  return len - (i - 1) >= need ? len : i - 1
}

/** Resolves after `ms`, or as soon as `signal` aborts (never rejects). */
export function abortableSleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve()
    const onAbort = () => {
      clearTimeout(timer)
      resolve()
    }
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort)
      resolve()
    }, ms)
    signal.addEventListener('abort', onAbort, {once: true})
  })
}
