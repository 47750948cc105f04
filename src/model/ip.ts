/**
 * IP addresses and prefixes with Go's rules, in one place (expr.md §8.3, parsers.md §10,
 * scenarios.md §13.1). Parsing follows Go net/netip.ParseAddr exactly: dotted IPv4 with
 * four decimal fields and no leading zeros; IPv6 with at most one `::`, hex groups of 1-4
 * digits and an optional dotted IPv4 tail in the last two groups; a `%zone` only on IPv6.
 * Hand-written scanners over char codes: no regex on attacker text, no BigInt.
 *
 * An address is its 128-bit Go `As16` form in four unsigned 32-bit words (IPv4 a.b.c.d is
 * ::ffff:a.b.c.d, so `w3` is the IPv4 value) plus `is4` (written as dotted IPv4: netip Is4)
 * and the zone. IPv4 hot paths use `parseIPv4`, which returns one uint32 and allocates nothing.
 *
 * Two containment rules exist in Go and both are needed:
 * - netip (`prefixContains`, parser whitelists): IPv4 and IPv4-mapped IPv6 are different
 *   families; an address with a zone is in no prefix.
 * - net (`ipNetContains`, expression helper IpInRange): net.ParseIP keeps 16 bytes, so an
 *   IPv4-mapped address matches an IPv4 CIDR.
 */

/** An address (netip.Addr). Immutable; may be shared (see parseIPCached). */
export class Addr {
  /** Written as dotted IPv4 (netip Is4). */
  readonly is4: boolean
  /** As16 words, most significant first, each an unsigned 32-bit number. */
  readonly w0: number
  readonly w1: number
  readonly w2: number
  readonly w3: number
  /** IPv6 zone ('' when none; always '' for IPv4). */
  readonly zone: string

  constructor(is4: boolean, w0: number, w1: number, w2: number, w3: number, zone: string) {
    this.is4 = is4
    this.w0 = w0
    this.w1 = w1
    this.w2 = w2
    this.w3 = w3
    this.zone = zone
  }
}

/** A prefix (netip.Prefix / net.IPNet): the masked network address and the prefix length. */
export class Prefix {
  /** The network as an address (masked, never zoned). */
  readonly addr: Addr
  /** Prefix length: 0..32 for IPv4, 0..128 for IPv6. */
  readonly bits: number
  /** Per-word masks of the As16 form, as int32 (compare with `(x ^ w) & m`). */
  readonly m0: number
  readonly m1: number
  readonly m2: number
  readonly m3: number

  constructor(addr: Addr, bits: number) {
    const b = addr.is4 ? bits + 96 : bits
    this.m0 = wordMask(b)
    this.m1 = wordMask(b - 32)
    this.m2 = wordMask(b - 64)
    this.m3 = wordMask(b - 96)
    this.addr = new Addr(addr.is4, (addr.w0 & this.m0) >>> 0, (addr.w1 & this.m1) >>> 0, (addr.w2 & this.m2) >>> 0, (addr.w3 & this.m3) >>> 0, '')
    this.bits = bits
  }
}

/** The int32 mask of one 32-bit word keeping its `keep` leading bits (clamped to 0..32). */
function wordMask(keep: number): number {
  if (keep <= 0) return 0
  if (keep >= 32) return -1
  return -1 << (32 - keep)
}

/** The netmask of an IPv4 prefix length as int32 (0 for /0, -1 for /32). */
export function ipv4Mask(bits: number): number {
  return wordMask(bits)
}

/**
 * Dotted IPv4 in text[start, end) with Go's rules (parseIPv4Fields): exactly four decimal
 * fields 0..255, no leading zeros, nothing else. Returns the address as a uint32, or -1.
 */
