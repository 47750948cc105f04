/**
 * Go's fmt (Sprintf, default %v formatting), strconv.FormatFloat and encoding/json
 * encoding, as CrowdSec expressions produce them (expr.md §10): `Sprintf`, `string(x)`,
 * `ToJsonString`, `toJSON`, and the `%f` text of float statics.
 *
 * Values follow go-values.ts: integral JS numbers are ints, GoFloat and non-integral
 * numbers are floats, stringSlice arrays are []string, stringMap objects map[string]string.
 */
import {GoDuration, GoMonth, GoTime, GoWeekday} from './go-time.js'
import {GoFloat, isMapPrototype, isStringMap, isStringSlice} from './go-values.js'

// ---------------------------------------------------------------------------------------
// Value classification

type Kind = 'nil' | 'bool' | 'int' | 'float' | 'string' | 'array' | 'map' | 'time' | 'duration' | 'named-int' | 'struct' | 'func' | 'other'

function kindOf(v: unknown): Kind {
  if (v === null || v === undefined) return 'nil'
  switch (typeof v) {
    case 'boolean': return 'bool'
    case 'number': return Number.isInteger(v) ? 'int' : 'float'
    case 'bigint': return 'int'
    case 'string': return 'string'
    case 'function': return 'func'
  }
  if (v instanceof GoFloat) return 'float'
  if (Array.isArray(v)) return 'array'
  if (v instanceof GoTime) return 'time'
  if (v instanceof GoDuration) return 'duration'
  if (v instanceof GoMonth || v instanceof GoWeekday) return 'named-int'
  if (typeof v === 'object') {
    if (isMapPrototype(Object.getPrototypeOf(v)) || isStringMap(v) || v instanceof Map) return 'map'
    return 'struct'
  }
  return 'other'
}

/** Go's %T name of a value. */
export function goTypeName(v: unknown): string {
  switch (kindOf(v)) {
    case 'nil': return '<nil>'
    case 'bool': return 'bool'
    case 'int': return 'int'
    case 'float': return 'float64'
    case 'string': return 'string'
    case 'func': return 'func()'
    case 'array': return isStringSlice(v) ? '[]string' : '[]interface {}'
    case 'map': return isStringMap(v) ? 'map[string]string' : 'map[string]interface {}'
    case 'time': return 'time.Time'
    case 'duration': return 'time.Duration'
    case 'named-int': return v instanceof GoMonth ? 'time.Month' : 'time.Weekday'
    case 'struct': {
      const ctor = (v as {constructor?: {goTypeName?: string; name?: string}}).constructor
      if (typeof ctor?.goTypeName === 'string') return ctor.goTypeName
      return `*pipeline.${ctor?.name ?? 'struct'}`
    }
    default: return 'interface {}'
  }
}

function floatValue(v: unknown): number {
  return v instanceof GoFloat ? v.value : (v as number)
}

function mapEntries(m: object): [string, unknown][] {
  if (m instanceof Map) return [...m.entries()].map(([k, v]) => [String(k), v])
  return Object.keys(m).map((k) => [k, (m as Record<string, unknown>)[k]])
}

function sortedEntries(m: object): [string, unknown][] {
  return mapEntries(m).sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))
}

function hasStringMethod(v: unknown): v is {String(): string} {
  return typeof v === 'object' && v !== null && typeof (v as {String?: unknown}).String === 'function'
}

// ---------------------------------------------------------------------------------------
// strconv.FormatFloat

interface Decimal {
  /** Significant digits, no leading or trailing zeros ('' for zero). */
  d: string
  /** Decimal point position: value = 0.d × 10^dp. */
  dp: number
}

const VIEW = new DataView(new ArrayBuffer(8))

