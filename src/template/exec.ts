/**
 * Execution of Go text/template (text/template/exec.go, Go 1.22): each tree is compiled once
 * to closures; a render runs them over the data. What Go decides by reflection is decided
 * here on the value representation of value.ts: field and method lookup (through pointers,
 * `nil pointer evaluating *models.Source.Value`), missing map keys (no value), argument
 * conversion (funcs.ts), truth, printing, range over slices and maps (sorted keys),
 * variables with Go's scoping, `and`/`or` short-circuit, break and continue.
 *
 * Every render is bounded (ExecLimits): output bytes, evaluation steps, range iterations and
 * template call depth. Exceeding one stops the render with an error naming the template line,
 * before the work or the allocation happens.
 */
import type {ActionNode, AnyNode, ArgNode, BranchNode, CommandNode, ListNode, NumberNode, PipeNode, StatementNode, TemplateNode, TemplateTree} from './ast.js'
import {nodeString} from './ast.js'
import {FuncError, canBeNil, floatOf, intOf, isAnyType, isIntType, validateType, zeroOf, type CallContext, type FuncMap, type TemplateFunc} from './funcs.js'
import {methodOf} from './methods.js'
import {GoPointer, GoStruct, ValueTooLargeError, formatValue, indirect, isMap, isTrue, mapGet, mapKeys, printText, structTypeNamed, typeName} from './value.js'

export interface ExecLimits {
  /** Bytes of output (UTF-8). */
  maxOutputBytes: number
  /** Evaluation steps: statements, commands, range iterations, and function work. */
  maxSteps: number
  /** Range iterations, all ranges of the render together. */
  maxRangeIterations: number
  /** Nested `template` calls. */
  maxTemplateDepth: number
}

/** A render that failed: Go's message, and the template line. */
export class TemplateExecError extends Error {
  constructor(message: string, readonly line: number) {
    super(message)
    this.name = 'TemplateExecError'
  }
}

/** Where the environment (CTI lookups, host name) comes from during a render. */
export interface RenderEnvironment {
  ctiLookup(ip: string): unknown
  hostname(): string
}

/** Break and continue travel up as the result of statements. */
const enum Flow {
  Normal = 0,
  Break = 1,
  Continue = 2,
}

type Exec = (s: State, dot: unknown) => Flow
type Eval = (s: State, dot: unknown) => unknown
/** A command: `final` is the value piped in, or MISSING. */
type CommandEval = (s: State, dot: unknown, final: unknown) => unknown

const MISSING: unique symbol = Symbol('missing')

/** A compiled argument: a literal (converted per parameter type at the call) or an evaluation. */
type CompiledArg = {literal: ArgNode & {type: 'bool' | 'number' | 'string' | 'nil'}} | {node: ArgNode; eval: Eval}

/** The compiled templates of one set. */
export class Program {
  readonly templates = new Map<string, Exec>()
  private readonly lineStarts: number[] = [0]

  constructor(
    readonly name: string,
    readonly text: string,
    trees: ReadonlyMap<string, TemplateTree>,
    readonly funcs: FuncMap,
  ) {
    for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) this.lineStarts.push(i + 1)
    const compiler = new Compiler(this)
    for (const [name, tree] of trees) this.templates.set(name, compiler.list(tree.root))
  }

  /** Line (1-based) and Go's column (bytes from the line start) of a position. */
  locate(pos: number): {line: number; column: number} {
    let lo = 0
    let hi = this.lineStarts.length - 1
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1
      if (this.lineStarts[mid]! <= pos) lo = mid
      else hi = mid - 1
    }
    const start = this.lineStarts[lo]!
    return {line: lo + 1, column: Buffer.byteLength(this.text.slice(start, pos))}
  }

  execute(data: unknown, limits: ExecLimits, env: RenderEnvironment): string {
    const main = this.templates.get(this.name)
    const s = new State(this, limits, env, data)
    if (main === undefined) throw new TemplateExecError(`template: ${this.name}: ${JSON.stringify(this.name)} is an incomplete or empty template`, 1)
    main(s, data)
    return s.output()
  }
}

