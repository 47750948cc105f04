/**
 * LibInjectionIsSQLI / LibInjectionIsXSS: detectors written in the spirit of libinjection
 * (tokenize, reduce to a fingerprint, match known-bad shapes), not a port of it.
 *
 * SQLi: the input is tokenized three times, as if it started in plain SQL, inside a
 * '...' string and inside a "..." string (an injection usually closes the quote first).
 * Each token gets a one-letter type; the first tokens form a fingerprint that is checked
 * against shapes of injections: tautologies (`' or 1=1`), UNION SELECT, stacked queries
 * (`; drop`), a closed string followed by a comment (`admin'--`), timing/file functions.
 *
 * XSS: a small HTML tokenizer run from the data state and from inside attribute values;
 * flags dangerous tags, event-handler attributes and javascript:/vbscript:/data: URLs.
 */
import {str} from './args.js'

type Helper = (...args: unknown[]) => unknown

// ---------------------------------------------------------------------------------------
// SQL

interface Tok {
  type: string
  text: string
}

const KEYWORDS: Record<string, string> = Object.assign(Object.create(null) as Record<string, string>, {
  and: '&', or: '&', xor: '&', not: 'o',
  div: 'o', mod: 'o', like: 'o', rlike: 'o', regexp: 'o', ilike: 'o', is: 'o', in: 'o', between: 'o', sounds: 'o', collate: 'o',
  union: 'U', except: 'U', intersect: 'U',
  select: 'E', insert: 'E', update: 'E', delete: 'E', drop: 'E', create: 'E', alter: 'E', truncate: 'E', exec: 'E',
  execute: 'E', declare: 'E', shutdown: 'E', waitfor: 'E', merge: 'E', grant: 'E', revoke: 'E', rename: 'E', handler: 'E',
  from: 'k', where: 'k', into: 'k', table: 'k', values: 'k', set: 'k', all: 'k', distinct: 'k', as: 'k', on: 'k', join: 'k',
  limit: 'k', offset: 'k', top: 'k', case: 'k', when: 'k', then: 'k', else: 'k', end: 'k', having: 'k', procedure: 'k',
  outfile: 'k', dumpfile: 'k', delay: 'k', desc: 'k', asc: 'k', by: 'k', group: 'k', order: 'k',
  null: '1', true: '1', false: '1',
})

const FUNCTIONS = new Set([
  'sleep', 'benchmark', 'pg_sleep', 'load_file', 'extractvalue', 'updatexml', 'char', 'chr', 'concat', 'concat_ws',
  'group_concat', 'version', 'user', 'current_user', 'system_user', 'database', 'schema', 'substring', 'substr', 'mid',
  'ascii', 'ord', 'hex', 'unhex', 'cast', 'convert', 'count', 'if', 'ifnull', 'coalesce', 'md5', 'sha1', 'exp', 'floor',
  'rand', 'xp_cmdshell', 'name_const', 'elt', 'make_set', 'json_extract', 'geometrycollection', 'polygon', 'multipoint',
  'length', 'len', 'dbms_pipe.receive_message', 'utl_inaddr.get_host_address', 'randomblob', 'sqlite_version',
  'load_extension', 'iif', 'db_name', 'host_name', 'suser_name', 'to_char', 'ctxsys.drithsx.sn', 'gtid_subset',
])

const DANGEROUS = new Set([
  'sleep', 'benchmark', 'pg_sleep', 'load_file', 'extractvalue', 'updatexml', 'xp_cmdshell', 'name_const',
  'dbms_pipe.receive_message', 'utl_inaddr.get_host_address', 'randomblob', 'load_extension', 'ctxsys.drithsx.sn',
  'gtid_subset', 'geometrycollection', 'polygon', 'multipoint', 'make_set',
])

const ARITH = new Set(['+', '-', '*', '/', '%', 'div', 'mod', '^', '|', '&', '<<', '>>'])

type Quote = '' | "'" | '"'

function isSpace(c: string): boolean {
  return c === ' ' || c === '\t' || c === '\n' || c === '\r' || c === '\v' || c === '\f' || c === '\u00a0' || c === '\0'
}

function isWordChar(c: string): boolean {
  return /[A-Za-z0-9_$.\u0080-\uffff]/.test(c)
}

