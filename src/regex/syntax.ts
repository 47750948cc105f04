/**
 * A parser for the RE2 regular-expression dialect (Go `regexp/syntax` with Perl flags), the
 * dialect of CrowdSec grok patterns (grok.md §5), `matches` and regexp data files. It produces a small tree
 * that the translator turns into JavaScript RegExp source and that the fallback VM runs.
 *
 * Case-insensitive parts are resolved here: a literal or class under `(?i)` becomes the class
 * of its simple case-folding orbit, so later stages never need an `i` flag.
 */

export type AssertKind = 'bot' | 'eot' | 'bol' | 'eol' | 'wb' | 'nwb'

/** A Unicode property escape kept symbolic (JS `\p{...}` form) because it is not enumerated. */
export interface UnicodeProp {
  /** JS property text, e.g. `L`, `Script=Greek`. */
  name: string
  negated: boolean
}

/** A set of code points: sorted, merged inclusive ranges [lo0, hi0, lo1, hi1, ...] plus properties. */
export interface CharSet {
  ranges: number[]
  props: UnicodeProp[]
  /** Only meaningful when props is non-empty (otherwise ranges are already complemented). */
  negated: boolean
}

export type Re2Node =
  | {type: 'empty'}
  | {type: 'char'; cp: number}
  | {type: 'class'; set: CharSet}
  | {type: 'any'; newline: boolean}
  | {type: 'assert'; kind: AssertKind}
  | {type: 'group'; capture: number | null; body: Re2Node}
  | {type: 'concat'; items: Re2Node[]}
  | {type: 'alt'; items: Re2Node[]}
  | {type: 'repeat'; min: number; max: number; greedy: boolean; body: Re2Node}

export interface Re2Tree {
  root: Re2Node
  /** Number of capturing groups (named or not). */
  groups: number
  /** names[g]: the name of capturing group g, '' when unnamed (index 0, the whole match, is ''). */
  names: string[]
}

/**
 * A syntax error with Go's wording (`regexp/syntax` error code, then the offending text in
 * backticks), without Go's `error parsing regexp: ` prefix, which callers add where Go shows it.
 * `index` is the 0-based UTF-16 offset in the pattern.
 */
export class Re2SyntaxError extends Error {
  readonly index: number
  constructor(message: string, index: number) {
    super(message)
    this.name = 'Re2SyntaxError'
    this.index = index
  }
}

const MAX_CP = 0x10ffff
const MAX_REPEAT = 1000

interface Flags {
  i: boolean
  m: boolean
  s: boolean
  U: boolean
}

// ---------------------------------------------------------------------------------------------
// Character sets

export function normalizeRanges(pairs: number[]): number[] {
  const list: [number, number][] = []
  for (let k = 0; k < pairs.length; k += 2) list.push([pairs[k], pairs[k + 1]])
  list.sort((a, b) => a[0] - b[0] || a[1] - b[1])
  const out: number[] = []
  for (const [lo, hi] of list) {
    const n = out.length
    if (n > 0 && lo <= out[n - 1] + 1) {
      if (hi > out[n - 1]) out[n - 1] = hi
    } else {
      out.push(lo, hi)
    }
  }
  return out
}

export function complementRanges(ranges: number[]): number[] {
  const out: number[] = []
  let next = 0
  for (let k = 0; k < ranges.length; k += 2) {
    if (ranges[k] > next) out.push(next, ranges[k] - 1)
    next = ranges[k + 1] + 1
  }
  if (next <= MAX_CP) out.push(next, MAX_CP)
  return out
}

/** True when two normalized range lists share a code point. */
export function rangesIntersect(a: number[], b: number[]): boolean {
  let i = 0
  let j = 0
  while (i < a.length && j < b.length) {
    if (a[i + 1] < b[j]) i += 2
    else if (b[j + 1] < a[i]) j += 2
    else return true
  }
  return false
}

/** True when every code point of `a` is in `b` (`b` normalized: each range of `a` lies within one of `b`). */
export function rangesWithin(a: number[], b: number[]): boolean {
  for (let i = 0; i < a.length; i += 2) {
    let inside = false
    for (let j = 0; j < b.length && !inside; j += 2) inside = a[i] >= b[j] && a[i + 1] <= b[j + 1]
    if (!inside) return false
  }
  return true
}

