/**
 * The compiler: a checked tree -> a tree of JS closures (never eval / new Function).
 * Each node becomes `(env, locals) => value`. Hot shapes are specialised using the types
 * from the checker: field chains read properties directly, `x in ['a', 'b']` is a Set
 * lookup, `x == 'lit'` is `===`, `matches 'lit'` uses a RegExp compiled here, once.
 * Runtime failures throw ExprFailure(message, offset); the façade adds the location.
 */
import {GoFloat, goFloat} from '../model/go-values.js'
import type * as AST from './ast.js'
import {BUILTINS, type Predicate} from './builtins.js'
import type {TypeMap} from './check.js'
import type {ExprEnv} from './envs.js'
import {ExprFailure} from './errors.js'
import {HELPER_NAMES} from './helper-names.js'
import {LiteralSearch} from './literal-search.js'
import {emptyOptimizations, optimize, type Membership, type Optimizations} from './optimizer.js'
import {isPureTree} from './purity.js'
import {cachedRegexp, compileRegexp} from './regexp.js'
import {selectShared, type SharedMemo} from './shared-memo.js'
import {UNKNOWN, type Type} from './types.js'
import {
  add, callMethod, compareOp, div, equal, fetch, formatV, goTypeName, isExportedName, isMapValue, isStruct, length, mod, mul, negate,
  plus, pow, range, readStructField, sliceString, sub, byteLength, toIndex,
} from './value.js'

export type Vars = Record<string, unknown>
export type Fn = (env: Vars, locals: unknown[]) => unknown
export type HelperTable = Record<string, (...args: unknown[]) => unknown>

export interface CompileContext {
  types: TypeMap
  env: ExprEnv
  /** CrowdSec helpers available at run time (may be absent: then calling one is a runtime error). */
  helpers?: HelperTable
  /** Run the passes of optimizer.ts (default true). */
  optimize?: boolean
  /** Sub-expressions shared with other programs, evaluated once per memo epoch (needs `optimize`). */
  memo?: SharedMemo
}

export interface CompiledExpr {
  fn: Fn
  /** Number of local slots (let variables, predicate elements) a run needs. */
  slots: number
}

const hasOwn = Object.hasOwn

/** Thrown by an optional access (`?.`) on nil; caught by the enclosing Chain node. */
const CHAIN_NIL = Symbol('chain-nil')

function wrap(error: unknown, node: AST.Node): ExprFailure {
  if (error instanceof ExprFailure) return error
  const message = error instanceof Error ? error.message : String(error)
  const failure = new ExprFailure(message, node.start)
  if (error instanceof Error) failure.cause = error
  return failure
}

function nonBool(op: string, v: unknown, node: AST.Node): ExprFailure {
  return new ExprFailure(`invalid operation: ${op} (mismatched type ${goTypeName(v)}): expected bool`, node.start)
}

interface Frame {
  /** let-bound names -> slot. */
  vars: Map<string, number>
  /** Slots of the enclosing predicates, innermost last. */
  predicates: {elem: number; index: number; acc: number}[]
}

export function compile(root: AST.Node, ctx: CompileContext): CompiledExpr {
  let opt = emptyOptimizations()
  if (ctx.optimize !== false) {
    const plain = {...ctx, optimize: false}
    opt = optimize(root, {
      env: ctx.env,
      helpers: ctx.helpers,
      evaluate(node) {
        const c = new Compiler(plain, emptyOptimizations())
        const fn = c.node(node, {vars: new Map(), predicates: []})
        return fn({}, new Array(c.slots))
      },
    })
  }
  // an expression with a side effect may change what a shared sub-tree reads: it keeps its own evaluation
  const shared = ctx.memo !== undefined && ctx.optimize !== false && isPureTree(root) ? selectShared(root, opt) : undefined
  const c = new Compiler(ctx, opt, shared)
  const fn = c.node(root, {vars: new Map(), predicates: []})
  return {fn, slots: c.slots}
}

/** An unset cache slot (a value is never `undefined`: results are normalised to null). */
const UNSET = undefined

/**
 * Values a cache may hand out more than once: immutable ones. An array or a map is recomputed
 * at each use, so a result that escapes (and may be changed by its receiver) is never shared.
 */
function isShareable(v: unknown): boolean {
  return v === null || typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean' || v instanceof GoFloat
}

