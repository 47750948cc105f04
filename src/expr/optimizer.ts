/**
 * Compile-time optimisation passes (expr `optimizer/`), one function per pass. The tree is not
 * rewritten (tools print and explain the checked tree): each pass records what it found in an
 * `Optimizations` table keyed by node, and compile.ts builds the faster closure from it.
 *
 *   analyse                 purity, constness and loop dependencies of every node
 *   foldConstants           pure sub-trees of literals -> their value (`Upper('/a')` -> "/A")
 *   hoistInvariants         pure sub-trees evaluated at most once per run (or per predicate call),
 *                           lazily at their first use: repeated `Upper(evt.Meta.http_path)`, and
 *                           whatever a predicate body computes without `#` / `#index` / `#acc`
 *   memoizeElementFunctions pure functions of `#` alone over a `File('literal')` array
 *                           (`Upper(#)`, `JsonExtract(#, "uri")`): cached per array identity
 *   specialiseMembership    `any(File('lit'), {X contains F(#)})` (and startsWith, endsWith, ==)
 *                           -> one evaluation of X and a loop, Set or first/last-char index
 *
 * Every pass keeps the semantics: evaluation order, short-circuits and errors are those of the
 * plain compilation (a hoisted part still runs at its first use, so an empty array or a false
 * left operand still skips it; a sub-tree that fails at compile time is simply not folded).
 */
import * as AST from './ast.js'
import {BUILTINS} from './builtins.js'
import type {ExprEnv} from './envs.js'
import {print} from './print.js'
import {IMPURE_BUILTINS, PURE_HELPERS, PURE_METHODS} from './purity.js'

type HelperTable = Record<string, (...args: unknown[]) => unknown>

/** Predicate builtins whose predicate gets (element, index of that element in the array). */
const INDEXED_PREDICATES: ReadonlySet<string> = new Set([
  'all', 'any', 'none', 'one', 'filter', 'map', 'count', 'sum', 'find', 'findIndex', 'findLast', 'findLastIndex',
])

/** Node kinds worth caching (a literal or a variable read is cheaper than the cache). */
const HOISTABLE: ReadonlySet<AST.NodeType> = new Set(['Call', 'Builtin', 'Binary', 'Unary', 'Conditional', 'Slice'])

export interface Facts {
  /** No side effect and no clock: same inputs, same value. */
  pure: boolean
  /** Pure and made of literals only. */
  constant: boolean
  /** Uses `#`, `#index` or `#acc` (of any predicate). */
  pointer: boolean
  /** Uses `#index` or `#acc`. */
  pointerExtra: boolean
  /** Reads a variable of the environment (`evt`, `$env`, unknown names). */
  env: boolean
  /** Contains a predicate builtin. */
  predicate: boolean
  /** let-bound names it reads that are bound outside it. */
  free: ReadonlySet<string>
}

/** `any(File('lit'), {subject op element})`. */
export interface Membership {
  op: 'contains' | 'startsWith' | 'endsWith' | '=='
  subject: AST.Node
  /** `#` itself, or a pure function of `#` alone. */
  element: AST.Node
  binary: AST.BinaryNode
}

export interface Hoist {
  /** undefined: once per run (the slot is shared by every node printing as `key`); else once per call of that predicate. */
  owner: AST.BuiltinNode | undefined
  key: string
}

export interface Optimizations {
  facts: Map<AST.Node, Facts>
  constants: Map<AST.Node, unknown>
  hoisted: Map<AST.Node, Hoist>
  /** Predicate builtin -> the nodes hoisted to it. */
  hoistedBy: Map<AST.BuiltinNode, AST.Node[]>
  perElement: Map<AST.Node, AST.BuiltinNode>
  memberships: Map<AST.BuiltinNode, Membership>
  /** Calls that resolve to a helper of the table (not shadowed by a let or a variable). */
  helperCalls: Set<AST.CallNode>
}

