/**
 * A literal prefilter for scenario filters. Most HTTP scenario filters end in a literal test
 * (`Upper(evt.Meta.http_path) contains "..."`, `matches '...'`, `any(File(..), {X contains #})`)
 * that a benign line never passes, yet every filter runs on every line. At load, each pure
 * filter gets a *necessary condition* in CNF over atoms (subject, literal): when one clause has
 * no literal present in its subject, the filter is certain to evaluate to `false` WITHOUT
 * error, and the detector skips it (same outcome as running it). Per event each distinct
 * subject is evaluated once (through the scenarios' shared memo, so `Upper(...)` is shared with
 * the filters) and searched for all its literals in one pass (LiteralMultiSearch).
 *
 * Analysis, per node N: C(N) = clauses such that an unsatisfied clause implies N is false
 * without error; S(N) = N always gives a boolean without error.
 *   A && B   C = C(A) ∪ (S(A) ? C(B) : ∅)          S = S(A) ∧ S(B)
 *   A || B   C = {cA ∪ cB} (best clause of each)    S = S(A) ∧ S(B)
 *   not A    C = ∅                                   S = S(A)
 *   X contains|startsWith|endsWith L  -> {{(X, L)}}; X == L -> a weak atom (cheap tests: kept only
 *   in a clause with a strong one, or in a list of 8+ long values, see worthScanning); X matches
 *   'c' -> the regex's required literals (regex/literals.ts);
 *   any(File('c'), {X op f(#)}) -> {(X, f(line)) for each line} ([] when the file is empty:
 *   never satisfied; none when some f(line) is ''); any(File('c'), {X matches f(#)}) and
 *   RegexpInFile(X, 'c') -> the union of the lines' required literals (none when a line has
 *   none, or past 64 literals; any(..matches..) not at all when a line does not compile, which
 *   fails the filter).
 *   let v = E; body  -> v is a subject when E is one (E error-free), C = C(body).
 * A subject is evt.Meta.K / evt.Parsed.K / evt.Enriched.K (string maps: a missing key is '')
 * wrapped in Upper, Lower, PathUnescape or QueryUnescape (string -> string, never failing), or
 * a let variable bound to one. Anything else has C = ∅, S = false.
 */
import {compileExpr, eventFn, parseExpr, type EventFn, type Program, type SharedMemo} from '../expr/index.js'
import type * as AST from '../expr/ast.js'
import {goToLower, goToUpper, isAsciiText} from '../model/go-case.js'
import {resolveHelperTable} from '../expr/helper-table.js'
import {LiteralMultiSearch} from '../expr/literal-search.js'
import {print} from '../expr/print.js'
import {isPureTree} from '../expr/purity.js'
import {compileRe2, requiredLiteralsOf} from '../regex/index.js'
import {scenarioRecord, type CompileContext, type CompiledScenario} from './compile.js'
import {scenarioEffects} from './filter-share.js'

/** One atom: `literal` occurs in the value of the subject (printed expression source). */
export interface Atom {
  subject: string
  literal: string
  /** From an equality test (`==`, `in`): cheap to run, not worth a clause on its own. */
  weak: boolean
}

export type Clause = Atom[]

export interface FilterAnalysis {
  /** Unsatisfied clause -> the filter is false without error. */
  clauses: Clause[]
  /** The filter always gives a boolean without error. */
  safe: boolean
}

export interface AnalysisContext {
  /** Whether a helper of this name exists (a call of an unknown helper is never a subject). */
  hasHelper(name: string): boolean
  /** The lines of a data file as File() returns them, undefined when unknown. */
  fileLines(name: string): readonly string[] | undefined
  /** The RE2 lines of a regexp data file as RegexpInFile() tests them, undefined when unknown. */
  regexpLines?(name: string): readonly string[] | undefined
}

/** The prefilter of a scenario: its clauses with compiled subjects. */
export interface ScenarioPrefilter {
  clauses: {subject: PrefilterSubject; literal: string}[][]
}

