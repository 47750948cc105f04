/**
 * JSON, key=value and XML helpers (expr.md §8.4). JsonExtract* use a lenient scanner that
 * returns raw JSON text (first duplicate key wins); UnmarshalJSON / JsonExtractSlice decode
 * with Go's rules (numbers are floats, objects are null-prototype maps, last duplicate wins).
 */
import {expressionWrites} from '../../model/event.js'
import {encodeGoJSON} from '../../model/go-format.js'
import {goFloat, isStringMap, newStringMap, type StringMap} from '../../model/go-values.js'
import {map, str} from './args.js'
import {trimSpace} from './strings.js'
import type {HelperContext} from './context.js'
import {compileXmlPath, elementText, findElement, parseXml, selectAttr, type XmlElement} from './xml.js'

type Helper = (...args: unknown[]) => unknown

// --- Go JSON decoding -------------------------------------------------------------------

export class GoJsonSyntaxError extends Error {}

function reviver(this: unknown, _key: string, value: unknown): unknown {
  if (typeof value === 'number') return goFloat(value)
  if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
    const m = Object.create(null) as Record<string, unknown>
    for (const k of Object.keys(value)) m[k] = (value as Record<string, unknown>)[k]
    return m
  }
  return value
}

/** Go json.Unmarshal into `any`: floats, null-prototype maps, arrays; Go-like error messages. */
export function decodeGoJSON(text: string): unknown {
  try {
    return JSON.parse(text, reviver)
  } catch (e) {
    const trimmed = text.trim()
    if (trimmed === '') throw new GoJsonSyntaxError('unexpected end of JSON input')
    const m = /position (\d+)/.exec((e as Error).message)
    if (m !== null) {
      const pos = Number(m[1])
      const ch = text[pos]
      if (ch === undefined) throw new GoJsonSyntaxError('unexpected end of JSON input')
      throw new GoJsonSyntaxError(`invalid character '${ch}' looking for beginning of value`)
    }
    if (/end of (JSON )?input|Unterminated/i.test((e as Error).message)) throw new GoJsonSyntaxError('unexpected end of JSON input')
    throw new GoJsonSyntaxError(`invalid character in JSON input: ${(e as Error).message}`)
  }
}

// --- lenient scanner (JsonExtract) --------------------------------------------------------

function skipWs(s: string, i: number): number {
  while (i < s.length) {
    const c = s.charCodeAt(i)
    if (c !== 0x20 && c !== 0x0a && c !== 0x0d && c !== 0x09) break
    i++
  }
  return i
}

/** Index just past the closing quote of the string starting at s[i] === '"', or -1. */
function skipString(s: string, i: number): number {
  for (let j = i + 1; j < s.length; j++) {
    const c = s.charCodeAt(j)
    if (c === 0x5c) j++
    else if (c === 0x22) return j + 1
  }
  return -1
}

/** Index just past the value starting at s[i], or -1 when it is broken. */
function skipValue(s: string, i: number): number {
  const c = s[i]
  if (c === '"') return skipString(s, i)
  if (c === '{' || c === '[') {
    let depth = 0
    for (let j = i; j < s.length; j++) {
      const d = s[j]
      if (d === '"') {
        const e = skipString(s, j)
        if (e < 0) return -1
        j = e - 1
      } else if (d === '{' || d === '[') depth++
      else if (d === '}' || d === ']') {
        depth--
        if (depth === 0) return j + 1
      }
    }
    return -1
  }
  let j = i
  while (j < s.length) {
    const d = s[j]!
    if (d === ',' || d === '}' || d === ']' || d === ' ' || d === '\n' || d === '\r' || d === '\t') break
    j++
  }
  return j > i ? j : -1
}

