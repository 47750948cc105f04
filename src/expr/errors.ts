/**
 * Expression errors. Both are CrowdErrors: compile errors (code 'expr-compile') and runtime
 * errors (code 'expr-runtime'). The column is 1-based, counted in characters of the
 * expression's line; the snippet shows that line with a caret under the column.
 */
import {CrowdError, type SourceLocation} from '../model/errors.js'

export interface ExprErrorOrigin {
  /** File the expression comes from, and the 1-based line where the expression starts. */
  file?: string
  line?: number
}

/** Line (0-based, relative to the expression), column (1-based) and the text of that line. */
export function positionOf(source: string, offset: number): {lineIndex: number; column: number; lineText: string} {
  const clamped = Math.max(0, Math.min(offset, source.length))
  let lineStart = 0
  let lineIndex = 0
  for (let i = 0; i < clamped; i++) {
    if (source.charCodeAt(i) === 10) {
      lineIndex++
      lineStart = i + 1
    }
  }
  let lineEnd = source.indexOf('\n', lineStart)
  if (lineEnd < 0) lineEnd = source.length
  const lineText = source.slice(lineStart, lineEnd)
  const column = [...source.slice(lineStart, clamped)].length + 1
  return {lineIndex, column, lineText}
}

function locate(source: string, offset: number, origin: ExprErrorOrigin): SourceLocation {
  const {lineIndex, column, lineText} = positionOf(source, offset)
  const line = origin.line !== undefined ? origin.line + lineIndex : lineIndex > 0 || source.includes('\n') ? lineIndex + 1 : undefined
  return {file: origin.file, line, column, sourceLine: lineText}
}

export class ExprCompileError extends CrowdError {
  /** Offset of the error in the expression source. */
  readonly offset: number
  readonly source: string
  constructor(reason: string, source: string, offset: number, origin: ExprErrorOrigin = {}) {
    const location = locate(source, offset, origin)
    super('expr-compile', reason, location)
    this.name = 'ExprCompileError'
    this.offset = offset
    this.source = source
    if (origin.file === undefined && origin.line === undefined) {
      // Without a file, say where in the expression: `unknown name foo (1:5)` as expr does.
      Object.defineProperty(this, 'message', {value: `${reason} (${(location.line ?? 1)}:${location.column})`})
    }
  }
}

export class ExprRuntimeError extends CrowdError {
  readonly offset: number
  readonly source: string
  constructor(reason: string, source: string, offset: number, origin: ExprErrorOrigin = {}, options?: {cause?: unknown}) {
    const location = locate(source, offset, origin)
    super('expr-runtime', reason, location, options)
    this.name = 'ExprRuntimeError'
    this.offset = offset
    this.source = source
    if (origin.file === undefined && origin.line === undefined) {
      Object.defineProperty(this, 'message', {value: `${reason} (${(location.line ?? 1)}:${location.column})`})
    }
  }
}

/**
 * Thrown inside the compiler and the evaluator where the source is not at hand; the
 * façade turns it into an ExprCompileError / ExprRuntimeError with the full location.
 */
export class ExprFailure extends Error {
  constructor(message: string, readonly offset: number) {
    super(message)
    this.name = 'ExprFailure'
  }
}
