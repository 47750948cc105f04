/**
 * Scenario dispatch by log type. Most hub filters open with a test of the event's log type
 * (`evt.Meta.log_type == 'ssh_failed-auth' && ...`, `evt.Meta.log_type in ['http_access-log',
 * 'http_error-log'] and ...`). When that test is the first conjunct, an event of another log
 * type makes the filter `false` without evaluating anything else, and without error (a
 * string-map read and a string comparison cannot fail), so the detector need not run it: an
 * nginx line skips the sshd scenarios and a syslog line the HTTP ones.
 */
import type * as AST from '../expr/ast.js'
import {parseExpr} from '../expr/index.js'

/** The Meta key the gate reads. */
export const GATE_KEY = 'log_type'

/** `evt.Meta.log_type`, as written (not optional, not a method call). */
function isLogTypeRead(node: AST.Node): boolean {
  if (node.type !== 'Member' || node.optional || node.method || node.property.type !== 'String' || node.property.value !== GATE_KEY) return false
  const meta = node.object
  if (meta.type !== 'Member' || meta.optional || meta.method || meta.property.type !== 'String' || meta.property.value !== 'Meta') return false
  return meta.object.type === 'Identifier' && meta.object.name === 'evt'
}

function firstConjunct(node: AST.Node): AST.Node {
  let n = node
  while (n.type === 'Binary' && (n.operator === '&&' || n.operator === 'and')) n = n.left
  return n
}

/**
 * The log types a filter can match, when its first conjunct is `evt.Meta.log_type == 'x'`
 * (either side) or `evt.Meta.log_type in ['x', 'y']` (string literals only); undefined when
 * the filter does not open with such a test (or does not parse).
 */
export function logTypeGate(filter: string): ReadonlySet<string> | undefined {
  let root: AST.Node
  try {
    root = parseExpr(filter)
  } catch {
    return undefined
  }
  const first = firstConjunct(root)
  if (first.type !== 'Binary') return undefined
  if (first.operator === '==') {
    if (isLogTypeRead(first.left) && first.right.type === 'String') return new Set([first.right.value])
    if (isLogTypeRead(first.right) && first.left.type === 'String') return new Set([first.left.value])
    return undefined
  }
  if (first.operator === 'in' && isLogTypeRead(first.left) && first.right.type === 'Array' && first.right.elements.length > 0) {
    const values: string[] = []
    for (const e of first.right.elements) {
      if (e.type !== 'String') return undefined
      values.push(e.value)
    }
    return new Set(values)
  }
  return undefined
}

/** Masks kept per log type value (log types are few; the cache is cleared past this). */
const MAX_MASKS = 64

/**
 * Per log type value, which scenarios (by index) may match: 1 for a scenario without a gate or
 * whose gate holds the value, 0 otherwise.
 */
export class LogTypeDispatch {
  private readonly masks = new Map<string, Uint8Array>()

  private readonly all: Uint8Array

  private constructor(private readonly gates: readonly (ReadonlySet<string> | undefined)[]) {
    this.all = new Uint8Array(gates.length).fill(1)
  }

  /** undefined when no filter opens with a log type test. */
  static build(filters: readonly string[]): LogTypeDispatch | undefined {
    const gates = filters.map(logTypeGate)
    return gates.some((g) => g !== undefined) ? new LogTypeDispatch(gates) : undefined
  }

  /** The mask for an event whose Meta is `meta` (a missing log_type reads as '', as in expr). */
  mask(meta: Readonly<Record<string, unknown>>): Uint8Array {
    const value = Object.hasOwn(meta, GATE_KEY) ? meta[GATE_KEY] : ''
    // not a string (a map that is not map[string]string): every filter runs and answers for itself
    if (typeof value !== 'string') return this.all
    let m = this.masks.get(value)
    if (m === undefined) {
      m = Uint8Array.from(this.gates, (g) => (g === undefined || g.has(value) ? 1 : 0))
      if (this.masks.size >= MAX_MASKS) this.masks.clear()
      this.masks.set(value, m)
    }
    return m
  }
}
