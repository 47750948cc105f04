/**
 * The compiled form of an RE2 tree shared by both exact engines (vm.ts, the Pike VM, and
 * bitstate.ts, the bit-state backtracker): Go/RE2's instruction set (char, split, jmp, save,
 * assert, match), built as RE2 builds it (counted repeats expanded, so a capture keeps the
 * value of the last iteration in which it took part), then flattened into typed arrays for
 * the hot loops. Positions are UTF-16 offsets; characters are read as code points.
 */
import {WORD_RANGES, rangesContain, type AssertKind, type CharSet, type Re2Node, type Re2Tree} from './syntax.js'
import {emitCharSet} from './translate.js'

export type Inst =
  | {op: 'char'; test: (cp: number) => boolean; next: number; wide: boolean; any?: 'nl' | 'all'}
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

/** 'all' for a class of every code point, 'nl' for every one but the newline (`[^\\n]`), else undefined. */
function anyKind(set: CharSet): 'nl' | 'all' | undefined {
  if (set.props.length > 0) return undefined
  const r = set.ranges
  if (r.length === 2 && r[0] === 0 && r[1] === 0x10ffff) return 'all'
  if (r.length === 4 && r[0] === 0 && r[1] === 0x09 && r[2] === 0x0b && r[3] === 0x10ffff) return 'nl'
  return undefined
}

/** Whether the set may hold a code point >= 0x80 (exact for plain ranges, true with properties). */
function mayBeWide(set: CharSet): boolean {
  return set.props.length > 0 || (set.ranges.length > 0 && set.ranges[set.ranges.length - 1] >= 0x80)
}

class Compiler {
  readonly prog: Inst[] = []

  private emit(inst: Inst): number {
    this.prog.push(inst)
    return this.prog.length - 1
  }