/** The exact decimal expansion of a finite, non-negative double. */
function exactDecimal(x: number): Decimal {
  if (x === 0) return {d: '', dp: 0}
  VIEW.setFloat64(0, x)
  const hi = VIEW.getUint32(0)
  const lo = VIEW.getUint32(4)
  let e = (hi >>> 20) & 0x7ff
  let m = (BigInt(hi & 0xfffff) << 32n) | BigInt(lo)
  if (e === 0) e = 1
  else m |= 1n << 52n
  e -= 1075
  let s: string
  let dp: number
  if (e >= 0) {
    s = (m << BigInt(e)).toString()
    dp = s.length
  } else {
    s = (m * 5n ** BigInt(-e)).toString()
    dp = s.length + e
  }
  let end = s.length
  while (end > 0 && s.charCodeAt(end - 1) === 48) end--
  return {d: s.slice(0, end), dp}
}

/** Shortest digits that round-trip (the same digits Go's shortest formatting picks). */
function shortestDecimal(x: number): Decimal {
  if (x === 0) return {d: '', dp: 0}
  const s = x.toExponential()
  const ePos = s.indexOf('e')
  const mant = s.slice(0, ePos).replace('.', '')
  const exp = Number(s.slice(ePos + 1))
  let end = mant.length
  while (end > 1 && mant.charCodeAt(end - 1) === 48) end--
  return {d: mant.slice(0, end), dp: exp + 1}
}

/** Round to nd digits, half to even on the exact value (Go's decimal.Round). */
function roundDecimal(a: Decimal, nd: number): Decimal {
  if (nd < 0 || nd >= a.d.length) return a
  const digit = a.d.charCodeAt(nd)
  let up: boolean
  if (digit === 53 && nd + 1 === a.d.length) up = nd > 0 && (a.d.charCodeAt(nd - 1) - 48) % 2 === 1
  else up = digit >= 53
  if (!up) {
    let end = nd
    while (end > 0 && a.d.charCodeAt(end - 1) === 48) end--
    return {d: a.d.slice(0, end), dp: a.d.length === 0 ? 0 : a.dp}
  }
  let i = nd - 1
  while (i >= 0 && a.d[i] === '9') i--
  if (i < 0) return {d: '1', dp: a.dp + 1}
  return {d: a.d.slice(0, i) + String.fromCharCode(a.d.charCodeAt(i) + 1), dp: a.dp}
}

function fmtE(neg: boolean, digs: Decimal, prec: number, upper: boolean): string {
  let out = neg ? '-' : ''
  out += digs.d.length === 0 ? '0' : digs.d[0]
  if (prec > 0) {
    out += '.'
    let i = 1
    const m = Math.min(digs.d.length, prec + 1)
    if (i < m) {
      out += digs.d.slice(i, m)
      i = m
    }
    for (; i <= prec; i++) out += '0'
  }
  out += upper ? 'E' : 'e'
  let exp = digs.dp - 1
  if (digs.d.length === 0) exp = 0
  if (exp < 0) {
    out += '-'
    exp = -exp
  } else {
    out += '+'
  }
  out += exp < 10 ? '0' + exp : String(exp)
  return out
}

function fmtF(neg: boolean, digs: Decimal, prec: number): string {
  let out = neg ? '-' : ''
  if (digs.dp > 0) {
    const m = Math.min(digs.d.length, digs.dp)
    out += digs.d.slice(0, m)
    for (let i = m; i < digs.dp; i++) out += '0'
  } else {
    out += '0'
  }
  if (prec > 0) {
    out += '.'
    for (let i = 1; i <= prec; i++) {
      const j = digs.dp + i - 1
      out += j >= 0 && j < digs.d.length ? digs.d[j] : '0'
    }
  }
  return out
}

/**
 * Go strconv.FormatFloat(x, fmt, prec, 64) for fmt in e E f F g G; prec -1 = shortest.
 */
