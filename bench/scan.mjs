// End-to-end scan benchmark: spawns `bin/run.js scan --json` (the whole process, start-up
// included) on 1,000,000 nginx lines and 1,000,000 ssh lines from ../shared/bench/genlogs.mjs,
// with CrowdSec's linux + nginx (+ base-http-scenarios) / linux (sshd) collections, and prints
// lines/s and peak RSS (from /usr/bin/time -v when present, else the child's resource usage).
//   node bench/scan.mjs [--lines N] [--runs R] [--modes nginx,ssh] [--parse-workers auto|0|1]
// (--parse-workers is passed to every scan; without it the CLI default applies)
// With --detection it instead checks detection quality (issue 6 "done when") through the CLI:
// genlogs nginx and ssh logs of --lines (default 200,000) for each of --seeds (default 1,2,3),
// scanned with CrowdSec's linux, sshd, nginx and base-http-scenarios collections; prints the
// attackers of truth.json that were missed and the alerted IPs that are not attackers.
//   node bench/scan.mjs --detection [--lines 200000] [--seeds 1,2,3]
import {spawnSync} from 'node:child_process'
import * as fs from 'node:fs'
import * as os from 'node:os'
import * as path from 'node:path'
import {fileURLToPath} from 'node:url'

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
const SHARED = path.resolve(ROOT, '..', 'shared')
const args = process.argv.slice(2)
const opt = (name, def) => {
  const i = args.indexOf(name)
  return i === -1 ? def : Number(args[i + 1])
}
const detection = args.includes('--detection')
const lines = opt('--lines', detection ? 200_000 : 1_000_000)
const runs = opt('--runs', 3)
const listOpt = (name, def) => {
  const i = args.indexOf(name)
  return (i === -1 ? def : args[i + 1]).split(',')
}
const modes = listOpt('--modes', 'nginx,ssh')
const workersAt = args.indexOf('--parse-workers')
const workerArgs = workersAt === -1 ? [] : ['--parse-workers', args[workersAt + 1]]
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'crowd-bench-scan-'))
const hub = path.join(SHARED, 'crowdsec-hub')
const hasTime = fs.existsSync('/usr/bin/time')

const cases = [
  {mode: 'nginx', collections: ['crowdsecurity/linux', 'crowdsecurity/nginx', 'crowdsecurity/base-http-scenarios']},
  {mode: 'ssh', collections: ['crowdsecurity/linux', 'crowdsecurity/sshd']},
]
if (detection) {
  const seeds = listOpt('--seeds', '1,2,3')
  const collections = ['crowdsecurity/linux', 'crowdsecurity/sshd', 'crowdsecurity/nginx', 'crowdsecurity/base-http-scenarios']
  let failures = 0
  for (const mode of modes) {
    for (const seed of seeds) {
      const log = path.join(tmp, `${mode}-${seed}.log`)
      const truthFile = path.join(tmp, `${mode}-${seed}.json`)
      spawnSync(process.execPath, [path.join(SHARED, 'bench', 'genlogs.mjs'), mode, '--lines', String(lines), '--seed', seed, '--out', log, '--truth', truthFile], {stdio: 'ignore'})
      const truth = JSON.parse(fs.readFileSync(truthFile, 'utf8'))
      const t0 = process.hrtime.bigint()
      const child = spawnSync(process.execPath, [path.join(ROOT, 'bin', 'run.js'), 'scan', `${log}:${mode === 'ssh' ? 'syslog' : 'nginx'}`, '--hub', hub, '--json', '--fail-on', 'none', ...workerArgs,
        ...collections.flatMap((x) => ['--collection', x])], {encoding: 'utf8', maxBuffer: 1 << 30})
      const seconds = Number(process.hrtime.bigint() - t0) / 1e9
      if (child.status !== 0) {
        process.stderr.write(`scan failed (${child.status}): ${String(child.stderr).slice(-2000)}\n`)
        process.exit(1)
      }
      const result = JSON.parse(child.stdout)
      const alerted = new Map()
      for (const a of result.alerts) alerted.set(a.source.value, [...(alerted.get(a.source.value) ?? []), a.scenario])
      const attackers = new Set(truth.attackers.map((a) => a.ip))
      const missed = truth.attackers.filter((a) => !alerted.has(a.ip))
      const falsePositives = [...alerted.keys()].filter((ip) => !attackers.has(ip))
      if (missed.length > 0 || falsePositives.length > 0) failures++
      console.log(`detection ${mode} seed=${seed} lines=${lines}: attackers=${attackers.size} missed=${missed.length} false_positives=${falsePositives.length} (${seconds.toFixed(1)} s)`)
      for (const m of missed) console.log(`  missed ${m.ip} (${m.behaviour})`)
      for (const ip of falsePositives) console.log(`  false positive ${ip}: ${alerted.get(ip).join(', ')}`)
    }
  }
  fs.rmSync(tmp, {recursive: true, force: true})
  process.exit(failures > 0 ? 1 : 0)
}

for (const c of cases.filter((x) => modes.includes(x.mode))) {
  const log = path.join(tmp, `${c.mode}.log`)
  spawnSync(process.execPath, [path.join(SHARED, 'bench', 'genlogs.mjs'), c.mode, '--lines', String(lines), '--seed', '7', '--out', log], {stdio: 'ignore'})
  const scanArgs = [path.join(ROOT, 'bin', 'run.js'), 'scan', `${log}:${c.mode === 'ssh' ? 'syslog' : 'nginx'}`, '--hub', hub, '--json', '--fail-on', 'none', ...workerArgs,
    ...c.collections.flatMap((x) => ['--collection', x])]
  const results = []
  for (let r = 0; r < runs; r++) {
    const t0 = process.hrtime.bigint()
    const child = hasTime
      ? spawnSync('/usr/bin/time', ['-v', process.execPath, ...scanArgs], {encoding: 'utf8', maxBuffer: 1 << 30})
      : spawnSync(process.execPath, scanArgs, {encoding: 'utf8', maxBuffer: 1 << 30})
    const seconds = Number(process.hrtime.bigint() - t0) / 1e9
    if (child.status !== 0) {
      process.stderr.write(`scan failed (${child.status}): ${String(child.stderr).slice(-2000)}\n`)
      process.exit(1)
    }
    const rssKb = hasTime ? Number(/Maximum resident set size \(kbytes\): (\d+)/.exec(child.stderr)?.[1] ?? NaN) : NaN
    const alerts = JSON.parse(child.stdout).summary.alerts
    results.push({seconds, rate: lines / seconds, rssMb: rssKb / 1024, alerts})
  }
  results.sort((a, b) => a.rate - b.rate)
  const median = results[Math.floor(results.length / 2)]
  console.log(`scan ${c.mode}: ${lines} lines, median of ${runs}: ${Math.round(median.rate)} lines/s (${median.seconds.toFixed(2)} s), peak RSS ${median.rssMb.toFixed(0)} MB, ${median.alerts} alerts`)
}
fs.rmSync(tmp, {recursive: true, force: true})
