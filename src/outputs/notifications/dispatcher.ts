/**
 * The notification dispatcher (notifications-and-cti.md §3), per notification name:
 *
 * - a pending list, checked on a tick: every `group_wait` when only group_wait is set, else every
 *   second. It flushes when neither group_wait nor group_threshold is set, when group_threshold is set
 *   and that many alerts wait, or when group_wait is set and has passed since the last flush of that
 *   rule. A flush takes the whole list and cuts it into chunks of group_threshold alerts (of 1 when
 *   it is 0); each chunk is rendered with `format` and sent as one message (a render error drops it);
 * - each message is delivered by the notification's Deliver, every attempt bounded by `timeout`,
 *   retried with back-off (delivery.ts); a few messages per name are in flight at once, the others wait
 *   their turn, so a receiver that is down holds one name's messages and nothing else;
 * - on close, every pending list is flushed once, whole (no chunks), within a bounded time.
 *
 * Persistence (with a store): every queued alert is a row of `notification_queue`, written before
 * anything else happens (by enqueue, or by the LAPI in the transaction that stores the alert, then
 * `queued`), deleted once its message is delivered or dropped. On start the rows left by a previous
 * run are delivered. Memory holds at most `maxInMemory` alerts per name (pending and in flight): the
 * rest stay in the store and are read, oldest first, as room frees. Rows belong to an owner (this
 * dispatcher, by a name stable across restarts) holding a lease it renews; rows whose owner stopped
 * for good are taken over. Delivery is at least once: a crash after a delivery and before its rows
 * are deleted sends that message again.
 *
 * Nothing here ever waits on a receiver: enqueue is one store write, queued is synchronous.
 */
import {hostname} from 'node:os'
import type {Alert} from '../../model/alert.js'
import {alertFromJson} from '../../model/alert-json.js'
import {silentLogger, type Logger} from '../../model/logger.js'
import type {NotificationCount, NotificationWrite, Store} from '../../store/types.js'
import {alertsTemplateData, type RenderOptions} from '../../template/index.js'
import {attemptDelivery, backoffDelay, CROWDSEC_RETRY, formatMs, mayRetry, REAL_CLOCK, type DispatcherClock, type RetryPolicy} from './delivery.js'
import type {Notification, NotificationFigures} from './types.js'

/** What the dispatcher needs of the store. */
export type NotificationStore = Pick<Store, 'queueNotifications' | 'notificationQueue' | 'countNotifications' | 'deleteNotifications' | 'retryNotifications' | 'leaseNotifications' | 'releaseNotifications'>

export interface DispatcherOptions {
  notifications: readonly Notification[]
  /** Where queued alerts are kept until delivered; without one they live in memory only. */
  store?: NotificationStore
  /** The owner of this dispatcher's rows: stable across restarts (default `<host name>/notifications`). */
  owner?: string
  logger?: Logger
  clock?: DispatcherClock
  /** [0, 1) for the back-off's jitter. */
  random?: () => number
  /** Alerts held in memory per name, pending and in flight (default 1000). */
  maxInMemory?: number
  /** Messages in flight per name (default 4). */
  concurrency?: number
  /** How long this dispatcher's rows stay its own without a renewal (default 60 s, renewed every third of it). */
  leaseMs?: number
  /** The tick when group_wait alone does not set it (default 1 s, CrowdSec's). */
  tickMs?: number
  retry?: Partial<RetryPolicy>
  /** CrowdsecCTI lookups and the Hostname of renders. */
  render?: Pick<RenderOptions, 'ctiLookup' | 'hostname'>
}

interface Item {
  /** The queue row; undefined without a store. */
  id: number | undefined
  alert: Alert
  /** Failed attempts so far (kept across restarts), and when the next one may start. */
  attempts: number
  nextAt: number
}

interface Chunk {
  items: Item[]
}