export function formatFloat(x: number, fmt: 'e' | 'E' | 'f' | 'F' | 'g' | 'G', prec: number): string {
  if (Number.isNaN(x)) return 'NaN'
  if (x === Infinity) return '+Inf'
  if (x === -Infinity) return '-Inf'
  const neg = x < 0 || Object.is(x, -0)
  const abs = Math.abs(x)
  const shortest = prec < 0
  let digs: Decimal
  const lower = fmt.toLowerCase()
  if (shortest) {
    digs = shortestDecimal(abs)
    if (lower === 'e') prec = Math.max(digs.d.length - 1, 0)
    else if (lower === 'f') prec = Math.max(digs.d.length - digs.dp, 0)
    else prec = digs.d.length
  } else {
    if (lower === 'f' && abs < 1e21) {
      // Fast path: toFixed rounds the exact value but breaks ties upwards; Go rounds half
      // to even. A tie needs x·2^(prec+1) to be an odd integer.
      const scaled = abs * 2 ** (prec + 1)
      if (prec <= 100 && !(Number.isInteger(scaled) && scaled % 2 === 1)) return (neg ? '-' : '') + abs.toFixed(prec)
    }
    const exact = exactDecimal(abs)
    if (lower === 'e') digs = roundDecimal(exact, prec + 1)
    else if (lower === 'f') digs = roundDecimal(exact, exact.dp + prec)
    else {
      if (prec === 0) prec = 1
      digs = roundDecimal(exact, prec)
    }
  }
  if (lower === 'e') return fmtE(neg, digs, prec, fmt === 'E')
  if (lower === 'f') return fmtF(neg, digs, prec)
  let eprec = prec
  if (eprec > digs.d.length && digs.d.length >= digs.dp) eprec = digs.d.length
  if (shortest) eprec = 6
  const exp = digs.dp - 1
  if (digs.d.length !== 0 && (exp < -4 || exp >= eprec)) {
    if (prec > digs.d.length) prec = digs.d.length
    return fmtE(neg, digs, prec - 1, fmt === 'G')
  }
  if (prec > digs.dp) prec = digs.d.length
  return fmtF(neg, digs, Math.max(prec - digs.dp, 0))
}

/** Go's %v of a float64: shortest digits, exponent form when the exponent is < -4 or >= 6. */
export function formatGoFloat(x: number): string {
  if (x === Infinity) return '+Inf'
  return formatFloat(x, 'g', -1)
}

// ---------------------------------------------------------------------------------------
// strconv.Quote

const PRINTABLE = /[\p{L}\p{M}\p{N}\p{P}\p{S} ]/u

export function goQuote(s: string, asciiOnly = false): string {
  let out = '"'
  for (const ch of s) {
    const r = ch.codePointAt(0)!
    if (ch === '"' || ch === '\\') {
      out += '\\' + ch
      continue
    }
    if (r < 0x80 ? r >= 0x20 && r < 0x7f : !asciiOnly && !(r >= 0xd800 && r <= 0xdfff) && PRINTABLE.test(ch)) {
      out += ch
      continue
    }
    switch (r) {
      case 7: out += '\\a'; continue
      case 8: out += '\\b'; continue
      case 12: out += '\\f'; continue
      case 10: out += '\\n'; continue
      case 13: out += '\\r'; continue
      case 9: out += '\\t'; continue
      case 11: out += '\\v'; continue
    }
    if (r < 0x20 || r === 0x7f) out += '\\x' + r.toString(16).padStart(2, '0')
    else if (r >= 0xd800 && r <= 0xdfff) out += '\\ufffd'
    else if (r < 0x10000) out += '\\u' + r.toString(16).padStart(4, '0')
    else out += '\\U' + r.toString(16).padStart(8, '0')
  }
  return out + '"'
}

// ---------------------------------------------------------------------------------------
// Default formatting (%v)

/** Go's %v (plus = %+v) of any value: `string(x)` in expressions. */
export function formatGoValue(v: unknown, plus = false): string {
  return printValue(v, 'v', {...NO_FLAGS, plusV: plus}, 0)
}

interface Flags {
  plus: boolean
  /** %+v: struct field names. */
  plusV: boolean
  minus: boolean
  sharp: boolean
  space: boolean
  zero: boolean
  width: number // -1 = none
  prec: number // -1 = none
}

