/**
 * The parser of Go text/template (text/template/parse, Go 1.22 plus `else with`): tokens ->
 * the set of named trees (the main text, each `define` and `block`). `Parser` follows Go's
 * grammar functions in order (parse -> textOrAction -> action -> pipeline -> command ->
 * operand -> term), so its error messages are Go's: `template: NAME:LINE: unexpected "}" in
 * operand`, `function "x" not defined`, `undefined variable "$x"`, `unexpected EOF`...
 *
 * Unlike Go, nesting is bounded (parentheses and blocks, MAX_NESTING) so that a hostile
 * template cannot exhaust the stack of the parser or of the compiled closures.
 */
import {goQuote} from '../model/go-format.js'
import type {ArgNode, BranchNode, CommandNode, ListNode, NumberNode, PipeNode, StatementNode, TemplateTree, VariableNode} from './ast.js'
import {nodeString} from './ast.js'
import {lexTemplate, tokenString, type Token, type TokenType} from './lexer.js'
import {LiteralError, parseNumber, unquoteString} from './literals.js'

/** Deepest nesting of parentheses and of if/range/with/block bodies. */
export const MAX_NESTING = 100

/** A template that does not parse: Go's message and the template line. */
export class TemplateSyntaxError extends Error {
  constructor(message: string, readonly line: number) {
    super(message)
    this.name = 'TemplateSyntaxError'
  }
}

/** The end of a list: `{{end}}` or `{{else}}` (which is not a statement). */
interface Terminator {
  type: 'end' | 'else'
  pos: number
  line: number
}

type ListItem = StatementNode | Terminator

/**
 * Parses `text` into its trees, keyed by name; the main text is `name`. `hasFunction` says
 * which identifiers are functions (Go checks them at parse time).
 */
export function parseTemplate(name: string, text: string, hasFunction: (name: string) => boolean): Map<string, TemplateTree> {
  const trees = new Map<string, TemplateTree>()
  new Parser(name, lexTemplate(text), hasFunction, trees).parseMain()
  return trees
}

function isTerminator(item: ListItem): item is Terminator {
  return item.type === 'end' || item.type === 'else'
}

function isEmptyTree(list: ListNode): boolean {
  return list.nodes.every((n) => n.type === 'text' && n.text.trim() === '')
}

class Parser {
  /** Index of the next token. */
  private index = 0
  /** Furthest token read so far: Go reports errors at its line. */
  private furthest = 0
  /** Variables in scope ($ first). */
  private vars: string[] = ['$']
  /** Line of the `{{` of the action being parsed (0 outside actions). */
  private actionLine = 0
  private rangeDepth = 0
  private nesting = 0

  constructor(
    private readonly name: string,
    private readonly tokens: readonly Token[],
    private readonly hasFunction: (name: string) => boolean,
    private readonly trees: Map<string, TemplateTree>,
  ) {}

  // ---- token stream

  private next(): Token {
    const t = this.tokens[Math.min(this.index, this.tokens.length - 1)]!
    this.index++
    this.furthest = Math.max(this.furthest, this.index - 1)
    return t
  }

  private backup(count = 1): void {
    this.index -= count
  }

  private peek(): Token {
    const t = this.next()
    this.backup()
    return t
  }

  private nextNonSpace(): Token {
    let t = this.next()
    while (t.type === 'space') t = this.next()
    return t
  }

  /** As Go's: the spaces before the token are consumed, the token is not. */
  private peekNonSpace(): Token {
    const t = this.nextNonSpace()
    this.backup()
    return t
  }

  // ---- errors

  private fail(message: string): never {
    const line = this.tokens[Math.min(this.furthest, this.tokens.length - 1)]!.line
    throw new TemplateSyntaxError(`template: ${this.name}:${line}: ${message}`, line)
  }

  private unexpected(token: Token, context: string): never {
    if (token.type === 'error') {
      let extra = ''
      if (this.actionLine !== 0 && this.actionLine !== token.line) {
        extra = ` in action started at ${this.name}:${this.actionLine}`
        if (token.val.endsWith(' action')) extra = extra.slice(' in action'.length)
      }
      this.fail(token.val + extra)
    }
    this.fail(`unexpected ${tokenString(token)} in ${context}`)
  }

