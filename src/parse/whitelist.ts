/**
 * Node whitelists (parsers.md §10): exact IPs, CIDR prefixes and expressions. IP parsing
 * is strict (Go netip): no leading zeros, IPv4 and IPv4-mapped IPv6 are different
 * addresses, an address with a zone is never inside a prefix.
 */
import {isIP} from 'node:net'
import type {Program} from '../expr/index.js'
import {EventType, type Event} from '../model/event.js'
import type {Logger} from '../model/logger.js'

export interface Addr {
  v4: boolean
  /** 32 or 128 bits. */
  bits: bigint
  zone: string
}

export interface Prefix {
  addr: Addr
  length: number
}

export function parseAddr(text: string): Addr | undefined {
  const pct = text.indexOf('%')
  const zone = pct >= 0 ? text.slice(pct + 1) : ''
  const base = pct >= 0 ? text.slice(0, pct) : text
  if (isIP(base) === 4 && pct < 0) {
    const parts = base.split('.')
    if (parts.some((p) => p.length > 1 && p.startsWith('0'))) return undefined
    let bits = 0n
    for (const p of parts) bits = (bits << 8n) | BigInt(Number(p))
    return {v4: true, bits, zone: ''}
  }
  if (isIP(base) === 6 && (pct < 0 || zone !== '')) {
    const words = expandV6(base)
    if (words === undefined) return undefined
    let bits = 0n
    for (const w of words) bits = (bits << 16n) | BigInt(w)
    return {v4: false, bits, zone}
  }
  return undefined
}

function expandV6(ip: string): number[] | undefined {
  let text = ip
  const tail: number[] = []
  const m = /(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(text)
  if (m) {
    if ([m[1], m[2], m[3], m[4]].some((p) => p!.length > 1 && p!.startsWith('0'))) return undefined
    tail.push((Number(m[1]) << 8) | Number(m[2]), (Number(m[3]) << 8) | Number(m[4]))
    text = text.slice(0, m.index) + '0:0'
  }
  const halves = text.split('::')
  const parse = (s: string): number[] => (s === '' ? [] : s.split(':').map((x) => Number.parseInt(x, 16)))
  const head = parse(halves[0]!)
  const words = halves.length === 1 ? head : [...head, ...new Array<number>(8 - head.length - parse(halves[1]!).length).fill(0), ...parse(halves[1]!)]
  if (tail.length === 2) words.splice(6, 2, ...tail)
  return words.length === 8 ? words : undefined
}

export function parsePrefix(text: string): Prefix | undefined {
  const slash = text.lastIndexOf('/')
  if (slash < 0) return undefined
  const addr = parseAddr(text.slice(0, slash))
  const lenText = text.slice(slash + 1)
  if (addr === undefined || addr.zone !== '' || !/^(0|[1-9][0-9]{0,2})$/.test(lenText)) return undefined
  const length = Number(lenText)
  if (length > (addr.v4 ? 32 : 128)) return undefined
  return {addr, length}
}

export function addrEqual(a: Addr, b: Addr): boolean {
  return a.v4 === b.v4 && a.bits === b.bits && a.zone === b.zone
}

export function prefixContains(p: Prefix, a: Addr): boolean {
  if (a.v4 !== p.addr.v4 || a.zone !== '') return false
  const width = p.addr.v4 ? 32n : 128n
  const shift = width - BigInt(p.length)
  return a.bits >> shift === p.addr.bits >> shift
}

export interface CompiledWhitelist {
  reason: string
  ips: Addr[]
  cidrs: Prefix[]
  expressions: Program[]
  /** True when the node has any ip/cidr/expression entry (gates node statics, §4.2 step 7). */
  hasEntries: boolean
}

function sourceAddrs(evt: Event): Addr[] {
  if (evt.Type === EventType.overflow) {
    const sources = evt.Overflow.Sources
    if (sources === undefined || sources === null) return []
    return Object.keys(sources).map(parseAddr).filter((a): a is Addr => a !== undefined)
  }
  if (!Object.hasOwn(evt.Meta, 'source_ip')) return []
  const a = parseAddr(evt.Meta.source_ip!)
  return a === undefined ? [] : [a]
}

/** §10: returns true when this whitelist matched; marks the event if not already whitelisted. */
export function checkWhitelist(w: CompiledWhitelist, evt: Event, logger: Logger): boolean {
  let matched = false
  if (w.ips.length > 0 || w.cidrs.length > 0) {
    for (const a of sourceAddrs(evt)) {
      if (w.ips.some((ip) => addrEqual(ip, a)) || w.cidrs.some((c) => prefixContains(c, a))) {
        matched = true
        break
      }
    }
  }
  if (!matched) {
    for (const e of w.expressions) {
      let result: unknown
      try {
        result = e.run({evt})
      } catch (error) {
        logger.debug(`whitelist expression failed: ${(error as Error).message}`)
        break
      }
      if (result === true) {
        matched = true
        break
      }
      if (typeof result !== 'boolean') logger.debug(`whitelist expression ${e.source} returned a non-boolean`)
    }
  }
  if (matched && !evt.Whitelisted) {
    evt.Whitelisted = true
    evt.WhitelistReason = w.reason
    if (evt.Type === EventType.overflow) evt.Overflow.Whitelisted = true
  }
  return matched
}