export function rangesContain(ranges: number[], cp: number): boolean {
  let lo = 0
  let hi = ranges.length / 2 - 1
  while (lo <= hi) {
    const mid = (lo + hi) >> 1
    if (cp < ranges[2 * mid]) hi = mid - 1
    else if (cp > ranges[2 * mid + 1]) lo = mid + 1
    else return true
  }
  return false
}

// Simple case folding orbits, computed once on first use with the JS engine as the oracle
// (two code points are equivalent iff /a/iu matches b, which uses Unicode simple case folding).
let orbitTable: Map<number, number[]> | undefined

function buildOrbits(): Map<number, number[]> {
  const parent = new Map<number, number>()
  const find = (x: number): number => {
    let r = x
    while (parent.has(r) && parent.get(r) !== r) r = parent.get(r) as number
    return r
  }
  const union = (a: number, b: number) => {
    const ra = find(a)
    const rb = find(b)
    if (ra === rb) return
    if (!parent.has(ra)) parent.set(ra, ra)
    if (!parent.has(rb)) parent.set(rb, rb)
    parent.set(ra, rb)
  }
  for (let cp = 0x41; cp < 0x20000; cp++) {
    if (cp >= 0xd800 && cp <= 0xdfff) continue
    const ch = String.fromCodePoint(cp)
    for (const other of [ch.toLowerCase(), ch.toUpperCase()]) {
      if (other === ch) continue
      const o = other.codePointAt(0) as number
      if (other.length !== String.fromCodePoint(o).length) continue // multi-code-point mapping
      if (new RegExp(escapeForProbe(cp), 'iu').test(other)) union(cp, o)
    }
  }
  const groups = new Map<number, number[]>()
  for (const cp of parent.keys()) {
    const root = find(cp)
    let g = groups.get(root)
    if (g === undefined) groups.set(root, (g = []))
    g.push(cp)
  }
  const table = new Map<number, number[]>()
  for (const g of groups.values()) {
    g.sort((a, b) => a - b)
    for (const cp of g) table.set(cp, g)
  }
  return table
}

function escapeForProbe(cp: number): string {
  return `\\u{${cp.toString(16)}}`
}

/** The code points equivalent to `cp` under simple case folding (including cp itself). */
export function foldOrbit(cp: number): number[] {
  orbitTable ??= buildOrbits()
  return orbitTable.get(cp) ?? [cp]
}

function foldRanges(ranges: number[]): number[] {
  const out = ranges.slice()
  for (let k = 0; k < ranges.length; k += 2) {
    const lo = Math.max(ranges[k], 0x41)
    const hi = Math.min(ranges[k + 1], 0x1ffff)
    for (let cp = lo; cp <= hi; cp++) {
      const orbit = foldOrbit(cp)
      if (orbit.length > 1) for (const o of orbit) if (o !== cp) out.push(o, o)
    }
  }
  return normalizeRanges(out)
}

// POSIX classes (ASCII), as RE2 defines them.
const POSIX: Record<string, number[]> = {
  alnum: [0x30, 0x39, 0x41, 0x5a, 0x61, 0x7a],
  alpha: [0x41, 0x5a, 0x61, 0x7a],
  ascii: [0x00, 0x7f],
  blank: [0x09, 0x09, 0x20, 0x20],
  cntrl: [0x00, 0x1f, 0x7f, 0x7f],
  digit: [0x30, 0x39],
  graph: [0x21, 0x7e],
  lower: [0x61, 0x7a],
  print: [0x20, 0x7e],
  punct: [0x21, 0x2f, 0x3a, 0x40, 0x5b, 0x60, 0x7b, 0x7e],
  space: [0x09, 0x0d, 0x20, 0x20],
  upper: [0x41, 0x5a],
  word: [0x30, 0x39, 0x41, 0x5a, 0x5f, 0x5f, 0x61, 0x7a],
  xdigit: [0x30, 0x39, 0x41, 0x46, 0x61, 0x66],
}

