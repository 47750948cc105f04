/**
 * URL helpers (expr.md §8.5): Go net/url escaping and unescaping, ParseUri (strict Go
 * url.ParseQuery), CrowdSec's lenient ParseQuery and ExtractQueryParam. Percent-decoded
 * bytes are read as UTF-8 with replacement characters.
 */
import {stringSlice} from '../../model/go-values.js'
import {str, utf8Bytes, utf8Decode} from './args.js'
import type {HelperContext} from './context.js'

type Helper = (...args: unknown[]) => unknown

function hexVal(c: number): number {
  if (c >= 48 && c <= 57) return c - 48
  if (c >= 97 && c <= 102) return c - 87
  if (c >= 65 && c <= 70) return c - 55
  return -1
}

/** Go url.unescape; undefined on a malformed escape. `plus`: `+` means space (query mode). */
export function urlUnescape(s: string, plus: boolean): string | undefined {
  if (!s.includes('%') && !(plus && s.includes('+'))) return s
  const bytes: number[] = []
  const src = utf8Bytes(s)
  for (let i = 0; i < src.length; i++) {
    const c = src[i]!
    if (c === 0x25) {
      if (i + 2 >= src.length) return undefined
      const h = hexVal(src[i + 1]!)
      const l = hexVal(src[i + 2]!)
      if (h < 0 || l < 0) return undefined
      bytes.push(h * 16 + l)
      i += 2
    } else if (c === 0x2b && plus) bytes.push(0x20)
    else bytes.push(c)
  }
  return utf8Decode(Uint8Array.from(bytes))
}

/** Lenient unescape: a malformed `%` is kept literally. */
function lenientUnescape(s: string): string {
  if (!s.includes('%') && !s.includes('+')) return s
  const bytes: number[] = []
  const src = utf8Bytes(s)
  for (let i = 0; i < src.length; i++) {
    const c = src[i]!
    if (c === 0x25 && i + 2 < src.length) {
      const h = hexVal(src[i + 1]!)
      const l = hexVal(src[i + 2]!)
      if (h >= 0 && l >= 0) {
        bytes.push(h * 16 + l)
        i += 2
        continue
      }
    }
    bytes.push(c === 0x2b ? 0x20 : c)
  }
  return utf8Decode(Uint8Array.from(bytes))
}

const UPPER_HEX = '0123456789ABCDEF'

function escape(s: string, keep: (c: number) => boolean, spacePlus: boolean): string {
  let out = ''
  for (const b of utf8Bytes(s)) {
    if (keep(b)) out += String.fromCharCode(b)
    else if (b === 0x20 && spacePlus) out += '+'
    else out += '%' + UPPER_HEX[b >> 4] + UPPER_HEX[b & 15]
  }
  return out
}

