/**
 * Direct evaluators for the expression shapes that dominate parser files: a field read
 * (`evt.Parsed.remote_addr`, `evt.Line.Labels.type`, `evt.StrTime`) and simple string tests
 * on one (`== 'x'`, `!= ''`, `in ['a', 'b']`, `startsWith 'x'`, `contains 'x'`, `&&`, `||`,
 * `not`). Recognised once at compile time from the program's tree; anything else (and any
 * value of an unexpected type at run time) goes through the compiled program itself, so the
 * result is always the program's result.
 */
import type * as AST from '../expr/ast.js'
import type {Program} from '../expr/index.js'
import type {Event} from '../model/event.js'

/** The variables a parser expression runs with; one object per event walk, reused. */
export interface EventVars {
  evt: Event
}

export type EventFn = (vars: EventVars) => unknown

type StringRead = (evt: Event) => unknown

const hasOwn = Object.hasOwn
const STRING_MAPS = new Set(['Parsed', 'Meta', 'Enriched'])
const STRING_FIELDS = new Set(['StrTime', 'StrTimeFormat', 'MarshaledTime', 'WhitelistReason', 'Stage'])
const LINE_STRING_FIELDS = new Set(['Raw', 'Src', 'Module'])

function propertyName(node: AST.Node): string | undefined {
  return node.type === 'String' ? node.value : undefined
}

/** `evt.A[.B[.C]]`, non-optional, string properties only: the segments after `evt`. */
function memberPath(node: AST.Node): string[] | undefined {
  const path: string[] = []
  let cur = node
  while (cur.type === 'Member') {
    if (cur.optional || cur.method) return undefined
    const name = propertyName(cur.property)
    if (name === undefined) return undefined
    path.unshift(name)
    cur = cur.object
  }
  if (cur.type !== 'Identifier' || cur.name !== 'evt') return undefined
  return path
}

/** A string-map entry: the value, "" when missing, undefined when `m` is not an object (the program decides). */
function entry(m: Record<string, string> | undefined, key: string): unknown {
  if (typeof m !== 'object' || m === null) return undefined
  const v = m[key]
  if (typeof v === 'string') return v // own: the prototype of a map holds no strings
  return hasOwn(m, key) ? (v ?? null) : ''
}

/** A read of `evt.<field>.<key>` (one closure, no indirection). */
function mapRead(field: string, key: string): StringRead | undefined {
  switch (field) {
    case 'Parsed':
      return (evt) => entry(evt.Parsed, key)
    case 'Meta':
      return (evt) => entry(evt.Meta, key)
    case 'Enriched':
      return (evt) => entry(evt.Enriched, key)
    case 'Labels':
      return (evt) => entry(evt.Line?.Labels, key)
  }
  return undefined
}

/** A read of a string field of the event (its map-kind fields read "" when missing). */
function stringRead(node: AST.Node): StringRead | undefined {
  const path = memberPath(node)
  if (path === undefined) return undefined
  const [a, b, c] = path
  if (path.length === 1 && STRING_FIELDS.has(a!)) {
    const field = a as 'StrTime'
    return (evt) => evt[field]
  }
  if (path.length === 2 && STRING_MAPS.has(a!)) return mapRead(a!, b!)
  if (path.length === 2 && a === 'Line' && LINE_STRING_FIELDS.has(b!)) {
    const field = b as 'Raw'
    return (evt) => evt.Line?.[field]
  }
  if (path.length === 3 && a === 'Line' && b === 'Labels') return mapRead('Labels', c!)
  return undefined
}

/** A boolean test: returns true/false, or undefined when the fast path does not apply to this value. */
type Test = (evt: Event) => boolean | undefined

function stringList(node: AST.Node): string[] | undefined {
  if (node.type !== 'Array') return undefined
  const out: string[] = []
  for (const e of node.elements) {
    if (e.type !== 'String') return undefined
    out.push(e.value)
  }
  return out
}

