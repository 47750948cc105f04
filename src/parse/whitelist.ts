/**
 * Node whitelists (parsers.md §10): exact IPs, CIDR prefixes and expressions. IP parsing
 * is strict (Go netip): no leading zeros, IPv4 and IPv4-mapped IPv6 are different
 * addresses, an address with a zone is never inside a prefix.
 */
import type {Program} from '../expr/index.js'
import {EventType, type Event} from '../model/event.js'
import {addrEqual, parseAddr as parseModelAddr, parseIPv4, parsePrefix as parseModelPrefix, prefixContains, prefixContainsV4, type Addr, type Prefix} from '../model/ip.js'
import type {Logger} from '../model/logger.js'

export {addrEqual, prefixContains, type Addr, type Prefix}

/** netip.ParseAddr (zones allowed); undefined when invalid. */
export function parseAddr(text: string): Addr | undefined {
  return parseModelAddr(text) ?? undefined
}

/** netip.ParsePrefix; undefined when invalid. */
export function parsePrefix(text: string): Prefix | undefined {
  return parseModelPrefix(text) ?? undefined
}

export interface CompiledWhitelist {
  reason: string
  ips: Addr[]
  cidrs: Prefix[]
  expressions: Program[]
  /** True when the node has any ip/cidr/expression entry (gates node statics, §4.2 step 7). */
  hasEntries: boolean
}

/** Whether the ip/cidr entries match one address text (IPv4 checked as one uint32, no allocation). */
function matchesAddrText(w: CompiledWhitelist, text: string): boolean {
  const v4 = parseIPv4(text)
  if (v4 >= 0) {
    for (let i = 0; i < w.ips.length; i++) {
      const ip = w.ips[i]!
      if (ip.is4 && ip.w3 === v4) return true
    }
    for (let i = 0; i < w.cidrs.length; i++) if (prefixContainsV4(w.cidrs[i]!, v4)) return true
    return false
  }
  const a = parseModelAddr(text)
  if (a === null) return false
  for (let i = 0; i < w.ips.length; i++) if (addrEqual(w.ips[i]!, a)) return true
  for (let i = 0; i < w.cidrs.length; i++) if (prefixContains(w.cidrs[i]!, a)) return true
  return false
}

function matchesSourceAddrs(w: CompiledWhitelist, evt: Event): boolean {
  if (evt.Type === EventType.overflow) {
    const sources = evt.Overflow.Sources
    if (sources === undefined || sources === null) return false
    for (const key of Object.keys(sources)) if (matchesAddrText(w, key)) return true
    return false
  }
  if (!Object.hasOwn(evt.Meta, 'source_ip')) return false
  return matchesAddrText(w, evt.Meta.source_ip!)
}

/** §10: returns true when this whitelist matched; marks the event if not already whitelisted. */
export function checkWhitelist(w: CompiledWhitelist, evt: Event, logger: Logger): boolean {
  let matched = false
  if (w.ips.length > 0 || w.cidrs.length > 0) matched = matchesSourceAddrs(w, evt)
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
