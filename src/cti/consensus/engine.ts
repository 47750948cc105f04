/**
 * The consensus engine: signals in, a community blocklist out ("smoke" -> "fire").
 *
 * - ingest(signal, now) keeps, per attacked IP, which reporters saw it and when (evidence). A
 *   signal counts only from an unmodified hub scenario (`certified`), for an address outside the
 *   never-ban lists, stamped neither in the future nor before the window; a benign canary reported
 *   marks the reporter a liar and quarantines its network; a malicious canary reported is a
 *   passed probe (a confirmation). At most 2 reporters per network and maxReportersPerIp in all
 *   are kept per IP: a flood from one place takes room, never the decision.
 * - pass(now) promotes every pending IP with evidence from at least k reporters that count now, from
 *   k distinct networks and k distinct ASes, within the window; credits its reporters (their
 *   reports were confirmed); forgets evidence that went stale unconfirmed (debiting its
 *   reporters); expires fire entries without fresh evidence for fireTtl; promotes a /24 (or /64)
 *   with rangeMinIps fire addresses in it.
 * - explain(ip, now) says why an IP is, or is not, on the list.
 *
 * Memory is bounded by the IPs with evidence in the window and the fire entries, not by the
 * signals: a signal is a few numbers written into its IP's evidence, then dropped.
 */
import {addrPrefix, formatAddr, formatIPv4, ipNetString, isV4Like, parseIP, type Addr, type Prefix} from '../../model/ip.js'
import {NeverBan} from './never-ban.js'
import {DEFAULT_CONSENSUS, type ConsensusParams} from './params.js'
import {Reporters, type Ineligible, type ReporterInfo} from './reporters.js'
import {compareBytes} from '../../model/order.js'

export interface Signal {
  /** The reporter's index (Reporters.upsert). */
  reporter: number
  /** The attacking address. */
  ip: string
  scenario: string
  /** Signal time (ms): the alert's stop. */
  at: number
  /** From an unmodified hub scenario (its hash and version match the published package). */
  certified: boolean
}

export type IngestOutcome = 'accepted' | 'uncertified' | 'never-ban' | 'stale' | 'future' | 'garbage' | 'benign-canary' | 'malicious-canary'

export interface IngestCounts {
  signals: number
  accepted: number
  uncertified: number
  neverBan: number
  stale: number
  future: number
  garbage: number
  benignCanary: number
  maliciousCanary: number
  /** Accepted but not kept: the IP's evidence already holds 2 reporters of that network, or is full. */
  crowded: number
}

/** An entry of the community blocklist, with the evidence that put it there. */
export interface FireEntry {
  value: string
  scope: 'Ip' | 'Range'
  /** The scenario most of its reporters saw. */
  scenario: string
  promotedAt: number
  /** The last trusted signal (or, for a range, the last of its addresses'). */
  lastEvidenceAt: number
  expiresAt: number
  evidence: {
    reporters: string[]
    networks: number
    asns: number
    firstAt: number
    lastAt: number
    scenarios: Record<string, number>
    /** Ranges: the fire addresses in it. */
    addresses?: number
  }
}

export interface PassResult {
  at: number
  promoted: FireEntry[]
  expired: FireEntry[]
  /** Evidence dropped unconfirmed (its reporters debited). */
  forgotten: number
}

export interface Canaries {
  /** Addresses the service knows are benign: whoever reports one is lying. */
  benign: ReadonlySet<string>
  /** Addresses the service attacks from on purpose: whoever reports one passed a probe. */
  malicious: ReadonlySet<string>
}

export interface Explanation {
  ip: string
  state: 'fire' | 'smoke' | 'never-ban' | 'unknown' | 'canary'
  reason: string
  k: number
  fire?: FireEntry
  range?: FireEntry
  evidence?: {
    reporters: number
    counting: number
    networks: number
    asns: number
    firstAt: number
    lastAt: number
    notCounting: Partial<Record<Exclude<Ineligible, ''> | 'stale', number>>
  }
}

interface Evidence {
  addr: Addr
  reporters: number[]
  at: number[]
  scenarios: Map<string, number>
  firstAt: number
  lastAt: number
}

const MAX_SCENARIOS = 16
/** Signals stamped this far ahead of the service's clock are refused (clock skew beyond this is a lie). */
const FUTURE_SLACK_MS = 5 * 60_000

