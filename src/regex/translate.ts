/**
 * Translates RE2 syntax (grok.md §5) into JavaScript RegExp source with the same meaning,
 * compiled with the `u` flag and no other flag:
 * - named groups lose their names (group numbering is kept: no capturing group is ever added);
 * - inline and scoped flags are resolved: `i` by case-folding classes (done by the parser),
 *   `s`/`m` by rewriting `.`, `^`, `$`, `U` by swapping greediness;
 * - Perl classes become their ASCII RE2 sets (`\s` has no `\v`, no Unicode spaces);
 * - POSIX classes, `\Q..\E`, octal/hex escapes, `\pL`, `\A`, `\z` are rewritten.
 *
 * Some RE2 meanings cannot be written as a backtracking regex: a capture inside a repeated
 * group that does not take part in every iteration (RE2 keeps the last value, JS resets it),
 * and repeated sub-expressions that can match empty (RE2 and JS treat empty iterations
 * differently). `analyzeRe2` reports those; the caller then runs the fallback VM.
 */
import {alternationGuard, type AltGuard} from './alt-guard.js'
import {
  DIGIT_RANGES,
  WORD_RANGES,
  complementRanges,
  rangesIntersect,
  nullable,
  type CharSet,
  type Re2Node,
  type Re2Tree,
} from './syntax.js'

const MAX_CP = 0x10ffff

function sameRanges(a: number[], b: number[]): boolean {
  return a.length === b.length && a.every((v, k) => v === b[k])
}

function hex(cp: number): string {
  return cp.toString(16).toUpperCase()
}

const CONTROL_ESCAPES: Record<number, string> = {0x09: '\\t', 0x0a: '\\n', 0x0b: '\\v', 0x0c: '\\f', 0x0d: '\\r'}
const BMP_MAX = 0xffff

/**
 * Emission modes. 'unicode': for a RegExp with the `u` flag (code points). 'bmp': for a RegExp
 * without flags, run only on text without surrogates (there UTF-16 units are code points, and
 * anything above U+FFFF can never match, so it is dropped). V8's linear-time fallback only
 * protects regexes without the `u` flag, hence the second mode.
 */
export type EmitMode = 'unicode' | 'bmp'

function escapeHex(cp: number, mode: EmitMode): string {
  if (cp <= 0xff) return `\\x${hex(cp).padStart(2, '0')}`
  if (cp <= BMP_MAX) return `\\u${hex(cp).padStart(4, '0')}`
  return mode === 'unicode' ? `\\u{${hex(cp)}}` : '[]'
}

function emitCodePoint(cp: number, inClass: boolean, mode: EmitMode): string {
  if (Object.hasOwn(CONTROL_ESCAPES, cp)) return CONTROL_ESCAPES[cp]
  if (cp < 0x20 || (cp >= 0x7f && cp < 0xa0) || (cp >= 0xd800 && cp <= 0xdfff) || cp === 0x2028 || cp === 0x2029 || cp >= 0xfeff) {
    return escapeHex(cp, mode)
  }
  const ch = String.fromCodePoint(cp)
  if (inClass) return '\\]['.includes(ch) || ch === '^' || ch === '-' ? `\\${ch}` : ch
  return '^$\\.*+?()[]{}|/'.includes(ch) ? `\\${ch}` : ch
}

function emitRanges(ranges: number[], mode: EmitMode): string {
  let out = ''
  for (let k = 0; k < ranges.length; k += 2) {
    const lo = ranges[k]
    const hi = ranges[k + 1]
    out += emitCodePoint(lo, true, mode)
    if (hi === lo + 1) out += emitCodePoint(hi, true, mode)
    else if (hi > lo) out += `-${emitCodePoint(hi, true, mode)}`
  }
  return out
}

function clipToBmp(ranges: number[]): number[] {
  const out: number[] = []
  for (let k = 0; k < ranges.length; k += 2) {
    if (ranges[k] > BMP_MAX) break
    out.push(ranges[k], Math.min(ranges[k + 1], BMP_MAX))
  }
  return out
}

function emitProps(set: CharSet): string {
  return set.props.map((p) => `\\${p.negated ? 'P' : 'p'}{${p.name}}`).join('')
}

