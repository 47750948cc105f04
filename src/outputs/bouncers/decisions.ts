/**
 * Decision handling shared by every bouncer (pure: no I/O, the time is passed in): from the
 * items of the LAPI decision stream (lapi.md §5, `{new: [...], deleted: [...]}`) to the batches
 * a bouncer plugin applies.
 *
 * - Filters, as CrowdSec's bouncers read them from their config: `scopes` (Ip, Range; other
 *   scopes are not for bouncers that block addresses), `supported_decisions_types` (default
 *   ban), `origins`, `scenarios_containing` / `scenarios_not_containing` (substrings, any of).
 *   `captcha_as_ban` (default true): a target that cannot show a captcha bans instead.
 * - Normalisation: Ip values are dotted IPv4 or RFC 5952 IPv6 (compressed, lower case; an
 *   IPv4-mapped address is its IPv4), Range values are canonical CIDR (host bits cleared).
 *   A value or scope that is garbage is counted and sampled for the log, never passed on.
 * - Several decisions for one value (several scenarios, a manual ban over an automatic one):
 *   the value is blocked by the one that lasts longest, and stays blocked until the last one is
 *   deleted or expires. The plugin sees one Decision per value: `added` when a value becomes
 *   blocked or its longest decision changes (an update: apply it over the old one), `deleted`
 *   when no decision is left for it.
 *
 * Memory: one small object per decision known, one Map entry per value (1,000,000 decisions is
 * some hundreds of MB at most; the runner logs progress while it loads them).
 */
import {parseGoDuration} from '../../model/go-time.js'
import {formatIPv4, ipNetString, isV4Like, parseIP, parsePrefix, formatAddr} from '../../model/ip.js'

export type DecisionScope = 'Ip' | 'Range'

/** What a bouncer plugin gets for one value: the decision that blocks it for longest. */
export interface Decision {
  /** Normalised: an address for Ip, a canonical CIDR for Range. */
  value: string
  scope: DecisionScope
  /** After captcha_as_ban: `ban` (or another supported type). */
  type: string
  origin: string
  scenario: string
  /** Milliseconds left from when the batch was made (at least 1). */
  ttlMs: number
}

/** One call of the plugin's `apply`. `startup`: replace your whole state with `added` (`deleted` is empty). */
export interface DecisionBatch {
  startup: boolean
  added: Decision[]
  deleted: Decision[]
}

/** A decision as the LAPI stream writes it (only what bouncers read). */
export interface StreamDecision {
  id?: number
  uuid?: string
  value?: unknown
  scope?: unknown
  type?: unknown
  origin?: unknown
  scenario?: unknown
  duration?: unknown
  until?: unknown
}

/** A stream answer; the lists may be read lazily (stream.ts). */
export interface StreamAnswer {
  new?: Iterable<StreamDecision> | null
  deleted?: Iterable<StreamDecision> | null
}

export interface DecisionFilters {
  /** Lower-case scopes kept (subset of ip, range). */
  scopes: string[]
  /** Lower-case decision types kept. */
  types: string[]
  /** Origins kept (as written; compared ignoring case); empty: all. */
  origins: string[]
  scenariosContaining: string[]
  scenariosNotContaining: string[]
  captchaAsBan: boolean
}

export const DEFAULT_FILTERS: DecisionFilters = {scopes: ['ip', 'range'], types: ['ban'], origins: [], scenariosContaining: [], scenariosNotContaining: [], captchaAsBan: true}

/** Why a stream item was not used. */
export interface StreamCounts {
  /** Items read. */
  read: number
  /** Left out by the filters (scope, type, origin, scenario). */
  filtered: number
  /** Unusable value, scope or duration: never passed on. */
  garbage: number
  /** New items already expired. */
  expired: number
  /** A few garbage items with the reason, for the log. */
  samples: string[]
}

const MAX_SAMPLES = 5
/** Ends closer than this are the same end: a stream gives countdowns, read at slightly different times. */
const SAME_END_MS = 2000

export function emptyCounts(): StreamCounts {
  return {read: 0, filtered: 0, garbage: 0, expired: 0, samples: []}
}

/** The canonical value of an address or range for `scope`, or undefined when it is not one. */
export function normaliseValue(scope: DecisionScope, value: string): string | undefined {
  if (scope === 'Ip') {
    const a = parseIP(value)
    if (a === null) return undefined
    return isV4Like(a) ? formatIPv4(a.w3) : formatAddr(a)
  }
  const p = parsePrefix(value)
  return p === null ? undefined : ipNetString(p)
}

/** `Ip` / `Range` for a stream scope (any case), undefined for any other. */
export function normaliseScope(scope: string): DecisionScope | undefined {
  const s = scope.toLowerCase()
  return s === 'ip' ? 'Ip' : s === 'range' ? 'Range' : undefined
}