// Perl classes: ASCII only, and \s has no \v.
export const DIGIT_RANGES = [0x30, 0x39]
export const SPACE_RANGES = [0x09, 0x0a, 0x0c, 0x0d, 0x20, 0x20]
export const WORD_RANGES = [0x30, 0x39, 0x41, 0x5a, 0x5f, 0x5f, 0x61, 0x7a]

function isPropertyName(text: string): boolean {
  try {
    new RegExp(`\\p{${text}}`, 'u')
    return true
  } catch {
    return false
  }
}

const propertyCache = new Map<string, number[]>()

/** The code points of a JS Unicode property, as ranges (computed once per property). */
function propertyRanges(prop: string): number[] {
  let ranges = propertyCache.get(prop)
  if (ranges !== undefined) return ranges
  const re = new RegExp(`^\\p{${prop}}$`, 'u')
  ranges = []
  let start = -1
  for (let cp = 0; cp <= MAX_CP; cp++) {
    const inside = re.test(String.fromCodePoint(cp))
    if (inside && start < 0) start = cp
    else if (!inside && start >= 0) {
      ranges.push(start, cp - 1)
      start = -1
    }
  }
  if (start >= 0) ranges.push(start, MAX_CP)
  propertyCache.set(prop, ranges)
  return ranges
}

/** Maps an RE2 Unicode class name (category or script) to JS property text. */
function unicodeProp(name: string, text: string, at: number): string | 'Any' {
  if (name === 'Any') return 'Any'
  if (/^[A-Z][a-z]?$/.test(name) && isPropertyName(`General_Category=${name}`)) return name
  if (/^[A-Z][A-Za-z_]*$/.test(name) && isPropertyName(`Script=${name}`)) return `Script=${name}`
  throw new Re2SyntaxError(`invalid character class range: \`${text}\``, at)
}

// ---------------------------------------------------------------------------------------------
// Parser

class Parser {
  private pos = 0
  private groups = 0
  private readonly names: string[] = ['']

  constructor(private readonly src: string) {}

  parse(): Re2Tree {
    const flags: Flags = {i: false, m: false, s: false, U: false}
    const root = this.parseAlternation(flags)
    if (this.pos < this.src.length) {
      // only a stray ')' can stop the top level early
      throw new Re2SyntaxError(`unexpected ): \`${this.src}\``, this.pos)
    }
    return {root, groups: this.groups, names: this.names}
  }

  private peek(offset = 0): string {
    return this.src[this.pos + offset] ?? ''
  }

  private parseAlternation(flags: Flags): Re2Node {
    const items = [this.parseConcat(flags)]
    while (this.peek() === '|') {
      this.pos++
      items.push(this.parseConcat(flags))
    }
    return items.length === 1 ? items[0] : {type: 'alt', items}
  }

  private parseConcat(flags: Flags): Re2Node {
    const items: Re2Node[] = []
    while (this.pos < this.src.length) {
      const c = this.peek()
      if (c === '|' || c === ')') break
      const start = this.pos
      if (c === '*' || c === '+' || c === '?' || (c === '{' && this.repeatAhead() !== null)) {
        throw new Re2SyntaxError(`missing argument to repetition operator: ${this.describeOp(start)}`, start)
      }
      const atom = this.parseAtom(flags, items)
      if (atom === null) continue
      items.push(this.parseRepeats(atom, flags))
    }
    if (items.length === 0) return {type: 'empty'}
    return items.length === 1 ? items[0] : {type: 'concat', items}
  }

  private describeOp(start: number): string {
    const c = this.src[start]
    if (c !== '{') return `\`${c}\``
    const end = this.src.indexOf('}', start)
    return `\`${this.src.slice(start, end + 1)}\``
  }

  /** If a valid {n}, {n,}, {n,m} starts at pos, returns it without consuming. */
  private repeatAhead(): {min: number; max: number; length: number} | null {
    const m = /^\{(\d+)(,(\d*))?\}/.exec(this.src.slice(this.pos, this.pos + 24))
    if (m === null) return null
    const min = Number(m[1])
    const max = m[2] === undefined ? min : m[3] === '' ? -1 : Number(m[3])
    return {min, max, length: m[0].length}
  }

