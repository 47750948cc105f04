/**
 * RE2 (Go regexp) syntax -> JavaScript RegExp, for regexes that come from data files
 * (`RegexpInFile`, map/bots files). Translates what differs: `(?P<name>`, inline flags
 * (`(?i)` anywhere, `(?s:...)`), `\A` `\z` `\Q...\E`, POSIX classes, RE2's ASCII `\s`,
 * `.` not matching only `\n`, octal and `\x{...}` escapes, literal `]` `}` `{`.
 * Rejects what RE2 rejects and JS would accept (lookarounds, backreferences).
 * The result always has the `u` flag (RE2 matches code points).
 */

interface Flags {
  i: boolean
  s: boolean
  m: boolean
  U: boolean
}

const POSIX: Record<string, string> = {
  alnum: '0-9A-Za-z',
  alpha: 'A-Za-z',
  ascii: '\\x00-\\x7F',
  blank: '\\t ',
  cntrl: '\\x00-\\x1F\\x7F',
  digit: '0-9',
  graph: '!-~',
  lower: 'a-z',
  print: ' -~',
  punct: '!-\\/:-@\\[-`{-~',
  space: '\\t\\n\\v\\f\\r ',
  upper: 'A-Z',
  word: '0-9A-Za-z_',
  xdigit: '0-9A-Fa-f',
}

const SYNTAX = new Set(['^', '$', '\\', '.', '*', '+', '?', '(', ')', '[', ']', '{', '}', '|', '/'])

export class Re2SyntaxError extends Error {
  constructor(pattern: string, reason: string) {
    super(`error parsing regexp: ${reason}: \`${pattern}\``)
    this.name = 'Re2SyntaxError'
  }
}

function literal(cp: number, inClass: boolean): string {
  const ch = String.fromCodePoint(cp)
  if (SYNTAX.has(ch) || (inClass && ch === '-')) return '\\' + ch
  if (cp < 0x20 || cp === 0x7f) return '\\x' + cp.toString(16).padStart(2, '0')
  return ch
}

function caseVariants(ch: string): string {
  const lo = ch.toLowerCase()
  const up = ch.toUpperCase()
  if (lo === up || lo.length !== ch.length || up.length !== ch.length) return ''
  return lo === ch ? up : lo
}

function unicodeClass(name: string, negated: boolean, pattern: string): string {
  let neg = negated
  if (name.startsWith('^')) {
    neg = !neg
    name = name.slice(1)
  }
  let body: string
  if (name === 'Any') return neg ? '[^\\s\\S]' : '[\\s\\S]'
  if (/^[A-Z][a-z]?$/.test(name)) body = name
  else if (/^[A-Z][A-Za-z_]+$/.test(name)) body = `Script=${name}`
  else throw new Re2SyntaxError(pattern, `invalid character class range: \\p{${name}}`)
  return `\\${neg ? 'P' : 'p'}{${body}}`
}