/** JS source for a character set, as a single atom. */
export function emitCharSet(set: CharSet, mode: EmitMode = 'unicode'): string {
  if (set.props.length > 0) {
    if (mode === 'bmp') throw new Error('Unicode property classes need the unicode mode')
    if (set.ranges.length === 0 && set.props.length === 1 && !set.negated) return emitProps(set)
    return `[${set.negated ? '^' : ''}${emitRanges(set.ranges, mode)}${emitProps(set)}]`
  }
  const top = mode === 'unicode' ? MAX_CP : BMP_MAX
  const r = mode === 'unicode' ? set.ranges : clipToBmp(set.ranges)
  if (r.length === 0) return '[]'
  if (r.length === 2 && r[0] === 0 && r[1] === top) return '[^]'
  if (sameRanges(r, DIGIT_RANGES)) return '\\d'
  if (sameRanges(r, WORD_RANGES)) return '\\w'
  if (r.length === 2 && r[0] === r[1]) return emitCodePoint(r[0], false, mode)
  const complement = mode === 'unicode' ? complementRanges(r) : clipToBmp(complementRanges(r))
  if (sameRanges(complement, DIGIT_RANGES)) return '\\D'
  if (sameRanges(complement, WORD_RANGES)) return '\\W'
  if (r[r.length - 1] === top && complement.length < r.length) return `[^${emitRanges(complement, mode)}]`
  return `[${emitRanges(r, mode)}]`
}

const ASSERTIONS = {bot: '^', eot: '$', bol: '(?<![^\\n])', eol: '(?![^\\n])', wb: '\\b', nwb: '\\B'} as const

interface EmitOptions {
  mode: EmitMode
  /** Capture groups to keep capturing; the others become non-capturing (default: all). */
  keep?: (group: number) => boolean
  /** Lookahead guards in front of alternations that allow one (./alt-guard.ts). */
  guards?: boolean
}

function emitGuard(guard: AltGuard, mode: EmitMode): string {
  const prefix = guard.k === 0 || guard.prefix.length === 0 ? '' : `${emitCharSet({ranges: guard.prefix, props: [], negated: false}, mode)}{0,${guard.k}}`
  return `(?=${prefix}${emitCharSet({ranges: guard.needle, props: [], negated: false}, mode)})`
}

function emit(node: Re2Node, options: EmitOptions): string {
  const mode = options.mode
  switch (node.type) {
    case 'empty':
      return ''
    case 'char':
      return emitCodePoint(node.cp, false, mode)
    case 'class':
      return emitCharSet(node.set, mode)
    case 'any':
      return node.newline ? '[^]' : '[^\\n]'
    case 'assert':
      return ASSERTIONS[node.kind]
    case 'group':
      return `(${node.capture === null || (options.keep !== undefined && !options.keep(node.capture)) ? '?:' : ''}${emit(node.body, options)})`
    case 'concat':
      return node.items.map((item) => (item.type === 'alt' ? `(?:${emit(item, options)})` : emit(item, options))).join('')
    case 'alt': {
      const body = node.items.map((item) => emit(item, options)).join('|')
      const guard = options.guards === true ? alternationGuard(node) : undefined
      return guard === undefined ? body : `${emitGuard(guard, mode)}(?:${body})`
    }
    case 'repeat': {
      const body = node.body
      let atom = emit(body, options)
      const single = body.type === 'char' || body.type === 'class' || body.type === 'any' || body.type === 'group'
      if (!single) atom = `(?:${atom})`
      let q: string
      if (node.min === 0 && node.max === -1) q = '*'
      else if (node.min === 1 && node.max === -1) q = '+'
      else if (node.min === 0 && node.max === 1) q = '?'
      else if (node.max === -1) q = `{${node.min},}`
      else if (node.min === node.max) q = `{${node.min}}`
      else q = `{${node.min},${node.max}}`
      return atom + q + (node.greedy ? '' : '?')
    }
  }
}

/**
 * JS RegExp source equivalent to the parsed RE2 tree (see EmitMode for the flags to use).
 * With `keep`, only those capture groups capture; the kept groups are renumbered in order.
 * With `guards`, alternations get lookahead guards (./alt-guard.ts): same matches, fewer branches
 * tried; not for a regex that may need V8's linear-time engine, which runs no lookahead.
 */
