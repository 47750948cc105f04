/**
 * Stash caches (parsers.md §9) and the helpers that read the outside world: GetFromStash,
 * SetInStash, the decision counters, Hostname, CrowdsecCTI, plus Flatten/Distinct. Without
 * a backend each helper returns the neutral value CrowdSec returns without a database.
 */
import {GoDuration, parseGoDuration} from '../../model/go-time.js'
import {isStringSlice} from '../../model/go-values.js'
import {str} from './args.js'
import type {HelperContext, StashCacheConfig, StashStore} from './context.js'

type Helper = (...args: unknown[]) => unknown

interface Entry {
  value: string
  expires: number // ms since epoch, Infinity = never
  hits: number
}

class StashCache {
  readonly entries = new Map<string, Entry>()
  constructor(readonly size: number, readonly ttlMs: number, readonly lfu: boolean) {}
}

/** In-memory stash: bounded caches with TTL (wall clock) and LRU (or LFU) eviction. */
export class MemoryStashStore implements StashStore {
  private readonly caches = new Map<string, StashCache[]>()
  constructor(private readonly nowMs: () => number = Date.now) {}

  define(name: string, config: StashCacheConfig): void {
    const size = config.size !== undefined && config.size > 0 ? config.size : 100
    const ttlMs = config.ttlNs !== undefined && config.ttlNs > 0 ? config.ttlNs / 1e6 : Infinity
    const lfu = (config.strategy ?? 'LRU').toUpperCase() === 'LFU'
    const list = this.caches.get(name) ?? []
    list.push(new StashCache(size, ttlMs, lfu))
    this.caches.set(name, list)
  }

  get(name: string, key: string): string | undefined {
    const cache = this.caches.get(name)?.[0]
    if (cache === undefined) return undefined
    const e = cache.entries.get(key)
    if (e === undefined) return undefined
    if (e.expires <= this.nowMs()) {
      cache.entries.delete(key)
      return undefined
    }
    e.hits++
    if (!cache.lfu) {
      cache.entries.delete(key)
      cache.entries.set(key, e)
    }
    return e.value
  }

  set(name: string, key: string, value: string, ttlNs?: number): void {
    const list = this.caches.get(name)
    if (list === undefined) return
    const now = this.nowMs()
    for (const cache of list) {
      const ttlMs = ttlNs !== undefined && ttlNs > 0 ? ttlNs / 1e6 : cache.ttlMs
      cache.entries.delete(key)
      if (cache.entries.size >= cache.size) this.evict(cache, now)
      cache.entries.set(key, {value, expires: now + ttlMs, hits: 0})
    }
  }

  private evict(cache: StashCache, now: number): void {
    for (const [k, e] of cache.entries) if (e.expires <= now) cache.entries.delete(k)
    if (cache.entries.size < cache.size) return
    if (!cache.lfu) {
      cache.entries.delete(cache.entries.keys().next().value as string)
      return
    }
    let victim: string | undefined
    let least = Infinity
    for (const [k, e] of cache.entries) {
      if (e.hits < least) {
        least = e.hits
        victim = k
      }
    }
    if (victim !== undefined) cache.entries.delete(victim)
  }
}

/** CrowdSec ParseDuration: Go durations plus a trailing `d` (days). */
export function parseDurationWithDays(text: string): GoDuration {
  const m = /^(-?\d+)d(.*)$/.exec(text)
  if (m !== null) {
    const days = Number(m[1]) * 24 * 3600e9
    const rest = m[2] === '' ? 0 : parseGoDuration(m[2]!).ns
    return new GoDuration(days + rest)
  }
  return parseGoDuration(text)
}

function ttlArgument(v: unknown): number | undefined {
  if (v === null || v === undefined) return undefined
  if (v instanceof GoDuration) return v.ns
  if (typeof v === 'number') return v
  if (typeof v === 'string') return parseGoDuration(v).ns
  throw new Error(`interface conversion: interface {} is not *time.Duration`)
}

function identityKey(v: unknown): unknown {
  if (v === null || v === undefined) return null
  if (typeof v === 'object') {
    const prim = (v as {valueOf(): unknown}).valueOf()
    if (prim !== v && typeof prim !== 'object') return `${typeof prim}:${String(prim)}:${v.constructor?.name ?? ''}`
    return v
  }
  return `${typeof v}:${String(v)}`
}

export function flattenDeep(values: readonly unknown[], out: unknown[] = [], depth = 0): unknown[] {
  for (const v of values) {
    if (Array.isArray(v) && depth < 100) flattenDeep(v, out, depth + 1)
    else out.push(v)
  }
  return out
}

export function distinct(values: readonly unknown[]): unknown[] {
  const seen = new Set<unknown>()
  const out: unknown[] = []
  for (const v of values) {
    const k = identityKey(v)
    if (seen.has(k)) continue
    seen.add(k)
    out.push(v)
  }
  return out
}

export function stashDecisionHelpers(ctx: HelperContext): Record<string, Helper> {
  const neutral = (name: string, fallback: () => unknown, run: () => unknown): unknown => {
    try {
      return run()
    } catch (e) {
      ctx.logger.debug(`${name}: ${(e as Error).message}`)
      return fallback()
    }
  }
  return {
    GetFromStash(cache, key) {
      const c = str(cache)
      const k = str(key)
      return ctx.stash.get(c, k) ?? ''
    },
    SetInStash(cache, key, value, ttl) {
      const c = str(cache)
      const k = str(key)
      const v = str(value)
      ctx.stash.set(c, k, v, ttlArgument(ttl))
      return null
    },
    GetDecisionsCount(value) {
      const v = str(value)
      const db = ctx.decisions
      return db === undefined ? 0 : neutral('GetDecisionsCount', () => 0, () => db.count(v))
    },
    GetActiveDecisionsCount(value) {
      const v = str(value)
      const db = ctx.decisions
      return db === undefined ? 0 : neutral('GetActiveDecisionsCount', () => 0, () => db.activeCount(v))
    },
    GetDecisionsSinceCount(value, since) {
      const v = str(value)
      const s = str(since)
      let sinceNs: number
      try {
        sinceNs = parseDurationWithDays(s).ns
      } catch (e) {
        ctx.logger.debug(`GetDecisionsSinceCount: ${(e as Error).message}`)
        return 0
      }
      const db = ctx.decisions
      return db === undefined ? 0 : neutral('GetDecisionsSinceCount', () => 0, () => db.sinceCount(v, sinceNs))
    },
    GetActiveDecisionsTimeLeft(value) {
      const v = str(value)
      const db = ctx.decisions
      // without a database CrowdSec returns the int 0, not a Duration
      return db === undefined ? 0 : neutral('GetActiveDecisionsTimeLeft', () => 0, () => db.activeTimeLeft(v))
    },
    Hostname() {
      return ctx.hostname?.() ?? ''
    },
    CrowdsecCTI(ip) {
      const v = str(ip)
      if (ctx.cti === undefined) throw new Error('CrowdsecCTI: no CTI API key configured (cti is disabled)')
      return ctx.cti.lookup(v) ?? null
    },
    Flatten(...values) {
      return flattenDeep(values)
    },
    Distinct(arr) {
      if (!Array.isArray(arr)) return null
      // CrowdSec asserts []interface {}: a []string (File, Split) panics
      if (isStringSlice(arr)) throw new Error('interface conversion: interface {} is []string, not []interface {}')
      return distinct(arr)
    },
    FlattenDistinct(...values) {
      return distinct(flattenDeep(values))
    },
  }
}