const NO_FLAGS: Flags = {plus: false, plusV: false, minus: false, sharp: false, space: false, zero: false, width: -1, prec: -1}

function runeLength(s: string): number {
  let n = 0
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i)
    if (c < 0xd800 || c > 0xdbff) n++
  }
  return n
}

function pad(s: string, f: Flags, zeroOk = true): string {
  if (f.width < 0) return s
  const n = runeLength(s)
  if (n >= f.width) return s
  const fill = f.width - n
  if (f.minus) return s + ' '.repeat(fill)
  if (f.zero && zeroOk) return '0'.repeat(fill) + s
  return ' '.repeat(fill) + s
}

function badVerb(verb: string, v: unknown): string {
  if (v === null || v === undefined) return `%!${verb}(<nil>)`
  return `%!${verb}(${goTypeName(v)}=${printValue(v, 'v', NO_FLAGS, 0)})`
}

function fmtInteger(n: number | bigint, verb: string, f: Flags): string {
  let big = typeof n === 'bigint' ? n : BigInt(n)
  const neg = big < 0n
  if (neg) big = -big
  let digits: string
  let prefix = ''
  switch (verb) {
    case 'd': case 'v': digits = big.toString(10); break
    case 'x': digits = big.toString(16); if (f.sharp) prefix = '0x'; break
    case 'X': digits = big.toString(16).toUpperCase(); if (f.sharp) prefix = '0X'; break
    case 'o': digits = big.toString(8); if (f.sharp) prefix = '0'; break
    case 'O': digits = big.toString(8); prefix = '0o'; break
    case 'b': digits = big.toString(2); if (f.sharp) prefix = '0b'; break
    default: digits = big.toString(10)
  }
  let prec = f.prec
  if (prec < 0 && f.zero && !f.minus && f.width >= 0) {
    prec = f.width
    if (neg || f.plus || f.space) prec--
    prec -= prefix.length
  }
  if (prec === 0 && big === 0n) digits = ''
  if (prec > digits.length) digits = '0'.repeat(prec - digits.length) + digits
  if (prefix === '0' && digits.startsWith('0')) prefix = ''
  const sign = neg ? '-' : f.plus ? '+' : f.space ? ' ' : ''
  return pad(sign + prefix + digits, f, false)
}

function fmtFloatVerb(x: number, verb: string, f: Flags): string {
  let fmt: 'e' | 'E' | 'f' | 'F' | 'g' | 'G'
  let prec = f.prec
  switch (verb) {
    case 'v': fmt = 'g'; prec = -1; break
    case 'g': case 'G': fmt = verb; break
    case 'e': case 'E': case 'f': case 'F': fmt = verb; if (prec < 0) prec = 6; break
    default: fmt = 'g'
  }
  if (verb === 'v' && f.prec >= 0) prec = f.prec
  let num = formatFloat(x, fmt === 'F' ? 'f' : fmt, prec)
  if (num[0] !== '-' && num[0] !== '+') num = '+' + num
  if (f.space && num[0] === '+' && !f.plus) num = ' ' + num.slice(1)
  if (num[1] === 'I' || num[1] === 'N') {
    if (num[1] === 'N' && !f.space && !f.plus) num = num.slice(1)
    return pad(num, f, false)
  }
  if (f.plus || num[0] !== '+') {
    if (f.zero && !f.minus && f.width > num.length) return num[0] + '0'.repeat(f.width - num.length) + num.slice(1)
    return pad(num, f)
  }
  return pad(num.slice(1), f)
}

