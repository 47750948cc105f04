/**
 * IP helpers (expr.md §8.3) on a hand-written parser with Go netip rules: dotted IPv4
 * without leading zeros, IPv6 with `::` and an embedded IPv4 tail, no zone for ParseIP.
 */
import {stringSlice} from '../../model/go-values.js'
import {str} from './args.js'
import type {HelperContext} from './context.js'

type Helper = (...args: unknown[]) => unknown

export interface ParsedAddr {
  /** 16 bytes; IPv4 is stored IPv4-mapped (::ffff:a.b.c.d). */
  bytes: Uint8Array
  /** Written as dotted IPv4 (netip Is4). */
  is4: boolean
  zone: string
}

function parseIPv4Fields(s: string, out: Uint8Array, at: number): boolean {
  let field = 0
  let val = -1
  let digits = 0
  let leadingZero = false
  for (let i = 0; i <= s.length; i++) {
    const c = i < s.length ? s.charCodeAt(i) : 46 // treat end as '.'
    if (c >= 48 && c <= 57) {
      if (digits === 1 && leadingZero) return false
      if (digits === 0) leadingZero = c === 48
      val = (val < 0 ? 0 : val) * 10 + (c - 48)
      digits++
      if (val > 255) return false
    } else if (c === 46) {
      if (val < 0 || field > 3) return false
      if (i === s.length && field !== 3) return false
      out[at + field] = val
      field++
      val = -1
      digits = 0
    } else {
      return false
    }
  }
  return field === 4
}

function hexVal(c: number): number {
  if (c >= 48 && c <= 57) return c - 48
  if (c >= 97 && c <= 102) return c - 87
  if (c >= 65 && c <= 70) return c - 55
  return -1
}

function parseIPv6(text: string): Uint8Array | null {
  const ip = new Uint8Array(16)
  let s = text
  let ellipsis = -1
  if (s.startsWith('::')) {
    ellipsis = 0
    s = s.slice(2)
    if (s === '') return ip
  }
  let i = 0
  while (i < 16) {
    let off = 0
    let acc = 0
    for (; off < s.length; off++) {
      const v = hexVal(s.charCodeAt(off))
      if (v < 0) break
      if (off > 3) return null
      acc = acc * 16 + v
    }
    if (off === 0) return null
    if (off < s.length && s[off] === '.') {
      if (ellipsis < 0 && i !== 12) return null
      if (i + 4 > 16) return null
      if (!parseIPv4Fields(s, ip, i)) return null
      s = ''
      i += 4
      break
    }
    ip[i] = acc >> 8
    ip[i + 1] = acc & 0xff
    i += 2
    s = s.slice(off)
    if (s === '') break
    if (s[0] !== ':' || s.length === 1) return null
    s = s.slice(1)
    if (s[0] === ':') {
      if (ellipsis >= 0) return null
      ellipsis = i
      s = s.slice(1)
      if (s === '') break
    }
  }
  if (s !== '') return null
  if (i < 16) {
    if (ellipsis < 0) return null
    const n = 16 - i
    for (let j = i - 1; j >= ellipsis; j--) ip[j + n] = ip[j]!
    ip.fill(0, ellipsis, ellipsis + n)
  } else if (ellipsis >= 0) {
    return null
  }
  return ip
}

/** Go netip.ParseAddr (zones kept in `zone`). */
export function parseAddr(s: string): ParsedAddr | null {
  for (let i = 0; i < s.length; i++) {
    const c = s[i]
    if (c === '.') {
      const bytes = new Uint8Array(16)
      bytes[10] = 0xff
      bytes[11] = 0xff
      return parseIPv4Fields(s, bytes, 12) ? {bytes, is4: true, zone: ''} : null
    }
    if (c === ':') {
      const pct = s.indexOf('%')
      let zone = ''
      let addr = s
      if (pct >= 0) {
        zone = s.slice(pct + 1)
        addr = s.slice(0, pct)
        if (zone === '') return null
      }
      const bytes = parseIPv6(addr)
      return bytes === null ? null : {bytes, is4: false, zone}
    }
    if (c === '%') return null
  }
  return null
}

/** Go net.ParseIP: 16 bytes, or null (zones rejected). */
export function parseIP(s: string): Uint8Array | null {
  const a = parseAddr(s)
  if (a === null || a.zone !== '') return null
  return a.bytes
}

function isV4Mapped(b: Uint8Array): boolean {
  for (let i = 0; i < 10; i++) if (b[i] !== 0) return false
  return b[10] === 0xff && b[11] === 0xff
}

interface Cidr {
  v4: boolean
  net: Uint8Array // 4 or 16 bytes
  bits: number
}

const CIDR_CACHE = new Map<string, Cidr | null>()

/** Go net.ParseCIDR. */
export function parseCIDR(s: string): Cidr | null {
  const hit = CIDR_CACHE.get(s)
  if (hit !== undefined) return hit
  let result: Cidr | null = null
  const slash = s.indexOf('/')
  if (slash >= 0) {
    const addrText = s.slice(0, slash)
    const bitsText = s.slice(slash + 1)
    const a = parseAddr(addrText)
    if (a !== null && a.zone === '' && /^\d{1,3}$/.test(bitsText) && !(bitsText.length > 1 && bitsText[0] === '0')) {
      const bits = Number(bitsText)
      const v4 = a.is4
      if (bits <= (v4 ? 32 : 128)) {
        const net = v4 ? a.bytes.slice(12) : a.bytes.slice()
        maskBytes(net, bits)
        result = {v4, net, bits}
      }
    }
  }
  if (CIDR_CACHE.size > 10000) CIDR_CACHE.clear()
  CIDR_CACHE.set(s, result)
  return result
}

