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
import {
  DIGIT_RANGES,
  WORD_RANGES,
  complementRanges,
  nullable,
  type CharSet,
  type Re2Node,
  type Re2Tree,
} from './re2-syntax.js'

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
    case 'alt':
      return node.items.map((item) => emit(item, options)).join('|')
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
 */
export function emitJs(tree: Re2Tree, mode: EmitMode = 'unicode', keep?: (group: number) => boolean): string {
  return emit(tree.root, {mode, keep})
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

/** True when the translation uses lookarounds (multi-line ^ and $), which V8's linear engine cannot run. */
export function usesLookaround(node: Re2Node): boolean {
  switch (node.type) {
    case 'assert':
      return node.kind === 'bol' || node.kind === 'eol'
    case 'group':
    case 'repeat':
      return usesLookaround(node.body)
    case 'concat':
    case 'alt':
      return node.items.some(usesLookaround)
    default:
      return false
  }
}

export interface Re2Analysis {
  /** Why a backtracking engine would give a different result; empty when JS is exact. */
  inexact: string[]
  /** Nested unbounded quantifiers (potential exponential backtracking without the V8 guard). */
  nestedUnbounded: boolean
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
  const result: Re2Analysis = {inexact: [], nestedUnbounded: false}
  const walk = (node: Re2Node): void => {
    switch (node.type) {
      case 'group':
        walk(node.body)
        return
      case 'concat':
      case 'alt':
        node.items.forEach(walk)
        return
      case 'repeat':
        if (node.max === -1 || node.max > 1) {
          if (nullable(node.body)) result.inexact.push('a repeated sub-expression can match the empty string')
          else if (hasOptionalCapture(node.body, relevant)) result.inexact.push('a repeated group holds a capture that may skip an iteration')
        }
        if (node.max === -1 && containsUnbounded(node.body)) result.nestedUnbounded = true
        walk(node.body)
        return
      default:
        return
    }
  }
  walk(tree.root)
  return result
}
