/**
 * The parser: tokens -> AST, written as precedence climbing over the table in tokens.ts.
 *
 * How precedence is handled: `parseExpression(p)` parses a primary, then keeps absorbing
 * binary operators whose precedence is >= p; a left-associative operator parses its right
 * side with p+1, a right-associative one with p. Unary operators parse their operand with
 * their own precedence, so `not a == b` is `(not a) == b` (expr.md §3.2). The methods below
 * descend in that order:
 *   parseSequence -> parseExpression -> parsePrimary -> parseSecondary -> parsePostfix
 * with parseConditional (`?:`), parseLet and parseIf at the top level of an expression.
 */
import type * as AST from './ast.js'
import {ExprFailure} from './errors.js'
import {tokenize} from './lexer.js'
import {BINARY, CHAINED_COMPARISONS, NEGATABLE, PREDICATE_BUILTINS, UNARY, describeToken, isIdentifierPart, isIdentifierStart, type Token} from './tokens.js'

/** Names the parser turns into Builtin nodes (predicate builtins are parsed specially). */
export type BuiltinNameSet = ReadonlySet<string>

export class Parser {
  private readonly tokens: Token[]
  /** Index of the current token. */
  private index = 0
  /** The current token. */
  private current: Token
  /** Nesting depth of predicates: `#` and `.field` are allowed only when > 0. */
  private depth = 0

  constructor(source: string, private readonly builtins: BuiltinNameSet) {
    this.tokens = tokenize(source)
    this.current = this.tokens[0]!
  }

  /** Parses the whole source; it must be one (sequence) expression. */
  parse(): AST.Node {
    const node = this.parseSequence()
    if (this.current.kind !== 'eof') this.unexpected()
    return node
  }

  // --- token helpers -------------------------------------------------------------------

  private next(): void {
    if (this.index < this.tokens.length - 1) this.index++
    this.current = this.tokens[this.index]!
  }

  private is(kind: Token['kind'], value?: string): boolean {
    return this.current.kind === kind && (value === undefined || this.current.value === value)
  }

  private isOp(value: string): boolean {
    return this.current.kind === 'operator' && this.current.value === value
  }

  private isBracket(value: string): boolean {
    return this.current.kind === 'bracket' && this.current.value === value
  }

  private expect(kind: Token['kind'], value?: string): Token {
    const token = this.current
    if (!this.is(kind, value)) this.unexpected()
    this.next()
    return token
  }

  private unexpected(token: Token = this.current): never {
    throw new ExprFailure(`unexpected token ${describeToken(token)}`, token.start)
  }

  private raise(message: string, at: number = this.current.start): never {
    throw new ExprFailure(message, at)
  }

  // --- expressions, lowest precedence first ---------------------------------------------

  /** `a; b; c` (a trailing `;` is allowed). */
  parseSequence(): AST.Node {
    const start = this.current.start
    const nodes = [this.parseExpression(0)]
    while (this.isOp(';')) {
      this.next()
      if (this.is('eof') || this.isBracket(')') || this.isBracket('}')) break
      nodes.push(this.parseExpression(0))
    }
    if (nodes.length === 1) return nodes[0]!
    return {type: 'Sequence', nodes, start, end: this.current.start}
  }

  parseExpression(precedence: number): AST.Node {
    if (precedence === 0 && this.isOp('let')) return this.parseLet()
    if (precedence === 0 && this.isOp('if')) return this.parseIf()
    let left = this.parsePrimary()
    let previous = ''
    let opToken = this.current
    while (opToken.kind === 'operator') {
      const negate = opToken.value === 'not'
      let notToken: Token | undefined
      if (negate) {
        const saveIndex = this.index
        this.next()
        if (!NEGATABLE.has(this.current.value) || this.current.kind !== 'operator') this.unexpected()
        const op = BINARY[this.current.value]!
        if (op.precedence < precedence) {
          this.index = saveIndex
          this.current = opToken
          break
        }
        notToken = opToken
        opToken = this.current
      }
      const op = BINARY[opToken.value]
      if (op === undefined || op.precedence < precedence) break
      this.next()
      if (opToken.value === '|') {
        const name = this.expect('identifier')
        left = this.parseCall(name, [left])
      } else {
        if (previous === '??' && opToken.value !== '??') {
          this.raise(`Operator (${opToken.value}) and coalesce expressions (??) cannot be mixed. Wrap either by parentheses.`, opToken.start)
        }
        if (CHAINED_COMPARISONS.has(opToken.value)) {
          left = this.parseComparison(left, opToken, op.precedence)
        } else {
          const right = this.parseExpression(op.associativity === 'left' ? op.precedence + 1 : op.precedence)
          left = {type: 'Binary', operator: opToken.value, left, right, start: opToken.start, end: opToken.end}
          if (negate && notToken !== undefined) left = {type: 'Unary', operator: 'not', operand: left, start: notToken.start, end: notToken.end}
        }
      }
      previous = opToken.value
      opToken = this.current
    }
    if (precedence === 0) left = this.parseConditional(left)
    return left
  }