  private expect(type: TokenType, context: string): Token {
    const t = this.nextNonSpace()
    if (t.type !== type) this.unexpected(t, context)
    return t
  }

  private enter(what: 'expression' | 'block'): void {
    if (++this.nesting > MAX_NESTING) this.fail(what === 'expression' ? 'max expression depth exceeded' : `blocks nested deeper than ${MAX_NESTING}`)
  }

  private leave(): void {
    this.nesting--
  }

  // ---- trees

  private addTree(name: string, root: ListNode): void {
    const existing = this.trees.get(name)
    if (existing === undefined || isEmptyTree(existing.root)) {
      this.trees.set(name, {name, root})
      return
    }
    if (!isEmptyTree(root)) this.fail(`template: multiple definition of template ${goQuote(name)}`)
  }

  /** The whole text: statements and top-level `define`s. */
  parseMain(): void {
    const root: ListNode = {type: 'list', pos: this.peek().pos, nodes: []}
    while (this.peek().type !== 'eof') {
      if (this.peek().type === 'leftDelim') {
        const start = this.index
        this.next()
        if (this.nextNonSpace().type === 'define') {
          this.parseDefinition()
          continue
        }
        this.index = start
      }
      const n = this.textOrAction()
      if (isTerminator(n)) this.fail(`unexpected {{${n.type}}}`)
      else root.nodes.push(n)
    }
    this.addTree(this.name, root)
  }

  private parseDefinition(): void {
    const context = 'define clause'
    const token = this.nextNonSpace()
    if (token.type !== 'string' && token.type !== 'rawString') this.unexpected(token, context)
    const name = this.unquote(token.val)
    this.expect('rightDelim', context)
    const saved = this.vars
    this.vars = ['$']
    const [root, end] = this.itemList()
    this.vars = saved
    if (end.type !== 'end') this.fail(`unexpected {{${end.type}}} in ${context}`)
    this.addTree(name, root)
  }

  private unquote(quoted: string): string {
    try {
      return unquoteString(quoted)
    } catch (error) {
      if (error instanceof LiteralError) this.fail(error.message)
      throw error
    }
  }

  /** Statements up to `{{end}}` or `{{else}}`, which is returned separately. */
  private itemList(): [ListNode, Terminator] {
    const list: ListNode = {type: 'list', pos: this.peekNonSpace().pos, nodes: []}
    while (this.peekNonSpace().type !== 'eof') {
      const n = this.textOrAction()
      if (isTerminator(n)) return [list, n]
      list.nodes.push(n)
    }
    this.fail('unexpected EOF')
  }

  private textOrAction(): ListItem {
    const token = this.nextNonSpace()
    switch (token.type) {
      case 'text':
        return {type: 'text', pos: token.pos, text: token.val}
      case 'leftDelim': {
        this.actionLine = token.line
        try {
          return this.action()
        } finally {
          this.actionLine = 0
        }
      }
    }
    this.unexpected(token, 'input')
  }

  private action(): ListItem {
    const token = this.nextNonSpace()
    switch (token.type) {
      case 'block': return this.blockControl()
      case 'break': case 'continue': return this.loopControl(token)
      case 'else': return this.elseControl()
      case 'end': return {type: 'end', pos: this.expect('rightDelim', 'end').pos, line: token.line}
      case 'if': case 'range': case 'with': return this.branchControl(token.type)
      case 'template': return this.templateControl()
    }
    this.backup()
    const first = this.peek()
    return {type: 'action', pos: first.pos, line: first.line, pipe: this.pipeline('command', 'rightDelim')}
  }

  private loopControl(token: Token): StatementNode {
    const word = token.type as 'break' | 'continue'
    const next = this.nextNonSpace()
    if (next.type !== 'rightDelim') this.unexpected(next, `{{${word}}}`)
    if (this.rangeDepth === 0) this.fail(`{{${word}}} outside {{range}}`)
    return {type: word, pos: token.pos, line: token.line}
  }

