/**
 * The checker: walks the tree with the environment's types and rejects at compile time
 * what expr v1.17 rejects (expr.md §1.1): unknown names, unknown fields/methods of known
 * structs, operators on known incompatible types, non-boolean conditions of known type.
 * Unknown (`interface{}`) types are accepted and left to run time. Returns each node's type.
 */
import type * as AST from './ast.js'
import {BUILTINS} from './builtins.js'
import type {ExprEnv} from './envs.js'
import {ExprFailure} from './errors.js'
import {translateRegexp} from './regexp.js'
import {
  ANY_ARRAY, ANY_MAP, BOOL, DURATION, FLOAT, INT, NIL, STRING, TIME, UNKNOWN,
  arrayOf, isNumber, isPlainNumber, methodsOf, typeName, type Type,
} from './types.js'

export interface CheckOptions {
  env: ExprEnv
  /** Names callable as functions besides builtins (CrowdSec helpers, env functions). */
  isFunction: (name: string) => boolean
}

export type TypeMap = Map<AST.Node, Type>

interface Scope {
  /** let-bound names. */
  vars: Map<string, Type>
  /** Element types of the enclosing predicates, innermost last. */
  predicates: Type[]
}

const BOOL_PREDICATES = new Set(['all', 'any', 'none', 'one', 'filter', 'find', 'findIndex', 'findLast', 'findLastIndex'])

export function check(root: AST.Node, options: CheckOptions): TypeMap {
  const types: TypeMap = new Map()
  const checker = new Checker(options, types)
  checker.visit(root, {vars: new Map(), predicates: []})
  return types
}

function fail(message: string, node: AST.Node): never {
  throw new ExprFailure(message, node.start)
}

const known = (t: Type): boolean => t.kind !== 'unknown'
const isBoolish = (t: Type): boolean => t.kind === 'bool' || t.kind === 'unknown'
const isStringish = (t: Type): boolean => t.kind === 'string' || t.kind === 'unknown'
const isNilish = (t: Type): boolean => t.kind === 'nil'

function comparable(a: Type, b: Type): boolean {
  if (!known(a) || !known(b) || isNilish(a) || isNilish(b)) return true
  if (isNumber(a) && isNumber(b)) return true
  if (a.kind === 'duration' && isNumber(b)) return true
  if (b.kind === 'duration' && isNumber(a)) return true
  if (a.kind !== b.kind) return false
  if (a.kind === 'struct' && b.kind === 'struct') return a.name === b.name
  return true
}

class Checker {
  constructor(private readonly options: CheckOptions, private readonly types: TypeMap) {}

  visit(node: AST.Node, scope: Scope): Type {
    const t = this.typeOf(node, scope)
    this.types.set(node, t)
    return t
  }

