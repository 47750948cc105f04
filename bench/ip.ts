/**
 * IP helper and whitelist cost per event, as the linux collection runs them on every nginx
 * event: crowdsecurity/geoip-enrich's filter (IsIPV6 + four IpInRange on evt.Meta.source_ip
 * against constant CIDRs) and crowdsecurity/whitelists (2 IPs, 3 CIDRs). Addresses cycle
 * over 5,000 IPv4 (a few private) plus some IPv6, each asked about 5 times in a row like
 * the filter does. Prints ns per event for each part, median of the passes.
 *
 *   node --import tsx bench/ip.ts [--events N] [--passes P]
 */
import {createHelperContext, createHelpers} from '../src/expr/helpers/index.js'
import {checkWhitelist, parseAddr, parsePrefix, type CompiledWhitelist} from '../src/parse/whitelist.js'
import {newLogEvent} from '../src/model/event.js'
import {silentLogger} from '../src/model/logger.js'
import {arg, median} from './lib.mjs'

const EVENTS = Number(arg('--events', '1000000'))
const PASSES = Number(arg('--passes', '5'))

const ips: string[] = []
let seed = 7
const rnd = (n: number): number => {
  seed = (seed * 1103515245 + 12345) & 0x7fffffff
  return seed % n
}
for (let i = 0; i < 5000; i++) {
  if (i % 50 === 0) ips.push(`2001:db8:${rnd(65536).toString(16)}::${rnd(65536).toString(16)}`)
  else if (i % 97 === 0) ips.push(`192.168.${rnd(256)}.${rnd(256)}`)
  else ips.push(`${1 + rnd(223)}.${rnd(256)}.${rnd(256)}.${rnd(256)}`)
}

const h = createHelpers(createHelperContext())
const IsIPV6 = h.IsIPV6!
const IpInRange = h.IpInRange!
function geoipFilter(ip: string): boolean {
  if (IsIPV6(ip) === true) return !(IpInRange(ip, '::1/128') || IpInRange(ip, 'fd00::/8') || IpInRange(ip, 'fc00::/7'))
  return !(IpInRange(ip, '127.0.0.0/8') || IpInRange(ip, '192.168.0.0/16') || IpInRange(ip, '172.16.0.0/12') || IpInRange(ip, '10.0.0.0/8'))
}

const wl: CompiledWhitelist = {
  reason: 'private ipv4/ipv6 ip/ranges',
  ips: ['127.0.0.1', '::1'].map((t) => parseAddr(t)!),
  cidrs: ['192.168.0.0/16', '10.0.0.0/8', '172.16.0.0/12'].map((t) => parsePrefix(t)!),
  expressions: [],
  hasEntries: true,
}
const events = ips.map((ip) => {
  const e = newLogEvent({raw: '', src: 'bench', module: 'file', labels: {type: 'nginx'}})
  e.Meta.source_ip = ip
  return e
})

const geo: number[] = []
const white: number[] = []
let sink = 0
for (let pass = 0; pass < PASSES; pass++) {
  let t = process.hrtime.bigint()
  for (let i = 0; i < EVENTS; i++) if (geoipFilter(ips[i % ips.length]!)) sink++
  geo.push(Number(process.hrtime.bigint() - t) / EVENTS)
  t = process.hrtime.bigint()
  for (let i = 0; i < EVENTS; i++) {
    const e = events[i % events.length]!
    e.Whitelisted = false
    if (checkWhitelist(wl, e, silentLogger)) sink++
  }
  white.push(Number(process.hrtime.bigint() - t) / EVENTS)
}
console.log(`geoip-enrich filter: ${median(geo).toFixed(0)} ns/event; whitelists: ${median(white).toFixed(0)} ns/event (median of ${PASSES}; ${sink})`)