class State implements CallContext {
  private readonly chunks: string[] = []
  private bytes = 0
  private steps = 0
  private iterations = 0
  depth = 0
  /** The template being executed (Go's `executing "NAME"`). */
  tmpl: string
  names: string[] = ['$']
  values: unknown[]

  constructor(
    readonly program: Program,
    readonly limits: ExecLimits,
    private readonly env: RenderEnvironment,
    data: unknown,
  ) {
    this.tmpl = program.name
    this.values = [data]
  }

  fail(node: AnyNode, message: string): never {
    const {line, column} = this.program.locate(node.pos)
    throw new TemplateExecError(`template: ${this.program.name}:${line}:${column}: executing ${JSON.stringify(this.tmpl)} at <${nodeString(node)}>: ${message}`, line)
  }

  step(node: AnyNode): void {
    if (++this.steps > this.limits.maxSteps) this.fail(node, `execution stopped after ${this.limits.maxSteps} steps (limit)`)
  }

  iterate(node: AnyNode): void {
    if (++this.iterations > this.limits.maxRangeIterations) this.fail(node, `execution stopped after ${this.limits.maxRangeIterations} range iterations (limit)`)
    this.step(node)
  }

  write(node: AnyNode, text: string): void {
    if (text.length === 0) return
    const size = text.length < 256 && /^[\x00-\x7f]*$/.test(text) ? text.length : Buffer.byteLength(text)
    if (this.bytes + size > this.limits.maxOutputBytes) this.fail(node, `output exceeds ${this.limits.maxOutputBytes} bytes (limit)`)
    this.bytes += size
    this.chunks.push(text)
  }

  output(): string {
    return this.chunks.join('')
  }

  // ---- CallContext (what functions see)

  checkSize(size: number, what: string): void {
    if (size > this.limits.maxOutputBytes) throw new FuncError(`${what} (${size}) exceeds the output limit of ${this.limits.maxOutputBytes} bytes`)
  }

  charge(units: number): void {
    this.steps += Math.ceil(units / 64)
    if (this.steps > this.limits.maxSteps) throw new FuncError(`execution stopped after ${this.limits.maxSteps} steps (limit)`)
  }

  /** charge(), failing at a node. */
  chargeAt(node: AnyNode, units: number): void {
    this.steps += Math.ceil(units / 64)
    if (this.steps > this.limits.maxSteps) this.fail(node, `execution stopped after ${this.limits.maxSteps} steps (limit)`)
  }

  ctiLookup(ip: string): unknown {
    return this.env.ctiLookup(ip)
  }

  hostname(): string {
    return this.env.hostname()
  }

  // ---- variables

  mark(): number {
    return this.names.length
  }

  pop(mark: number): void {
    this.names.length = mark
    this.values.length = mark
  }

  push(name: string, value: unknown): void {
    this.names.push(name)
    this.values.push(value)
  }

  setVar(node: AnyNode, name: string, value: unknown): void {
    const i = this.names.lastIndexOf(name)
    if (i < 0) this.fail(node, `undefined variable: ${name}`)
    this.values[i] = value
  }

  varValue(node: AnyNode, name: string): unknown {
    const i = this.names.lastIndexOf(name)
    if (i < 0) this.fail(node, `undefined variable: ${name}`)
    return this.values[i]
  }
}

/**
 * Calls a function, turning its Go errors and panics into Go's `error calling` message. Sizes
 * are bounded around every call: string arguments together, and string or list results, may
 * not exceed the output limit (so `cat $s $s` in a loop cannot double a string until memory
 * runs out); functions that build big values check before building (repeat, indent...).
 */
function callFunction(s: State, node: AnyNode, name: string, f: TemplateFunc, args: unknown[]): unknown {
  const max = s.limits.maxOutputBytes
  let total = 0
  for (const a of args) if (typeof a === 'string') total += a.length
  if (total > max) s.fail(node, `error calling ${name}: arguments (${total}) exceed the output limit of ${max} bytes`)
  let result: unknown
  try {
    result = f.call(args, s)
  } catch (error) {
    if (error instanceof FuncError || error instanceof ValueTooLargeError || error instanceof RangeError) s.fail(node, `error calling ${name}: ${error.message}`)
    throw error
  }
  const size = typeof result === 'string' ? result.length : Array.isArray(result) ? result.length : 0
  if (size > max) s.fail(node, `error calling ${name}: result (${size}) exceeds the output limit of ${max} bytes`)
  s.chargeAt(node, size)
  return result
}

