/**
 * The lexer of Go text/template (package text/template/parse, Go 1.22): template text ->
 * tokens. Text outside `{{ }}` is one token; inside an action, spaces are tokens (the parser
 * needs them to tell `$x := 1` from `$x 1`). Trim markers (`{{- ` and ` -}}`, a dash next to
 * any of space, tab, CR, LF) and comments (`{{/* *\/}}`) are handled here, so the parser never
 * sees them. Positions are UTF-16 offsets in the text; lines are 1-based.
 *
 * Lexing stops at the first error, which becomes an `error` token carrying Go's message.
 */
import {goQuote} from '../model/go-format.js'

export type TokenType =
  | 'error' | 'eof' | 'text' | 'leftDelim' | 'rightDelim' | 'space'
  | 'bool' | 'char' | 'charConstant' | 'number' | 'string' | 'rawString'
  | 'assign' | 'declare' | 'pipe' | 'leftParen' | 'rightParen'
  | 'field' | 'identifier' | 'variable'
  // keywords
  | 'block' | 'break' | 'continue' | 'define' | 'dot' | 'else' | 'end' | 'if' | 'nil' | 'range' | 'template' | 'with'

export interface Token {
  type: TokenType
  /** UTF-16 offset of the token in the template text. */
  pos: number
  /** The token's text (for an error token: the message). */
  val: string
  /** Line of the token's start. */
  line: number
}

const KEYWORDS: ReadonlyMap<string, TokenType> = new Map<string, TokenType>([
  ['.', 'dot'], ['block', 'block'], ['break', 'break'], ['continue', 'continue'], ['define', 'define'], ['else', 'else'],
  ['end', 'end'], ['if', 'if'], ['nil', 'nil'], ['range', 'range'], ['template', 'template'], ['with', 'with'],
])

const KEYWORD_TYPES: ReadonlySet<TokenType> = new Set(KEYWORDS.values())

const LEFT_DELIM = '{{'
const RIGHT_DELIM = '}}'
const LEFT_COMMENT = '/*'
const RIGHT_COMMENT = '*/'
/** Length of a trim marker (`- ` or ` -`). */
const TRIM_MARKER_LEN = 2

function isSpace(ch: string | undefined): boolean {
  return ch === ' ' || ch === '\t' || ch === '\r' || ch === '\n'
}

/** Go's unicode.IsLetter / IsDigit / '_' (what may follow `.`, `$` or start an identifier). */
function isAlphaNumeric(ch: string | undefined): boolean {
  if (ch === undefined) return false
  return ch === '_' || /^[\p{L}\p{Nd}]$/u.test(ch)
}

function hasLeftTrimMarker(text: string, at: number): boolean {
  return text[at] === '-' && isSpace(text[at + 1])
}

function hasRightTrimMarker(text: string, at: number): boolean {
  return isSpace(text[at]) && text[at + 1] === '-'
}

function countNewlines(text: string, from: number, to: number): number {
  let n = 0
  for (let i = text.indexOf('\n', from); i >= 0 && i < to; i = text.indexOf('\n', i + 1)) n++
  return n
}

/** Go's %#U of a code point: `U+0040 '@'` (without the character when it is not printable). */
export function formatRune(ch: string): string {
  const cp = ch.codePointAt(0) ?? 0
  const hex = 'U+' + cp.toString(16).toUpperCase().padStart(4, '0')
  return /^[\p{L}\p{M}\p{N}\p{P}\p{S} ]$/u.test(ch) ? `${hex} '${ch}'` : hex
}

/** Go's item.String(): how the parser names a token in "unexpected ..." messages. */
export function tokenString(t: Token): string {
  if (t.type === 'eof') return 'EOF'
  if (t.type === 'error') return t.val
  if (KEYWORD_TYPES.has(t.type)) return `<${t.val}>`
  const chars = [...t.val]
  if (chars.length > 10) return goQuote(chars.slice(0, 10).join('')) + '...'
  return goQuote(t.val)
}