  private elseControl(): Terminator {
    const peek = this.peekNonSpace()
    // `{{else if ...}}` and `{{else with ...}}`: the keyword stays for branchControl
    if (peek.type === 'if' || peek.type === 'with') return {type: 'else', pos: peek.pos, line: peek.line}
    const token = this.expect('rightDelim', 'else')
    return {type: 'else', pos: token.pos, line: token.line}
  }

  private branchControl(context: 'if' | 'range' | 'with'): BranchNode {
    this.enter('block')
    const varCount = this.vars.length
    const pipe = this.pipeline(context, 'rightDelim')
    if (context === 'range') this.rangeDepth++
    let [list, next] = this.itemList()
    if (context === 'range') this.rangeDepth--
    let elseList: ListNode | null = null
    if (next.type === 'else') {
      // `{{else if b}}` is `{{else}}{{if b}}...{{end}}` whose {{end}} is shared
      const keyword = this.peek().type
      if ((context === 'if' && keyword === 'if') || (context === 'with' && keyword === 'with')) {
        this.next()
        elseList = {type: 'list', pos: next.pos, nodes: [this.branchControl(context)]}
      } else {
        ;[elseList, next] = this.itemList()
        if (next.type !== 'end') this.fail(`expected end; found {{${next.type}}}`)
      }
    }
    this.vars.length = varCount
    this.leave()
    return {type: context, pos: pipe.pos, line: pipe.line, pipe, list, elseList}
  }

  private blockControl(): StatementNode {
    const context = 'block clause'
    const token = this.nextNonSpace()
    const name = this.templateName(token, context)
    const pipe = this.pipeline(context, 'rightDelim')
    this.enter('block')
    const saved = this.vars
    const savedRange = this.rangeDepth
    this.vars = ['$']
    this.rangeDepth = 0
    const [root, end] = this.itemList()
    this.vars = saved
    this.rangeDepth = savedRange
    this.leave()
    if (end.type !== 'end') this.fail(`unexpected {{${end.type}}} in ${context}`)
    this.addTree(name, root)
    return {type: 'template', pos: token.pos, line: token.line, name, pipe}
  }

  private templateControl(): StatementNode {
    const context = 'template clause'
    const token = this.nextNonSpace()
    const name = this.templateName(token, context)
    let pipe: PipeNode | null = null
    if (this.nextNonSpace().type !== 'rightDelim') {
      this.backup()
      pipe = this.pipeline(context, 'rightDelim')
    }
    return {type: 'template', pos: token.pos, line: token.line, name, pipe}
  }

  private templateName(token: Token, context: string): string {
    if (token.type !== 'string' && token.type !== 'rawString') this.unexpected(token, context)
    return this.unquote(token.val)
  }

  /** declarations? command ('|' command)* */
  private pipeline(context: string, end: TokenType): PipeNode {
    const first = this.peekNonSpace()
    const pipe: PipeNode = {type: 'pipe', pos: first.pos, line: first.line, isAssign: false, decl: [], cmds: []}
    for (;;) {
      const v = this.peekNonSpace()
      if (v.type !== 'variable') break
      const before = this.index
      this.next()
      const after = this.peekNonSpace()
      if (after.type === 'assign' || after.type === 'declare') {
        pipe.isAssign = after.type === 'assign'
        this.nextNonSpace()
        pipe.decl.push({type: 'variable', pos: v.pos, ident: [v.val]})
        this.vars.push(v.val)
        break
      }
      if (after.type === 'char' && after.val === ',') {
        this.nextNonSpace()
        pipe.decl.push({type: 'variable', pos: v.pos, ident: [v.val]})
        this.vars.push(v.val)
        if (context === 'range' && pipe.decl.length < 2) {
          const t = this.peekNonSpace().type
          if (t === 'variable' || t === 'rightDelim' || t === 'rightParen') continue
          this.fail('range can only initialize variables')
        }
        this.fail(`too many declarations in ${context}`)
      }
      this.index = before
      break
    }
    for (;;) {
      const token = this.nextNonSpace()
      if (token.type === end) {
        this.checkPipeline(pipe, context)
        return pipe
      }
      switch (token.type) {
        case 'bool': case 'charConstant': case 'dot': case 'field': case 'identifier': case 'number': case 'nil':
        case 'rawString': case 'string': case 'variable': case 'leftParen':
          this.backup()
          pipe.cmds.push(this.command())
          continue
      }
      this.unexpected(token, context)
    }
  }