/** The value of a number constant where no type is known (Go's idealConstant). */
function idealConstant(s: State, n: NumberNode): unknown {
  const isHexInt = /^[+-]?0[xX]/.test(n.text) && !/[pP]/.test(n.text)
  if (n.isFloat && !isHexInt && n.text[0] !== "'" && /[.eEpP]/.test(n.text)) return floatOf('float64', n.float)
  if (n.isInt) return n.int
  s.fail(n, `${n.text} overflows int`)
}

class Compiler {
  constructor(private readonly program: Program) {}

  list(list: ListNode): Exec {
    const items = list.nodes.map((n) => this.statement(n))
    if (items.length === 1) return items[0]!
    return (s, dot) => {
      for (const item of items) {
        const flow = item(s, dot)
        if (flow !== Flow.Normal) return flow
      }
      return Flow.Normal
    }
  }

  private statement(n: StatementNode): Exec {
    switch (n.type) {
      case 'text': {
        const text = n.text
        return (s) => {
          s.step(n)
          s.write(n, text)
          return Flow.Normal
        }
      }
      case 'action': return this.action(n)
      case 'if': case 'with': return this.ifOrWith(n)
      case 'range': return this.range(n)
      case 'template': return this.template(n)
      case 'break': return () => Flow.Break
      case 'continue': return () => Flow.Continue
    }
  }

  private action(n: ActionNode): Exec {
    const pipe = this.pipe(n.pipe)
    const print = n.pipe.decl.length === 0
    return (s, dot) => {
      s.step(n)
      const value = pipe(s, dot)
      if (print) s.write(n, this.print(s, n, value))
      return Flow.Normal
    }
  }

  private print(s: State, n: AnyNode, value: unknown): string {
    if (typeof value === 'function') s.fail(n, `can't print ${nodeString(n)} of type func`)
    try {
      return printText(value)
    } catch (error) {
      if (error instanceof ValueTooLargeError) s.fail(n, error.message)
      throw error
    }
  }

  private ifOrWith(n: BranchNode): Exec {
    const pipe = this.pipe(n.pipe)
    const list = this.list(n.list)
    const elseList = n.elseList === null ? null : this.list(n.elseList)
    const isWith = n.type === 'with'
    return (s, dot) => {
      s.step(n)
      const mark = s.mark()
      const value = pipe(s, dot)
      let flow = Flow.Normal
      if (isTrue(value)) flow = list(s, isWith ? value : dot)
      else if (elseList !== null) flow = elseList(s, dot)
      s.pop(mark)
      return flow
    }
  }

  private range(n: BranchNode): Exec {
    const pipe = this.pipe(n.pipe)
    const body = this.list(n.list)
    const elseList = n.elseList === null ? null : this.list(n.elseList)
    const decl = n.pipe.decl.map((d) => d.ident[0]!)
    const isAssign = n.pipe.isAssign
    return (s, dot) => {
      s.step(n)
      const outer = s.mark()
      const value = indirect(pipe(s, dot))
      const mark = s.mark()
      const one = (index: unknown, elem: unknown): Flow => {
        s.iterate(n)
        if (decl.length > 0) {
          if (isAssign) s.setVar(n, decl[0]!, decl.length > 1 ? index : elem)
          else s.values[s.values.length - 1] = elem
        }
        if (decl.length > 1) {
          if (isAssign) s.setVar(n, decl[1]!, elem)
          else s.values[s.values.length - 2] = index
        }
        const flow = body(s, elem)
        s.pop(mark)
        return flow
      }
      let ran = false
      if (Array.isArray(value)) {
        for (let i = 0; i < value.length; i++) {
          ran = true
          if (one(i, value[i]) === Flow.Break) break
        }
      } else if (isMap(value)) {
        for (const key of mapKeys(value)) {
          ran = true
          if (one(key, value[key]) === Flow.Break) break
        }
      } else if (value !== null && value !== undefined) {
        s.fail(n.pipe, `range can't iterate over ${this.format(s, n, value)}`)
      }
      if (!ran && elseList !== null) {
        const flow = elseList(s, dot)
        s.pop(outer)
        return flow
      }
      s.pop(outer)
      return Flow.Normal
    }
  }

