/**
 * Detection quality of the first-party content (plugins/crowd) on genlogs.mjs logs.
 *
 *   node --import tsx bench/content-detection.ts [--lines N] [--seeds 1,2,3] [--modes nginx,ssh]
 *
 * Builds a CrowdSec-layout hub from the package directories in a temporary folder, generates
 * each log with ../shared/bench/genlogs.mjs, scans it with the crowd/linux + crowd/nginx
 * collections, and compares the alerted IPs with truth.json: every attacker must be alerted,
 * no benign or noise IP may be. Prints one line per run and the scan time.
 */
import {execFileSync} from 'node:child_process'
import * as fs from 'node:fs'
import * as os from 'node:os'
import * as path from 'node:path'
import {fileURLToPath} from 'node:url'
import {resolveContent} from '../src/pipeline/content.js'
import {buildEngines} from '../src/pipeline/build-engines.js'
import {runScan} from '../src/pipeline/scan.js'

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
const SHARED = path.resolve(ROOT, '..', 'shared')

/** Lays plugins/<author>/<name>/ packages out as a CrowdSec hub (parsers/<stage>/<author>/<name>.yaml, ...). */
export function buildHubFromPlugins(pluginsDir: string, hubDir: string): void {
  // crowd's base grok patterns are built in; the hub tools still expect the directory
  fs.mkdirSync(path.join(hubDir, 'patterns'), {recursive: true})
  for (const author of fs.readdirSync(pluginsDir)) {
    for (const name of fs.readdirSync(path.join(pluginsDir, author))) {
      const dir = path.join(pluginsDir, author, name)
      const manifestFile = path.join(dir, 'crowd-package.toml')
      if (!fs.existsSync(manifestFile)) continue
      const text = fs.readFileSync(manifestFile, 'utf8')
      const type = /^type = "([^"]+)"/m.exec(text)?.[1]
      const stage = /^stage = "([^"]+)"/m.exec(text)?.[1]
      const files = [...(/^files = \[([^\]]*)\]/m.exec(text)?.[1] ?? '').matchAll(/"([^"]+)"/g)].map((m) => m[1]!)
      const kind = type === 'parser' ? `parsers/${stage}` : type === 'postoverflow' ? `postoverflows/${stage}` : type === 'scenario' ? 'scenarios' : 'collections'
      for (const f of files) {
        const out = path.join(hubDir, kind, author, `${name}${path.extname(f)}`)
        fs.mkdirSync(path.dirname(out), {recursive: true})
        fs.copyFileSync(path.join(dir, f), out)
      }
      const dataSection = /^\[data\]\n((?:"[^"]+" = "[^"]+"\n?)*)/m.exec(text)?.[1] ?? ''
      for (const m of dataSection.matchAll(/"([^"]+)" = "([^"]+)"/g)) {
        fs.mkdirSync(path.join(hubDir, 'data'), {recursive: true})
        fs.copyFileSync(path.join(dir, m[2]!), path.join(hubDir, 'data', m[1]!))
      }
    }
  }
}

async function main(): Promise<void> {
  const args = process.argv.slice(2)
  const opt = (name: string, def: string): string => {
    const i = args.indexOf(name)
    return i >= 0 && args[i + 1] !== undefined ? args[i + 1]! : def
  }
  const lines = opt('--lines', '200000')
  const seeds = opt('--seeds', '1,2,3').split(',')
  const modes = opt('--modes', 'nginx,ssh').split(',')
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'crowd-content-'))
  const hub = path.join(tmp, 'hub')
  buildHubFromPlugins(path.join(ROOT, 'plugins'), hub)
  const content = resolveContent({hubDir: hub, collections: ['crowd/linux', 'crowd/nginx', 'crowd/apache2']})
  let failures = 0
  for (const mode of modes) {
    for (const seed of seeds) {
      const log = path.join(tmp, `${mode}-${seed}.log`)
      const truthFile = path.join(tmp, `${mode}-${seed}.json`)
      execFileSync('node', [path.join(SHARED, 'bench', 'genlogs.mjs'), mode, '--lines', lines, '--seed', seed, '--out', log, '--truth', truthFile], {stdio: 'ignore'})
      const truth = JSON.parse(fs.readFileSync(truthFile, 'utf8')) as {attackers: {ip: string; behaviour: string}[]}
      const started = process.hrtime.bigint()
      const result = await runScan({inputs: [{input: log}], engines: buildEngines(content), profiles: []})
      const ms = Number(process.hrtime.bigint() - started) / 1e6
      const alerted = new Map<string, Set<string>>()
      const byScenario = new Map<string, number>()
      for (const a of result.alerts) {
        const ip = (a as unknown as {Source?: {Value?: string}}).Source?.Value ?? ''
        if (!alerted.has(ip)) alerted.set(ip, new Set())
        const scenario = (a as unknown as {Scenario: string}).Scenario
        alerted.get(ip)!.add(scenario)
        byScenario.set(scenario, (byScenario.get(scenario) ?? 0) + 1)
      }
      const attackers = new Set(truth.attackers.map((a) => a.ip))
      const missed = truth.attackers.filter((a) => !alerted.has(a.ip))
      const falsePositives = [...alerted.keys()].filter((ip) => !attackers.has(ip))
      if (missed.length > 0 || falsePositives.length > 0) failures++
      console.log(`${mode} seed=${seed} lines=${lines}: attackers=${attackers.size} alerted=${attackers.size - missed.length} missed=${missed.length} false_positives=${falsePositives.length} scan_ms=${ms.toFixed(0)} parsed=${result.summary.parsed}/${result.summary.lines}`)
      console.log(`  alerts: ${[...byScenario].sort().map(([k, n]) => `${k}=${n}`).join(' ')}`)
      const byBehaviour = new Map<string, number>()
      for (const m of missed) byBehaviour.set(m.behaviour, (byBehaviour.get(m.behaviour) ?? 0) + 1)
      for (const [b, n] of byBehaviour) console.log(`  missed ${b}: ${n}`)
      for (const ip of falsePositives.slice(0, 10)) console.log(`  false positive ${ip}: ${[...alerted.get(ip)!].join(', ')}`)
      if (result.warnings.length > 0) console.log(`  warnings: ${result.warnings.slice(0, 5).join(' | ')}`)
    }
  }
  fs.rmSync(tmp, {recursive: true, force: true})
  process.exitCode = failures > 0 ? 1 : 0
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) await main()
