/**
 * The token bucket behind `leaky` scenarios: CrowdSec's fork of golang.org/x/time/rate,
 * reproduced operation for operation (scenarios.md §8) so that the same log gives the same
 * overflow, down to float64 rounding and nanosecond time.
 */
import {elapsedSeconds, type Instant} from './time.js'

export interface Limiter {
  /** Takes one token at time t; false when refused (the bucket overflows). */
  allow(t: Instant): boolean
}

/** Never refuses (capacity -1: counters, bayesian, conditional). */
export const ALWAYS_FULL: Limiter = {allow: () => true}

export class TokenBucket implements Limiter {
  private tokens = 0
  private last: Instant | null = null
  /** tokens per second */
  private readonly rate: number

  constructor(private readonly burst: number, leakspeedNs: number) {
    const whole = Math.trunc(leakspeedNs / 1e9)
    const seconds = whole + (leakspeedNs - whole * 1e9) / 1e9
    this.rate = 1 / seconds
  }

  allow(t: Instant): boolean {
    let avail: number
    if (this.last === null) {
      avail = this.burst
    } else {
      const last = this.last
      // base = min(last, t): a timestamp earlier than `last` gets no credit
      const earlier = t.sec < last.sec || (t.sec === last.sec && t.nsec < last.nsec)
      const elapsed = earlier ? 0 : elapsedSeconds(t, last)
      avail = this.tokens + elapsed * this.rate
      if (avail > this.burst) avail = this.burst
    }
    const rem = avail - 1
    if (rem < 0) {
      const waitNs = Math.trunc(1e9 * (-rem / this.rate))
      if (waitNs !== 0) return false
    }
    this.tokens = rem
    this.last = t
    return true
  }

  /** Tokens available at t without taking one (for tests and `leaky` views). */
  available(t: Instant): number {
    if (this.last === null) return this.burst
    const earlier = t.sec < this.last.sec || (t.sec === this.last.sec && t.nsec < this.last.nsec)
    const avail = this.tokens + (earlier ? 0 : elapsedSeconds(t, this.last)) * this.rate
    return avail > this.burst ? this.burst : avail
  }

  /** The changing state (tokens left at `last`), for detector snapshots (snapshot.ts). */
  state(): TokenState {
    return {tokens: this.tokens, last: this.last}
  }

  /** Puts back a state() of a bucket with the same burst and rate. */
  setState(state: TokenState): void {
    this.tokens = state.tokens
    this.last = state.last
  }
}

/** What a TokenBucket remembers between two takes. */
export interface TokenState {
  tokens: number
  /** The time of the last granted take, null before the first. */
  last: Instant | null
}