function fmtString(s: string, verb: string, f: Flags): string {
  switch (verb) {
    case 'v':
    case 's': {
      if (verb === 'v' && f.sharp) return pad(goQuote(s), f)
      if (f.prec >= 0) s = truncateRunes(s, f.prec)
      return pad(s, f)
    }
    case 'q': {
      if (f.prec >= 0) s = truncateRunes(s, f.prec)
      if (f.sharp && !s.includes('`') && !/[\x00-\x08\x0a-\x1f\x7f]/.test(s)) return pad('`' + s + '`', f)
      return pad(goQuote(s, f.plus), f)
    }
    case 'x':
    case 'X': {
      const bytes = new TextEncoder().encode(f.prec >= 0 ? truncateBytes(s, f.prec) : s)
      let out = ''
      for (let i = 0; i < bytes.length; i++) {
        if (f.space && i > 0) out += ' '
        if (f.sharp && (f.space || i === 0)) out += verb === 'x' ? '0x' : '0X'
        const h = bytes[i]!.toString(16).padStart(2, '0')
        out += verb === 'X' ? h.toUpperCase() : h
      }
      return pad(out, f)
    }
  }
  return badVerb(verb, s)
}

function truncateRunes(s: string, n: number): string {
  let count = 0
  for (let i = 0; i < s.length; i++) {
    if (count === n) return s.slice(0, i)
    const c = s.charCodeAt(i)
    if (c >= 0xd800 && c <= 0xdbff) i++
    count++
  }
  return s
}

function truncateBytes(s: string, n: number): string {
  const b = new TextEncoder().encode(s)
  return new TextDecoder().decode(b.slice(0, n))
}

function printValue(v: unknown, verb: string, f: Flags, depth: number): string {
  if (depth > 20) return '...'
  const kind = kindOf(v)
  // Stringers (time.Time, time.Duration, Month, Weekday) for the string verbs.
  if ((kind === 'time' || kind === 'duration' || kind === 'named-int') && 'vsxXq'.includes(verb) && !(verb === 'v' && f.sharp)) {
    return fmtString((v as {String(): string}).String(), verb === 'v' ? 's' : verb, f)
  }
  switch (kind) {
    case 'nil':
      if (verb === 'v' || verb === 'T') return pad('<nil>', f, false)
      return badVerb(verb, v)
    case 'bool':
      if (verb === 't' || verb === 'v') return pad(v ? 'true' : 'false', f, false)
      return badVerb(verb, v)
    case 'int': {
      const n = v as number | bigint
      switch (verb) {
        case 'd': case 'v': case 'x': case 'X': case 'o': case 'O': case 'b':
          return fmtInteger(n, verb, f)
        case 'c': return pad(String.fromCodePoint(Number(n)), f)
        case 'q': return pad(`'${String.fromCodePoint(Number(n))}'`, f)
        case 'U': return pad('U+' + Number(n).toString(16).toUpperCase().padStart(4, '0'), f)
        case 'e': case 'E': case 'f': case 'F': case 'g': case 'G':
          return badVerb(verb, v)
      }
      return badVerb(verb, v)
    }
    case 'duration':
    case 'named-int':
      if ('dxXobOv'.includes(verb)) return fmtInteger((v as {valueOf(): number}).valueOf(), verb, f)
      return badVerb(verb, v)
    case 'float':
      if ('vgGeEfF'.includes(verb)) return fmtFloatVerb(floatValue(v), verb, f)
      return badVerb(verb, v)
    case 'string':
      return fmtString(v as string, verb, f)
    case 'array': {
      const items = (v as unknown[]).map((e) => printValue(e, verb, f, depth + 1))
      return '[' + items.join(' ') + ']'
    }
    case 'map': {
      const items = sortedEntries(v as object).map(([k, e]) => printValue(k, verb, f, depth + 1) + ':' + printValue(e, verb, f, depth + 1))
      return 'map[' + items.join(' ') + ']'
    }
    case 'time':
      return badVerb(verb, v)
    case 'struct': {
      if (hasStringMethod(v) && 'vsq'.includes(verb)) {
        try {
          return fmtString(v.String(), verb === 'v' ? 's' : verb, f)
        } catch {
          // fall back to the fields
        }
      }
      const fields = Object.keys(v as object)
        .filter((k) => !k.startsWith('_'))
        .map((k) => {
          const val = printValue((v as Record<string, unknown>)[k], verb, f, depth + 1)
          return f.plusV ? `${k}:${val}` : val
        })
      return (depth === 0 ? '&{' : '{') + fields.join(' ') + '}'
    }
    case 'func':
      return verb === 'v' ? '0x0' : badVerb(verb, v)
  }
  return badVerb(verb, v)
}

