/**
 * Which Event fields the expressions that read *queued* events can see (scenario scope
 * expression, condition, bayesian conditions, overflow_filter, alert context), so that bucket
 * queues keep slim copies of events (src/model/event.ts slimEvent) instead of whole ones.
 *
 * The analysis is conservative and works on the expression tree: every string property name
 * read anywhere counts as a possibly needed event field (`#.Meta.log_type` -> Meta, `#.Time`
 * -> Time). A value that may be an event (a variable, `#`, `queue.Queue`, an index or slice,
 * filter/first/last... results) may only be read through a member, indexed, sliced, bound by
 * `let`, or walked by a structural builtin (len, filter, map, all...); anywhere else (a helper
 * argument, a comparison, a computed key, a predicate returning `#`) it could be inspected
 * whole, and the answer is "keep the full event".
 */
import * as AST from '../expr/ast.js'
import type {Program} from '../expr/index.js'

/** Top-level Event field names an expression may read, or 'all'. */
export type EventNeeds = Set<string> | 'all'

/** Builtins whose first argument is only walked (elements reach the predicate as `#`). */
const STRUCTURAL_BUILTINS = new Set([
  'len', 'all', 'any', 'none', 'one', 'filter', 'map', 'count', 'find', 'findIndex', 'findLast', 'findLastIndex',
  'first', 'last', 'reverse', 'sortBy', 'take',
])
/** Builtins whose result may hold elements of their first argument. */
const ELEMENT_BUILTINS = new Set(['filter', 'find', 'findLast', 'first', 'last', 'reverse', 'sortBy', 'take'])
/** Property names whose value may be events (`queue.Queue`, `leaky.Queue.Queue`). */
const EVENT_LIST_FIELDS = new Set(['Queue'])

/** Event methods and the fields they read; a method missing here (SetMeta...) means 'all'. */
const METHOD_FIELDS: Readonly<Record<string, readonly string[]>> = {
  GetMeta: ['Meta', 'Type', 'Overflow'],
  GetType: ['Type'],
  ParseIPSources: ['Meta', 'Type', 'Overflow'],
}
const MUTATING_METHODS = new Set(['SetMeta', 'SetParsed'])

function isConstantIndex(node: AST.Node): boolean {
  if (node.type === 'String' || node.type === 'Int') return true
  return node.type === 'Unary' && (node.operator === '-' || node.operator === '+') && node.operand.type === 'Int'
}

/**
 * What a sub-tree's names stand for: whether `#` (and `#acc`) may be an event (the walked
 * list may hold events), and which `let` variables may hold one. Unknown identifiers (`evt`,
 * `queue`, `leaky`...) may.
 */
interface Scope {
  pointer: boolean
  vars: ReadonlyMap<string, boolean>
}

const TOP: Scope = {pointer: true, vars: new Map()}

function bind(scope: Scope, name: string, event: boolean): Scope {
  return {pointer: scope.pointer, vars: new Map(scope.vars).set(name, event)}
}

/** Whether a node's value may be an event or a list of events. */
function mayBeEvent(node: AST.Node, scope: Scope): boolean {
  switch (node.type) {
    case 'Pointer':
      return node.name === 'index' ? false : scope.pointer
    case 'Identifier': {
      const v = scope.vars.get(node.name)
      return v ?? true
    }
    case 'Slice':
      return mayBeEvent(node.object, scope)
    case 'Conditional':
      return mayBeEvent(node.consequent, scope) || mayBeEvent(node.alternate, scope)
    case 'VariableDeclarator':
      return mayBeEvent(node.body, bind(scope, node.name, mayBeEvent(node.init, scope)))
    case 'Sequence':
      return node.nodes.length > 0 && mayBeEvent(node.nodes[node.nodes.length - 1]!, scope)
    case 'Chain':
      return mayBeEvent(node.node, scope)
    case 'Member':
      return node.property.type !== 'String' ? mayBeEvent(node.object, scope) : EVENT_LIST_FIELDS.has(node.property.value)
    case 'Builtin':
      return ELEMENT_BUILTINS.has(node.name) && node.args.length > 0 && mayBeEvent(node.args[0]!, scope)
    case 'Array':
      return node.elements.some((e) => mayBeEvent(e, scope))
    default:
      return false
  }
}

/** The scope of a builtin's predicate: `#` is an element of its first argument. */
function predicateScope(builtin: AST.BuiltinNode, scope: Scope): Scope {
  const elements = builtin.args.length > 0 && mayBeEvent(builtin.args[0]!, scope)
  return elements === scope.pointer ? scope : {pointer: elements, vars: scope.vars}
}

/**
 * Walks a tree with its scopes: `visit(node, parent, scope)` returns false to skip the node's
 * children.
 */
function walkScoped(root: AST.Node, visit: (node: AST.Node, parent: AST.Node | undefined, scope: Scope) => boolean): void {
  const walk = (node: AST.Node, parent: AST.Node | undefined, scope: Scope): void => {
    if (!visit(node, parent, scope)) return
    if (node.type === 'VariableDeclarator') {
      walk(node.init, node, scope)
      walk(node.body, node, bind(scope, node.name, mayBeEvent(node.init, scope)))
      return
    }
    if (node.type === 'Builtin') {
      const inner = predicateScope(node, scope)
      for (const a of node.args) walk(a, node, a.type === 'Predicate' ? inner : scope)
      return
    }
    for (const c of AST.children(node)) walk(c, node, scope)
  }
  walk(root, undefined, TOP)
}