export function parseIPv4(text: string, start = 0, end = text.length): number {
  let value = 0
  let field = 0
  let digits = 0
  let fields = 0
  for (let i = start; i < end; i++) {
    const c = text.charCodeAt(i)
    if (c >= 48 && c <= 57) {
      if (digits === 1 && field === 0) return -1 // leading zero
      field = field * 10 + (c - 48)
      if (field > 255) return -1
      digits++
    } else if (c === 46) {
      if (digits === 0 || fields === 3) return -1
      value = value * 256 + field
      fields++
      field = 0
      digits = 0
    } else {
      return -1
    }
  }
  if (digits === 0 || fields !== 3) return -1
  return value * 256 + field
}

function hexDigit(c: number): number {
  if (c >= 48 && c <= 57) return c - 48
  if (c >= 97 && c <= 102) return c - 87
  if (c >= 65 && c <= 70) return c - 55
  return -1
}

/** Scratch for the eight 16-bit groups of an IPv6 parse (not re-entrant; nothing calls out). */
const GROUPS = new Uint16Array(8)

/** Go netip parseIPv6 on text[0, end) (the zone already cut off); false when invalid. Fills GROUPS. */
function parseIPv6Groups(text: string, end: number): boolean {
  const g = GROUPS
  let s = 0 // read position
  let ellipsis = -1 // group index of the `::`
  let i = 0 // groups written
  if (end - s >= 2 && text.charCodeAt(0) === 58 && text.charCodeAt(1) === 58) {
    ellipsis = 0
    s = 2
    if (s === end) {
      g.fill(0)
      return true
    }
  }
  while (i < 8) {
    let off = s
    let acc = 0
    for (; off < end; off++) {
      const v = hexDigit(text.charCodeAt(off))
      if (v < 0) break
      if (off - s > 3) return false // more than 4 digits
      acc = acc * 16 + v
    }
    if (off === s) return false // no digits
    if (off < end && text.charCodeAt(off) === 46) {
      // an embedded IPv4 replaces the last two groups
      if (ellipsis < 0 && i !== 6) return false
      if (i + 2 > 8) return false
      const v4 = parseIPv4(text, s, end)
      if (v4 < 0) return false
      g[i] = v4 >>> 16
      g[i + 1] = v4 & 0xffff
      i += 2
      s = end
      break
    }
    g[i++] = acc
    s = off
    if (s === end) break
    if (text.charCodeAt(s) !== 58 || s + 1 === end) return false
    s++
    if (text.charCodeAt(s) === 58) {
      if (ellipsis >= 0) return false // a second `::`
      ellipsis = i
      s++
      if (s === end) break
    }
  }
  if (s !== end) return false
  if (i < 8) {
    if (ellipsis < 0) return false
    const n = 8 - i
    for (let j = i - 1; j >= ellipsis; j--) g[j + n] = g[j]!
    for (let j = ellipsis; j < ellipsis + n; j++) g[j] = 0
  } else if (ellipsis >= 0) {
    return false // `::` must stand for at least one group
  }
  return true
}

function addrFromGroups(zone: string): Addr {
  const g = GROUPS
  return new Addr(false, (g[0]! * 65536 + g[1]!), (g[2]! * 65536 + g[3]!), (g[4]! * 65536 + g[5]!), (g[6]! * 65536 + g[7]!), zone)
}

/** An IPv4 address from its uint32 value. */
export function addrFrom4(v4: number): Addr {
  return new Addr(true, 0, 0, 0xffff, v4 >>> 0, '')
}

/** Go netip.ParseAddr: the address (with its zone), or null. */
export function parseAddr(text: string): Addr | null {
  const n = text.length
  for (let i = 0; i < n; i++) {
    const c = text.charCodeAt(i)
    if (c === 46) {
      const v4 = parseIPv4(text)
      return v4 < 0 ? null : addrFrom4(v4)
    }
    if (c === 58) {
      const pct = text.indexOf('%', i)
      let zone = ''
      let end = n
      if (pct >= 0) {
        zone = text.slice(pct + 1)
        if (zone === '') return null
        end = pct
      }
      return parseIPv6Groups(text, end) ? addrFromGroups(zone) : null
    }
    if (c === 37) return null // '%' before any address
  }
  return null
}

