/**
 * The library side of `crowd expr eval`: compile, run, and describe the value (Go-like
 * JSON) or the error (message, column, caret snippet).
 */
import {markStringMap} from '../model/go-values.js'
import {type ExprEnvName} from './envs.js'
import {defaultHelperContext} from './helpers/index.js'
import {compileExpr, parseExpr, ExprCompileError, ExprRuntimeError} from './index.js'
import {explain, print} from './print.js'
import {exprTypeName, toGoJSON} from './value.js'

export interface ExprEvalResult {
  value?: unknown
  /** expr `type()` of the value. */
  type?: string
  /** The value as Go JSON (what the human output prints; not part of --json). */
  readonly text?: string
  error?: {message: string; column?: number; kind: 'compile' | 'runtime'; snippet: string}
  explain?: {source: string; tree: string}
}

/**
 * JSON input -> Go-like values: objects become null-prototype maps; with the 'event'
 * environment the Parsed/Meta/Enriched/Labels maps of `evt` are string maps.
 */
export function importVars(vars: Record<string, unknown>, env: ExprEnvName): Record<string, unknown> {
  const convert = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(convert)
    if (typeof v === 'number') return Number.isInteger(v) ? v : v
    if (v !== null && typeof v === 'object') {
      const out = Object.create(null) as Record<string, unknown>
      for (const [k, x] of Object.entries(v)) out[k] = convert(x)
      return out
    }
    return v
  }
  const out = convert(vars) as Record<string, unknown>
  if (env === 'event' || env === 'bucket') {
    const evt = out.evt as Record<string, unknown> | undefined
    if (evt && typeof evt === 'object') {
      for (const k of ['Parsed', 'Meta', 'Enriched']) evt[k] = markStringMap((evt[k] as object | undefined) ?? Object.create(null))
      evt.Unmarshaled ??= Object.create(null)
      const line = (evt.Line ??= Object.create(null)) as Record<string, unknown>
      line.Labels = markStringMap((line.Labels as object | undefined) ?? Object.create(null))
    }
  }
  return out
}

export function evaluateForCli(source: string, vars: Record<string, unknown>, env: ExprEnvName, withExplain = false): ExprEvalResult {
  const result: ExprEvalResult = {}
  try {
    if (withExplain) {
      const ast = parseExpr(source)
      result.explain = {source: print(ast), tree: explain(ast)}
    }
    const program = compileExpr(source, {env, helpers: defaultHelperContext()})
    const value = program.run(importVars(vars, env))
    const text = toGoJSON(value, '  ')
    Object.defineProperty(result, 'text', {value: text, enumerable: false})
    result.value = JSON.parse(text) as unknown
    result.type = exprTypeName(value)
  } catch (error) {
    if (error instanceof ExprCompileError || error instanceof ExprRuntimeError) {
      result.error = {
        message: error.reason,
        column: error.column,
        kind: error instanceof ExprCompileError ? 'compile' : 'runtime',
        snippet: error.withSnippet(),
      }
    } else {
      throw error
    }
  }
  return result
}
