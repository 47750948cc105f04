// Shared helper for the expr tests: evaluate an expression and describe the result.
import {GoFloat, markStringMap} from '../../src/model/go-values.js'
import {compileExpr, type ExprEnvName} from '../../src/expr/index.js'

/** Runs `source`; returns the value (GoFloat unwrapped as `float:N`) or `error: message`. */
export function evaluate(source: string, vars: Record<string, unknown> = {}, env: ExprEnvName = 'any'): unknown {
  try {
    return describe(compileExpr(source, {env}).run(vars))
  } catch (error) {
    return `error: ${(error as Error).message}`
  }
}

export function describe(v: unknown): unknown {
  if (v instanceof GoFloat) return `float:${v.value}`
  if (Array.isArray(v)) return v.map(describe)
  return v
}

export function stringMap(entries: Record<string, string>): Record<string, string> {
  return markStringMap(Object.assign(Object.create(null) as Record<string, string>, entries))
}

export function anyMap(entries: Record<string, unknown>): Record<string, unknown> {
  return Object.assign(Object.create(null) as Record<string, unknown>, entries)
}