  private typeOf(node: AST.Node, scope: Scope): Type {
    switch (node.type) {
      case 'Nil':
        return NIL
      case 'Bool':
        return BOOL
      case 'Int':
        return INT
      case 'Float':
        return FLOAT
      case 'String':
        return STRING
      case 'Bytes':
        return UNKNOWN
      case 'Identifier':
        return this.identifier(node, scope)
      case 'Pointer': {
        if (node.name === 'index') return INT
        if (node.name === 'acc') return UNKNOWN
        if (node.name !== '') fail(`unknown pointer #${node.name}`, node)
        return scope.predicates[scope.predicates.length - 1] ?? UNKNOWN
      }
      case 'Unary':
        return this.unary(node, scope)
      case 'Binary':
        return this.binary(node, scope)
      case 'Chain':
        return this.visit(node.node, scope)
      case 'Member':
        return this.member(node, scope)
      case 'Slice': {
        const t = this.visit(node.object, scope)
        for (const bound of [node.from, node.to]) {
          if (bound === undefined) continue
          const b = this.visit(bound, scope)
          if (known(b) && b.kind !== 'int') fail(`invalid operation: slice bound must be an integer (got ${typeName(b)})`, bound)
        }
        if (t.kind === 'string' || t.kind === 'array' || t.kind === 'unknown') return t
        return fail(`cannot slice ${typeName(t)}`, node)
      }
      case 'Call':
        return this.call(node, scope)
      case 'Builtin':
        return this.builtin(node, scope)
      case 'Predicate':
        return this.visit(node.body, scope)
      case 'Conditional': {
        const test = this.visit(node.test, scope)
        if (!isBoolish(test)) fail(`non-bool expression (type ${typeName(test)}) used as condition`, node.test)
        const a = this.visit(node.consequent, scope)
        const b = this.visit(node.alternate, scope)
        return a.kind === b.kind && a.kind !== 'struct' && a.kind !== 'array' && a.kind !== 'map' ? a : UNKNOWN
      }
      case 'VariableDeclarator': {
        if (this.isReservedName(node.name, scope)) fail(`cannot redeclare ${node.name}`, node)
        const init = this.visit(node.init, scope)
        const inner: Scope = {vars: new Map(scope.vars).set(node.name, init), predicates: scope.predicates}
        return this.visit(node.body, inner)
      }
      case 'Sequence': {
        let t: Type = UNKNOWN
        for (const n of node.nodes) t = this.visit(n, scope)
        return t
      }
      case 'Array': {
        for (const e of node.elements) this.visit(e, scope)
        return ANY_ARRAY
      }
      case 'Map': {
        for (const p of node.pairs) this.visit(p, scope)
        return ANY_MAP
      }
      case 'Pair':
        this.visit(node.key, scope)
        this.visit(node.value, scope)
        return UNKNOWN
    }
  }

  private isReservedName(name: string, scope: Scope): boolean {
    if (scope.vars.has(name)) return true
    const vars = this.options.env.vars
    return (vars !== undefined && Object.hasOwn(vars, name)) || BUILTINS.has(name)
  }

  private identifier(node: AST.IdentifierNode, scope: Scope): Type {
    const local = scope.vars.get(node.name)
    if (local !== undefined) return local
    if (node.name === '$env') return ANY_MAP
    const vars = this.options.env.vars
    if (vars === undefined) return UNKNOWN
    if (Object.hasOwn(vars, node.name)) return vars[node.name]!
    if (BUILTINS.has(node.name) || this.options.isFunction(node.name)) return {kind: 'func'}
    return fail(`unknown name ${node.name}`, node)
  }

  private unary(node: AST.UnaryNode, scope: Scope): Type {
    const t = this.visit(node.operand, scope)
    if (node.operator === 'not' || node.operator === '!') {
      if (!isBoolish(t)) fail(`invalid operation: ${node.operator} (mismatched type ${typeName(t)})`, node)
      return BOOL
    }
    if (t.kind === 'unknown' || isNumber(t) || t.kind === 'duration') return t.kind === 'int' ? INT : t
    return fail(`invalid operation: ${node.operator} (mismatched type ${typeName(t)})`, node)
  }

