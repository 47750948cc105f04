/**
 * The `blocklist` bouncer (issue 17): the active decisions served over HTTP as lists that
 * firewalls and proxies pull (plain text, JSON, a MikroTik script), with CrowdSec
 * blocklist-mirror's keys (blocklist/settings.ts). Run by crowd itself, not in the sandbox: the
 * hub package crowd/bouncer-blocklist (`builtin = "blocklist"`) holds only its configuration, and
 * a listening socket is not something sandboxed code is given.
 *
 * It keeps the decisions itself (`batches: changes`): a startup batch replaces them all, then
 * deletions and additions apply; each entry's end is computed from its ttlMs when the batch
 * arrives, and an entry leaves the lists when it ends, between batches too. Each list is rendered
 * once per change (MikroTik's also every 10 s: its timeouts count down) and cached with its ETag
 * (1,000,000 entries take seconds to render: not once per request).
 *
 * `resync` lists what is served, so a restart bigger than one chunk never serves half a list
 * (the runner deletes what is stale, then adds again); only the very first startup, before which
 * the lists answered 503, fills them chunk by chunk.
 *
 * The server listens as soon as the bouncer is made (errors at startup: `listening()`); the
 * lists answer 503 until the first startup batch. `apply` retries listening when it had failed
 * (the port may be free by then), so a failure there is the runner's retried plugin error.
 */
import {createHash} from 'node:crypto'
import type {InstalledPlugin} from '../../hub/plugins.js'
import {silentLogger, type Logger} from '../../model/logger.js'
import type {BouncerConfig} from './config.js'
import type {DecisionBatch} from './decisions.js'
import {CONTENT_TYPES, listEntry, renderList, selectEntries, type ListEntry, type ListVariant} from './blocklist/formats.js'
import {BlocklistServer, type RenderedList} from './blocklist/server.js'
import {blocklistSettings, type BlocklistFormat, type BlocklistSettings} from './blocklist/settings.js'
import type {BouncerPlugin, SandboxedBouncerOptions} from './plugins.js'

export {blocklistSettings, parseListenUri, type BlocklistSettings} from './blocklist/settings.js'
export {renderList, routerOsDuration, type ListEntry} from './blocklist/formats.js'

/** How long a MikroTik rendering (its timeouts count down) is served. */
const MIKROTIK_REFRESH_MS = 10_000
/** Renderings kept (format × family × MikroTik list name). */
const MAX_CACHED = 16

export interface BlocklistOptions extends SandboxedBouncerOptions {
  /** The clock (tests). */
  now?: () => number
}

/** The blocklist bouncer as the runner sees it, plus its server's address. */
export interface BlocklistBouncer extends BouncerPlugin {
  /** The server's `http://host:port/` once it listens; rejects with the CrowdError when it cannot. */
  listening(): Promise<string>
  /** The lists' settings as read from the configuration. */
  readonly settings: BlocklistSettings
}

/** The blocklist bouncer of `config`. Throws CrowdErrors ('config') for bad keys; starts listening. */
export function blocklistBouncer(config: BouncerConfig, plugin: Pick<InstalledPlugin, 'name'>, options: BlocklistOptions): BlocklistBouncer {
  const settings = blocklistSettings(config)
  const logger = options.logger ?? silentLogger
  const now = options.now ?? Date.now
  const lists = new BlocklistLists(now)
  const server = new BlocklistServer(settings, (format, variant) => lists.render(format, variant), logger, {file: config.file, line: config.keyLines.listen_uri})
  const describe = settings.lists.map((l) => `${l.endpoint} (${l.format}, ${l.auth.type})`).join(', ')
  const listen = (): Promise<string> => server.listen().then((url) => {
    logger.info(`bouncer ${config.name}: serving ${describe} on ${url}`)
    return url
  })
  let listening = listen()
  listening.catch(() => {}) // reported by listening() and apply()
  if (!isLoopback(settings.host) && settings.lists.some((l) => l.auth.type === 'none')) {
    logger.warn(`bouncer ${config.name}: listen_uri ${settings.listenUri} is not a loopback address and a list has authentication type none: anyone who reaches it reads the list`)
  }
  let closed = false
  return {
    packageName: plugin.name,
    batches: 'changes',
    settings,
    listening: () => listening,
    async apply(batch: DecisionBatch) {
      let url: string
      try {
        url = await listening
      } catch {
        if (closed) throw new Error('the blocklist bouncer is closed')
        listening = listen()
        listening.catch(() => {})
        url = await listening
      }
      lists.apply(batch)
      return {listening: url, entries: lists.size, ...server.counts}
    },
    // a restart bigger than one chunk then comes as deletions and additions on what is served:
    // no moment with half a list. Before the first startup there is nothing to keep.
    async resync() {
      return lists.loaded ? lists.entries().map((e) => e.value) : undefined
    },
    async close() {
      closed = true
      await listening.catch(() => {})
      await server.close()
    },
  }
}

