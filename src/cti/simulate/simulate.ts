/**
 * `crowd cti simulate`: the real consensus engine (../consensus) driven by a population you
 * describe, on a simulated clock. Honest agents report the attackers that hit them (with a
 * detection rate); attackers run campaigns (a reach of agents over a few minutes); the service's
 * probes (malicious canaries) hit agents too; colluding poisoners, reporting from their own
 * networks, report innocent targets (some of which are, unknown to them, benign canaries):
 *
 * - burst: established poisoners report their targets from the start (and real attacks, as cover);
 * - sleeper: they behave as honest agents, then turn and report their targets halfway through;
 * - sybil: a wave of new identities joins a quarter of the way in and reports the targets at once.
 *
 * Signals are generated tick by tick and handed to the engine as they come: memory holds the
 * agents (typed arrays), the attackers still attacking and the engine's evidence, never the
 * signal stream. Everything is drawn from the seed: one seed, one result.
 */
import type {Addr} from '../../model/ip.js'
import {canonicalIp, ConsensusEngine} from '../consensus/engine.js'
import {NeverBan, specialRanges} from '../consensus/never-ban.js'
import {DEFAULT_CONSENSUS, HOUR_MS, type ConsensusParams} from '../consensus/params.js'
import {Random} from './random.js'

export type PoisonStrategy = 'burst' | 'sleeper' | 'sybil'
export const POISON_STRATEGIES: readonly PoisonStrategy[] = ['burst', 'sleeper', 'sybil']

export interface SimulationSpec {
  agents: number
  attackers: number
  /** Agents each attacker hits (each one's reach is drawn from half to one and a half times this). */
  attackReach: number
  /** Chance an honest agent detects (and reports) an attack on it. */
  detectionRate: number
  /** Share of the agents that are colluding poisoners. */
  poisoners: number
  poisonStrategy: PoisonStrategy
  /** Innocent addresses the poisoners want on the list. */
  poisonTargets: number
  /** Networks (each in an AS of its own) the poisoners report from. */
  sybilNetworks: number
  durationMs: number
  seed: number
  /** Time between consensus passes (and the simulation's tick). */
  intervalMs: number
  /** Benign canaries the service keeps (innocent-looking addresses; reporting one is lying). */
  benignCanaries: number
  /** The service's probes: addresses that attack agents on purpose (malicious canaries). */
  probes: number
  params?: Partial<ConsensusParams>
}

export const DEFAULT_SIMULATION: Readonly<Omit<SimulationSpec, 'params'>> = Object.freeze({
  agents: 10_000, attackers: 500, attackReach: 20, detectionRate: 0.8, poisoners: 0.1, poisonStrategy: 'burst', poisonTargets: 20,
  sybilNetworks: 3, durationMs: HOUR_MS, seed: 1, intervalMs: 60_000, benignCanaries: 100, probes: 20,
})

export interface SimulationResult {
  agents: number
  poisoners: number
  strategy: PoisonStrategy
  k: number
  seed: number
  duration_s: number
  signals: {total: number; accepted: number; uncertified: number; never_ban: number; benign_canary: number; malicious_canary: number; crowded: number}
  /** eligible: seen (and reported) by at least k honest agents; found: eligible and promoted within the run. */
  attackers: {total: number; eligible: number; found: number; recall: number | null}
  /** IP promotions: of attackers, of innocent addresses (benign), of benign canaries; ranges apart. */
  promoted: {ips: number; attackers: number; benign: number; canary: number; ranges: number}
  precision: number | null
  /** From an eligible attacker's first signal to its promotion. */
  time_to_fire_s: {p50: number; p90: number; max: number} | null
  caught: {liars: number; quarantined_networks: number}
}

/** The simulated clock starts here (any fixed time: results must not depend on the day they run). */
const T0 = Date.UTC(2026, 0, 1)
const ESTABLISHED = T0 - 30 * 24 * HOUR_MS
const PHASE_MS = 10 * 60_000
const SCENARIO = 'crowdsecurity/ssh-bf'

interface Campaign {
  ip: string
  probe: boolean
  reach: number
  start: number
  length: number
  next: number
  rng: Random
  honest: Set<number> | null
  honestCount: number
  firstSignal: number
}

