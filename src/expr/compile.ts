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
import {cachedRegexp, compileRegexp} from './regexp.js'
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
  const c = new Compiler(ctx)
  const fn = c.node(root, {vars: new Map(), predicates: []})
  return {fn, slots: c.slots}
}

class Compiler {
  slots = 0
  constructor(private readonly ctx: CompileContext) {}

  private typeOf(node: AST.Node): Type {
    return this.ctx.types.get(node) ?? UNKNOWN
  }

  node(node: AST.Node, frame: Frame): Fn {
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

  private inOperator(node: AST.BinaryNode, frame: Frame): Fn {
    const left = this.node(node.left, frame)
    const r = node.right
    // expr's optimizer: an array literal of string literals becomes a set lookup (expr.md §5.4).
    if (r.type === 'Array' && r.elements.length > 0 && r.elements.every((x) => x.type === 'String')) {
      const set = new Set(r.elements.map((x) => (x as AST.StringNode).value))
      return (e, l) => {
        const v = left(e, l)
        if (typeof v === 'string') return set.has(v)
        if (v === null) return set.has('')
        throw new ExprFailure(`cannot use ${goTypeName(v)} as type string in map key`, node.start)
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
        return (e, l) => {
          const m = object(e, l)
          if (m === null || m === undefined) {
            if (optional) throw CHAIN_NIL
            return zero
          }
          if (typeof m === 'object' && isMapValue(m)) {
            return hasOwn(m, name) ? (m as Record<string, unknown>)[name] ?? null : zero
          }
          try {
            return fetch(m, name)
          } catch (error) {
            throw wrap(error, node)
          }
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

  private builtin(node: AST.BuiltinNode, frame: Frame): Fn {
    const spec = BUILTINS.get(node.name)
    if (spec === undefined) throw new ExprFailure(`unknown builtin ${node.name}`, node.start)
    if (spec.predicate) {
      const slots = {elem: this.slots++, index: this.slots++, acc: this.slots++}
      const inner: Frame = {vars: frame.vars, predicates: [...frame.predicates, slots]}
      const array = this.node(node.args[0]!, frame)
      const predicateNode = node.args[1]
      const body = predicateNode !== undefined ? this.node(predicateNode, inner) : undefined
      const extra = node.args.slice(2).map((a) => this.node(a, frame))
      const fn = spec.fn
      return (e, l) => {
        const a = array(e, l)
        if (a === null || a === undefined) throw new ExprFailure(`cannot use <nil> as array in ${node.name}`, node.args[0]!.start)
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