/** Unescapes the content of a JSON string (without quotes); undefined if invalid. */
export function unescapeJsonString(raw: string): string | undefined {
  if (!raw.includes('\\')) return raw
  let out = ''
  for (let i = 0; i < raw.length; i++) {
    const c = raw[i]
    if (c !== '\\') {
      out += c
      continue
    }
    const e = raw[++i]
    switch (e) {
      case '"': out += '"'; break
      case '\\': out += '\\'; break
      case '/': out += '/'; break
      case 'b': out += '\b'; break
      case 'f': out += '\f'; break
      case 'n': out += '\n'; break
      case 'r': out += '\r'; break
      case 't': out += '\t'; break
      case 'u': {
        const hex = raw.slice(i + 1, i + 5)
        if (!/^[0-9a-fA-F]{4}$/.test(hex)) return undefined
        out += String.fromCharCode(parseInt(hex, 16))
        i += 4
        break
      }
      default:
        return undefined
    }
  }
  return out
}

interface Found {
  start: number
  end: number
}

/** Locates the value at `keys` (object keys or `[N]` indexes), first duplicate wins. */
export function jsonLocate(s: string, keys: readonly string[]): Found | undefined {
  let i = skipWs(s, 0)
  for (const key of keys) {
    if (i >= s.length) return undefined
    const arrayIndex = /^\[(\d+)\]$/.exec(key)
    if (arrayIndex !== null && s[i] === '[') {
      let want = Number(arrayIndex[1])
      i = skipWs(s, i + 1)
      if (s[i] === ']') return undefined
      for (;;) {
        if (want === 0) break
        const e = skipValue(s, i)
        if (e < 0) return undefined
        i = skipWs(s, e)
        if (s[i] !== ',') return undefined
        i = skipWs(s, i + 1)
        want--
      }
      continue
    }
    if (s[i] !== '{') return undefined
    i = skipWs(s, i + 1)
    let found = false
    while (i < s.length && s[i] !== '}') {
      if (s[i] !== '"') return undefined
      const kEnd = skipString(s, i)
      if (kEnd < 0) return undefined
      const rawKey = s.slice(i + 1, kEnd - 1)
      const name = rawKey.includes('\\') ? unescapeJsonString(rawKey) : rawKey
      i = skipWs(s, kEnd)
      if (s[i] !== ':') return undefined
      i = skipWs(s, i + 1)
      if (name === key) {
        found = true
        break
      }
      const vEnd = skipValue(s, i)
      if (vEnd < 0) return undefined
      i = skipWs(s, vEnd)
      if (s[i] === ',') i = skipWs(s, i + 1)
    }
    if (!found) return undefined
  }
  const end = skipValue(s, i)
  if (end < 0) return undefined
  return {start: i, end}
}

/** CrowdSec JsonExtract: the raw text at `path`, strings without their quotes; "" if absent. */
export function jsonExtract(blob: string, path: string): string | undefined {
  const target = path.startsWith('[') ? path : path.replaceAll('[', '.[')
  const keys = target.split('.')
  const found = jsonLocate(blob, keys)
  if (found === undefined) return undefined
  const raw = blob.slice(found.start, found.end)
  return raw[0] === '"' ? raw.slice(1, -1) : raw
}

function extractPath(path: string): string[] {
  const target = path.startsWith('[') ? path : path.replaceAll('[', '.[')
  return target.split('.')
}

// --- key=value ----------------------------------------------------------------------------

function isKvSpace(c: string): boolean {
  return c === ' ' || c === '\t' || c === '\n' || c === '\f' || c === '\r'
}

/**
 * All matches of `(?P<key>[^=\s]+)=(?:"(?P<quoted_value>[^"\\]*(?:\\.[^"\\]*)*)"|(?P<value>[^=\s]+)|\s*)`,
 * by a linear scan with the same leftmost-first result.
 */