export function emptyIngestCounts(): IngestCounts {
  return {signals: 0, accepted: 0, uncertified: 0, neverBan: 0, stale: 0, future: 0, garbage: 0, benignCanary: 0, maliciousCanary: 0, crowded: 0}
}

/** The canonical text of an address (IPv4-mapped as IPv4), or null. */
export function canonicalIp(text: string): {addr: Addr; key: string} | null {
  const a = parseIP(text)
  if (a === null || a.zone !== '') return null
  if (isV4Like(a)) {
    const key = formatIPv4(a.w3)
    return {addr: a.is4 ? a : (parseIP(key) as Addr), key}
  }
  return {addr: a, key: formatAddr(a)}
}

export class ConsensusEngine {
  readonly params: ConsensusParams
  readonly reporters: Reporters
  readonly counts: IngestCounts = emptyIngestCounts()
  readonly #neverBan: NeverBan
  readonly #canaries: Canaries
  readonly #evidence = new Map<string, Evidence>()
  readonly #fire = new Map<string, FireEntry>()
  readonly #ranges = new Map<string, FireEntry>()

  constructor(options: {params?: Partial<ConsensusParams>; neverBan: NeverBan; canaries?: Canaries}) {
    this.params = {...DEFAULT_CONSENSUS, ...options.params}
    this.reporters = new Reporters(this.params)
    this.#neverBan = options.neverBan
    this.#canaries = options.canaries ?? {benign: new Set(), malicious: new Set()}
  }

  addReporter(info: ReporterInfo): number {
    return this.reporters.upsert(info)
  }

  /** IPs with evidence (smoke, fire included while it is fresh). */
  get smokeSize(): number {
    return this.#evidence.size
  }

  get fireSize(): number {
    return this.#fire.size + this.#ranges.size
  }

