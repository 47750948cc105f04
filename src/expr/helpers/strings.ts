/**
 * String helpers (expr.md §8.1): Go `strings` semantics (byte offsets, Unicode simple case
 * mapping, Go's Split/SplitN remainder rule, unicode.IsSpace), Sprintf, Match (glob),
 * B64Decode, LogInfo.
 */
import {goSprintf} from '../../model/go-format.js'
import {isStringSlice, stringSlice} from '../../model/go-values.js'
import {conversionError, int, isAscii, str, utf8Bytes, utf8Decode, utf8Length} from './args.js'
import {goToLower, goToUpper} from '../../model/go-case.js'
import type {HelperContext} from './context.js'

type Helper = (...args: unknown[]) => unknown

/** Go unicode.IsSpace. */
export function isGoSpace(c: number): boolean {
  if (c <= 0xff) return c === 0x20 || (c >= 0x09 && c <= 0x0d) || c === 0x85 || c === 0xa0
  return c === 0x1680 || (c >= 0x2000 && c <= 0x200a) || c === 0x2028 || c === 0x2029 || c === 0x202f || c === 0x205f || c === 0x3000
}

export function trimSpace(s: string): string {
  let start = 0
  let end = s.length
  while (start < end && isGoSpace(s.charCodeAt(start))) start++
  while (end > start && isGoSpace(s.charCodeAt(end - 1))) end--
  return start === 0 && end === s.length ? s : s.slice(start, end)
}

export function fields(s: string): string[] {
  const out: string[] = []
  let start = -1
  for (let i = 0; i < s.length; i++) {
    const space = isGoSpace(s.charCodeAt(i))
    if (space) {
      if (start >= 0) {
        out.push(s.slice(start, i))
        start = -1
      }
    } else if (start < 0) start = i
  }
  if (start >= 0) out.push(s.slice(start))
  return out
}

/** Go strings.ToUpper / ToLower (ASCII fast path, exact per-code-point mapping otherwise). */
export const toUpper = goToUpper
export const toLower = goToLower

function runes(s: string): string[] {
  return Array.from(s)
}

function explode(s: string, n: number): string[] {
  const all = runes(s)
  if (n < 0 || n > all.length) n = all.length
  const out = all.slice(0, n)
  if (n > 0 && n < all.length) out[n - 1] = all.slice(n - 1).join('')
  return out
}

function count(s: string, sep: string): number {
  let c = 0
  let i = s.indexOf(sep)
  while (i >= 0) {
    c++
    i = s.indexOf(sep, i + sep.length)
  }
  return c
}

/** Go strings.genSplit (Split, SplitN, SplitAfter, SplitAfterN). */
export function goSplit(s: string, sep: string, keepSep: boolean, n: number): string[] {
  if (n === 0) return []
  if (sep === '') return explode(s, n)
  if (n < 0) n = count(s, sep) + 1
  const out: string[] = []
  let rest = s
  while (out.length < n - 1) {
    const m = rest.indexOf(sep)
    if (m < 0) break
    out.push(rest.slice(0, m + (keepSep ? sep.length : 0)))
    rest = rest.slice(m + sep.length)
  }
  out.push(rest)
  return out
}

/** Go strings.Replace. */
export function goReplace(s: string, old: string, repl: string, n: number): string {
  if (old === repl || n === 0) return s
  if (old === '') {
    const rs = runes(s)
    const max = n < 0 ? rs.length + 1 : Math.min(n, rs.length + 1)
    let out = ''
    for (let i = 0; i < rs.length; i++) {
      if (i < max) out += repl
      out += rs[i]
    }
    if (rs.length < max) out += repl
    return out
  }
  if (n < 0) return s.split(old).join(repl)
  let out = ''
  let rest = s
  for (let i = 0; i < n; i++) {
    const m = rest.indexOf(old)
    if (m < 0) break
    out += rest.slice(0, m) + repl
    rest = rest.slice(m + old.length)
  }
  return out + rest
}

function cutsetTest(cutset: string): (ch: string) => boolean {
  if (cutset.length === 1) return (ch) => ch === cutset
  const set = new Set(runes(cutset))
  return (ch) => set.has(ch)
}