class Compiler {
  slots = 0
  /** Per-run cache slots, by printed sub-expression. */
  private readonly runSlots = new Map<string, number>()
  /** Per-predicate-call cache slots. */
  private readonly hoistSlots = new Map<AST.Node, number>()
  /** Slots of each compiled predicate builtin (for per-element caches). */
  private readonly predicateSlots = new Map<AST.BuiltinNode, {elem: number; index: number; array: number}>()
  /** The node being compiled by a cache wrapper (compiled plainly once). */
  private bypass: AST.Node | undefined
  constructor(
    private readonly ctx: CompileContext,
    private readonly opt: Optimizations,
    private readonly shared?: Map<AST.Node, string>,
  ) {}

  private typeOf(node: AST.Node): Type {
    return this.ctx.types.get(node) ?? UNKNOWN
  }

  node(node: AST.Node, frame: Frame): Fn {
    if (this.bypass === node) this.bypass = undefined
    else {
      const opt = this.opt
      if (opt.constants.has(node)) {
        const v = opt.constants.get(node)
        return () => v
      }
      const sharedKey = this.shared?.get(node)
      if (sharedKey !== undefined) return this.sharedMemo(node, frame, sharedKey)
      const hoist = opt.hoisted.get(node)
      if (hoist !== undefined) return this.cached(node, frame, hoist.owner === undefined ? this.runSlot(hoist.key) : this.hoistSlots.get(node))
      const owner = opt.perElement.get(node)
      if (owner !== undefined) return this.perElement(node, frame, owner)
    }
    return this.plain(node, frame)
  }

  private runSlot(key: string): number {
    let slot = this.runSlots.get(key)
    if (slot === undefined) {
      slot = this.slots++
      this.runSlots.set(key, slot)
    }
    return slot
  }

  /** A sub-tree evaluated at its first use and kept in a slot (reset per run or per predicate call). */
  private cached(node: AST.Node, frame: Frame, slot: number | undefined): Fn {
    this.bypass = node
    const inner = this.node(node, frame)
    if (slot === undefined) return inner
    return (e, l) => {
      let v = l[slot]
      if (v === UNSET) {
        v = inner(e, l)
        if (isShareable(v)) l[slot] = v
      }
      return v
    }
  }

  /** A sub-tree kept in the shared memo: evaluated at most once per epoch by all its programs. */
  private sharedMemo(node: AST.Node, frame: Frame, key: string): Fn {
    this.bypass = node
    const inner = this.node(node, frame)
    const m = this.ctx.memo!
    const id = m.id(key)
    const start = node.start
    return (e, l) => {
      if (m.epochs[id] === m.epoch) {
        if (m.failed[id] === 0) return m.values[id]
        throw m.error(id, start)
      }
      let v: unknown
      try {
        v = inner(e, l)
      } catch (error) {
        m.storeError(id, error, start)
        throw error
      }
      if (isShareable(v)) m.store(id, v)
      return v
    }
  }

  /** A pure function of `#` over a constant array: one value per (array, index), computed at first use. */
  private perElement(node: AST.Node, frame: Frame, owner: AST.BuiltinNode): Fn {
    this.bypass = node
    const inner = this.node(node, frame)
    const slots = this.predicateSlots.get(owner)
    if (slots === undefined) return inner
    const memo = new WeakMap<object, unknown[]>()
    return (e, l) => {
      const array = l[slots.array]
      const index = l[slots.index] as number
      if (!Array.isArray(array) || array[index] !== l[slots.elem]) return inner(e, l)
      let values = memo.get(array)
      if (values === undefined) {
        values = new Array(array.length)
        memo.set(array, values)
      }
      let v = values[index]
      if (v === UNSET) {
        v = inner(e, l)
        if (isShareable(v)) values[index] = v
      }
      return v
    }
  }