  private parseRepeats(atom: Re2Node, flags: Flags): Re2Node {
    let node = atom
    let lastStart = -1
    for (;;) {
      const c = this.peek()
      const start = this.pos
      let min: number
      let max: number
      if (c === '*') [min, max] = [0, -1]
      else if (c === '+') [min, max] = [1, -1]
      else if (c === '?') [min, max] = [0, 1]
      else if (c === '{') {
        const r = this.repeatAhead()
        if (r === null) break
        ;[min, max] = [r.min, r.max]
        if (min > MAX_REPEAT || max > MAX_REPEAT || (max !== -1 && max < min)) {
          throw new Re2SyntaxError(`invalid repeat count: \`${this.src.slice(start, start + r.length)}\``, start)
        }
        this.pos += r.length - 1
      } else break
      this.pos++
      let lazy = false
      if (this.peek() === '?') {
        lazy = true
        this.pos++
      }
      if (lastStart >= 0) {
        throw new Re2SyntaxError(`invalid nested repetition operator: \`${this.src.slice(lastStart, this.pos)}\``, lastStart)
      }
      lastStart = start
      node = {type: 'repeat', min, max, greedy: lazy === flags.U, body: node}
    }
    return node
  }

  private literal(cp: number, flags: Flags): Re2Node {
    if (flags.i) {
      const orbit = foldOrbit(cp)
      if (orbit.length > 1) return {type: 'class', set: {ranges: normalizeRanges(orbit.flatMap((o) => [o, o])), props: [], negated: false}}
    }
    return {type: 'char', cp}
  }

  private readCodePoint(): number {
    const cp = this.src.codePointAt(this.pos) as number
    this.pos += cp > 0xffff ? 2 : 1
    return cp
  }

  /** Parses one atom; returns null for a flag group `(?i)` (it only changes flags). */
  private parseAtom(flags: Flags, items: Re2Node[]): Re2Node | null {
    const start = this.pos
    const c = this.peek()
    switch (c) {
      case '(':
        return this.parseGroup(flags)
      case '[':
        return this.parseClass(flags)
      case '.':
        this.pos++
        return {type: 'any', newline: flags.s}
      case '^':
        this.pos++
        return {type: 'assert', kind: flags.m ? 'bol' : 'bot'}
      case '$':
        this.pos++
        return {type: 'assert', kind: flags.m ? 'eol' : 'eot'}
      case '\\': {
        const next = this.peek(1)
        if (next === 'Q') {
          this.pos += 2
          const end = this.src.indexOf('\\E', this.pos)
          const text = end === -1 ? this.src.slice(this.pos) : this.src.slice(this.pos, end)
          this.pos = end === -1 ? this.src.length : end + 2
          const chars = Array.from(text, (ch) => this.literal(ch.codePointAt(0) as number, flags))
          if (chars.length === 0) return null
          // the last char takes a following quantifier; the others go straight into the concat
          items.push(...chars.slice(0, -1))
          return chars[chars.length - 1]
        }
        if (next === 'A' || next === 'z' || next === 'b' || next === 'B') {
          this.pos += 2
          const kind: AssertKind = next === 'A' ? 'bot' : next === 'z' ? 'eot' : next === 'b' ? 'wb' : 'nwb'
          return {type: 'assert', kind}
        }
        const set = this.parseClassEscape(flags)
        if (set !== null) return {type: 'class', set}
        return this.literal(this.parseEscapeChar(start), flags)
      }
      default:
        return this.literal(this.readCodePoint(), flags)
    }
  }

