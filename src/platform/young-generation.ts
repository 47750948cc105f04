/**
 * V8's young generation held at its first size for a short run.
 *
 * V8 doubles the young generation (two semi-spaces, 1 MB each at first, up to 16 MB) when many of
 * its objects survive a scavenge. During a short scan nearly everything allocated survives (the
 * compiled content) or dies young (a few thousand events), and the growth only buys memory: a
 * one-line scan touched ~12 MB of young generation, a 20,000-line one ~30 MB, and each fresh page
 * costs a page fault (~11 us each on the machines of docs/performance.md, where faults took about a
 * third of a one-line scan). Held (growth factor 1), a 20,000-line nginx scan ended ~0.1 s sooner.
 * A long scan wants the growth: held for a whole 200,000-line scan, it ran 0.07 s longer (more
 * objects promoted). So `crowd scan` holds it only when its inputs are small (docs/performance.md).
 *
 * The flag is process-wide, and V8 tags its code cache with the flags in force: the hold must end
 * before anything writes a code cache entry (src/cli/code-cache.ts writes at exit), so that the
 * entry matches the flags the next run loads it with. Hence a hold is a scope: `release()` in a
 * `finally`, and the parse worker (which writes an entry of its own as it exits) must not run
 * meanwhile. Under Deno, which ignores flags set at run time, this does nothing.
 */
import * as v8 from 'node:v8'

/** V8's default growth factor (Node 20, Deno). */
const DEFAULT_GROWTH = 2

let holds = 0

export interface YoungGenerationHold {
  /** Ends the hold (idempotent): the young generation may grow again. */
  release(): void
}

/** Holds the young generation at its current size until `release()`. */
export function holdYoungGeneration(): YoungGenerationHold {
  if (holds++ === 0) v8.setFlagsFromString('--semi-space-growth-factor=1')
  let released = false
  return {
    release() {
      if (released) return
      released = true
      if (--holds === 0) v8.setFlagsFromString(`--semi-space-growth-factor=${DEFAULT_GROWTH}`)
    },
  }
}