  /** `a < b <= c` -> `a < b && b <= c`. */
  private parseComparison(left: AST.Node, token: Token, precedence: number): AST.Node {
    let root: AST.Node | undefined
    while (true) {
      const right = this.parseExpression(precedence + 1)
      const cmp: AST.Node = {type: 'Binary', operator: token.value, left, right, start: token.start, end: token.end}
      root = root === undefined ? cmp : {type: 'Binary', operator: '&&', left: root, right: cmp, start: token.start, end: token.end}
      left = right
      token = this.current
      if (!(token.kind === 'operator' && CHAINED_COMPARISONS.has(token.value))) break
      this.next()
    }
    return root
  }

  /** `c ? a : b`, `x ?: y`, right-associative. */
  private parseConditional(node: AST.Node): AST.Node {
    while (this.isOp('?')) {
      const q = this.current
      this.next()
      let consequent: AST.Node
      let alternate: AST.Node
      if (!this.isOp(':')) {
        consequent = this.parseExpression(0)
        this.expect('operator', ':')
        alternate = this.parseExpression(0)
      } else {
        this.next()
        consequent = node
        alternate = this.parseExpression(0)
      }
      node = {type: 'Conditional', test: node, consequent, alternate, ternary: true, start: q.start, end: q.end}
    }
    return node
  }

  /** `let name = value; body`. */
  private parseLet(): AST.Node {
    const letToken = this.current
    this.next()
    const name = this.current
    if (name.kind !== 'identifier') this.unexpected()
    this.next()
    this.expect('operator', '=')
    const init = this.parseExpression(0)
    this.expect('operator', ';')
    const body = this.parseSequence()
    return {type: 'VariableDeclarator', name: name.value, init, body, start: letToken.start, end: name.end}
  }

  /** `if cond { a } else { b }`, `else if ...`. */
  private parseIf(): AST.Node {
    const ifToken = this.current
    this.next()
    const test = this.parseExpression(0)
    this.expect('bracket', '{')
    const consequent = this.parseSequence()
    this.expect('bracket', '}')
    this.expect('operator', 'else')
    let alternate: AST.Node
    if (this.isOp('if')) {
      alternate = this.parseIf()
    } else {
      this.expect('bracket', '{')
      alternate = this.parseSequence()
      this.expect('bracket', '}')
    }
    return {type: 'Conditional', test, consequent, alternate, ternary: false, start: ifToken.start, end: ifToken.end}
  }

  private parsePrimary(): AST.Node {
    const token = this.current
    if (token.kind === 'operator') {
      const precedence = UNARY[token.value]
      if (precedence !== undefined) {
        this.next()
        const operand = this.parseExpression(precedence)
        return this.parsePostfix({type: 'Unary', operator: token.value, operand, start: token.start, end: token.end})
      }
    }
    if (this.isBracket('(')) {
      this.next()
      const inner = this.parseSequence()
      if (!this.isBracket(')')) this.raise('an opened parenthesis is not properly closed', token.start)
      this.next()
      return this.parsePostfix(inner)
    }
    if (this.depth > 0 && token.kind === 'operator' && (token.value === '#' || token.value === '.')) {
      let name = ''
      let end = token.end
      if (token.value === '#') {
        this.next()
        if (this.current.kind === 'identifier' && this.current.start === token.end) {
          name = this.current.value
          end = this.current.end
          this.next()
        }
      }
      return this.parsePostfix({type: 'Pointer', name, start: token.start, end})
    }
    if (token.kind === 'operator' && token.value === '::') {
      this.next()
      const name = this.expect('identifier')
      return this.parsePostfix(this.parseCall(name, [], true))
    }
    return this.parseSecondary()
  }