/** Tokenizes `s` as SQL; with a quote context, the text up to that quote is a string. */
function tokenizeSql(s: string, context: Quote, max: number): {tokens: Tok[]; closed: boolean} {
  const tokens: Tok[] = []
  let i = 0
  let closed = context === ''
  const n = s.length
  const readString = (q: string, from: number): number => {
    let j = from
    while (j < n) {
      const c = s[j]
      if (c === '\\') {
        j += 2
        continue
      }
      if (c === q) {
        if (s[j + 1] === q) {
          j += 2
          continue
        }
        return j
      }
      j++
    }
    return -1
  }
  if (context !== '') {
    const end = readString(context, 0)
    if (end < 0) return {tokens: [{type: 's', text: s}], closed: false}
    tokens.push({type: 's', text: s.slice(0, end)})
    closed = true
    i = end + 1
  }
  while (i < n && tokens.length < max) {
    const c = s[i]!
    if (isSpace(c)) {
      i++
      continue
    }
    // comments
    if ((c === '-' && s[i + 1] === '-') || c === '#') {
      tokens.push({type: 'c', text: s.slice(i)})
      break
    }
    if (c === '/' && s[i + 1] === '*') {
      if (s[i + 2] === '!') {
        // MySQL executable comment: its content is code
        i += 3
        while (i < n && s[i]! >= '0' && s[i]! <= '9') i++
        continue
      }
      const end = s.indexOf('*/', i + 2)
      tokens.push({type: 'c', text: end < 0 ? s.slice(i) : s.slice(i, end + 2)})
      if (end < 0) break
      i = end + 2
      continue
    }
    if (c === '*' && s[i + 1] === '/') {
      i += 2
      continue
    }
    if (c === "'" || c === '"') {
      const end = readString(c, i + 1)
      tokens.push({type: 's', text: end < 0 ? s.slice(i + 1) : s.slice(i + 1, end)})
      if (end < 0) break
      i = end + 1
      continue
    }
    if (c === '`' || c === '[') {
      const close = c === '`' ? '`' : ']'
      const end = s.indexOf(close, i + 1)
      tokens.push({type: 'n', text: end < 0 ? s.slice(i + 1) : s.slice(i + 1, end)})
      if (end < 0) break
      i = end + 1
      continue
    }
    if (/[0-9]/.test(c) || (c === '.' && /[0-9]/.test(s[i + 1] ?? ''))) {
      const m = /^(?:0[xX][0-9a-fA-F]*|0[bB][01]*|[0-9]*\.?[0-9]*(?:[eE][+-]?[0-9]+)?)/.exec(s.slice(i, i + 64))!
      const len = Math.max(1, m[0].length)
      tokens.push({type: '1', text: s.slice(i, i + len)})
      i += len
      // 1abc: a number glued to a word is a word (e.g. hex-like names)
      if (i < n && /[A-Za-z_]/.test(s[i]!)) {
        const prev = tokens.pop()!
        let j = i
        while (j < n && isWordChar(s[j]!)) j++
        tokens.push({type: 'n', text: prev.text + s.slice(i, j)})
        i = j
      }
      continue
    }
    if (c === '@') {
      let j = i + 1
      if (s[j] === '@') j++
      const start = j
      while (j < n && isWordChar(s[j]!)) j++
      tokens.push({type: j > start ? 'v' : 'o', text: s.slice(i, j)})
      i = j
      continue
    }
    if (/[A-Za-z_$\u0080-\uffff]/.test(c)) {
      let j = i
      while (j < n && isWordChar(s[j]!)) j++
      const word = s.slice(i, j)
      const lower = word.toLowerCase()
      let k = j
      while (k < n && isSpace(s[k]!)) k++
      const call = s[k] === '('
      let type = KEYWORDS[lower] ?? 'n'
      if (call && FUNCTIONS.has(lower)) type = 'f'
      // GROUP BY / ORDER BY
      if ((lower === 'group' || lower === 'order') && /^by\b/i.test(s.slice(k, k + 3))) {
        tokens.push({type: 'B', text: lower + ' by'})
        i = k + 2
        continue
      }
      tokens.push({type, text: lower})
      i = j
      continue
    }
    const three = s.slice(i, i + 3)
    const two = s.slice(i, i + 2)
    if (three === '<=>') {
      tokens.push({type: 'o', text: three})
      i += 3
      continue
    }
    if (two === '&&' || two === '||') {
      tokens.push({type: '&', text: two})
      i += 2
      continue
    }
    if (['<=', '>=', '<>', '!=', '::', ':=', '<<', '>>', '!<', '!>'].includes(two)) {
      tokens.push({type: 'o', text: two})
      i += 2
      continue
    }
    if ('=<>+-*/%^|&~!'.includes(c)) {
      tokens.push({type: 'o', text: c})
      i++
      continue
    }
    if ('(),;.'.includes(c)) {
      tokens.push({type: c, text: c})
      i++
      continue
    }
    i++ // other punctuation is noise
  }
  return {tokens, closed}
}

