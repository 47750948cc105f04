// Start-up time of the CLI: `crowd --help` and `crowd --version`, node and deno, median of N runs.
import * as path from 'node:path'
import {median, report, ROOT, timeCommand} from './lib.mjs'

const RUNS = Number(process.env.BENCH_RUNS ?? 15)
const bin = path.join(ROOT, 'bin', 'run.js')
const deno = path.join(ROOT, 'node_modules', '.bin', 'deno')

function measure(name, command, args) {
  for (let i = 0; i < 3; i++) timeCommand(command, args) // warm-up
  const times = []
  for (let i = 0; i < RUNS; i++) {
    const r = timeCommand(command, args)
    if (r.status !== 0) throw new Error(`${name} exited ${r.status}: ${r.stderr}`)
    times.push(r.ms)
  }
  report(name, {median_ms: median(times), min_ms: Math.min(...times), runs: RUNS})
  return median(times)
}

const baseline = measure('node -e 0', process.execPath, ['-e', '0'])
const help = measure('node crowd --help', process.execPath, [bin, '--help'])
measure('node crowd --version', process.execPath, [bin, '--version'])
measure('deno crowd --help', deno, ['run', '-A', bin, '--help'])
report('startup over node baseline', {ratio: help / baseline})