  private parseSecondary(): AST.Node {
    const token = this.current
    let node: AST.Node
    switch (token.kind) {
      case 'identifier':
        this.next()
        if (token.value === 'true' || token.value === 'false') {
          node = {type: 'Bool', value: token.value === 'true', start: token.start, end: token.end}
        } else if (token.value === 'nil') {
          node = {type: 'Nil', start: token.start, end: token.end}
        } else if (this.isBracket('(')) {
          node = this.parseCall(token, [])
        } else {
          node = {type: 'Identifier', name: token.value, start: token.start, end: token.end}
        }
        break
      case 'number':
        this.next()
        node = parseNumber(token)
        break
      case 'string':
        this.next()
        node = {type: 'String', value: token.value, start: token.start, end: token.end}
        break
      case 'bytes':
        this.next()
        node = {type: 'Bytes', value: token.value, start: token.start, end: token.end}
        break
      default:
        if (this.isBracket('[')) node = this.parseArray()
        else if (this.isBracket('{')) node = this.parseMap()
        else this.unexpected()
    }
    return this.parsePostfix(node)
  }

  /** `name(args)`: a predicate builtin, another builtin, or a call of a helper/variable. */
  private parseCall(name: Token, args: AST.Node[], explicitBuiltin = false): AST.Node {
    const shape = PREDICATE_BUILTINS[name.value]
    if (shape !== undefined) {
      this.expect('bracket', '(')
      const rest = shape.args.slice(args.length)
      for (let i = 0; i < rest.length; i++) {
        const arg = rest[i]!
        if (arg.endsWith('?')) {
          if (this.isBracket(')')) break
        } else if (this.isBracket(')')) {
          this.raise(`expected at least ${rest.filter((a) => !a.endsWith('?')).length} arguments`)
        }
        if (i > 0) this.expect('operator', ',')
        args.push(arg.startsWith('predicate') ? this.parsePredicate() : this.parseExpression(0))
      }
      if (this.isOp(',')) this.next()
      this.expect('bracket', ')')
      return {type: 'Builtin', name: name.value, args, start: name.start, end: name.end}
    }
    if (this.builtins.has(name.value)) {
      return {type: 'Builtin', name: name.value, args: this.parseArguments(args), start: name.start, end: name.end}
    }
    if (explicitBuiltin) this.raise(`unknown builtin ${name.value}`, name.start)
    const callee: AST.Node = {type: 'Identifier', name: name.value, start: name.start, end: name.end}
    return {type: 'Call', callee, args: this.parseArguments(args), start: name.start, end: name.end}
  }

  private parseArguments(args: AST.Node[]): AST.Node[] {
    const offset = args.length
    this.expect('bracket', '(')
    while (!this.isBracket(')')) {
      if (args.length > offset) {
        this.expect('operator', ',')
        if (this.isBracket(')')) break
      }
      args.push(this.parseExpression(0))
    }
    this.expect('bracket', ')')
    return args
  }

  /** A predicate argument: an expression, or `{ ... }` which may contain `;` and `let`. */
  private parsePredicate(): AST.Node {
    const start = this.current
    const braces = this.isBracket('{')
    if (braces) this.next()
    this.depth++
    let body: AST.Node
    if (braces) {
      body = this.parseSequence()
    } else {
      body = this.parseExpression(0)
      if (this.isOp(';')) this.raise('wrap predicate with brackets { and }')
    }
    this.depth--
    if (braces) this.expect('bracket', '}')
    return {type: 'Predicate', body, start: start.start, end: start.end}
  }

  private parseArray(): AST.Node {
    const open = this.expect('bracket', '[')
    const elements: AST.Node[] = []
    while (!this.isBracket(']')) {
      if (elements.length > 0) {
        this.expect('operator', ',')
        if (this.isBracket(']')) break
      }
      elements.push(this.parseExpression(0))
    }
    this.expect('bracket', ']')
    return {type: 'Array', elements, start: open.start, end: open.end}
  }

  private parseMap(): AST.Node {
    const open = this.expect('bracket', '{')
    const pairs: AST.PairNode[] = []
    while (!this.isBracket('}')) {
      if (pairs.length > 0) {
        this.expect('operator', ',')
        if (this.isBracket('}')) break
      }
      const keyToken = this.current
      let key: AST.Node
      if (keyToken.kind === 'number' || keyToken.kind === 'string' || keyToken.kind === 'identifier') {
        key = {type: 'String', value: keyToken.value, start: keyToken.start, end: keyToken.end}
        this.next()
      } else if (this.isBracket('(')) {
        key = this.parseExpression(0)
      } else {
        this.raise(
          `a map key must be a quoted string, a number, a identifier, or an expression enclosed in parentheses (unexpected token ${describeToken(keyToken)})`,
          keyToken.start,
        )
      }
      const colon = this.expect('operator', ':')
      const value = this.parseExpression(0)
      pairs.push({type: 'Pair', key, value, start: colon.start, end: colon.end})
    }
    this.expect('bracket', '}')
    return {type: 'Map', pairs, start: open.start, end: open.end}
  }

