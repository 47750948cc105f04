/**
 * Direct closures for the typed `event` environment: when the checker knows that `evt` is a
 * pipeline.Event, the shapes that fill parser and scenario files — a field read
 * (`evt.Parsed.remote_addr`, `evt.Line.Labels.type`, `evt.StrTime`) and simple string tests on
 * one (`== 'x'`, `!= ''`, `in ['a', 'b']`, `startsWith`, `endsWith`, `contains`, `&&`, `||`,
 * `not`, `a + b`, `test ? 'a' : 'b'`) — become one closure of the event, with no variables
 * object, no locals array and no try/catch.
 *
 * A direct closure answers only for the values it was built for (strings read from string
 * maps and string fields); for anything else (a non-string value, a missing struct, an odd
 * map) it returns NOT_DIRECT and the caller runs the generic program, so the result (value
 * or error) is always the generic program's.
 */
import type * as AST from './ast.js'
import type {TypeMap} from './check.js'
import type {Type} from './types.js'

/** What a direct closure returns when it does not apply to this event's values. */
export const NOT_DIRECT: unique symbol = Symbol('not-direct')

/** A direct evaluation: the value, or NOT_DIRECT. */
export type DirectFn = (evt: object) => unknown

const hasOwn = Object.hasOwn

type Read = (evt: object) => string | typeof NOT_DIRECT
type Test = (evt: object) => boolean | typeof NOT_DIRECT

/** The event fields the hottest reads name directly (the checker has validated the tree against pipeline.Event). */
interface EventShape {
  Parsed: unknown
  Meta: unknown
  Enriched: unknown
  Line: {Labels: unknown} | null | undefined
}

/** A read of one member chain: a string-map entry, or a string field. */
interface PathRead {
  /** The struct fields from `evt` to the last object. */
  fields: string[]
  /** The last property name. */
  name: string
  /** The last object is a map[string]string (else a struct whose field is a string). */
  map: boolean
}

function isStringMap(t: Type | undefined): boolean {
  return t !== undefined && t.kind === 'map' && t.value.kind === 'string'
}

/**
 * `evt.A.B...name` read through structs (as the checker typed them) down to a string-map entry
 * or a string field; undefined for any other shape.
 */
function pathRead(node: AST.Node, types: TypeMap): PathRead | undefined {
  if (node.type !== 'Member' || node.optional || node.method || node.property.type !== 'String') return undefined
  const name = node.property.value
  const objectType = types.get(node.object)
  let map: boolean
  if (isStringMap(objectType)) map = true
  else if (objectType?.kind === 'struct' && types.get(node)?.kind === 'string') map = false
  else return undefined
  const fields: string[] = []
  let cur = node.object
  while (cur.type === 'Member') {
    if (cur.optional || cur.method || cur.property.type !== 'String' || types.get(cur.object)?.kind !== 'struct') return undefined
    fields.unshift(cur.property.value)
    cur = cur.object
  }
  if (cur.type !== 'Identifier' || cur.name !== 'evt' || types.get(cur)?.kind !== 'struct') return undefined
  return {fields, name, map}
}

/** The analysis helper: a tree that is exactly `evt.<Field>.<key>` on a string map of the event. */
export function eventMapRead(root: AST.Node, types: TypeMap): {field: string; key: string} | undefined {
  const p = pathRead(root, types)
  if (p === undefined || !p.map || p.fields.length !== 1) return undefined
  return {field: p.fields[0]!, key: p.name}
}

/** A string-map entry: the value, "" when missing, NOT_DIRECT for a non-string entry or a non-object. */
function entry(m: unknown, key: string): string | typeof NOT_DIRECT {
  if (typeof m !== 'object' || m === null) return NOT_DIRECT
  const v = (m as Record<string, unknown>)[key]
  if (typeof v === 'string') return v // an own entry: map prototypes hold no strings
  return hasOwn(m, key) ? NOT_DIRECT : ''
}

function stringField(o: unknown, name: string): string | typeof NOT_DIRECT {
  if (typeof o !== 'object' || o === null) return NOT_DIRECT
  const v = (o as Record<string, unknown>)[name]
  return typeof v === 'string' ? v : NOT_DIRECT
}

/** One closure per path length (0, 1 or 2 struct hops; longer paths are left to the program). */
function compileRead(node: AST.Node, types: TypeMap): Read | undefined {
  const p = pathRead(node, types)
  if (p === undefined) return undefined
  const {name, fields} = p
  const last = p.map ? entry : stringField
  if (fields.length === 0) return (evt) => last(evt, name)
  if (fields.length === 1 && p.map) {
    // the event's string maps by name: a named property load, not a keyed one
    switch (fields[0]) {
      case 'Parsed':
        return (evt) => entry((evt as EventShape).Parsed, name)
      case 'Meta':
        return (evt) => entry((evt as EventShape).Meta, name)
      case 'Enriched':
        return (evt) => entry((evt as EventShape).Enriched, name)
    }
  }
  if (fields.length === 2 && p.map && fields[0] === 'Line' && fields[1] === 'Labels') {
    return (evt) => {
      const line = (evt as EventShape).Line
      return typeof line === 'object' && line !== null ? entry(line.Labels, name) : NOT_DIRECT
    }
  }
  if (fields.length === 1) {
    const a = fields[0]!
    return (evt) => last((evt as Record<string, unknown>)[a], name)
  }
  if (fields.length === 2) {
    const [a, b] = fields as [string, string]
    return (evt) => {
      const o = (evt as Record<string, unknown>)[a]
      if (typeof o !== 'object' || o === null) return NOT_DIRECT
      return last((o as Record<string, unknown>)[b], name)
    }
  }
  return undefined
}