const VALUE = new Set(['1', 's', 'n', 'v', 'f'])

/** Folds unary signs, arithmetic between values, adjacent strings, UNION ALL. */
function fold(tokens: Tok[]): Tok[] {
  const out: Tok[] = []
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i]!
    const prev = out[out.length - 1]
    const next = tokens[i + 1]
    if (t.type === 'o' && ['-', '+', '~', '!'].includes(t.text) && (prev === undefined || 'o&(,;UEk'.includes(prev.type)) && next !== undefined && (VALUE.has(next.type) || next.type === '(')) {
      continue
    }
    if (t.type === 's' && prev?.type === 's') continue
    if (t.type === 'k' && (t.text === 'all' || t.text === 'distinct') && prev?.type === 'U') continue
    if (VALUE.has(t.type) && t.type !== 'f' && prev?.type === 'o' && ARITH.has(prev.text) && out.length >= 2 && ['1', 'n', 'v'].includes(out[out.length - 2]!.type) && ['1', 'n', 'v'].includes(t.type)) {
      out.pop()
      continue
    }
    out.push(t)
  }
  return out
}

const MAX_TOKENS = 12

function sqliShape(tokens: Tok[], quoteContext: boolean): boolean {
  const fp = tokens.map((t) => t.type).join('')
  if (/U\(*E/.test(fp)) return true
  if (/;\(*E/.test(fp)) return true
  const flat = fp.replace(/[()]/g, '')
  if (/[s1]&[s1nvf]o[s1nvf]/.test(flat) || /n&[1s]o[1s]/.test(flat)) return true
  if (/[s1v]o[s1nv]&[s1nv]o[s1nv]/.test(flat) && quoteContext) return true
  // dangerous function after a break, a logic operator or a separator
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i]!
    if (t.type !== 'f' || !DANGEROUS.has(t.text)) continue
    const before = tokens.slice(0, i).filter((x) => x.type !== '(')
    const p = before[before.length - 1]
    if (p === undefined) return tokens.length > 2 && tokens[1]?.type === '('
    if ('&o,;UEk'.includes(p.type)) return true
  }
  if (quoteContext) {
    if (/^s&[1fv(]/.test(fp) || /^s&[sn]o/.test(flat) || /^s&[sn1]c/.test(flat)) return true
    if (/^s\)*;?c/.test(fp)) return true
    if (/^s\)*B/.test(fp)) return true
    if (/^s\)*[&o]\(*E/.test(fp)) return true
  } else if (/^1\)*B1/.test(fp) && tokens.length <= 4) return true
  // SELECT ... FROM x
  if (tokens[0]?.type === 'E' && tokens[0].text === 'select') {
    for (let i = 1; i < tokens.length; i++) {
      const t = tokens[i]!
      if (t.type === 'k' && t.text === 'from') return i > 1 && ['n', 'v', '('].includes(tokens[i + 1]?.type ?? '')
      if (!['n', 'o', ',', 'f', '(', ')', '1', 'v', '.', 'k'].includes(t.type)) break
    }
  }
  return false
}