/** Checks a spec: a description of the first bad value, or undefined. */
export function checkSimulationSpec(s: SimulationSpec): string | undefined {
  const int = (v: number, min: number, max: number): boolean => Number.isInteger(v) && v >= min && v <= max
  if (!int(s.agents, 1, 10_000_000)) return '--agents must be an integer from 1 to 10,000,000'
  if (!int(s.attackers, 0, 10_000_000)) return '--attackers must be an integer from 0 to 10,000,000'
  if (!int(s.attackReach, 1, 1_000_000)) return '--attack-reach must be an integer from 1'
  if (!(s.detectionRate > 0 && s.detectionRate <= 1)) return '--detection-rate must be more than 0 and at most 1'
  if (!(s.poisoners >= 0 && s.poisoners < 1)) return '--poisoners must be a fraction from 0 to below 1'
  if (!POISON_STRATEGIES.includes(s.poisonStrategy)) return `--poison-strategy must be one of ${POISON_STRATEGIES.join(', ')}`
  if (!int(s.poisonTargets, 0, 100_000)) return '--poison-targets must be an integer from 0 to 100,000'
  if (!int(s.sybilNetworks, 1, 1_000_000)) return '--sybil-networks must be an integer from 1'
  if (!(s.durationMs >= s.intervalMs && s.durationMs <= 90 * 24 * HOUR_MS)) return '--duration must be at least one interval and at most 90 days'
  if (!(s.intervalMs >= 1000)) return '--interval must be at least 1s'
  return undefined
}

