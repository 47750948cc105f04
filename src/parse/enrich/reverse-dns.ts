/**
 * `method: reverse_dns` (parsers.md §7.3): a PTR lookup of the IP, answered from a cache.
 * Off unless a resolver is given (no network on test paths). Statics are synchronous, so
 * a lookup that is not cached yet starts in the background and this event gets nothing;
 * later events for the same IP get the cached name (with its trailing dot).
 */
import {promises as dns} from 'node:dns'
import {isIP} from 'node:net'
import type {Event} from '../../model/event.js'
import type {EnrichContext} from './registry.js'

export interface ReverseDnsResolver {
  /** The cached answer: a name, null for "no answer", undefined for "not looked up yet". */
  cached(ip: string): string | null | undefined
  /** Starts a lookup if none is cached or in flight. */
  request(ip: string): void
}

export interface ReverseDnsOptions {
  timeoutMs?: number
  maxEntries?: number
  /** The lookup itself (tests pass a fake). */
  reverse?: (ip: string) => Promise<string[]>
}

export function createReverseDnsResolver(options: ReverseDnsOptions = {}): ReverseDnsResolver {
  const timeoutMs = options.timeoutMs ?? 2000
  const maxEntries = options.maxEntries ?? 10_000
  const reverse = options.reverse ?? ((ip: string) => dns.reverse(ip))
  const cache = new Map<string, string | null>()
  const inflight = new Set<string>()
  const remember = (ip: string, name: string | null): void => {
    if (cache.size >= maxEntries) cache.delete(cache.keys().next().value as string)
    cache.set(ip, name)
  }
  return {
    cached: (ip) => cache.get(ip),
    request(ip) {
      if (cache.has(ip) || inflight.has(ip)) return
      inflight.add(ip)
      let timer: NodeJS.Timeout | undefined
      const timeout = new Promise<string[]>((_, reject) => {
        timer = setTimeout(() => reject(new Error('timeout')), timeoutMs)
        timer.unref?.()
      })
      Promise.race([reverse(ip), timeout])
        .then((names) => remember(ip, names[0] === undefined ? null : names[0].endsWith('.') ? names[0] : names[0] + '.'))
        .catch(() => remember(ip, null))
        .finally(() => {
          clearTimeout(timer)
          inflight.delete(ip)
        })
    },
  }
}

export function reverseDnsMethod(value: string, _evt: Event, ctx: EnrichContext): Record<string, string> | undefined {
  if (ctx.dns === undefined || isIP(value) === 0) return undefined
  const name = ctx.dns.cached(value)
  if (name === undefined) {
    ctx.dns.request(value)
    return undefined
  }
  return name === null ? undefined : {reverse_dns: name}
}
