/**
 * The exact RE2 matcher (Go regexp semantics, linear time), used for patterns whose meaning a
 * JavaScript RegExp cannot express exactly or that could backtrack without bound (see
 * compile.ts). Two engines run the same program (program.ts): the bit-state backtracker
 * (bitstate.ts) when program × text fits its bitmap, which is most log lines, and the Pike VM
 * (below) for longer texts. Leftmost-first submatch semantics; runs over code points;
 * positions and captures are UTF-16 offsets of the input string.
 */
import {bitStateFits, bitStateSearch} from './bitstate.js'
import {
  ASSERT_KINDS, OP_ASSERT, OP_CHAR, OP_JMP, OP_SAVE, OP_SPLIT, anchoredAtStart, assertAt, compileProgram, flattenProgram,
  type FlatProgram, type Inst,
} from './program.js'
import type {Re2Tree} from './syntax.js'

/** The VM's match: group texts plus `index`, the UTF-16 offset where the match starts. */
export type Re2VmMatch = (string | undefined)[] & {index: number}

interface Thread {
  pc: number
  caps: number[]
}

/** A compiled RE2 program: bit-state search when the text fits its bitmap, else the Pike VM. */
export class Re2Vm {
  private readonly prog: Inst[]
  private readonly slots: number
  private readonly anchoredStart: boolean
  /** outGroup[g] = 1 when exec() reports group g (the others are left undefined). */
  private readonly outGroup: Uint8Array
  readonly groups: number

  /** usedGroups: the groups exec() must report (default all; group 0 always). */
  constructor(tree: Re2Tree, usedGroups?: ReadonlySet<number>) {
    this.prog = compileProgram(tree)
    this.groups = tree.groups
    this.slots = 2 * (tree.groups + 1)
    this.anchoredStart = anchoredAtStart(tree)
    this.outGroup = new Uint8Array(tree.groups + 1).fill(1)
    if (usedGroups !== undefined) for (let g = 1; g <= tree.groups; g++) this.outGroup[g] = usedGroups.has(g) ? 1 : 0
  }

  // the program as flat arrays, and buffers reused across calls (no per-call allocation)
  private flat: FlatProgram | undefined
  private caps: Int32Array | undefined
  private marks = new Uint32Array(0)
  private generation = 0
  private bufA = new Int32Array(0)
  private bufB = new Int32Array(0)
  private stack = new Int32Array(0)
  private capStack: number[][] | undefined

  private flatten(): FlatProgram {
    const n = this.prog.length
    this.marks = new Uint32Array(n)
    this.bufA = new Int32Array(n)
    this.bufB = new Int32Array(n)
    this.stack = new Int32Array(2 * n + 2)
    this.caps = new Int32Array(this.slots)
    return (this.flat = flattenProgram(this.prog))
  }

  /** True when the pattern matches somewhere in `text`. */
  test(text: string): boolean {
    const flat = this.flat ?? this.flatten()
    return bitStateFits(flat, text.length) ? bitStateSearch(flat, this.anchoredStart, text, undefined) : this.testPike(text)
  }

  /** Like RegExp.exec: [whole, group1, ...] with undefined for groups that did not take part. */
  exec(text: string): Re2VmMatch | null {
    const flat = this.flat ?? this.flatten()
    if (!bitStateFits(flat, text.length)) return this.execPike(text)
    const caps = this.caps as Int32Array
    return bitStateSearch(flat, this.anchoredStart, text, caps) ? this.result(text, caps) : null
  }

  /** exec() by bit-state search, or undefined when the text is too long for its bitmap. */
  execBitState(text: string): Re2VmMatch | null | undefined {
    const flat = this.flat ?? this.flatten()
    if (!bitStateFits(flat, text.length)) return undefined
    const caps = this.caps as Int32Array
    return bitStateSearch(flat, this.anchoredStart, text, caps) ? this.result(text, caps) : null
  }

  /** test() by bit-state search, or undefined when the text is too long for its bitmap. */
  testBitState(text: string): boolean | undefined {
    const flat = this.flat ?? this.flatten()
    return bitStateFits(flat, text.length) ? bitStateSearch(flat, this.anchoredStart, text, undefined) : undefined
  }

  private result(text: string, caps: ArrayLike<number>): Re2VmMatch {
    const out: Re2VmMatch = Object.assign(new Array<string | undefined>(this.groups + 1), {index: caps[0]})
    const outGroup = this.outGroup
    for (let g = 0; g <= this.groups; g++) {
      const s = caps[2 * g]
      const e = caps[2 * g + 1]
      out[g] = outGroup[g] === 1 && s >= 0 && e >= 0 ? text.slice(s, e) : undefined
    }
    return out
  }

