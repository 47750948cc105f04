/**
 * Token buckets per caller (a watcher, an API key, a network): `burst` requests at once, then
 * `perSecond`. Bounded: past `maxKeys` callers, the full buckets (idle callers) are forgotten.
 */
export interface RateLimit {
  burst: number
  perSecond: number
}

export class RateLimiter {
  readonly #buckets = new Map<string, {tokens: number; at: number}>()

  constructor(readonly limit: RateLimit, readonly clock: () => number, readonly maxKeys = 100_000) {}

  /** Takes `cost` tokens of `key`'s bucket; false (nothing taken) when it has not enough. */
  take(key: string, cost = 1): boolean {
    const now = this.clock()
    let b = this.#buckets.get(key)
    if (b === undefined) {
      if (this.#buckets.size >= this.maxKeys) this.#sweep(now)
      b = {tokens: this.limit.burst, at: now}
      this.#buckets.set(key, b)
    }
    b.tokens = Math.min(this.limit.burst, b.tokens + ((now - b.at) / 1000) * this.limit.perSecond)
    b.at = now
    if (b.tokens < cost) return false
    b.tokens -= cost
    return true
  }

  #sweep(now: number): void {
    for (const [k, b] of this.#buckets) if (b.tokens + ((now - b.at) / 1000) * this.limit.perSecond >= this.limit.burst) this.#buckets.delete(k)
    if (this.#buckets.size >= this.maxKeys) this.#buckets.clear()
  }
}