  ingest(s: Signal, now: number): IngestOutcome {
    const c = this.counts
    c.signals++
    if (!s.certified) return (c.uncertified++, 'uncertified')
    if (s.at > now + FUTURE_SLACK_MS) return (c.future++, 'future')
    if (!(s.at >= now - this.params.windowMs)) return (c.stale++, 'stale')
    const ip = canonicalIp(s.ip)
    if (ip === null) return (c.garbage++, 'garbage')
    if (this.#canaries.benign.has(ip.key)) {
      this.reporters.caughtLying(s.reporter, now)
      return (c.benignCanary++, 'benign-canary')
    }
    if (this.#canaries.malicious.has(ip.key)) {
      this.reporters.confirm(s.reporter)
      return (c.maliciousCanary++, 'malicious-canary')
    }
    if (this.#neverBan.reasonFor(ip.addr) !== undefined) return (c.neverBan++, 'never-ban')
    c.accepted++
    const fire = this.#fire.get(ip.key)
    if (fire !== undefined && this.reporters.ineligible(s.reporter, now) === '') fire.lastEvidenceAt = Math.max(fire.lastEvidenceAt, Math.min(s.at, now))
    let e = this.#evidence.get(ip.key)
    if (e === undefined) {
      e = {addr: ip.addr, reporters: [], at: [], scenarios: new Map(), firstAt: s.at, lastAt: s.at}
      this.#evidence.set(ip.key, e)
    }
    e.firstAt = Math.min(e.firstAt, s.at)
    e.lastAt = Math.max(e.lastAt, s.at)
    const known = e.reporters.indexOf(s.reporter)
    if (known >= 0) {
      e.at[known] = Math.max(e.at[known]!, s.at)
    } else {
      const net = this.reporters.network(s.reporter)
      let sameNetwork = 0
      for (const r of e.reporters) if (this.reporters.network(r) === net) sameNetwork++
      if (sameNetwork >= 2 || e.reporters.length >= this.params.maxReportersPerIp) {
        c.crowded++
      } else {
        e.reporters.push(s.reporter)
        e.at.push(s.at)
      }
    }
    const n = e.scenarios.get(s.scenario)
    if (n !== undefined) e.scenarios.set(s.scenario, n + 1)
    else if (e.scenarios.size < MAX_SCENARIOS) e.scenarios.set(s.scenario, 1)
    return 'accepted'
  }

  /** One consensus pass at `now`. */
  pass(now: number): PassResult {
    const p = this.params
    const promoted: FireEntry[] = []
    const expired: FireEntry[] = []
    let forgotten = 0
    const since = now - p.windowMs
    for (const [key, e] of this.#evidence) {
      if (e.lastAt < since) {
        // stale: confirmed reports were credited at promotion; the others are debited
        if (!this.#fire.has(key)) {
          for (const r of e.reporters) this.reporters.unconfirm(r)
          forgotten++
        }
        this.#evidence.delete(key)
        continue
      }
      // every pass looks at every pending IP: reporters age into counting, or out of it
      if (this.#fire.has(key)) continue
      const counted = this.#counting(e, now, since)
      if (counted.networks.size < p.k || counted.asns.size < p.k) continue
      const entry: FireEntry = {
        value: key, scope: 'Ip', scenario: topScenario(e.scenarios), promotedAt: now, lastEvidenceAt: counted.lastAt, expiresAt: counted.lastAt + p.fireTtlMs,
        evidence: {reporters: counted.reporters.map((r) => this.reporters.id(r)), networks: counted.networks.size, asns: counted.asns.size, firstAt: e.firstAt, lastAt: e.lastAt, scenarios: Object.fromEntries(e.scenarios)},
      }
      this.#fire.set(key, entry)
      for (const r of e.reporters) this.reporters.confirm(r)
      promoted.push(entry)
    }
    for (const [key, f] of this.#fire) {
      f.expiresAt = f.lastEvidenceAt + p.fireTtlMs
      if (f.expiresAt <= now) {
        this.#fire.delete(key)
        expired.push(f)
      }
    }
    this.#passRanges(now, promoted, expired)
    promoted.sort(byScopeThenValue)
    expired.sort(byScopeThenValue)
    return {at: now, promoted, expired, forgotten}
  }

  /** Every fire entry (addresses, then ranges), in a stable order. */
  fire(): FireEntry[] {
    return [...this.#fire.values(), ...this.#ranges.values()].sort(byScopeThenValue)
  }

  fireEntry(ip: string): FireEntry | undefined {
    const c = canonicalIp(ip)
    return c === null ? undefined : this.#fire.get(c.key)
  }

  explain(text: string, now: number): Explanation {
    const k = this.params.k
    const ip = canonicalIp(text)
    if (ip === null) return {ip: text, state: 'unknown', reason: 'not an IP address', k}
    const out: Explanation = {ip: ip.key, state: 'unknown', reason: 'no signal in the window', k}
    const range = this.#rangeOf(ip.addr)
    if (range !== undefined) out.range = range
    if (this.#canaries.benign.has(ip.key)) return {...out, state: 'canary', reason: 'a benign canary of this service: whoever reports it is caught lying'}
    if (this.#canaries.malicious.has(ip.key)) return {...out, state: 'canary', reason: "one of this service's probes: reporting it is a passed test"}
    const never = this.#neverBan.reasonFor(ip.addr)
    if (never !== undefined) return {...out, state: 'never-ban', reason: `never promoted: ${never}`}
    const e = this.#evidence.get(ip.key)
    if (e !== undefined) {
      const counted = this.#counting(e, now, now - this.params.windowMs)
      out.evidence = {reporters: e.reporters.length, counting: counted.reporters.length, networks: counted.networks.size, asns: counted.asns.size, firstAt: e.firstAt, lastAt: e.lastAt, notCounting: counted.notCounting}
      out.state = 'smoke'
      out.reason = `${counted.reporters.length} reporter(s) count, from ${counted.networks.size} network(s) and ${counted.asns.size} AS(es); ${k} of each are needed`
    }
    explainFire(out, this.#fire.get(ip.key), range)
    return out
  }

  /** The reporters of `e` that count at `now`, with their distinct networks and ASes. */
  #counting(e: Evidence, now: number, since: number) {
    const reporters: number[] = []
    const networks = new Set<number>()
    const asns = new Set<number>()
    const notCounting: Partial<Record<Exclude<Ineligible, ''> | 'stale', number>> = {}
    let lastAt = 0
    for (let i = 0; i < e.reporters.length; i++) {
      const r = e.reporters[i]!
      if (e.at[i]! < since) {
        notCounting.stale = (notCounting.stale ?? 0) + 1
        continue
      }
      const why = this.reporters.ineligible(r, now)
      if (why !== '') {
        notCounting[why] = (notCounting[why] ?? 0) + 1
        continue
      }
      reporters.push(r)
      networks.add(this.reporters.network(r))
      asns.add(this.reporters.asn(r))
      lastAt = Math.max(lastAt, Math.min(e.at[i]!, now))
    }
    return {reporters, networks, asns, notCounting, lastAt}
  }

  #rangeOf(a: Addr): FireEntry | undefined {
    const p = rangeOf(a)
    return p === null ? undefined : this.#ranges.get(ipNetString(p))
  }

  /** A /24 (/64) with rangeMinIps fire addresses is promoted; it lasts as long as its last address. */
  #passRanges(now: number, promoted: FireEntry[], expired: FireEntry[]): void {
    const members = new Map<string, {prefix: Prefix; entries: FireEntry[]}>()
    for (const f of this.#fire.values()) {
      const a = canonicalIp(f.value)!.addr
      const prefix = rangeOf(a)
      if (prefix === null) continue
      const key = ipNetString(prefix)
      const m = members.get(key)
      if (m === undefined) members.set(key, {prefix, entries: [f]})
      else m.entries.push(f)
    }
    for (const [key, range] of this.#ranges) {
      const m = members.get(key)
      if (m === undefined || m.entries.length < this.params.rangeMinIps) {
        this.#ranges.delete(key)
        expired.push(range)
      }
    }
    for (const [key, m] of members) {
      if (m.entries.length < this.params.rangeMinIps || this.#neverBan.rangeReason(m.prefix) !== undefined) continue
      const last = Math.max(...m.entries.map((f) => f.lastEvidenceAt))
      const known = this.#ranges.get(key)
      if (known !== undefined) {
        known.lastEvidenceAt = last
        known.expiresAt = last + this.params.fireTtlMs
        known.evidence.addresses = m.entries.length
        continue
      }
      const scenarios: Record<string, number> = {}
      for (const f of m.entries) scenarios[f.scenario] = (scenarios[f.scenario] ?? 0) + 1
      const reporters = [...new Set(m.entries.flatMap((f) => f.evidence.reporters))]
      const entry: FireEntry = {
        value: key, scope: 'Range', scenario: topScenario(new Map(Object.entries(scenarios))), promotedAt: now, lastEvidenceAt: last, expiresAt: last + this.params.fireTtlMs,
        evidence: {reporters, networks: Math.max(...m.entries.map((f) => f.evidence.networks)), asns: Math.max(...m.entries.map((f) => f.evidence.asns)), firstAt: Math.min(...m.entries.map((f) => f.evidence.firstAt)), lastAt: Math.max(...m.entries.map((f) => f.evidence.lastAt)), scenarios, addresses: m.entries.length},
      }
      this.#ranges.set(key, entry)
      promoted.push(entry)
    }
  }
}

/** Marks `out` fire when the address, or its range, is on the list (with the reason); leaves it as it is otherwise. */
export function explainFire(out: Explanation, fire: FireEntry | undefined, range: FireEntry | undefined): void {
  if (fire !== undefined) {
    out.fire = fire
    out.state = 'fire'
    out.reason = `promoted: ${fire.evidence.reporters.length} reporter(s) from ${fire.evidence.networks} network(s) and ${fire.evidence.asns} AS(es) agreed; expires without fresh evidence`
  } else if (range !== undefined) {
    out.state = 'fire'
    out.reason = `inside the promoted range ${range.value}`
  }
}

/** The range an address is promoted within: its /24 (IPv4) or /64 (IPv6). */
export function rangeOf(a: Addr): Prefix | null {
  return addrPrefix(a, a.is4 ? 24 : 64)
}

function topScenario(scenarios: Map<string, number>): string {
  let best = ''
  let n = -1
  for (const [s, c] of scenarios) if (c > n || (c === n && s < best)) [best, n] = [s, c]
  return best
}

/** Addresses before ranges, each by value. */
function byScopeThenValue(a: FireEntry, b: FireEntry): number {
  return a.scope === b.scope ? compareBytes(a.value, b.value) : a.scope === 'Ip' ? -1 : 1
}