export function parseKVPairs(s: string): [string, string][] {
  const out: [string, string][] = []
  let i = 0
  const n = s.length
  while (i < n) {
    // leftmost start: a run of [^=\s] followed by '='
    let a = i
    while (a < n && (s[a] === '=' || isKvSpace(s[a]!))) a++
    if (a >= n) break
    let b = a
    while (b < n && s[b] !== '=' && !isKvSpace(s[b]!)) b++
    if (s[b] !== '=') {
      i = b
      continue
    }
    const key = s.slice(a, b)
    let j = b + 1
    let value = ''
    let done = false
    if (s[j] === '"') {
      let k = j + 1
      for (;;) {
        if (k >= n) break
        const c = s[k]
        if (c === '"') {
          value = s.slice(j + 1, k)
          j = k + 1
          done = true
          break
        }
        if (c === '\\') {
          if (k + 1 >= n || s[k + 1] === '\n') break
          k += 2
          continue
        }
        k++
      }
    }
    if (!done) {
      let k = j
      while (k < n && s[k] !== '=' && !isKvSpace(s[k]!)) k++
      if (k > j) {
        value = s.slice(j, k)
        j = k
      } else {
        while (j < n && isKvSpace(s[j]!)) j++
        value = ''
      }
    }
    out.push([key, value])
    i = j
  }
  return out
}