  private parseGroup(flags: Flags): Re2Node | null {
    const start = this.pos
    this.pos++ // (
    let capture: number | null = null
    let inner = {...flags}
    if (this.peek() === '?') {
      const rest = this.src.slice(this.pos + 1)
      const named = /^P?<(\w+)>/.exec(rest)
      if (named !== null) {
        this.pos += 1 + named[0].length
        capture = ++this.groups
        this.names[capture] = named[1]
      } else if (/^P?</.test(rest)) {
        // Go shows the text up to `>`, or the whole rest of the pattern when there is none
        const gt = this.src.indexOf('>', start)
        throw new Re2SyntaxError(`invalid named capture: \`${this.src.slice(start, gt === -1 ? undefined : gt + 1)}\``, start)
      } else {
        const next = {...flags}
        let on = true
        let sawFlag = false
        let k = this.pos + 1
        let end = ''
        for (; k < this.src.length; k++) {
          const f = this.src[k]
          if (f === 'i' || f === 'm' || f === 's' || f === 'U') {
            next[f] = on
            sawFlag = true
          } else if (f === '-' && on) {
            on = false
            sawFlag = false
          } else if ((f === ':' || f === ')') && (on || sawFlag)) {
            end = f
            break
          } else {
            break
          }
        }
        if (end === '') {
          throw new Re2SyntaxError(`invalid or unsupported Perl syntax: \`${this.src.slice(start, Math.min(k + 1, this.src.length))}\``, start)
        }
        this.pos = k + 1
        if (end === ')') {
          Object.assign(flags, next) // until the end of the enclosing group
          return null
        }
        inner = next
      }
    } else {
      capture = ++this.groups
      this.names[capture] = ''
    }
    const body = this.parseAlternation(inner)
    if (this.peek() !== ')') throw new Re2SyntaxError(`missing closing ): \`${this.src}\``, start)
    this.pos++
    return {type: 'group', capture, body}
  }

  /** \d \D \s \S \w \W \pX \p{X} \PX \P{X} at pos; returns null (pos unchanged) for other escapes. */
  private parseClassEscape(flags: Flags): CharSet | null {
    const start = this.pos
    const c = this.peek(1)
    let ranges: number[] | undefined
    let negate = false
    if (c === 'd' || c === 'D') ranges = DIGIT_RANGES
    else if (c === 's' || c === 'S') ranges = SPACE_RANGES
    else if (c === 'w' || c === 'W') ranges = WORD_RANGES
    if (ranges !== undefined) {
      this.pos += 2
      negate = c === 'D' || c === 'S' || c === 'W'
      let r = flags.i ? foldRanges(ranges) : ranges
      if (negate) r = complementRanges(r)
      return {ranges: r, props: [], negated: false}
    }
    if (c !== 'p' && c !== 'P') return null
    this.pos += 2
    let name: string
    if (this.peek() === '{') {
      const end = this.src.indexOf('}', this.pos)
      if (end === -1) throw new Re2SyntaxError(`invalid character class range: \`${this.src.slice(start)}\``, start)
      name = this.src.slice(this.pos + 1, end)
      this.pos = end + 1
    } else {
      if (this.pos >= this.src.length) throw new Re2SyntaxError('invalid character class range: `\\p`', start)
      name = String.fromCodePoint(this.readCodePoint())
    }
    negate = c === 'P'
    if (name.startsWith('^')) {
      negate = !negate
      name = name.slice(1)
    }
    const prop = unicodeProp(name, this.src.slice(start, this.pos), start)
    if (prop === 'Any') return {ranges: negate ? [] : [0, MAX_CP], props: [], negated: false}
    if (flags.i) {
      // as Go: the case-folding closure of the property, then the negation
      const folded = foldRanges(propertyRanges(prop))
      return {ranges: negate ? complementRanges(folded) : folded, props: [], negated: false}
    }
    return {ranges: [], props: [{name: prop, negated: negate}], negated: false}
  }