/** True when `s` looks like SQL injection. */
export function isSQLi(s: string): boolean {
  if (s === '') return false
  const input = s.length > 4096 ? s.slice(0, 4096) : s
  for (const context of ['', "'", '"'] as Quote[]) {
    if (context !== '' && !input.includes(context)) continue
    const {tokens, closed} = tokenizeSql(input, context, MAX_TOKENS * 2)
    if (context !== '' && !closed) continue
    const folded = fold(tokens).slice(0, MAX_TOKENS)
    if (sqliShape(folded, context !== '')) return true
  }
  return false
}

// ---------------------------------------------------------------------------------------
// HTML

const BAD_TAGS = new Set([
  'script', 'iframe', 'frame', 'frameset', 'object', 'embed', 'applet', 'base', 'link', 'meta', 'style', 'svg', 'math',
  'xml', 'xss', 'isindex', 'import', 'vmlframe', 'handler', 'listener', 'noscript', 'comment', 'template', 'portal',
])

const URL_ATTRS = new Set([
  'href', 'src', 'action', 'formaction', 'data', 'background', 'poster', 'lowsrc', 'dynsrc', 'xlink:href', 'codebase',
  'cite', 'longdesc', 'usemap', 'profile', 'classid', 'srcdoc', 'from', 'to', 'values', 'by', 'folder', 'xmlns',
])

const ENTITY_NAMES: Record<string, string> = {colon: ':', tab: '\t', newline: '\n', lpar: '(', rpar: ')', sol: '/', quot: '"', apos: "'", lt: '<', gt: '>', amp: '&'}

function decodeHtml(s: string): string {
  return s.replace(/&(#[xX][0-9a-fA-F]+|#[0-9]+|[A-Za-z]+);?/g, (whole, name: string) => {
    if (name[0] === '#') {
      const cp = name[1] === 'x' || name[1] === 'X' ? parseInt(name.slice(2), 16) : parseInt(name.slice(1), 10)
      return cp > 0 && cp <= 0x10ffff ? String.fromCodePoint(cp) : ''
    }
    return ENTITY_NAMES[name.toLowerCase()] ?? whole
  })
}

function dangerousUrl(value: string): boolean {
  // browsers drop control characters and whitespace inside the scheme
  const v = decodeHtml(value).replace(/[\x00-\x20\x7f]/g, '').toLowerCase()
  return /^(?:javascript|vbscript|livescript|mocha|data):/.test(v)
}

const EVENTS = new Set(
  ('abort activate afterprint afterupdate animationend animationiteration animationstart auxclick beforeactivate ' +
    'beforecopy beforecut beforeinput beforepaste beforeprint beforeunload beforeupdate begin blur bounce canplay ' +
    'canplaythrough change click contextmenu copy cuechange cut dblclick drag dragend dragenter dragleave dragover ' +
    'dragstart drop durationchange emptied end ended error finish focus focusin focusout formdata fullscreenchange ' +
    'hashchange help input invalid keydown keypress keyup load loadeddata loadedmetadata loadend loadstart ' +
    'message mousedown mouseenter mouseleave mousemove mouseout mouseover mouseup mousewheel move offline online ' +
    'pagehide pageshow paste pause play playing pointercancel pointerdown pointerenter pointerleave pointermove ' +
    'pointerout pointerover pointerrawupdate pointerup popstate progress propertychange ratechange readystatechange ' +
    'repeat reset resize scroll scrollend search securitypolicyviolation seeked seeking select selectionchange ' +
    'selectstart show stalled start storage submit suspend timeupdate toggle touchend touchmove touchstart ' +
    'transitioncancel transitionend transitionrun transitionstart unload volumechange waiting webkitanimationend ' +
    'webkitanimationiteration webkitanimationstart webkittransitionend wheel losecapture filterchange').split(' '),
)

function dangerousAttr(name: string, value: string | undefined): boolean {
  const n = name.toLowerCase().replace(/[\x00\s]/g, '')
  if (n.startsWith('on') && EVENTS.has(n.slice(2))) return value !== undefined
  if (n === 'formaction' || n === 'xmlns:xlink' || n === 'srcdoc') return value === undefined || value.trim() !== '' || n === 'formaction'
  if (value === undefined) return false
  if (URL_ATTRS.has(n) && dangerousUrl(value)) return true
  if (n === 'style') {
    const v = decodeHtml(value).toLowerCase().replace(/\\|\/\*.*?\*\/|[\x00-\x20]/g, '')
    return v.includes('expression(') || v.includes('javascript:') || v.includes('-moz-binding') || v.includes('behavior:') || v.includes('url(javascript')
  }
  return false
}

