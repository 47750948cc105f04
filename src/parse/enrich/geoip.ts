/**
 * `method: GeoIpCity`, `GeoIpASN`, `IpToRange` (parsers.md §7.2) on MaxMind databases
 * (GeoLite2-City.mmdb, GeoLite2-ASN.mmdb in the data dir), read with mmdb-lib. A missing
 * database is reported once by the loader; the methods then return nothing.
 */
import * as fs from 'node:fs'
import * as path from 'node:path'
import {isIP} from 'node:net'
import {createRequire} from 'node:module'
import type {Reader} from 'mmdb-lib'
import type {Event} from '../../model/event.js'
import {formatGroups} from '../../model/ip.js'
import type {Logger} from '../../model/logger.js'
import {formatGoFloatF} from '../statics.js'
import type {EnrichContext} from './registry.js'

type Record_ = Record<string, unknown>

export interface GeoIpDatabases {
  city?: Reader<Record_ & never>
  asn?: Reader<Record_ & never>
}

export const CITY_DB = 'GeoLite2-City.mmdb'
export const ASN_DB = 'GeoLite2-ASN.mmdb'

/** Opens the databases found in `dataDir`; warns once for each missing one. */
export function loadGeoIpDatabases(dataDir: string, logger: Logger): GeoIpDatabases {
  const open = (name: string): Reader<never> | undefined => {
    const file = path.join(dataDir, name)
    try {
      const data = fs.readFileSync(file)
      // mmdb-lib is loaded only once a database is there (most scans run without one)
      const {Reader: MmdbReader} = createRequire(import.meta.url)('mmdb-lib') as typeof import('mmdb-lib')
      return new MmdbReader<never>(data)
    } catch (error) {
      logger.warn(`GeoIP database ${file} not available (${(error as NodeJS.ErrnoException).code ?? (error as Error).message}): GeoIP enrichment skipped`)
      return undefined
    }
  }
  return {city: open(CITY_DB), asn: open(ASN_DB)}
}

function lookup(reader: Reader<never> | undefined, ip: string): [Record_ | null, number] | undefined {
  if (reader === undefined || ip === '' || isIP(ip) === 0) return undefined
  try {
    return reader.getWithPrefixLength(ip) as [Record_ | null, number]
  } catch {
    return undefined
  }
}

function field(obj: unknown, ...keys: string[]): unknown {
  let cur = obj
  for (const k of keys) {
    if (cur === null || typeof cur !== 'object') return undefined
    cur = (cur as Record_)[k]
  }
  return cur
}

export function geoIpCityMethod(value: string, _evt: Event, ctx: EnrichContext): Record<string, string> | undefined {
  const found = lookup(ctx.geoip?.city, value)
  if (found === undefined || found[0] === null) return undefined
  const r = found[0]
  let country: unknown = field(r, 'country')
  if (typeof field(country, 'iso_code') !== 'string' || field(country, 'iso_code') === '') country = field(r, 'registered_country')
  if (typeof field(country, 'iso_code') !== 'string' || field(country, 'iso_code') === '') country = field(r, 'represented_country')
  const iso = field(country, 'iso_code')
  const lat = field(r, 'location', 'latitude')
  const lon = field(r, 'location', 'longitude')
  return {
    IsoCode: typeof iso === 'string' ? iso : '',
    IsInEU: field(country, 'is_in_european_union') === true ? 'true' : 'false',
    Latitude: formatGoFloatF(typeof lat === 'number' ? lat : 0),
    Longitude: formatGoFloatF(typeof lon === 'number' ? lon : 0),
  }
}

export function geoIpAsnMethod(value: string, _evt: Event, ctx: EnrichContext): Record<string, string> | undefined {
  const found = lookup(ctx.geoip?.asn, value)
  if (found === undefined || found[0] === null) return undefined
  const num = field(found[0], 'autonomous_system_number')
  const org = field(found[0], 'autonomous_system_organization')
  const asn = typeof num === 'number' ? String(num) : '0'
  return {ASNNumber: asn, ASNumber: asn, ASNOrg: typeof org === 'string' ? org : ''}
}

export function ipToRangeMethod(value: string, _evt: Event, ctx: EnrichContext): Record<string, string> | undefined {
  const found = lookup(ctx.geoip?.asn, value)
  if (found === undefined || found[0] === null) return undefined
  const cidr = networkOf(value, found[1])
  return cidr === undefined ? undefined : {SourceRange: cidr}
}

/** The canonical network `addr/prefix` containing `ip`. */
export function networkOf(ip: string, prefix: number): string | undefined {
  if (isIP(ip) === 4) {
    const parts = ip.split('.').map(Number)
    let n = ((parts[0]! << 24) | (parts[1]! << 16) | (parts[2]! << 8) | parts[3]!) >>> 0
    const mask = prefix === 0 ? 0 : (~0 << (32 - prefix)) >>> 0
    n = (n & mask) >>> 0
    return `${n >>> 24}.${(n >>> 16) & 255}.${(n >>> 8) & 255}.${n & 255}/${prefix}`
  }
  if (isIP(ip) === 6) {
    const words = expandIpv6(ip)
    if (words === undefined) return undefined
    let bits = 0n
    for (const w of words) bits = (bits << 16n) | BigInt(w)
    const mask = prefix === 0 ? 0n : ((1n << BigInt(prefix)) - 1n) << BigInt(128 - prefix)
    bits &= mask
    const out: number[] = []
    for (let i = 7; i >= 0; i--) out.push(Number((bits >> BigInt(i * 16)) & 0xffffn))
    return `${formatGroups(out)}/${prefix}`
  }
  return undefined
}

function expandIpv6(ip: string): number[] | undefined {
  let text = ip.split('%')[0]!
  const tail: number[] = []
  const v4 = /(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(text)
  if (v4) {
    tail.push((Number(v4[1]) << 8) | Number(v4[2]), (Number(v4[3]) << 8) | Number(v4[4]))
    text = text.slice(0, v4.index) + '0:0'
  }
  const [head, rest] = text.split('::') as [string, string | undefined]
  const h = head === '' ? [] : head.split(':').map((x) => Number.parseInt(x, 16))
  const r = rest === undefined ? [] : rest === '' ? [] : rest.split(':').map((x) => Number.parseInt(x, 16))
  const words = rest === undefined ? h : [...h, ...new Array<number>(8 - h.length - r.length).fill(0), ...r]
  if (tail.length === 2) words.splice(6, 2, ...tail)
  return words.length === 8 ? words : undefined
}