/** Go net.ParseIP validity: netip.ParseAddr without a zone. */
export function parseIP(text: string): Addr | null {
  const a = parseAddr(text)
  return a === null || a.zone !== '' ? null : a
}

let lastText = ''
let lastIP: Addr | null = null

/**
 * parseIP with a one-entry cache: a filter asks about the same source_ip several times in a
 * row (IsIPV6 then four IpInRange). Addr is immutable, so sharing the result is safe.
 */
export function parseIPCached(text: string): Addr | null {
  if (text === lastText && text !== '') return lastIP
  const a = parseIP(text)
  lastText = text
  lastIP = a
  return a
}

/** True for IPv4 and IPv4-mapped IPv6 (Go net.IP.To4() != nil). */
export function isV4Like(a: Addr): boolean {
  return a.w2 === 0xffff && a.w0 === 0 && a.w1 === 0
}

/** IPv4-mapped IPv6 written as IPv6 (netip Is4In6). */
export function isV4Mapped(a: Addr): boolean {
  return !a.is4 && isV4Like(a)
}

/** netip Addr equality: same family, same bits, same zone. */
export function addrEqual(a: Addr, b: Addr): boolean {
  return a.is4 === b.is4 && a.w3 === b.w3 && a.w2 === b.w2 && a.w1 === b.w1 && a.w0 === b.w0 && a.zone === b.zone
}

/** Prefix length text: 1-3 decimal digits, no leading zero (netip.ParsePrefix); -1 when invalid. */
function parseBits(text: string, start: number): number {
  const len = text.length - start
  if (len < 1 || len > 3) return -1
  let n = 0
  for (let i = start; i < text.length; i++) {
    const c = text.charCodeAt(i)
    if (c < 48 || c > 57) return -1
    if (i > start && n === 0) return -1 // leading zero
    n = n * 10 + (c - 48)
  }
  return n
}

/** netip.ParsePrefix / net.ParseCIDR: `addr/bits`, no zone; the network is masked. Null when invalid. */
export function parsePrefix(text: string): Prefix | null {
  const slash = text.lastIndexOf('/')
  if (slash < 0) return null
  const a = parseAddr(text.slice(0, slash))
  if (a === null || a.zone !== '') return null
  const bits = parseBits(text, slash + 1)
  if (bits < 0 || bits > (a.is4 ? 32 : 128)) return null
  return new Prefix(a, bits)
}

/**
 * Go net.ParseCIDR: like parsePrefix, but the length is read by Go's dtoi, which takes
 * leading zeros (`10.0.0.0/08` is 10.0.0.0/8). Null when invalid.
 */
export function parseCIDR(text: string): Prefix | null {
  const slash = text.indexOf('/')
  if (slash < 0) return null
  const a = parseAddr(text.slice(0, slash))
  if (a === null || a.zone !== '') return null
  if (slash + 1 === text.length) return null
  let bits = 0
  for (let i = slash + 1; i < text.length; i++) {
    const c = text.charCodeAt(i)
    if (c < 48 || c > 57) return null
    bits = bits * 10 + (c - 48)
    if (bits > 128) return null
  }
  if (bits > (a.is4 ? 32 : 128)) return null
  return new Prefix(a, bits)
}

/** netip Prefix.Contains: same family only, zoned addresses never. */
export function prefixContains(p: Prefix, a: Addr): boolean {
  if (a.is4 !== p.addr.is4 || a.zone !== '') return false
  const n = p.addr
  if (a.is4) return ((a.w3 ^ n.w3) & p.m3) === 0
  return ((a.w0 ^ n.w0) & p.m0) === 0 && ((a.w1 ^ n.w1) & p.m1) === 0 && ((a.w2 ^ n.w2) & p.m2) === 0 && ((a.w3 ^ n.w3) & p.m3) === 0
}

