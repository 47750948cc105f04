/**
 * Cross-scenario filter sharing. Most hub filters are `&&` chains that repeat the same
 * conjuncts (`evt.Meta.log_type in [...]`, `evt.Meta.service == 'http'`...). At load, a pure
 * filter is split into its top-level conjuncts (printed back to normalised source); conjuncts
 * that appear in two or more filters are compiled once and evaluated once per event (a memo
 * keyed by an epoch counter), runs of conjuncts private to one filter are compiled together.
 *
 * Semantics are those of the whole filter: conjuncts run left to right, the first `false`
 * stops, a non-boolean conjunct of an `&&` chain is a runtime error (as `&&` makes it), and a
 * single-conjunct filter whose value is not `true` is just not matched. Filters with any
 * impure call (SetMeta, SetInStash, clocks, lookups, unknown helpers) keep their whole
 * program. The detector forgets the memo whenever an expression has written into a map
 * (`expressionWrites`, model/event.ts: SetMeta, SetParsed, UnmarshalJSON, ParseKV), so a
 * later scenario never sees a result computed before the event changed.
 */
import {compileExpr, parseExpr, type Program} from '../expr/index.js'
import {print} from '../expr/print.js'
import {isPureTree} from '../expr/purity.js'
import type {Node} from '../expr/ast.js'
import {scenarioRecord, type CompileContext, type CompiledScenario} from './compile.js'
import {throughContentCache, withContentCache} from '../platform/content-cache.js'

/** A scenario filter as a list of shared parts (each a program giving a boolean). */
export interface FilterPlan {
  readonly parts: readonly Program[]
  /** The filter is an `&&` chain: a part giving a non-boolean is an error (else it is "not matched"). */
  readonly strict: boolean
}

/** True when an expression source may change state (or read changing state): parse failures count as impure. */
export function mayHaveEffects(source: string | undefined): boolean {
  if (source === undefined || source === '') return false
  try {
    return !isPureTree(parseExpr(source))
  } catch {
    return true
  }
}

function flatten(node: Node, out: Node[]): void {
  if (node.type === 'Binary' && (node.operator === '&&' || node.operator === 'and')) {
    flatten(node.left, out)
    flatten(node.right, out)
  } else {
    out.push(node)
  }
}

/** Whether any expression of a scenario that runs during a pour may have side effects. */
export function scenarioEffects(s: CompiledScenario): boolean {
  const sources = [s.filterText, s.groupby?.source, s.distinct?.source, s.cancelOn?.source, s.condition?.source,
    ...(s.bayesian?.conditions.map((c) => c.program.source) ?? [])]
  return sources.some(mayHaveEffects)
}

/**
 * The top-level `&&` conjuncts of a filter as normalised source, or undefined when the filter
 * cannot be shared (impure conjunct, parse failure, or a print that does not round-trip).
 */
export function splitConjuncts(source: string): string[] | undefined {
  let root: Node
  try {
    root = parseExpr(source)
  } catch {
    return undefined
  }
  const nodes: Node[] = []
  flatten(root, nodes)
  const out: string[] = []
  for (const node of nodes) {
    if (!isPureTree(node)) return undefined
    const text = print(node)
    try {
      // the round trip's tree is needed only here (and the split is cached whole): not kept
      if (print(withContentCache(undefined, () => parseExpr(text))) !== text) return undefined
    } catch {
      return undefined
    }
    out.push(text)
  }
  return out
}

/**
 * Gives each scenario whose filter shares a conjunct with another one a FilterPlan (a new
 * scenario object; the others are returned as they are). Parts are compiled once per source.
 */
