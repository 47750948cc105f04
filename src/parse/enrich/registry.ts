/**
 * Enrichment methods callable from statics (`method: ParseDate`, parsers.md §7), as one
 * explicit table: name -> function(value, event, context) returning entries merged into
 * `evt.Enriched`. Unknown names are not errors (the static does nothing).
 */
import type {Event} from '../../model/event.js'
import type {GoTime} from '../../model/go-time.js'
import type {Logger} from '../../model/logger.js'
import {parseDateMethod} from './date.js'
import {geoIpAsnMethod, geoIpCityMethod, ipToRangeMethod, type GeoIpDatabases} from './geoip.js'
import {reverseDnsMethod, type ReverseDnsResolver} from './reverse-dns.js'
import {unmarshalJsonMethod} from './unmarshal-json.js'

export interface EnrichContext {
  logger: Logger
  /** The current time (tests pin it). */
  now: () => GoTime
  /** MaxMind databases; absent -> GeoIP methods return nothing. */
  geoip?: GeoIpDatabases
  /** Reverse DNS; absent (the default) -> reverse_dns returns nothing. */
  dns?: ReverseDnsResolver
}

export type EnrichMethod = (value: string, evt: Event, ctx: EnrichContext) => Record<string, string> | undefined

export const ENRICH_METHODS: Readonly<Record<string, EnrichMethod>> = Object.freeze(Object.assign(Object.create(null) as Record<string, EnrichMethod>, {
  ParseDate: parseDateMethod,
  GeoIpCity: geoIpCityMethod,
  GeoIpASN: geoIpAsnMethod,
  IpToRange: ipToRangeMethod,
  reverse_dns: reverseDnsMethod,
  UnmarshalJSON: unmarshalJsonMethod,
}))

export function findEnrichMethod(name: string): EnrichMethod | undefined {
  return Object.hasOwn(ENRICH_METHODS, name) ? ENRICH_METHODS[name] : undefined
}