  /** `.name`, `?.name`, `.method(args)`, `[index]`, `?.[index]`, `[a:b]`. */
  private parsePostfix(node: AST.Node): AST.Node {
    while (this.current.kind === 'operator' || this.current.kind === 'bracket') {
      const token = this.current
      if (token.value === '.' || token.value === '?.') {
        const optional = token.value === '?.'
        this.next()
        if (optional && this.isBracket('[')) {
          node = this.parseIndex(node, true)
          continue
        }
        const property = this.current
        const validName =
          property.kind === 'identifier' ||
          (property.kind === 'operator' && [...property.value].every((c, i) => (i === 0 ? isIdentifierStart(c) : isIdentifierPart(c))))
        if (!validName) this.raise('expected name', property.start)
        this.next()
        const isChain = node.type === 'Chain'
        const object = node.type === 'Chain' ? node.node : node
        const member: AST.MemberNode = {
          type: 'Member',
          object,
          property: {type: 'String', value: property.value, start: property.start, end: property.end},
          optional,
          method: false,
          start: property.start,
          end: property.end,
        }
        if (this.isBracket('(')) {
          member.method = true
          node = {type: 'Call', callee: member, args: this.parseArguments([]), start: property.start, end: property.end}
        } else {
          node = member
        }
        if (isChain || optional) node = {type: 'Chain', node, start: node.start, end: node.end}
      } else if (token.value === '[' && token.kind === 'bracket') {
        node = this.parseIndex(node, false)
      } else {
        break
      }
    }
    return node
  }

  private parseIndex(node: AST.Node, optional: boolean): AST.Node {
    const open = this.expect('bracket', '[')
    if (this.isOp(':')) {
      this.next()
      const to = this.isBracket(']') ? undefined : this.parseExpression(0)
      this.expect('bracket', ']')
      return {type: 'Slice', object: node, to, start: open.start, end: open.end}
    }
    const from = this.parseExpression(0)
    if (this.isOp(':')) {
      this.next()
      const to = this.isBracket(']') ? undefined : this.parseExpression(0)
      this.expect('bracket', ']')
      return {type: 'Slice', object: node, from, to, start: open.start, end: open.end}
    }
    this.expect('bracket', ']')
    const isChain = node.type === 'Chain'
    const object = node.type === 'Chain' ? node.node : node
    const member: AST.Node = {type: 'Member', object, property: from, optional, method: false, start: open.start, end: open.end}
    return isChain || optional ? {type: 'Chain', node: member, start: open.start, end: open.end} : member
  }
}

const MAX_INT = 2n ** 63n - 1n

function parseNumber(token: Token): AST.Node {
  const raw = token.value
  const text = raw.replaceAll('_', '')
  const lower = text.toLowerCase()
  const radix = lower.startsWith('0x') ? 16 : lower.startsWith('0o') ? 8 : lower.startsWith('0b') ? 2 : 10
  if (radix === 10 && /[.eE]/.test(text)) {
    const value = Number(text)
    if (!Number.isFinite(value)) throw new ExprFailure(`invalid float literal: ${raw}`, token.start)
    return {type: 'Float', value, raw, start: token.start, end: token.end}
  }
  const digits = radix === 10 ? text : text.slice(2)
  if (digits === '' || raw.includes('__') || raw.endsWith('_')) throw new ExprFailure(`invalid number: ${raw}`, token.start)
  const big = radix === 10 ? BigInt(digits) : BigInt((radix === 16 ? '0x' : radix === 8 ? '0o' : '0b') + digits)
  if (big > MAX_INT) throw new ExprFailure(`integer literal is too large: ${raw}`, token.start)
  return {type: 'Int', value: Number(big), raw, start: token.start, end: token.end}
}

/** Parses an expression; throws ExprFailure (offset-carrying) on a syntax error. */
export function parse(source: string, builtins: BuiltinNameSet): AST.Node {
  return new Parser(source, builtins).parse()
}