export function planSharedFilters(scenarios: readonly CompiledScenario[], ctx: Pick<CompileContext, 'helpers' | 'memo'> = {}): CompiledScenario[] {
  // a pure function of the filter's text: kept by the content cache (null for "cannot be shared")
  const split = scenarios.map((s) => throughContentCache('filter-conjuncts', [s.filterText], () => splitConjuncts(s.filterText) ?? null) ?? undefined)
  const uses = new Map<string, number>()
  for (const parts of split) for (const p of new Set(parts ?? [])) uses.set(p, (uses.get(p) ?? 0) + 1)
  const programs = new Map<string, Program>()
  return scenarios.map((s, i) => {
    const conjuncts = split[i]
    if (conjuncts === undefined || !conjuncts.some((c) => uses.get(c)! > 1)) return s
    // shared conjuncts alone, runs of private ones as one `&&` program (keeps their common sub-expression caches)
    const groups: string[] = []
    let run: string[] = []
    const endRun = (): void => {
      if (run.length === 1) groups.push(run[0]!)
      else if (run.length > 1) groups.push(run.map((c) => `(${c})`).join(' && '))
      run = []
    }
    for (const c of conjuncts) {
      if (uses.get(c)! > 1) {
        endRun()
        groups.push(c)
      } else {
        run.push(c)
      }
    }
    endRun()
    const parts: Program[] = []
    for (const source of groups) {
      let program = programs.get(source)
      if (program === undefined) {
        try {
          program = compileExpr(source, {env: 'event', helpers: ctx.helpers, location: {file: s.file}, memo: ctx.memo})
        } catch {
          return s // cannot happen for a source that compiled whole; keep the whole filter then
        }
        programs.set(source, program)
      }
      parts.push(program)
    }
    return scenarioRecord({...s, filterPlan: {parts, strict: conjuncts.length > 1}, exprMemo: ctx.memo ?? s.exprMemo})
  })
}

/** Memo states of a part for the current epoch. */
const TRUE = 1, FALSE = 2, OTHER = 3, ERROR = 4

/** A filter part gave a non-boolean inside an `&&` chain. */
export class NonBoolConjunctError extends Error {}

/**
 * Per-event results of the shared parts of a detector's scenarios: results for the current
 * epoch, no allocation per event. `next()` starts a new event (or invalidates after a change).
 */
export class FilterMemo {
  private readonly programs: Program[] = []
  private readonly ids = new Map<Program, number>()
  private epochs = new Uint32Array(0)
  private states = new Uint8Array(0)
  private errors: unknown[] = []
  private epoch = 1
  /**
   * Other per-event caches (the filter programs' sub-expression memos, the literal prefilter):
   * forgotten together with the parts' results.
   */
  private readonly shared: {next(): void}[] = []

  /** Advances `memo` whenever this memo forgets its results. */
  attach(memo: {next(): void}): void {
    if (!this.shared.includes(memo)) this.shared.push(memo)
  }

  /** True when it holds shared parts or attached caches (then effects must be tracked). */
  get active(): boolean {
    return this.programs.length > 0 || this.shared.length > 0
  }

  /** The part ids of a plan (interned by program identity). */
  intern(plan: FilterPlan): Int32Array {
    const out = new Int32Array(plan.parts.length)
    plan.parts.forEach((p, i) => {
      let id = this.ids.get(p)
      if (id === undefined) {
        id = this.programs.length
        this.programs.push(p)
        this.ids.set(p, id)
      }
      out[i] = id
    })
    const n = this.programs.length
    if (this.epochs.length < n) {
      this.epochs = new Uint32Array(n)
      this.states = new Uint8Array(n)
      this.errors = new Array<unknown>(n).fill(undefined)
    }
    return out
  }

  get size(): number {
    return this.programs.length
  }

  /** Forgets every result (a new event, or the event may have changed). */
  next(): void {
    if (++this.epoch === 0xffffffff) {
      this.epochs.fill(0)
      this.epoch = 1
    }
    for (const m of this.shared) m.next()
  }

  /** Runs a plan's parts like the whole `&&` chain: true, false, or throws the part's error. */
  run(ids: Int32Array, strict: boolean, vars: Record<string, unknown>): boolean {
    const epoch = this.epoch
    const epochs = this.epochs
    const states = this.states
    for (let i = 0; i < ids.length; i++) {
      const id = ids[i]!
      let state: number
      if (epochs[id] === epoch) {
        state = states[id]!
      } else {
        try {
          const r = this.programs[id]!.run(vars)
          state = r === true ? TRUE : r === false ? FALSE : OTHER
        } catch (e) {
          state = ERROR
          this.errors[id] = e
        }
        epochs[id] = epoch
        states[id] = state
      }
      if (state === TRUE) continue
      if (state === FALSE) return false
      if (state === OTHER) {
        if (!strict) return false
        throw new NonBoolConjunctError(`non-boolean operand of && in '${this.programs[id]!.source}'`)
      }
      throw this.errors[id]
    }
    return true
  }
}