export interface PrefilterSubject {
  key: string
  program: Program
  /** `Upper(X)` / `Lower(X)`: X's program, for the case-insensitive pre-test on ASCII text. */
  folded?: {fold: 'upper' | 'lower'; inner: Program}
  /**
   * The map read under the subject's wrappers (`evt.Meta.http_path` for
   * `Upper(QueryUnescape(evt.Meta.http_path))`), for the pre-test shared by the subjects of one
   * base; `unescape` is the strongest unescaping among the wrappers.
   */
  base: {key: string; program: Program; unescape: Unescaping}
}

/** Which characters a subject's wrappers would decode: none, `%XX` (PathUnescape), or `%XX` and `+` (QueryUnescape). */
export type Unescaping = 'none' | 'path' | 'query'

/** What each subject wrapper decodes (Upper and Lower none). */
const UNESCAPING_OF: Readonly<Record<string, Unescaping>> = {PathUnescape: 'path', QueryUnescape: 'query'}

function strongerUnescaping(a: Unescaping, b: Unescaping): Unescaping {
  return a === 'query' || b === 'query' ? 'query' : a === 'path' || b === 'path' ? 'path' : 'none'
}

const SUBJECT_MAPS: ReadonlySet<string> = new Set(['Meta', 'Parsed', 'Enriched'])
/** Helpers string -> string that never fail on a string. */
const SUBJECT_WRAPPERS: ReadonlySet<string> = new Set(['Upper', 'Lower', 'PathUnescape', 'QueryUnescape'])
const SCANS: ReadonlySet<string> = new Set(['contains', 'startsWith', 'endsWith'])
/** Clauses kept per scenario (checked in order; the first unsatisfied one skips it). */
const MAX_CLAUSES = 3

/** let name -> the subject it is bound to, or null (bound to something else). */
type Scope = ReadonlyMap<string, AST.Node | null>

const NONE: FilterAnalysis = {clauses: [], safe: false}

function strongest(clauses: Clause[]): Clause | undefined {
  let best: Clause | undefined
  let bestScore = -Infinity
  for (const c of clauses) {
    const s = clauseScore(c)
    if (s > bestScore) {
      best = c
      bestScore = s
    }
  }
  return best
}

/** Higher = less likely satisfied: a strong atom, long literals, few atoms. */
function clauseScore(c: Clause): number {
  if (c.length === 0) return Infinity
  let min = Infinity
  let strong = false
  for (const a of c) {
    min = Math.min(min, a.literal.length)
    if (!a.weak) strong = true
  }
  return (strong ? 1e6 : 0) + Math.min(min, 100) * 1000 - c.length
}

export function analyseFilter(source: string, ctx: AnalysisContext): FilterAnalysis {
  let root: AST.Node
  try {
    root = parseExpr(source)
  } catch {
    return NONE
  }
  if (!isPureTree(root)) return NONE
  return analyse(root, new Map(), ctx)
}

function isHelperCall(node: AST.Node, names: ReadonlySet<string>, scope: Scope, ctx: AnalysisContext): node is AST.CallNode {
  return node.type === 'Call' && node.callee.type === 'Identifier' && names.has(node.callee.name) && !scope.has(node.callee.name) &&
    ctx.hasHelper(node.callee.name) && node.args.length === 1
}

/** The subject expression N stands for (let variables replaced), or undefined. */
export function subjectOf(node: AST.Node, scope: Scope, ctx: AnalysisContext): AST.Node | undefined {
  if (node.type === 'Identifier') return scope.get(node.name) ?? undefined
  if (node.type === 'Member') {
    const o = node.object
    if (node.optional || node.method || node.property.type !== 'String') return undefined
    if (o.type !== 'Member' || o.optional || o.method || o.property.type !== 'String' || !SUBJECT_MAPS.has(o.property.value)) return undefined
    if (o.object.type !== 'Identifier' || o.object.name !== 'evt' || scope.has('evt')) return undefined
    return node
  }
  if (isHelperCall(node, SUBJECT_WRAPPERS, scope, ctx)) {
    const inner = subjectOf(node.args[0]!, scope, ctx)
    return inner === undefined ? undefined : {...node, args: [inner]}
  }
  return undefined
}

