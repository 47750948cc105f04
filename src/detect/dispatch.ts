/**
 * Scenario dispatch by field values. Most hub filters open with equality tests of event
 * fields: `evt.Meta.log_type == 'ssh_failed-auth' && ...`, `evt.Meta.service == 'http' &&
 * evt.Meta.http_status in ['404', '403'] && ...`, `if (evt.Meta.service == 'http' and ...)
 * {...} else { false }`. Reading a string-map entry and comparing it with string literals can
 * neither fail nor change anything, so when one of these leading tests is false the whole filter
 * is `false` without error and need not run: an nginx line skips the sshd scenarios, a 200
 * response the 404-probing ones.
 *
 * At load each filter gets its *gates*: the tests of its leading `&&` conjuncts (of the test of
 * an `if ... else { false }` / `? : false`) up to the first other conjunct, each a (map, key,
 * allowed values). Per event, `mask` reads each gated key once and gives the scenarios whose
 * gates all pass, as a bit set.
 */
import type * as AST from '../expr/ast.js'
import {parseExpr} from '../expr/index.js'

/** The string maps of an event a gate may read. */
export type GateMap = 'Meta' | 'Parsed' | 'Enriched'
const GATE_MAPS: ReadonlySet<string> = new Set(['Meta', 'Parsed', 'Enriched'])
const GATE_SLOT: Record<GateMap, number> = {Meta: 0, Parsed: 1, Enriched: 2}

/** `evt.<map>.<key> ∈ values`. */
export interface Gate {
  map: GateMap
  key: string
  values: ReadonlySet<string>
}

/** `evt.Meta.K` (or Parsed/Enriched), as written (not optional, not a method call). */
function fieldRead(node: AST.Node): {map: GateMap; key: string} | undefined {
  if (node.type !== 'Member' || node.optional || node.method || node.property.type !== 'String') return undefined
  const map = node.object
  if (map.type !== 'Member' || map.optional || map.method || map.property.type !== 'String' || !GATE_MAPS.has(map.property.value)) return undefined
  if (map.object.type !== 'Identifier' || map.object.name !== 'evt') return undefined
  return {map: map.property.value as GateMap, key: node.property.value}
}

function conjuncts(node: AST.Node, out: AST.Node[]): AST.Node[] {
  if (node.type === 'Binary' && (node.operator === '&&' || node.operator === 'and')) {
    conjuncts(node.left, out)
    conjuncts(node.right, out)
  } else {
    out.push(node)
  }
  return out
}

/** `evt.M.K == 'x'` (either side) or `evt.M.K in ['x', 'y']` (string literals only). */
function gateOf(node: AST.Node): Gate | undefined {
  if (node.type !== 'Binary') return undefined
  if (node.operator === '==') {
    for (const [read, other] of [[node.left, node.right], [node.right, node.left]] as const) {
      const field = fieldRead(read)
      if (field !== undefined && other.type === 'String') return {...field, values: new Set([other.value])}
    }
    return undefined
  }
  if (node.operator === 'in' && node.right.type === 'Array' && node.right.elements.length > 0) {
    const field = fieldRead(node.left)
    if (field === undefined) return undefined
    const values: string[] = []
    for (const e of node.right.elements) {
      if (e.type !== 'String') return undefined
      values.push(e.value)
    }
    return {...field, values: new Set(values)}
  }
  return undefined
}

/**
 * The gates of a filter: its leading field tests (see the module comment); [] when it opens
 * with anything else or does not parse. `evt` is the environment's variable: a filter that
 * rebinds it (`let evt = ..`) is not a chain of conjuncts, so it has none.
 */
export function filterGates(filter: string): Gate[] {
  let root: AST.Node
  try {
    root = parseExpr(filter)
  } catch {
    return []
  }
  // `if C {X} else {false}` and `C ? X : false` are false whenever C is
  if (root.type === 'Conditional' && root.alternate.type === 'Bool' && !root.alternate.value) root = root.test
  const gates: Gate[] = []
  for (const c of conjuncts(root, [])) {
    const gate = gateOf(c)
    if (gate === undefined) break
    gates.push(gate)
  }
  return gates
}

