/**
 * Sprig's string functions (sprig/strings.go and the goutils/xstrings helpers it calls), with
 * Go's parameter types. Sizes are checked before anything big is built (repeat, indent...).
 * Go slices strings by bytes (trunc, substr, abbrev): so does crowd, on the UTF-8 bytes.
 */
import {createHash} from 'node:crypto'
import {goToLower, goToUpper} from '../../model/go-case.js'
import {goQuote as goQuoteString} from '../../model/go-format.js'
import {stringSlice} from '../../model/go-values.js'
import {FuncError, fn, type CallContext, type TemplateFunc} from '../funcs.js'
import {newMap, typedMap} from '../value.js'
import {checkRepeat, strslice, strval} from './convert.js'

const S = 'string'
const I = 'int'
const ANY = 'interface {}'

function bytesOf(s: string): Buffer {
  return Buffer.from(s, 'utf8')
}

function fromBytes(b: Buffer): string {
  return b.toString('utf8')
}

/** Go's s[start:end] on bytes, with Go's panic message. */
function sliceBytes(s: string, start: number, end?: number): string {
  const b = bytesOf(s)
  const e = end ?? b.length
  if (start < 0 || e > b.length || start > e) throw new FuncError(`runtime error: slice bounds out of range [${start}:${e}]`)
  return fromBytes(b.subarray(start, e))
}

/** unicode.ToUpper / ToLower per code point (Go's simple case mapping, no `ß` -> `SS`): model/go-case.ts. */
export const goUpper = goToUpper
export const goLower = goToLower

const isLetter = (ch: string): boolean => /^\p{L}$/u.test(ch)
const isDigit = (ch: string): boolean => /^\p{Nd}$/u.test(ch)
const isSpaceRune = (ch: string): boolean => /^[\s\u0085\u00a0]$/u.test(ch)

/** strings.Title: the first letter of each word upper (title) case. */
function title(s: string): string {
  let prev = ' '
  let out = ''
  for (const ch of s) {
    // Go's isSeparator: ASCII alphanumerics and '_' are not; letters, digits are not; spaces are; other ASCII is
    const sep = /^[A-Za-z0-9_]$/.test(prev) ? false : isLetter(prev) || isDigit(prev) ? false : true
    out += sep ? goUpper(ch) : ch
    prev = ch
  }
  return out
}

/** goutils.Uncapitalize: the first letter of each space-separated word lower case. */
function untitle(s: string): string {
  let prevSpace = true
  let out = ''
  for (const ch of s) {
    out += prevSpace ? goLower(ch) : ch
    prevSpace = isSpaceRune(ch)
  }
  return out
}

/** goutils.Initials: the first character of each space-separated word. */
function initials(s: string): string {
  let out = ''
  let prevSpace = true
  for (const ch of s) {
    if (isSpaceRune(ch)) prevSpace = true
    else {
      if (prevSpace) out += ch
      prevSpace = false
    }
  }
  return out
}

/** goutils.Abbreviate(s, width) through Sprig's abbrev (width < 4: unchanged). */
function abbrev(width: number, s: string): string {
  if (width < 4) return s
  const b = bytesOf(s)
  if (b.length <= width) return s
  return fromBytes(b.subarray(0, width - 3)) + '...'
}

function abbrevboth(left: number, right: number, s: string): string {
  if (right < 4 || (left > 0 && right < 7)) return s
  const b = bytesOf(s)
  if (b.length <= right) return s
  let offset = Math.max(0, left)
  if (offset > b.length) offset = b.length
  if (b.length - offset < right - 3) offset = b.length - (right - 3)
  if (offset <= 4) return fromBytes(b.subarray(0, right - 3)) + '...'
  if (offset + right - 3 < b.length) return '...' + abbrev(right - 3, fromBytes(b.subarray(offset)))
  return '...' + fromBytes(b.subarray(b.length - (right - 3)))
}

function trunc(c: number, s: string): string {
  const b = bytesOf(s)
  if (c < 0 && b.length + c > 0) return fromBytes(b.subarray(b.length + c))
  if (c >= 0 && b.length > c) return fromBytes(b.subarray(0, c))
  return s
}

function substr(start: number, end: number, s: string): string {
  if (start < 0) return sliceBytes(s, 0, end)
  if (end < 0 || end > bytesOf(s).length) return sliceBytes(s, start)
  return sliceBytes(s, start, end)
}