  private format(s: State, n: AnyNode, value: unknown): string {
    try {
      return formatValue(value)
    } catch (error) {
      if (error instanceof ValueTooLargeError) s.fail(n, error.message)
      throw error
    }
  }

  private template(n: TemplateNode): Exec {
    const pipe = n.pipe === null ? null : this.pipe(n.pipe)
    const templates = this.program.templates
    return (s, dot) => {
      s.step(n)
      const tmpl = templates.get(n.name)
      if (tmpl === undefined) return s.fail(n, `template ${JSON.stringify(n.name)} not defined`)
      if (s.depth >= s.limits.maxTemplateDepth) s.fail(n, `exceeded maximum template depth (${s.limits.maxTemplateDepth})`)
      const newDot = pipe === null ? null : pipe(s, dot)
      const {names, values, tmpl: caller} = s
      s.names = ['$']
      s.values = [newDot]
      s.tmpl = n.name
      s.depth++
      try {
        tmpl(s, newDot)
      } finally {
        s.depth--
        s.names = names
        s.values = values
        s.tmpl = caller
      }
      return Flow.Normal
    }
  }

  // ---- pipelines and commands

  pipe(p: PipeNode): Eval {
    const cmds = p.cmds.map((c) => this.command(c))
    const decl = p.decl.map((d) => d.ident[0]!)
    const isAssign = p.isAssign
    return (s, dot) => {
      let value: unknown = MISSING
      for (const cmd of cmds) value = cmd(s, dot, value)
      for (const name of decl) {
        if (isAssign) s.setVar(p, name, value)
        else s.push(name, value)
      }
      return value
    }
  }

  private command(c: CommandNode): CommandEval {
    const first = c.args[0]!
    const rest = c.args.slice(1)
    const step = (s: State): void => s.step(c)
    switch (first.type) {
      case 'field': {
        const chain = this.fieldChain(first, first.ident, rest)
        return (s, dot, final) => {
          step(s)
          return chain(s, dot, dot, final)
        }
      }
      case 'chain': {
        if (first.node.type === 'nil') return (s) => s.fail(first, `indirection through explicit nil in ${nodeString(first)}`)
        const receiver = this.arg(first.node)
        const chain = this.fieldChain(first, first.field, rest)
        return (s, dot, final) => {
          step(s)
          return chain(s, dot, evalArgAny(s, dot, receiver), final)
        }
      }
      case 'variable': {
        const name = first.ident[0]!
        if (first.ident.length === 1) {
          return (s, dot, final) => {
            step(s)
            this.notAFunction(s, c, final)
            return s.varValue(first, name)
          }
        }
        const chain = this.fieldChain(first, first.ident.slice(1), rest)
        return (s, dot, final) => {
          step(s)
          return chain(s, dot, s.varValue(first, name), final)
        }
      }
      case 'identifier': {
        const call = this.functionCall(first.name, first, c, rest)
        return (s, dot, final) => {
          step(s)
          return call(s, dot, final)
        }
      }
      case 'pipe': {
        const pipe = this.pipe(first)
        return (s, dot, final) => {
          step(s)
          this.notAFunction(s, c, final)
          return pipe(s, dot)
        }
      }
      case 'dot':
        return (s, dot, final) => {
          this.notAFunction(s, c, final)
          return dot
        }
      case 'nil':
        return (s, _dot, final) => {
          this.notAFunction(s, c, final)
          s.fail(first, 'nil is not a command')
        }
      case 'bool': case 'string': {
        const value = first.type === 'bool' ? first.value : first.text
        return (s, _dot, final) => {
          this.notAFunction(s, c, final)
          return value
        }
      }
      case 'number':
        return (s, _dot, final) => {
          this.notAFunction(s, c, final)
          return idealConstant(s, first)
        }
    }
  }