export interface OptimizerContext {
  env: ExprEnv
  helpers?: HelperTable
  /** Evaluates a constant sub-tree (plain compilation, empty environment); throws on failure. */
  evaluate(node: AST.Node): unknown
}

export function emptyOptimizations(): Optimizations {
  return {facts: new Map(), constants: new Map(), hoisted: new Map(), hoistedBy: new Map(), perElement: new Map(), memberships: new Map(), helperCalls: new Set()}
}

export function optimize(root: AST.Node, ctx: OptimizerContext): Optimizations {
  const o = emptyOptimizations()
  analyse(root, ctx, o)
  foldConstants(root, ctx, o)
  hoistInvariants(root, o)
  memoizeElementFunctions(root, o)
  specialiseMembership(root, o)
  return o
}

const NONE: ReadonlySet<string> = new Set()

function isLiteral(node: AST.Node): boolean {
  return node.type === 'Nil' || node.type === 'Bool' || node.type === 'Int' || node.type === 'Float' || node.type === 'String' || node.type === 'Bytes'
}

/** Pass 1: facts of every node (scope-aware: a let binding shadows helpers and variables). */
export function analyse(root: AST.Node, ctx: OptimizerContext, o: Optimizations): void {
  const vars = ctx.env.vars
  const isFunction = (name: string): 'pure' | 'impure' | undefined => {
    if (Object.hasOwn(ctx.env.functions, name)) return 'impure'
    if (ctx.helpers !== undefined && Object.hasOwn(ctx.helpers, name)) return PURE_HELPERS.has(name) ? 'pure' : 'impure'
    return undefined
  }
  const visit = (node: AST.Node, scope: ReadonlySet<string>): Facts => {
    let f: Facts
    switch (node.type) {
      case 'Identifier': {
        const name = node.name
        if (scope.has(name)) f = leaf({free: new Set([name])})
        else if (name === '$env' || (vars !== undefined && Object.hasOwn(vars, name)) || isFunction(name) === undefined) f = leaf({env: true})
        else f = leaf({})
        break
      }
      case 'Pointer':
        f = leaf({pointer: true, pointerExtra: node.name !== ''})
        break
      case 'VariableDeclarator': {
        const init = visit(node.init, scope)
        const body = visit(node.body, new Set(scope).add(node.name))
        const free = new Set(body.free)
        free.delete(node.name)
        f = combine([init, {...body, free}])
        f.constant = false
        break
      }
      case 'Call': {
        const args = node.args.map((a) => visit(a, scope))
        const callee = node.callee
        let pure = false
        if (callee.type === 'Identifier') {
          const resolved = !scope.has(callee.name) && !(vars !== undefined && Object.hasOwn(vars, callee.name)) ? isFunction(callee.name) : undefined
          if (resolved !== undefined && ctx.helpers !== undefined && Object.hasOwn(ctx.helpers, callee.name) && !Object.hasOwn(ctx.env.functions, callee.name)) o.helperCalls.add(node)
          pure = resolved === 'pure'
          o.facts.set(callee, leaf({}))
          f = combine(args)
        } else if (callee.type === 'Member' && callee.method) {
          const object = visit(callee.object, scope)
          o.facts.set(callee.property, leaf({constant: true}))
          pure = callee.property.type === 'String' && PURE_METHODS.has(callee.property.value)
          o.facts.set(callee, {...object, constant: false})
          f = combine([object, ...args])
          f.constant = false
        } else {
          f = combine([visit(callee, scope), ...args])
          f.constant = false
        }
        f.pure = f.pure && pure
        f.constant = f.constant && f.pure
        break
      }
      case 'Builtin': {
        const spec = BUILTINS.get(node.name)
        f = combine(node.args.map((a) => visit(a, scope)))
        if (spec?.predicate) {
          f.predicate = true
          f.constant = false
        }
        if (spec === undefined || IMPURE_BUILTINS.has(node.name)) f.pure = f.constant = false
        break
      }
      case 'Member': {
        const object = visit(node.object, scope)
        const property = visit(node.property, scope)
        f = combine([object, property])
        f.constant = false
        break
      }
      case 'Array':
      case 'Map':
      case 'Pair':
      case 'Sequence':
      case 'Chain':
      case 'Slice':
        f = combine(AST.children(node).map((c) => visit(c, scope)))
        if (node.type !== 'Chain') f.constant = false
        break
      default:
        f = isLiteral(node) ? leaf({constant: true}) : combine(AST.children(node).map((c) => visit(c, scope)))
    }
    o.facts.set(node, f)
    return f
  }
  visit(root, NONE)
}

