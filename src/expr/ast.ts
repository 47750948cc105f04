/**
 * The syntax tree: plain data, a union discriminated by `type`. Every node carries the
 * offsets of the token that names it (`start`, `end`), used for error columns.
 */

export interface Loc {
  start: number
  end: number
}

export interface NilNode extends Loc { type: 'Nil' }
export interface BoolNode extends Loc { type: 'Bool'; value: boolean }
export interface IntNode extends Loc { type: 'Int'; value: number; raw: string }
export interface FloatNode extends Loc { type: 'Float'; value: number; raw: string }
export interface StringNode extends Loc { type: 'String'; value: string }
export interface BytesNode extends Loc { type: 'Bytes'; value: string }
export interface IdentifierNode extends Loc { type: 'Identifier'; name: string }
/** `#`, `#index`, `#acc` (name '' , 'index', 'acc'); also the implicit `#` of `.field` in a predicate. */
export interface PointerNode extends Loc { type: 'Pointer'; name: string }
export interface UnaryNode extends Loc { type: 'Unary'; operator: string; operand: Node }
export interface BinaryNode extends Loc { type: 'Binary'; operator: string; left: Node; right: Node }
/** Wraps a member chain that contains `?.`: a nil met by an optional access makes the whole chain nil. */
export interface ChainNode extends Loc { type: 'Chain'; node: Node }
/** `a.b` (property is a String node, `method` when called), `a[b]`. */
export interface MemberNode extends Loc { type: 'Member'; object: Node; property: Node; optional: boolean; method: boolean }
export interface SliceNode extends Loc { type: 'Slice'; object: Node; from?: Node; to?: Node }
/** A call of a helper, a variable holding a function, or a method (callee is a Member with method=true). */
export interface CallNode extends Loc { type: 'Call'; callee: Node; args: Node[] }
/** A call of an expr builtin (`len`, `filter`, ...). */
export interface BuiltinNode extends Loc { type: 'Builtin'; name: string; args: Node[] }
export interface PredicateNode extends Loc { type: 'Predicate'; body: Node }
export interface ConditionalNode extends Loc { type: 'Conditional'; test: Node; consequent: Node; alternate: Node; ternary: boolean }
export interface VariableDeclaratorNode extends Loc { type: 'VariableDeclarator'; name: string; init: Node; body: Node }
export interface SequenceNode extends Loc { type: 'Sequence'; nodes: Node[] }
export interface ArrayNode extends Loc { type: 'Array'; elements: Node[] }
export interface MapNode extends Loc { type: 'Map'; pairs: PairNode[] }
export interface PairNode extends Loc { type: 'Pair'; key: Node; value: Node }

export type Node =
  | NilNode
  | BoolNode
  | IntNode
  | FloatNode
  | StringNode
  | BytesNode
  | IdentifierNode
  | PointerNode
  | UnaryNode
  | BinaryNode
  | ChainNode
  | MemberNode
  | SliceNode
  | CallNode
  | BuiltinNode
  | PredicateNode
  | ConditionalNode
  | VariableDeclaratorNode
  | SequenceNode
  | ArrayNode
  | MapNode
  | PairNode

export type NodeType = Node['type']

/** The direct children of a node, in source order. */
export function children(node: Node): Node[] {
  switch (node.type) {
    case 'Unary':
      return [node.operand]
    case 'Binary':
      return [node.left, node.right]
    case 'Chain':
      return [node.node]
    case 'Member':
      return [node.object, node.property]
    case 'Slice':
      return [node.object, ...(node.from ? [node.from] : []), ...(node.to ? [node.to] : [])]
    case 'Call':
      return [node.callee, ...node.args]
    case 'Builtin':
      return node.args
    case 'Predicate':
      return [node.body]
    case 'Conditional':
      return [node.test, node.consequent, node.alternate]
    case 'VariableDeclarator':
      return [node.init, node.body]
    case 'Sequence':
      return node.nodes
    case 'Array':
      return node.elements
    case 'Map':
      return node.pairs
    case 'Pair':
      return [node.key, node.value]
    default:
      return []
  }
}

/** Visits every node, parents before children. */
export function walk(node: Node, visit: (node: Node, parent: Node | undefined) => void, parent?: Node): void {
  visit(node, parent)
  for (const child of children(node)) walk(child, visit, node)
}
