/**
 * Where a reporter reports from: its network (the /24 of an IPv4 address, the /48 of an IPv6 one:
 * what the consensus counts, not machine ids) and its autonomous system from `[enrich]
 * geoip_asn_db` when configured (0 when unknown: each network is then its own AS).
 */
import * as fs from 'node:fs'
import {Reader} from 'mmdb-lib'
import {addrPrefix, ipNetString} from '../../model/ip.js'
import {canonicalIp} from '../consensus/engine.js'

/** The reporter network of `ip` ('' when it is not an address). */
export function reporterNetwork(ip: string): string {
  const c = canonicalIp(ip)
  if (c === null) return ''
  const p = addrPrefix(c.addr, c.addr.is4 ? 24 : 48)
  return p === null ? '' : ipNetString(p)
}

export interface AsnLookup {
  asn(ip: string): number
}

/** A lookup in a MaxMind ASN database; without one (or for an unknown address) 0. */
export function asnLookup(file: string | undefined, warn: (message: string) => void): AsnLookup {
  if (file === undefined || file === '') return {asn: () => 0}
  let reader: Reader<Record<string, unknown> & never>
  try {
    reader = new Reader(fs.readFileSync(file))
  } catch (error) {
    warn(`cti: the ASN database ${file} cannot be read (${(error as NodeJS.ErrnoException).code ?? (error as Error).message}): reporters' ASes are unknown`)
    return {asn: () => 0}
  }
  return {
    asn(ip) {
      try {
        const r = reader.get(ip) as {autonomous_system_number?: unknown} | null
        const n = Number(r?.autonomous_system_number)
        return Number.isInteger(n) && n > 0 ? n : 0
      } catch {
        return 0
      }
    },
  }
}
