// crowd cti simulate at community scale (issue 18): wall time and peak memory of a simulation with
// --agents agents (default 1,000,000), streamed signals, each poison strategy; and what it found.
//   node --import tsx bench/cti-simulate.mjs [--agents 1000000] [--attackers 20000] [--reach 40] [--only burst,sleeper,sybil]
import {spawnSync} from 'node:child_process'
import {fileURLToPath} from 'node:url'
import {arg, report} from './lib.mjs'
import {simulate, DEFAULT_SIMULATION} from '../src/cti/simulate/simulate.ts'

const agents = Number(arg('--agents', '1000000'))
const attackers = Number(arg('--attackers', '20000'))
const reach = Number(arg('--reach', '40'))
const only = arg('--only', 'burst,sleeper,sybil').split(',')

if (process.argv.includes('--child')) {
  // one strategy per process: its peak RSS is that simulation's alone
  const strategy = arg('--strategy', 'burst')
  const t = performance.now()
  const r = simulate({...DEFAULT_SIMULATION, agents, attackers, attackReach: reach, poisonStrategy: strategy})
  const ms = performance.now() - t
  process.stdout.write(JSON.stringify({ms, peakRssMb: process.resourceUsage().maxRSS / 1024, r}) + '\n')
} else {
  for (const strategy of only) {
    const child = spawnSync(process.execPath, ['--import', 'tsx', fileURLToPath(import.meta.url), '--child', '--strategy', strategy, '--agents', String(agents), '--attackers', String(attackers), '--reach', String(reach)], {encoding: 'utf8', maxBuffer: 1 << 20})
    if (child.status !== 0) {
      console.error(child.stderr)
      process.exitCode = 1
      continue
    }
    const {ms, peakRssMb, r} = JSON.parse(child.stdout)
    report(`cti simulate ${strategy}`, {
      agents, poisoners: r.poisoners, attackers, signals: r.signals.total, ms, signalsPerSecond: r.signals.total / (ms / 1000), peakRssMb,
      recall: r.attackers.recall, precision: r.precision, poisoned: r.promoted.benign + r.promoted.canary, fireP50s: r.time_to_fire_s?.p50 ?? 0,
    })
  }
}
