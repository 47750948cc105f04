/**
 * A small linear-time RE2-semantics matcher (a Pike VM, as in Go's regexp), used only for
 * patterns whose meaning a JavaScript RegExp cannot express exactly (see re2-translate.ts).
 * Leftmost-first submatch semantics; counted repeats are expanded as RE2 does, so a capture
 * keeps the value of the last iteration in which it took part. Runs over code points;
 * positions and captures are UTF-16 offsets of the input string.
 */
import {WORD_RANGES, rangesContain, type AssertKind, type CharSet, type Re2Node, type Re2Tree} from './syntax.js'
import {emitCharSet} from './translate.js'

type Inst =
  | {op: 'char'; test: (cp: number) => boolean; next: number}
  | {op: 'split'; x: number; y: number}
  | {op: 'jmp'; x: number}
  | {op: 'save'; slot: number; next: number}
  | {op: 'assert'; kind: AssertKind; next: number}
  | {op: 'match'}

function charTest(set: CharSet): (cp: number) => boolean {
  if (set.props.length === 0) {
    const ranges = set.ranges
    return (cp) => rangesContain(ranges, cp)
  }
  const re = new RegExp(`^${emitCharSet(set)}$`, 'u')
  return (cp) => re.test(String.fromCodePoint(cp))
}

class Compiler {
  readonly prog: Inst[] = []

  private emit(inst: Inst): number {
    this.prog.push(inst)
    return this.prog.length - 1
  }

  /** Compiles node so that it continues at the instruction index returned by `patch` later. */
  compile(node: Re2Node): void {
    const p = this.prog
    switch (node.type) {
      case 'empty':
        return
      case 'char': {
        const cp = node.cp
        this.emit({op: 'char', test: (c) => c === cp, next: p.length + 1})
        return
      }
      case 'class':
        this.emit({op: 'char', test: charTest(node.set), next: p.length + 1})
        return
      case 'any':
        this.emit({op: 'char', test: node.newline ? () => true : (c) => c !== 0x0a, next: p.length + 1})
        return
      case 'assert':
        this.emit({op: 'assert', kind: node.kind, next: p.length + 1})
        return
      case 'group':
        if (node.capture !== null) this.emit({op: 'save', slot: 2 * node.capture, next: p.length + 1})
        this.compile(node.body)
        if (node.capture !== null) this.emit({op: 'save', slot: 2 * node.capture + 1, next: p.length + 1})
        return
      case 'concat':
        for (const item of node.items) this.compile(item)
        return
      case 'alt': {
        const jumps: number[] = []
        node.items.forEach((item, k) => {
          if (k < node.items.length - 1) {
            const split = this.emit({op: 'split', x: p.length + 1, y: -1})
            this.compile(item)
            jumps.push(this.emit({op: 'jmp', x: -1}))
            ;(p[split] as {y: number}).y = p.length
          } else {
            this.compile(item)
          }
        })
        for (const j of jumps) (p[j] as {x: number}).x = p.length
        return
      }
      case 'repeat':
        this.compileRepeat(node.body, node.min, node.max, node.greedy)
        return
    }
  }

  private split(greedy: boolean, body: number, exit: number): Inst {
    return greedy ? {op: 'split', x: body, y: exit} : {op: 'split', x: exit, y: body}
  }

  private compileRepeat(body: Re2Node, min: number, max: number, greedy: boolean): void {
    const p = this.prog
    if (min === 0 && max === -1) {
      // L: split body, exit; body; jmp L
      const l = this.emit({op: 'split', x: -1, y: -1})
      this.compile(body)
      this.emit({op: 'jmp', x: l})
      p[l] = this.split(greedy, l + 1, p.length)
      return
    }
    if (max === -1) {
      for (let k = 0; k < min - 1; k++) this.compile(body)
      const l = p.length
      this.compile(body)
      const s = this.emit({op: 'split', x: -1, y: -1})
      p[s] = this.split(greedy, l, s + 1)
      return
    }
    for (let k = 0; k < min; k++) this.compile(body)
    // (x(x(x)?)?)? for the optional copies
    const holes: number[] = []
    for (let k = min; k < max; k++) {
      holes.push(this.emit({op: 'split', x: -1, y: -1}))
      this.compile(body)
    }
    for (const h of holes) p[h] = this.split(greedy, h + 1, p.length)
  }
}

function isWordAt(text: string, index: number): boolean {
  if (index < 0 || index >= text.length) return false
  return rangesContain(WORD_RANGES, text.charCodeAt(index))
}