/** ASCII cutsets as a 128-entry table (cached: cutsets are literals in practice). */
const asciiCutsets = new Map<string, Uint8Array>()

function asciiCutset(cutset: string): Uint8Array | undefined {
  let table = asciiCutsets.get(cutset)
  if (table !== undefined) return table
  if (!isAscii(cutset)) return undefined
  table = new Uint8Array(128)
  for (let i = 0; i < cutset.length; i++) table[cutset.charCodeAt(i)] = 1
  if (asciiCutsets.size >= 256) asciiCutsets.clear()
  asciiCutsets.set(cutset, table)
  return table
}

/** Go strings.TrimLeft / TrimRight with an ASCII cutset: a non-ASCII unit is never in the set. */
function trimAscii(s: string, table: Uint8Array, left: boolean, right: boolean): string {
  let start = 0
  let end = s.length
  if (left) {
    while (start < end) {
      const c = s.charCodeAt(start)
      if (c >= 0x80 || table[c] !== 1) break
      start++
    }
  }
  if (right) {
    while (end > start) {
      const c = s.charCodeAt(end - 1)
      if (c >= 0x80 || table[c] !== 1) break
      end--
    }
  }
  return start === 0 && end === s.length ? s : s.slice(start, end)
}

/** Go strings.Trim. */
export function trimBoth(s: string, cutset: string): string {
  if (s === '' || cutset === '') return s
  const table = asciiCutset(cutset)
  if (table !== undefined) return trimAscii(s, table, true, true)
  return trimRight(trimLeft(s, cutset), cutset)
}

export function trimLeft(s: string, cutset: string): string {
  if (s === '' || cutset === '') return s
  const table = asciiCutset(cutset)
  if (table !== undefined) return trimAscii(s, table, true, false)
  const inSet = cutsetTest(cutset)
  let i = 0
  while (i < s.length) {
    const cp = s.codePointAt(i)!
    const ch = String.fromCodePoint(cp)
    if (!inSet(ch)) break
    i += ch.length
  }
  return s.slice(i)
}

export function trimRight(s: string, cutset: string): string {
  if (s === '' || cutset === '') return s
  const table = asciiCutset(cutset)
  if (table !== undefined) return trimAscii(s, table, false, true)
  const inSet = cutsetTest(cutset)
  let end = s.length
  while (end > 0) {
    let start = end - 1
    const c = s.charCodeAt(start)
    if (c >= 0xdc00 && c <= 0xdfff && start > 0) {
      const h = s.charCodeAt(start - 1)
      if (h >= 0xd800 && h <= 0xdbff) start--
    }
    if (!inSet(s.slice(start, end))) break
    end = start
  }
  return s.slice(0, end)
}

/** Byte offset of sub in s (Go strings.Index), -1 if absent. */
export function byteIndex(s: string, sub: string): number {
  const i = s.indexOf(sub)
  return i < 0 ? -1 : utf8Length(s, i)
}

function indexAny(s: string, chars: string): number {
  if (chars === '') return -1
  const set = new Set(runes(chars))
  let i = 0
  while (i < s.length) {
    const ch = String.fromCodePoint(s.codePointAt(i)!)
    if (set.has(ch)) return utf8Length(s, i)
    i += ch.length
  }
  return -1
}

/**
 * CrowdSec Match: glob over bytes, `*` any run, `?` one byte, other bytes literal, whole
 * string. CrowdSec's recursive definition has one quirk kept here: once the name is used up,
 * the rest of the pattern must be exactly "" or "*" (so Match("**", "") and Match("a**", "a")
 * are false). Evaluated by dynamic programming in O(len(pattern) × len(name)), without the
 * exponential recursion.
 */