export function emitJs(tree: Re2Tree, mode: EmitMode = 'unicode', keep?: (group: number) => boolean, guards = false): string {
  return emit(tree.root, {mode, keep, guards})
}

/** True when the tree uses a construct only the unicode mode can express (property classes). */
export function needsUnicode(node: Re2Node): boolean {
  switch (node.type) {
    case 'class':
      return node.set.props.length > 0
    case 'group':
    case 'repeat':
      return needsUnicode(node.body)
    case 'concat':
    case 'alt':
      return node.items.some(needsUnicode)
    default:
      return false
  }
}

export interface Re2Analysis {
  /** Why a backtracking engine would give a different result; empty when JS is exact. */
  inexact: string[]
  /** Nested unbounded quantifiers (potential exponential backtracking without the V8 guard). */
  nestedUnbounded: boolean
  /**
   * A backtracking engine could take exponential time on a crafted line: nested unbounded
   * quantifiers, or an unbounded repeat over an alternation.
   */
  exponentialRisk: boolean
  /**
   * It could take more than about quadratic time: exponentialRisk, or two or more unbounded
   * repeats (polynomial: each one multiplies the number of ways to split the line).
   */
  backtrackRisk: boolean
}

type GroupFilter = (group: number) => boolean

function containsCapture(node: Re2Node, relevant: GroupFilter): boolean {
  switch (node.type) {
    case 'group':
      return (node.capture !== null && relevant(node.capture)) || containsCapture(node.body, relevant)
    case 'concat':
    case 'alt':
      return node.items.some((item) => containsCapture(item, relevant))
    case 'repeat':
      return containsCapture(node.body, relevant)
    default:
      return false
  }
}

/** True when some relevant capture in `node` may not take part in a successful match of `node`. */
function hasOptionalCapture(node: Re2Node, relevant: GroupFilter): boolean {
  switch (node.type) {
    case 'group':
      return hasOptionalCapture(node.body, relevant)
    case 'concat':
      return node.items.some((item) => hasOptionalCapture(item, relevant))
    case 'alt':
      return node.items.some((item) => containsCapture(item, relevant))
    case 'repeat':
      return node.min === 0 ? containsCapture(node.body, relevant) : hasOptionalCapture(node.body, relevant)
    default:
      return false
  }
}

function containsUnbounded(node: Re2Node): boolean {
  switch (node.type) {
    case 'group':
      return containsUnbounded(node.body)
    case 'concat':
    case 'alt':
      return node.items.some(containsUnbounded)
    case 'repeat':
      return node.max === -1 || containsUnbounded(node.body)
    default:
      return false
  }
}

/**
 * Checks whether a backtracking engine gives RE2's result. `relevant` limits the capture
 * check to the groups the caller reads (grok reads only the groups its fields point to).
 */
export function analyzeRe2(tree: Re2Tree, relevant: GroupFilter = () => true): Re2Analysis {
  const result: Re2Analysis = {inexact: [], nestedUnbounded: false, exponentialRisk: false, backtrackRisk: false}
  let unbounded = 0
  const walk = (node: Re2Node, insideLoop: boolean): void => {
    switch (node.type) {
      case 'group':
        walk(node.body, insideLoop)
        return
      case 'concat':
      case 'alt':
        for (const item of node.items) walk(item, insideLoop)
        return
      case 'repeat':
        if (node.max === -1 || node.max > 1) {
          if (nullable(node.body)) result.inexact.push('a repeated sub-expression can match the empty string')
          else if (hasOptionalCapture(node.body, relevant)) result.inexact.push('a repeated group holds a capture that may skip an iteration')
        }
        if (node.max === -1) {
          unbounded++
          if (containsUnbounded(node.body)) result.nestedUnbounded = true
          // every cycle of the automaton lies inside an outermost unbounded repeat: check those
          if (!insideLoop && !result.exponentialRisk && exponentiallyAmbiguous(node)) result.exponentialRisk = true
        }
        walk(node.body, insideLoop || node.max === -1)
        return
      default:
        return
    }
  }
  walk(tree.root, false)
  result.backtrackRisk = result.exponentialRisk || unbounded >= 2
  return result
}