function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127\.\d+\.\d+\.\d+$/.test(host)
}

/** The blocked values and the rendered lists (cached per format and variant until the next change). */
export class BlocklistLists {
  readonly #entries = new Map<string, ListEntry>()
  readonly #cache = new Map<string, {version: number; period: number; rendered: RenderedList}>()
  readonly #now: () => number
  /** Bumped at each change (batch, or an entry ended). */
  #version = 0
  /** When the list last changed (Last-Modified). */
  #changedAt = 0
  /** The earliest end among the entries (Infinity when none). */
  #nextEnd = Infinity
  #loaded = false

  constructor(now: () => number = Date.now) {
    this.#now = now
  }

  /** Values listed (ended ones may linger until the next render). */
  get size(): number {
    return this.#entries.size
  }

  /** Whether a startup batch came: before it, the lists are unknown. */
  get loaded(): boolean {
    return this.#loaded
  }

  apply(batch: DecisionBatch): void {
    const now = this.#now()
    if (batch.startup) {
      this.#entries.clear()
      this.#nextEnd = Infinity
      this.#loaded = true
    }
    for (const d of batch.deleted) this.#entries.delete(d.value)
    for (const d of batch.added) {
      const e = listEntry(d, now)
      if (e === undefined) continue
      this.#entries.set(e.value, e)
      if (e.expiresAt < this.#nextEnd) this.#nextEnd = e.expiresAt
    }
    if (batch.startup || batch.added.length > 0 || batch.deleted.length > 0) {
      this.#version++
      this.#changedAt = now
    }
  }

  /** The live entries, in list order. */
  entries(variant: ListVariant = {}): ListEntry[] {
    this.#expire(this.#now())
    return selectEntries(this.#entries.values(), this.#now(), variant)
  }

  /** The list in `format`; undefined before the first startup batch. */
  render(format: BlocklistFormat, variant: ListVariant = {}): RenderedList | undefined {
    if (!this.#loaded) return undefined
    const now = this.#now()
    this.#expire(now)
    const key = `${format}|${variant.family ?? ''}|${variant.listName ?? ''}`
    // MikroTik timeouts count down: its text is made again after MIKROTIK_REFRESH_MS (a router
    // then keeps an entry at most that much longer; one that ends leaves the list at once)
    const period = format === 'mikrotik' ? Math.floor(now / MIKROTIK_REFRESH_MS) : 0
    const cached = this.#cache.get(key)
    if (cached !== undefined && cached.version === this.#version && cached.period === period) return cached.rendered
    // variants come from the query (?listname=): a bounded cache
    if (this.#cache.size >= MAX_CACHED) this.#cache.clear()
    const body = Buffer.from(renderList(format, selectEntries(this.#entries.values(), now, variant), now, variant))
    const etag = `"${createHash('sha256').update(body).digest('base64url').slice(0, 32)}"`
    const rendered: RenderedList = {body, etag, lastModified: format === 'mikrotik' ? Math.max(this.#changedAt, period * MIKROTIK_REFRESH_MS) : this.#changedAt, contentType: CONTENT_TYPES[format]}
    this.#cache.set(key, {version: this.#version, period, rendered})
    return rendered
  }

  /** Drops the entries that ended by `now`. */
  #expire(now: number): void {
    if (now < this.#nextEnd) return
    let next = Infinity
    let lastEnd = 0
    for (const [value, e] of this.#entries) {
      if (e.expiresAt <= now) {
        this.#entries.delete(value)
        if (e.expiresAt > lastEnd) lastEnd = e.expiresAt
      } else if (e.expiresAt < next) next = e.expiresAt
    }
    this.#nextEnd = next
    if (lastEnd > 0) {
      this.#version++
      this.#changedAt = Math.max(this.#changedAt, lastEnd)
    }
  }
}