/** The value of a constant string expression (a literal, Upper/Lower of one), or undefined. */
function constString(node: AST.Node, scope: Scope, ctx: AnalysisContext): string | undefined {
  if (node.type === 'String') return node.value
  if (isHelperCall(node, new Set(['Upper', 'Lower']), scope, ctx)) {
    const v = constString(node.args[0]!, scope, ctx)
    if (v === undefined) return undefined
    return (node.callee as AST.IdentifierNode).name === 'Upper' ? goToUpper(v) : goToLower(v)
  }
  return undefined
}

/** A string that evaluates without error: a subject or a constant string. */
function isStringValue(node: AST.Node, scope: Scope, ctx: AnalysisContext): boolean {
  return subjectOf(node, scope, ctx) !== undefined || constString(node, scope, ctx) !== undefined
}

function atom(subject: AST.Node, literal: string, weak: boolean): Atom {
  return {subject: print(subject), literal, weak}
}

function analyse(node: AST.Node, scope: Scope, ctx: AnalysisContext): FilterAnalysis {
  switch (node.type) {
    case 'Bool':
      return {clauses: node.value ? [] : [[]], safe: true}
    case 'Unary':
      if (node.operator !== 'not' && node.operator !== '!') return NONE
      return {clauses: [], safe: analyse(node.operand, scope, ctx).safe}
    case 'VariableDeclarator': {
      const subject = subjectOf(node.init, scope, ctx)
      const constant = subject === undefined && constString(node.init, scope, ctx) !== undefined
      if (subject === undefined && !constant) return NONE // the init may fail before the body runs
      const inner = new Map(scope)
      inner.set(node.name, subject ?? null)
      return analyse(node.body, inner, ctx)
    }
    case 'Builtin':
      return node.name === 'any' ? analyseAny(node, scope, ctx) : NONE
    case 'Call':
      return analyseRegexpInFile(node, scope, ctx)
    case 'Binary':
      return analyseBinary(node, scope, ctx)
    default:
      return NONE
  }
}

function analyseBinary(node: AST.BinaryNode, scope: Scope, ctx: AnalysisContext): FilterAnalysis {
  const op = node.operator
  if (op === '&&' || op === 'and') {
    const a = analyse(node.left, scope, ctx)
    const b = analyse(node.right, scope, ctx)
    return {clauses: a.safe ? [...a.clauses, ...b.clauses] : a.clauses, safe: a.safe && b.safe}
  }
  if (op === '||' || op === 'or') {
    const a = analyse(node.left, scope, ctx)
    const b = analyse(node.right, scope, ctx)
    const ca = strongest(a.clauses)
    const cb = strongest(b.clauses)
    return {clauses: ca !== undefined && cb !== undefined ? [[...ca, ...cb]] : [], safe: a.safe && b.safe}
  }
  if (SCANS.has(op)) {
    if (!isStringValue(node.left, scope, ctx) || !isStringValue(node.right, scope, ctx)) return NONE
    const subject = subjectOf(node.left, scope, ctx)
    const literal = constString(node.right, scope, ctx)
    if (subject === undefined || literal === undefined || literal === '') return {clauses: [], safe: true}
    return {clauses: [[atom(subject, literal, false)]], safe: true}
  }
  if (op === '==' || op === '!=') {
    const ok = (n: AST.Node): boolean => n.type === 'Nil' || isStringValue(n, scope, ctx)
    if (!ok(node.left) || !ok(node.right)) return NONE
    if (op === '!=') return {clauses: [], safe: true}
    for (const [x, y] of [[node.left, node.right], [node.right, node.left]] as const) {
      const subject = subjectOf(x, scope, ctx)
      const literal = constString(y, scope, ctx)
      if (subject !== undefined && literal !== undefined && literal !== '') return {clauses: [[atom(subject, literal, true)]], safe: true}
    }
    return {clauses: [], safe: true}
  }
  if (op === 'in') {
    if (!isStringValue(node.left, scope, ctx) || node.right.type !== 'Array') return NONE
    const values = node.right.elements.map((e) => constString(e, scope, ctx))
    if (values.some((v) => v === undefined)) return NONE
    const subject = subjectOf(node.left, scope, ctx)
    if (subject === undefined || values.some((v) => v === '')) return {clauses: [], safe: true}
    return {clauses: [values.map((v) => atom(subject, v!, true))], safe: true}
  }
  if (op === 'matches') {
    const pattern = constString(node.right, scope, ctx)
    if (pattern === undefined || !isStringValue(node.left, scope, ctx)) return NONE
    let literals: string[] | undefined
    try {
      compileRe2(pattern)
      literals = requiredLiteralsOf(pattern)
    } catch {
      return NONE // fails when compiled: leave it to the filter
    }
    const subject = subjectOf(node.left, scope, ctx)
    if (subject === undefined || literals === undefined) return {clauses: [], safe: true}
    return {clauses: [literals.map((l) => atom(subject, l, false))], safe: true}
  }
  return NONE
}