/** All tokens of `text`, ending with an `eof` or an `error` token. */
export function lexTemplate(text: string): Token[] {
  return new Lexer(text).run()
}

class Lexer {
  private readonly tokens: Token[] = []
  /** Current offset. */
  private pos = 0
  /** Start of the pending token. */
  private start = 0
  /** Line at `pos`. */
  private line = 1
  /** Line at `start`. */
  private startLine = 1
  /** Depth of ( ) inside the current action. */
  private parenDepth = 0

  constructor(private readonly input: string) {}

  run(): Token[] {
    let state: (() => boolean) | undefined = () => this.lexText()
    // each state step returns false when lexing is over (eof or error)
    while (state !== undefined && state()) {
      state = this.next
    }
    return this.tokens
  }

  /** The state to run next (a small state machine, as Go's lexer). */
  private next: (() => boolean) | undefined

  private goto(state: () => boolean): boolean {
    this.next = state
    return true
  }

  private emit(type: TokenType): void {
    this.tokens.push({type, pos: this.start, val: this.input.slice(this.start, this.pos), line: this.startLine})
    this.start = this.pos
    this.startLine = this.line
  }

  /** Skips the pending input (counting its newlines). */
  private ignore(): void {
    this.line += countNewlines(this.input, this.start, this.pos)
    this.start = this.pos
    this.startLine = this.line
  }

  private error(message: string): boolean {
    this.tokens.push({type: 'error', pos: this.start, val: message, line: this.startLine})
    return false
  }

  /** Consumes one code point; returns undefined at the end. */
  private read(): string | undefined {
    if (this.pos >= this.input.length) return undefined
    const ch = String.fromCodePoint(this.input.codePointAt(this.pos)!)
    this.pos += ch.length
    if (ch === '\n') this.line++
    return ch
  }

  private unread(ch: string | undefined): void {
    if (ch === undefined) return
    this.pos -= ch.length
    if (ch === '\n') this.line--
  }

  private peekChar(): string | undefined {
    if (this.pos >= this.input.length) return undefined
    return String.fromCodePoint(this.input.codePointAt(this.pos)!)
  }

  private accept(valid: string): boolean {
    const ch = this.read()
    if (ch !== undefined && valid.includes(ch)) return true
    this.unread(ch)
    return false
  }

  private acceptRun(valid: string): void {
    while (this.accept(valid)) {
      // absorb
    }
  }

  /** At a right delimiter, possibly preceded by a trim marker. */
  private atRightDelim(): {delim: boolean; trim: boolean} {
    if (this.input.startsWith(RIGHT_DELIM, this.pos)) return {delim: true, trim: false}
    if (hasRightTrimMarker(this.input, this.pos) && this.input.startsWith(RIGHT_DELIM, this.pos + TRIM_MARKER_LEN)) return {delim: true, trim: true}
    return {delim: false, trim: false}
  }

  /** Whether what follows may end an identifier, field or variable. */
  private atTerminator(): boolean {
    const ch = this.peekChar()
    if (ch === undefined || isSpace(ch)) return true
    if ('.,|:)('.includes(ch)) return true
    return ch === RIGHT_DELIM[0]
  }

  // ---- states

  private lexText(): boolean {
    const x = this.input.indexOf(LEFT_DELIM, this.pos)
    if (x < 0) {
      this.pos = this.input.length
      if (this.pos > this.start) {
        this.line += countNewlines(this.input, this.start, this.pos)
        this.emit('text')
      }
      this.emit('eof')
      return false
    }
    if (x > this.pos || x > this.start) {
      this.pos = x
      let trim = 0
      if (hasLeftTrimMarker(this.input, x + LEFT_DELIM.length)) {
        const before = this.input.slice(this.start, x)
        trim = before.length - before.replace(/[ \t\r\n]+$/, '').length
      }
      this.pos -= trim
      if (this.pos > this.start) {
        const startLine = this.startLine
        const textStart = this.start
        const val = this.input.slice(textStart, this.pos)
        this.line += countNewlines(this.input, textStart, this.pos)
        this.tokens.push({type: 'text', pos: textStart, val, line: startLine})
        this.start = this.pos
      }
      this.pos += trim
      this.ignore()
    }
    return this.goto(() => this.lexLeftDelim())
  }

