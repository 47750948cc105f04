/**
 * Ip and Range decisions as intervals over their family's address space (lapi.md §3.4, §6):
 * a value is a CIDR when it has a `/` (network address to last address), else one address.
 * IPv4-mapped IPv6 counts as IPv4 (Go net.ParseIP/ParseCIDR keep 16 bytes and To4() maps them).
 *
 * Bounds are fixed-width lowercase hex (8 digits for IPv4, 32 for IPv6), so that text order is
 * numeric order in SQLite and in PostgreSQL (columns are `COLLATE "C"` there) and one index
 * serves both families. `ipSize` is 4, 16, or 0 for scopes that are not addresses.
 */
import {isV4Like, parseCIDR, parseIP, type Addr} from '../model/ip.js'

export interface IpInterval {
  ipSize: 4 | 16
  start: string
  end: string
}

const hex8 = (n: number): string => (n >>> 0).toString(16).padStart(8, '0')

function bounds(a: Addr, maskWords: readonly number[] | null): IpInterval {
  if (isV4Like(a)) {
    const m = maskWords === null ? -1 : maskWords[3]!
    return {ipSize: 4, start: hex8(a.w3 & m), end: hex8(a.w3 | ~m)}
  }
  const w = [a.w0, a.w1, a.w2, a.w3]
  const m = maskWords ?? [-1, -1, -1, -1]
  return {
    ipSize: 16,
    start: w.map((x, i) => hex8(x & m[i]!)).join(''),
    end: w.map((x, i) => hex8(x | ~m[i]!)).join(''),
  }
}

/** The interval of an IP or CIDR text (Go net rules), or null when it is neither. */
export function parseIpInterval(text: string): IpInterval | null {
  if (text.includes('/')) {
    const p = parseCIDR(text)
    if (p === null) return null
    return bounds(p.addr, [p.m0, p.m1, p.m2, p.m3])
  }
  const a = parseIP(text)
  return a === null ? null : bounds(a, null)
}

/** True for the scopes whose values are addresses (compared case-insensitively, as CrowdSec does). */
export function isAddressScope(scope: string): boolean {
  const s = scope.toLowerCase()
  return s === 'ip' || s === 'range'
}

/** `ip`, `range`, `as`, `country` in any case become CrowdSec's spelling; other scopes are kept. */
export function normalizeScope(scope: string): string {
  switch (scope.toLowerCase()) {
    case 'ip':
      return 'Ip'
    case 'range':
      return 'Range'
    case 'as':
      return 'AS'
    case 'country':
      return 'Country'
    default:
      return scope
  }
}

/** Whether `outer` contains `inner` (same family). */
export function intervalContains(outer: IpInterval, inner: IpInterval): boolean {
  return outer.ipSize === inner.ipSize && outer.start <= inner.start && outer.end >= inner.end
}