  /** A single-character escape at pos (backslash included); returns its code point. */
  private parseEscapeChar(start: number): number {
    this.pos++ // backslash
    if (this.pos >= this.src.length) throw new Re2SyntaxError('trailing backslash at end of expression: ``', start)
    const c = this.readCodePoint()
    const ch = String.fromCodePoint(c)
    switch (ch) {
      case 'a': return 0x07
      case 'f': return 0x0c
      case 't': return 0x09
      case 'n': return 0x0a
      case 'r': return 0x0d
      case 'v': return 0x0b
      case '0': case '1': case '2': case '3': case '4': case '5': case '6': case '7': {
        // a lone non-zero digit would be a backreference, which RE2 does not support
        if (ch !== '0' && !/[0-7]/.test(this.peek())) break
        let value = c - 0x30
        for (let k = 0; k < 2 && /[0-7]/.test(this.peek()); k++) value = value * 8 + (this.readCodePoint() - 0x30)
        return value
      }
      case 'x': {
        if (this.peek() === '{') {
          const m = /^\{([0-9A-Fa-f]+)\}/.exec(this.src.slice(this.pos))
          if (m === null || parseInt(m[1], 16) > MAX_CP) break
          this.pos += m[0].length
          return parseInt(m[1], 16)
        }
        const m = /^[0-9A-Fa-f]{2}/.exec(this.src.slice(this.pos))
        if (m === null) break
        this.pos += 2
        return parseInt(m[0], 16)
      }
      default:
        if (c < 0x80 && !/[0-9A-Za-z]/.test(ch)) return c // escaped punctuation
    }
    throw new Re2SyntaxError(`invalid escape sequence: \`${this.src.slice(start, this.pos)}\``, start)
  }

  private parseClass(flags: Flags): Re2Node {
    const start = this.pos
    this.pos++ // [
    let negated = false
    if (this.peek() === '^') {
      negated = true
      this.pos++
    }
    const pairs: number[] = []
    const props: UnicodeProp[] = []
    let first = true
    for (;;) {
      if (this.pos >= this.src.length) throw new Re2SyntaxError(`missing closing ]: \`${this.src.slice(start)}\``, start)
      const c = this.peek()
      if (c === ']' && !first) {
        this.pos++
        break
      }
      first = false
      if (c === '[' && this.peek(1) === ':') {
        // as Go: `[:` up to the next `:]` must name a POSIX class
        const end = this.src.indexOf(':]', this.pos + 2)
        if (end !== -1) {
          const text = this.src.slice(this.pos, end + 2)
          const negate = text[2] === '^'
          const name = text.slice(negate ? 3 : 2, -2)
          if (!Object.hasOwn(POSIX, name)) throw new Re2SyntaxError(`invalid character class range: \`${text}\``, this.pos)
          this.pos = end + 2
          let r = flags.i ? foldRanges(POSIX[name]) : POSIX[name]
          if (negate) r = complementRanges(r)
          pairs.push(...r)
          continue
        }
      }
      if (c === '\\') {
        const set = this.parseClassEscape(flags)
        if (set !== null) {
          pairs.push(...set.ranges)
          props.push(...set.props)
          continue
        }
      }
      const itemStart = this.pos
      const lo = this.parseClassChar()
      let hi = lo
      if (this.peek() === '-' && this.peek(1) !== ']' && this.peek(1) !== '') {
        this.pos++
        if (this.peek() === '\\' && /[dDsSwWpP]/.test(this.peek(1))) {
          throw new Re2SyntaxError(`invalid character class range: \`${this.src.slice(itemStart, this.pos + 2)}\``, itemStart)
        }
        hi = this.parseClassChar()
        if (hi < lo) throw new Re2SyntaxError(`invalid character class range: \`${this.src.slice(itemStart, this.pos)}\``, itemStart)
      }
      const r = [lo, hi]
      pairs.push(...(flags.i ? foldRanges(r) : r))
    }
    let ranges = normalizeRanges(pairs)
    if (props.length === 0) {
      if (negated) ranges = complementRanges(ranges)
      return {type: 'class', set: {ranges, props: [], negated: false}}
    }
    return {type: 'class', set: {ranges, props, negated}}
  }

  private parseClassChar(): number {
    if (this.peek() === '\\') return this.parseEscapeChar(this.pos)
    return this.readCodePoint()
  }
}

/** Parses RE2 syntax; throws Re2SyntaxError. */
export function parseRe2(source: string): Re2Tree {
  return new Parser(source).parse()
}

/** True when the node can match the empty string. */
export function nullable(node: Re2Node): boolean {
  switch (node.type) {
    case 'empty':
    case 'assert':
      return true
    case 'char':
    case 'class':
    case 'any':
      return false
    case 'group':
      return nullable(node.body)
    case 'concat':
      return node.items.every(nullable)
    case 'alt':
      return node.items.some(nullable)
    case 'repeat':
      return node.min === 0 || nullable(node.body)
  }
}