  private plain(node: AST.Node, frame: Frame): Fn {
    switch (node.type) {
      case 'Nil':
        return () => null
      case 'Bool': {
        const v = node.value
        return () => v
      }
      case 'Int': {
        const v = node.value
        return () => v
      }
      case 'Float': {
        const v = goFloat(node.value)
        return () => v
      }
      case 'String':
      case 'Bytes': {
        const v = node.value
        return () => v
      }
      case 'Identifier':
        return this.identifier(node, frame)
      case 'Pointer': {
        const p = frame.predicates[frame.predicates.length - 1]
        if (p === undefined) throw new ExprFailure('cannot use pointer accessor outside predicate', node.start)
        const slot = node.name === 'index' ? p.index : node.name === 'acc' ? p.acc : p.elem
        return (_e, l) => l[slot]
      }
      case 'Unary':
        return this.unary(node, frame)
      case 'Binary':
        return this.binary(node, frame)
      case 'Chain': {
        const inner = this.node(node.node, frame)
        return (e, l) => {
          try {
            return inner(e, l)
          } catch (error) {
            if (error === CHAIN_NIL) return null
            throw error
          }
        }
      }
      case 'Member':
        return this.member(node, frame)
      case 'Slice':
        return this.slice(node, frame)
      case 'Call':
        return this.call(node, frame)
      case 'Builtin':
        return this.builtin(node, frame)
      case 'Predicate':
        return this.node(node.body, frame)
      case 'Conditional': {
        const test = this.node(node.test, frame)
        const a = this.node(node.consequent, frame)
        const b = this.node(node.alternate, frame)
        return (e, l) => {
          const t = test(e, l)
          if (t === true) return a(e, l)
          if (t === false) return b(e, l)
          throw new ExprFailure(`non-bool expression (type ${goTypeName(t)}) used as condition`, node.test.start)
        }
      }
      case 'VariableDeclarator': {
        const init = this.node(node.init, frame)
        const slot = this.slots++
        const body = this.node(node.body, {vars: new Map(frame.vars).set(node.name, slot), predicates: frame.predicates})
        return (e, l) => {
          l[slot] = init(e, l)
          return body(e, l)
        }
      }
      case 'Sequence': {
        const parts = node.nodes.map((n) => this.node(n, frame))
        return (e, l) => {
          let v: unknown = null
          for (const p of parts) v = p(e, l)
          return v
        }
      }
      case 'Array': {
        const parts = node.elements.map((n) => this.node(n, frame))
        return (e, l) => parts.map((p) => p(e, l))
      }
      case 'Map': {
        const pairs = node.pairs.map((p) => [this.node(p.key, frame), this.node(p.value, frame)] as const)
        return (e, l) => {
          const out = Object.create(null) as Record<string, unknown>
          for (const [k, v] of pairs) {
            const key = k(e, l)
            out[typeof key === 'string' ? key : formatV(key)] = v(e, l)
          }
          return out
        }
      }
      case 'Pair':
        throw new ExprFailure('unexpected pair', node.start)
    }
  }

  private identifier(node: AST.IdentifierNode, frame: Frame): Fn {
    const name = node.name
    const slot = frame.vars.get(name)
    if (slot !== undefined) return (_e, l) => l[slot]
    if (name === '$env') return (e) => e
    const vars = this.ctx.env.vars
    if (vars !== undefined && hasOwn(vars, name)) {
      return (e) => {
        const v = e[name]
        return v === undefined ? null : v
      }
    }
    const fn = this.functionNamed(name)
    if (fn !== undefined) return () => fn
    return (e) => (hasOwn(e, name) ? (e[name] ?? null) : null)
  }

  /**
   * `V.F` where V is a variable of the environment (not a local, not shadowed) whose type is a
   * struct and F one of its fields by name, read without `?.`: the two names, else undefined.
   */
  private envStructField(node: AST.Node, frame: Frame): {variable: string; field: string} | undefined {
    if (node.type !== 'Member' || node.optional || node.method || node.property.type !== 'String') return undefined
    const v = node.object
    if (v.type !== 'Identifier' || frame.vars.has(v.name) || this.typeOf(v).kind !== 'struct') return undefined
    const vars = this.ctx.env.vars
    if (vars === undefined || !hasOwn(vars, v.name)) return undefined
    return {variable: v.name, field: node.property.value}
  }

  private functionNamed(name: string): ((...args: unknown[]) => unknown) | undefined {
    if (hasOwn(this.ctx.env.functions, name)) return this.ctx.env.functions[name]
    const helpers = this.ctx.helpers
    if (helpers !== undefined && hasOwn(helpers, name)) return helpers[name]
    return undefined
  }

  private unary(node: AST.UnaryNode, frame: Frame): Fn {
    const operand = this.node(node.operand, frame)
    switch (node.operator) {
      case 'not':
      case '!':
        return (e, l) => {
          const v = operand(e, l)
          if (v === true) return false
          if (v === false) return true
          throw nonBool(node.operator, v, node)
        }
      case '-':
        return (e, l) => {
          const v = operand(e, l)
          if (typeof v === 'number') return v === 0 ? 0 : -v
          try {
            return negate(v)
          } catch (error) {
            throw wrap(error, node)
          }
        }
      default:
        return (e, l) => {
          try {
            return plus(operand(e, l))
          } catch (error) {
            throw wrap(error, node)
          }
        }
    }
  }