function isLaxKeyStart(c: number): boolean {
  return (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || c === 95
}

function isLaxKeyChar(c: number): boolean {
  return isLaxKeyStart(c) || (c >= 48 && c <= 57) || c === 46 || c === 45
}

/** ParseKVLax: `key=` starts outside double quotes; values run to the next key, trimmed. */
export function parseKVLaxPairs(s: string): [string, string][] {
  const starts: {at: number; key: string; valueAt: number}[] = []
  let inQuote = false
  let backslashes = 0
  for (let i = 0; i < s.length; i++) {
    const c = s[i]
    if (c === '\\') {
      backslashes++
      continue
    }
    if (c === '"' && backslashes % 2 === 0) inQuote = !inQuote
    backslashes = 0
    if (inQuote || c === '"') continue
    if (isLaxKeyStart(s.charCodeAt(i))) {
      let j = i + 1
      while (j < s.length && isLaxKeyChar(s.charCodeAt(j))) j++
      if (s[j] === '=') starts.push({at: i, key: s.slice(i, j), valueAt: j + 1})
      i = j
      if (s[j] !== '=') i--
    }
  }
  const out: [string, string][] = []
  for (let k = 0; k < starts.length; k++) {
    const st = starts[k]!
    const end = k + 1 < starts.length ? starts[k + 1]!.at : s.length
    let value = trimSpace(s.slice(st.valueAt, end))
    if (value.length >= 2 && value.startsWith('"') && value.endsWith('"')) {
      // two passes, as CrowdSec does: \\ -> \ first, then \" -> "
      value = value.slice(1, -1).replaceAll('\\\\', '\\').replaceAll('\\"', '"')
    } else if (value.startsWith('"')) {
      value = value.slice(1)
    }
    out.push([st.key, value])
  }
  return out
}

/** target[prefix] as a string map, created when absent; another value there is an error. */
function kvTarget(target: Record<string, unknown>, prefix: string): StringMap {
  if (!Object.hasOwn(target, prefix)) {
    const m = newStringMap()
    target[prefix] = m
    return m
  }
  const existing = target[prefix]
  if (!isStringMap(existing)) throw new Error('target is not a map[string]string')
  return existing
}

// --- XML ------------------------------------------------------------------------------------

const XML_DOCS = new Map<string, XmlElement | null>()

function xmlDocument(text: string): XmlElement | null {
  const hit = XML_DOCS.get(text)
  if (hit !== undefined) return hit
  let doc: XmlElement | null
  try {
    doc = parseXml(text)
  } catch {
    doc = null
  }
  if (XML_DOCS.size >= 32) XML_DOCS.delete(XML_DOCS.keys().next().value as string)
  XML_DOCS.set(text, doc)
  return doc
}

function xmlFind(ctx: HelperContext, helper: string, xml: string, path: string): XmlElement | undefined {
  const doc = xmlDocument(xml)
  if (doc === null) {
    ctx.logger.debug(`${helper}: could not parse XML`)
    return undefined
  }
  let compiled
  try {
    compiled = compileXmlPath(path)
  } catch (e) {
    ctx.logger.debug(`${helper}: invalid path ${JSON.stringify(path)}: ${(e as Error).message}`)
    return undefined
  }
  return findElement(doc, compiled)
}

export function jsonKvXmlHelpers(ctx: HelperContext): Record<string, Helper> {
  return {
    JsonExtract(blob, path) {
      const s = str(blob)
      const p = str(path)
      const v = jsonExtract(s, p)
      if (v === undefined) ctx.logger.debug(`JsonExtract: ${JSON.stringify(p)} not found`)
      return v ?? ''
    },
    JsonExtractUnescape(blob, ...keys) {
      const s = str(blob)
      const key = keys.length > 0 ? str(keys[0]) : ''
      const found = jsonLocate(s, [key])
      if (found === undefined || s[found.start] !== '"') return ''
      return unescapeJsonString(s.slice(found.start + 1, found.end - 1)) ?? ''
    },
    JsonExtractLib(blob, ...keys) {
      str(blob)
      throw new Error(`interface conversion: interface {} is ${keys.length > 0 && typeof keys[0] === 'string' ? 'string' : 'nil'}, not []string`)
    },
    JsonExtractSlice(blob, path) {
      const s = str(blob)
      const found = jsonLocate(s, extractPath(str(path)))
      if (found === undefined || s[found.start] !== '[') {
        ctx.logger.debug('JsonExtractSlice: value is not an array')
        return null
      }
      try {
        return decodeGoJSON(s.slice(found.start, found.end))
      } catch {
        return null
      }
    },
    JsonExtractObject(blob, path) {
      const s = str(blob)
      const found = jsonLocate(s, extractPath(str(path)))
      if (found === undefined || s[found.start] !== '{') {
        ctx.logger.debug('JsonExtractObject: value is not an object')
        return null
      }
      try {
        return decodeGoJSON(s.slice(found.start, found.end))
      } catch {
        return null
      }
    },
    ToJsonString(v) {
      try {
        return encodeGoJSON(v)
      } catch (e) {
        ctx.logger.debug(`ToJsonString: ${(e as Error).message}`)
        return ''
      }
    },
    UnmarshalJSON(blob, target, key) {
      const s = str(blob)
      const t = map(target)
      const k = str(key)
      expressionWrites.count++
      t[k] = decodeGoJSON(s)
      return null
    },
    ParseKV(blob, target, prefix) {
      const s = str(blob)
      const t = map(target)
      const p = str(prefix)
      const pairs = parseKVPairs(s)
      if (pairs.length === 0) throw new Error('invalid input format')
      expressionWrites.count++
      const m = kvTarget(t, p)
      for (const [k, v] of pairs) m[k] = v
      return null
    },
    ParseKVLax(blob, target, prefix) {
      const s = str(blob)
      const t = map(target)
      const p = str(prefix)
      // the lax variant creates/checks the target before looking for pairs
      expressionWrites.count++
      const m = kvTarget(t, p)
      const pairs = parseKVLaxPairs(s)
      if (pairs.length === 0) throw new Error('invalid input format')
      for (const [k, v] of pairs) m[k] = v
      return null
    },
    XMLGetNodeValue(xml, path) {
      const e = xmlFind(ctx, 'XMLGetNodeValue', str(xml), str(path))
      return e === undefined ? '' : elementText(e)
    },
    XMLGetAttributeValue(xml, path, attr) {
      const x = str(xml)
      const p = str(path)
      const a = str(attr)
      const e = xmlFind(ctx, 'XMLGetAttributeValue', x, p)
      if (e === undefined) return ''
      return selectAttr(e, a)?.value ?? ''
    },
    KeyExists(key, m) {
      const k = str(key)
      const target = map(m)
      return Object.hasOwn(target, k)
    },
  }
}
