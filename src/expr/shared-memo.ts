/**
 * A sub-expression memo shared by several programs (`compileExpr(src, {memo})`): pure sub-trees
 * that read the environment (`Upper(evt.Meta.http_path)`, `RegexpInFile(...)`, `any(File(..), ..)`)
 * are interned by their printed source, and each is evaluated at most once per epoch across every
 * program compiled with the same memo. The owner calls `next()` whenever the variables may have
 * changed (a new event, or after something that can change it): a result is never read in
 * another epoch. A failure is kept as a failure and thrown again (at the reading node's offset).
 */
import * as AST from './ast.js'
import {BUILTINS} from './builtins.js'
import {ExprFailure} from './errors.js'
import type {Optimizations} from './optimizer.js'
import {print} from './print.js'
import {DATA_HELPERS, IMPURE_BUILTINS, PURE_HELPERS, PURE_METHODS} from './purity.js'

export class SharedMemo {
  private readonly ids = new Map<string, number>()
  /** Epoch of each entry's value; an entry is valid only when it equals `epoch`. */
  epochs = new Uint32Array(16)
  values: unknown[] = []
  /** 1: the entry holds a thrown value (in `values`). */
  failed = new Uint8Array(16)
  /** Source offset of the node that computed a failure. */
  starts: number[] = []
  epoch = 1

  /** The entry of a printed sub-expression (same text, same entry). */
  id(key: string): number {
    let id = this.ids.get(key)
    if (id !== undefined) return id
    id = this.ids.size
    this.ids.set(key, id)
    if (id >= this.epochs.length) {
      const epochs = new Uint32Array(this.epochs.length * 2)
      epochs.set(this.epochs)
      this.epochs = epochs
      const failed = new Uint8Array(this.failed.length * 2)
      failed.set(this.failed)
      this.failed = failed
    }
    this.values.push(undefined)
    this.starts.push(0)
    return id
  }

  /** Number of interned sub-expressions. */
  get size(): number {
    return this.ids.size
  }

  /** Forgets every value (a new event, or the variables may have changed). */
  next(): void {
    if (++this.epoch === 0xffffffff) {
      this.epochs.fill(0)
      this.epoch = 1
    }
  }

  store(id: number, value: unknown): void {
    this.values[id] = value
    this.failed[id] = 0
    this.epochs[id] = this.epoch
  }

  storeError(id: number, error: unknown, start: number): void {
    this.values[id] = error
    this.failed[id] = 1
    this.starts[id] = start
    this.epochs[id] = this.epoch
  }

  /** The kept failure as the node starting at `start` would have thrown it. */
  error(id: number, start: number): unknown {
    const e = this.values[id]
    const from = this.starts[id]!
    if (!(e instanceof ExprFailure) || from === start) return e
    const moved = new ExprFailure(e.message, Math.max(0, e.offset - from + start))
    if (e.cause !== undefined) moved.cause = e.cause
    return moved
  }
}

/** Binary operators worth a memo entry (string scans); cheaper ones cost less than the lookup. */
const SCAN_OPERATORS: ReadonlySet<string> = new Set(['contains', 'startsWith', 'endsWith', 'matches'])

/**
 * The sub-trees of `root` a shared memo may hold, with their keys: calls of pure or data-file
 * helpers, builtins and string scans that read the environment, use no let variable and no `#`
 * bound outside them, and call nothing impure (a helper shadowed by a let never counts).
 */
export function selectShared(root: AST.Node, o: Optimizations): Map<AST.Node, string> {
  const out = new Map<AST.Node, string>()
  /** Pure, and every `#` it uses is bound by a predicate inside it. */
  const closed = (node: AST.Node, depth: number): boolean => {
    switch (node.type) {
      case 'Pointer':
        return depth > 0
      case 'Call': {
        const callee = node.callee
        if (callee.type === 'Identifier') {
          if (!o.helperCalls.has(node) || !(PURE_HELPERS.has(callee.name) || DATA_HELPERS.has(callee.name))) return false
          return node.args.every((a) => closed(a, depth))
        }
        if (callee.type === 'Member' && callee.method && callee.property.type === 'String' && PURE_METHODS.has(callee.property.value)) {
          return closed(callee.object, depth) && node.args.every((a) => closed(a, depth))
        }
        return false
      }
      case 'Builtin': {
        const spec = BUILTINS.get(node.name)
        if (spec === undefined || IMPURE_BUILTINS.has(node.name)) return false
        if (spec.predicate) return node.args.every((a, i) => closed(a, i === 1 ? depth + 1 : depth))
        return node.args.every((a) => closed(a, depth))
      }
      default:
        return AST.children(node).every((c) => closed(c, depth))
    }
  }
  const worth = (node: AST.Node): boolean =>
    node.type === 'Call' || node.type === 'Builtin' || (node.type === 'Binary' && SCAN_OPERATORS.has(node.operator))
  AST.walk(root, (node) => {
    if (!worth(node) || o.constants.has(node)) return
    const f = o.facts.get(node)
    if (f === undefined || !f.env || f.constant || f.free.size > 0) return
    if (!closed(node, 0)) return
    out.set(node, print(node))
  })
  return out
}