  private binary(node: AST.BinaryNode, frame: Frame): Fn {
    const op = node.operator
    if (op === 'in') return this.inOperator(node, frame)
    if (op === 'matches') return this.matches(node, frame)
    if ((op === '==' || op === '!=') && isConstant(node.right) && !isConstant(node.left)) return this.equalsConstant(node, node.left, node.right, op === '!=', frame)
    if ((op === '==' || op === '!=') && isConstant(node.left) && !isConstant(node.right)) return this.equalsConstant(node, node.right, node.left, op === '!=', frame)
    if (op === '==' || op === '!=') {
      const lf = this.opt.constants.has(node.left)
      const rf = this.opt.constants.has(node.right)
      if (rf && !lf && !isConstant(node.left)) return this.equalsValue(node.left, this.opt.constants.get(node.right), op === '!=', frame)
      if (lf && !rf && !isConstant(node.right)) return this.equalsValue(node.right, this.opt.constants.get(node.left), op === '!=', frame)
    }
    const left = this.node(node.left, frame)
    const right = this.node(node.right, frame)
    const guard = (f: (a: unknown, b: unknown) => unknown): Fn => (e, l) => {
      const a = left(e, l)
      const b = right(e, l)
      try {
        return f(a, b)
      } catch (error) {
        throw wrap(error, node)
      }
    }
    switch (op) {
      case 'and':
      case '&&':
        return (e, l) => {
          const a = left(e, l)
          if (a === false) return false
          if (a !== true) throw nonBool(op, a, node)
          const b = right(e, l)
          if (typeof b !== 'boolean') throw nonBool(op, b, node)
          return b
        }
      case 'or':
      case '||':
        return (e, l) => {
          const a = left(e, l)
          if (a === true) return true
          if (a !== false) throw nonBool(op, a, node)
          const b = right(e, l)
          if (typeof b !== 'boolean') throw nonBool(op, b, node)
          return b
        }
      case '==':
        return (e, l) => equal(left(e, l), right(e, l))
      case '!=':
        return (e, l) => !equal(left(e, l), right(e, l))
      case '<':
      case '>':
      case '<=':
      case '>=':
        return (e, l) => {
          const a = left(e, l)
          const b = right(e, l)
          if (typeof a === 'number' && typeof b === 'number') {
            return op === '<' ? a < b : op === '>' ? a > b : op === '<=' ? a <= b : a >= b
          }
          try {
            return compareOp(op, a, b)
          } catch (error) {
            throw wrap(error, node)
          }
        }
      case 'contains':
      case 'startsWith':
      case 'endsWith':
        return (e, l) => {
          const a = left(e, l)
          const b = right(e, l)
          if (a === null || b === null) return false
          if (typeof a !== 'string' || typeof b !== 'string') throw new ExprFailure(`invalid operation: ${op} (mismatched types ${goTypeName(a)} and ${goTypeName(b)})`, node.start)
          return op === 'contains' ? a.includes(b) : op === 'startsWith' ? a.startsWith(b) : a.endsWith(b)
        }
      case '..':
        return guard(range)
      case '??':
        return (e, l) => {
          const a = left(e, l)
          return a === null || a === undefined ? right(e, l) : a
        }
      case '+':
        return (e, l) => {
          const a = left(e, l)
          const b = right(e, l)
          if (typeof a === 'string' && typeof b === 'string') return a + b
          if (typeof a === 'number' && typeof b === 'number' && Number.isInteger(a) && Number.isInteger(b)) return a + b
          try {
            return add(a, b)
          } catch (error) {
            throw wrap(error, node)
          }
        }
      case '-':
        return guard(sub)
      case '*':
        return guard(mul)
      case '/':
        return guard(div)
      case '%':
        return guard(mod)
      case '**':
      case '^':
        return guard(pow)
      default:
        throw new ExprFailure(`unknown operator ${op}`, node.start)
    }
  }

  /** `x == 'lit'`, `x == 3`, `x == nil`, `x == true`: no generic equality needed. */
  private equalsConstant(node: AST.BinaryNode, other: AST.Node, constant: AST.Node, negated: boolean, frame: Frame): Fn {
    const x = this.node(other, frame)
    let test: (v: unknown) => boolean
    switch (constant.type) {
      case 'String':
      case 'Bool': {
        const c = constant.value
        test = (v) => v === c
        break
      }
      case 'Nil':
        test = (v) => v === null || v === undefined
        break
      case 'Int':
      case 'Float': {
        const c = constant.value
        test = (v) => v === c || (v instanceof GoFloat && v.value === c)
        break
      }
      default: {
        const c = this.node(constant, frame)
        test = (v) => equal(v, c({}, []))
      }
    }
    void node
    return negated ? (e, l) => !test(x(e, l)) : (e, l) => test(x(e, l))
  }

