/**
 * The console's sessions, CSRF tokens and login rate limits, in memory (a restart logs everyone
 * out). A session id is 32 random bytes, sent only as an HttpOnly cookie and kept only hashed;
 * each session has its own CSRF token, compared in constant time. Logging in always makes a new
 * session (no fixation). Failed logins are counted per client address and per machine id.
 */
import {createHash, randomBytes, timingSafeEqual} from 'node:crypto'

/** A session ends this long after its last request... */
export const SESSION_IDLE_MS = 30 * 60_000
/** ...and at the latest this long after the login. */
export const SESSION_MAX_MS = 12 * 3600_000
const MAX_SESSIONS = 10_000

/** At most this many failed logins per window, per client address and per machine id. */
export const LOGIN_FAILURES_ALLOWED = 5
export const LOGIN_WINDOW_MS = 5 * 60_000
const MAX_TRACKED = 10_000

export interface Session {
  machineId: string
  csrf: string
  createdAt: number
  lastSeen: number
}

const digest = (text: string): string => createHash('sha256').update(text).digest('base64url')

/** Whether `given` equals `expected`, in time that does not depend on where they differ (nor on their lengths). */
export function sameSecret(given: string, expected: string): boolean {
  const a = createHash('sha256').update(given).digest()
  const b = createHash('sha256').update(expected).digest()
  return timingSafeEqual(a, b) && given.length === expected.length
}

export class Sessions {
  readonly #byHash = new Map<string, Session>()
  constructor(readonly clock: () => number) {}

  /** A new session for `machineId`: its id (for the cookie) and the session. */
  create(machineId: string): {id: string; session: Session} {
    const now = this.clock()
    this.#sweep(now)
    if (this.#byHash.size >= MAX_SESSIONS) {
      // the oldest first (Map keeps insertion order)
      const oldest = this.#byHash.keys().next().value
      if (oldest !== undefined) this.#byHash.delete(oldest)
    }
    const id = randomBytes(32).toString('base64url')
    const session: Session = {machineId, csrf: randomBytes(32).toString('base64url'), createdAt: now, lastSeen: now}
    this.#byHash.set(digest(id), session)
    return {id, session}
  }

  /** The live session of this id (its idle time restarted), or undefined. */
  get(id: string | undefined): Session | undefined {
    if (id === undefined || id === '' || id.length > 100) return undefined
    const key = digest(id)
    const session = this.#byHash.get(key)
    if (session === undefined) return undefined
    const now = this.clock()
    if (now - session.lastSeen > SESSION_IDLE_MS || now - session.createdAt > SESSION_MAX_MS) {
      this.#byHash.delete(key)
      return undefined
    }
    session.lastSeen = now
    return session
  }

  /** When the session ends at the latest if idle from now. */
  expiresAt(session: Session): number {
    return Math.min(session.lastSeen + SESSION_IDLE_MS, session.createdAt + SESSION_MAX_MS)
  }

  /** Whether the session is still live, without restarting its idle time (a live-update stream checks this). */
  isLive(session: Session): boolean {
    const now = this.clock()
    if (now - session.lastSeen > SESSION_IDLE_MS || now - session.createdAt > SESSION_MAX_MS) return false
    for (const s of this.#byHash.values()) if (s === session) return true
    return false
  }

  end(id: string | undefined): void {
    if (id !== undefined) this.#byHash.delete(digest(id))
  }

  /** Ends every session of a machine (it was deleted). */
  endAll(machineId: string): void {
    for (const [key, s] of this.#byHash) if (s.machineId === machineId) this.#byHash.delete(key)
  }

  get size(): number {
    return this.#byHash.size
  }

  #sweep(now: number): void {
    for (const [key, s] of this.#byHash) {
      if (now - s.lastSeen > SESSION_IDLE_MS || now - s.createdAt > SESSION_MAX_MS) this.#byHash.delete(key)
    }
  }
}

/** Failed logins per key (a client address, a machine id) within a sliding window. */
export class LoginLimiter {
  readonly #failures = new Map<string, number[]>()
  constructor(readonly clock: () => number, readonly allowed = LOGIN_FAILURES_ALLOWED, readonly windowMs = LOGIN_WINDOW_MS) {}

  /** 0 when `keys` may try now, else the milliseconds until the first of them may. */
  waitMs(keys: readonly string[]): number {
    const now = this.clock()
    let wait = 0
    for (const key of keys) {
      const list = this.#recent(key, now)
      if (list.length >= this.allowed) wait = Math.max(wait, list[0]! + this.windowMs - now)
    }
    return wait
  }

  failed(keys: readonly string[]): void {
    const now = this.clock()
    if (this.#failures.size >= MAX_TRACKED) this.#failures.clear()
    for (const key of keys) {
      const list = this.#recent(key, now)
      list.push(now)
      this.#failures.set(key, list)
    }
  }

  /** Forgets the failures of these keys (a machine id after its own successful login; never a client address). */
  succeeded(keys: readonly string[]): void {
    for (const key of keys) this.#failures.delete(key)
  }

  #recent(key: string, now: number): number[] {
    const list = (this.#failures.get(key) ?? []).filter((t) => now - t < this.windowMs)
    if (list.length === 0) this.#failures.delete(key)
    return list
  }
}