function stringList(node: AST.Node): string[] | undefined {
  if (node.type !== 'Array') return undefined
  const out: string[] = []
  for (const e of node.elements) {
    if (e.type !== 'String') return undefined
    out.push(e.value)
  }
  return out
}

function literalOf(node: AST.Node): string | undefined {
  return node.type === 'String' ? node.value : undefined
}

function compileTest(node: AST.Node, types: TypeMap): Test | undefined {
  if (node.type === 'Unary' && (node.operator === 'not' || node.operator === '!')) {
    const inner = compileTest(node.operand, types)
    if (inner === undefined) return undefined
    return (evt) => {
      const r = inner(evt)
      return r === NOT_DIRECT ? r : !r
    }
  }
  if (node.type !== 'Binary') return undefined
  const op = node.operator
  if (op === '&&' || op === 'and' || op === '||' || op === 'or') {
    const left = compileTest(node.left, types)
    const right = compileTest(node.right, types)
    if (left === undefined || right === undefined) return undefined
    if (op === '&&' || op === 'and') {
      return (evt) => {
        const l = left(evt)
        return l === true ? right(evt) : l
      }
    }
    return (evt) => {
      const l = left(evt)
      return l === false ? right(evt) : l
    }
  }
  let read = compileRead(node.left, types)
  let literal = literalOf(node.right)
  if ((op === '==' || op === '!=') && (read === undefined || literal === undefined)) {
    read = compileRead(node.right, types) // 'x' == evt.A.B
    literal = literalOf(node.left)
  }
  if (read === undefined) return undefined
  const r = read
  if (literal !== undefined) {
    const lit = literal
    switch (op) {
      case '==':
        return (evt) => {
          const v = r(evt)
          return v === NOT_DIRECT ? v : v === lit
        }
      case '!=':
        return (evt) => {
          const v = r(evt)
          return v === NOT_DIRECT ? v : v !== lit
        }
      case 'startsWith':
        return (evt) => {
          const v = r(evt)
          return v === NOT_DIRECT ? v : v.startsWith(lit)
        }
      case 'endsWith':
        return (evt) => {
          const v = r(evt)
          return v === NOT_DIRECT ? v : v.endsWith(lit)
        }
      case 'contains':
        return (evt) => {
          const v = r(evt)
          return v === NOT_DIRECT ? v : v.includes(lit)
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
      return v === NOT_DIRECT ? v : set.has(v)
    }
  }
  return undefined
}

/** A string-valued tree: a read, a literal, `a + b`, `test ? a : b`. */
function compileString(node: AST.Node, types: TypeMap): Read | undefined {
  if (node.type === 'String') {
    const lit = node.value
    return () => lit
  }
  const read = compileRead(node, types)
  if (read !== undefined) return read
  if (node.type === 'Binary' && node.operator === '+') {
    const left = compileString(node.left, types)
    const right = compileString(node.right, types)
    if (left === undefined || right === undefined) return undefined
    return (evt) => {
      const a = left(evt)
      if (a === NOT_DIRECT) return a
      const b = right(evt)
      return b === NOT_DIRECT ? b : a + b
    }
  }
  if (node.type === 'Conditional') {
    const test = compileTest(node.test, types)
    const yes = compileString(node.consequent, types)
    const no = compileString(node.alternate, types)
    if (test === undefined || yes === undefined || no === undefined) return undefined
    return (evt) => {
      const t = test(evt)
      if (t === NOT_DIRECT) return t
      return t ? yes(evt) : no(evt)
    }
  }
  return undefined
}

/**
 * The direct closure of a checked tree of the `event` environment, or undefined when the
 * tree has another shape. Its result is the program's result, or NOT_DIRECT.
 */
export function compileEventDirect(root: AST.Node, types: TypeMap): DirectFn | undefined {
  if (root.type === 'String') return undefined // a literal: the program's constant is as fast
  return compileString(root, types) ?? compileTest(root, types) ?? compileLength(root, types)
}

const NON_ASCII = /[^\x00-\x7f]/

/** `len(<string>)` of an ASCII string: its length (other strings: bytes, left to the program). */
function compileLength(node: AST.Node, types: TypeMap): DirectFn | undefined {
  if (node.type !== 'Builtin' || node.name !== 'len' || node.args.length !== 1) return undefined
  const read = compileString(node.args[0]!, types)
  if (read === undefined) return undefined
  return (evt) => {
    const v = read(evt)
    return v === NOT_DIRECT || NON_ASCII.test(v) ? NOT_DIRECT : v.length
  }
}