/** A decision known to the state: what blocks one value, from one stream item. */
interface Entry {
  /** The stream id (or, without one, its uuid or type|origin|scenario): what a delete names. */
  key: number | string
  scope: DecisionScope
  type: string
  origin: string
  scenario: string
  expiresAt: number
}

type Parsed = {entry: Entry; value: string} | {skip: 'filtered' | 'expired'} | {garbage: string}

/** Reads one stream item against the filters; `forDelete`: a deleted item (its duration may be negative). */
export function readStreamDecision(item: StreamDecision, filters: DecisionFilters, now: number, forDelete = false): Parsed {
  if (item === null || typeof item !== 'object') return {garbage: 'not an object'}
  if (typeof item.scope !== 'string' || item.scope === '' || !/^[A-Za-z][A-Za-z0-9_:.-]*$/.test(item.scope)) return {garbage: `scope ${JSON.stringify(item.scope)}`}
  const scope = normaliseScope(item.scope)
  if (scope === undefined) return {skip: 'filtered'}
  if (!filters.scopes.includes(scope.toLowerCase())) return {skip: 'filtered'}
  if (typeof item.value !== 'string') return {garbage: `${scope} value ${JSON.stringify(item.value)}`}
  const value = normaliseValue(scope, item.value)
  if (value === undefined) return {garbage: `${scope} value ${JSON.stringify(item.value.slice(0, 80))}`}
  let type = typeof item.type === 'string' ? item.type.toLowerCase() : ''
  if (type === '') return {garbage: `type ${JSON.stringify(item.type)} of ${value}`}
  if (type === 'captcha' && filters.captchaAsBan) type = 'ban'
  if (!filters.types.includes(type)) return {skip: 'filtered'}
  const origin = typeof item.origin === 'string' ? item.origin : ''
  if (filters.origins.length > 0 && !filters.origins.some((o) => o.toLowerCase() === origin.toLowerCase())) return {skip: 'filtered'}
  const scenario = typeof item.scenario === 'string' ? item.scenario : ''
  if (filters.scenariosContaining.length > 0 && !filters.scenariosContaining.some((s) => scenario.includes(s))) return {skip: 'filtered'}
  if (filters.scenariosNotContaining.some((s) => scenario.includes(s))) return {skip: 'filtered'}
  const key = typeof item.id === 'number' ? item.id : typeof item.uuid === 'string' && item.uuid !== '' ? item.uuid : `${type}|${origin}|${scenario}`
  let expiresAt: number
  if (typeof item.duration === 'string' && item.duration !== '') {
    try {
      expiresAt = now + parseGoDuration(item.duration).ns / 1e6
    } catch {
      return {garbage: `duration ${JSON.stringify(item.duration.slice(0, 40))} of ${value}`}
    }
  } else if (typeof item.until === 'string' && !Number.isNaN(Date.parse(item.until))) {
    expiresAt = Date.parse(item.until)
  } else if (forDelete) {
    expiresAt = now
  } else {
    return {garbage: `no duration for ${value}`}
  }
  if (!forDelete && expiresAt <= now) return {skip: 'expired'}
  return {value, entry: {key, scope, type: intern(type), origin: intern(origin), scenario: intern(scenario), expiresAt}}
}

/** One copy of each type, origin and scenario name (a million decisions share a few dozen). */
const interned = new Map<string, string>()
const MAX_INTERNED = 10_000

function intern(text: string): string {
  const known = interned.get(text)
  if (known !== undefined) return known
  if (interned.size < MAX_INTERNED) interned.set(text, text)
  return text
}

/** The decisions a bouncer knows, per value; computes what changes for the plugin. */
export class DecisionState {
  /** value -> its entries (one object when alone: most values have one decision). */
  readonly #values = new Map<string, Entry | Entry[]>()
  #decisions = 0

  constructor(readonly filters: DecisionFilters = DEFAULT_FILTERS) {}

  /** Values blocked. */
  get size(): number {
    return this.#values.size
  }

  /** Decisions known (several may block one value). */
  get decisions(): number {
    return this.#decisions
  }