  private binary(node: AST.BinaryNode, scope: Scope): Type {
    const l = this.visit(node.left, scope)
    const r = this.visit(node.right, scope)
    const op = node.operator
    const mismatch = (): never => fail(`invalid operation: ${op} (mismatched types ${typeName(l)} and ${typeName(r)})`, node)
    const anyUnknown = !known(l) || !known(r)
    switch (op) {
      case 'and':
      case 'or':
      case '&&':
      case '||':
        if (!isBoolish(l) || !isBoolish(r)) mismatch()
        return BOOL
      case '==':
      case '!=':
        if (!comparable(l, r)) mismatch()
        return BOOL
      case '<':
      case '>':
      case '<=':
      case '>=':
        if (anyUnknown) return BOOL
        if (isPlainNumber(l) && isPlainNumber(r)) return BOOL
        if (l.kind === r.kind && (l.kind === 'string' || l.kind === 'time' || l.kind === 'duration')) return BOOL
        if ((l.kind === 'duration' && isNumber(r)) || (r.kind === 'duration' && isNumber(l))) return BOOL
        return mismatch()
      case 'in':
        if (r.kind === 'unknown' || r.kind === 'nil') return BOOL
        if (r.kind === 'array') {
          if (!comparable(l, r.elem)) mismatch()
          return BOOL
        }
        if (r.kind === 'map' || r.kind === 'struct') {
          if (!isStringish(l) && !isNilish(l)) mismatch()
          return BOOL
        }
        return mismatch()
      case 'matches':
        if (!isStringish(l) && !isNilish(l)) mismatch()
        if (!isStringish(r) && !isNilish(r)) mismatch()
        if (node.right.type === 'String') {
          try {
            translateRegexp(node.right.value)
          } catch (error) {
            fail((error as Error).message, node.right)
          }
        }
        return BOOL
      case 'contains':
      case 'startsWith':
      case 'endsWith':
        if ((!isStringish(l) && !isNilish(l)) || (!isStringish(r) && !isNilish(r))) mismatch()
        return BOOL
      case '..':
        if ((known(l) && l.kind !== 'int') || (known(r) && r.kind !== 'int')) mismatch()
        return arrayOf(INT)
      case '??':
        return l.kind === r.kind ? l : UNKNOWN
      case '+':
      case '-':
      case '*':
        return this.arithmetic(op, l, r, mismatch)
      case '/':
      case '**':
      case '^':
        if ((known(l) && !isNumber(l)) || (known(r) && !isNumber(r))) mismatch()
        return FLOAT
      case '%':
        if ((known(l) && l.kind !== 'int') || (known(r) && r.kind !== 'int')) mismatch()
        return INT
      default:
        return fail(`unknown operator ${op}`, node)
    }
  }

  private arithmetic(op: string, l: Type, r: Type, mismatch: () => never): Type {
    if (op === '+') {
      if (l.kind === 'string' && r.kind === 'string') return STRING
      if (l.kind === 'time' && r.kind === 'duration') return TIME
      if (l.kind === 'duration' && r.kind === 'time') return TIME
      if (l.kind === 'duration' && r.kind === 'duration') return DURATION
    }
    if (op === '-') {
      if (l.kind === 'time' && r.kind === 'time') return DURATION
      if (l.kind === 'time' && r.kind === 'duration') return TIME
      if (l.kind === 'duration' && r.kind === 'duration') return DURATION
    }
    if (op === '*' && (l.kind === 'duration' || r.kind === 'duration') && (isNumber(l) || isNumber(r) || l.kind === r.kind)) return DURATION
    const operand = (t: Type): boolean => t.kind === 'unknown' || isNumber(t) || t.kind === 'string' || t.kind === 'time' || t.kind === 'duration' || t.kind === 'nil'
    if (!known(l) || !known(r)) {
      if (operand(l) && operand(r)) return UNKNOWN
      return mismatch()
    }
    if (isNumber(l) && isNumber(r)) return l.kind === 'int' && r.kind === 'int' ? INT : FLOAT
    return mismatch()
  }

  private member(node: AST.MemberNode, scope: Scope): Type {
    const t = this.visit(node.object, scope)
    const p = this.visit(node.property, scope)
    const name = node.property.type === 'String' ? node.property.value : undefined
    switch (t.kind) {
      case 'unknown':
      case 'nil':
        return UNKNOWN
      case 'struct': {
        if (name === undefined) return UNKNOWN
        const fields = t.fields()
        if (Object.hasOwn(fields, name)) return fields[name]!
        return fail(`type ${t.name} has no field ${name}`, node)
      }
      case 'map':
        if (known(p) && p.kind !== 'string' && !isNumber(p)) fail(`cannot use ${typeName(p)} as type string in map key`, node.property)
        return t.value
      case 'array':
        if (known(p) && !isNumber(p)) fail(`array elements can only be selected using an integer (got ${typeName(p)})`, node.property)
        return t.elem
      case 'string':
        if (name !== undefined) fail(`type string has no field ${name}`, node)
        if (known(p)) fail(`type string does not support indexing`, node)
        return UNKNOWN
      case 'func':
        return UNKNOWN
      default:
        if (name !== undefined) fail(`type ${typeName(t)} has no field ${name}`, node)
        return fail(`type ${typeName(t)} does not support indexing`, node)
    }
  }