  /** `x == <folded constant>`. */
  private equalsValue(other: AST.Node, c: unknown, negated: boolean, frame: Frame): Fn {
    const x = this.node(other, frame)
    let test: (v: unknown) => boolean
    if (typeof c === 'string' || typeof c === 'boolean') test = (v) => v === c
    else if (c === null) test = (v) => v === null || v === undefined
    else if (typeof c === 'number' && Number.isInteger(c)) test = (v) => v === c || (v instanceof GoFloat && v.value === c)
    else test = (v) => equal(v, c)
    return negated ? (e, l) => !test(x(e, l)) : (e, l) => test(x(e, l))
  }

  private inOperator(node: AST.BinaryNode, frame: Frame): Fn {
    const left = this.node(node.left, frame)
    const r = node.right
    // expr's optimizer: an array literal of string literals becomes a set lookup (expr.md §5.4).
    if (r.type === 'Array' && r.elements.length > 0 && r.elements.every((x) => x.type === 'String')) {
      const values = [...new Set(r.elements.map((x) => (x as AST.StringNode).value))]
      const set = new Set(values)
      const fail = (v: unknown): never => {
        throw new ExprFailure(`cannot use ${goTypeName(v)} as type string in map key`, node.start)
      }
      if (values.length <= 3) {
        // two or three strings (`log_type in ['http_access-log', 'http_error-log']`): compare directly
        const [a, b = a, c = b] = values as [string, string?, string?]
        return (e, l) => {
          const v = left(e, l)
          if (typeof v === 'string') return v === a || v === b || v === c
          if (v === null) return set.has('')
          return fail(v)
        }
      }
      return (e, l) => {
        const v = left(e, l)
        if (typeof v === 'string') return set.has(v)
        if (v === null) return set.has('')
        return fail(v)
      }
    }
    if (r.type === 'Array' && r.elements.length > 0 && r.elements.every((x) => x.type === 'Int') && this.typeOf(node.left).kind === 'int') {
      const set = new Set(r.elements.map((x) => (x as AST.IntNode).value))
      return (e, l) => set.has(left(e, l) as number)
    }
    const right = this.node(r, frame)
    return (e, l) => {
      const a = left(e, l)
      const b = right(e, l)
      try {
        return inValue(a, b)
      } catch (error) {
        throw wrap(error, node)
      }
    }
  }

  private matches(node: AST.BinaryNode, frame: Frame): Fn {
    const left = this.node(node.left, frame)
    const check = (v: unknown): v is string => {
      if (v === null) return false
      if (typeof v !== 'string') throw new ExprFailure(`invalid operation: matches (mismatched type ${goTypeName(v)})`, node.start)
      return true
    }
    if (node.right.type === 'String') {
      let re: RegExp
      try {
        re = compileRegexp(node.right.value)
      } catch (error) {
        throw wrap(error, node.right)
      }
      return (e, l) => {
        const v = left(e, l)
        return check(v) && re.test(v)
      }
    }
    const folded = this.opt.constants.get(node.right)
    if (typeof folded === 'string') {
      let re: RegExp | undefined
      try {
        re = compileRegexp(folded)
      } catch {
        // an invalid pattern stays a run-time error, as without folding
      }
      if (re !== undefined) {
        const compiled = re
        return (e, l) => {
          const v = left(e, l)
          return check(v) && compiled.test(v)
        }
      }
    }
    const right = this.node(node.right, frame)
    return (e, l) => {
      const v = left(e, l)
      const p = right(e, l)
      if (!check(v) || !check(p)) return false
      let re: RegExp
      try {
        re = cachedRegexp(p)
      } catch (error) {
        throw wrap(error, node.right)
      }
      return re.test(v)
    }
  }

