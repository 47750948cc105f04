/**
 * `matches` uses Go regexp (RE2 syntax). This translates an RE2 pattern to an equivalent
 * JS RegExp, and rejects what RE2 does not accept (lookarounds, backreferences) or what
 * has no JS equivalent here (mid-pattern flag groups, `(?U)`), with a clear message.
 * Patterns are compiled once: literals at load time, dynamic ones through a bounded cache.
 */

const JS_SYNTAX = new Set('^$\\.*+?()[]{}|/'.split(''))

const POSIX_CLASSES: Record<string, string> = {
  alnum: '0-9A-Za-z', alpha: 'A-Za-z', ascii: '\\x00-\\x7F', blank: '\\t ', cntrl: '\\x00-\\x1F\\x7F', digit: '0-9',
  graph: '!-~', lower: 'a-z', print: ' -~', punct: '!-\\/:-@\\[-`{-~', space: '\\t\\n\\v\\f\\r ', upper: 'A-Z',
  word: '0-9A-Za-z_', xdigit: '0-9A-Fa-f',
}

const PERL_CLASSES: Record<string, [string, string]> = {
  // escape -> [inside a class, as an atom]
  d: ['0-9', '[0-9]'],
  D: ['\\D', '[^0-9]'],
  s: ['\\t\\n\\f\\r ', '[\\t\\n\\f\\r ]'],
  S: ['\\S', '[^\\t\\n\\f\\r ]'],
  w: ['0-9A-Za-z_', '[0-9A-Za-z_]'],
  W: ['\\W', '[^0-9A-Za-z_]'],
}

export class RegexpSyntaxError extends Error {}

function hexEscape(cp: number): string {
  return cp <= 0xff ? '\\x' + cp.toString(16).padStart(2, '0') : cp <= 0xffff ? '\\u' + cp.toString(16).padStart(4, '0') : `\\u{${cp.toString(16)}}`
}

export interface TranslatedRegexp {
  source: string
  flags: string
}