// ---------------------------------------------------------------------------------------------
// Exponential ambiguity (the cause of exponential backtracking)
//
// A backtracking engine explores, on a failing line, every path of the pattern's automaton that
// reads a prefix of the text. That number is exponential in the line length exactly when the
// automaton is exponentially ambiguous: some state q has two distinct paths q -> q reading the
// same word (then w^k has 2^k paths). Otherwise it is polynomial. The automaton here is the
// position (Glushkov) automaton, one state per character leaf, where an edge p -> q also counts
// the distinct epsilon routes between them through the tree (alternatives, optional parts,
// loops: the routes a backtracking engine tries one by one), capped at 2. With the product
// automaton (pairs of states reading the same character), the pattern is exponentially
// ambiguous iff some edge has two routes, or some pair (p, p') with p != p' lies on a path
// from a pair (q, q) back to a pair (r, r) (inside a loop body, r reaches q).
//
// Repeat bodies that can match empty are treated as ambiguous (they are inexact anyway and go
// to the VM). Counted repeats are expanded (copies are distinct states). Assertions count as
// empty (that only adds paths: sound). Classes with Unicode properties intersect everything.

/** Above this many states in one loop the analysis gives up and reports the risk (sound). */
const MAX_POSITIONS = 400

type Counts = Map<number, number>

interface Fragment {
  first: Counts
  last: Counts
  /** Number of epsilon routes through the fragment (0, 1 or 2 = "several"). */
  empty: number
}

class TooBig extends Error {}

class PositionAutomaton {
  /** Character set of each state (null: has Unicode properties, intersects everything). */
  readonly sets: (number[] | null)[] = []
  /** follow[p]: state -> number of routes p -> state (capped at 2). */
  readonly follow: Counts[] = []
  /** True when some loop body can match empty. */
  nullableLoop = false

  private state(set: number[] | null): Fragment {
    if (this.sets.length >= MAX_POSITIONS) throw new TooBig()
    const p = this.sets.length
    this.sets.push(set)
    this.follow.push(new Map())
    return {first: new Map([[p, 1]]), last: new Map([[p, 1]]), empty: 0}
  }

  private link(from: Counts, to: Counts, times = 1): void {
    for (const [p, a] of from) for (const [q, b] of to) addCount(this.follow[p], q, a * b * times)
  }

  build(node: Re2Node): Fragment {
    switch (node.type) {
      case 'empty':
      case 'assert':
        return {first: new Map(), last: new Map(), empty: 1}
      case 'char':
        return this.state([node.cp, node.cp])
      case 'class':
        return this.state(node.set.props.length > 0 ? null : node.set.ranges)
      case 'any':
        return this.state(node.newline ? [0, MAX_CP] : [0, 9, 11, MAX_CP])
      case 'group':
        return this.build(node.body)
      case 'concat':
        return node.items.map((item) => this.build(item)).reduce((a, b) => this.concat(a, b), EMPTY_FRAGMENT())
      case 'alt': {
        const out = {first: new Map(), last: new Map(), empty: 0}
        for (const item of node.items) {
          const f = this.build(item)
          mergeCounts(out.first, f.first, 1)
          mergeCounts(out.last, f.last, 1)
          out.empty = Math.min(2, out.empty + f.empty)
        }
        return out
      }
      case 'repeat': {
        let out = EMPTY_FRAGMENT()
        const copies = node.max === -1 ? Math.max(node.min - 1, 0) : node.min
        for (let k = 0; k < copies; k++) out = this.concat(out, this.build(node.body))
        if (node.max === -1) {
          const body = this.build(node.body)
          if (body.empty > 0) this.nullableLoop = true
          this.link(body.last, body.first)
          // x* = (x+)?, x{n,} = x{n-1}x+
          const loop = {first: body.first, last: body.last, empty: node.min === 0 ? Math.min(2, body.empty + 1) : body.empty}
          return this.concat(out, loop)
        }
        // x{n,m}: n copies, then (x(x(x)?)?)? for the optional ones
        let tail = EMPTY_FRAGMENT()
        for (let k = node.min; k < node.max; k++) {
          const f = this.concat(this.build(node.body), tail)
          tail = {first: f.first, last: f.last, empty: Math.min(2, f.empty + 1)}
        }
        return this.concat(out, tail)
      }
    }
  }