  private member(node: AST.MemberNode, frame: Frame): Fn {
    const object = this.node(node.object, frame)
    const objectType = this.typeOf(node.object)
    const optional = node.optional
    const prop = node.property
    if (prop.type === 'String') {
      const name = prop.value
      if (objectType.kind === 'struct') {
        // A field the checker validated against the struct: a direct property read.
        return (e, l) => {
          const o = object(e, l)
          if (o === null || o === undefined) {
            if (optional) throw CHAIN_NIL
            throw new ExprFailure(`cannot fetch ${name} from <nil>`, node.start)
          }
          const v = (o as Record<string, unknown>)[name]
          if (v === undefined) {
            if (isStruct(o) && !isExportedName(name)) throw new ExprFailure(`cannot fetch ${name} from ${goTypeName(o)}`, node.start)
            return isStruct(o) ? (readStructField(o, name) ?? null) : null
          }
          return v
        }
      }
      if (objectType.kind === 'map') {
        const zero = objectType.value.kind === 'string' ? '' : null
        // maps have a null, an empty frozen (string map) or Object.prototype prototype: for a key
        // Object.prototype lacks, a defined value is an own one, so one lookup suffices
        const ownOnly = !(name in Object.prototype)
        const generic: Fn = (e, l) => {
          const m = object(e, l)
          if (m === null || m === undefined) {
            if (optional) throw CHAIN_NIL
            return zero
          }
          if (typeof m === 'object' && isMapValue(m)) {
            if (ownOnly) {
              const v = (m as Record<string, unknown>)[name]
              if (v !== undefined) return v
            }
            return hasOwn(m, name) ? (m as Record<string, unknown>)[name] ?? null : zero
          }
          try {
            return fetch(m, name)
          } catch (error) {
            throw wrap(error, node)
          }
        }
        const via = this.envStructField(node.object, frame)
        if (via === undefined) return generic
        // `evt.Meta.name`: one closure reads the variable, the struct's field and the key; anything
        // unusual on the way (nil, not a map) is left to the general path, which says what is wrong
        const {variable, field} = via
        return (e, l) => {
          const o = e[variable]
          const m = o !== null && typeof o === 'object' ? (o as Record<string, unknown>)[field] : undefined
          if (m !== null && typeof m === 'object' && isMapValue(m)) {
            if (ownOnly) {
              const v = (m as Record<string, unknown>)[name]
              if (v !== undefined) return v
            }
            return hasOwn(m, name) ? (m as Record<string, unknown>)[name] ?? null : zero
          }
          return generic(e, l)
        }
      }
      return (e, l) => {
        const o = object(e, l)
        if ((o === null || o === undefined) && optional) throw CHAIN_NIL
        try {
          return fetch(o, name)
        } catch (error) {
          throw wrap(error, node)
        }
      }
    }
    const key = this.node(prop, frame)
    return (e, l) => {
      const o = object(e, l)
      if ((o === null || o === undefined) && optional) throw CHAIN_NIL
      const k = key(e, l)
      try {
        return fetch(o, k)
      } catch (error) {
        throw wrap(error, node)
      }
    }
  }

  private slice(node: AST.SliceNode, frame: Frame): Fn {
    const object = this.node(node.object, frame)
    const from = node.from ? this.node(node.from, frame) : undefined
    const to = node.to ? this.node(node.to, frame) : undefined
    return (e, l) => {
      const o = object(e, l)
      try {
        let len: number
        if (typeof o === 'string') len = byteLength(o)
        else if (Array.isArray(o)) len = o.length
        else throw new Error(`cannot slice ${goTypeName(o)}`)
        let a = from ? toIndex(from(e, l)) : 0
        let b = to ? toIndex(to(e, l)) : len
        if (a < 0) a += len
        if (b < 0) b += len
        a = Math.min(Math.max(a, 0), len)
        b = Math.min(Math.max(b, 0), len)
        if (a > b) return typeof o === 'string' ? '' : []
        return typeof o === 'string' ? sliceString(o, a, b) : o.slice(a, b)
      } catch (error) {
        throw wrap(error, node)
      }
    }
  }

  private call(node: AST.CallNode, frame: Frame): Fn {
    const args = node.args.map((a) => this.node(a, frame))
    const callee = node.callee
    if (callee.type === 'Member' && callee.method && callee.property.type === 'String') {
      const name = callee.property.value
      const object = this.node(callee.object, frame)
      const optional = callee.optional
      const objectType = this.typeOf(callee.object)
      const typed = objectType.kind === 'struct' || objectType.kind === 'time' || objectType.kind === 'duration'
      return (e, l) => {
        const o = object(e, l)
        if ((o === null || o === undefined) && optional) throw CHAIN_NIL
        const values = args.map((a) => a(e, l))
        try {
          if (typed && o !== null && o !== undefined) {
            const f = (o as Record<string, unknown>)[name]
            if (typeof f === 'function') {
              const r = (f as (...a: unknown[]) => unknown).apply(o, values)
              return r === undefined ? null : r
            }
          }
          return callMethod(o, name, values)
        } catch (error) {
          throw wrap(error, callee)
        }
      }
    }
    if (callee.type === 'Identifier') {
      const name = callee.name
      const slot = frame.vars.get(name)
      const vars = this.ctx.env.vars
      let resolve: (e: Vars, l: unknown[]) => unknown
      if (slot !== undefined) resolve = (_e, l) => l[slot]
      else if (vars !== undefined && hasOwn(vars, name)) resolve = (e) => e[name]
      else {
        const fn = this.functionNamed(name)
        if (fn !== undefined) return this.directCall(node, fn, args)
        if (HELPER_NAMES.has(name)) {
          return () => {
            throw new ExprFailure(`helper ${name} is not available here`, node.start)
          }
        }
        resolve = (e) => (hasOwn(e, name) ? e[name] : undefined)
      }
      return (e, l) => {
        const f = resolve(e, l)
        if (typeof f !== 'function') throw new ExprFailure(`${name} is not a function (${goTypeName(f)})`, node.start)
        const values = args.map((a) => a(e, l))
        try {
          const r = (f as (...a: unknown[]) => unknown)(...values)
          return r === undefined ? null : r
        } catch (error) {
          throw wrap(error, node)
        }
      }
    }
    const calleeFn = this.node(callee, frame)
    return (e, l) => {
      const f = calleeFn(e, l)
      if (typeof f !== 'function') throw new ExprFailure(`cannot call ${goTypeName(f)}`, node.start)
      try {
        const r = (f as (...a: unknown[]) => unknown)(...args.map((a) => a(e, l)))
        return r === undefined ? null : r
      } catch (error) {
        throw wrap(error, node)
      }
    }
  }