  /** Compiles node so that it continues at the next instruction emitted. */
  compile(node: Re2Node): void {
    const p = this.prog
    switch (node.type) {
      case 'empty':
        return
      case 'char': {
        const cp = node.cp
        this.emit({op: 'char', test: (c) => c === cp, next: p.length + 1, wide: cp >= 0x80})
        return
      }
      case 'class': {
        const any = anyKind(node.set)
        this.emit({op: 'char', test: charTest(node.set), next: p.length + 1, wide: mayBeWide(node.set), ...(any !== undefined ? {any} : {})})
        return
      }
      case 'any':
        this.emit({op: 'char', test: node.newline ? () => true : (c) => c !== 0x0a, next: p.length + 1, wide: true, any: node.newline ? 'all' : 'nl'})
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

/** The program for `tree`: group 0 around the whole pattern, then match. Starts at 0. */
export function compileProgram(tree: Re2Tree): Inst[] {
  const c = new Compiler()
  c.compile({type: 'group', capture: 0, body: tree.root})
  c.prog.push({op: 'match'})
  return c.prog
}

/** True when the pattern starts with `^` without (?m) (`\A`): only position 0 can match. */
export function anchoredAtStart(tree: Re2Tree): boolean {
  const first = tree.root.type === 'concat' ? tree.root.items[0] : tree.root
  return first?.type === 'assert' && first.kind === 'bot'
}

function isWordAt(text: string, index: number): boolean {
  if (index < 0 || index >= text.length) return false
  return rangesContain(WORD_RANGES, text.charCodeAt(index))
}

export const ASSERT_KINDS: readonly AssertKind[] = ['bot', 'eot', 'bol', 'eol', 'wb', 'nwb']

/** Whether the zero-width assertion (ASSERT_KINDS[kind]) holds at pos. */
export function assertAt(kind: number, text: string, pos: number): boolean {
  switch (kind) {
    case 0:
      return pos === 0
    case 1:
      return pos === text.length
    case 2:
      return pos === 0 || text.charCodeAt(pos - 1) === 0x0a
    case 3:
      return pos === text.length || text.charCodeAt(pos) === 0x0a
    case 4:
      return isWordAt(text, pos - 1) !== isWordAt(text, pos)
    default:
      return isWordAt(text, pos - 1) === isWordAt(text, pos)
  }
}

export const OP_CHAR = 0
export const OP_SPLIT = 1
export const OP_JMP = 2
export const OP_ASSERT = 3
export const OP_MATCH = 4
export const OP_SAVE = 5

/** A program as typed arrays (one entry per instruction). */
export interface FlatProgram {
  readonly length: number
  readonly op: Uint8Array
  /** char/jmp/save/assert: the next instruction; split: the preferred branch. */
  readonly next: Int32Array
  /** split: the other branch; save: the slot; assert: the index in ASSERT_KINDS. */
  readonly arg: Int32Array
  /** char: 4 words per instruction, bit c set when the instruction accepts ASCII c. */
  readonly ascii: Uint32Array
  /** char: the test for any code point (used for code points >= 128). */
  readonly tests: readonly ((cp: number) => boolean)[]
  /**
   * The ASCII characters a match can start with (1 = possible), and whether it can start with
   * a non-ASCII one; undefined when the empty string could match at the start (no filter).
   * Assertions count as passable, so this is a superset: used to skip start positions.
   */
  readonly first?: {ascii: Uint8Array; nonAscii: boolean}
  /**
   * split: TAIL_TO_NEWLINE or TAIL_TO_END when the split is a greedy `.*` (or `(?s).*`) whose
   * exit reaches the match through captures only (a grok pattern ending in GREEDYDATA): reached,
   * it matches, consuming up to the first newline (or the end); 0 otherwise.
   */
  readonly tail: Uint8Array
  /**
   * For the targets of splits (0 elsewhere): the ASCII characters a path from there can consume
   * first (4 words per instruction, like `ascii`), and in `startFlags` START_WIDE (it may begin
   * with a non-ASCII character) and START_EMPTY (it may reach the match consuming nothing).
   * Assertions count as passable, so these are supersets: a branch whose set excludes the next
   * character (or the end of the text) cannot match, and the searches skip it.
   */
  readonly startAscii: Uint32Array
  readonly startFlags: Uint8Array
}

export const START_WIDE = 1
export const START_EMPTY = 2

export const TAIL_TO_NEWLINE = 1
export const TAIL_TO_END = 2

const NEVER = (): boolean => false

export function flattenProgram(prog: readonly Inst[]): FlatProgram {
  const n = prog.length
  const op = new Uint8Array(n)
  const next = new Int32Array(n)
  const arg = new Int32Array(n)
  const ascii = new Uint32Array(4 * n)
  const tests: ((cp: number) => boolean)[] = new Array<(cp: number) => boolean>(n).fill(NEVER)
  prog.forEach((inst, k) => {
    switch (inst.op) {
      case 'char':
        op[k] = OP_CHAR
        next[k] = inst.next
        tests[k] = inst.test
        for (let c = 0; c < 128; c++) if (inst.test(c)) ascii[4 * k + (c >>> 5)] |= 1 << (c & 31)
        break
      case 'split': op[k] = OP_SPLIT; next[k] = inst.x; arg[k] = inst.y; break
      case 'jmp': op[k] = OP_JMP; next[k] = inst.x; break
      case 'save': op[k] = OP_SAVE; next[k] = inst.next; arg[k] = inst.slot; break
      case 'assert': op[k] = OP_ASSERT; next[k] = inst.next; arg[k] = ASSERT_KINDS.indexOf(inst.kind); break
      case 'match': op[k] = OP_MATCH; break
    }
  })
  const {startAscii, startFlags} = startSets(prog, ascii)
  return {length: n, op, next, arg, ascii, tests, first: firstChars(prog), tail: tailLoops(prog), startAscii, startFlags}
}

/** FlatProgram.startAscii and startFlags for every split target. */
function startSets(prog: readonly Inst[], ascii: Uint32Array): {startAscii: Uint32Array; startFlags: Uint8Array} {
  const n = prog.length
  const startAscii = new Uint32Array(4 * n)
  const startFlags = new Uint8Array(n)
  const targets = new Set<number>()
  for (const inst of prog) {
    if (inst.op === 'split') {
      targets.add(inst.x)
      targets.add(inst.y)
    }
  }
  const seen = new Int32Array(n).fill(-1)
  for (const t of targets) {
    if (t < 0 || t >= n) continue
    // every instruction reachable from t without consuming a character
    const stack = [t]
    while (stack.length > 0) {
      const q = stack.pop() as number
      if (seen[q] === t) continue
      seen[q] = t
      const inst = prog[q]
      switch (inst.op) {
        case 'char':
          for (let w = 0; w < 4; w++) startAscii[4 * t + w] |= ascii[4 * q + w]
          if (inst.wide) startFlags[t] |= START_WIDE
          break
        case 'split': stack.push(inst.x, inst.y); break
        case 'jmp': stack.push(inst.x); break
        case 'save':
        case 'assert': stack.push(inst.next); break
        case 'match': startFlags[t] |= START_EMPTY; break
      }
    }
  }
  return {startAscii, startFlags}
}

/** The greedy `.*` loops whose exit leads to the match through captures and jumps only (FlatProgram.tail). */
function tailLoops(prog: readonly Inst[]): Uint8Array {
  const tail = new Uint8Array(prog.length)
  const reachesMatch = (pc: number): boolean => {
    for (let steps = 0; steps <= prog.length; steps++) {
      const inst = prog[pc]
      if (inst === undefined) return false
      if (inst.op === 'match') return true
      if (inst.op === 'save') pc = inst.next
      else if (inst.op === 'jmp') pc = inst.x
      else return false
    }
    return false
  }
  prog.forEach((inst, k) => {
    if (inst.op !== 'split' || inst.x !== k + 1) return
    const body = prog[k + 1]
    const back = prog[k + 2]
    if (body?.op !== 'char' || body.any === undefined || body.next !== k + 2 || back?.op !== 'jmp' || back.x !== k) return
    if (reachesMatch(inst.y)) tail[k] = body.any === 'nl' ? TAIL_TO_NEWLINE : TAIL_TO_END
  })
  return tail
}

/** The characters a match can start with (see FlatProgram.first). */
function firstChars(prog: readonly Inst[]): FlatProgram['first'] {
  const seen = new Uint8Array(prog.length)
  const stack = [0]
  const chars: ((cp: number) => boolean)[] = []
  let nonAscii = false
  while (stack.length > 0) {
    const p = stack.pop() as number
    if (seen[p] === 1) continue
    seen[p] = 1
    const inst = prog[p]
    switch (inst.op) {
      case 'char': chars.push(inst.test); nonAscii ||= inst.wide; break
      case 'split': stack.push(inst.x, inst.y); break
      case 'jmp': stack.push(inst.x); break
      case 'save':
      case 'assert': stack.push(inst.next); break
      case 'match': return undefined
    }
  }
  const ascii = new Uint8Array(128)
  for (let c = 0; c < 128; c++) ascii[c] = chars.some((t) => t(c)) ? 1 : 0
  return {ascii, nonAscii}
}