function leaf(partial: Partial<Facts>): Facts {
  return {pure: true, constant: false, pointer: false, pointerExtra: false, env: false, predicate: false, free: NONE, ...partial}
}

function combine(parts: Facts[]): Facts {
  const f = leaf({constant: true})
  let free: Set<string> | undefined
  for (const p of parts) {
    f.pure &&= p.pure
    f.constant &&= p.constant
    f.pointer ||= p.pointer
    f.pointerExtra ||= p.pointerExtra
    f.env ||= p.env
    f.predicate ||= p.predicate
    if (p.free.size > 0) {
      free ??= new Set()
      for (const n of p.free) free.add(n)
    }
  }
  if (free !== undefined) f.free = free
  return f
}

function factsOf(o: Optimizations, node: AST.Node): Facts {
  const f = o.facts.get(node)
  if (f === undefined) throw new Error(`optimizer: no facts for ${node.type}`)
  return f
}

/** Values the folding may share between runs: immutable ones. */
function isImmutable(v: unknown): boolean {
  return v === null || typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean' || (typeof v === 'object' && v.constructor?.name === 'GoFloat')
}

/** Pass 2: maximal constant sub-trees that evaluate without error become their value. */
export function foldConstants(root: AST.Node, ctx: OptimizerContext, o: Optimizations): void {
  const visit = (node: AST.Node): void => {
    const f = factsOf(o, node)
    if (f.constant && !isLiteral(node) && HOISTABLE.has(node.type)) {
      try {
        const v = ctx.evaluate(node)
        if (isImmutable(v)) {
          o.constants.set(node, v)
          return
        }
      } catch {
        // fails at run time too: left to the run-time path, which reports it there
      }
    }
    for (const c of AST.children(node)) visit(c)
  }
  visit(root)
}

function isPredicateBuiltin(node: AST.Node): node is AST.BuiltinNode {
  return node.type === 'Builtin' && BUILTINS.get(node.name)?.predicate === true
}

/**
 * Pass 3: hoisting and common sub-expressions. When the whole expression is pure, a pure
 * sub-tree without `#` and without let variables has one value per run: it is cached per run
 * (lazily) when it sits in a predicate body or appears more than once. Otherwise, a sub-tree of
 * a pure predicate body that uses nothing bound inside that body is cached per predicate call.
 */
export function hoistInvariants(root: AST.Node, o: Optimizations): void {
  const rootPure = factsOf(o, root).pure
  const counts = new Map<string, number>()
  const keys = new Map<AST.Node, string>()
  const candidate = (node: AST.Node): boolean => {
    const f = factsOf(o, node)
    return HOISTABLE.has(node.type) && f.pure && !f.constant && !o.constants.has(node) && !f.pointer && f.free.size === 0 && !isPredicateBuiltin(node)
  }
  if (rootPure) {
    AST.walk(root, (node) => {
      if (!candidate(node)) return
      const key = print(node)
      keys.set(node, key)
      counts.set(key, (counts.get(key) ?? 0) + 1)
    })
  }
  // innermost: the enclosing predicate builtin; bound: let names bound inside its body so far
  const visit = (node: AST.Node, innermost: AST.BuiltinNode | undefined, bound: ReadonlySet<string>): void => {
    if (o.constants.has(node)) return
    const f = factsOf(o, node)
    const key = keys.get(node)
    if (key !== undefined && (innermost !== undefined || counts.get(key)! > 1)) {
      o.hoisted.set(node, {owner: undefined, key})
      return
    }
    if (innermost !== undefined && HOISTABLE.has(node.type) && f.pure && !f.constant && !f.pointer && !isPredicateBuiltin(node)) {
      let local = false
      for (const n of f.free) if (bound.has(n)) local = true
      if (!local && factsOf(o, innermost.args[1]!).pure) {
        o.hoisted.set(node, {owner: innermost, key: ''})
        const list = o.hoistedBy.get(innermost) ?? []
        list.push(node)
        o.hoistedBy.set(innermost, list)
        return
      }
    }
    if (isPredicateBuiltin(node)) {
      node.args.forEach((a, i) => {
        if (i === 1) visit(a, node, NONE)
        else visit(a, innermost, bound)
      })
      return
    }
    if (node.type === 'VariableDeclarator') {
      visit(node.init, innermost, bound)
      visit(node.body, innermost, innermost === undefined ? bound : new Set(bound).add(node.name))
      return
    }
    for (const c of AST.children(node)) visit(c, innermost, bound)
  }
  visit(root, undefined, NONE)
}