interface GatedKey {
  map: GateMap
  /** The map's place in mask()'s reads: 0 Meta, 1 Parsed, 2 Enriched. */
  slot: number
  key: string
  /** Object.prototype has the key: a defined value may be inherited (a plain-object map), so ask hasOwn. */
  inheritable: boolean
  /** The values named by some gate on this key, and the scenarios each allows. */
  values: string[]
  allowed: Uint32Array[]
  /** values -> allowed, when there are too many values to compare one by one. */
  index: Map<string, Uint32Array> | undefined
  /** Scenarios allowed by any other value (those without a gate on this key). */
  others: Uint32Array
}

/** Up to this many values, a key's value is compared with each (no hashing of a long path). */
const LINEAR_VALUES = 4

/** Per event, which scenarios (by index) the gates of their filters let through. */
export class FilterDispatch {
  private readonly keys: GatedKey[] = []
  private readonly all: Uint32Array
  private readonly scratch: Uint32Array
  /** mask()'s reads of the event's maps, by GatedKey.slot (emptied after each call). */
  private readonly maps: (object | null)[] = [null, null, null]

  private constructor(gates: readonly (readonly Gate[])[]) {
    const words = (gates.length + 31) >>> 5
    this.all = new Uint32Array(words)
    for (let i = 0; i < gates.length; i++) this.all[i >>> 5]! |= 1 << (i & 31)
    this.scratch = new Uint32Array(words)
    const byName = new Map<string, GatedKey>()
    // per key: a scenario is allowed by a value unless one of its gates on the key excludes it
    gates.forEach((list, i) => {
      for (const g of list) {
        const name = `${g.map}\0${g.key}`
        let k = byName.get(name)
        if (k === undefined) {
          k = {map: g.map, slot: GATE_SLOT[g.map], key: g.key, inheritable: g.key in Object.prototype, values: [], allowed: [], index: undefined, others: this.all.slice()}
          byName.set(name, k)
        }
        k.others[i >>> 5]! &= ~(1 << (i & 31))
      }
    })
    for (const k of byName.values()) {
      const values = new Set<string>()
      for (const list of gates) for (const g of list) if (g.map === k.map && g.key === k.key) for (const v of g.values) values.add(v)
      for (const v of values) {
        const allowed = this.all.slice()
        gates.forEach((list, i) => {
          if (list.some((g) => g.map === k.map && g.key === k.key && !g.values.has(v))) allowed[i >>> 5]! &= ~(1 << (i & 31))
        })
        k.values.push(v)
        k.allowed.push(allowed)
      }
      if (k.values.length > LINEAR_VALUES) k.index = new Map(k.values.map((v, i) => [v, k.allowed[i]!]))
      this.keys.push(k)
    }
  }

  /** undefined when no filter has a gate. */
  static build(filters: readonly string[]): FilterDispatch | undefined {
    const gates = filters.map(filterGates)
    return gates.some((g) => g.length > 0) ? new FilterDispatch(gates) : undefined
  }

  /** How many distinct keys the gates read. */
  get keyCount(): number {
    return this.keys.length
  }

  /**
   * The scenarios this event's field values let through (bit i: scenario i). A missing key
   * reads as '' (as in expr); a map or value that is not a string lets every scenario through
   * on that key (the filter answers for itself). The array is reused by the next call.
   */
  mask(evt: {Meta: object; Parsed: object; Enriched: object}): Uint32Array {
    const out = this.scratch
    out.set(this.all)
    // each map read once, by name (not evt[g.map] per key)
    const maps = this.maps
    maps[0] = evt.Meta
    maps[1] = evt.Parsed
    maps[2] = evt.Enriched
    for (let k = 0; k < this.keys.length; k++) {
      const g = this.keys[k]!
      const m = maps[g.slot] as Record<string, unknown> | null | undefined
      if (m === null || typeof m !== 'object') continue
      let v = m[g.key]
      if (v === undefined || (g.inheritable && !Object.hasOwn(m, g.key))) v = ''
      if (typeof v !== 'string') continue
      let allowed = g.others
      if (g.index !== undefined) allowed = g.index.get(v) ?? allowed
      else {
        const values = g.values
        for (let i = 0; i < values.length; i++) {
          if (values[i] === v) {
            allowed = g.allowed[i]!
            break
          }
        }
      }
      for (let w = 0; w < out.length; w++) out[w]! &= allowed[w]!
    }
    maps[0] = maps[1] = maps[2] = null
    return out
  }
}

/** Whether scenario `i` is let through by `mask`. */
export function allows(mask: Uint32Array, i: number): boolean {
  return (mask[i >>> 5]! & (1 << (i & 31))) !== 0
}
