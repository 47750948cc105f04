/**
 * The one error family of crowd. Every error a user can cause (bad config, bad rule file,
 * bad expression, unreadable input) is a CrowdError that names where it comes from.
 * Formatted as `message (file:line:col)`, with the source line and a caret when known.
 */
export type ErrorCode =
  | 'config'        // crowd.toml or flags
  | 'usage'         // command-line usage
  | 'expr-compile'  // an expression that does not compile
  | 'expr-runtime'  // an expression that failed while evaluating
  | 'grok'          // a grok pattern that does not compile
  | 'parser'        // a parser file that does not load
  | 'scenario'      // a scenario file that does not load
  | 'profile'       // a profiles file that does not load
  | 'input'         // an input (log file, archive) that cannot be read
  | 'hub'           // hub index, package or install failure
  | 'hubtest'       // a hub test that cannot run
  | 'store'         // the decisions store failed (database busy, gone, or refusing)
  | 'lapi'          // a Local API answered with an error, or could not be reached
  | 'not-found'     // what the command names does not exist (machine, bouncer, alert, decision)
  | 'state'         // saved watch state (positions, buckets) that cannot be read: moved aside, never fatal
  | 'plugin'        // a sandboxed hub plugin that failed, timed out, ran out of memory or was refused a permission
  | 'internal'

export interface SourceLocation {
  file?: string
  line?: number   // 1-based
  column?: number // 1-based
  /** The text of the offending line, for a caret under the column. */
  sourceLine?: string
}

export class CrowdError extends Error {
  readonly code: ErrorCode
  readonly file?: string
  readonly line?: number
  readonly column?: number
  readonly sourceLine?: string
  /** The message without the location suffix. */
  readonly reason: string

  constructor(code: ErrorCode, reason: string, location: SourceLocation = {}, options?: {cause?: unknown}) {
    super(formatMessage(reason, location), options)
    this.name = 'CrowdError'
    this.code = code
    this.reason = reason
    this.file = location.file
    this.line = location.line
    this.column = location.column
    this.sourceLine = location.sourceLine
  }

  /** The message, then the source line with a caret under the column when both are known. */
  withSnippet(): string {
    if (this.sourceLine === undefined || this.column === undefined) return this.message
    const caret = ' '.repeat(Math.max(0, this.column - 1)) + '^'
    return `${this.message}\n | ${this.sourceLine}\n | ${caret}`
  }

  toJSON(): Record<string, unknown> {
    return {code: this.code, message: this.reason, file: this.file, line: this.line, column: this.column}
  }
}

export function formatLocation(location: SourceLocation): string {
  if (location.file === undefined && location.line === undefined) return ''
  let text = location.file ?? '<input>'
  if (location.line !== undefined) {
    text += `:${location.line}`
    if (location.column !== undefined) text += `:${location.column}`
  }
  return text
}

function formatMessage(reason: string, location: SourceLocation): string {
  const where = formatLocation(location)
  return where === '' ? reason : `${reason} (${where})`
}

/** CrowdErrors collected while compiling a whole set of files, thrown at once. */
export class CrowdErrorList extends Error {
  readonly errors: CrowdError[]
  constructor(errors: CrowdError[]) {
    super(errors.map((e) => e.message).join('\n'))
    this.name = 'CrowdErrorList'
    this.errors = errors
  }
}