/** `File('literal')` called as the helper. */
export function isConstantFileArray(node: AST.Node, o: Optimizations): boolean {
  // File is not in PURE_HELPERS (it logs a missing file) but its result is fixed once data is loaded
  return node.type === 'Call' && node.callee.type === 'Identifier' && node.callee.name === 'File' && node.args.length === 1 &&
    node.args[0]!.type === 'String' && o.helperCalls.has(node)
}

/** A pure function of the predicate's `#` alone (no variables, no nested predicate). */
function isElementFunction(node: AST.Node, o: Optimizations): boolean {
  const f = factsOf(o, node)
  return f.pure && f.pointer && !f.pointerExtra && !f.env && !f.predicate && f.free.size === 0
}

/** Pass 4: inside a predicate over `File('lit')`, maximal pure functions of `#` are cached per array identity. */
export function memoizeElementFunctions(root: AST.Node, o: Optimizations): void {
  AST.walk(root, (node) => {
    if (!isPredicateBuiltin(node) || !INDEXED_PREDICATES.has(node.name) || node.args[1] === undefined) return
    if (!isConstantFileArray(node.args[0]!, o)) return
    const visit = (n: AST.Node): void => {
      if (isPredicateBuiltin(n)) return
      if (n.type !== 'Pointer' && HOISTABLE.has(n.type) && isElementFunction(n, o)) {
        o.perElement.set(n, node)
        return
      }
      for (const c of AST.children(n)) visit(c)
    }
    visit(node.args[1])
  })
}

const MEMBERSHIP_OPS: ReadonlySet<string> = new Set(['contains', 'startsWith', 'endsWith', '=='])

/** Pass 5: `any(File('lit'), {X op #})` / `{X op F(#)}` with X free of `#`. */
export function specialiseMembership(root: AST.Node, o: Optimizations): void {
  AST.walk(root, (node) => {
    if (!isPredicateBuiltin(node) || node.name !== 'any' || node.args.length !== 2) return
    if (!isConstantFileArray(node.args[0]!, o)) return
    const predicate = node.args[1]!
    const body = predicate.type === 'Predicate' ? predicate.body : predicate
    if (body.type !== 'Binary' || !MEMBERSHIP_OPS.has(body.operator)) return
    const isElement = (n: AST.Node): boolean => (n.type === 'Pointer' && n.name === '') || o.perElement.get(n) === node
    const invariant = (n: AST.Node): boolean => !factsOf(o, n).pointer && factsOf(o, n).pure && factsOf(o, n).free.size === 0
    const op = body.operator as Membership['op']
    if (isElement(body.right) && invariant(body.left)) o.memberships.set(node, {op, subject: body.left, element: body.right, binary: body})
    else if (op === '==' && isElement(body.left) && invariant(body.right)) o.memberships.set(node, {op, subject: body.right, element: body.left, binary: body})
  })
}
