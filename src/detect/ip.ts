/**
 * The little IP handling alert sources need (scenarios.md §13.1): Go's net.ParseIP validity
 * and net.ParseCIDR network normalisation (`91.121.79.195/21` -> `91.121.72.0/21`), on the
 * shared parser of src/model/ip.ts.
 */
import {ipNetString, parseCIDR, parseIP} from '../model/ip.js'

/** Go net.ParseIP(text) != nil (no zone, no leading zeros). */
export function isValidIP(text: string): boolean {
  return parseIP(text) !== null
}

/** Go net.ParseCIDR(text) -> IPNet.String(); null when invalid. */
export function normalizeCidr(text: string): string | null {
  const p = parseCIDR(text)
  return p === null ? null : ipNetString(p)
}