function assertHolds(kind: AssertKind, text: string, pos: number): boolean {
  switch (kind) {
    case 'bot':
      return pos === 0
    case 'eot':
      return pos === text.length
    case 'bol':
      return pos === 0 || text.charCodeAt(pos - 1) === 0x0a
    case 'eol':
      return pos === text.length || text.charCodeAt(pos) === 0x0a
    case 'wb':
      return isWordAt(text, pos - 1) !== isWordAt(text, pos)
    case 'nwb':
      return isWordAt(text, pos - 1) === isWordAt(text, pos)
  }
}

/** The VM's match: group texts plus `index`, the UTF-16 offset where the match starts. */
export type Re2VmMatch = (string | undefined)[] & {index: number}

const OP_CHAR = 0
const OP_SPLIT = 1
const OP_JMP = 2
const OP_ASSERT = 3
const OP_MATCH = 4

interface Thread {
  pc: number
  caps: number[]
}

/** A compiled RE2 program run by the Pike VM. */
export class Re2Vm {
  private readonly prog: Inst[]
  private readonly slots: number
  private readonly anchoredStart: boolean
  readonly groups: number

  constructor(tree: Re2Tree) {
    const c = new Compiler()
    c.compile({type: 'group', capture: 0, body: tree.root})
    c.prog.push({op: 'match'})
    this.prog = c.prog
    this.groups = tree.groups
    this.slots = 2 * (tree.groups + 1)
    const first = tree.root.type === 'concat' ? tree.root.items[0] : tree.root
    this.anchoredStart = first?.type === 'assert' && first.kind === 'bot'
  }

  // test(): the program as flat arrays, and buffers reused across calls (no per-call allocation)
  private flat: {op: Uint8Array; next: Int32Array; alt: Int32Array} | undefined
  private marks = new Uint32Array(0)
  private generation = 0
  private bufA = new Int32Array(0)
  private bufB = new Int32Array(0)
  private stack = new Int32Array(0)
  private capStack: number[][] | undefined

  private flatten(): {op: Uint8Array; next: Int32Array; alt: Int32Array} {
    const n = this.prog.length
    const op = new Uint8Array(n)
    const next = new Int32Array(n)
    const alt = new Int32Array(n)
    this.prog.forEach((inst, k) => {
      switch (inst.op) {
        case 'char': op[k] = OP_CHAR; next[k] = inst.next; break
        case 'split': op[k] = OP_SPLIT; next[k] = inst.x; alt[k] = inst.y; break
        case 'jmp': op[k] = OP_JMP; next[k] = inst.x; break
        case 'save': op[k] = OP_JMP; next[k] = inst.next; break // no captures in test()
        case 'assert': op[k] = OP_ASSERT; next[k] = inst.next; break
        case 'match': op[k] = OP_MATCH; break
      }
    })
    this.marks = new Uint32Array(n)
    this.bufA = new Int32Array(n)
    this.bufB = new Int32Array(n)
    this.stack = new Int32Array(2 * n + 2)
    return (this.flat = {op, next, alt})
  }

  /**
   * True when the pattern matches somewhere in `text`: the same automaton without captures or
   * priorities (any match will do), as a set of states advanced one code point at a time.
   */
  test(text: string): boolean {
    const {op, next, alt} = this.flat ?? this.flatten()
    const prog = this.prog
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
            stack[top++] = next[p]
            break
          case OP_SPLIT:
            stack[top++] = alt[p]
            stack[top++] = next[p]
            break
          case OP_ASSERT:
            if (assertHolds((prog[p] as {kind: AssertKind}).kind, text, pos)) stack[top++] = next[p]
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
        if ((prog[p] as {test: (cp: number) => boolean}).test(cp) && close(next[p], pos)) return true
      }
      if (!this.anchoredStart && close(0, pos)) return true
    }
    return false
  }

  /** Like RegExp.exec: [whole, group1, ...] with undefined for groups that did not take part. */
  exec(text: string): Re2VmMatch | null {
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
            if (assertHolds(inst.kind, text, pos)) {
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
    if (matched === null) return null
    const out: Re2VmMatch = Object.assign(new Array<string | undefined>(), {index: matched[0]})
    for (let g = 0; g <= this.groups; g++) {
      const s = matched[2 * g]
      const e = matched[2 * g + 1]
      out.push(s >= 0 && e >= 0 ? text.slice(s, e) : undefined)
    }
    return out
  }
}
