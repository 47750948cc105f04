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

/** Whether a node's value may be an event or a list of events. */
function mayBeEvent(node: AST.Node): boolean {
  switch (node.type) {
    case 'Pointer':
    case 'Identifier':
    case 'Slice':
      return true
    case 'Conditional':
      return mayBeEvent(node.consequent) || mayBeEvent(node.alternate)
    case 'VariableDeclarator':
      return mayBeEvent(node.body)
    case 'Sequence':
      return node.nodes.length > 0 && mayBeEvent(node.nodes[node.nodes.length - 1]!)
    case 'Chain':
      return mayBeEvent(node.node)
    case 'Member':
      return node.property.type !== 'String' || EVENT_LIST_FIELDS.has(node.property.value)
    case 'Builtin':
      return ELEMENT_BUILTINS.has(node.name)
    case 'Array':
      return node.elements.some(mayBeEvent)
    default:
      return false
  }
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


/** The event fields one expression may read (see the file comment). */
export function programNeeds(program: Program): EventNeeds {
  const ast = (program as {ast?: AST.Node}).ast
  if (ast === undefined) return 'all'
  const names = new Set<string>()
  let all = false
  const visit = (node: AST.Node, parent: AST.Node | undefined): void => {
    if (all) return
    if (node.type === 'Member') {
      if (!isConstantIndex(node.property)) {
        all = true
        return
      }
      if (node.property.type === 'String') {
        const name = node.property.value
        if (MUTATING_METHODS.has(name)) {
          all = true
          return
        }
        names.add(name)
        const fields = Object.hasOwn(METHOD_FIELDS, name) ? METHOD_FIELDS[name] : undefined
        if (fields !== undefined) for (const f of fields) names.add(f)
      }
    }
    // a value that may be an event, used other than through its fields/elements (the
    // inside of a chain is judged by the chain's own position)
    if (parent?.type !== 'Chain' && mayBeEvent(node) && !safePosition(node, parent)) {
      all = true
      return
    }
    for (const c of AST.children(node)) visit(c, node)
  }
  visit(ast, undefined)
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