/** Words of a string for the case conversions (xstrings): runs of letters and digits, split at case changes. */
function words(s: string): string[] {
  const out: string[] = []
  let cur = ''
  let prev: 'upper' | 'lower' | 'digit' | 'other' = 'other'
  const chars = [...s]
  chars.forEach((ch, i) => {
    const kind = /^\p{Lu}$/u.test(ch) ? 'upper' : /^\p{L}$/u.test(ch) ? 'lower' : /^\p{N}$/u.test(ch) ? 'digit' : 'other'
    if (kind === 'other') {
      if (cur !== '') out.push(cur)
      cur = ''
    } else {
      const next = chars[i + 1]
      const nextLower = next !== undefined && /^\p{Ll}$/u.test(next)
      // aB -> a|B ; ABc -> A|Bc ; a1 stays together
      if (cur !== '' && kind === 'upper' && (prev === 'lower' || (prev === 'upper' && nextLower))) {
        out.push(cur)
        cur = ''
      }
      cur += ch
    }
    prev = kind
  })
  if (cur !== '') out.push(cur)
  return out
}

const snakecase = (s: string): string => words(s).map(goLower).join('_')
const kebabcase = (s: string): string => words(s).map(goLower).join('-')
/** xstrings.ToCamelCase: `hello_world` -> `HelloWorld` (underscore-separated parts capitalised). */
function camelcase(s: string): string {
  return s
    .split('_')
    .filter((p) => p !== '')
    .map((p) => {
      const chars = [...p]
      return goUpper(chars[0] ?? '') + chars.slice(1).join('')
    })
    .join('')
}

function swapcase(s: string): string {
  let out = ''
  for (const ch of s) out += /^\p{Lu}$/u.test(ch) ? goLower(ch) : /^\p{Ll}$/u.test(ch) ? goUpper(ch) : ch
  return out
}

/** goutils.WrapCustom(s, width, newline, false): breaks lines at spaces so they fit `width`. */
function wrapWith(width: number, sep: string, s: string): string {
  if (width < 1) width = 1
  const lines: string[] = []
  for (const line of s.split('\n')) {
    let rest = line
    while ([...rest].length > width) {
      const cut = rest.lastIndexOf(' ', width)
      if (cut <= 0) {
        const sp = rest.indexOf(' ', width)
        if (sp < 0) break
        lines.push(rest.slice(0, sp))
        rest = rest.slice(sp + 1)
      } else {
        lines.push(rest.slice(0, cut))
        rest = rest.slice(cut + 1)
      }
      while (rest.startsWith(' ')) rest = rest.slice(1)
    }
    lines.push(rest)
  }
  return lines.join(sep)
}

function adler32(s: string): number {
  let a = 1
  let b = 0
  for (const byte of bytesOf(s)) {
    a = (a + byte) % 65521
    b = (b + a) % 65521
  }
  return (b * 65536 + a) >>> 0
}

function repeat(ctx: CallContext, count: number, s: string): string {
  checkRepeat(count)
  ctx.checkSize(Buffer.byteLength(s) * count, 'repeat result')
  ctx.charge(s.length * count)
  return s.repeat(count)
}

function indent(ctx: CallContext, spaces: number, s: string): string {
  checkRepeat(spaces)
  const lines = s.split('\n').length
  ctx.checkSize(Buffer.byteLength(s) + spaces * lines, 'indent result')
  ctx.charge(s.length + spaces * lines)
  const pad = ' '.repeat(spaces)
  return pad + s.replaceAll('\n', '\n' + pad)
}

function replace(ctx: CallContext, old: string, repl: string, src: string): string {
  // strings.Replace(src, old, new, -1); an empty `old` matches between every rune
  const matches = old === '' ? [...src].length + 1 : src.split(old).length - 1
  ctx.checkSize(Buffer.byteLength(src) + matches * Buffer.byteLength(repl), 'replace result')
  ctx.charge(src.length + matches * repl.length)
  if (old === '') return [...src].reduce((acc, ch) => acc + ch + repl, repl)
  return src.split(old).join(repl)
}

/** Go's strings.Split: an empty separator splits into runes. */
export function goSplit(s: string, sep: string, n = -1): string[] {
  if (n === 0) return []
  if (sep === '') {
    const chars = [...s]
    if (n < 0 || n >= chars.length) return chars
    return [...chars.slice(0, n - 1), chars.slice(n - 1).join('')]
  }
  const parts = s.split(sep)
  if (n < 0 || n >= parts.length) return parts
  return [...parts.slice(0, n - 1), parts.slice(n - 1).join(sep)]
}

function splitMap(parts: string[]): Record<string, unknown> {
  const m = newMap()
  parts.forEach((p, i) => {
    m['_' + i] = p
  })
  return typedMap(m, 'map[string]string')
}