export function globMatch(pattern: string, name: string): boolean {
  if (pattern === '') return name === ''
  const p = isAscii(pattern) ? pattern : utf8Bytes(pattern)
  const s = isAscii(name) ? name : utf8Bytes(name)
  const at = (x: string | Uint8Array, i: number): number => (typeof x === 'string' ? x.charCodeAt(i) : x[i]!)
  const m = p.length
  const n = s.length
  // row[pi] = Match(p[pi:], s[si:]) for the current si; star[pi] = OR over k >= si of Match(p[pi+1:], s[k:])
  let next = new Uint8Array(m + 1)
  let cur = new Uint8Array(m + 1)
  next[m] = 1
  if (at(p, m - 1) === 42) next[m - 1] = 1
  const star = new Uint8Array(m)
  for (let pi = 0; pi < m; pi++) star[pi] = next[pi + 1]!
  for (let si = n - 1; si >= 0; si--) {
    cur[m] = 0
    const c = at(s, si)
    for (let pi = m - 1; pi >= 0; pi--) {
      const pc = at(p, pi)
      if (pc === 42) {
        if (cur[pi + 1]) star[pi] = 1
        cur[pi] = star[pi]!
      } else {
        cur[pi] = pc === 63 || pc === c ? next[pi + 1]! : 0
      }
    }
    const t = next
    next = cur
    cur = t
  }
  return next[0] === 1
}

const B64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/

/** Go base64.StdEncoding.DecodeString (newlines ignored); throws Go's error. */
export function b64Decode(s: string): string {
  const clean = s.includes('\n') || s.includes('\r') ? s.replace(/[\r\n]/g, '') : s
  if (!B64.test(clean)) {
    const m = /[^A-Za-z0-9+/=]/.exec(clean)
    const eq = clean.indexOf('=')
    const bad = m !== null ? m.index : eq >= 0 ? eq : clean.length - (clean.length % 4)
    throw new Error(`illegal base64 data at input byte ${bad}`)
  }
  const bin = atob(clean)
  const bytes = new Uint8Array(bin.length)
  for (let i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i)
  return utf8Decode(bytes)
}

function strSlice(v: unknown): string[] {
  if (isStringSlice(v)) return v
  throw conversionError(v, '[]string')
}

export function stringHelpers(ctx: HelperContext): Record<string, Helper> {
  return {
    Upper: (s) => toUpper(str(s)),
    Lower: (s) => toLower(str(s)),
    Split: (s, sep) => stringSlice(goSplit(str(s), str(sep), false, -1)),
    SplitN: (s, sep, n) => stringSlice(goSplit(str(s), str(sep), false, int(n))),
    SplitAfter: (s, sep) => stringSlice(goSplit(str(s), str(sep), true, -1)),
    SplitAfterN: (s, sep, n) => stringSlice(goSplit(str(s), str(sep), true, int(n))),
    Join: (arr, sep) => strSlice(arr).join(str(sep)),
    Fields: (s) => stringSlice(fields(str(s))),
    Index: (s, sub) => byteIndex(str(s), str(sub)),
    IndexAny: (s, chars) => indexAny(str(s), str(chars)),
    Replace: (s, old, repl, n) => goReplace(str(s), str(old), str(repl), int(n)),
    ReplaceAll: (s, old, repl) => goReplace(str(s), str(old), str(repl), -1),
    Trim: (s, cutset) => {
      const c = str(cutset)
      return trimBoth(str(s), c)
    },
    TrimLeft: (s, cutset) => trimLeft(str(s), str(cutset)),
    TrimRight: (s, cutset) => trimRight(str(s), str(cutset)),
    TrimPrefix: (s, p) => {
      const text = str(s)
      const prefix = str(p)
      return text.startsWith(prefix) ? text.slice(prefix.length) : text
    },
    TrimSuffix: (s, p) => {
      const text = str(s)
      const suffix = str(p)
      return suffix !== '' && text.endsWith(suffix) ? text.slice(0, text.length - suffix.length) : text
    },
    TrimSpace: (s) => trimSpace(str(s)),
    Sprintf: (format, ...args) => goSprintf(str(format), args),
    ToString: (v) => (typeof v === 'string' ? v : ''),
    Match: (pattern, name) => globMatch(str(pattern), str(name)),
    B64Decode: (s) => b64Decode(str(s)),
    LogInfo: (format, ...args) => {
      ctx.logger.info(goSprintf(str(format), args))
      return true
    },
    Get: (arr, index) => {
      const a = strSlice(arr)
      const i = int(index)
      if (i < 0) throw new Error(`runtime error: index out of range [${i}]`)
      return i < a.length ? a[i] : ''
    },
  }
}
