// Start-up of the CLI, median of N runs (BENCH_RUNS, default 15), node and deno:
// - `crowd --help` and `--version`: served from the help cache (src/cli/help-cache.ts) after the first run, and with
//   CROWD_HELP_CACHE=off (oclif renders it);
// - start-up to the first detected line: `crowd scan` of a one-line nginx log whose line is parsed and poured, with
//   CrowdSec's linux, nginx and base-http-scenarios collections (../shared/crowdsec-hub), the content cache warm, then
//   with CROWD_CONTENT_CACHE=off; and the same with the embedded default content (no flags).
// Every child runs with its own cache dir and without NODE_EXTRA_CA_CERTS (a CA bundle some CI sandboxes set, which makes
// every node start read certificates: about 50 ms that users do not pay); `node -e 0` is measured the same way.
import * as fs from 'node:fs'
import * as os from 'node:os'
import * as path from 'node:path'
import {median, report, ROOT, SHARED, timeCommand} from './lib.mjs'

const RUNS = Number(process.env.BENCH_RUNS ?? 15)
const bin = path.join(ROOT, 'bin', 'run.js')
const deno = path.join(ROOT, 'node_modules', '.bin', 'deno')
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'crowd-bench-startup-'))
const {NODE_EXTRA_CA_CERTS: _ca, ...base} = process.env
const env = {...base, XDG_CACHE_HOME: path.join(tmp, 'cache'), XDG_CONFIG_HOME: path.join(tmp, 'config'), XDG_DATA_HOME: path.join(tmp, 'data'), CROWD_CONFIG: '', CROWD_HOME: ''}

function measure(name, command, args, extraEnv = {}) {
  const options = {env: {...env, ...extraEnv}}
  for (let i = 0; i < 3; i++) timeCommand(command, args, options) // warm-up (fills the caches)
  const times = []
  for (let i = 0; i < RUNS; i++) {
    const r = timeCommand(command, args, options)
    if (r.status !== 0) throw new Error(`${name} exited ${r.status}: ${r.stderr}`)
    times.push(r.ms)
  }
  report(name, {median_ms: median(times), min_ms: Math.min(...times), runs: RUNS})
  return median(times)
}

const baseline = measure('node -e 0', process.execPath, ['-e', '0'])
const help = measure('node crowd --help', process.execPath, [bin, '--help'])
measure('node crowd --help (no cache)', process.execPath, [bin, '--help'], {CROWD_HELP_CACHE: 'off'})
measure('node crowd --version', process.execPath, [bin, '--version'])
measure('deno crowd --help', deno, ['run', '-A', bin, '--help'])

// one nginx line every rule set parses (a 404 of a scanner's path: the http scenarios take it)
const log = path.join(tmp, 'one.log')
fs.writeFileSync(log, '192.0.2.7 - - [02/Mar/2026:06:00:00 +0000] "GET /wp-login.php HTTP/1.1" 404 153 "-" "Mozilla/5.0"\n')
const hubArgs = ['--hub', path.join(SHARED, 'crowdsec-hub'), '--collection', 'crowdsecurity/linux', '--collection', 'crowdsecurity/nginx', '--collection', 'crowdsecurity/base-http-scenarios']
const check = timeCommand(process.execPath, [bin, 'scan', `${log}:nginx`, ...hubArgs, '--json', '--fail-on', 'none'], {env})
const poured = JSON.parse(check.stdout).inputs[0].sources[0].poured
if (poured !== 1) throw new Error(`the one line was not poured (${poured})`)
const first = measure('first line, hub collections', process.execPath, [bin, 'scan', `${log}:nginx`, ...hubArgs, '--json', '--fail-on', 'none'])
measure('  (content cache off)', process.execPath, [bin, 'scan', `${log}:nginx`, ...hubArgs, '--json', '--fail-on', 'none'], {CROWD_CONTENT_CACHE: 'off'})
measure('first line, embedded content', process.execPath, [bin, 'scan', log, '--json', '--fail-on', 'none'])
measure('  (content cache off)', process.execPath, [bin, 'scan', log, '--json', '--fail-on', 'none'], {CROWD_CONTENT_CACHE: 'off'})
report('startup over node baseline', {help_ratio: help / baseline, first_line_ms_over_node: first - baseline})
fs.rmSync(tmp, {recursive: true, force: true})
