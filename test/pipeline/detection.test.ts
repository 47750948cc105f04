/**
 * Detection check (issue 6 "done when"): logs from SHARED/bench/genlogs.mjs (nginx and ssh,
 * several seeds) scanned with CrowdSec's linux, sshd, nginx and base-http-scenarios collections
 * from SHARED/crowdsec-hub: every attacker of truth.json is alerted and no benign or noise IP is.
 * Kept small here (time); `node bench/scan.mjs --detection` runs 200,000 lines, seeds 1-3.
 * At this size some seeds are out of reach of CrowdSec's own content, so they are not used here:
 * seed 2's path-traversal attacker sends only 2 probes that http_path_traversal.txt lists, and
 * seeds 5 and 6 draw the ffuf user agent, which bad_user_agents.regex.txt does not list.
 */
import {execFileSync} from 'node:child_process'
import * as fs from 'node:fs'
import * as os from 'node:os'
import * as path from 'node:path'
import {test} from 'uvu'
import * as assert from 'uvu/assert'
import {prepareContent, scan, type PreparedContent} from '../../src/pipeline/index.js'
import {SHARED} from '../helpers/run-cli.js'

const HUB = path.join(SHARED, 'crowdsec-hub')
const GENLOGS = path.join(SHARED, 'bench', 'genlogs.mjs')
const COLLECTIONS = ['crowdsecurity/linux', 'crowdsecurity/sshd', 'crowdsecurity/nginx', 'crowdsecurity/base-http-scenarios']
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'crowd-detection-'))

interface Truth {
  attackers: {ip: string; behaviour: string}[]
  noise?: string[] | {ip: string}[]
}

// Compiled once and shared by every seed: each scan still gets its own detector (buckets) and counters.
let shared: PreparedContent | undefined
const prepared = async (): Promise<PreparedContent> => (shared ??= await prepareContent({hubDir: HUB, collections: COLLECTIONS}))

async function detectionRun(mode: 'nginx' | 'ssh', seed: number, lines: number, dir: string): Promise<{missed: string[]; falsePositives: string[]; attackers: number; lines: number}> {
  const log = path.join(dir, `${mode}-${seed}.log`)
  const truthFile = path.join(dir, `${mode}-${seed}.json`)
  execFileSync(process.execPath, [GENLOGS, mode, '--lines', String(lines), '--seed', String(seed), '--out', log, '--truth', truthFile], {stdio: 'ignore'})
  const truth = JSON.parse(fs.readFileSync(truthFile, 'utf8')) as Truth
  const result = await scan({
    inputs: [{input: log, type: mode === 'ssh' ? 'syslog' : 'nginx'}],
    prepared: await prepared(),
  })
  const alerted = new Set(result.alerts.map((a) => (a as unknown as {Source: {Value: string}}).Source.Value))
  const attackers = new Set(truth.attackers.map((a) => a.ip))
  return {
    missed: truth.attackers.filter((a) => !alerted.has(a.ip)).map((a) => `${a.ip} (${a.behaviour})`),
    falsePositives: [...alerted].filter((ip) => !attackers.has(ip)).sort(),
    attackers: attackers.size,
    lines: result.summary.lines,
  }
}

const LINES = Number(process.env.CROWD_DETECTION_LINES ?? 20_000)
const SEEDS = (process.env.CROWD_DETECTION_SEEDS ?? '1,3,4').split(',').map(Number)

for (const mode of ['nginx', 'ssh'] as const) {
  for (const seed of SEEDS) {
    test(`genlogs ${mode} seed ${seed}, ${LINES} lines: every attacker alerted, no benign IP`, async () => {
      const run = await detectionRun(mode, seed, LINES, tmp)
      assert.is(run.lines, LINES)
      assert.ok(run.attackers > 0, 'the log has attackers')
      assert.equal(run.missed, [], 'missed attackers')
      assert.equal(run.falsePositives, [], 'benign IPs alerted')
    })
  }
}

test.after(() => fs.rmSync(tmp, {recursive: true, force: true}))

test.run()
