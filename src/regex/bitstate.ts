/**
 * RE2's "BitState" engine: a backtracking search over the same program as the Pike VM that
 * records every (instruction, position) pair it has entered in a bitmap and never enters one
 * twice, so a search costs at most O(program × text) steps, like the Pike VM, but follows one
 * thread at a time with no thread lists or capture copies (much faster on short texts).
 *
 * Why it is exact (leftmost-first, as the Pike VM): the depth-first order is the priority
 * order, so the first path to reach a pair is the highest-priority one, and the first match
 * found is RE2's match, captures included. A pair entered before led to no match (or the
 * search would have stopped), and whether a pair can reach a match does not depend on the
 * path taken to it, so skipping it loses nothing; this also holds across start positions,
 * which is why the bitmap is cleared once per search, not once per start position.
 *
 * The bitmap (program length × (text length + 1) bits, at most MAX_BITS) and the job stack
 * are module scratch shared by every program: searches are synchronous and never nest.
 */
import {OP_ASSERT, OP_CHAR, OP_JMP, OP_MATCH, OP_SAVE, OP_SPLIT, START_EMPTY, START_WIDE, TAIL_TO_NEWLINE, assertAt, type FlatProgram} from './program.js'

/** Bitmap budget: 1 Mibit (128 KiB), e.g. a 2,000-instruction program on 500-character lines. */
export const MAX_BITS = 1 << 20

let visited: Uint32Array = new Uint32Array(1024)
/** Words of `visited` the last search may have set (cleared by the next search). */
let dirtyWords = 0
/** Jobs, two ints each: (pc, pos) to explore, or (-1 - slot, value) to restore a capture. */
let jobs: Int32Array = new Int32Array(256)

/** Whether a text of `length` UTF-16 units fits the bitmap budget for `prog`. */
export function bitStateFits(prog: FlatProgram, length: number): boolean {
  return prog.length * (length + 1) <= MAX_BITS
}

function growJobs(): Int32Array {
  const bigger = new Int32Array(jobs.length * 2)
  bigger.set(jobs)
  return (jobs = bigger)
}

/**
 * Searches `text` (which must fit: bitStateFits) for the leftmost-first match. With `caps`
 * (one entry per slot), fills it with the match's slots (-1 when unset) and honours `save`;
 * without, only tells whether there is a match. Returns true when there is one.
 */
export function bitStateSearch(prog: FlatProgram, anchored: boolean, text: string, caps: Int32Array | undefined): boolean {
  const n = prog.length
  const len = text.length
  const {op, next, arg, ascii, tests, first, tail, startAscii, startFlags} = prog
  const need = (n * (len + 1) + 31) >>> 5
  if (visited.length < need) {
    visited = new Uint32Array(Math.max(need, visited.length * 2))
    dirtyWords = 0
  } else if (dirtyWords > 0) {
    visited.fill(0, 0, dirtyWords)
  }
  const bits = visited
  let stack = jobs
  // positions are position-major in the bitmap (pos * n + pc): only the rows up to the
  // furthest position reached are dirty
  let maxPos = 0
  if (caps !== undefined) caps.fill(-1)
  let found = false
  let start = 0
  for (;;) {
    if (first !== undefined) {
      // skip start positions whose character no match can begin with (the empty match cannot)
      const {ascii: firstAscii, nonAscii} = first
      if (anchored) {
        const c = len > 0 ? text.charCodeAt(0) : -1
        if (c < 0 || (c < 128 ? firstAscii[c] === 0 : !nonAscii)) break
      } else {
        for (; start < len; start++) {
          const c = text.charCodeAt(start)
          if (c < 128 ? firstAscii[c] === 1 : nonAscii) break
        }
        if (start >= len) break
      }
    }
    if (start > maxPos) maxPos = start
    // one depth-first search from `start`; caps are back to all -1 when the stack empties
    let top = 0
    stack[top++] = 0
    stack[top++] = start
    search: while (top > 0) {
      const b = stack[--top]
      let pc = stack[--top]
      if (pc < 0) {
        ;(caps as Int32Array)[-1 - pc] = b
        continue
      }
      let pos = b
      for (;;) {
        const index = pos * n + pc
        const word = index >>> 5
        const bit = 1 << (index & 31)
        if ((bits[word] & bit) !== 0) break
        bits[word] |= bit
        switch (op[pc]) {
          case OP_CHAR: {
            if (pos >= len) continue search
            let cp = text.charCodeAt(pos)
            let width = 1
            if (cp < 128) {
              if ((ascii[4 * pc + (cp >>> 5)] & (1 << (cp & 31))) === 0) continue search
            } else {
              if (cp >= 0xd800 && cp <= 0xdbff && pos + 1 < len) {
                const low = text.charCodeAt(pos + 1)
                if (low >= 0xdc00 && low <= 0xdfff) {
                  cp = ((cp - 0xd800) << 10) + (low - 0xdc00) + 0x10000
                  width = 2
                }
              }
              if (!tests[pc](cp)) continue search
            }
            pos += width
            if (pos > maxPos) maxPos = pos
            pc = next[pc]
            break
          }
          case OP_SPLIT:
            if (tail[pc] !== 0) {
              // a greedy `.*` on the way to the match: the first path through it is the one
              // that takes every character it can, then the captures on the exit are set there
              const nl = tail[pc] === TAIL_TO_NEWLINE ? text.indexOf('\n', pos) : -1
              const end = nl === -1 ? len : nl
              if (caps !== undefined) {
                for (let q = arg[pc]; op[q] !== OP_MATCH; q = next[q]) if (op[q] === OP_SAVE) caps[arg[q]] = end
              }
              found = true
              break search
            }
            {
              // a branch that cannot begin with the next character (or at the end) cannot match:
              // neither pushed nor followed (its start set is a superset, so nothing is lost)
              const c = pos < len ? text.charCodeAt(pos) : -1
              const alt = arg[pc]
              if ((startFlags[alt] & START_EMPTY) !== 0 || (c >= 0 && (c < 128 ? (startAscii[4 * alt + (c >>> 5)] & (1 << (c & 31))) !== 0 : (startFlags[alt] & START_WIDE) !== 0))) {
                if (top + 2 > stack.length) stack = growJobs()
                stack[top++] = alt
                stack[top++] = pos
              }
              pc = next[pc]
              if ((startFlags[pc] & START_EMPTY) === 0 && (c < 0 || (c < 128 ? (startAscii[4 * pc + (c >>> 5)] & (1 << (c & 31))) === 0 : (startFlags[pc] & START_WIDE) === 0))) continue search
            }
            break
          case OP_JMP:
            pc = next[pc]
            break
          case OP_SAVE:
            if (caps !== undefined) {
              if (top + 2 > stack.length) stack = growJobs()
              const slot = arg[pc]
              stack[top++] = -1 - slot
              stack[top++] = caps[slot]
              caps[slot] = pos
            }
            pc = next[pc]
            break
          case OP_ASSERT:
            if (!assertAt(arg[pc], text, pos)) continue search
            pc = next[pc]
            break
          case OP_MATCH:
            found = true
            break search
        }
      }
    }
    if (found || anchored || start >= len) break
    const c = text.charCodeAt(start)
    start += c >= 0xd800 && c <= 0xdbff && start + 1 < len && (text.charCodeAt(start + 1) & 0xfc00) === 0xdc00 ? 2 : 1
  }
  dirtyWords = Math.min(need, (((maxPos + 1) * n + 31) >>> 5) + 1)
  return found
}