/** One notification name. */
class Channel {
  pending: Item[] = []
  waiting: Chunk[] = []
  active = 0
  /** Items in memory: pending, waiting and in flight. */
  held = 0
  readonly heldIds = new Set<number>()
  /** The store holds rows of this name not in memory, about this many. */
  backlog = false
  backlogCount = 0
  lastTimeFlush: number
  tick: unknown
  refilling = false
  /** Store calls of this name, one at a time, so that a read never sees a row being deleted as new. */
  io: Promise<unknown> = Promise.resolve()
  delivered = 0
  messages = 0
  failed = 0
  dropped = 0

  constructor(readonly n: Notification, now: number) {
    this.lastTimeFlush = now
  }

  serial<T>(fn: () => Promise<T>): Promise<T> {
    const next = this.io.then(fn, fn)
    this.io = next.catch(() => {})
    return next
  }
}

export interface CloseOptions {
  /** How long the final flush and the messages in flight may take (default 5 s); what is left stays in the store. */
  flushWithin?: number
}

export class NotificationDispatcher {
  readonly owner: string
  readonly #channels = new Map<string, Channel>()
  readonly #store: NotificationStore | undefined
  readonly #logger: Logger
  readonly #clock: DispatcherClock
  readonly #random: () => number
  readonly #maxInMemory: number
  readonly #concurrency: number
  readonly #leaseMs: number
  readonly #tickMs: number
  readonly #retry: RetryPolicy
  readonly #render: RenderOptions
  /** Aborts every attempt and wait: the end of close(). */
  readonly #stop = new AbortController()
  readonly #running = new Set<Promise<void>>()
  #idleWaiters: (() => void)[] = []
  #heartbeat: unknown
  #closing = false

  private constructor(options: DispatcherOptions) {
    this.owner = options.owner ?? `${hostname()}/notifications`
    this.#store = options.store
    this.#logger = options.logger ?? silentLogger
    this.#clock = options.clock ?? REAL_CLOCK
    this.#random = options.random ?? Math.random
    this.#maxInMemory = Math.max(1, options.maxInMemory ?? 1000)
    this.#concurrency = Math.max(1, options.concurrency ?? 4)
    this.#leaseMs = options.leaseMs ?? 60_000
    this.#tickMs = options.tickMs ?? 1000
    this.#retry = {...CROWDSEC_RETRY, ...options.retry}
    this.#render = {...options.render}
    const now = this.#clock.now()
    for (const n of options.notifications) this.#channels.set(n.name, new Channel(n, now))
  }

  /** A dispatcher over these notifications: takes its lease, picks up the rows a previous run left, starts the ticks. */
  static async start(options: DispatcherOptions): Promise<NotificationDispatcher> {
    const d = new NotificationDispatcher(options)
    await d.#open()
    return d
  }

  /** Whether this dispatcher delivers notifications named `name`. */
  serves(name: string): boolean {
    return this.#channels.has(name)
  }