/** RE2 -> JS. Throws RegexpSyntaxError with Go's wording where practical. */
export function translateRegexp(pattern: string): TranslatedRegexp {
  let flags = ''
  let i = 0
  let dotAll = false
  // Leading flag group `(?i)`, `(?is)`, `(?m)`.
  const lead = /^\(\?([imsU]+)\)/.exec(pattern)
  if (lead) {
    for (const f of lead[1]!) {
      if (f === 'U') throw new RegexpSyntaxError('error parsing regexp: ungreedy flag (?U) is not supported')
      if (!flags.includes(f)) flags += f
    }
    dotAll = flags.includes('s')
    i = lead[0].length
  }
  let out = ''
  let unicode = false
  let inClass = false
  let classStart = false
  const p = pattern
  while (i < p.length) {
    const c = p[i]!
    if (c === '\\') {
      classStart = false
      const n = p[i + 1]
      if (n === undefined) throw new RegexpSyntaxError('error parsing regexp: trailing backslash at end of expression: ``')
      if (n === 'Q') {
        const end = p.indexOf('\\E', i + 2)
        const literal = end < 0 ? p.slice(i + 2) : p.slice(i + 2, end)
        for (const ch of literal) out += /[0-9A-Za-z]/.test(ch) ? ch : hexEscape(ch.codePointAt(0)!)
        i = end < 0 ? p.length : end + 2
        continue
      }
      if (/[1-9]/.test(n)) throw new RegexpSyntaxError(`error parsing regexp: invalid escape sequence: \`\\${n}\``)
      if (n === 'A' && !inClass) {
        out += '(?<![\\s\\S])'
        i += 2
        continue
      }
      if (n === 'z' && !inClass) {
        out += '(?![\\s\\S])'
        i += 2
        continue
      }
      if (n === 'p' || n === 'P') {
        let name: string
        let len: number
        if (p[i + 2] === '{') {
          const close = p.indexOf('}', i + 3)
          if (close < 0) throw new RegexpSyntaxError('error parsing regexp: invalid character class range')
          name = p.slice(i + 3, close)
          len = close + 1 - i
        } else {
          name = p[i + 2] ?? ''
          len = 3
        }
        const neg = name.startsWith('^')
        if (neg) name = name.slice(1)
        const prop = name.length <= 2 ? name : name === 'Any' ? 'Any' : `Script=${name}`
        const jsProp = prop === 'Any' ? (n === 'P') !== neg ? '[]' : '[\\s\\S]' : `\\${(n === 'P') !== neg ? 'P' : 'p'}{${prop}}`
        out += jsProp
        unicode = true
        i += len
        continue
      }
      if (n === 'x') {
        let cp: number
        if (p[i + 2] === '{') {
          const close = p.indexOf('}', i + 3)
          cp = parseInt(p.slice(i + 3, close), 16)
          i = close + 1
        } else {
          cp = parseInt(p.slice(i + 2, i + 4), 16)
          i += 4
        }
        if (Number.isNaN(cp)) throw new RegexpSyntaxError('error parsing regexp: invalid escape sequence: `\\x`')
        if (cp > 0xffff) unicode = true
        out += hexEscape(cp)
        continue
      }
      const perl = PERL_CLASSES[n]
      if (perl !== undefined) {
        out += inClass ? perl[0] : perl[1]
        i += 2
        continue
      }
      if ('afnrtvbB'.includes(n)) {
        out += n === 'a' ? '\\x07' : inClass && n === 'b' ? '\\x08' : '\\' + n
        i += 2
        continue
      }
      if (/[0-7]/.test(n)) {
        const oct = /^[0-7]{1,3}/.exec(p.slice(i + 1))![0]
        out += hexEscape(parseInt(oct, 8))
        i += 1 + oct.length
        continue
      }
      if (/[A-Za-z0-9]/.test(n)) throw new RegexpSyntaxError(`error parsing regexp: invalid escape sequence: \`\\${n}\``)
      out += JS_SYNTAX.has(n) || (inClass && n === '-') ? '\\' + n : hexEscape(n.codePointAt(0)!)
      i += 2
      continue
    }
    if (inClass) {
      if (c === '[' && p[i + 1] === ':') {
        const close = p.indexOf(':]', i + 2)
        const name = close < 0 ? '' : p.slice(i + 2, close)
        const neg = name.startsWith('^')
        const body = POSIX_CLASSES[neg ? name.slice(1) : name]
        if (body === undefined) throw new RegexpSyntaxError(`error parsing regexp: invalid character class range: \`${p.slice(i, close + 2)}\``)
        if (neg) throw new RegexpSyntaxError('error parsing regexp: negated POSIX classes are not supported')
        out += body
        i = close + 2
        classStart = false
        continue
      }
      if (c === ']' && !classStart) {
        inClass = false
        out += ']'
        i++
        continue
      }
      out += c === '[' ? '\\[' : c === ']' ? '\\]' : c === '/' ? '\\/' : c
      classStart = c === '^' && p[i - 1] === '['
      i++
      continue
    }
    if (c === '[') {
      inClass = true
      out += '['
      i++
      if (p[i] === '^') {
        out += '^'
        i++
      }
      classStart = true
      // A `]` right after `[` or `[^` is a literal in RE2.
      if (p[i] === ']') {
        out += '\\]'
        i++
        classStart = false
      }
      continue
    }
    if (c === '(' && p[i + 1] === '?') {
      const rest = p.slice(i + 2)
      if (rest.startsWith(':')) {
        out += '(?:'
        i += 3
        continue
      }
      const named = /^P?<([A-Za-z_][A-Za-z0-9_]*)>/.exec(rest)
      if (named) {
        out += `(?<${named[1]}>`
        i += 2 + named[0].length
        continue
      }
      if (/^(=|!|<=|<!)/.test(rest)) throw new RegexpSyntaxError(`error parsing regexp: invalid or unsupported Perl syntax: \`(?${rest.slice(0, rest[0] === '<' ? 2 : 1)}\``)
      throw new RegexpSyntaxError(`error parsing regexp: flag groups inside the pattern are not supported: \`${p.slice(i, i + 6)}\``)
    }
    if (c === '.') {
      out += dotAll ? '[\\s\\S]' : '[^\\n]'
      i++
      continue
    }
    if (c === '/') {
      out += '\\/'
      i++
      continue
    }
    out += c
    i++
  }
  if (inClass) throw new RegexpSyntaxError(`error parsing regexp: missing closing ]: \`${p}\``)
  flags = flags.replace('s', '')
  if (unicode) flags += 'u'
  try {
    new RegExp(out, flags)
  } catch (error) {
    throw new RegexpSyntaxError(`error parsing regexp: ${goRegexpMessage((error as Error).message, pattern)}`)
  }
  return {source: out, flags}
}

export function compileRegexp(pattern: string): RegExp {
  const t = translateRegexp(pattern)
  return new RegExp(t.source, t.flags)
}

const CACHE_LIMIT = 512
const cache = new Map<string, RegExp>()

/** A compiled pattern for dynamic `matches` right sides, from a bounded cache. */
export function cachedRegexp(pattern: string): RegExp {
  let re = cache.get(pattern)
  if (re === undefined) {
    re = compileRegexp(pattern)
    if (cache.size >= CACHE_LIMIT) cache.delete(cache.keys().next().value as string)
    cache.set(pattern, re)
  }
  return re
}

/** Go's wording for the JS engine's complaint about a pattern that got through translation. */
function goRegexpMessage(jsMessage: string, pattern: string): string {
  const detail = jsMessage.replace(/^Invalid regular expression: \/.*\/[a-z]*: /s, '')
  if (/Unterminated group/.test(detail)) return `missing closing ): \`${pattern}\``
  if (/Unmatched '\)'/.test(detail)) return `unexpected ): \`${pattern}\``
  if (/Nothing to repeat/.test(detail)) return `missing argument to repetition operator: \`${pattern}\``
  if (/numbers out of order/.test(detail)) return `invalid repeat count: \`${pattern}\``
  if (/Range out of order/.test(detail)) return `invalid character class range: \`${pattern}\``
  return detail
}