  private directCall(node: AST.Node, fn: (...args: unknown[]) => unknown, args: Fn[]): Fn {
    const fix = (r: unknown): unknown => (r === undefined ? null : r)
    if (args.length === 1) {
      const [a] = args as [Fn]
      return (e, l) => {
        const x = a(e, l)
        try {
          return fix(fn(x))
        } catch (error) {
          throw wrap(error, node)
        }
      }
    }
    if (args.length === 2) {
      const [a, b] = args as [Fn, Fn]
      return (e, l) => {
        const x = a(e, l)
        const y = b(e, l)
        try {
          return fix(fn(x, y))
        } catch (error) {
          throw wrap(error, node)
        }
      }
    }
    return (e, l) => {
      const values = args.map((a) => a(e, l))
      try {
        return fix(fn(...values))
      } catch (error) {
        throw wrap(error, node)
      }
    }
  }

  /**
   * `any(File('lit'), {X op F(#)})`: the list F(#) is computed once per array (falling back to
   * the generic loop when an element fails or is not a string), X once per call, then a Set,
   * an edge index or a loop of `includes`.
   */
  private membership(m: Membership, array: Fn, generic: Fn, inner: Frame, resets: number[], frame: Frame): Fn {
    const subject = this.node(m.subject, frame)
    const element = m.element.type === 'Pointer' ? undefined : this.elementFunction(m.element, inner)
    const lists = new WeakMap<object, MemberList | null>()
    const op = m.op
    const binary = m.binary
    const prepare = (a: unknown[]): MemberList | null => {
      const values: string[] = []
      for (let i = 0; i < a.length; i++) {
        let v: unknown = a[i]
        if (element !== undefined) {
          try {
            v = element(a[i], i)
          } catch {
            return null
          }
        }
        if (typeof v !== 'string') return null
        values.push(v)
      }
      return prepareList(op, values)
    }
    return (e, l) => {
      const a = array(e, l)
      if (!Array.isArray(a)) return generic(e, l)
      let list = lists.get(a)
      if (list === undefined) {
        list = prepare(a)
        lists.set(a, list)
      }
      if (list === null) return generic(e, l)
      if (a.length === 0) return false
      for (const r of resets) l[r] = UNSET
      const x = subject(e, l)
      if (typeof x === 'string') return testList(op, list, x)
      if (op === '==' || x === null) return false
      throw new ExprFailure(`invalid operation: ${op} (mismatched types ${goTypeName(x)} and string)`, binary.start)
    }
  }

  /** Compiles a pure function of `#` alone as `(element, index) => value`. */
  private elementFunction(node: AST.Node, inner: Frame): (element: unknown, index: number) => unknown {
    const p = inner.predicates[inner.predicates.length - 1]!
    this.bypass = node
    const fn = this.node(node, inner)
    const slots = this.slots
    return (element, index) => {
      const l = new Array<unknown>(slots)
      l[p.elem] = element
      l[p.index] = index
      return fn({}, l)
    }
  }

