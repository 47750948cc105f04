/**
 * Addresses the consensus never promotes, whatever the evidence: special-purpose ranges (private,
 * documentation, loopback, link-local, multicast, shared and reserved space: RFC 6890's registries)
 * and the operator's own lists (CDNs, search engines, its customers), as `CIDR  reason` lines.
 * A signal for one of them is counted and dropped at ingest: it never becomes evidence.
 */
import {CrowdError, CrowdErrorList} from '../../model/errors.js'
import {isV4Like, parseIP, parsePrefix, prefixContains, type Addr, type Prefix} from '../../model/ip.js'

export interface NeverBanEntry {
  prefix: Prefix
  /** Why (shown by `crowd cti explain`). */
  reason: string
}

const SPECIAL: readonly [string, string][] = [
  ['0.0.0.0/8', 'this network (RFC 791)'],
  ['10.0.0.0/8', 'private (RFC 1918)'],
  ['100.64.0.0/10', 'shared address space (RFC 6598)'],
  ['127.0.0.0/8', 'loopback'],
  ['169.254.0.0/16', 'link-local'],
  ['172.16.0.0/12', 'private (RFC 1918)'],
  ['192.0.0.0/24', 'IETF protocol assignments'],
  ['192.0.2.0/24', 'documentation (TEST-NET-1)'],
  ['192.88.99.0/24', '6to4 relay anycast'],
  ['192.168.0.0/16', 'private (RFC 1918)'],
  ['198.18.0.0/15', 'benchmarking (RFC 2544)'],
  ['198.51.100.0/24', 'documentation (TEST-NET-2)'],
  ['203.0.113.0/24', 'documentation (TEST-NET-3)'],
  ['224.0.0.0/4', 'multicast'],
  ['240.0.0.0/4', 'reserved'],
  ['::/127', 'unspecified and loopback'],
  ['64:ff9b::/96', 'NAT64 (the IPv4 address inside decides)'],
  ['100::/64', 'discard-only'],
  ['2001:db8::/32', 'documentation'],
  ['fc00::/7', 'unique local'],
  ['fe80::/10', 'link-local'],
  ['ff00::/8', 'multicast'],
]

export class NeverBan {
  readonly #v4: NeverBanEntry[] = []
  readonly #v6: NeverBanEntry[] = []

  constructor(entries: readonly NeverBanEntry[]) {
    for (const e of entries) (e.prefix.addr.is4 ? this.#v4 : this.#v6).push(e)
    // the most specific first: its reason is the one shown
    const byBits = (a: NeverBanEntry, b: NeverBanEntry): number => b.prefix.bits - a.prefix.bits
    this.#v4.sort(byBits)
    this.#v6.sort(byBits)
  }

  get size(): number {
    return this.#v4.length + this.#v6.length
  }

  /** Why `ip` is never promoted, or undefined. An IPv4-mapped address is its IPv4 address. */
  reasonFor(addr: Addr): string | undefined {
    const a = !addr.is4 && isV4Like(addr) ? (parseIP(`${addr.w3 >>> 24}.${(addr.w3 >>> 16) & 255}.${(addr.w3 >>> 8) & 255}.${addr.w3 & 255}`) as Addr) : addr
    for (const e of a.is4 ? this.#v4 : this.#v6) if (prefixContains(e.prefix, a)) return e.reason
    return undefined
  }

  /** Whether the whole range `p` stays clear of every entry (a range that overlaps one is never promoted). */
  rangeReason(p: Prefix): string | undefined {
    for (const e of p.addr.is4 ? this.#v4 : this.#v6) {
      if (prefixContains(e.prefix, p.addr) || prefixContains(p, e.prefix.addr)) return e.reason
    }
    return undefined
  }
}

/** The special-purpose ranges. */
export function specialRanges(): NeverBanEntry[] {
  return SPECIAL.map(([cidr, reason]) => ({prefix: parsePrefix(cidr)!, reason}))
}

/**
 * An operator's list: one `IP` or `CIDR` per line, then optionally a reason; `#` starts a comment.
 * Every bad line is reported with its number.
 */
export function parseNeverBanList(text: string, file: string, defaultReason = `operator list ${file}`): NeverBanEntry[] {
  const out: NeverBanEntry[] = []
  const errors: CrowdError[] = []
  const lines = text.split('\n')
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!.replace(/#.*$/, '').trim()
    if (line === '') continue
    const [value, ...rest] = line.split(/\s+/)
    let prefix = parsePrefix(value!)
    if (prefix === null && !value!.includes('/')) {
      const a = parseIP(value!)
      if (a !== null) prefix = parsePrefix(`${value}/${a.is4 ? 32 : 128}`)
    }
    if (prefix === null) {
      errors.push(new CrowdError('config', `"${value!.slice(0, 60)}" is not an IP address or CIDR range`, {file, line: i + 1}))
      continue
    }
    out.push({prefix, reason: rest.length > 0 ? rest.join(' ').slice(0, 200) : defaultReason})
  }
  if (errors.length === 1) throw errors[0]
  if (errors.length > 1) throw new CrowdErrorList(errors)
  return out
}