/** Translates an RE2 pattern; returns source and flags for `new RegExp`. */
export function translateRe2(pattern: string): {source: string; flags: string} {
  let out = ''
  let i = 0
  const n = pattern.length
  let flags: Flags = {i: false, s: false, m: false, U: false}
  const stack: Flags[] = []
  let globalI = false
  // A leading (?i) that is never undone maps onto the JS `i` flag.
  if (/^\(\?i\)/.test(pattern) && !/\(\?[a-zA-Z]*-[a-zA-Z]*i/.test(pattern)) {
    globalI = true
    i = 4
  }
  const fail = (reason: string): never => {
    throw new Re2SyntaxError(pattern, reason)
  }
  const letter = (ch: string): string => {
    if (flags.i && !globalI) {
      const other = caseVariants(ch)
      if (other !== '') return `[${ch}${other}]`
    }
    return literal(ch.codePointAt(0)!, false)
  }
  let lastAtomEnd = -1 // index in out where a quantifier may apply (-1: none)

  const readEscape = (inClass: boolean): string => {
    // pattern[i] === '\\'
    const c = pattern[i + 1]
    if (c === undefined) fail('trailing backslash at end of expression')
    i += 2
    switch (c) {
      case 'd': case 'D': case 'w': case 'W':
        return '\\' + c
      case 's': return inClass ? '\\t\\n\\f\\r ' : '[\\t\\n\\f\\r ]'
      case 'S': return inClass ? '\\S' : '[^\\t\\n\\f\\r ]'
      case 'b': case 'B':
        if (inClass) fail('invalid escape sequence: `\\' + c + '`')
        return '\\' + c
      case 'A': if (inClass) fail('invalid escape sequence: `\\A`'); return '(?<![\\s\\S])'
      case 'z': if (inClass) fail('invalid escape sequence: `\\z`'); return '(?![\\s\\S])'
      case 'a': return '\\x07'
      case 'f': return '\\f'
      case 't': return '\\t'
      case 'n': return '\\n'
      case 'r': return '\\r'
      case 'v': return '\\v'
      case 'p': case 'P': {
        let name: string
        if (pattern[i] === '{') {
          const end = pattern.indexOf('}', i)
          if (end < 0) fail('invalid character class range')
          name = pattern.slice(i + 1, end)
          i = end + 1
        } else {
          name = pattern[i] ?? ''
          i++
        }
        const cls = unicodeClass(name, c === 'P', pattern)
        return inClass && cls.startsWith('[') ? cls.slice(1, -1) : cls
      }
      case 'x': {
        let code: number
        if (pattern[i] === '{') {
          const end = pattern.indexOf('}', i)
          if (end < 0) fail('invalid escape sequence')
          const hex = pattern.slice(i + 1, end)
          if (!/^[0-9A-Fa-f]{1,6}$/.test(hex)) fail('invalid escape sequence')
          code = parseInt(hex, 16)
          i = end + 1
        } else {
          const hex = pattern.slice(i, i + 2)
          if (!/^[0-9A-Fa-f]{2}$/.test(hex)) fail('invalid escape sequence')
          code = parseInt(hex, 16)
          i += 2
        }
        if (code > 0x10ffff) fail('invalid escape sequence')
        return literal(code, inClass)
      }
      case 'Q': {
        if (inClass) fail('invalid escape sequence: `\\Q`')
        const end = pattern.indexOf('\\E', i)
        const text = end < 0 ? pattern.slice(i) : pattern.slice(i, end)
        i = end < 0 ? n : end + 2
        let lit = ''
        for (const ch of text) lit += /[a-zA-Z]/.test(ch) ? letter(ch) : literal(ch.codePointAt(0)!, false)
        return lit === '' ? '' : `(?:${lit})`
      }
    }
    if (c >= '0' && c <= '7') {
      // Octal: \0, \0N, \0NN or three digits \NNN (RE2 has no backreferences).
      const m = /^[0-7]{1,3}/.exec(pattern.slice(i - 1))![0]
      if (c !== '0' && m.length < 3) fail(`invalid escape sequence: \`\\${c}\``)
      i += m.length - 1
      return literal(parseInt(m, 8), inClass)
    }
    if (c === '8' || c === '9') fail(`invalid escape sequence: \`\\${c}\``)
    const cp = c.codePointAt(0)!
    if (cp < 0x80 && !/[A-Za-z0-9]/.test(c)) return literal(cp, inClass)
    return fail(`invalid escape sequence: \`\\${c}\``)
  }

  const readClass = (): string => {
    // pattern[i] === '['
    let body = ''
    i++
    let negated = false
    if (pattern[i] === '^') {
      negated = true
      i++
    }
    let first = true
    for (;;) {
      if (i >= n) fail('missing closing ]')
      const c = pattern[i]!
      if (c === ']' && !first) {
        i++
        break
      }
      first = false
      if (c === '[' && pattern[i + 1] === ':') {
        const end = pattern.indexOf(':]', i + 2)
        if (end > 0) {
          const name = pattern.slice(i + 2, end)
          const neg = name.startsWith('^')
          const set = POSIX[neg ? name.slice(1) : name]
          if (set === undefined) fail(`invalid character class range: \`[:${name}:]\``)
          if (neg) fail('negated POSIX classes are not supported')
          body += set
          i = end + 2
          continue
        }
      }
      if (c === '\\') {
        body += readEscape(true)
        continue
      }
      const cp = pattern.codePointAt(i)!
      const ch = String.fromCodePoint(cp)
      i += ch.length
      // ranges a-z: add the other case range when (?i) is scoped
      if (pattern[i] === '-' && pattern[i + 1] !== undefined && pattern[i + 1] !== ']') {
        let hiText: string
        let hiCp: number
        if (pattern[i + 1] === '\\') {
          i++
          hiText = readEscape(true)
          hiCp = -1
        } else {
          hiCp = pattern.codePointAt(i + 1)!
          hiText = String.fromCodePoint(hiCp)
          i += 1 + hiText.length
          if (hiCp < cp) fail(`invalid character class range: \`${ch}-${hiText}\``)
          hiText = literal(hiCp, true)
        }
        body += literal(cp, true) + '-' + hiText
        if (flags.i && !globalI && hiCp >= 0) {
          const lo = ch, hi = String.fromCodePoint(hiCp)
          if (/[a-z]/.test(lo) && /[a-z]/.test(hi)) body += lo.toUpperCase() + '-' + hi.toUpperCase()
          else if (/[A-Z]/.test(lo) && /[A-Z]/.test(hi)) body += lo.toLowerCase() + '-' + hi.toLowerCase()
        }
        continue
      }
      body += literal(cp, true)
      if (flags.i && !globalI) {
        const other = caseVariants(ch)
        if (other !== '') body += other
      }
    }
    return '[' + (negated ? '^' : '') + body + ']'
  }

  while (i < n) {
    const c = pattern[i]!
    switch (c) {
      case '\\': {
        const start = out.length
        out += readEscape(false)
        lastAtomEnd = start
        continue
      }
      case '[': {
        const start = out.length
        out += readClass()
        lastAtomEnd = start
        continue
      }
      case '(': {
        if (pattern[i + 1] === '?') {
          const rest = pattern.slice(i + 2)
          if (rest.startsWith('P<') || (rest.startsWith('<') && !rest.startsWith('<=') && !rest.startsWith('<!'))) {
            const open = rest.startsWith('P<') ? 2 : 1
            const end = rest.indexOf('>')
            const name = end < 0 ? '' : rest.slice(open, end)
            if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) fail(`invalid named capture: \`${pattern.slice(i, i + 2 + Math.max(end, 0) + 1)}\``)
            stack.push(flags)
            out += `(?<${name}>`
            i += 2 + end + 1
            lastAtomEnd = -1
            continue
          }
          const fm = /^([imsU]*)(?:-([imsU]*))?([:)])/.exec(rest)
          if (fm === null) fail(`invalid or unsupported Perl syntax: \`${pattern.slice(i, i + 3)}\``)
          const next: Flags = {...flags}
          for (const f of fm![1]!) next[f as keyof Flags] = true
          for (const f of fm![2] ?? '') next[f as keyof Flags] = false
          if (globalI && !next.i) fail('cannot undo a leading (?i)')
          i += 2 + fm![0].length
          if (fm![3] === ')') {
            flags = next
          } else {
            stack.push(flags)
            flags = next
            out += '(?:'
            lastAtomEnd = -1
          }
          continue
        }
        stack.push(flags)
        out += '('
        i++
        lastAtomEnd = -1
        continue
      }
      case ')': {
        if (stack.length === 0) fail('unexpected )')
        flags = stack.pop()!
        out += ')'
        i++
        // the group is the atom: find its opening paren
        let depth = 0
        let j = out.length - 1
        for (; j >= 0; j--) {
          if (out[j] === ')' && out[j - 1] !== '\\') depth++
          else if (out[j] === '(' && out[j - 1] !== '\\') {
            depth--
            if (depth === 0) break
          }
        }
        lastAtomEnd = j
        continue
      }
      case '*': case '+': case '?': {
        if (lastAtomEnd < 0) fail(`missing argument to repetition operator: \`${c}\``)
        out += c
        i++
        let lazy = false
        if (pattern[i] === '?') {
          lazy = true
          i++
        }
        if (lazy !== flags.U) out += '?'
        if (pattern[i] === '*' || pattern[i] === '+' || (pattern[i] === '?' && false)) fail(`invalid nested repetition operator: \`${c}${pattern[i]}\``)
        lastAtomEnd = -1
        continue
      }
      case '{': {
        const m = /^\{(\d+)(,(\d*))?\}/.exec(pattern.slice(i))
        if (m === null) {
          out += '\\{'
          i++
          lastAtomEnd = out.length - 2
          continue
        }
        if (lastAtomEnd < 0) fail(`missing argument to repetition operator: \`${m[0]}\``)
        const lo = Number(m[1])
        const hi = m[3] === undefined || m[3] === '' ? lo : Number(m[3])
        if (lo > 1000 || hi > 1000 || (m[3] !== undefined && m[3] !== '' && hi < lo)) fail(`invalid repeat count: \`${m[0]}\``)
        out += m[0]
        i += m[0].length
        let lazy = false
        if (pattern[i] === '?') {
          lazy = true
          i++
        }
        if (lazy !== flags.U) out += '?'
        lastAtomEnd = -1
        continue
      }
      case '.':
        lastAtomEnd = out.length
        out += flags.s ? '[\\s\\S]' : '[^\\n]'
        i++
        continue
      case '^':
        out += flags.m ? '(?<![^\\n])' : '(?<![\\s\\S])'
        lastAtomEnd = -1
        i++
        continue
      case '$':
        out += flags.m ? '(?![^\\n])' : '(?![\\s\\S])'
        lastAtomEnd = -1
        i++
        continue
      case '|':
        out += '|'
        lastAtomEnd = -1
        i++
        continue
      default: {
        const cp = pattern.codePointAt(i)!
        const ch = String.fromCodePoint(cp)
        lastAtomEnd = out.length
        out += letter(ch)
        i += ch.length
      }
    }
  }
  if (stack.length > 0) fail('missing closing )')
  return {source: out, flags: (globalI ? 'i' : '') + 'u'}
}

/** Compiles an RE2 pattern to a RegExp (throws Re2SyntaxError). */
export function compileRe2(pattern: string): RegExp {
  const {source, flags} = translateRe2(pattern)
  try {
    return new RegExp(source, flags)
  } catch (e) {
    throw new Re2SyntaxError(pattern, (e as Error).message)
  }
}
