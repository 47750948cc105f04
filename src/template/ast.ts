/**
 * The parse tree of a Go text/template, as plain data (a union discriminated by `type`), and
 * `nodeString`, which prints a node back as template source exactly as Go's Node.String()
 * does: execution errors quote it (`executing "x" at <.Source.Value>: ...`).
 *
 * `pos` is the UTF-16 offset of the node in the template text (Go's Pos, with Go's choices:
 * a field chain `.A.B` sits at its last-but-first element, a command at its first word).
 */
import {goQuote} from '../model/go-format.js'

export interface TextNode {
  type: 'text'
  pos: number
  text: string
}

export interface ActionNode {
  type: 'action'
  pos: number
  line: number
  pipe: PipeNode
}

/** if, range and with: the pipeline, the body, and the else part (null when absent). */
export interface BranchNode {
  type: 'if' | 'range' | 'with'
  pos: number
  line: number
  pipe: PipeNode
  list: ListNode
  elseList: ListNode | null
}

export interface TemplateNode {
  type: 'template'
  pos: number
  line: number
  name: string
  pipe: PipeNode | null
}

export interface LoopControlNode {
  type: 'break' | 'continue'
  pos: number
  line: number
}

export type StatementNode = TextNode | ActionNode | BranchNode | TemplateNode | LoopControlNode

export interface ListNode {
  type: 'list'
  pos: number
  nodes: StatementNode[]
}

export interface PipeNode {
  type: 'pipe'
  pos: number
  line: number
  /** `$x = ...` (true) or `$x := ...` (false), when there are declarations. */
  isAssign: boolean
  decl: VariableNode[]
  cmds: CommandNode[]
}

export interface CommandNode {
  type: 'command'
  pos: number
  args: ArgNode[]
}

/** `.A.B`: ident = ['A', 'B']. */
export interface FieldNode {
  type: 'field'
  pos: number
  ident: string[]
}

/** `$x.A`: ident = ['$x', 'A']. */
export interface VariableNode {
  type: 'variable'
  pos: number
  ident: string[]
}

/** `(pipeline).A.B` and other terms followed by fields. */
export interface ChainNode {
  type: 'chain'
  pos: number
  node: ArgNode
  field: string[]
}

export interface IdentifierNode {
  type: 'identifier'
  pos: number
  name: string
}

export interface DotNode {
  type: 'dot'
  pos: number
}

export interface NilNode {
  type: 'nil'
  pos: number
}

export interface BoolNode {
  type: 'bool'
  pos: number
  value: boolean
}

/** A number or character constant, with the interpretations Go's parser found valid. */
export interface NumberNode {
  type: 'number'
  pos: number
  text: string
  isInt: boolean
  isFloat: boolean
  int: number
  float: number
}

export interface StringNode {
  type: 'string'
  pos: number
  /** The literal as written, quotes included. */
  quoted: string
  text: string
}

export type ArgNode = FieldNode | VariableNode | ChainNode | IdentifierNode | DotNode | NilNode | BoolNode | NumberNode | StringNode | PipeNode

export type AnyNode = StatementNode | ListNode | CommandNode | ArgNode

/** A named template of the set: the main text or a `define`/`block` body. */
export interface TemplateTree {
  name: string
  root: ListNode
}

/** Go's Node.String(). */
export function nodeString(n: AnyNode): string {
  switch (n.type) {
    case 'text': return n.text
    case 'action': return `{{${nodeString(n.pipe)}}}`
    case 'if': case 'range': case 'with': {
      let out = `{{${n.type} ${nodeString(n.pipe)}}}${nodeString(n.list)}`
      if (n.elseList !== null) out += `{{else}}${nodeString(n.elseList)}`
      return out + '{{end}}'
    }
    case 'template': return `{{template ${goQuote(n.name)}${n.pipe === null ? '' : ' ' + nodeString(n.pipe)}}}`
    case 'break': return '{{break}}'
    case 'continue': return '{{continue}}'
    case 'list': return n.nodes.map(nodeString).join('')
    case 'pipe': {
      let out = ''
      if (n.decl.length > 0) out = n.decl.map(nodeString).join(', ') + (n.isAssign ? ' = ' : ' := ')
      return out + n.cmds.map(nodeString).join(' | ')
    }
    case 'command': return n.args.map((a) => (a.type === 'pipe' ? `(${nodeString(a)})` : nodeString(a))).join(' ')
    case 'field': return n.ident.map((id) => '.' + id).join('')
    case 'variable': return n.ident.join('.')
    case 'chain': return (n.node.type === 'pipe' ? `(${nodeString(n.node)})` : nodeString(n.node)) + n.field.map((f) => '.' + f).join('')
    case 'identifier': return n.name
    case 'dot': return '.'
    case 'nil': return 'nil'
    case 'bool': return n.value ? 'true' : 'false'
    case 'number': return n.text
    case 'string': return n.quoted
  }
}
