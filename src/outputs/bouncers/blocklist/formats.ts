/**
 * The blocklist bouncer's list formats (pure: the entries and the time are passed in):
 *
 * - `plain_text`: one address or CIDR range a line, IPv4 first, in address order.
 * - `json`: crowd's own, machine-stable: an array of
 *   `{value, scope, type, origin, scenario, until}` (keys in that order, `until` an RFC 3339 UTC
 *   time to the second), one decision a line, in the plain_text order.
 * - `mikrotik`: a RouterOS script for `/import`: per family, the list's old entries removed, then
 *   one `add` per entry with its time left as `timeout` (so entries end on the router too).
 *
 * Values are the canonical ones of the decision stream (bouncers/README.md), safe to write as they
 * are; origin and scenario names come from the LAPI and are reduced to plain characters in a
 * MikroTik comment.
 */
import {parseIP, parsePrefix} from '../../../model/ip.js'
import type {DecisionScope} from '../decisions.js'
import type {BlocklistFormat} from './settings.js'

/** One blocked value as the list serves it. */
export interface ListEntry {
  value: string
  scope: DecisionScope
  type: string
  origin: string
  scenario: string
  /** When it leaves the list (ms since the epoch). */
  expiresAt: number
  /** IPv6 (or an IPv6 range). */
  v6: boolean
  /** Orders the list: IPv4 before IPv6, then by address, then by prefix length. */
  sortKey: string
}

/** What a request may narrow: one family, and the MikroTik list's name. */
export interface ListVariant {
  family?: 'ipv4' | 'ipv6'
  /** mikrotik: the address-list's name (default crowdsec). */
  listName?: string
}

export const DEFAULT_MIKROTIK_LIST = 'crowdsec'
export const MIKROTIK_LIST_NAME = /^[A-Za-z0-9_.-]{1,64}$/
/** RouterOS timeouts stop somewhat after 35 weeks. */
const MAX_MIKROTIK_TIMEOUT_S = 35 * 7 * 86400

export const CONTENT_TYPES: Record<BlocklistFormat, string> = {
  plain_text: 'text/plain; charset=utf-8',
  json: 'application/json; charset=utf-8',
  mikrotik: 'text/plain; charset=utf-8',
}

/** The entry of a decision received at `receivedAt`; undefined when the value is not an address or range. */
export function listEntry(d: {value: string; scope: DecisionScope; type: string; origin: string; scenario: string; ttlMs: number}, receivedAt: number): ListEntry | undefined {
  const key = sortKeyOf(d.value)
  if (key === undefined) return undefined
  return {value: d.value, scope: d.scope, type: d.type, origin: d.origin, scenario: d.scenario, expiresAt: receivedAt + Math.max(1, d.ttlMs), v6: key.startsWith('6'), sortKey: key}
}

function sortKeyOf(value: string): string | undefined {
  const p = value.includes('/') ? parsePrefix(value) : null
  const a = p !== null ? p.addr : value.includes('/') ? null : parseIP(value)
  if (a === null) return undefined
  const hex = (w: number): string => w.toString(16).padStart(8, '0')
  const bits = p?.bits ?? (a.is4 ? 32 : 128)
  const b = bits.toString().padStart(3, '0')
  return a.is4 ? `4${hex(a.w3)}${b}` : `6${hex(a.w0)}${hex(a.w1)}${hex(a.w2)}${hex(a.w3)}${b}`
}

/** The live entries of `variant`'s families, in list order. */
export function selectEntries(entries: Iterable<ListEntry>, now: number, variant: ListVariant = {}): ListEntry[] {
  const out: ListEntry[] = []
  for (const e of entries) {
    if (e.expiresAt <= now) continue
    if (variant.family === 'ipv4' && e.v6) continue
    if (variant.family === 'ipv6' && !e.v6) continue
    out.push(e)
  }
  return out.sort((a, b) => (a.sortKey < b.sortKey ? -1 : a.sortKey > b.sortKey ? 1 : 0))
}

/** The body of `format` for entries already selected (selectEntries). */
export function renderList(format: BlocklistFormat, entries: readonly ListEntry[], now: number, variant: ListVariant = {}): string {
  if (format === 'plain_text') return renderPlainText(entries)
  if (format === 'json') return renderJson(entries)
  return renderMikrotik(entries, now, variant)
}

export function renderPlainText(entries: readonly ListEntry[]): string {
  let out = ''
  for (const e of entries) out += e.value + '\n'
  return out
}

export function renderJson(entries: readonly ListEntry[]): string {
  if (entries.length === 0) return '[]\n'
  // a million entries share a few dozen names and ends: each written once
  const quoted = memo((text: string) => JSON.stringify(text))
  const until = memo((ms: number) => rfc3339(ms))
  const lines = entries.map((e) => `{"value":"${e.value}","scope":"${e.scope}","type":${quoted(e.type)},"origin":${quoted(e.origin)},"scenario":${quoted(e.scenario)},"until":"${until(Math.round(e.expiresAt / 1000) * 1000)}"}`)
  return `[\n${lines.join(',\n')}\n]\n`
}

export function renderMikrotik(entries: readonly ListEntry[], now: number, variant: ListVariant = {}): string {
  const list = variant.listName ?? DEFAULT_MIKROTIK_LIST
  const v4 = entries.filter((e) => !e.v6)
  const v6 = entries.filter((e) => e.v6)
  const duration = memo(routerOsDuration)
  const comment = memo(mikrotikComment)
  const lines = [`# crowd blocklist for RouterOS: ${entries.length} entries (${v4.length} IPv4, ${v6.length} IPv6), address-list ${list}`]
  const family = (menu: string, items: readonly ListEntry[]): void => {
    lines.push(`${menu} remove [find where list="${list}"]`)
    for (const e of items) {
      const timeout = Math.min(MAX_MIKROTIK_TIMEOUT_S, Math.max(1, Math.ceil((e.expiresAt - now) / 1000)))
      lines.push(`${menu} add list=${list} address=${e.value} timeout=${duration(timeout)} comment="${comment(`crowd ${e.origin} ${e.scenario}`)}"`)
    }
  }
  if (variant.family !== 'ipv6') family('/ip firewall address-list', v4)
  if (variant.family !== 'ipv4') family('/ipv6 firewall address-list', v6)
  return lines.join('\n') + '\n'
}

/** `fn` remembering its answers for one rendering. */
function memo<K, V>(fn: (key: K) => V): (key: K) => V {
  const known = new Map<K, V>()
  return (key) => {
    let v = known.get(key)
    if (v === undefined) {
      v = fn(key)
      if (known.size < 100_000) known.set(key, v)
    }
    return v
  }
}

/** `1d2h3m4s` (RouterOS time, zero parts left out). */
export function routerOsDuration(seconds: number): string {
  const d = Math.floor(seconds / 86400)
  const h = Math.floor((seconds % 86400) / 3600)
  const m = Math.floor((seconds % 3600) / 60)
  const s = seconds % 60
  const out = (d > 0 ? `${d}d` : '') + (h > 0 ? `${h}h` : '') + (m > 0 ? `${m}m` : '') + (s > 0 ? `${s}s` : '')
  return out === '' ? '1s' : out
}

/** A comment in characters a RouterOS string takes as they are (no quote, backslash or $). */
function mikrotikComment(text: string): string {
  return text.replace(/[^A-Za-z0-9 _./:@+=,-]/g, '_').slice(0, 120).trimEnd()
}

/** RFC 3339 UTC to the second. */
export function rfc3339(ms: number): string {
  return new Date(Math.round(ms / 1000) * 1000).toISOString().replace('.000Z', 'Z')
}
