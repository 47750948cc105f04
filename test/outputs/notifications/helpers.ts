/**
 * Shared by the notification tests: a fake clock the dispatcher runs on (time moves only when a test
 * advances it, timers fire in order, promises settle between them), a receiver that records what it
 * is sent and can fail or hang on demand, and notifications built from YAML text.
 */
import {Alert, Decision, EventEntry, MetaItem, Source} from '../../../src/model/alert.js'
import type {DispatcherClock} from '../../../src/outputs/notifications/delivery.js'
import {DelivererRegistry} from '../../../src/outputs/notifications/deliverers.js'
import {parseNotifications, resolveNotifications} from '../../../src/outputs/notifications/config.js'
import type {Deliver, Notification} from '../../../src/outputs/notifications/types.js'
import type {Logger} from '../../../src/model/logger.js'

export const T0 = Date.UTC(2026, 6, 24, 10, 0, 0)

/** Lets pending promise chains (and synchronous SQLite calls behind them) run. */
export async function settle(rounds = 10): Promise<void> {
  for (let i = 0; i < rounds; i++) await new Promise<void>((resolve) => setImmediate(resolve))
}

export class FakeClock implements DispatcherClock {
  #now: number
  #seq = 0
  readonly #timers = new Map<number, {at: number; fn: () => void}>()

  constructor(start = T0) {
    this.#now = start
  }

  now(): number {
    return this.#now
  }

  setTimeout(fn: () => void, ms: number): unknown {
    const id = ++this.#seq
    this.#timers.set(id, {at: this.#now + Math.max(0, ms), fn})
    return id
  }

  clearTimeout(handle: unknown): void {
    this.#timers.delete(handle as number)
  }

  get timers(): number {
    return this.#timers.size
  }

  /** Moves time forward by `ms`, firing each due timer at its time, in order. */
  async advance(ms: number): Promise<void> {
    const target = this.#now + ms
    for (;;) {
      await settle()
      let next: [number, {at: number; fn: () => void}] | undefined
      for (const entry of this.#timers) if (entry[1].at <= target && (next === undefined || entry[1].at < next[1].at)) next = entry
      if (next === undefined) break
      this.#timers.delete(next[0])
      this.#now = next[1].at
      next[1].fn()
    }
    this.#now = target
    await settle()
  }
}

export interface Received {
  name: string
  text: string
  alerts: string[]
  at: number
}

/** A notification receiver: records each message; `fail` failures then success; `hang` never answers. */
export class Receiver {
  readonly messages: Received[] = []
  attempts = 0
  fail = 0
  failAlways = false
  hang = false
  /** Delay of each answer (fake clock). */
  latencyMs = 0
  inFlight = 0
  maxInFlight = 0
  aborted = 0

  constructor(readonly clock: FakeClock) {}

  readonly deliver: Deliver = async (config, text, alerts, signal) => {
    this.attempts++
    this.inFlight++
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight)
    try {
      if (this.hang) {
        // ignores its signal on purpose: the dispatcher must give up on its own
        signal.addEventListener('abort', () => this.aborted++)
        await new Promise<never>(() => {})
      }
      if (this.latencyMs > 0) await new Promise<void>((resolve) => this.clock.setTimeout(resolve, this.latencyMs))
      if (this.failAlways || this.fail > 0) {
        this.fail--
        throw new Error('503 Service Unavailable')
      }
      this.messages.push({name: config.name, text, alerts: alerts.map((a) => a.Source.Value), at: this.clock.now()})
    } finally {
      this.inFlight--
    }
  }
}

/** The notifications of a YAML text, all served by `deliver` (for every type). */
export function notificationsOf(yaml: string, deliver: Deliver, file = '/etc/crowd/notifications/test.yaml'): Notification[] {
  const loaded = parseNotifications(yaml, file, {env: {}})
  const types = [...new Set(loaded.map((n) => n.config.type))]
  return resolveNotifications(loaded, loaded.map((n) => n.name), new DelivererRegistry(types.map((t) => [t, deliver] as const)))
}

/** One notification: `extra` YAML lines after type, name and a format listing source values. */
export function notification(extra: string, deliver: Deliver, name = 'hook'): Notification {
  return notificationsOf(`type: http\nname: ${name}\nformat: "{{range .}}{{.Source.Value}};{{end}}"\n${extra}`, deliver)[0]!
}

let counter = 0
/** An alert from 192.0.2.N with a ban decision. */
export function ipAlert(n = ++counter): Alert {
  const a = new Alert()
  const value = `192.0.2.${n}`
  a.Scenario = 'crowdsecurity/ssh-bf'
  a.ScenarioHash = 'h'
  a.ScenarioVersion = '0.3'
  a.Message = `Ip ${value} performed 'crowdsecurity/ssh-bf' (6 events over 3s) at 2026-07-24 10:00:00 +0000 UTC`
  a.EventsCount = 6
  a.Capacity = 5
  a.Leakspeed = '10s'
  a.Kind = 'crowdsec'
  a.Remediation = true
  a.MachineID = 'agent-1'
  a.StartAt = '2026-07-24T09:59:57Z'
  a.StopAt = '2026-07-24T10:00:00Z'
  a.UUID = `00000000-0000-4000-8000-${n.toString(16).padStart(12, '0')}`
  a.Source = new Source({Scope: 'Ip', Value: value, IP: value})
  a.Events = [new EventEntry('2026-07-24T10:00:00Z', [new MetaItem('source_ip', value)])]
  a.Decisions = [new Decision({Duration: '4h', Origin: 'crowdsec', Scenario: a.Scenario, Scope: 'Ip', Type: 'ban', Value: value, UUID: `d-${n}`})]
  return a
}

/** A logger that keeps its lines. */
export function memoryLogger(): Logger & {lines: string[]} {
  const lines: string[] = []
  return {
    lines,
    error: (m) => void lines.push(`error: ${m}`),
    warn: (m) => void lines.push(`warn: ${m}`),
    info: (m) => void lines.push(`info: ${m}`),
    debug: () => {},
  }
}
