/**
 * The reporters the consensus knows (agents that send signals), in columns: a million of them are
 * a few typed arrays, not a million objects. A reporter's trust comes from its age, its history
 * (reports later confirmed by the consensus, malicious canaries it reported; reports that were
 * never confirmed) and its network's record (a benign canary reported from a network makes every
 * reporter of that network not count for a while).
 */
import type {ConsensusParams} from './params.js'

/** Why a reporter does not count now ('' when it does). */
export type Ineligible = '' | 'liar' | 'quarantined' | 'too new' | 'unconfirmed' | 'untrusted'

export interface ReporterInfo {
  /** The machine id (or, in a simulation, a number as text). */
  id: string
  /** Its network: the /24 (IPv4) or /48 (IPv6) of the address it reports from. */
  network: string
  /** Its autonomous system (0: unknown; each unknown one then counts as its own network's AS). */
  asn: number
  registeredAt: number
}

export interface ReporterView extends ReporterInfo {
  confirmed: number
  unconfirmed: number
  liar: boolean
  trust: number
  ineligible: Ineligible
}

/** What a reporter has earned or lost, as a service keeps it between passes (exportState/importState). */
export interface ReporterState {
  id: string
  confirmed: number
  unconfirmed: number
  liar: boolean
}

/** A network in quarantine until `until` (ms). */
export interface QuarantineState {
  network: string
  until: number
}

export class Reporters {
  readonly #ids: (string | undefined)[] = []
  readonly #index = new Map<string, number>()
  readonly #networkIds = new Map<string, number>()
  readonly #networkNames: string[] = []
  /** network id -> end of its quarantine */
  readonly #quarantine = new Map<number, number>()
  #network = new Int32Array(1024)
  #asn = new Int32Array(1024)
  #registeredAt = new Float64Array(1024)
  #confirmed = new Uint32Array(1024)
  #unconfirmed = new Uint32Array(1024)
  #liar = new Uint8Array(1024)

  constructor(readonly params: ConsensusParams) {}

  get size(): number {
    return this.#ids.length
  }

  get networks(): number {
    return this.#networkIds.size
  }