  private checkPipeline(pipe: PipeNode, context: string): void {
    if (pipe.cmds.length === 0) this.fail(`missing value for ${context}`)
    pipe.cmds.slice(1).forEach((c, i) => {
      const t = c.args[0]!.type
      if (t === 'bool' || t === 'dot' || t === 'nil' || t === 'number' || t === 'string') this.fail(`non executable command in pipeline stage ${i + 2}`)
    })
  }

  /** operand (space operand)*, up to `|`, `)` or `}}`. */
  private command(): CommandNode {
    const cmd: CommandNode = {type: 'command', pos: this.peekNonSpace().pos, args: []}
    for (;;) {
      this.peekNonSpace()
      const operand = this.operand()
      if (operand !== null) cmd.args.push(operand)
      const token = this.next()
      if (token.type === 'space') continue
      if (token.type === 'rightDelim' || token.type === 'rightParen') this.backup()
      else if (token.type !== 'pipe') this.unexpected(token, 'operand')
      break
    }
    if (cmd.args.length === 0) this.fail('empty command')
    return cmd
  }

  /** term .Field* */
  private operand(): ArgNode | null {
    const node = this.term()
    if (node === null) return null
    if (this.peek().type !== 'field') return node
    const pos = this.peek().pos
    const fields: string[] = []
    while (this.peek().type === 'field') fields.push(this.next().val.slice(1))
    switch (node.type) {
      case 'field': return {type: 'field', pos, ident: [...node.ident, ...fields]}
      case 'variable': return {type: 'variable', pos, ident: [...node.ident, ...fields]}
      case 'bool': case 'string': case 'number': case 'nil': case 'dot':
        this.fail(`unexpected . after term ${goQuote(nodeString(node))}`)
    }
    return {type: 'chain', pos, node, field: fields}
  }

  private term(): ArgNode | null {
    const token = this.nextNonSpace()
    switch (token.type) {
      case 'identifier':
        if (!this.hasFunction(token.val)) this.fail(`function ${goQuote(token.val)} not defined`)
        return {type: 'identifier', pos: token.pos, name: token.val}
      case 'dot': return {type: 'dot', pos: token.pos}
      case 'nil': return {type: 'nil', pos: token.pos}
      case 'variable': return this.useVar(token)
      case 'field': return {type: 'field', pos: token.pos, ident: [token.val.slice(1)]}
      case 'bool': return {type: 'bool', pos: token.pos, value: token.val === 'true'}
      case 'charConstant': case 'number': return this.number(token)
      case 'leftParen': {
        this.enter('expression')
        const pipe = this.pipeline('parenthesized pipeline', 'rightParen')
        this.leave()
        return pipe
      }
      case 'string': case 'rawString':
        return {type: 'string', pos: token.pos, quoted: token.val, text: this.unquote(token.val)}
    }
    this.backup()
    return null
  }

  private number(token: Token): NumberNode {
    try {
      return {type: 'number', pos: token.pos, text: token.val, ...parseNumber(token.val, token.type === 'charConstant')}
    } catch (error) {
      if (error instanceof LiteralError) this.fail(error.message)
      throw error
    }
  }

  private useVar(token: Token): VariableNode {
    const ident = token.val.split('.')
    if (!this.vars.includes(ident[0]!)) this.fail(`undefined variable ${goQuote(ident[0]!)}`)
    return {type: 'variable', pos: token.pos, ident}
  }
}