/** Whether `child` (a possible event) sits where only its fields or elements are read. */
function safePosition(child: AST.Node, parent: AST.Node | undefined): boolean {
  if (parent === undefined) return false
  switch (parent.type) {
    case 'Member':
      return parent.object === child
    case 'Slice':
      return parent.object === child
    case 'Builtin':
      return parent.args[0] === child && STRUCTURAL_BUILTINS.has(parent.name)
    case 'VariableDeclarator':
      return parent.init === child
    case 'Call':
      return parent.callee === child
    case 'Sequence':
    case 'Conditional':
      return false
    default:
      return false
  }
}


/**
 * The event fields one expression may read (see the file comment). A call of a mutating
 * method (SetMeta, SetParsed) needs the whole event unless `mutations` is 'keyed' (the
 * caller keeps every map the method writes whole, or reads its keys by name).
 */
export function programNeeds(program: Program, mutations: 'all' | 'keyed' = 'all'): EventNeeds {
  const ast = (program as {ast?: AST.Node}).ast
  if (ast === undefined) return 'all'
  const names = new Set<string>()
  let all = false
  walkScoped(ast, (node, parent, scope) => {
    if (all) return false
    if (node.type === 'Member') {
      if (!isConstantIndex(node.property)) {
        all = true
        return false
      }
      if (node.property.type === 'String') {
        const name = node.property.value
        if (MUTATING_METHODS.has(name) && mutations === 'all') {
          all = true
          return false
        }
        names.add(name)
        const fields = Object.hasOwn(METHOD_FIELDS, name) ? METHOD_FIELDS[name] : undefined
        if (fields !== undefined) for (const f of fields) names.add(f)
      }
    }
    // a value that may be an event, used other than through its fields/elements (the
    // inside of a chain is judged by the chain's own position)
    if (parent?.type !== 'Chain' && mayBeEvent(node, scope) && !safePosition(node, parent)) {
      all = true
      return false
    }
    return true
  })
  return all ? 'all' : names
}

/** Union of needs (undefined programs are skipped). */
export function mergeNeeds(programs: ReadonlyArray<Program | undefined>, base: Iterable<string>): EventNeeds {
  const out = new Set(base)
  for (const p of programs) {
    if (p === undefined) continue
    const n = programNeeds(p)
    if (n === 'all') return 'all'
    for (const f of n) out.add(f)
  }
  return out
}

/** The keys of one event map an expression may read, or 'all'. */
export type KeyNeeds = ReadonlySet<string> | 'all'

/**
 * What the detection side may read of a poured log event, per map key: the parse worker
 * (src/pipeline/parse-thread.ts) sends only these fields across threads. Meta and the scalar
 * fields always go whole; `Line.Raw` only when some expression reads it.
 */
export interface EventKeyNeeds {
  Parsed: KeyNeeds
  Enriched: KeyNeeds
  Unmarshaled: KeyNeeds
  raw: boolean
}

/** Every field of the event. */
export const ALL_KEYS: EventKeyNeeds = {Parsed: 'all', Enriched: 'all', Unmarshaled: 'all', raw: true}

const KEYED_MAPS = ['Parsed', 'Enriched', 'Unmarshaled'] as const
type KeyedMap = (typeof KEYED_MAPS)[number]

/**
 * The map keys `programs` may read of an event, on top of `base` keys (the Enriched fields
 * alert sources read). Conservative like programNeeds: `X.Parsed.K` with a constant K names
 * K; a keyed map used any other way (`len(evt.Parsed)`, `'k' in evt.Parsed`, `let p =
 * evt.Parsed`, a computed key, a helper argument) needs the whole map, and an event used
 * whole anywhere (programNeeds 'all') needs everything.
 */
export function eventKeyNeeds(programs: ReadonlyArray<Program | undefined>, base: Partial<Record<KeyedMap, readonly string[]>> = {}): EventKeyNeeds {
  const keys: Record<KeyedMap, Set<string> | 'all'> = {
    Parsed: new Set(base.Parsed ?? []),
    Enriched: new Set(base.Enriched ?? []),
    Unmarshaled: new Set(base.Unmarshaled ?? []),
  }
  let raw = false
  for (const p of programs) {
    if (p === undefined) continue
    const ast = (p as {ast?: AST.Node}).ast
    // SetMeta writes Meta (always whole); a key SetParsed writes is read back by name, or the map goes whole
    if (ast === undefined || programNeeds(p, 'keyed') === 'all') return ALL_KEYS
    const visit = (node: AST.Node, parent: AST.Node | undefined): void => {
      if (node.type === 'Member' && node.property.type === 'String') {
        const name = node.property.value
        if (name === 'Raw') raw = true
        const readByKey = parent?.type === 'Member' && parent.object === node && parent.property.type === 'String' && !parent.method
        if (name === 'Line' && !readByKey) raw = true
        if ((KEYED_MAPS as readonly string[]).includes(name)) {
          const map = name as KeyedMap
          const set = keys[map]
          if (!readByKey) keys[map] = 'all'
          else if (set !== 'all') set.add((parent.property as AST.StringNode).value)
        }
      }
      for (const c of AST.children(node)) visit(c, node)
    }
    visit(ast, undefined)
  }
  return {...keys, raw}
}
