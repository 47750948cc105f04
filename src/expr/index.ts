/**
 * The expression façade (contract 1): compileExpr parses, checks and compiles an
 * expr-lang v1.17 expression once; Program.run evaluates it against variables.
 *
 *   const p = compileExpr("evt.Meta.log_type == 'ssh'", {env: 'event', location: {file, line}})
 *   evalFilter(p, {evt})   // true only when the result is exactly true
 */
import type * as AST from './ast.js'
import {BUILTIN_NAMES} from './builtins.js'
import {check, type TypeMap} from './check.js'
import {compile, type HelperTable, type Vars} from './compile.js'
import {ENVS, type ExprEnvName} from './envs.js'
import {compileEventDirect, eventMapRead, NOT_DIRECT} from './event-direct.js'
import {ExprCompileError, ExprFailure, ExprRuntimeError, type ExprErrorOrigin} from './errors.js'
import {HELPER_NAMES} from './helper-names.js'
import {resolveHelperTable, type HelperContext} from './helper-table.js'
import {parse} from './parser.js'
import {throughContentCache} from '../platform/content-cache.js'
import type {SharedMemo} from './shared-memo.js'

export type {ExprEnvName} from './envs.js'
export {ExprCompileError, ExprRuntimeError} from './errors.js'
export type {HelperContext} from './helper-table.js'
export type {HelperTable} from './compile.js'
export {SharedMemo} from './shared-memo.js'

export interface CompileOptions {
  env?: ExprEnvName
  location?: ExprErrorOrigin
  /** The helper services; createHelpers(ctx) gives the CrowdSec helper functions. */
  helpers?: HelperContext
  /** A ready helper table (tests, tools); takes precedence over `helpers`. */
  helperTable?: HelperTable
  /** Run the optimizer passes (default true; false gives the plain compilation, for comparisons). */
  optimize?: boolean
  /**
   * Share pure sub-expressions that read the variables (helper calls, scans) with every program
   * compiled with the same memo: each is evaluated at most once per `memo.next()` epoch. The owner
   * must call `next()` before each run on new variables and after anything that may change them.
   */
  memo?: SharedMemo
}

export interface Program {
  readonly source: string
  run(vars: Record<string, unknown>): unknown
}

/** A compiled program, with its tree for tools (--explain). */
export interface CompiledProgram extends Program {
  readonly ast: AST.Node
  readonly env: ExprEnvName
  readonly types: TypeMap
  /**
   * `run({evt})` without the variables object: in the `event` environment the common shapes
   * (field reads, string tests; see event-direct.ts) run as one direct closure of the event.
   * Same results and errors as `run({evt})`.
   */
  runEvent(evt: object): unknown
}

/** An evaluator of a program against one event (`evt`). */
export type EventFn = (evt: object) => unknown

/**
 * The event evaluator of any Program: its `runEvent` when it has one (compileExpr's programs),
 * else `run({evt})`.
 */
export function eventFn(program: Program): EventFn {
  const direct = (program as Partial<CompiledProgram>).runEvent
  if (typeof direct === 'function') return direct
  return (evt) => program.run({evt})
}

/**
 * Analysis helper: when `program` (of the `event` environment) is exactly a read of
 * `evt.Parsed.K`, `evt.Meta.K` or `evt.Enriched.K`, which map and key.
 */
export function mapReadOf(program: Program): {field: 'Parsed' | 'Meta' | 'Enriched'; key: string} | undefined {
  const p = program as Partial<CompiledProgram>
  if (p.env !== 'event' || p.ast === undefined || p.types === undefined) return undefined
  const read = eventMapRead(p.ast, p.types)
  if (read === undefined || (read.field !== 'Parsed' && read.field !== 'Meta' && read.field !== 'Enriched')) return undefined
  return {field: read.field, key: read.key}
}

const EMPTY: unknown[] = []

/** Parses only (no environment needed): for tools that print or analyse the tree; through the content cache in force. */
export function parseExpr(source: string, location: ExprErrorOrigin = {}): AST.Node {
  try {
    return parseCached(source)
  } catch (error) {
    throw toCompileError(error, source, location)
  }
}

/** The syntax tree of a source, through the content cache in force (a cached run does not parse it again). */
function parseCached(source: string): AST.Node {
  return throughContentCache('expr-ast', [source], () => parse(source, BUILTIN_NAMES))
}

export function compileExpr(source: string, options: CompileOptions = {}): CompiledProgram {
  const origin = options.location ?? {}
  const envName = options.env ?? 'any'
  const env = ENVS[envName]
  const helpers = options.helperTable ?? resolveHelperTable(options.helpers)
  let ast: AST.Node
  let types: TypeMap
  let compiled: ReturnType<typeof compile>
  try {
    ast = parseCached(source)
    types = check(ast, {
      env,
      isFunction: (name) => HELPER_NAMES.has(name) || (helpers !== undefined && Object.hasOwn(helpers, name)),
    })
    compiled = compile(ast, {types, env, helpers, optimize: options.optimize, memo: options.memo})
  } catch (error) {
    throw toCompileError(error, source, origin)
  }
  const {fn, slots} = compiled
  const run =
    slots === 0
      ? (vars: Record<string, unknown>): unknown => {
          try {
            return fn(vars as Vars, EMPTY)
          } catch (error) {
            throw toRuntimeError(error, source, origin)
          }
        }
      : (vars: Record<string, unknown>): unknown => {
          try {
            return fn(vars as Vars, new Array(slots))
          } catch (error) {
            throw toRuntimeError(error, source, origin)
          }
        }
  let runEvent = (evt: object): unknown => run({evt})
  const direct = envName === 'event' ? compileEventDirect(ast, types) : undefined
  if (direct !== undefined) {
    runEvent = (evt) => {
      const v = direct(evt)
      return v === NOT_DIRECT ? run({evt}) : v
    }
  }
  return {source, ast, env: envName, types, run, runEvent}
}

/**
 * Runs a filter: true only when the result is exactly `true`. A runtime error counts as
 * false and is passed to `onError` when given.
 */
export function evalFilter(program: Program, vars: Record<string, unknown>, onError?: (error: ExprRuntimeError) => void): boolean {
  try {
    return program.run(vars) === true
  } catch (error) {
    if (onError !== undefined) onError(error instanceof ExprRuntimeError ? error : toRuntimeError(error, program.source, {}))
    return false
  }
}

function toCompileError(error: unknown, source: string, origin: ExprErrorOrigin): ExprCompileError {
  if (error instanceof ExprCompileError) return error
  if (error instanceof ExprFailure) return new ExprCompileError(error.message, source, error.offset, origin)
  const message = error instanceof Error ? error.message : String(error)
  return new ExprCompileError(message, source, 0, origin)
}

function toRuntimeError(error: unknown, source: string, origin: ExprErrorOrigin): ExprRuntimeError {
  if (error instanceof ExprRuntimeError) return error
  if (error instanceof ExprFailure) return new ExprRuntimeError(error.message, source, error.offset, origin, {cause: error.cause})
  const message = error instanceof Error ? error.message : String(error)
  return new ExprRuntimeError(message, source, 0, origin, {cause: error})
}
