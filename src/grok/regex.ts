/**
 * Compiles an RE2 pattern to the fastest exact matcher.
 *
 * - Native RegExp from the translated source when the meaning is identical (re2-translate.ts).
 *   Two variants: one without flags for text without surrogates (the common case; V8's
 *   linear-time fallback, which does not cover `u` regexes, protects it), and one with `u`
 *   for text with astral characters.
 * - The Pike VM (re2-vm.ts) when a backtracking engine would give another result, and for
 *   text that only an unprotected regex could run with nested unbounded quantifiers.
 */
import {parseRe2, type Re2Tree} from './re2-syntax.js'
import {analyzeRe2, emitJs, needsUnicode, usesLookaround} from './re2-translate.js'
import {Re2Vm} from './re2-vm.js'

export interface Re2Matcher {
  /** The RE2 source. */
  readonly source: string
  /** Number of capturing groups. */
  readonly groups: number
  /** 'js' when native RegExp runs (at least) surrogate-free text, 'vm' when the VM runs everything. */
  readonly engine: 'js' | 'vm'
  /** The JS RegExp source (for the `u` flag) when the translation is exact. */
  readonly jsSource?: string
  /** Why the VM is used, when it is. */
  readonly vmReason?: string
  /** Nested unbounded quantifiers: safe only thanks to V8's linear fallback (or the VM). */
  readonly nestedUnbounded: boolean
  /**
   * The match as an array-like (undefined for groups that did not take part), or null.
   * Read group g at index `groupIndex(g)`.
   */
  exec(text: string): ArrayLike<string | undefined> | null
  /** Where group g (0 = whole match) is in exec's result; -1 when it is not captured. */
  groupIndex(group: number): number
}

export interface CompileRe2Options {
  /** Always use the VM (for tests comparing engines). */
  forceVm?: boolean
  /** The capture groups whose values are read; others may differ from RE2 (default: all). */
  usedGroups?: ReadonlySet<number>
}

const SURROGATE = /[\uD800-\uDFFF]/

/** Throws Re2SyntaxError for invalid RE2. */
export function compileRe2(source: string, options: CompileRe2Options = {}, tree: Re2Tree = parseRe2(source)): Re2Matcher {
  const used = options.usedGroups
  const analysis = analyzeRe2(tree, used === undefined ? () => true : (g) => used.has(g))
  const base = {source, groups: tree.groups, nestedUnbounded: analysis.nestedUnbounded}
  let vmReason = options.forceVm === true ? 'forced' : analysis.inexact[0]
  if (vmReason === undefined && analysis.nestedUnbounded && usesLookaround(tree.root)) {
    vmReason = 'nested unbounded quantifiers with multi-line anchors'
  }
  if (vmReason !== undefined) {
    const vm = new Re2Vm(tree)
    return {...base, engine: 'vm', vmReason, exec: (text) => vm.exec(text), groupIndex: (g) => (g <= tree.groups ? g : -1)}
  }
  // only the groups read stay capturing (fewer captures, faster native matching)
  const keep = used === undefined ? undefined : (g: number) => used.has(g)
  const renumber = new Int32Array(tree.groups + 1).fill(-1)
  renumber[0] = 0
  for (let g = 1, next = 1; g <= tree.groups; g++) if (keep === undefined || keep(g)) renumber[g] = next++
  const groupIndex = (g: number) => (g >= 0 && g <= tree.groups ? renumber[g] : -1)
  const jsSource = emitJs(tree, 'unicode', keep)
  const unicode = new RegExp(jsSource, 'u')
  let vm: Re2Vm | undefined
  // text the unprotected `u` regex would run: the VM takes it when backtracking could explode
  const full = analysis.nestedUnbounded ? (text: string) => vmExec(text) : (text: string) => unicode.exec(text)
  const vmExec = (text: string): (string | undefined)[] | null => {
    const m = (vm ??= new Re2Vm(tree)).exec(text)
    if (m === null || keep === undefined) return m
    const out: (string | undefined)[] = []
    for (let g = 0; g <= tree.groups; g++) if (renumber[g] >= 0) out[renumber[g]] = m[g]
    return out
  }
  if (needsUnicode(tree.root)) return {...base, engine: 'js', jsSource, exec: full, groupIndex}
  const bmp = new RegExp(emitJs(tree, 'bmp', keep))
  return {...base, engine: 'js', jsSource, exec: (text) => (SURROGATE.test(text) ? full(text) : bmp.exec(text)), groupIndex}
}
