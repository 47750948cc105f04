/**
 * The lexer: source text -> tokens (expr.md §2). Whitespace and `//`, `/* *\/` comments are
 * skipped; keyword operators (`not`, `in`, `matches`, ...) become operator tokens.
 * Errors are ExprFailures carrying the offset; the façade adds line, column and caret.
 */
import {ExprFailure} from './errors.js'
import {BRACKETS, KEYWORD_OPERATORS, PUNCTUATORS, isIdentifierPart, isIdentifierStart, type Token} from './tokens.js'

const SIMPLE_ESCAPES: Record<string, string> = {a: '\x07', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t', v: '\v', '\\': '\\'}

function isSpace(ch: string): boolean {
  return /^\s$/u.test(ch) || ch === '\u0085'
}

function isDigit(code: number): boolean {
  return code >= 48 && code <= 57
}

export function tokenize(source: string): Token[] {
  return new Lexer(source).run()
}

class Lexer {
  /** Current offset in the source. */
  private pos = 0
  private readonly tokens: Token[] = []
  constructor(private readonly source: string) {}

  run(): Token[] {
    const src = this.source
    while (true) {
      this.skipSpaceAndComments()
      if (this.pos >= src.length) break
      const start = this.pos
      const ch = src[start]!
      const code = src.charCodeAt(start)
      if (isDigit(code) || (ch === '.' && isDigit(src.charCodeAt(start + 1)) && this.prevAllowsNumber())) {
        this.readNumber()
      } else if (ch === '"' || ch === "'") {
        this.push('string', this.readQuoted(ch), start)
      } else if (ch === '`') {
        this.push('string', this.readRaw(), start)
      } else if (ch === 'b' && (src[start + 1] === '"' || src[start + 1] === "'")) {
        this.pos++
        this.push('bytes', this.readQuoted(src[start + 1]!), start)
      } else if (isIdentifierStart(String.fromCodePoint(src.codePointAt(start)!))) {
        this.readIdentifier()
      } else if (BRACKETS.includes(ch)) {
        this.pos++
        this.push('bracket', ch, start)
      } else {
        const op = PUNCTUATORS.find((p) => src.startsWith(p, start))
        if (op === undefined) throw new ExprFailure(`unrecognized character: U+${code.toString(16).toUpperCase().padStart(4, '0')} '${ch}'`, start)
        // `?.` followed by a digit is `?` then a number (`a?.5:1`).
        if (op === '?.' && isDigit(src.charCodeAt(start + 2))) {
          this.pos++
          this.push('operator', '?', start)
          continue
        }
        this.pos += op.length
        this.push('operator', op, start)
      }
    }
    this.tokens.push({kind: 'eof', value: '', start: src.length, end: src.length})
    return this.tokens
  }

  private push(kind: Token['kind'], value: string, start: number): void {
    this.tokens.push({kind, value, start, end: this.pos})
  }

  /** `.5` is a number only where an operand may start (not after `a` in `a.5`...). */
  private prevAllowsNumber(): boolean {
    const prev = this.tokens[this.tokens.length - 1]
    if (prev === undefined) return true
    if (prev.kind === 'operator') return prev.value !== '.' && prev.value !== '?.'
    if (prev.kind === 'bracket') return '([{'.includes(prev.value)
    return false
  }

  private skipSpaceAndComments(): void {
    const src = this.source
    while (this.pos < src.length) {
      const ch = src[this.pos]!
      if (isSpace(ch)) {
        this.pos++
      } else if (ch === '/' && src[this.pos + 1] === '/') {
        const end = src.indexOf('\n', this.pos)
        this.pos = end < 0 ? src.length : end + 1
      } else if (ch === '/' && src[this.pos + 1] === '*') {
        const end = src.indexOf('*/', this.pos + 2)
        if (end < 0) throw new ExprFailure('unclosed comment', this.pos)
        this.pos = end + 2
      } else {
        break
      }
    }
  }

  private readIdentifier(): void {
    const src = this.source
    const start = this.pos
    this.pos += String.fromCodePoint(src.codePointAt(start)!).length
    while (this.pos < src.length) {
      const c = String.fromCodePoint(src.codePointAt(this.pos)!)
      if (!isIdentifierPart(c)) break
      this.pos += c.length
    }
    const word = src.slice(start, this.pos)
    this.push(KEYWORD_OPERATORS.has(word) ? 'operator' : 'identifier', word, start)
  }

  private readNumber(): void {
    const src = this.source
    const start = this.pos
    let isFloat = false
    const lower = src.slice(start, start + 2).toLowerCase()
    if (lower === '0x' || lower === '0o' || lower === '0b') {
      this.pos += 2
      const digits = lower === '0x' ? /[0-9a-fA-F_]/ : lower === '0o' ? /[0-7_]/ : /[01_]/
      while (this.pos < src.length && digits.test(src[this.pos]!)) this.pos++
    } else {
      while (this.pos < src.length && /[0-9_]/.test(src[this.pos]!)) this.pos++
      if (src[this.pos] === '.' && src[this.pos + 1] !== '.') {
        isFloat = true
        this.pos++
        while (this.pos < src.length && /[0-9_]/.test(src[this.pos]!)) this.pos++
      }
      if (src[this.pos] === 'e' || src[this.pos] === 'E') {
        isFloat = true
        this.pos++
        if (src[this.pos] === '+' || src[this.pos] === '-') this.pos++
        const expStart = this.pos
        while (this.pos < src.length && isDigit(src.charCodeAt(this.pos))) this.pos++
        if (this.pos === expStart) throw new ExprFailure(`invalid number: ${src.slice(start, this.pos)}`, start)
      }
    }
    if (this.pos < src.length && isIdentifierPart(String.fromCodePoint(src.codePointAt(this.pos)!))) {
      throw new ExprFailure(`bad number syntax: "${src.slice(start, this.pos + 1)}"`, start)
    }
    void isFloat
    this.push('number', src.slice(start, this.pos), start)
  }

  private readRaw(): string {
    const src = this.source
    const start = this.pos
    this.pos++
    let out = ''
    while (true) {
      const end = src.indexOf('`', this.pos)
      if (end < 0) throw new ExprFailure('literal not terminated', start)
      out += src.slice(this.pos, end)
      if (src[end + 1] === '`') {
        out += '`'
        this.pos = end + 2
        continue
      }
      this.pos = end + 1
      return out
    }
  }

  private readQuoted(quote: string): string {
    const src = this.source
    const start = this.pos
    this.pos++
    let out = ''
    while (true) {
      if (this.pos >= src.length) throw new ExprFailure('literal not terminated', start)
      const ch = src[this.pos]!
      if (ch === quote) {
        this.pos++
        return out
      }
      if (ch === '\n') throw new ExprFailure('literal not terminated', start)
      if (ch === '\r') {
        out += '\n'
        this.pos += src[this.pos + 1] === '\n' ? 2 : 1
        continue
      }
      if (ch !== '\\') {
        out += ch
        this.pos++
        continue
      }
      out += this.readEscape(quote)
    }
  }

  private readEscape(quote: string): string {
    const src = this.source
    const at = this.pos
    const c = src[at + 1]
    if (c === undefined) throw new ExprFailure('literal not terminated', at)
    if (c === quote) {
      this.pos += 2
      return c
    }
    const simple = SIMPLE_ESCAPES[c]
    if (simple !== undefined) {
      this.pos += 2
      return simple
    }
    const hexRun = (from: number, count: number): number => {
      const text = src.slice(from, from + count)
      if (text.length !== count || !/^[0-9a-fA-F]+$/.test(text)) throw new ExprFailure('invalid char escape', at)
      return parseInt(text, 16)
    }
    let cp: number
    if (c === 'x') {
      cp = hexRun(at + 2, 2)
      this.pos = at + 4
    } else if (c === 'u' && src[at + 2] === '{') {
      const close = src.indexOf('}', at + 3)
      const digits = close < 0 ? '' : src.slice(at + 3, close)
      if (!/^[0-9a-fA-F]{1,6}$/.test(digits)) throw new ExprFailure('invalid char escape', at)
      cp = parseInt(digits, 16)
      this.pos = close + 1
    } else if (c === 'u') {
      cp = hexRun(at + 2, 4)
      this.pos = at + 6
    } else if (c === 'U') {
      cp = hexRun(at + 2, 8)
      this.pos = at + 10
    } else if (c >= '0' && c <= '3') {
      const text = src.slice(at + 1, at + 4)
      if (!/^[0-7]{3}$/.test(text)) throw new ExprFailure('invalid char escape', at)
      cp = parseInt(text, 8)
      this.pos = at + 4
    } else {
      throw new ExprFailure('invalid char escape', at)
    }
    if (cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) throw new ExprFailure('escape sequence is invalid Unicode code point', at)
    return String.fromCodePoint(cp)
  }
}