export const STRING_FUNCS: ReadonlyArray<[string, TemplateFunc]> = [
  ['trim', fn([S], ([s]) => (s as string).replace(/^[\s\u0085]+|[\s\u0085]+$/gu, ''))],
  ['trimAll', fn([S, S], ([cut, s]) => trimSet(s as string, cut as string))],
  ['trimall', fn([S, S], ([cut, s]) => trimSet(s as string, cut as string))],
  ['trimPrefix', fn([S, S], ([p, s]) => ((s as string).startsWith(p as string) ? (s as string).slice((p as string).length) : s))],
  ['trimSuffix', fn([S, S], ([x, s]) => ((x as string) !== '' && (s as string).endsWith(x as string) ? (s as string).slice(0, -(x as string).length) : s))],
  ['upper', fn([S], ([s]) => goUpper(s as string))],
  ['lower', fn([S], ([s]) => goLower(s as string))],
  ['title', fn([S], ([s]) => title(s as string))],
  ['untitle', fn([S], ([s]) => untitle(s as string))],
  ['repeat', fn([I, S], ([n, s], ctx) => repeat(ctx, n as number, s as string))],
  ['substr', fn([I, I, S], ([a, b, s]) => substr(a as number, b as number, s as string))],
  ['nospace', fn([S], ([s]) => [...(s as string)].filter((c) => !isSpaceRune(c)).join(''))],
  ['trunc', fn([I, S], ([n, s]) => trunc(n as number, s as string))],
  ['abbrev', fn([I, S], ([w, s]) => abbrev(w as number, s as string))],
  ['abbrevboth', fn([I, I, S], ([l, r, s]) => abbrevboth(l as number, r as number, s as string))],
  ['initials', fn([S], ([s]) => initials(s as string))],
  ['contains', fn([S, S], ([sub, s]) => (s as string).includes(sub as string))],
  ['hasPrefix', fn([S, S], ([p, s]) => (s as string).startsWith(p as string))],
  ['hasSuffix', fn([S, S], ([p, s]) => (s as string).endsWith(p as string))],
  ['quote', fn([], (args) => args.filter((a) => a !== null).map((a) => goQuoteString(strval(a))).join(' '), ANY)],
  ['squote', fn([], (args) => args.filter((a) => a !== null).map((a) => `'${strval(a)}'`).join(' '), ANY)],
  ['cat', fn([], (args) => args.filter((a) => a !== null).map(strval).join(' '), ANY)],
  ['indent', fn([I, S], ([n, s], ctx) => indent(ctx, n as number, s as string))],
  ['nindent', fn([I, S], ([n, s], ctx) => '\n' + indent(ctx, n as number, s as string))],
  ['replace', fn([S, S, S], ([o, n, s], ctx) => replace(ctx, o as string, n as string, s as string))],
  ['plural', fn([S, S, I], ([one, many, n]) => (n === 1 ? one : many))],
  ['snakecase', fn([S], ([s]) => snakecase(s as string))],
  ['camelcase', fn([S], ([s]) => camelcase(s as string))],
  ['kebabcase', fn([S], ([s]) => kebabcase(s as string))],
  ['swapcase', fn([S], ([s]) => swapcase(s as string))],
  ['wrap', fn([I, S], ([w, s]) => wrapWith(w as number, '\n', s as string))],
  ['wrapWith', fn([I, S, S], ([w, sep, s]) => wrapWith(w as number, sep as string, s as string))],
  ['split', fn([S, S], ([sep, s]) => splitMap(goSplit(s as string, sep as string)))],
  ['splitn', fn([S, I, S], ([sep, n, s]) => splitMap(goSplit(s as string, sep as string, n as number)))],
  ['splitList', fn([S, S], ([sep, s], ctx) => {
    ctx.charge((s as string).length)
    return stringSlice(goSplit(s as string, sep as string))
  })],
  ['join', fn([S, ANY], ([sep, list], ctx) => {
    const parts = strslice(list)
    const size = parts.reduce((n, p) => n + p.length, 0) + parts.length * (sep as string).length
    ctx.checkSize(size, 'join result')
    ctx.charge(size)
    return parts.join(sep as string)
  })],
  ['sortAlpha', fn([ANY], ([list], ctx) => {
    if (!Array.isArray(list)) return stringSlice([strval(list)])
    ctx.charge(list.length * 16)
    return stringSlice(strslice(list).sort((a, b) => Buffer.compare(bytesOf(a), bytesOf(b))))
  })],
  ['toString', fn([ANY], ([v]) => strval(v))],
  ['toStrings', fn([ANY], ([v]) => strslice(v))],
  ['sha1sum', fn([S], ([s]) => createHash('sha1').update(s as string).digest('hex'))],
  ['sha256sum', fn([S], ([s]) => createHash('sha256').update(s as string).digest('hex'))],
  ['adler32sum', fn([S], ([s]) => String(adler32(s as string)))],
]

/** strings.Trim(s, cutset). */
function trimSet(s: string, cutset: string): string {
  const set = new Set(cutset)
  const chars = [...s]
  let a = 0
  let b = chars.length
  while (a < b && set.has(chars[a]!)) a++
  while (b > a && set.has(chars[b - 1]!)) b--
  return chars.slice(a, b).join('')
}
