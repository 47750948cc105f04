/**
 * Per-sender token buckets: `rate` messages per second with bursts of `burst`. At most
 * `maxSenders` buckets are kept; when full, the least recently used bucket is forgotten (that
 * sender starts again with a full bucket), so spoofed UDP source addresses cannot grow memory.
 */
export interface RateLimiterOptions {
  /** Messages per second per sender. */
  rate: number
  /** Bucket size (default: rate, at least 1). */
  burst?: number
  /** Buckets kept (default 10000). */
  maxSenders?: number
  /** Milliseconds clock (default Date.now); tests pass their own. */
  now?: () => number
}

interface Bucket {
  tokens: number
  at: number
}

export class RateLimiter {
  private readonly rate: number
  private readonly burst: number
  private readonly maxSenders: number
  private readonly now: () => number
  private readonly buckets = new Map<string, Bucket>()

  constructor(options: RateLimiterOptions) {
    if (!(options.rate > 0) || !Number.isFinite(options.rate)) throw new RangeError(`rate must be a positive number, got ${options.rate}`)
    this.rate = options.rate
    this.burst = Math.max(1, options.burst ?? options.rate)
    this.maxSenders = Math.max(1, options.maxSenders ?? 10_000)
    this.now = options.now ?? Date.now
  }

  get senders(): number {
    return this.buckets.size
  }

  /** Takes one token for `key`; false when the sender is over its rate. */
  take(key: string): boolean {
    const now = this.now()
    let bucket = this.buckets.get(key)
    if (bucket === undefined) {
      if (this.buckets.size >= this.maxSenders) {
        const oldest = this.buckets.keys().next().value
        if (oldest !== undefined) this.buckets.delete(oldest)
      }
      bucket = {tokens: this.burst, at: now}
    } else {
      this.buckets.delete(key) // re-inserted below: Map order is recency order
      const elapsed = Math.max(0, now - bucket.at) / 1000
      bucket.tokens = Math.min(this.burst, bucket.tokens + elapsed * this.rate)
      bucket.at = now
    }
    this.buckets.set(key, bucket)
    if (bucket.tokens < 1) return false
    bucket.tokens -= 1
    return true
  }
}
