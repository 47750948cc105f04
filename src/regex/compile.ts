/**
 * Compiles an RE2 pattern to the fastest matcher that is exact and safe on attacker text.
 *
 * - Native RegExp from the translated source when the meaning is identical (translate.ts).
 *   Two variants: one without flags for text without surrogates (the common case; V8's
 *   linear-time guard, which does not cover `u` regexes, protects it), and one with `u`
 *   for text with astral characters.
 * - The Pike VM (vm.ts) when a backtracking engine would give another result; for text with
 *   astral characters when the pattern could backtrack more than quadratically (the `u`
 *   regex is unguarded); and for all text when the pattern could backtrack exponentially
 *   and is not guarded at all (V8's linear engine cannot run it, or the guard is off, as
 *   under Deno without the relaunch).
 */
import {activeContentCache, cacheKey} from '../platform/content-cache.js'
import {regexpGuardActive} from '../platform/regexp-guard.js'
import {parseRe2, type Re2Tree} from './syntax.js'
import {analyzeRe2, emitJs, linearEngineCanRun, needsUnicode} from './translate.js'
import {Re2Vm} from './vm.js'

/** A match: group texts (undefined for groups that did not take part) and the match start. */
export interface Re2Match {
  readonly [group: number]: string | undefined
  readonly length: number
  /** UTF-16 offset of the match in the input. */
  readonly index: number
}

export interface Re2Regex {
  /** The RE2 source. */
  readonly source: string
  /** Number of capturing groups. */
  readonly groups: number
  /** names[g]: the name of group g, '' when unnamed (Go's SubexpNames). */
  readonly names: readonly string[]
  /** 'js' when native RegExp runs (at least) surrogate-free text, 'vm' when the VM runs everything. */
  readonly engine: 'js' | 'vm'
  /** The JS RegExp source (for the `u` flag) when the translation is exact. */
  readonly jsSource?: string
  /** Why the VM is used, when it is. */
  readonly vmReason?: string
  /** Nested unbounded quantifiers. */
  readonly nestedUnbounded: boolean
  /** A backtracking engine could take exponential time (see analyzeRe2). */
  readonly exponentialRisk: boolean
  /** A backtracking engine could take super-quadratic time (see analyzeRe2). */
  readonly backtrackRisk: boolean
  /** True when the match is found somewhere in the text. */
  test(text: string): boolean
  /**
   * The leftmost-first match, or null. Read group g at index `groupIndex(g)` (groups the
   * caller did not declare used are not captured).
   */
  exec(text: string): Re2Match | null
  /** Where group g (0 = whole match) is in exec's result; -1 when it is not captured. */
  groupIndex(group: number): number
}

export interface CompileRe2Options {
  /** Always use the VM (for tests comparing engines). */
  forceVm?: boolean
  /**
   * The capture groups whose values are read (default: all). Others become non-capturing,
   * which is faster and lets more patterns run natively. An empty set for test-only use.
   */
  usedGroups?: ReadonlySet<number>
  /** Whether V8's linear-time guard is on (default: asked from src/platform). For tests. */
  guard?: boolean
}

const SURROGATE = /[\uD800-\uDFFF]/

/**
 * What compiling a pattern derives from its syntax tree, as plain data (the content cache keeps
 * it between runs): the analysis, the engine chosen and the native sources.
 */
interface Re2Translation {
  groups: number
  names: string[]
  nestedUnbounded: boolean
  exponentialRisk: boolean
  backtrackRisk: boolean
  vmReason?: string
  /** The `u` source (native engine). */
  jsSource?: string
  /** The source for surrogate-free text, when it differs in need (absent: the `u` regex runs all text). */
  bmpSource?: string
}

function translate(tree: Re2Tree, options: CompileRe2Options): Re2Translation {
  const used = options.usedGroups
  const analysis = analyzeRe2(tree, used === undefined ? () => true : (g) => used.has(g))
  const out: Re2Translation = {
    groups: tree.groups,
    names: [...tree.names],
    nestedUnbounded: analysis.nestedUnbounded,
    exponentialRisk: analysis.exponentialRisk,
    backtrackRisk: analysis.backtrackRisk,
  }
  let vmReason = options.forceVm === true ? 'forced' : analysis.inexact[0]
  // Exponential risk on a regex the guard does not cover: the VM for every line. (Polynomial
  // risk there stays on native matching: bounded by the line length, and too common to give up
  // native speed for, e.g. every pattern using HOSTNAME, whose {0,62} the linear engine refuses.)
  if (vmReason === undefined && analysis.exponentialRisk) {
    const guard = options.guard ?? regexpGuardActive()
    if (!guard) vmReason = 'backtracking risk and the linear-time regexp guard is off'
    else if (!linearEngineCanRun(tree.root)) vmReason = 'backtracking risk the linear-time regexp guard cannot cover'
  }
  if (vmReason !== undefined) return {...out, vmReason}
  // only the groups read stay capturing (fewer captures, faster native matching)
  const keep = used === undefined ? undefined : (g: number) => used.has(g)
  // Lookahead guards only where they cannot take V8's linear-time fallback away (that engine runs no
  // lookahead): no backtracking risk at all, or polynomial risk on a regex the fallback refuses anyway
  // (grok's HOSTNAME, {0,62}). Exponential risk never gets here on the native engine without it.
  const guards = !analysis.exponentialRisk && (!analysis.backtrackRisk || !linearEngineCanRun(tree.root))
  out.jsSource = emitJs(tree, 'unicode', keep, guards)
  if (!needsUnicode(tree.root)) out.bmpSource = emitJs(tree, 'bmp', keep, guards)
  return out
}