  /**
   * test() on the Pike VM: the same automaton without captures or priorities (any match will
   * do), as a set of states advanced one code point at a time.
   */
  testPike(text: string): boolean {
    const {op, next, arg: alt, ascii, tests} = this.flat ?? this.flatten()
    const marks = this.marks
    const stack = this.stack
    let cur = this.bufA
    let nxt = this.bufB
    let curLen = 0
    let nxtLen = 0
    // the epsilon closure of pc into nxt at pos; true when it reaches the match
    const close = (pc: number, pos: number): boolean => {
      let top = 0
      stack[top++] = pc
      while (top > 0) {
        const p = stack[--top]
        if (marks[p] === this.generation) continue
        marks[p] = this.generation
        switch (op[p]) {
          case OP_CHAR:
            nxt[nxtLen++] = p
            break
          case OP_JMP:
          case OP_SAVE:
            stack[top++] = next[p]
            break
          case OP_SPLIT:
            stack[top++] = alt[p]
            stack[top++] = next[p]
            break
          case OP_ASSERT:
            if (assertAt(alt[p], text, pos)) stack[top++] = next[p]
            break
          default:
            return true
        }
      }
      return false
    }
    const step = (): void => {
      if (++this.generation === 0xffffffff) {
        marks.fill(0)
        this.generation = 1
      }
    }
    step()
    if (close(0, 0)) return true
    let pos = 0
    while (pos < text.length) {
      ;[cur, nxt] = [nxt, cur]
      curLen = nxtLen
      nxtLen = 0
      if (curLen === 0 && this.anchoredStart) return false
      const cp = text.codePointAt(pos) as number
      const width = cp > 0xffff ? 2 : 1
      pos += width
      step()
      for (let k = 0; k < curLen; k++) {
        const p = cur[k]
        const accepts = cp < 128 ? (ascii[4 * p + (cp >>> 5)] & (1 << (cp & 31))) !== 0 : tests[p](cp)
        if (accepts && close(next[p], pos)) return true
      }
      if (!this.anchoredStart && close(0, pos)) return true
    }
    return false
  }

  /** exec() on the Pike VM. */
  execPike(text: string): Re2VmMatch | null {
    const prog = this.prog
    const n = prog.length
    let clist: Thread[] = []
    let nlist: Thread[] = []
    const seen = new Int32Array(n).fill(-1)
    let generation = 0
    let matched: number[] | null = null

    if (this.flat === undefined) this.flatten()
    const stackPc = this.stack
    const stackCaps = (this.capStack ??= new Array<number[]>(this.stack.length))
    const add = (list: Thread[], pc: number, caps: number[], pos: number): void => {
      // iterative with an explicit stack (reused) to keep priority order (depth-first, x before y)
      let top = 0
      stackPc[top] = pc
      stackCaps[top++] = caps
      while (top > 0) {
        const p = stackPc[--top]
        const c = stackCaps[top]
        if (seen[p] === generation) continue
        seen[p] = generation
        const inst = prog[p]
        switch (inst.op) {
          case 'jmp':
            stackPc[top] = inst.x
            stackCaps[top++] = c
            break
          case 'split':
            stackPc[top] = inst.y
            stackCaps[top++] = c
            stackPc[top] = inst.x
            stackCaps[top++] = c
            break
          case 'save': {
            const copy = c.slice()
            copy[inst.slot] = pos
            stackPc[top] = inst.next
            stackCaps[top++] = copy
            break
          }
          case 'assert':
            if (assertAt(ASSERT_KINDS.indexOf(inst.kind), text, pos)) {
              stackPc[top] = inst.next
              stackCaps[top++] = c
            }
            break
          default:
            list.push({pc: p, caps: c})
        }
      }
    }

    const empty = new Array<number>(this.slots).fill(-1)
    let pos = 0
    generation++
    add(clist, 0, empty, 0)
    for (;;) {
      if (clist.length === 0 && (matched !== null || this.anchoredStart && pos > 0)) break
      const cp = pos < text.length ? (text.codePointAt(pos) as number) : -1
      const width = cp > 0xffff ? 2 : 1
      generation++
      for (const t of clist) {
        const inst = prog[t.pc]
        if (inst.op === 'match') {
          matched = t.caps
          break // lower-priority threads are cut
        }
        if (inst.op === 'char' && cp !== -1 && inst.test(cp)) add(nlist, inst.next, t.caps, pos + width)
      }
      if (cp === -1) break
      pos += width
      if (matched === null && !this.anchoredStart) add(nlist, 0, empty, pos)
      ;[clist, nlist] = [nlist, clist]
      nlist.length = 0
    }
    return matched === null ? null : this.result(text, matched)
  }
}