  private notAFunction(s: State, c: CommandNode, final: unknown): void {
    if (c.args.length > 1 || final !== MISSING) s.fail(c, `can't give argument to non-function ${nodeString(c.args[0]!)}`)
  }

  /** An argument, compiled once; its conversion depends on the parameter type at the call. */
  private arg(n: ArgNode): CompiledArg {
    switch (n.type) {
      case 'bool': case 'number': case 'string': case 'nil':
        return {literal: n}
      case 'dot':
        return {node: n, eval: (_s, dot) => dot}
      case 'pipe':
        return {node: n, eval: this.pipe(n)}
      case 'identifier': {
        const call = this.functionCall(n.name, n, n, [])
        return {node: n, eval: (s, dot) => call(s, dot, MISSING)}
      }
      case 'field': {
        const chain = this.fieldChain(n, n.ident, [])
        return {node: n, eval: (s, dot) => chain(s, dot, dot, MISSING)}
      }
      case 'variable': {
        const name = n.ident[0]!
        if (n.ident.length === 1) return {node: n, eval: (s) => s.varValue(n, name)}
        const chain = this.fieldChain(n, n.ident.slice(1), [])
        return {node: n, eval: (s, dot) => chain(s, dot, s.varValue(n, name), MISSING)}
      }
      case 'chain': {
        if (n.node.type === 'nil') return {node: n, eval: (s) => s.fail(n, `indirection through explicit nil in ${nodeString(n)}`)}
        const receiver = this.arg(n.node)
        const chain = this.fieldChain(n, n.field, [])
        return {node: n, eval: (s, dot) => chain(s, dot, evalArgAny(s, dot, receiver), MISSING)}
      }
    }
  }

  /** `.A.B.C args`: fields (or map keys, or methods) from a receiver; the last may take the arguments. */
  private fieldChain(node: ArgNode, ident: readonly string[], args: readonly ArgNode[]): (s: State, dot: unknown, receiver: unknown, final: unknown) => unknown {
    const compiledArgs = args.map((a) => this.arg(a))
    const hasArgs = args.length > 0
    return (s, dot, receiver, final) => {
      let r = receiver
      for (let i = 0; i < ident.length - 1; i++) r = this.field(s, node, dot, ident[i]!, [], false, MISSING, r)
      return this.field(s, node, dot, ident[ident.length - 1]!, compiledArgs, hasArgs, final, r)
    }
  }

  /** Go's evalField. */
  private field(s: State, node: ArgNode, dot: unknown, name: string, args: readonly CompiledArg[], hasArgsNodes: boolean, final: unknown, receiver: unknown): unknown {
    if (receiver === null || receiver === undefined) return null
    const typ = typeName(receiver)
    const r = indirect(receiver)
    const method = methodOf(r, name)
    if (method !== undefined) return this.callWith(s, dot, node, name, method, args, final)
    const hasArgs = hasArgsNodes || final !== MISSING
    if (r instanceof GoStruct) {
      if (r.hasField(name)) {
        if (hasArgs) s.fail(node, `${name} has arguments but cannot be invoked as function`)
        return r.values[name]
      }
    } else if (isMap(r)) {
      if (hasArgs) s.fail(node, `${name} is not a method but has arguments`)
      const v = mapGet(r, name)
      return v === undefined ? null : v
    } else if (r instanceof GoPointer) {
      const type = structTypeNamed(r.elemType)
      if (type === undefined || type.fields.some((f) => f.name === name)) s.fail(node, `nil pointer evaluating ${typ}.${name}`)
    }
    s.fail(node, `can't evaluate field ${name} in type ${typ}`)
  }

  private functionCall(name: string, ident: AnyNode, cmd: CommandNode | ArgNode, argNodes: readonly ArgNode[]): (s: State, dot: unknown, final: unknown) => unknown {
    const f = this.program.funcs.get(name)
    if (f === undefined) return (s) => s.fail(ident, `${JSON.stringify(name)} is not a defined function`)
    const args = argNodes.map((a) => this.arg(a))
    if (name === 'and' || name === 'or') return this.andOr(name, ident, args)
    return (s, dot, final) => this.callWith(s, dot, cmd, name, f, args, final)
  }