  /** Every blocked value with the decision that lasts longest. */
  snapshot(now: number): Decision[] {
    const out: Decision[] = []
    for (const [value, entries] of this.#values) out.push(toDecision(value, longest(entries), now))
    return out
  }

  /**
   * Applies a stream answer (a poll after the first); returns what changed for the plugin.
   * Deleted items are applied first, then new ones (the LAPI lists a replaced decision in both).
   */
  apply(answer: StreamAnswer, now: number, counts: StreamCounts = emptyCounts()): DecisionBatch {
    const before = new Map<string, Entry | undefined>()
    const touch = (value: string): void => {
      if (!before.has(value)) {
        const e = this.#values.get(value)
        before.set(value, e === undefined ? undefined : longest(e))
      }
    }
    for (const item of answer.deleted ?? []) {
      const r = this.#read(item, now, true, counts)
      if (r === undefined) continue
      touch(r.value)
      this.#remove(r.value, r.entry)
    }
    for (const item of answer.new ?? []) {
      const r = this.#read(item, now, false, counts)
      if (r === undefined) continue
      touch(r.value)
      this.#add(r.value, r.entry)
    }
    return this.#diff(before, now, false)
  }

  /**
   * Replaces everything with a startup answer (`startup=true`: every active decision). Returns the
   * changes from the old state (for a resync; on the first sync send `snapshot` as a startup batch).
   */
  replace(answer: StreamAnswer, now: number, counts: StreamCounts = emptyCounts()): DecisionBatch {
    const old = new Map(this.#values)
    this.#values.clear()
    this.#decisions = 0
    for (const item of answer.new ?? []) {
      const r = this.#read(item, now, false, counts)
      if (r !== undefined) this.#add(r.value, r.entry)
    }
    const before = new Map<string, Entry | undefined>()
    for (const [value, entries] of old) before.set(value, longest(entries))
    for (const value of this.#values.keys()) if (!before.has(value)) before.set(value, undefined)
    return this.#diff(before, now, false)
  }

  /** Drops the decisions that ended by `now` (the LAPI may be away); the values left unblocked. */
  expire(now: number): Decision[] {
    const deleted: Decision[] = []
    for (const [value, entries] of this.#values) {
      const list = Array.isArray(entries) ? entries : [entries]
      const live = list.filter((e) => e.expiresAt > now)
      if (live.length === list.length) continue
      this.#decisions -= list.length - live.length
      if (live.length === 0) {
        this.#values.delete(value)
        deleted.push(toDecision(value, longest(entries), now))
      } else {
        this.#values.set(value, live.length === 1 ? live[0]! : live)
      }
    }
    return deleted
  }

  #read(item: StreamDecision, now: number, forDelete: boolean, counts: StreamCounts): {value: string; entry: Entry} | undefined {
    counts.read++
    const r = readStreamDecision(item, this.filters, now, forDelete)
    if ('garbage' in r) {
      counts.garbage++
      if (counts.samples.length < MAX_SAMPLES) counts.samples.push(r.garbage)
      return undefined
    }
    if ('skip' in r) {
      counts[r.skip]++
      return undefined
    }
    return r
  }

  #add(value: string, entry: Entry): void {
    const entries = this.#values.get(value)
    if (entries === undefined) {
      this.#values.set(value, entry)
      this.#decisions++
      return
    }
    const list = Array.isArray(entries) ? entries : [entries]
    const i = list.findIndex((e) => e.key === entry.key)
    if (i >= 0) list[i] = entry
    else {
      list.push(entry)
      this.#decisions++
    }
    this.#values.set(value, list.length === 1 ? list[0]! : list)
  }

  #remove(value: string, entry: Entry): void {
    const entries = this.#values.get(value)
    if (entries === undefined) return
    const list = Array.isArray(entries) ? entries : [entries]
    const left = list.filter((e) => e.key !== entry.key)
    if (left.length === list.length) return
    this.#decisions -= list.length - left.length
    if (left.length === 0) this.#values.delete(value)
    else this.#values.set(value, left.length === 1 ? left[0]! : left)
  }

  #diff(before: Map<string, Entry | undefined>, now: number, startup: boolean): DecisionBatch {
    const added: Decision[] = []
    const deleted: Decision[] = []
    for (const [value, was] of before) {
      const entries = this.#values.get(value)
      const is = entries === undefined ? undefined : longest(entries)
      if (is === undefined) {
        if (was !== undefined) deleted.push(toDecision(value, was, now))
      } else if (was === undefined || Math.abs(was.expiresAt - is.expiresAt) > SAME_END_MS || was.type !== is.type || was.key !== is.key) {
        added.push(toDecision(value, is, now))
      }
    }
    return {startup, added, deleted}
  }
}

function longest(entries: Entry | Entry[]): Entry {
  if (!Array.isArray(entries)) return entries
  let best = entries[0]!
  for (const e of entries) if (e.expiresAt > best.expiresAt) best = e
  return best
}

function toDecision(value: string, e: Entry, now: number): Decision {
  return {value, scope: e.scope, type: e.type, origin: e.origin, scenario: e.scenario, ttlMs: Math.max(1, Math.round(e.expiresAt - now))}
}

/** `batch` cut into batches of at most `size` decisions; only the first keeps `startup`. */
export function chunkBatch(batch: DecisionBatch, size: number): DecisionBatch[] {
  const total = batch.added.length + batch.deleted.length
  if (total <= size) return [batch]
  const out: DecisionBatch[] = []
  // deletions first, as the plugin would apply one batch
  for (let i = 0; i < batch.deleted.length; i += size) out.push({startup: false, added: [], deleted: batch.deleted.slice(i, i + size)})
  for (let i = 0; i < batch.added.length; i += size) out.push({startup: false, added: batch.added.slice(i, i + size), deleted: []})
  if (batch.startup) out[0] = {...out[0]!, startup: true}
  return out
}
