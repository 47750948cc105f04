/**
 * A small seeded generator (the mulberry32 construction: a 32-bit state advanced by a Weyl
 * sequence, then mixed): deterministic for a seed on every platform, fast, and good enough to
 * draw populations and campaigns. Not for anything secret.
 */
export class Random {
  #state: number

  constructor(seed: number) {
    this.#state = seed >>> 0
  }

  /** A float in [0, 1). */
  next(): number {
    this.#state = (this.#state + 0x6d2b79f5) >>> 0
    let t = this.#state
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }

  /** An integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.next() * n)
  }

  /** A generator of its own, derived from this one's seed and `salt` (per-attacker streams). */
  static derived(seed: number, salt: number): Random {
    return new Random(Math.imul(seed ^ 0x9e3779b9, 0x85ebca6b) ^ Math.imul(salt + 1, 0xc2b2ae35))
  }
}