function unreserved(c: number): boolean {
  return (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || (c >= 48 && c <= 57) || c === 45 || c === 95 || c === 46 || c === 126
}

export function pathEscape(s: string): string {
  // $ & + : = @ stay; / ; , ? and everything else are escaped
  return escape(s, (c) => unreserved(c) || c === 36 || c === 38 || c === 43 || c === 58 || c === 61 || c === 64, false)
}

export function queryEscape(s: string): string {
  return escape(s, unreserved, true)
}

type Values = Record<string, string[]>

function newValues(): Values {
  return Object.create(null) as Values
}

function add(values: Values, k: string, v: string): void {
  if (Object.hasOwn(values, k)) values[k]!.push(v)
  else values[k] = stringSlice([v])
}

/** CrowdSec's lenient query parser. */
export function parseQueryLenient(q: string): Values {
  const values = newValues()
  for (const part of q.split('&')) {
    if (part === '') continue
    const eq = part.indexOf('=')
    const k = eq < 0 ? part : part.slice(0, eq)
    const v = eq < 0 ? '' : part.slice(eq + 1)
    add(values, lenientUnescape(k), lenientUnescape(v))
  }
  return values
}

/** Go url.ParseQuery: undefined on the first error (`;`, malformed escape). */
export function parseQueryStrict(q: string): Values | undefined {
  const values = newValues()
  let failed = false
  for (const part of q.split('&')) {
    if (part === '') continue
    if (part.includes(';')) {
      failed = true
      continue
    }
    const eq = part.indexOf('=')
    const k = urlUnescape(eq < 0 ? part : part.slice(0, eq), true)
    const v = urlUnescape(eq < 0 ? '' : part.slice(eq + 1), true)
    if (k === undefined || v === undefined) {
      failed = true
      continue
    }
    add(values, k, v)
  }
  return failed ? undefined : values
}

/** The raw query of a URL as Go url.Parse sees it; undefined when url.Parse fails. */
export function rawQuery(uri: string): string | undefined {
  if (/[\x00-\x1f\x7f]/.test(uri)) return undefined
  const hash = uri.indexOf('#')
  const rest = hash < 0 ? uri : uri.slice(0, hash)
  const q = rest.indexOf('?')
  const before = q < 0 ? rest : rest.slice(0, q)
  // "first path segment in URL cannot contain colon" (no scheme, colon before any slash)
  const schemeMatch = /^([A-Za-z][A-Za-z0-9+.-]*):/.exec(before)
  if (schemeMatch === null) {
    const colon = before.indexOf(':')
    const slash = before.indexOf('/')
    if (colon >= 0 && (slash < 0 || colon < slash)) return undefined
  }
  if (q < 0) return ''
  return rest.slice(q + 1)
}

export function urlHttpHelpers(ctx: HelperContext): Record<string, Helper> {
  const noHttp = (name: string): never => {
    throw new Error(`${name}: HTTP requests from expressions are disabled`)
  }
  return {
    PathUnescape(s) {
      const text = str(s)
      return urlUnescape(text, false) ?? text
    },
    QueryUnescape(s) {
      const text = str(s)
      return urlUnescape(text, true) ?? text
    },
    PathEscape: (s) => pathEscape(str(s)),
    QueryEscape: (s) => queryEscape(str(s)),
    ParseUri(uri) {
      const text = str(uri)
      const raw = rawQuery(text)
      if (raw === undefined) {
        ctx.logger.debug(`ParseUri: could not parse ${JSON.stringify(text)}`)
        return newValues()
      }
      const values = parseQueryStrict(raw)
      if (values === undefined) {
        ctx.logger.error(`ParseUri: could not parse query of ${JSON.stringify(text)}`)
        return newValues()
      }
      return values
    },
    ParseQuery: (q) => parseQueryLenient(str(q)),
    ExtractQueryParam(uri, name) {
      const text = str(uri)
      const key = str(name)
      const q = text.indexOf('?')
      if (q < 0) return stringSlice([])
      const values = parseQueryLenient(text.slice(q + 1))
      return Object.hasOwn(values, key) ? values[key] : stringSlice([])
    },
    JA4H() {
      throw new Error('JA4H: only available to WAF (appsec) rules')
    },
    HTTPGet(url) {
      const u = str(url)
      return ctx.http ? ctx.http.request('GET', u, {}, '') : noHttp('HTTPGet')
    },
    HTTPHead(url) {
      const u = str(url)
      return ctx.http ? ctx.http.request('HEAD', u, {}, '') : noHttp('HTTPHead')
    },
    HTTPPost(url, contentType, body) {
      const u = str(url)
      const headers = {'Content-Type': str(contentType)}
      const b = str(body)
      return ctx.http ? ctx.http.request('POST', u, headers, b) : noHttp('HTTPPost')
    },
    HTTPRequest(method, url, headers, body) {
      const m = str(method)
      const u = str(url)
      const h: Record<string, string> = {}
      if (headers !== null && typeof headers === 'object') {
        for (const [k, v] of Object.entries(headers)) h[k] = String(v)
      }
      const b = body === null || body === undefined ? '' : str(body)
      return ctx.http ? ctx.http.request(m, u, h, b) : noHttp('HTTPRequest')
    },
  }
}