// ---------------------------------------------------------------------------------------
// Sprintf

/** Go fmt.Sprintf. */
export function goSprintf(format: string, args: readonly unknown[]): string {
  let out = ''
  let argNum = 0
  const end = format.length
  let i = 0
  while (i < end) {
    const lasti = i
    while (i < end && format[i] !== '%') i++
    if (i > lasti) out += format.slice(lasti, i)
    if (i >= end) break
    i++ // skip %
    const f: Flags = {plus: false, plusV: false, minus: false, sharp: false, space: false, zero: false, width: -1, prec: -1}
    flags: for (; i < end; i++) {
      switch (format[i]) {
        case '#': f.sharp = true; break
        case '0': f.zero = !f.minus; break
        case '+': f.plus = true; break
        case '-': f.minus = true; f.zero = false; break
        case ' ': f.space = true; break
        default: break flags
      }
    }
    // width
    if (format[i] === '*') {
      i++
      const a = args[argNum]
      argNum++
      if (typeof a === 'number' && Number.isInteger(a)) {
        f.width = a
        if (a < 0) {
          f.minus = true
          f.zero = false
          f.width = -a
        }
      } else {
        out += '%!(BADWIDTH)'
      }
    } else {
      const start = i
      while (i < end && format.charCodeAt(i) >= 48 && format.charCodeAt(i) <= 57) i++
      if (i > start) f.width = Number(format.slice(start, i))
    }
    // precision
    if (format[i] === '.') {
      i++
      if (format[i] === '*') {
        i++
        const a = args[argNum]
        argNum++
        if (typeof a === 'number' && Number.isInteger(a) && a >= 0) f.prec = a
        else out += '%!(BADPREC)'
      } else {
        const start = i
        while (i < end && format.charCodeAt(i) >= 48 && format.charCodeAt(i) <= 57) i++
        f.prec = i > start ? Number(format.slice(start, i)) : 0
      }
    }
    if (i >= end) {
      out += '%!(NOVERB)'
      break
    }
    const cp = format.codePointAt(i)!
    const verb = String.fromCodePoint(cp)
    i += verb.length
    if (verb === '%') {
      out += '%'
      continue
    }
    if (argNum >= args.length) {
      out += `%!${verb}(MISSING)`
      continue
    }
    const arg = args[argNum]
    argNum++
    if (verb === 'T') {
      out += pad(goTypeName(arg), f, false)
      continue
    }
    if (verb === 'p') {
      out += badVerb(verb, arg)
      continue
    }
    if (verb === 'v' && f.plus) {
      f.plus = false
      f.plusV = true
    }
    out += printValue(arg, verb, f, 0)
  }
  if (argNum < args.length) {
    out += '%!(EXTRA '
    out += args
      .slice(argNum)
      .map((a) => (a === null || a === undefined ? '<nil>' : `${goTypeName(a)}=${printValue(a, 'v', NO_FLAGS, 0)}`))
      .join(', ')
    out += ')'
  }
  return out
}

// ---------------------------------------------------------------------------------------
// encoding/json

export class GoJsonError extends Error {}

const HEX = '0123456789abcdef'

