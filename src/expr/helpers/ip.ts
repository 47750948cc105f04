/**
 * IP helpers (expr.md §8.3) over src/model/ip.ts (Go netip parsing rules). The same
 * source_ip is asked about several times per event (geoip-enrich: IsIPV6 and four
 * IpInRange), so the last parsed address is cached and constant CIDRs are parsed once.
 */
import {stringSlice} from '../../model/go-values.js'
import {addrPrefix, formatPrefix, ipNetContains, isV4Like, parseAddr, parseCIDR as parseNetCIDR, parseIPCached, type Prefix} from '../../model/ip.js'
import {str} from './args.js'
import type {HelperContext} from './context.js'

type Helper = (...args: unknown[]) => unknown

export {parseIP} from '../../model/ip.js'

const CIDR_CACHE = new Map<string, Prefix | null>()

/** Go net.ParseCIDR, cached by text (CIDRs in expressions are nearly always constants). */
export function parseCIDR(text: string): Prefix | null {
  const hit = CIDR_CACHE.get(text)
  if (hit !== undefined) return hit
  const p = parseNetCIDR(text)
  if (CIDR_CACHE.size > 10000) CIDR_CACHE.clear()
  CIDR_CACHE.set(text, p)
  return p
}

/** Go IPNet.Contains after net.ParseIP / net.ParseCIDR; false when either is invalid. */
export function ipInRange(ipText: string, cidrText: string): boolean {
  const cidr = parseCIDR(cidrText)
  if (cidr === null) return false
  const ip = parseIPCached(ipText)
  return ip !== null && ipNetContains(cidr, ip)
}

/** IpToRange(ip, "/24"): netip ParseAddr + Addr.Prefix, canonical text; undefined when invalid. */
export function ipToRange(ipText: string, maskText: string): string | undefined {
  const m = maskText.startsWith('/') ? maskText.slice(1) : maskText
  if (!isAtoi(m)) return undefined
  const a = parseAddr(ipText)
  if (a === null) return undefined
  const p = addrPrefix(a, Number(m))
  return p === null ? undefined : formatPrefix(p)
}

/** strconv.Atoi's accepted shape: optional sign, decimal digits. */
function isAtoi(text: string): boolean {
  let i = text.length > 0 && (text[0] === '+' || text[0] === '-') ? 1 : 0
  if (i === text.length) return false
  for (; i < text.length; i++) {
    const c = text.charCodeAt(i)
    if (c < 48 || c > 57) return false
  }
  return true
}

export function ipHelpers(ctx: HelperContext): Record<string, Helper> {
  return {
    IsIP(ip) {
      return parseIPCached(str(ip)) !== null
    },
    IsIPV4(ip) {
      const a = parseIPCached(str(ip))
      return a !== null && isV4Like(a)
    },
    IsIPV6(ip) {
      const a = parseIPCached(str(ip))
      return a !== null && !isV4Like(a)
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