  get names(): string[] {
    return [...this.#channels.keys()]
  }

  /**
   * Queues an alert for these notifications (unknown names are logged and skipped): one store write,
   * never a wait for delivery. Rejects only when the store cannot take the rows.
   */
  async enqueue(alert: Alert, names: readonly string[]): Promise<void> {
    const channels: Channel[] = []
    for (const name of names) {
      const ch = this.#channels.get(name)
      if (ch === undefined) this.#logger.warn(`notification '${name}' is not configured here: alert not notified`)
      else channels.push(ch)
    }
    if (channels.length === 0) return
    const json = JSON.stringify(alert)
    if (this.#store === undefined) {
      for (const ch of channels) {
        if (this.#closing) this.#drop(ch, 1, 'the dispatcher is closed')
        else if (ch.held >= this.#maxInMemory) this.#drop(ch, 1, `${this.#maxInMemory} alerts already wait`)
        else this.#hold(ch, {id: undefined, alert: copyOf(json), attempts: 0, nextAt: 0})
      }
      return
    }
    const rows = channels.map((ch): NotificationWrite => ({name: ch.n.name, owner: this.owner, alertUuid: alert.UUID, alert: json}))
    const ids = await this.#store.queueNotifications(rows, this.#clock.now())
    channels.forEach((ch, i) => {
      // behind rows still in the store, or without room: this one waits in the store too (oldest first)
      if (this.#closing || ch.backlog || ch.held >= this.#maxInMemory) this.#toBacklog(ch, 1)
      else this.#hold(ch, {id: ids[i], alert: copyOf(json), attempts: 0, nextAt: 0})
    })
  }

  /** Rows written by someone else for this dispatcher (the LAPI, with the alerts): read them in. */
  queued(rows: readonly Pick<NotificationWrite, 'name'>[]): void {
    for (const row of rows) {
      const ch = this.#channels.get(row.name)
      if (ch !== undefined) this.#toBacklog(ch, 1)
    }
  }

  /** Per name: delivered, failed, dropped, pending. */
  figures(): NotificationFigures[] {
    return [...this.#channels.values()].map((ch) => ({
      name: ch.n.name, type: ch.n.config.type, delivered: ch.delivered, messages: ch.messages, failed: ch.failed, dropped: ch.dropped,
      pending: ch.held + ch.backlogCount, inMemory: ch.held,
    }))
  }

  /**
   * Flushes every pending list now (in chunks, whatever group_wait and group_threshold say) and waits
   * until everything queued was delivered or dropped, or `withinMs` passed. Resolves true when nothing is left.
   */
  async drain(withinMs: number): Promise<boolean> {
    const deadline = this.#clock.now() + withinMs
    for (;;) {
      for (const ch of this.#channels.values()) {
        if (ch.backlog) await this.#refill(ch)
        this.#flush(ch, true)
      }
      if (this.#empty()) return true
      const left = deadline - this.#clock.now()
      if (left <= 0) return false
      await this.#idleOrTimeout(left)
      if (this.#empty()) return true
      if (this.#clock.now() >= deadline) return false
    }
  }

  /**
   * Stops the ticks, flushes every pending list once without chunking (§3), waits for the messages in
   * flight within `flushWithin`, then gives up the rest: undelivered rows stay in the store for the
   * next start. Returns the final figures.
   */
  async close(options: CloseOptions = {}): Promise<NotificationFigures[]> {
    if (this.#closing) return this.figures()
    this.#closing = true
    const within = options.flushWithin ?? 5000
    this.#clock.clearTimeout(this.#heartbeat)
    for (const ch of this.#channels.values()) {
      this.#clock.clearTimeout(ch.tick)
      if (ch.pending.length > 0) {
        ch.waiting.push({items: ch.pending})
        ch.pending = []
        this.#pump(ch)
      }
    }
    if (this.#busy() && within > 0) await this.#idleOrTimeout(within)
    this.#stop.abort(new Error('the dispatcher is closing'))
    // attempts and waits end at once on the abort; store calls are bounded by the store's own timeouts
    await Promise.allSettled([...this.#running])
    for (const ch of this.#channels.values()) {
      const left = ch.held + ch.backlogCount
      if (left > 0) this.#logger.warn(`notification '${ch.n.name}': ${left} alert(s) not delivered at shutdown${this.#store === undefined ? ' (lost: no store)' : ', kept for the next start'}`)
    }
    if (this.#store !== undefined) await this.#store.releaseNotifications(this.owner).catch((error: unknown) => this.#logger.warn(`notifications: cannot release the queue: ${(error as Error).message}`))
    return this.figures()
  }

  // ---- start, ticks, lease

  async #open(): Promise<void> {
    const store = this.#store
    if (store !== undefined && this.#channels.size > 0) {
      const now = this.#clock.now()
      const taken = await store.leaseNotifications(this.owner, this.names, now, now + this.#leaseMs)
      for (const t of taken) this.#logger.info(`notification '${t.name}': took over ${t.count} queued alert(s) of a stopped dispatcher`)
      const counts: NotificationCount[] = await store.countNotifications(this.owner)
      for (const c of counts) {
        const ch = this.#channels.get(c.name)
        if (ch === undefined) {
          this.#logger.warn(`${c.count} queued alert(s) for notification '${c.name}', which is not configured: kept in the store`)
          continue
        }
        this.#logger.info(`notification '${c.name}': ${c.count} alert(s) queued by a previous run`)
        ch.backlog = true
        ch.backlogCount = c.count
        await this.#refill(ch)
      }
      this.#scheduleHeartbeat()
    }
    for (const ch of this.#channels.values()) this.#scheduleTick(ch)
  }

  /** The tick of a name (§3): group_wait when it is set alone, else one second. */
  #tickInterval(ch: Channel): number {
    return ch.n.groupWaitMs > 0 && ch.n.groupThreshold === 0 ? ch.n.groupWaitMs : this.#tickMs
  }

  #scheduleTick(ch: Channel): void {
    if (this.#closing) return
    ch.tick = this.#clock.setTimeout(() => {
      if (this.#closing) return
      this.#onTick(ch)
      this.#scheduleTick(ch)
    }, this.#tickInterval(ch))
  }

  #onTick(ch: Channel): void {
    if (ch.backlog && ch.held < this.#maxInMemory) this.#track(this.#refill(ch).then(() => this.#checkFlush(ch)))
    else this.#checkFlush(ch)
  }

  #checkFlush(ch: Channel): void {
    if (this.#closing) return
    const {groupWaitMs: wait, groupThreshold: threshold} = ch.n
    const now = this.#clock.now()
    let due = false
    if (wait === 0 && threshold === 0) due = true
    if (threshold > 0 && ch.pending.length + ch.backlogCount >= threshold) due = true
    if (wait > 0 && threshold === 0) due = true // the tick is group_wait itself
    if (wait > 0 && threshold > 0 && now - ch.lastTimeFlush >= wait) {
      // CrowdSec restarts the group_wait period when it runs out, whether alerts were waiting or not
      due = true
      ch.lastTimeFlush = now
    }
    if (due && ch.pending.length > 0) this.#flush(ch, true)
  }

  #scheduleHeartbeat(): void {
    if (this.#closing || this.#store === undefined) return
    this.#heartbeat = this.#clock.setTimeout(() => {
      if (this.#closing) return
      this.#track(this.#renewLease().finally(() => this.#scheduleHeartbeat()))
    }, Math.max(1, Math.floor(this.#leaseMs / 3)))
  }

  async #renewLease(): Promise<void> {
    const now = this.#clock.now()
    try {
      const taken = await this.#store!.leaseNotifications(this.owner, this.names, now, now + this.#leaseMs)
      for (const t of taken) {
        const ch = this.#channels.get(t.name)
        if (ch === undefined) continue
        this.#logger.info(`notification '${t.name}': took over ${t.count} queued alert(s) of a stopped dispatcher`)
        this.#toBacklog(ch, t.count)
      }
    } catch (error) {
      this.#logger.warn(`notifications: cannot renew the queue's lease: ${(error as Error).message}`)
    }
  }

  // ---- memory and store

  #hold(ch: Channel, item: Item): void {
    ch.pending.push(item)
    ch.held++
    if (item.id !== undefined) ch.heldIds.add(item.id)
  }

  #release(ch: Channel, items: readonly Item[]): void {
    ch.held -= items.length
    for (const item of items) if (item.id !== undefined) ch.heldIds.delete(item.id)
  }

  #toBacklog(ch: Channel, count: number): void {
    ch.backlog = true
    ch.backlogCount += count
    if (!this.#closing && ch.held < this.#maxInMemory) this.#track(this.#refill(ch))
  }

  /** Reads rows of the store that are not in memory, oldest first, while there is room. */
  async #refill(ch: Channel): Promise<void> {
    const store = this.#store
    if (store === undefined || ch.refilling || this.#closing) return
    ch.refilling = true
    try {
      await ch.serial(async () => {
        const room = this.#maxInMemory - ch.held
        if (room <= 0 || !ch.backlog) return
        const limit = ch.held + room
        const rows = await store.notificationQueue({owner: this.owner, name: ch.n.name, limit})
        let added = 0
        for (const row of rows) {
          if (ch.heldIds.has(row.id)) continue
          if (added >= room) break
          let alert: Alert
          try {
            alert = alertFromJson(JSON.parse(row.alert))
          } catch (error) {
            this.#logger.error(`notification '${ch.n.name}': queued alert ${row.id} is unreadable, dropped: ${(error as Error).message}`)
            await store.deleteNotifications([row.id])
            ch.dropped++
            continue
          }
          this.#hold(ch, {id: row.id, alert, attempts: row.attempts, nextAt: row.nextAt})
          added++
        }
        ch.backlogCount = Math.max(0, ch.backlogCount - added)
        if (rows.length < limit) {
          ch.backlog = false
          ch.backlogCount = 0
        }
      })
    } catch (error) {
      this.#logger.warn(`notification '${ch.n.name}': cannot read the queue: ${(error as Error).message}`)
    } finally {
      ch.refilling = false
    }
  }

  // ---- flush and delivery

  /** Takes the whole pending list, in chunks of group_threshold (1 when 0), or in one message. */
  #flush(ch: Channel, chunked: boolean): void {
    if (ch.pending.length === 0) return
    const items = ch.pending
    ch.pending = []
    const size = chunked ? Math.max(1, ch.n.groupThreshold) : items.length
    for (let i = 0; i < items.length; i += size) ch.waiting.push({items: items.slice(i, i + size)})
    this.#pump(ch)
  }

  #pump(ch: Channel): void {
    while (ch.active < this.#concurrency && ch.waiting.length > 0) {
      const chunk = ch.waiting.shift()!
      ch.active++
      this.#track(this.#deliver(ch, chunk).finally(() => {
        ch.active--
        this.#pump(ch)
        if (ch.backlog && !this.#closing && this.#maxInMemory - ch.held >= Math.max(1, Math.floor(this.#maxInMemory / 10))) this.#track(this.#refill(ch))
        if (!this.#busy()) this.#settleIdle()
      }))
    }
  }

  async #deliver(ch: Channel, chunk: Chunk): Promise<void> {
    const n = ch.n
    const alerts = chunk.items.map((i) => i.alert)
    let text: string
    try {
      text = n.template.render(alertsTemplateData(alerts), this.#render)
    } catch (error) {
      this.#logger.error(`notification '${n.name}': cannot render ${alerts.length} alert(s), dropped: ${(error as Error).message}`)
      await this.#finish(ch, chunk, 'dropped')
      return
    }
    const stop = this.#stop.signal
    const started = this.#clock.now()
    let failures = Math.max(...chunk.items.map((i) => i.attempts))
    const startAt = Math.max(...chunk.items.map((i) => i.nextAt))
    // a back-off that a previous run started goes on
    if (startAt > started && !(await this.#sleep(startAt - started))) return this.#leave(ch, chunk)
    for (;;) {
      try {
        await attemptDelivery(n, text, alerts, stop, this.#clock)
        await this.#finish(ch, chunk, 'delivered')
        return
      } catch (error) {
        if (stop.aborted) return this.#leave(ch, chunk)
        failures++
        ch.failed++
        const delay = backoffDelay(failures, this.#retry, this.#random)
        const attemptsMade = n.maxRetry > 0 ? `${failures} of ${n.maxRetry + 1} attempts` : `${failures} attempt(s)`
        if (!mayRetry(n, failures, this.#clock.now() - started, delay, this.#retry)) {
          this.#logger.error(`notification '${n.name}': ${alerts.length} alert(s) dropped after ${attemptsMade}: ${(error as Error).message}`)
          await this.#finish(ch, chunk, 'dropped')
          return
        }
        this.#logger.warn(`notification '${n.name}': delivery failed (${attemptsMade}), next try in ${formatMs(delay)}: ${(error as Error).message}`)
        const ids = idsOf(chunk)
        const nextAt = this.#clock.now() + delay
        for (const item of chunk.items) {
          item.attempts = failures
          item.nextAt = nextAt
        }
        if (this.#store !== undefined && ids.length > 0) {
          await ch.serial(() => this.#store!.retryNotifications(ids, failures, nextAt)).catch((e: unknown) => this.#logger.warn(`notification '${n.name}': cannot record the retry: ${(e as Error).message}`))
        }
        if (!(await this.#sleep(delay))) return this.#leave(ch, chunk)
      }
    }
  }

  /** A message delivered or given up: its rows go, its alerts leave memory. */
  async #finish(ch: Channel, chunk: Chunk, outcome: 'delivered' | 'dropped'): Promise<void> {
    const n = chunk.items.length
    if (outcome === 'delivered') {
      ch.delivered += n
      ch.messages++
    } else {
      ch.dropped += n
    }
    const ids = idsOf(chunk)
    if (this.#store !== undefined && ids.length > 0) {
      try {
        await ch.serial(() => this.#store!.deleteNotifications(ids))
      } catch (error) {
        // kept in the store: the next start sends them again (at least once)
        this.#logger.warn(`notification '${ch.n.name}': cannot remove ${outcome} alerts from the queue: ${(error as Error).message}`)
      }
    }
    this.#release(ch, chunk.items)
  }

  /** Stopped before delivery: the rows stay in the store for the next start. */
  #leave(ch: Channel, chunk: Chunk): void {
    this.#release(ch, chunk.items)
    ch.backlogCount += chunk.items.length
  }

  #drop(ch: Channel, count: number, why: string): void {
    ch.dropped += count
    this.#logger.error(`notification '${ch.n.name}': alert dropped: ${why}`)
  }

  // ---- waiting

  #track(promise: Promise<unknown>): void {
    const p = promise.then(() => {}, (error: unknown) => this.#logger.error(`notifications: ${(error as Error).message}`))
    this.#running.add(p)
    void p.finally(() => this.#running.delete(p))
  }

  #busy(): boolean {
    for (const ch of this.#channels.values()) if (ch.active > 0 || ch.waiting.length > 0) return true
    return false
  }

  #empty(): boolean {
    for (const ch of this.#channels.values()) if (ch.held > 0 || ch.backlog || ch.pending.length > 0) return false
    return true
  }

  /** Resolves when no message is waiting or in flight, or after `ms`, whichever comes first (leaving no timer behind). */
  #idleOrTimeout(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const done = (): void => {
        this.#clock.clearTimeout(timer)
        resolve()
      }
      this.#idleWaiters.push(done)
      const timer = this.#clock.setTimeout(() => {
        this.#idleWaiters = this.#idleWaiters.filter((w) => w !== done)
        resolve()
      }, ms)
    })
  }

  #settleIdle(): void {
    const waiters = this.#idleWaiters
    this.#idleWaiters = []
    for (const w of waiters) w()
  }

  /** Resolves true after `ms`, or false as soon as the dispatcher stops. */
  #sleep(ms: number): Promise<boolean> {
    const stop = this.#stop.signal
    if (stop.aborted) return Promise.resolve(false)
    return new Promise((resolve) => {
      const onStop = (): void => {
        this.#clock.clearTimeout(timer)
        resolve(false)
      }
      const timer = this.#clock.setTimeout(() => {
        stop.removeEventListener('abort', onStop)
        resolve(true)
      }, ms)
      stop.addEventListener('abort', onStop, {once: true})
    })
  }
}

function idsOf(chunk: Chunk): number[] {
  return chunk.items.flatMap((i) => (i.id === undefined ? [] : [i.id]))
}

/** The alert as queued: a copy the caller's later changes do not reach. */
function copyOf(json: string): Alert {
  return alertFromJson(JSON.parse(json))
}