function maskBytes(b: Uint8Array, bits: number): void {
  for (let i = 0; i < b.length; i++) {
    const keep = Math.max(0, Math.min(8, bits - i * 8))
    b[i]! &= keep === 8 ? 0xff : (0xff << (8 - keep)) & 0xff
  }
}

/** Go IPNet.Contains after net.ParseIP / net.ParseCIDR; false when either is invalid. */
export function ipInRange(ipText: string, cidrText: string): boolean {
  const ip = parseIP(ipText)
  const cidr = parseCIDR(cidrText)
  if (ip === null || cidr === null) return false
  let bytes: Uint8Array
  if (isV4Mapped(ip)) {
    if (!cidr.v4) return false
    bytes = ip.subarray(12)
  } else {
    if (cidr.v4) return false
    bytes = ip
  }
  const full = cidr.bits >> 3
  for (let i = 0; i < full; i++) if (bytes[i] !== cidr.net[i]) return false
  const rest = cidr.bits & 7
  if (rest === 0) return true
  const mask = (0xff << (8 - rest)) & 0xff
  return (bytes[full]! & mask) === cidr.net[full]
}

function formatV4(b: Uint8Array, at: number): string {
  return `${b[at]}.${b[at + 1]}.${b[at + 2]}.${b[at + 3]}`
}

/** netip.Addr.String (RFC 5952 for IPv6, ::ffff:a.b.c.d for mapped addresses). */
export function formatAddr(a: {bytes: Uint8Array; is4: boolean}): string {
  const b = a.bytes
  if (a.is4) return formatV4(b, 12)
  if (isV4Mapped(b)) return '::ffff:' + formatV4(b, 12)
  const groups: number[] = []
  for (let i = 0; i < 16; i += 2) groups.push((b[i]! << 8) | b[i + 1]!)
  let bestStart = -1
  let bestLen = 1
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) {
      i++
      continue
    }
    let j = i
    while (j < 8 && groups[j] === 0) j++
    if (j - i > bestLen) {
      bestStart = i
      bestLen = j - i
    }
    i = j
  }
  let out = ''
  for (let i = 0; i < 8; i++) {
    if (i === bestStart) {
      out += '::'
      i += bestLen - 1
      continue
    }
    if (out !== '' && !out.endsWith(':')) out += ':'
    out += groups[i]!.toString(16)
  }
  return out
}

/** IpToRange(ip, "/24"): the masked prefix in canonical form, or "" (logged). */
export function ipToRange(ipText: string, maskText: string): string | undefined {
  const m = maskText.startsWith('/') ? maskText.slice(1) : maskText
  if (!/^[+-]?\d+$/.test(m)) return undefined
  const bits = Number(m)
  const a = parseAddr(ipText)
  if (a === null) return undefined
  const max = a.is4 ? 32 : 128
  if (bits < 0 || bits > max) return undefined
  const bytes = a.bytes.slice()
  if (a.is4) {
    const v4 = bytes.subarray(12)
    maskBytes(v4, bits)
  } else {
    maskBytes(bytes, bits)
  }
  return `${formatAddr({bytes, is4: a.is4})}/${bits}`
}

export function ipHelpers(ctx: HelperContext): Record<string, Helper> {
  return {
    IsIP(ip) {
      return parseIP(str(ip)) !== null
    },
    IsIPV4(ip) {
      const b = parseIP(str(ip))
      return b !== null && isV4Mapped(b)
    },
    IsIPV6(ip) {
      const b = parseIP(str(ip))
      return b !== null && !isV4Mapped(b)
    },
    IpInRange(ip, cidr) {
      const ipText = str(ip)
      const cidrText = str(cidr)
      return ipInRange(ipText, cidrText)
    },
    IpToRange(ip, mask) {
      const ipText = str(ip)
      const maskText = str(mask)
      const r = ipToRange(ipText, maskText)
      if (r === undefined) {
        ctx.logger.debug(`IpToRange: can't convert ${JSON.stringify(ipText)} with mask ${JSON.stringify(maskText)}`)
        return ''
      }
      return r
    },
    LookupHost(name) {
      const host = str(name)
      const addrs = ctx.dns?.lookupHost(host)
      return stringSlice(addrs === undefined ? [] : [...addrs])
    },
    GeoIPEnrich(ip) {
      const text = str(ip)
      return ctx.geoip?.city(text) ?? null
    },
    GeoIPASNEnrich(ip) {
      const text = str(ip)
      return ctx.geoip?.asn(text) ?? null
    },
    GeoIPRangeEnrich(ip) {
      const text = str(ip)
      return ctx.geoip?.range(text) ?? null
    },
    IPToCountry(ip) {
      const text = str(ip)
      try {
        return ctx.geoip?.country?.(text) ?? ''
      } catch {
        return ''
      }
    },
  }
}
