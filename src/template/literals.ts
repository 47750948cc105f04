/**
 * Go literal syntax inside template actions: strconv.Unquote for "..." and `...` strings,
 * strconv.UnquoteChar for 'x' constants, and the number rules of text/template/parse
 * (newNumber): which of int and float a constant can be. Errors are Go's messages.
 *
 * Byte escapes above 0x7f (`"\xff"`) cannot be represented in a JS string: they become
 * U+FFFD, as a Go string holding that invalid UTF-8 would print.
 */

const SIMPLE: Readonly<Record<string, string>> = {a: '\x07', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t', v: '\v', '\\': '\\'}

/** Thrown with Go's strconv message ("invalid syntax"). */
export class LiteralError extends Error {}

function fromByte(code: number): string {
  return code < 0x80 ? String.fromCharCode(code) : '\ufffd'
}

/** One (possibly escaped) character at `i` of a quoted literal; returns it and the next index. */
function unquoteChar(s: string, i: number, quote: string): [string, number] {
  const ch = s[i]
  if (ch === undefined) throw new LiteralError('invalid syntax')
  if (ch !== '\\') {
    if (ch === quote) throw new LiteralError('invalid syntax')
    const cp = s.codePointAt(i)!
    const text = String.fromCodePoint(cp)
    return [text, i + text.length]
  }
  const e = s[i + 1]
  if (e === undefined) throw new LiteralError('invalid syntax')
  if (e in SIMPLE) return [SIMPLE[e]!, i + 2]
  if (e === quote && (quote === '"' || quote === "'")) return [e, i + 2]
  const hex = (n: number): number => {
    const digits = s.slice(i + 2, i + 2 + n)
    if (digits.length !== n || !/^[0-9a-fA-F]+$/.test(digits)) throw new LiteralError('invalid syntax')
    return parseInt(digits, 16)
  }
  switch (e) {
    case 'x': return [fromByte(hex(2)), i + 4]
    case 'u': case 'U': {
      const n = e === 'u' ? 4 : 8
      const cp = hex(n)
      if (cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) throw new LiteralError('invalid syntax')
      return [String.fromCodePoint(cp), i + 2 + n]
    }
  }
  if (e >= '0' && e <= '7') {
    const digits = s.slice(i + 1, i + 4)
    if (!/^[0-7]{3}$/.test(digits)) throw new LiteralError('invalid syntax')
    const v = parseInt(digits, 8)
    if (v > 255) throw new LiteralError('invalid syntax')
    return [fromByte(v), i + 4]
  }
  throw new LiteralError('invalid syntax')
}

/** strconv.Unquote of a "..." or `...` literal. */
export function unquoteString(quoted: string): string {
  const q = quoted[0]
  if (quoted.length < 2 || quoted[quoted.length - 1] !== q) throw new LiteralError('invalid syntax')
  const body = quoted.slice(1, -1)
  if (q === '`') {
    if (body.includes('`')) throw new LiteralError('invalid syntax')
    return body.replaceAll('\r', '')
  }
  if (q !== '"') throw new LiteralError('invalid syntax')
  let out = ''
  for (let i = 0; i < body.length;) {
    if (body[i] === '\n') throw new LiteralError('invalid syntax')
    const [text, next] = unquoteChar(body, i, '"')
    out += text
    i = next
  }
  return out
}

/** The code point of a 'x' constant; throws Go's parser message. */
function charValue(text: string): number {
  try {
    const [ch, next] = unquoteChar(text, 1, "'")
    if (next !== text.length - 1 || text[next] !== "'") throw new LiteralError('')
    return ch.codePointAt(0)!
  } catch {
    throw new LiteralError(`malformed character constant: ${text}`)
  }
}

/** Go's underscoreOK: underscores only between digits (a base prefix counts as a digit). */
function underscoreOK(s: string): boolean {
  let saw = '^'
  let i = 0
  if (s[0] === '-' || s[0] === '+') s = s.slice(1)
  let hex = false
  if (s.length >= 2 && s[0] === '0' && 'bBoOxX'.includes(s[1]!)) {
    i = 2
    saw = '0'
    hex = s[1] === 'x' || s[1] === 'X'
  }
  for (; i < s.length; i++) {
    const c = s[i]!
    if ((c >= '0' && c <= '9') || (hex && /[a-fA-F]/.test(c))) {
      saw = '0'
      continue
    }
    if (c === '_') {
      if (saw !== '0') return false
      saw = '_'
      continue
    }
    if (saw === '_') return false
    saw = '!'
  }
  return saw !== '_'
}

/** strconv.ParseInt(text, 0, 64) without the range check: prefixes 0x 0o 0b and leading-0 octal. */
function parseGoInt(text: string): bigint | undefined {
  const m = /^([+-]?)(0[xX][0-9a-fA-F_]+|0[oO][0-7_]+|0[bB][01_]+|0[0-7_]*|[1-9][0-9_]*)$/.exec(text)
  if (m === null || !underscoreOK(text)) return undefined
  const digits = m[2]!.replaceAll('_', '')
  let value: bigint
  if (/^0[xX]/.test(digits)) value = BigInt('0x' + digits.slice(2))
  else if (/^0[oO]/.test(digits)) value = BigInt('0o' + digits.slice(2))
  else if (/^0[bB]/.test(digits)) value = BigInt('0b' + digits.slice(2))
  else if (digits.length > 1 && digits[0] === '0') value = BigInt('0o' + digits.slice(1))
  else value = BigInt(digits)
  return m[1] === '-' ? -value : value
}

const INT64_MIN = -(2n ** 63n)
const INT64_MAX = 2n ** 63n - 1n
const UINT64_MAX = 2n ** 64n - 1n

/** strconv.ParseFloat(text, 64) for decimal syntax (hexadecimal floats are refused). */
function parseGoFloat(text: string): number | undefined {
  if (!/^[+-]?(\d[\d_]*\.?[\d_]*|\.\d[\d_]*)([eE][+-]?\d[\d_]*)?$/.test(text)) return undefined
  if (text.includes('_') && !underscoreOK(text)) return undefined
  const n = Number(text.replaceAll('_', ''))
  return Number.isNaN(n) ? undefined : n
}

export interface NumberValue {
  isInt: boolean
  isFloat: boolean
  int: number
  float: number
}

/** What a number or character constant can be (text/template/parse newNumber). */
export function parseNumber(text: string, isChar: boolean): NumberValue {
  if (isChar) {
    const cp = charValue(text)
    return {isInt: true, isFloat: true, int: cp, float: cp}
  }
  if (/[iI]$/.test(text)) throw new LiteralError(`complex constants are not supported: ${text}`)
  const out: NumberValue = {isInt: false, isFloat: false, int: 0, float: 0}
  const big = parseGoInt(text)
  let isUint = false
  if (big !== undefined && big >= INT64_MIN && big <= INT64_MAX) {
    out.isInt = true
    out.int = Number(big)
    out.isFloat = true
    out.float = Number(big)
  } else if (big !== undefined && big >= 0n && big <= UINT64_MAX) {
    isUint = true
    out.isFloat = true
    out.float = Number(big)
  }
  if (!out.isInt && !isUint) {
    const f = parseGoFloat(text)
    if (f !== undefined && Number.isFinite(f)) {
      if (!/[.eEpP]/.test(text)) throw new LiteralError(`integer overflow: ${JSON.stringify(text)}`)
      out.isFloat = true
      out.float = f
      if (Number.isInteger(f) && Math.abs(f) < 2 ** 63) {
        out.isInt = true
        out.int = f
      }
    }
  }
  if (!out.isInt && !isUint && !out.isFloat) throw new LiteralError(`illegal number syntax: ${JSON.stringify(text)}`)
  return out
}