  private concat(a: Fragment, b: Fragment): Fragment {
    this.link(a.last, b.first)
    const first = new Map(a.first)
    mergeCounts(first, b.first, a.empty)
    const last = new Map(b.last)
    mergeCounts(last, a.last, b.empty)
    return {first, last, empty: Math.min(2, a.empty * b.empty)}
  }
}

const EMPTY_FRAGMENT = (): Fragment => ({first: new Map(), last: new Map(), empty: 1})

function addCount(map: Counts, key: number, n: number): void {
  if (n > 0) map.set(key, Math.min(2, (map.get(key) ?? 0) + n))
}

function mergeCounts(into: Counts, from: Counts, times: number): void {
  for (const [k, n] of from) addCount(into, k, n * times)
}

/** True when a backtracking engine can take exponential time in `loop` (an unbounded repeat). */
function exponentiallyAmbiguous(loop: Re2Node): boolean {
  const nfa = new PositionAutomaton()
  try {
    nfa.build(loop)
  } catch (error) {
    if (error instanceof TooBig) return true
    throw error
  }
  if (nfa.nullableLoop) return true
  const n = nfa.sets.length
  const follow = nfa.follow
  for (const f of follow) for (const routes of f.values()) if (routes > 1) return true
  const pred: number[][] = Array.from({length: n}, () => [])
  follow.forEach((f, p) => {
    for (const q of f.keys()) pred[q].push(p)
  })
  const compatible = new Int8Array(n * n) // 0 unknown, 1 yes, -1 no
  const meets = (p: number, q: number): boolean => {
    const k = p * n + q
    if (compatible[k] === 0) {
      const a = nfa.sets[p]
      const b = nfa.sets[q]
      compatible[k] = p === q || a === null || b === null || rangesIntersect(a, b) ? 1 : -1
    }
    return compatible[k] === 1
  }
  // pairs reachable from the diagonal, then pairs that reach the diagonal
  const search = (next: (p: number) => Iterable<number>): Uint8Array => {
    const seen = new Uint8Array(n * n)
    const stack: number[] = []
    for (let p = 0; p < n; p++) {
      seen[p * n + p] = 1
      stack.push(p * n + p)
    }
    while (stack.length > 0) {
      const v = stack.pop() as number
      const p = Math.floor(v / n)
      const q = v % n
      for (const p2 of next(p)) {
        for (const q2 of next(q)) {
          const w = p2 * n + q2
          if (seen[w] === 0 && meets(p2, q2)) {
            seen[w] = 1
            stack.push(w)
          }
        }
      }
    }
    return seen
  }
  const forward = search((p) => follow[p].keys())
  const backward = search((p) => pred[p])
  for (let p = 0; p < n; p++) for (let q = 0; q < n; q++) if (p !== q && forward[p * n + q] === 1 && backward[p * n + q] === 1) return true
  return false
}

/** V8's limit on how often its linear engine may copy a counted repeat's body (nesting multiplies). */
const V8_MAX_REPLICATION = 16

/**
 * True when V8's linear-time engine can run the flag-less translation, i.e. when the
 * `--enable-experimental-regexp-engine-on-excessive-backtracks` guard protects it. That engine
 * has no lookarounds (multi-line `^` and `$` become lookarounds here) and copies counted
 * repeats, refusing a product of counts above 16 along any nesting path (`a{0,17}`,
 * `(?:x{1,5}){1,5}`); `+` counts 2, `*` and `?` count 1, `{n,}` counts n+1.
 */
export function linearEngineCanRun(node: Re2Node, factor = 1): boolean {
  switch (node.type) {
    case 'assert':
      return node.kind !== 'bol' && node.kind !== 'eol'
    case 'group':
      return linearEngineCanRun(node.body, factor)
    case 'concat':
    case 'alt':
      return node.items.every((item) => linearEngineCanRun(item, factor))
    case 'repeat': {
      if (node.min > V8_MAX_REPLICATION || node.max > V8_MAX_REPLICATION) return false
      const local = node.max === -1 ? node.min + 1 : node.max
      const next = factor * Math.max(local, 1)
      return next <= V8_MAX_REPLICATION && linearEngineCanRun(node.body, next)
    }
    default:
      return true
  }
}
