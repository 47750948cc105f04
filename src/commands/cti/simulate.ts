import {Flags} from '@oclif/core'
import {CrowdCommand} from '../../cli/base-command.js'
import {stdoutChalk} from '../../cli/stdout-chalk.js'
import {DEFAULT_SIMULATION, POISON_STRATEGIES, checkSimulationSpec, simulate, type PoisonStrategy, type SimulationResult, type SimulationSpec} from '../../cti/simulate/simulate.js'
import {DEFAULT_CONSENSUS} from '../../cti/consensus/params.js'
import {CrowdError} from '../../model/errors.js'
import {parseGoDuration} from '../../model/go-time.js'
import {table} from '../../outputs/table.js'

export default class CtiSimulate extends CrowdCommand<typeof CtiSimulate, SimulationResult> {
  static override summary = 'Run the consensus engine on a simulated community: honest agents, attackers, colluding poisoners.'
  static override description =
    'Drives the real consensus code (the one crowd cti serve runs) with the population the flags describe, on a simulated clock, from a seed: the same flags give the same result. ' +
    'Prints recall (attackers reported by at least k honest agents that reached the blocklist), precision, time to fire and poisoned promotions (innocent addresses or canaries on the list). ' +
    'Exit code 1 when anything innocent was promoted. See docs/cti.md.'
  static override flags = {
    agents: Flags.integer({description: 'agents in the community', default: DEFAULT_SIMULATION.agents}),
    attackers: Flags.integer({description: 'attackers running campaigns during the run', default: DEFAULT_SIMULATION.attackers}),
    'attack-reach': Flags.integer({description: 'agents each attacker hits (each one from half to 1.5 times this)', default: DEFAULT_SIMULATION.attackReach}),
    'detection-rate': Flags.string({description: 'chance an agent detects an attack on it (0-1]', default: String(DEFAULT_SIMULATION.detectionRate)}),
    poisoners: Flags.string({description: 'share of the agents that are colluding poisoners [0-1)', default: String(DEFAULT_SIMULATION.poisoners)}),
    'poison-strategy': Flags.string({description: 'burst (report targets from the start), sleeper (honest, then turn halfway), sybil (a wave of new identities)', options: [...POISON_STRATEGIES], default: DEFAULT_SIMULATION.poisonStrategy}),
    'poison-targets': Flags.integer({description: 'innocent addresses the poisoners want banned', default: DEFAULT_SIMULATION.poisonTargets}),
    'sybil-networks': Flags.integer({description: 'networks (each its own AS) the poisoners report from', default: DEFAULT_SIMULATION.sybilNetworks}),
    'benign-canaries': Flags.integer({description: 'benign canaries the service keeps', default: DEFAULT_SIMULATION.benignCanaries}),
    probes: Flags.integer({description: "the service's probes (malicious canaries) attacking agents", default: DEFAULT_SIMULATION.probes}),
    duration: Flags.string({description: 'simulated time (a Go duration)', default: '1h'}),
    interval: Flags.string({description: 'time between consensus passes', default: '1m'}),
    k: Flags.integer({description: 'distinct trusted reporters, networks and ASes an IP needs', default: DEFAULT_CONSENSUS.k}),
    seed: Flags.integer({description: 'seed of every draw', default: DEFAULT_SIMULATION.seed}),
  }
  static override examples = [
    '<%= config.bin %> cti simulate',
    '<%= config.bin %> cti simulate --agents 1000000 --attackers 20000 --poisoners 0.1 --poison-strategy sleeper --json',
    '<%= config.bin %> cti simulate --poison-strategy sybil --sybil-networks 50 --k 5',
  ]

  async run(): Promise<SimulationResult> {
    const f = this.flags
    const fraction = (name: string, text: string): number => {
      if (!/^(0|1)?(\.\d+)?$/.test(text) || text === '' || text === '.') throw new CrowdError('usage', `--${name} must be a number from 0 to 1, not "${text}"`)
      return Number(text)
    }
    const duration = (name: string, text: string): number => {
      try {
        return parseGoDuration(text).ns / 1e6
      } catch (error) {
        throw new CrowdError('usage', `--${name}: ${(error as Error).message}`)
      }
    }
    const spec: SimulationSpec = {
      agents: f.agents, attackers: f.attackers, attackReach: f['attack-reach'], detectionRate: fraction('detection-rate', f['detection-rate']), poisoners: fraction('poisoners', f.poisoners),
      poisonStrategy: f['poison-strategy'] as PoisonStrategy, poisonTargets: f['poison-targets'], sybilNetworks: f['sybil-networks'], benignCanaries: f['benign-canaries'], probes: f.probes,
      durationMs: duration('duration', f.duration), intervalMs: duration('interval', f.interval), seed: f.seed, params: {k: f.k},
    }
    const bad = checkSimulationSpec(spec) ?? (Number.isInteger(f.k) && f.k >= 1 && f.k <= 1000 ? undefined : '--k must be an integer from 1 to 1000')
    if (bad !== undefined) throw new CrowdError('usage', bad)
    const r = simulate(spec)
    const c = stdoutChalk(this.jsonEnabled())
    const pct = (x: number | null): string => (x === null ? '-' : `${(x * 100).toFixed(2)}%`)
    const poisoned = r.promoted.benign + r.promoted.canary
    const rows = [
      ['community', `${r.agents} agents, ${r.poisoners} poisoners (${r.strategy}), k = ${r.k}, ${r.duration_s}s simulated, seed ${r.seed}`],
      ['signals', `${r.signals.total} (${r.signals.accepted} accepted, ${r.signals.benign_canary} on benign canaries, ${r.signals.malicious_canary} on probes, ${r.signals.crowded} crowded out)`],
      ['attackers', `${r.attackers.total}: ${r.attackers.eligible} reported by k+ honest agents, ${r.attackers.found} of them on the blocklist`],
      ['recall', pct(r.attackers.recall)],
      ['precision', pct(r.precision)],
      ['time to fire', r.time_to_fire_s === null ? '-' : `p50 ${r.time_to_fire_s.p50}s, p90 ${r.time_to_fire_s.p90}s, max ${r.time_to_fire_s.max}s`],
      ['promoted', `${r.promoted.ips} addresses (${r.promoted.attackers} attackers), ${r.promoted.ranges} ranges`],
      ['poisoned', poisoned === 0 ? c.green('0') : c.red(`${r.promoted.benign} innocent, ${r.promoted.canary} canaries`)],
      ['caught', `${r.caught.liars} liars, ${r.caught.quarantined_networks} networks quarantined`],
    ]
    this.out(table(c, ['', 'simulation'], rows))
    if (poisoned > 0) process.exitCode = 1
    return r
  }
}