/** The content cache's key of a compilation: the source and every option the translation reads. */
function translationKey(source: string, options: CompileRe2Options): string {
  const used = options.usedGroups === undefined ? '*' : [...options.usedGroups].sort((a, b) => a - b).join(',')
  return cacheKey('re2', source, used, options.forceVm === true ? 'vm' : '', String(options.guard ?? regexpGuardActive()))
}

/** Throws Re2SyntaxError for invalid RE2. */
export function compileRe2(source: string, options: CompileRe2Options = {}, tree?: Re2Tree): Re2Regex {
  const cache = tree === undefined ? activeContentCache() : undefined
  let parsed = tree
  const treeOf = (): Re2Tree => (parsed ??= parseRe2(source))
  const t = cache === undefined ? translate(treeOf(), options) : cache.memo('re2', translationKey(source, options), () => translate(treeOf(), options))
  const used = options.usedGroups
  // the VM needs the syntax tree: parsed when it first runs (a cached translation has none)
  let vm: Re2Vm | undefined
  const theVm = (): Re2Vm => (vm ??= new Re2Vm(treeOf(), used))
  if (t.vmReason !== undefined || t.jsSource === undefined) {
    return re2Regex(source, t, 'vm', (text) => theVm().test(text), (text) => theVm().exec(text), (g) => (g >= 0 && g <= t.groups ? g : -1))
  }
  const renumber = new Int32Array(t.groups + 1).fill(-1)
  renumber[0] = 0
  for (let g = 1, next = 1; g <= t.groups; g++) if (used === undefined || used.has(g)) renumber[g] = next++
  const groupIndex = (g: number) => (g >= 0 && g <= t.groups ? renumber[g] : -1)
  const jsSource = t.jsSource
  const unicode = new RegExp(jsSource, 'u')
  const vmExec = (text: string): Re2Match | null => {
    const m = theVm().exec(text)
    if (m === null || used === undefined) return m
    const out: (string | undefined)[] = []
    for (let g = 0; g <= t.groups; g++) if (renumber[g] >= 0) out[renumber[g]] = m[g]
    return Object.assign(out, {index: m.index})
  }
  // text only the unguarded `u` regex could run: the VM takes it when backtracking could explode
  const risk = t.backtrackRisk
  const fullExec = risk ? vmExec : (text: string) => unicode.exec(text)
  const fullTest = risk ? (text: string) => theVm().test(text) : (text: string) => unicode.test(text)
  if (t.bmpSource === undefined) return re2Regex(source, t, 'js', fullTest, fullExec, groupIndex)
  const bmp = new RegExp(t.bmpSource)
  return re2Regex(
    source,
    t,
    'js',
    (text) => (SURROGATE.test(text) ? fullTest(text) : bmp.test(text)),
    (text) => (SURROGATE.test(text) ? fullExec(text) : bmp.exec(text)),
    groupIndex,
  )
}

/**
 * A compiled regex as one object literal with every field in one order, whichever engine runs
 * it, so that all of them share one V8 map: callers read `re.test` and `re.exec` on every line,
 * and objects made by spreading a common part each got a map of their own (such reads then go
 * megamorphic).
 */
function re2Regex(source: string, t: Re2Translation, engine: 'js' | 'vm', test: Re2Regex['test'], exec: Re2Regex['exec'], groupIndex: Re2Regex['groupIndex']): Re2Regex {
  return {
    source,
    groups: t.groups,
    names: t.names,
    engine,
    jsSource: engine === 'js' ? t.jsSource : undefined,
    vmReason: engine === 'vm' ? t.vmReason : undefined,
    nestedUnbounded: t.nestedUnbounded,
    exponentialRisk: t.exponentialRisk,
    backtrackRisk: t.backtrackRisk,
    test,
    exec,
    groupIndex,
  } satisfies {[K in keyof Required<Re2Regex>]: Re2Regex[K]} // a field added to the interface must be listed here
}