  private call(node: AST.CallNode, scope: Scope): Type {
    const callee = node.callee
    for (const a of node.args) this.visit(a, scope)
    if (callee.type === 'Member' && callee.method) {
      const objectType = this.visit(callee.object, scope)
      this.types.set(callee, UNKNOWN)
      const name = callee.property.type === 'String' ? callee.property.value : ''
      if (objectType.kind === 'unknown' || objectType.kind === 'nil' || objectType.kind === 'map' || objectType.kind === 'func') return UNKNOWN
      const methods = methodsOf(objectType)
      const m = methods !== undefined && Object.hasOwn(methods, name) ? methods[name] : undefined
      if (m === undefined) return fail(`type ${typeName(objectType)} has no method ${name}`, callee)
      if (node.args.length < m.min) fail(`not enough arguments to call ${name}`, callee)
      if (m.max !== undefined && node.args.length > m.max) fail(`too many arguments to call ${name}`, callee)
      return m.result
    }
    if (callee.type === 'Identifier') {
      this.types.set(callee, {kind: 'func'})
      if (scope.vars.has(callee.name)) return UNKNOWN
      const vars = this.options.env.vars
      if (vars === undefined || Object.hasOwn(vars, callee.name)) return UNKNOWN
      if (Object.hasOwn(this.options.env.functions, callee.name)) return callee.name === 'basename' ? STRING : UNKNOWN
      if (this.options.isFunction(callee.name)) return UNKNOWN
      return fail(`unknown name ${callee.name}`, callee)
    }
    this.visit(callee, scope)
    return UNKNOWN
  }

  private builtin(node: AST.BuiltinNode, scope: Scope): Type {
    const spec = BUILTINS.get(node.name)
    if (spec === undefined) return fail(`unknown builtin ${node.name}`, node)
    if (node.args.length < spec.min) fail(`not enough arguments to call ${node.name}`, node)
    if (spec.max !== undefined && node.args.length > spec.max) fail(`too many arguments to call ${node.name}`, node)
    if (spec.predicate) {
      const first = this.visit(node.args[0]!, scope)
      if (known(first) && first.kind !== 'array' && first.kind !== 'nil') fail(`builtin ${node.name} takes only array (got ${typeName(first)})`, node.args[0]!)
      const elem = first.kind === 'array' ? first.elem : UNKNOWN
      const inner: Scope = {vars: scope.vars, predicates: [...scope.predicates, elem]}
      for (const arg of node.args.slice(1)) {
        const t = this.visit(arg, arg.type === 'Predicate' ? inner : scope)
        if (arg.type === 'Predicate' && BOOL_PREDICATES.has(node.name) && !isBoolish(t)) {
          fail(`predicate should return boolean (got ${typeName(t)})`, arg)
        }
      }
      switch (node.name) {
        case 'filter':
          return first.kind === 'array' ? first : ANY_ARRAY
        case 'find':
        case 'findLast':
          return elem
        default:
          return spec.result
      }
    }
    const argTypes = node.args.map((a) => this.visit(a, scope))
    const a0 = argTypes[0] ?? UNKNOWN
    switch (node.name) {
      case 'len':
        if (known(a0) && a0.kind !== 'string' && a0.kind !== 'array' && a0.kind !== 'map') fail(`invalid argument for len (type ${typeName(a0)})`, node)
        return INT
      case 'abs':
        return isNumber(a0) ? a0 : UNKNOWN
      case 'first':
      case 'last':
        return a0.kind === 'array' ? a0.elem : UNKNOWN
      case 'reverse':
      case 'take':
      case 'sort':
      case 'uniq':
        return a0.kind === 'array' ? a0 : ANY_ARRAY
      case 'upper':
      case 'lower':
      case 'trim':
      case 'trimPrefix':
      case 'trimSuffix':
      case 'split':
      case 'splitAfter':
      case 'replace':
      case 'repeat':
      case 'indexOf':
      case 'lastIndexOf':
      case 'hasPrefix':
      case 'hasSuffix':
        if (!isStringish(a0)) fail(`invalid argument for ${node.name} (type ${typeName(a0)})`, node)
        return spec.result
      default:
        return spec.result
    }
  }
}