function compileTest(node: AST.Node): Test | undefined {
  if (node.type === 'Unary' && (node.operator === 'not' || node.operator === '!')) {
    const inner = compileTest(node.operand)
    if (inner === undefined) return undefined
    return (evt) => {
      const r = inner(evt)
      return r === undefined ? undefined : !r
    }
  }
  if (node.type !== 'Binary') return undefined
  const op = node.operator
  if (op === '&&' || op === 'and' || op === '||' || op === 'or') {
    const left = compileTest(node.left)
    const right = compileTest(node.right)
    if (left === undefined || right === undefined) return undefined
    const and = op === '&&' || op === 'and'
    return (evt) => {
      const l = left(evt)
      if (l === undefined) return undefined
      if (and ? !l : l) return l
      return right(evt)
    }
  }
  let read = stringRead(node.left)
  let literal = propertyName(node.right)
  if ((op === '==' || op === '!=') && (read === undefined || literal === undefined)) {
    // 'x' == evt.A.B
    read = stringRead(node.right)
    literal = propertyName(node.left)
  }
  if (read === undefined) return undefined
  const r = read
  if (literal !== undefined) {
    const lit = literal
    switch (op) {
      case '==':
        return (evt) => {
          const v = r(evt)
          return typeof v === 'string' ? v === lit : undefined
        }
      case '!=':
        return (evt) => {
          const v = r(evt)
          return typeof v === 'string' ? v !== lit : undefined
        }
      case 'startsWith':
        return (evt) => {
          const v = r(evt)
          return typeof v === 'string' ? v.startsWith(lit) : undefined
        }
      case 'endsWith':
        return (evt) => {
          const v = r(evt)
          return typeof v === 'string' ? v.endsWith(lit) : undefined
        }
      case 'contains':
        return (evt) => {
          const v = r(evt)
          return typeof v === 'string' ? v.includes(lit) : undefined
        }
    }
    return undefined
  }
  if (op === 'in') {
    const list = stringList(node.right)
    if (list === undefined) return undefined
    const set = new Set(list)
    return (evt) => {
      const v = r(evt)
      return typeof v === 'string' ? set.has(v) : undefined
    }
  }
  return undefined
}

/** A string-valued expression: a read, a literal, `a + b`, `test ? a : b`. Undefined result = not a string. */
function compileString(node: AST.Node): StringRead | undefined {
  if (node.type === 'String') {
    const lit = node.value
    return () => lit
  }
  const read = stringRead(node)
  if (read !== undefined) return read
  if (node.type === 'Binary' && node.operator === '+') {
    const left = compileString(node.left)
    const right = compileString(node.right)
    if (left === undefined || right === undefined) return undefined
    return (evt) => {
      const a = left(evt)
      if (typeof a !== 'string') return undefined
      const b = right(evt)
      return typeof b === 'string' ? a + b : undefined
    }
  }
  if (node.type === 'Conditional') {
    const test = compileTest(node.test)
    const yes = compileString(node.consequent)
    const no = compileString(node.alternate)
    if (test === undefined || yes === undefined || no === undefined) return undefined
    return (evt) => {
      const t = test(evt)
      if (t === undefined) return undefined
      return t ? yes(evt) : no(evt)
    }
  }
  return undefined
}

/** The commonest programs, a plain map read (`evt.Parsed.x`), as one closure each. */
function directRead(ast: AST.Node, slow: EventFn): EventFn | undefined {
  const path = memberPath(ast)
  if (path === undefined || path.length !== 2) return undefined
  const [field, key] = path as [string, string]
  // a string value is an own entry (map prototypes hold no strings); a missing key reads ""
  const lookup = (m: Record<string, string> | undefined, vars: EventVars): unknown => {
    if (typeof m !== 'object' || m === null) return slow(vars)
    const v = m[key]
    if (typeof v === 'string') return v
    return hasOwn(m, key) ? slow(vars) : ''
  }
  switch (field) {
    case 'Parsed':
      return (vars) => lookup(vars.evt.Parsed, vars)
    case 'Meta':
      return (vars) => lookup(vars.evt.Meta, vars)
    case 'Enriched':
      return (vars) => lookup(vars.evt.Enriched, vars)
  }
  return undefined
}

/** A program that is exactly `evt.Parsed.K` / `evt.Meta.K` / `evt.Enriched.K`: which map and key. */
export function mapReadOf(program: Program): {field: 'Parsed' | 'Meta' | 'Enriched'; key: string} | undefined {
  const ast = programTree(program)
  const path = ast !== undefined ? memberPath(ast) : undefined
  if (path === undefined || path.length !== 2 || !STRING_MAPS.has(path[0]!)) return undefined
  return {field: path[0] as 'Parsed', key: path[1]!}
}

function programTree(program: Program): AST.Node | undefined {
  const p = program as {ast?: AST.Node; env?: string}
  return p.env === 'event' && p.ast !== undefined ? p.ast : undefined
}

/**
 * The evaluator of `program` for parser nodes: a direct one for the shapes above, else
 * `program.run(vars)`. Same results and errors as `program.run(vars)`.
 */
export function eventFn(program: Program): EventFn {
  const slow: EventFn = (vars) => program.run(vars as unknown as Record<string, unknown>)
  const ast = programTree(program)
  if (ast === undefined) return slow
  const direct = directRead(ast, slow)
  if (direct !== undefined) return direct
  const read = compileString(ast)
  if (read !== undefined) {
    return (vars) => {
      const v = read(vars.evt)
      return typeof v === 'string' ? v : slow(vars)
    }
  }
  const test = compileTest(ast)
  if (test !== undefined) {
    return (vars) => {
      const r = test(vars.evt)
      return r === undefined ? slow(vars) : r
    }
  }
  return slow
}