/** Literals of a clause from a list of regexes beyond which the quick test costs more than the filter. */
const MAX_REGEXP_FILE_LITERALS = 64

/**
 * The clause `subject` contains one of the required literals of one of `patterns` (each RE2), or
 * {clauses: [], safe: true} when some pattern requires none or there are too many. An empty list
 * is never matched: the clause with no atom.
 */
function regexListClause(subject: AST.Node, patterns: readonly string[]): FilterAnalysis {
  const literals = new Set<string>()
  for (const pattern of patterns) {
    let required: string[] | undefined
    try {
      required = requiredLiteralsOf(pattern)
    } catch {
      required = undefined
    }
    if (required === undefined) return {clauses: [], safe: true}
    for (const l of required) literals.add(l)
    if (literals.size > MAX_REGEXP_FILE_LITERALS) return {clauses: [], safe: true}
  }
  return {clauses: [[...literals].map((l) => atom(subject, l, false))], safe: true}
}

/**
 * `RegexpInFile(X, 'file')`: true when one line's regex matches X, so one of the lines' required
 * literals occurs in X (one clause, the union); no clause when a line has none.
 */
function analyseRegexpInFile(node: AST.CallNode, scope: Scope, ctx: AnalysisContext): FilterAnalysis {
  if (node.callee.type !== 'Identifier' || node.callee.name !== 'RegexpInFile' || scope.has('RegexpInFile') || !ctx.hasHelper('RegexpInFile')) return NONE
  const [text, file] = node.args
  if (node.args.length !== 2 || text === undefined || file === undefined || file.type !== 'String' || !isStringValue(text, scope, ctx)) return NONE
  const lines = ctx.regexpLines?.(file.value)
  if (lines === undefined) return NONE
  const subject = subjectOf(text, scope, ctx)
  if (subject === undefined) return {clauses: [], safe: true}
  return regexListClause(subject, lines)
}

/** `any(File('const'), {X op f(#)})`, op contains/startsWith/endsWith/==/matches, f identity/Upper/Lower. */
function analyseAny(node: AST.BuiltinNode, scope: Scope, ctx: AnalysisContext): FilterAnalysis {
  const [list, predicate] = node.args
  if (list === undefined || predicate === undefined || node.args.length !== 2) return NONE
  if (list.type !== 'Call' || list.callee.type !== 'Identifier' || list.callee.name !== 'File' || scope.has('File') || !ctx.hasHelper('File')) return NONE
  if (list.args.length !== 1 || list.args[0]!.type !== 'String') return NONE
  const body = predicate.type === 'Predicate' ? predicate.body : predicate
  if (body.type !== 'Binary' || !(SCANS.has(body.operator) || body.operator === '==' || body.operator === 'matches')) return NONE
  const subject = subjectOf(body.left, scope, ctx)
  if (subject === undefined) return NONE
  let f: ((s: string) => string) | undefined
  const e = body.right
  if (e.type === 'Pointer' && e.name === '') f = (s) => s
  else if (isHelperCall(e, new Set(['Upper', 'Lower']), scope, ctx) && e.args[0]!.type === 'Pointer' && (e.args[0] as AST.PointerNode).name === '') {
    f = (e.callee as AST.IdentifierNode).name === 'Upper' ? goToUpper : goToLower
  }
  if (f === undefined) return NONE
  const lines = ctx.fileLines(list.args[0].value)
  if (lines === undefined || !lines.every((l) => typeof l === 'string')) return NONE
  const literals = lines.map(f)
  if (body.operator === 'matches') {
    // every pattern must compile: one that does not fails the filter when it is reached
    try {
      for (const pattern of literals) compileRe2(pattern)
    } catch {
      return NONE
    }
    return regexListClause(subject, literals)
  }
  if (literals.includes('')) return {clauses: [], safe: true}
  const weak = body.operator === '=='
  return {clauses: [literals.map((l) => atom(subject, l, weak))], safe: true}
}