/** An IPv4 prefix contains the IPv4 address given as uint32 (false for IPv6 prefixes). */
export function prefixContainsV4(p: Prefix, v4: number): boolean {
  return p.addr.is4 && ((v4 ^ p.addr.w3) & p.m3) === 0
}

/**
 * IPNet.Contains after net.ParseIP / net.ParseCIDR as crowd's IpInRange uses them: an IPv4 or
 * IPv4-mapped address is compared with IPv4 CIDRs only; other IPv6 with IPv6 CIDRs.
 */
export function ipNetContains(p: Prefix, a: Addr): boolean {
  const n = p.addr
  // net.IPNet.Contains: a network whose address is IPv4 or IPv4-mapped is an IPv4 network
  // (with the last 32 bits of its mask), and only IPv4 or IPv4-mapped addresses can be in it
  const v4net = n.is4 || isV4Like(n)
  if (isV4Like(a)) return v4net && ((a.w3 ^ n.w3) & p.m3) === 0
  if (v4net) return false
  return ((a.w0 ^ n.w0) & p.m0) === 0 && ((a.w1 ^ n.w1) & p.m1) === 0 && ((a.w2 ^ n.w2) & p.m2) === 0 && ((a.w3 ^ n.w3) & p.m3) === 0
}

/** netip Addr.Prefix(bits) (zone dropped, address masked); null when bits is out of range. */
export function addrPrefix(a: Addr, bits: number): Prefix | null {
  if (!Number.isInteger(bits) || bits < 0 || bits > (a.is4 ? 32 : 128)) return null
  return new Prefix(a, bits)
}

/** Dotted form of a uint32 IPv4 value. */
export function formatIPv4(v4: number): string {
  return `${v4 >>> 24}.${(v4 >>> 16) & 0xff}.${(v4 >>> 8) & 0xff}.${v4 & 0xff}`
}

/** RFC 5952 text of eight 16-bit groups (the first longest run of two or more zero groups becomes `::`). */
export function formatGroups(g: ArrayLike<number>): string {
  let bestStart = -1
  let bestLen = 1
  for (let i = 0; i < 8; ) {
    if (g[i] !== 0) {
      i++
      continue
    }
    let j = i
    while (j < 8 && g[j] === 0) j++
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
    out += g[i]!.toString(16)
  }
  return out
}

function groupsOf(a: Addr): number[] {
  return [a.w0 >>> 16, a.w0 & 0xffff, a.w1 >>> 16, a.w1 & 0xffff, a.w2 >>> 16, a.w2 & 0xffff, a.w3 >>> 16, a.w3 & 0xffff]
}

/** netip Addr.String without the zone: dotted IPv4, `::ffff:a.b.c.d` for mapped, RFC 5952 otherwise. */
export function formatAddr(a: Addr): string {
  if (a.is4) return formatIPv4(a.w3)
  if (isV4Like(a)) return '::ffff:' + formatIPv4(a.w3)
  return formatGroups(groupsOf(a))
}

/** netip Prefix.String: `addr/bits`. */
export function formatPrefix(p: Prefix): string {
  return `${formatAddr(p.addr)}/${p.bits}`
}

/**
 * Go net.IPNet.String after net.ParseCIDR: a network whose 16-byte form is IPv4-mapped prints
 * as IPv4 with the IPv4 part of the mask (`::ffff:1.2.3.4/120` -> `1.2.3.0/24`); Go's IP.String
 * for IPv6 is RFC 5952.
 */
export function ipNetString(p: Prefix): string {
  const n = p.addr
  if (isV4Like(n)) return `${formatIPv4(n.w3)}/${n.is4 ? p.bits : p.bits - 96}`
  return `${formatGroups(groupsOf(n))}/${p.bits}`
}