export function simulate(spec: SimulationSpec): SimulationResult {
  const params: ConsensusParams = {...DEFAULT_CONSENSUS, ...spec.params}
  const rng = new Random(spec.seed)
  const neverBan = new NeverBan(specialRanges())
  const used = new Set<string>()
  const publicIp = (): string => {
    for (;;) {
      const v6 = rng.next() < 0.05
      const text = v6
        ? `2a0${1 + rng.int(9)}:${rng.int(0x10000).toString(16)}:${rng.int(0x10000).toString(16)}::${(1 + rng.int(0xfffe)).toString(16)}`
        : `${1 + rng.int(223)}.${rng.int(256)}.${rng.int(256)}.${1 + rng.int(254)}`
      const c = canonicalIp(text)!
      if (used.has(c.key) || neverBan.reasonFor(c.addr as Addr) !== undefined) continue
      used.add(c.key)
      return c.key
    }
  }

  // the service's canaries, the poisoners' targets (drawn, unknown to them, partly among canaries)
  const benignCanaries = Array.from({length: spec.benignCanaries}, publicIp)
  const probeIps = Array.from({length: spec.probes}, publicIp)
  const benignPool = Array.from({length: Math.max(spec.poisonTargets, 10 * spec.benignCanaries)}, publicIp)
  const targets: string[] = []
  const candidates = [...benignPool, ...benignCanaries]
  for (let i = 0; i < spec.poisonTargets; i++) targets.push(candidates.splice(rng.int(candidates.length), 1)[0]!)
  const canarySet = new Set(benignCanaries)
  const engine = new ConsensusEngine({params, neverBan, canaries: {benign: canarySet, malicious: new Set(probeIps)}})

  // agents: honest ones spread over many networks and ASes; poisoners in their own few
  const poisoners = Math.round(spec.agents * spec.poisoners)
  const honest = spec.agents - poisoners
  const honestNetworks = Math.max(params.k * 4, Math.floor(honest / 3))
  const honestAses = Math.max(params.k * 2, Math.floor(honestNetworks / 4))
  const asOf = new Int32Array(honestNetworks)
  for (let n = 0; n < honestNetworks; n++) asOf[n] = 1 + rng.int(honestAses)
  // established agents come with a history: 0 to 20 reports confirmed before the run
  for (let i = 0; i < honest; i++) {
    const n = rng.int(honestNetworks)
    engine.reporters.append(`h${n}`, asOf[n]!, ESTABLISHED, rng.int(21))
  }
  const addPoisoners = (registeredAt: number, history: boolean): void => {
    for (let i = 0; i < poisoners; i++) {
      const n = i % spec.sybilNetworks
      engine.reporters.append(`p${n}`, 4_000_000 + n, registeredAt, history ? rng.int(21) : 0)
    }
  }
  const sybil = spec.poisonStrategy === 'sybil'
  const waveAt = T0 + Math.floor(spec.durationMs / 4)
  // burst and sleeper poisoners are established members with a history as good as anyone's
  if (!sybil) addPoisoners(ESTABLISHED, true)
  const victims = sybil ? honest : spec.agents

  // campaigns: attackers, then the service's probes (attacking all along)
  const campaigns: Campaign[] = []
  const attackersByIp = new Map<string, Campaign>()
  const campaign = (ip: string, probe: boolean, start: number, length: number, salt: number): Campaign => ({
    ip, probe, reach: Math.max(1, Math.round(spec.attackReach * (0.5 + rng.next()))), start, length, next: 0,
    rng: Random.derived(spec.seed, salt), honest: new Set(), honestCount: 0, firstSignal: Infinity,
  })
  for (let a = 0; a < spec.attackers; a++) {
    const c = campaign(publicIp(), false, T0 + Math.floor(rng.next() * 0.7 * spec.durationMs), (2 + rng.next() * 13) * 60_000, a)
    campaigns.push(c)
    attackersByIp.set(c.ip, c)
  }
  for (let p = 0; p < spec.probes; p++) campaigns.push(campaign(probeIps[p]!, true, T0, spec.durationMs, spec.attackers + p))
  campaigns.sort((x, y) => x.start - y.start)

  const phaseStart = spec.poisonStrategy === 'burst' ? T0 : spec.poisonStrategy === 'sleeper' ? T0 + Math.floor(spec.durationMs / 2) : waveAt
  const pairs = poisoners * targets.length
  const promotedAt = new Map<string, number>()
  let promotedRanges = 0
  let nextCampaign = 0
  let active: Campaign[] = []
  const end = T0 + spec.durationMs

  for (let t = T0; t < end; t += spec.intervalMs) {
    const tickEnd = Math.min(end, t + spec.intervalMs)
    if (sybil && waveAt >= t && waveAt < tickEnd) addPoisoners(waveAt, false)
    while (nextCampaign < campaigns.length && campaigns[nextCampaign]!.start < tickEnd) active.push(campaigns[nextCampaign++]!)
    // attacks in [t, tickEnd): event j of a campaign falls at start + (j + 0.5) * length / reach
    for (const c of active) {
      const step = c.length / c.reach
      const last = Math.min(c.reach, Math.ceil((tickEnd - c.start) / step - 0.5))
      for (; c.next < last; c.next++) {
        const at = c.start + (c.next + 0.5) * step
        const victim = c.rng.int(victims)
        if (c.rng.next() >= spec.detectionRate) continue
        // a poisoner reports real attacks too (cover, or its honest phase)
        engine.ingest({reporter: victim, ip: c.ip, scenario: SCENARIO, at, certified: true}, tickEnd)
        if (victim < honest && !c.probe) {
          c.honest!.add(victim)
          c.firstSignal = Math.min(c.firstSignal, at)
        }
      }
    }
    active = active.filter((c) => {
      if (c.next < c.reach) return true
      c.honestCount = c.honest!.size
      c.honest = null
      return false
    })
    // poison: every (poisoner, target) pair once during the phase, spread over its ticks
    if (pairs > 0 && tickEnd > phaseStart && t < phaseStart + PHASE_MS) {
      const from = Math.floor((pairs * Math.max(0, t - phaseStart)) / PHASE_MS)
      const to = Math.min(pairs, Math.floor((pairs * (tickEnd - phaseStart)) / PHASE_MS))
      for (let q = from; q < to; q++) {
        const at = phaseStart + (q / pairs) * PHASE_MS
        engine.ingest({reporter: honest + (q % poisoners), ip: targets[Math.floor(q / poisoners)]!, scenario: SCENARIO, at, certified: true}, tickEnd)
      }
    }
    const pass = engine.pass(tickEnd)
    for (const f of pass.promoted) {
      if (f.scope === 'Range') promotedRanges++
      else if (!promotedAt.has(f.value)) promotedAt.set(f.value, f.promotedAt)
    }
  }
  for (const c of active) c.honestCount = c.honest!.size

  let eligible = 0
  let found = 0
  const delays: number[] = []
  for (const c of campaigns) {
    if (c.probe || c.honestCount < params.k) continue
    eligible++
    const at = promotedAt.get(c.ip)
    if (at === undefined) continue
    found++
    delays.push((at - c.firstSignal) / 1000)
  }
  let ofAttackers = 0
  let benign = 0
  let canary = 0
  for (const ip of promotedAt.keys()) {
    if (attackersByIp.has(ip)) ofAttackers++
    else if (canarySet.has(ip)) canary++
    else benign++
  }
  delays.sort((a, b) => a - b)
  const pct = (q: number): number => Math.round(delays[Math.min(delays.length - 1, Math.floor(q * delays.length))]!)
  const c = engine.counts
  return {
    agents: spec.agents, poisoners, strategy: spec.poisonStrategy, k: params.k, seed: spec.seed, duration_s: spec.durationMs / 1000,
    signals: {total: c.signals, accepted: c.accepted, uncertified: c.uncertified, never_ban: c.neverBan, benign_canary: c.benignCanary, malicious_canary: c.maliciousCanary, crowded: c.crowded},
    attackers: {total: spec.attackers, eligible, found, recall: eligible === 0 ? null : round4(found / eligible)},
    promoted: {ips: promotedAt.size, attackers: ofAttackers, benign, canary, ranges: promotedRanges},
    precision: promotedAt.size === 0 ? null : round4(ofAttackers / promotedAt.size),
    time_to_fire_s: delays.length === 0 ? null : {p50: pct(0.5), p90: pct(0.9), max: Math.round(delays[delays.length - 1]!)},
    caught: {liars: engine.reporters.liars(), quarantined_networks: engine.reporters.quarantinedNetworks(end)},
  }
}

function round4(x: number): number {
  return Math.round(x * 10_000) / 10_000
}