/**
 * A clause of equality atoms only is worth a literal scan when it is a list (a data file's
 * `any(File(..), {X == #})`): the filter's set lookup runs on every event, the scan of the
 * subject for literals this long rarely finds one. A few short values (`evt.Parsed.verb in
 * ['GET', 'HEAD']`) are cheaper to leave to the filter and the dispatch.
 */
const WEAK_LIST_MIN_ATOMS = 8
const WEAK_LIST_MIN_LITERAL = 4

function worthScanning(c: Clause): boolean {
  if (c.some((a) => a.literal.length < 2)) return false
  if (c.some((a) => !a.weak)) return true
  return c.length >= WEAK_LIST_MIN_ATOMS && c.every((a) => a.literal.length >= WEAK_LIST_MIN_LITERAL)
}

/** The clauses worth checking at run time: a strong atom each or a list of long values, literals of 2+ characters. */
export function usefulClauses(clauses: Clause[]): Clause[] {
  const seen = new Set<string>()
  const out: Clause[] = []
  for (const c of clauses) {
    if (c.length > 0 && !worthScanning(c)) continue
    const key = JSON.stringify(c.map((a) => [a.subject, a.literal]).sort())
    if (seen.has(key)) continue
    seen.add(key)
    out.push(c)
  }
  out.sort((a, b) => clauseScore(b) - clauseScore(a))
  return out.slice(0, MAX_CLAUSES)
}

/**
 * Gives each scenario whose filter has a useful necessary condition a `prefilter` (new
 * scenario objects; the others are returned as they are). Subjects are compiled once, with the
 * scenarios' shared sub-expression memo.
 */
export function attachPrefilters(scenarios: readonly CompiledScenario[], ctx: Pick<CompileContext, 'helpers' | 'memo'> = {}): CompiledScenario[] {
  const lineCache = new Map<string, readonly string[] | undefined>()
  const table = resolveHelperTable(ctx.helpers)
  const actx: AnalysisContext = {
    hasHelper: (name) => table !== undefined && Object.hasOwn(table, name),
    regexpLines: (name) => ctx.helpers?.data.regexps(name)?.sources,
    fileLines(name) {
      if (lineCache.has(name)) return lineCache.get(name)
      let lines: readonly string[] | undefined
      try {
        const v = compileExpr(`File(${JSON.stringify(name)})`, {env: 'any', helpers: ctx.helpers}).run({})
        lines = Array.isArray(v) ? (v as string[]).slice() : undefined
      } catch {
        lines = undefined
      }
      lineCache.set(name, lines)
      return lines
    },
  }
  const subjects = new Map<string, PrefilterSubject | null>()
  const subjectFor = (key: string): PrefilterSubject | null => {
    let s = subjects.get(key)
    if (s === undefined) {
      try {
        const compile = (src: string): Program => compileExpr(src, {env: 'event', helpers: ctx.helpers, memo: ctx.memo})
        const program = compile(key)
        const node = parseExpr(key)
        // subjectOf made it: map reads inside Upper, Lower, PathUnescape and QueryUnescape calls
        let inner = node
        let unescape: Unescaping = 'none'
        while (inner.type === 'Call' && inner.callee.type === 'Identifier' && SUBJECT_WRAPPERS.has(inner.callee.name) && inner.args.length === 1) {
          unescape = strongerUnescaping(unescape, UNESCAPING_OF[inner.callee.name] ?? 'none')
          inner = inner.args[0]!
        }
        const baseKey = print(inner)
        s = {key, program, base: {key: baseKey, program: baseKey === key ? program : compile(baseKey), unescape}}
        if (node.type === 'Call' && node.callee.type === 'Identifier' && (node.callee.name === 'Upper' || node.callee.name === 'Lower') && node.args.length === 1) {
          s.folded = {fold: node.callee.name === 'Upper' ? 'upper' : 'lower', inner: compile(print(node.args[0]!))}
        }
      } catch {
        s = null
      }
      subjects.set(key, s)
    }
    return s
  }
  return scenarios.map((s) => {
    if (scenarioEffects(s)) return s
    const clauses = usefulClauses(analyseFilter(s.filterText, actx).clauses)
    if (clauses.length === 0) return s
    const compiled: ScenarioPrefilter['clauses'] = []
    for (const c of clauses) {
      const atoms: ScenarioPrefilter['clauses'][number] = []
      for (const a of c) {
        const subject = subjectFor(a.subject)
        if (subject === null) return s
        atoms.push({subject, literal: a.literal})
      }
      compiled.push(atoms)
    }
    return scenarioRecord({...s, prefilter: {clauses: compiled}})
  })
}