  private lexLeftDelim(): boolean {
    this.pos += LEFT_DELIM.length
    const trim = hasLeftTrimMarker(this.input, this.pos)
    const afterMarker = trim ? TRIM_MARKER_LEN : 0
    if (this.input.startsWith(LEFT_COMMENT, this.pos + afterMarker)) {
      this.pos += afterMarker
      this.ignore()
      return this.goto(() => this.lexComment())
    }
    this.emit('leftDelim')
    this.pos += afterMarker
    this.ignore()
    this.parenDepth = 0
    return this.goto(() => this.lexInsideAction())
  }

  private lexComment(): boolean {
    this.pos += LEFT_COMMENT.length
    const x = this.input.indexOf(RIGHT_COMMENT, this.pos)
    if (x < 0) return this.error('unclosed comment')
    this.pos = x + RIGHT_COMMENT.length
    const {delim, trim} = this.atRightDelim()
    if (!delim) return this.error('comment ends before closing delimiter')
    if (trim) this.pos += TRIM_MARKER_LEN
    this.pos += RIGHT_DELIM.length
    if (trim) this.skipLeadingSpace()
    this.ignore()
    return this.goto(() => this.lexText())
  }

  private skipLeadingSpace(): void {
    while (isSpace(this.input[this.pos])) this.pos++
  }

  private lexRightDelim(): boolean {
    const trim = hasRightTrimMarker(this.input, this.pos)
    if (trim) {
      this.pos += TRIM_MARKER_LEN
      this.ignore()
    }
    this.pos += RIGHT_DELIM.length
    this.emit('rightDelim')
    if (trim) {
      this.skipLeadingSpace()
      this.ignore()
    }
    return this.goto(() => this.lexText())
  }

  private lexInsideAction(): boolean {
    if (this.atRightDelim().delim) {
      if (this.parenDepth === 0) return this.goto(() => this.lexRightDelim())
      return this.error('unclosed left paren')
    }
    const ch = this.read()
    if (ch === undefined) return this.error('unclosed action')
    if (isSpace(ch)) {
      this.unread(ch)
      return this.lexSpace()
    }
    switch (ch) {
      case '=':
        this.emit('assign')
        return true
      case ':':
        if (this.read() !== '=') return this.error('expected :=')
        this.emit('declare')
        return true
      case '|':
        this.emit('pipe')
        return true
      case '"':
        return this.lexQuote()
      case '`':
        return this.lexRawQuote()
      case '$':
        return this.lexVariable()
      case "'":
        return this.lexChar()
      case '(':
        this.parenDepth++
        this.emit('leftParen')
        return true
      case ')':
        this.parenDepth--
        if (this.parenDepth < 0) return this.error('unexpected right paren')
        this.emit('rightParen')
        return true
    }
    if (ch === '.') {
      const after = this.input[this.pos]
      if (after === undefined || after < '0' || after > '9') return this.lexFieldOrVariable('field')
    }
    if (ch === '.' || ch === '+' || ch === '-' || (ch >= '0' && ch <= '9')) {
      this.unread(ch)
      return this.lexNumber()
    }
    if (isAlphaNumeric(ch)) {
      this.unread(ch)
      return this.lexIdentifier()
    }
    const cp = ch.codePointAt(0)!
    if (cp >= 0x20 && cp < 0x7f) {
      this.emit('char')
      return true
    }
    return this.error(`unrecognized character in action: ${formatRune(ch)}`)
  }

  private lexSpace(): boolean {
    let spaces = 0
    while (isSpace(this.peekChar())) {
      this.read()
      spaces++
    }
    // a trim-marked right delimiter: the space before the dash belongs to it
    if (hasRightTrimMarker(this.input, this.pos - 1) && this.input.startsWith(RIGHT_DELIM, this.pos - 1 + TRIM_MARKER_LEN)) {
      this.unread(this.input[this.pos - 1])
      if (spaces === 1) return this.goto(() => this.lexRightDelim())
    }
    this.emit('space')
    return this.goto(() => this.lexInsideAction())
  }