  /** The reporter's index, added (or its network and AS updated: it moved) when needed. */
  upsert(info: ReporterInfo): number {
    let i = this.#index.get(info.id)
    if (i === undefined) {
      i = this.#ids.length
      if (i === this.#network.length) this.#grow()
      this.#ids.push(info.id)
      this.#index.set(info.id, i)
      this.#registeredAt[i] = info.registeredAt
    }
    this.#network[i] = this.#networkId(info.network)
    // an unknown AS is told apart per network: it cannot merge two networks into one AS
    this.#asn[i] = info.asn > 0 ? info.asn : -this.#network[i]! - 1
    return i
  }

  /** A reporter without a machine id (a simulation's million agents: no id map to hold). Its id is `#INDEX`. */
  append(network: string, asn: number, registeredAt: number, confirmed = 0): number {
    const i = this.#ids.length
    if (i === this.#network.length) this.#grow()
    this.#ids.push(undefined)
    this.#registeredAt[i] = registeredAt
    this.#confirmed[i] = confirmed
    this.#network[i] = this.#networkId(network)
    this.#asn[i] = asn > 0 ? asn : -this.#network[i]! - 1
    return i
  }

  indexOf(id: string): number | undefined {
    return this.#index.get(id)
  }

  id(i: number): string {
    return this.#ids[i] ?? `#${i}`
  }

  network(i: number): number {
    return this.#network[i]!
  }

  networkName(n: number): string {
    return this.#networkNames[n]!
  }

  asn(i: number): number {
    return this.#asn[i]!
  }

  confirm(i: number, n = 1): void {
    this.#confirmed[i] = this.#confirmed[i]! + n
  }

  unconfirm(i: number): void {
    this.#unconfirmed[i] = this.#unconfirmed[i]! + 1
  }

  /** It reported a benign canary: it never counts again, and its network not until the quarantine ends. */
  caughtLying(i: number, now: number): void {
    this.#liar[i] = 1
    this.#quarantine.set(this.#network[i]!, now + this.params.quarantineMs)
  }

  quarantinedNetworks(now: number): number {
    let n = 0
    for (const until of this.#quarantine.values()) if (until > now) n++
    return n
  }

  liars(): number {
    let n = 0
    for (let i = 0; i < this.#ids.length; i++) n += this.#liar[i]!
    return n
  }

  /** Why reporter `i` does not count at `now`, or '' when it does. */
  ineligible(i: number, now: number): Ineligible {
    const p = this.params
    if (this.#liar[i] === 1) return 'liar'
    const q = this.#quarantine.get(this.#network[i]!)
    if (q !== undefined && q > now) return 'quarantined'
    if (!p.trustNewReporters && now - this.#registeredAt[i]! < p.minReporterAgeMs) return 'too new'
    const c = this.#confirmed[i]!
    const u = this.#unconfirmed[i]!
    if (u >= p.unconfirmedFloor && u / (u + c) >= p.unconfirmedShare) return 'unconfirmed'
    // a test community trusts its reporters from the start: neither age nor confirmations are asked
    return !p.trustNewReporters && this.trust(i) < p.minTrust ? 'untrusted' : ''
  }

  /** 0..1: half for being an established reporter, the other half earned by confirmations. */
  trust(i: number): number {
    if (this.#liar[i] === 1) return 0
    return 0.5 + 0.5 * Math.min(1, this.#confirmed[i]! / this.params.confirmationsForFullTrust)
  }

  view(i: number, now: number): ReporterView {
    return {
      id: this.id(i), network: this.#networkNames[this.#network[i]!]!, asn: Math.max(0, this.#asn[i]!), registeredAt: this.#registeredAt[i]!,
      confirmed: this.#confirmed[i]!, unconfirmed: this.#unconfirmed[i]!, liar: this.#liar[i] === 1, trust: this.trust(i), ineligible: this.ineligible(i, now),
    }
  }

  /** The history of every reporter with a machine id, and the quarantines still running at `now`. */
  exportState(now: number): {reporters: ReporterState[]; quarantine: QuarantineState[]} {
    const reporters: ReporterState[] = []
    for (let i = 0; i < this.#ids.length; i++) {
      const id = this.#ids[i]
      if (id !== undefined) reporters.push({id, confirmed: this.#confirmed[i]!, unconfirmed: this.#unconfirmed[i]!, liar: this.#liar[i] === 1})
    }
    const quarantine: QuarantineState[] = []
    for (const [n, until] of this.#quarantine) if (until > now) quarantine.push({network: this.#networkNames[n]!, until})
    return {reporters, quarantine}
  }

  /**
   * Sets the history of known reporters (by id: reporters not upserted yet are skipped) and the
   * quarantines: what exportState wrote, read back by the next process that runs the consensus.
   */
  importState(state: {reporters?: readonly ReporterState[]; quarantine?: readonly QuarantineState[]}): void {
    for (const r of state.reporters ?? []) {
      const i = this.#index.get(r.id)
      if (i === undefined) continue
      this.#confirmed[i] = r.confirmed
      this.#unconfirmed[i] = r.unconfirmed
      this.#liar[i] = r.liar ? 1 : 0
    }
    for (const q of state.quarantine ?? []) {
      const n = this.#networkId(q.network)
      this.#quarantine.set(n, Math.max(this.#quarantine.get(n) ?? 0, q.until))
    }
  }

  #networkId(name: string): number {
    let n = this.#networkIds.get(name)
    if (n === undefined) {
      n = this.#networkNames.length
      this.#networkIds.set(name, n)
      this.#networkNames.push(name)
    }
    return n
  }

  #grow(): void {
    const size = this.#network.length * 2
    const grow = <T extends Int32Array | Float64Array | Uint32Array | Uint8Array>(a: T, make: (n: number) => T): T => {
      const b = make(size)
      b.set(a)
      return b
    }
    this.#network = grow(this.#network, (n) => new Int32Array(n))
    this.#asn = grow(this.#asn, (n) => new Int32Array(n))
    this.#registeredAt = grow(this.#registeredAt, (n) => new Float64Array(n))
    this.#confirmed = grow(this.#confirmed, (n) => new Uint32Array(n))
    this.#unconfirmed = grow(this.#unconfirmed, (n) => new Uint32Array(n))
    this.#liar = grow(this.#liar, (n) => new Uint8Array(n))
  }
}