/**
 * The per-detector run-time side: every prefiltered scenario's clauses, subjects interned
 * (one LiteralMultiSearch each). `next()` forgets subject values and clause states (a new
 * event, or the event may have changed); `pass(ids, evt)` is false when a clause is unsatisfied.
 */
/** Texts longer than this skip the quick test (a literal alternation costs up to text × literals steps). */
const QUICK_MAX_TEXT = 2048

const REGEX_SPECIAL = /[\\^$.*+?()[\]{}|]/g

/**
 * A regex that matches when one of the literals occurs (an alternation of escaped literals: it
 * never backtracks more than one literal's length per position), or null when a literal is ''
 * (every text holds it) or there is none.
 */
export function anyLiteralRegExp(literals: readonly string[], flags = ''): RegExp | null {
  if (literals.length === 0 || literals.includes('')) return null
  return new RegExp(literals.map((l) => l.replace(REGEX_SPECIAL, '\\$&')).join('|'), flags)
}

/**
 * For a subject `Upper(X)` (`Lower(X)`) and ASCII X: Go's case mapping of ASCII text maps a-z to
 * A-Z (A-Z to a-z) and nothing else, so a literal occurs in the folded text exactly when it has
 * no lowercase (uppercase) and no non-ASCII letter and occurs in X ignoring ASCII case — which
 * JS's non-unicode `i` flag does for ASCII text. 'never': no literal can occur; null: no pre-test
 * (some literal is '' and occurs everywhere).
 */
export function foldedLiteralRegExp(fold: 'upper' | 'lower', literals: readonly string[]): RegExp | 'never' | null {
  const impossible = fold === 'upper' ? /[a-z\u0080-\uffff]/ : /[A-Z\u0080-\uffff]/
  const possible = literals.filter((l) => !impossible.test(l))
  if (possible.length === 0) return 'never'
  return anyLiteralRegExp(possible, 'i')
}

interface IndexedSubject {
  fn: EventFn
  quick: RegExp | null
  /** Folded subjects: X and the pre-test on ASCII X (see foldedLiteralRegExp). */
  inner: EventFn | null
  folded: RegExp | 'never' | null
  search: LiteralMultiSearch
  literalClauses: Int32Array[]
  clauses: Int32Array
  /** The pre-test this subject shares with the others of its base, -1 when none. */
  group: number
}

/**
 * Subjects over one base X (`X`, `Upper(X)`, `Lower(PathUnescape(X))`...) tested together first:
 * when X is ASCII and holds nothing its wrappers would decode, each subject's value is X with
 * some ASCII letters' case changed, so a literal in it occurs in X ignoring ASCII case. One
 * case-insensitive regex of all their literals finding none in X says no subject holds one
 * (one native scan where each subject took its own: V8 tests one alternation of all the
 * literals faster than the subjects' alternations one after the other).
 */