  /** and/or evaluate their arguments in order and stop at the first that decides (Go 1.18+). */
  private andOr(name: 'and' | 'or', ident: AnyNode, args: readonly CompiledArg[]): (s: State, dot: unknown, final: unknown) => unknown {
    const want = name === 'or'
    return (s, dot, final) => {
      if (args.length + (final === MISSING ? 0 : 1) < 1) s.fail(ident, `wrong number of args for ${name}: want at least 1 got 0`)
      let v: unknown = null
      for (const a of args) {
        v = evalArgAny(s, dot, a)
        if (isTrue(v) === want) return v
      }
      return final === MISSING ? v : final
    }
  }

  /** Go's evalCall: arity, argument conversion, then the call. */
  private callWith(s: State, dot: unknown, node: AnyNode, name: string, f: TemplateFunc, args: readonly CompiledArg[], final: unknown): unknown {
    const numIn = args.length + (final === MISSING ? 0 : 1)
    const numFixed = f.params.length
    if (f.variadic !== undefined) {
      if (numIn < numFixed) s.fail(node, `wrong number of args for ${name}: want at least ${numFixed} got ${args.length}`)
    } else if (numIn !== numFixed) {
      s.fail(node, `wrong number of args for ${name}: want ${numFixed} got ${numIn}`)
    }
    const argv: unknown[] = []
    let i = 0
    for (; i < numFixed && i < args.length; i++) argv.push(this.evalArg(s, dot, args[i]!, f.params[i]!))
    for (; i < args.length; i++) argv.push(this.evalArg(s, dot, args[i]!, f.variadic!))
    if (final !== MISSING) {
      const t = numIn - 1 < numFixed ? f.params[numIn - 1]! : f.variadic!
      argv.push(this.validate(s, node, final, t))
    }
    return callFunction(s, node, name, f, argv)
  }

  private validate(s: State, node: AnyNode, value: unknown, type: string): unknown {
    const v = validateType(value, type)
    if ('error' in v) s.fail(node, v.error)
    return v.value
  }

  /** Go's evalArg: a literal converted to the parameter type, or a value checked against it. */
  private evalArg(s: State, dot: unknown, a: CompiledArg, type: string): unknown {
    if ('eval' in a) return this.validate(s, a.node, a.eval(s, dot), type)
    const n = a.literal
    if (n.type === 'nil') {
      if (canBeNil(type)) return zeroOf(type)
      s.fail(n, `cannot assign nil to ${type}`)
    }
    if (isAnyType(type)) return n.type === 'number' ? idealConstant(s, n) : n.type === 'bool' ? n.value : n.text
    if (type === 'bool') {
      if (n.type === 'bool') return n.value
      s.fail(n, `expected bool; found ${nodeString(n)}`)
    }
    if (type === 'string') {
      if (n.type === 'string') return n.text
      s.fail(n, `expected string; found ${nodeString(n)}`)
    }
    if (isIntType(type)) {
      if (n.type === 'number' && n.isInt && (!type.startsWith('u') || n.int >= 0)) return intOf(type, n.int)
      s.fail(n, `expected ${type.startsWith('u') ? 'unsigned integer' : 'integer'}; found ${nodeString(n)}`)
    }
    if (type === 'float64' || type === 'float32') {
      if (n.type === 'number' && n.isFloat) return floatOf(type, n.float)
      s.fail(n, `expected float; found ${nodeString(n)}`)
    }
    s.fail(n, `can't handle ${nodeString(n)} for arg of type ${type}`)
  }
}

/** An argument to an `interface {}` place (receivers of chains, and/or). */
function evalArgAny(s: State, dot: unknown, a: CompiledArg): unknown {
  if ('eval' in a) return a.eval(s, dot)
  const n = a.literal
  switch (n.type) {
    case 'nil': return null
    case 'bool': return n.value
    case 'string': return n.text
    case 'number': return idealConstant(s, n)
  }
}