type HtmlStart = 'data' | 'unquoted' | "'" | '"' | '`'

/** Scans attributes starting at i; returns [flagged, index after the tag]. */
function scanAttributes(s: string, i: number): [boolean, number] {
  const n = s.length
  while (i < n) {
    while (i < n && (isSpace(s[i]!) || s[i] === '/')) i++
    if (i >= n) return [false, n]
    if (s[i] === '>') return [false, i + 1]
    const start = i
    i++
    while (i < n && !isSpace(s[i]!) && s[i] !== '/' && s[i] !== '>' && s[i] !== '=') i++
    const name = s.slice(start, i)
    let j = i
    while (j < n && isSpace(s[j]!)) j++
    if (s[j] !== '=') {
      if (dangerousAttr(name, undefined)) return [true, j]
      i = j
      continue
    }
    j++
    while (j < n && isSpace(s[j]!)) j++
    let value: string
    const q = s[j]
    if (q === '"' || q === "'" || q === '`') {
      const end = s.indexOf(q, j + 1)
      value = end < 0 ? s.slice(j + 1) : s.slice(j + 1, end)
      i = end < 0 ? n : end + 1
    } else {
      let k = j
      while (k < n && !isSpace(s[k]!) && s[k] !== '>') k++
      value = s.slice(j, k)
      i = k
    }
    if (dangerousAttr(name, value)) return [true, i]
  }
  return [false, n]
}

function xssFrom(s: string, start: HtmlStart): boolean {
  const n = s.length
  let i = 0
  if (start !== 'data') {
    // finish the attribute value we are supposedly in, then read further attributes
    if (start === 'unquoted') {
      while (i < n && !isSpace(s[i]!) && s[i] !== '>') i++
    } else {
      const end = s.indexOf(start, 0)
      if (end < 0) return false
      i = end + 1
    }
    const [bad, next] = scanAttributes(s, i)
    if (bad) return true
    i = next
  }
  while (i < n) {
    const lt = s.indexOf('<', i)
    if (lt < 0) return false
    i = lt + 1
    const c = s[i]
    if (c === undefined) return false
    if (c === '!') {
      if (s.startsWith('!--', i)) {
        const end = s.indexOf('-->', i + 3)
        const body = (end < 0 ? s.slice(i + 3) : s.slice(i + 3, end)).toLowerCase()
        if (body.includes('[if') || body.includes('<![endif') || body.includes('import') || body.includes('xml')) return true
        i = end < 0 ? n : end + 3
        continue
      }
      if (/^!\s*(entity|doctype|\[cdata)/i.test(s.slice(i, i + 12))) return true
      continue
    }
    if (c === '?') return true
    const close = c === '/'
    let j = close ? i + 1 : i
    if (!/[A-Za-z]/.test(s[j] ?? '')) continue
    const nameStart = j
    while (j < n && !isSpace(s[j]!) && s[j] !== '/' && s[j] !== '>') j++
    const tag = s.slice(nameStart, j).toLowerCase().replace(/\0/g, '')
    if (BAD_TAGS.has(tag) || tag.startsWith('svg') || tag.startsWith('xsl') || tag.startsWith('script')) return true
    if (close) {
      i = j
      continue
    }
    const [bad, next] = scanAttributes(s, j)
    if (bad) return true
    i = next
  }
  return false
}

/** True when `s` looks like cross-site scripting. */
export function isXSS(s: string): boolean {
  if (s === '') return false
  const input = s.length > 16384 ? s.slice(0, 16384) : s
  if (xssFrom(input, 'data')) return true
  if (input.includes('"') && xssFrom(input, '"')) return true
  if (input.includes("'") && xssFrom(input, "'")) return true
  if (input.includes('`') && xssFrom(input, '`')) return true
  return xssFrom(input, 'unquoted')
}

export function libinjectionHelpers(): Record<string, Helper> {
  return {
    LibInjectionIsSQLI: (s) => isSQLi(str(s)),
    LibInjectionIsXSS: (s) => isXSS(str(s)),
  }
}