interface SubjectGroup {
  base: EventFn
  unescape: Unescaping
  test: RegExp
  members: Int32Array
}

export class PrefilterIndex {
  private readonly subjects: IndexedSubject[] = []
  private readonly groups: SubjectGroup[] = []
  private readonly clauseSubjects: Int32Array[] = []
  private clauseEpochs = new Uint32Array(0)
  private subjectEpochs = new Uint32Array(0)
  private groupEpochs = new Uint32Array(0)
  private epoch = 1
  /** Clause ids per scenario (by scenario object). */
  private readonly byScenario = new Map<CompiledScenario, Int32Array>()
  private current: Int32Array[] = []
  private readonly mark = (id: number): void => {
    const cs = this.current[id]!
    for (let k = 0; k < cs.length; k++) this.clauseEpochs[cs[k]!] = this.epoch
  }

  /** undefined when no scenario has a prefilter. */
  static build(scenarios: readonly CompiledScenario[]): PrefilterIndex | undefined {
    if (!scenarios.some((s) => s.prefilter !== undefined)) return undefined
    return new PrefilterIndex(scenarios)
  }

  private constructor(scenarios: readonly CompiledScenario[]) {
    const subjectIds = new Map<string, number>()
    const subjectPrograms: PrefilterSubject[] = []
    const subjectLiterals: Map<string, number[]>[] = [] // literal -> clause ids
    const clauseIds = new Map<string, number>()
    for (const s of scenarios) {
      if (s.prefilter === undefined) continue
      const ids: number[] = []
      for (const clause of s.prefilter.clauses) {
        const key = JSON.stringify(clause.map((a) => [a.subject.key, a.literal]).sort())
        let id = clauseIds.get(key)
        if (id === undefined) {
          id = clauseIds.size
          clauseIds.set(key, id)
          const subjectsOfClause = new Set<number>()
          for (const a of clause) {
            let sid = subjectIds.get(a.subject.key)
            if (sid === undefined) {
              sid = subjectIds.size
              subjectIds.set(a.subject.key, sid)
              subjectPrograms.push(a.subject)
              subjectLiterals.push(new Map())
            }
            subjectsOfClause.add(sid)
            const lits = subjectLiterals[sid]!
            const list = lits.get(a.literal)
            if (list === undefined) lits.set(a.literal, [id])
            else if (!list.includes(id)) list.push(id)
          }
          this.clauseSubjects.push(Int32Array.from(subjectsOfClause))
        }
        ids.push(id)
      }
      this.byScenario.set(s, Int32Array.from(ids))
    }
    // subjects by base, in order of first use
    const byBase = new Map<string, number[]>()
    subjectPrograms.forEach((subject, sid) => {
      const same = byBase.get(subject.base.key)
      if (same === undefined) byBase.set(subject.base.key, [sid])
      else same.push(sid)
    })
    const groupOf = new Int32Array(subjectPrograms.length).fill(-1)
    for (const members of byBase.values()) {
      if (members.length < 2) continue
      const test = anyLiteralRegExp([...new Set(members.flatMap((sid) => [...subjectLiterals[sid]!.keys()]))], 'i')
      if (test === null) continue
      const first = subjectPrograms[members[0]!]!.base
      const unescape = members.reduce<Unescaping>((u, sid) => strongerUnescaping(u, subjectPrograms[sid]!.base.unescape), 'none')
      for (const sid of members) groupOf[sid] = this.groups.length
      this.groups.push({base: eventFn(first.program), unescape, test, members: Int32Array.from(members)})
    }
    subjectPrograms.forEach((subject, sid) => {
      const lits = subjectLiterals[sid]!
      const literals = [...lits.keys()]
      const clauses = new Set<number>()
      for (const list of lits.values()) for (const c of list) clauses.add(c)
      const folded = subject.folded === undefined ? null : foldedLiteralRegExp(subject.folded.fold, literals)
      this.subjects.push({
        fn: eventFn(subject.program),
        quick: anyLiteralRegExp(literals),
        inner: folded === null ? null : eventFn(subject.folded!.inner),
        folded,
        search: new LiteralMultiSearch(literals),
        literalClauses: literals.map((l) => Int32Array.from(lits.get(l)!)),
        clauses: Int32Array.from(clauses),
        group: groupOf[sid]!,
      })
    })
    this.clauseEpochs = new Uint32Array(clauseIds.size)
    this.subjectEpochs = new Uint32Array(this.subjects.length)
    this.groupEpochs = new Uint32Array(this.groups.length)
  }

