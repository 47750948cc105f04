/**
 * AST -> source text (expr `ast/print.go`): prints valid expr source, fully parenthesised
 * where precedence requires it, so that parse(print(ast)) gives the same tree. Also an
 * indented node view for `crowd expr eval --explain`.
 */
import {children, type Node} from './ast.js'
import {BINARY, UNARY} from './tokens.js'

function quote(s: string): string {
  return JSON.stringify(s)
}

function needsParens(child: Node, parentPrecedence: number, right: boolean, rightAssoc: boolean): boolean {
  if (child.type === 'Conditional' || child.type === 'VariableDeclarator' || child.type === 'Sequence') return true
  if (child.type === 'Binary') {
    const p = BINARY[child.operator]?.precedence ?? 0
    if (child.operator === '??' ) return true
    return p < parentPrecedence || (p === parentPrecedence && (right ? !rightAssoc : rightAssoc))
  }
  if (child.type === 'Unary') return (UNARY[child.operator] ?? 0) < parentPrecedence || right === false
  return false
}

export function print(node: Node): string {
  switch (node.type) {
    case 'Nil':
      return 'nil'
    case 'Bool':
      return String(node.value)
    case 'Int':
    case 'Float':
      return node.raw
    case 'String':
      return quote(node.value)
    case 'Bytes':
      return 'b' + quote(node.value)
    case 'Identifier':
      return node.name
    case 'Pointer':
      return '#' + node.name
    case 'Unary': {
      const operand = print(node.operand)
      const wrap = node.operand.type === 'Binary' || node.operand.type === 'Conditional' || node.operand.type === 'Unary'
      const op = node.operator === 'not' ? 'not ' : node.operator
      return `${op}${wrap ? `(${operand})` : operand}`
    }
    case 'Binary': {
      const op = BINARY[node.operator] ?? {precedence: 0, associativity: 'left'}
      const rightAssoc = op.associativity === 'right'
      const l = needsParens(node.left, op.precedence, false, rightAssoc) ? `(${print(node.left)})` : print(node.left)
      const r = needsParens(node.right, op.precedence, true, rightAssoc) ? `(${print(node.right)})` : print(node.right)
      return `${l} ${node.operator} ${r}`
    }
    case 'Chain':
      return print(node.node)
    case 'Member': {
      const object = printOperand(node.object)
      if (node.method && node.property.type === 'String') return `${object}${node.optional ? '?.' : '.'}${node.property.value}`
      if (node.property.type === 'String' && /^[A-Za-z_$][A-Za-z0-9_$]*$/.test(node.property.value)) {
        return node.object.type === 'Pointer' && node.object.name === '' && !node.optional
          ? `${object}.${node.property.value}`
          : `${object}${node.optional ? '?.' : '.'}${node.property.value}`
      }
      return `${object}${node.optional ? '?.' : ''}[${print(node.property)}]`
    }
    case 'Slice':
      return `${printOperand(node.object)}[${node.from ? print(node.from) : ''}:${node.to ? print(node.to) : ''}]`
    case 'Call':
      return `${node.callee.type === 'Identifier' ? node.callee.name : print(node.callee)}(${node.args.map(print).join(', ')})`
    case 'Builtin':
      return `${node.name}(${node.args.map(print).join(', ')})`
    case 'Predicate':
      return `{${print(node.body)}}`
    case 'Conditional':
      if (!node.ternary) return `if ${print(node.test)} { ${print(node.consequent)} } else { ${print(node.alternate)} }`
      return `${printOperand(node.test, true)} ? ${printOperand(node.consequent, true)} : ${print(node.alternate)}`
    case 'VariableDeclarator':
      return `let ${node.name} = ${print(node.init)}; ${print(node.body)}`
    case 'Sequence':
      return node.nodes.map(print).join('; ')
    case 'Array':
      return `[${node.elements.map(print).join(', ')}]`
    case 'Map':
      return `{${node.pairs.map(print).join(', ')}}`
    case 'Pair':
      return `${node.key.type === 'String' ? quote(node.key.value) : `(${print(node.key)})`}: ${print(node.value)}`
  }
}

function printOperand(node: Node, conditional = false): string {
  const simple = !['Binary', 'Unary', 'Conditional', 'VariableDeclarator', 'Sequence'].includes(node.type)
  if (conditional && node.type !== 'Conditional' && node.type !== 'VariableDeclarator' && node.type !== 'Sequence') return print(node)
  return simple ? print(node) : `(${print(node)})`
}

/** One line per node, indented by depth: `Binary &&`, `  Member .Meta`... */
export function explain(node: Node, depth = 0): string {
  const pad = '  '.repeat(depth)
  let label: string
  switch (node.type) {
    case 'Binary':
    case 'Unary':
      label = `${node.type} ${node.operator}`
      break
    case 'Identifier':
      label = `Identifier ${node.name}`
      break
    case 'String':
      label = `String ${quote(node.value)}`
      break
    case 'Int':
    case 'Float':
      label = `${node.type} ${node.raw}`
      break
    case 'Bool':
      label = `Bool ${node.value}`
      break
    case 'Member':
      label = `Member${node.optional ? ' (optional)' : ''}${node.method ? ' (method)' : ''}`
      break
    case 'Builtin':
      label = `Builtin ${node.name}`
      break
    case 'Pointer':
      label = `Pointer #${node.name}`
      break
    case 'VariableDeclarator':
      label = `Let ${node.name}`
      break
    default:
      label = node.type
  }
  return [`${pad}${label}`, ...children(node).map((c) => explain(c, depth + 1))].join('\n')
}