  private builtin(node: AST.BuiltinNode, frame: Frame): Fn {
    const spec = BUILTINS.get(node.name)
    if (spec === undefined) throw new ExprFailure(`unknown builtin ${node.name}`, node.start)
    if (spec.predicate) {
      const slots = {elem: this.slots++, index: this.slots++, acc: this.slots++}
      const inner: Frame = {vars: frame.vars, predicates: [...frame.predicates, slots]}
      const array = this.node(node.args[0]!, frame)
      const predicateNode = node.args[1]
      // per-call caches of hoisted sub-trees, the array for per-element caches
      const resets = (this.opt.hoistedBy.get(node) ?? []).map((n) => {
        const slot = this.slots++
        this.hoistSlots.set(n, slot)
        return slot
      })
      const arraySlot = this.slots++
      this.predicateSlots.set(node, {elem: slots.elem, index: slots.index, array: arraySlot})
      const body = predicateNode !== undefined ? this.node(predicateNode, inner) : undefined
      const extra = node.args.slice(2).map((a) => this.node(a, frame))
      const fn = spec.fn
      const membership = this.opt.memberships.get(node)
      const generic: Fn = (e, l) => {
        const a = array(e, l)
        if (a === null || a === undefined) throw new ExprFailure(`cannot use <nil> as array in ${node.name}`, node.args[0]!.start)
        l[arraySlot] = a
        for (const r of resets) l[r] = UNSET
        const p: Predicate | undefined =
          body === undefined
            ? undefined
            : (element, index, acc) => {
                l[slots.elem] = element
                l[slots.index] = index
                l[slots.acc] = acc
                return body(e, l)
              }
        const rest = extra.map((x) => x(e, l))
        try {
          return fn(a, p, ...rest)
        } catch (error) {
          throw wrap(error, node)
        }
      }
      if (membership === undefined) return generic
      return this.membership(membership, array, generic, inner, resets, frame)
    }
    const args = node.args.map((a) => this.node(a, frame))
    if (node.name === 'len' && args.length === 1) {
      const [a] = args as [Fn]
      return (e, l) => {
        const v = a(e, l)
        if (typeof v === 'string' && !/[^\x00-\x7f]/.test(v)) return v.length
        try {
          return length(v)
        } catch (error) {
          throw wrap(error, node)
        }
      }
    }
    return this.directCall(node, spec.fn, args)
  }
}

/** The prepared constant list of a membership test. */
interface MemberList {
  values: string[]
  set?: Set<string>
  /** First (startsWith) or last (endsWith) UTF-16 unit -> the values starting / ending with it. */
  byEdge?: Map<number, string[]>
  /** Some value is '' (matches any string). */
  empty: boolean
  search?: LiteralSearch
}

function prepareList(op: Membership['op'], values: string[]): MemberList {
  const list: MemberList = {values, empty: values.includes('')}
  if (op === '==') list.set = new Set(values)
  if (op === 'contains') list.search = new LiteralSearch(values)
  if (op === 'startsWith' || op === 'endsWith') {
    const byEdge = new Map<number, string[]>()
    for (const v of values) {
      if (v === '') continue
      const edge = op === 'startsWith' ? v.charCodeAt(0) : v.charCodeAt(v.length - 1)
      const bucket = byEdge.get(edge)
      if (bucket === undefined) byEdge.set(edge, [v])
      else bucket.push(v)
    }
    list.byEdge = byEdge
  }
  return list
}

function testList(op: Membership['op'], list: MemberList, x: string): boolean {
  switch (op) {
    case '==':
      return list.set!.has(x)
    case 'contains':
      return list.empty || list.search!.test(x)
    case 'startsWith': {
      if (list.empty) return true
      if (x === '') return false
      const bucket = list.byEdge!.get(x.charCodeAt(0))
      if (bucket !== undefined) for (const v of bucket) if (x.startsWith(v)) return true
      return false
    }
    case 'endsWith': {
      if (list.empty) return true
      if (x === '') return false
      const bucket = list.byEdge!.get(x.charCodeAt(x.length - 1))
      if (bucket !== undefined) for (const v of bucket) if (x.endsWith(v)) return true
      return false
    }
  }
}

function isConstant(node: AST.Node): boolean {
  return node.type === 'String' || node.type === 'Int' || node.type === 'Float' || node.type === 'Bool' || node.type === 'Nil'
}

/** `a in b` for a runtime b (expr.md §5.4). */
export function inValue(a: unknown, b: unknown): boolean {
  if (b === null || b === undefined) return false
  if (Array.isArray(b)) {
    for (const x of b) if (equal(a, x)) return true
    return false
  }
  if (typeof b === 'object' && isMapValue(b)) {
    if (a === null) return hasOwn(b, '')
    if (typeof a !== 'string') throw new Error(`cannot use ${goTypeName(a)} as type string in map key`)
    return hasOwn(b, a)
  }
  if (typeof b === 'object' && isStruct(b)) {
    if (typeof a !== 'string') throw new Error(`cannot use ${goTypeName(a)} as type string in struct field`)
    return isExportedName(a) && readStructField(b, a) !== undefined
  }
  throw new Error(`operator "in" not defined on ${goTypeName(b)}`)
}