  /** The clause ids of a scenario, null when it has no prefilter. */
  clausesOf(s: CompiledScenario): Int32Array | null {
    return this.byScenario.get(s) ?? null
  }

  get subjectCount(): number {
    return this.subjects.length
  }

  /** Subjects that share a pre-test with others of their base. */
  get groupedSubjectCount(): number {
    return this.groups.reduce((n, g) => n + g.members.length, 0)
  }

  /** Forgets every subject value and clause state. */
  next(): void {
    if (++this.epoch === 0xffffffff) {
      this.clauseEpochs.fill(0)
      this.subjectEpochs.fill(0)
      this.groupEpochs.fill(0)
      this.epoch = 1
    }
  }

  /** False when some clause of `clauses` has no literal in its subjects (the filter is surely false). */
  pass(clauses: Int32Array, evt: object): boolean {
    const epoch = this.epoch
    for (let i = 0; i < clauses.length; i++) {
      const c = clauses[i]!
      if (this.clauseEpochs[c] === epoch) continue
      const subjects = this.clauseSubjects[c]!
      for (let k = 0; k < subjects.length && this.clauseEpochs[c] !== epoch; k++) this.scan(subjects[k]!, evt)
      if (this.clauseEpochs[c] !== epoch) return false
    }
    return true
  }

  /** Evaluates a subject once per epoch and marks the clauses its literals satisfy. */
  private scan(sid: number, evt: object): void {
    const epoch = this.epoch
    if (this.subjectEpochs[sid] === epoch) return
    const subject = this.subjects[sid]!
    const g = subject.group
    if (g !== -1 && this.groupEpochs[g] !== epoch) {
      this.groupEpochs[g] = epoch
      if (this.groupHoldsNone(this.groups[g]!, evt)) {
        // no subject of the base holds a literal: each is scanned, none satisfies a clause
        const members = this.groups[g]!.members
        for (let k = 0; k < members.length; k++) this.subjectEpochs[members[k]!] = epoch
        return
      }
    }
    this.subjectEpochs[sid] = epoch
    let value: unknown
    if (subject.inner !== null) {
      // Upper(X)/Lower(X) of ASCII X: test X itself, the folded text is computed only on a hit
      try {
        value = subject.inner(evt)
      } catch {
        value = undefined
      }
      if (typeof value === 'string' && value.length <= QUICK_MAX_TEXT && isAsciiText(value)) {
        const folded = subject.folded!
        if (folded === 'never' || !folded.test(value)) return
      }
    }
    try {
      value = subject.fn(evt)
    } catch {
      value = undefined
    }
    if (typeof value !== 'string') {
      // cannot happen for string maps; every scenario of this subject stays a candidate
      const cs = subject.clauses
      for (let k = 0; k < cs.length; k++) this.clauseEpochs[cs[k]!] = epoch
      return
    }
    this.current = subject.literalClauses
    // most texts hold none of the literals: one native regex test says so, the scan finds which ones otherwise
    if (subject.quick !== null && value.length <= QUICK_MAX_TEXT && !subject.quick.test(value)) return
    subject.search.scan(value, this.mark)
  }

  /** True when the group's base X is a short ASCII string its wrappers leave as it is, holding none of the literals. */
  private groupHoldsNone(group: SubjectGroup, evt: object): boolean {
    let x: unknown
    try {
      x = group.base(evt)
    } catch {
      return false
    }
    if (typeof x !== 'string' || x.length > QUICK_MAX_TEXT || !isAsciiText(x)) return false
    if (group.unescape !== 'none' && (x.includes('%') || (group.unescape === 'query' && x.includes('+')))) return false
    return !group.test.test(x)
  }
}