  private lexIdentifier(): boolean {
    let ch: string | undefined
    do ch = this.read()
    while (isAlphaNumeric(ch))
    this.unread(ch)
    if (!this.atTerminator()) return this.error(`bad character ${formatRune(ch ?? '')}`)
    const word = this.input.slice(this.start, this.pos)
    const keyword = KEYWORDS.get(word)
    if (keyword !== undefined) this.emit(keyword)
    else if (word === 'true' || word === 'false') this.emit('bool')
    else this.emit('identifier')
    return this.goto(() => this.lexInsideAction())
  }

  private lexVariable(): boolean {
    return this.lexFieldOrVariable('variable')
  }

  /** After `.` or `$`: a field or variable name, or `.` / `$` alone. */
  private lexFieldOrVariable(type: 'field' | 'variable'): boolean {
    if (this.atTerminator()) {
      this.emit(type === 'variable' ? 'variable' : 'dot')
      return this.goto(() => this.lexInsideAction())
    }
    let ch: string | undefined
    do ch = this.read()
    while (isAlphaNumeric(ch))
    this.unread(ch)
    if (!this.atTerminator()) return this.error(`bad character ${formatRune(ch ?? '')}`)
    this.emit(type)
    return this.goto(() => this.lexInsideAction())
  }

  private lexChar(): boolean {
    for (;;) {
      const ch = this.read()
      if (ch === '\\') {
        const next = this.read()
        if (next !== undefined && next !== '\n') continue
        return this.error('unterminated character constant')
      }
      if (ch === undefined || ch === '\n') return this.error('unterminated character constant')
      if (ch === "'") break
    }
    this.emit('charConstant')
    return this.goto(() => this.lexInsideAction())
  }

  private lexNumber(): boolean {
    if (!this.scanNumber()) return this.error(`bad number syntax: ${goQuote(this.input.slice(this.start, this.pos))}`)
    const sign = this.peekChar()
    if (sign === '+' || sign === '-') {
      // complex constants (1+2i) are not supported: crowd has no complex values
      this.scanNumber()
      return this.error(`bad number syntax: ${goQuote(this.input.slice(this.start, this.pos))}`)
    }
    this.emit('number')
    return this.goto(() => this.lexInsideAction())
  }

  private scanNumber(): boolean {
    this.accept('+-')
    let digits = '0123456789_'
    if (this.accept('0')) {
      if (this.accept('xX')) digits = '0123456789abcdefABCDEF_'
      else if (this.accept('oO')) digits = '01234567_'
      else if (this.accept('bB')) digits = '01_'
    }
    this.acceptRun(digits)
    if (this.accept('.')) this.acceptRun(digits)
    if (digits.length === 11 && this.accept('eE')) {
      this.accept('+-')
      this.acceptRun('0123456789_')
    }
    if (digits.length === 23 && this.accept('pP')) {
      this.accept('+-')
      this.acceptRun('0123456789_')
    }
    this.accept('i')
    if (isAlphaNumeric(this.peekChar())) {
      this.read()
      return false
    }
    return true
  }

  private lexQuote(): boolean {
    for (;;) {
      const ch = this.read()
      if (ch === '\\') {
        const next = this.read()
        if (next !== undefined && next !== '\n') continue
        return this.error('unterminated quoted string')
      }
      if (ch === undefined || ch === '\n') return this.error('unterminated quoted string')
      if (ch === '"') break
    }
    this.emit('string')
    return this.goto(() => this.lexInsideAction())
  }

  private lexRawQuote(): boolean {
    const end = this.input.indexOf('`', this.pos)
    if (end < 0) return this.error('unterminated raw quoted string')
    this.line += countNewlines(this.input, this.pos, end)
    this.pos = end + 1
    this.emit('rawString')
    return this.goto(() => this.lexInsideAction())
  }
}
