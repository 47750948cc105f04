/**
 * One delivery attempt and the back-off between attempts (notifications-and-cti.md §3): each attempt
 * is bounded by the notification's `timeout` (its signal aborts, and the attempt is given up even if
 * the deliverer ignores the signal); failures are retried after 1 s, doubling, ±30 % jitter, capped
 * at 30 s, for `max_retry + 1` attempts or, when max_retry is 0, until 5 minutes have passed.
 */
import type {Alert} from '../../model/alert.js'
import type {Notification} from './types.js'

/** The timers the dispatcher runs on (tests pass a fake clock). */
export interface DispatcherClock {
  now(): number
  setTimeout(fn: () => void, ms: number): unknown
  clearTimeout(handle: unknown): void
}

export const REAL_CLOCK: DispatcherClock = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
}

export interface RetryPolicy {
  initialMs: number
  factor: number
  /** ± this fraction of each wait, at random. */
  jitter: number
  /** The longest wait. */
  maxIntervalMs: number
  /** With max_retry 0: no attempt starts after this much time since the first one. */
  maxElapsedMs: number
}

export const CROWDSEC_RETRY: Readonly<RetryPolicy> = {initialMs: 1000, factor: 2, jitter: 0.3, maxIntervalMs: 30_000, maxElapsedMs: 5 * 60_000}

/** The wait after the `failures`-th failed attempt (1, 2, ...): `random` gives [0, 1). */
export function backoffDelay(failures: number, policy: RetryPolicy, random: () => number): number {
  const base = Math.min(policy.initialMs * policy.factor ** Math.max(0, failures - 1), policy.maxIntervalMs)
  const jittered = base * (1 - policy.jitter + 2 * policy.jitter * random())
  return Math.max(0, Math.min(Math.round(jittered), policy.maxIntervalMs))
}

/** Whether another attempt may follow the `failures`-th failure, `elapsedMs` after the first attempt, waiting `nextDelayMs`. */
export function mayRetry(notification: Pick<Notification, 'maxRetry'>, failures: number, elapsedMs: number, nextDelayMs: number, policy: RetryPolicy): boolean {
  if (notification.maxRetry > 0) return failures < notification.maxRetry + 1
  return elapsedMs + nextDelayMs <= policy.maxElapsedMs
}

/** The error of an attempt that ran past its timeout. */
export class DeliveryTimeout extends Error {
  constructor(ms: number) {
    super(`no answer within ${formatMs(ms)} (timeout)`)
    this.name = 'DeliveryTimeout'
  }
}

/**
 * Runs one attempt: resolves when the deliverer did, rejects with its error, a DeliveryTimeout, or
 * the reason of `stop` when that aborts first. The deliverer's signal aborts in the last two cases.
 */
export async function attemptDelivery(notification: Notification, text: string, alerts: readonly Alert[], stop: AbortSignal, clock: DispatcherClock): Promise<void> {
  const controller = new AbortController()
  let timer: unknown
  let onStop: (() => void) | undefined
  const bounds = new Promise<never>((_, reject) => {
    timer = clock.setTimeout(() => {
      const error = new DeliveryTimeout(notification.timeoutMs)
      controller.abort(error)
      reject(error)
    }, notification.timeoutMs)
    onStop = () => {
      controller.abort(stop.reason)
      reject(stop.reason instanceof Error ? stop.reason : new Error('stopped'))
    }
    if (stop.aborted) onStop()
    else stop.addEventListener('abort', onStop, {once: true})
  })
  try {
    const attempt = Promise.resolve().then(() => notification.deliver(notification.config, text, alerts, controller.signal))
    // a deliverer that settles after being given up is ignored
    attempt.catch(() => {})
    await Promise.race([attempt, bounds])
  } finally {
    clock.clearTimeout(timer)
    if (onStop !== undefined) stop.removeEventListener('abort', onStop)
    bounds.catch(() => {})
  }
}

export function formatMs(ms: number): string {
  if (ms < 1000) return `${ms}ms`
  const s = ms / 1000
  return Number.isInteger(s) ? `${s}s` : `${s.toFixed(1)}s`
}