/** Go's JSON string encoding with HTML escaping (encoding/json default). */
export function goJsonString(s: string): string {
  let out = '"'
  let start = 0
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i)
    let rep: string | undefined
    if (c < 0x20 || c === 0x22 || c === 0x5c || c === 0x3c || c === 0x3e || c === 0x26) {
      switch (c) {
        case 0x22: rep = '\\"'; break
        case 0x5c: rep = '\\\\'; break
        case 0x08: rep = '\\b'; break
        case 0x0c: rep = '\\f'; break
        case 0x0a: rep = '\\n'; break
        case 0x0d: rep = '\\r'; break
        case 0x09: rep = '\\t'; break
        default: rep = '\\u00' + HEX[c >> 4] + HEX[c & 15]
      }
    } else if (c === 0x2028 || c === 0x2029) {
      rep = c === 0x2028 ? '\\u2028' : '\\u2029'
    } else if (c >= 0xd800 && c <= 0xdfff) {
      const next = s.charCodeAt(i + 1)
      if (c <= 0xdbff && next >= 0xdc00 && next <= 0xdfff) {
        i++
        continue
      }
      rep = '\\ufffd'
    }
    if (rep !== undefined) {
      out += s.slice(start, i) + rep
      start = i + 1
    }
  }
  return out + s.slice(start) + '"'
}

/** Go's float64 JSON text: shortest; exponent form below 1e-6 or from 1e21, `e-07` → `e-7`. */
export function goJsonFloat(x: number): string {
  if (!Number.isFinite(x)) throw new GoJsonError(`json: unsupported value: ${formatGoFloat(x)}`)
  const abs = Math.abs(x)
  let s: string
  if (abs !== 0 && (abs < 1e-6 || abs >= 1e21)) {
    s = formatFloat(x, 'e', -1)
    const n = s.length
    if (n >= 4 && s[n - 4] === 'e' && s[n - 3] === '-' && s[n - 2] === '0') s = s.slice(0, n - 2) + s[n - 1]
  } else {
    s = formatFloat(x, 'f', -1)
  }
  return s
}

/**
 * Go json.Marshal (indent "") or json.MarshalIndent(v, "", indent). Throws GoJsonError for
 * NaN/Inf, functions and cycles.
 */
export function encodeGoJSON(v: unknown, indent = ''): string {
  const seen = new Set<object>()
  const enc = (x: unknown, prefix: string): string => {
    const kind = kindOf(x)
    switch (kind) {
      case 'nil': return 'null'
      case 'bool': return x ? 'true' : 'false'
      case 'int': {
        if (typeof x === 'bigint') return x.toString()
        const n = x as number
        return Math.abs(n) < 1e21 ? String(n) : BigInt(n).toString()
      }
      case 'float': return goJsonFloat(floatValue(x))
      case 'string': return goJsonString(x as string)
      case 'time': return goJsonString((x as GoTime).toJSON())
      case 'duration': return String((x as GoDuration).ns)
      case 'named-int': return String((x as GoMonth).value)
      case 'func': case 'other': throw new GoJsonError(`json: unsupported type: ${goTypeName(x)}`)
    }
    const obj = x as object
    if (seen.has(obj)) throw new GoJsonError(`json: unsupported value: encountered a cycle via ${goTypeName(x)}`)
    seen.add(obj)
    try {
      const inner = prefix + indent
      const nl = indent === '' ? '' : '\n'
      if (kind === 'array') {
        const a = x as unknown[]
        if (a.length === 0) return '[]'
        return '[' + nl + a.map((e) => inner + enc(e, inner)).join(',' + nl) + nl + prefix + ']'
      }
      let entries: [string, unknown][]
      if (kind === 'struct') {
        const custom = (x as {toJSON?: () => unknown}).toJSON
        if (typeof custom === 'function') {
          seen.delete(obj)
          return enc(custom.call(x), prefix)
        }
        entries = mapEntries(obj).filter(([, val]) => val !== undefined && typeof val !== 'function')
      } else {
        entries = sortedEntries(obj)
      }
      if (entries.length === 0) return '{}'
      const sep = indent === '' ? ':' : ': '
      return '{' + nl + entries.map(([k, e]) => inner + goJsonString(k) + sep + enc(e, inner)).join(',' + nl) + nl + prefix + '}'
    } finally {
      seen.delete(obj)
    }
  }
  return enc(v, '')
}
