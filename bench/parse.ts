/**
 * Parse-only throughput: a 1,000,000-line nginx access log (../shared/bench/genlogs.mjs)
 * through CrowdSec's syslog-logs, nginx-logs, dateparse-enrich and http-logs parsers from
 * the shared hub snapshot, on one core. Prints lines/s for each of 3 passes, the median,
 * and the peak RSS.
 *
 *   node --import tsx bench/parse.ts [--lines N]
 */
import '../src/platform/regexp-guard.js'
import {spawnSync} from 'node:child_process'
import * as fs from 'node:fs'
import * as os from 'node:os'
import * as path from 'node:path'
import {fileURLToPath} from 'node:url'
import {ExpectMode, newLogEvent} from '../src/model/event.js'
import {GoTime, UTC} from '../src/model/go-time.js'
import {loadParsers} from '../src/parse/index.js'
import {parserFileFromPath} from '../src/parse/load.js'
import {createHelperContext} from '../src/parse/services.js'

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
const SHARED = path.resolve(ROOT, '..', 'shared')
const HUB = path.join(SHARED, 'crowdsec-hub')
const linesArg = process.argv.indexOf('--lines')
const LINES = linesArg > 0 ? Number(process.argv[linesArg + 1]) : 1_000_000

const logFile = path.join(os.tmpdir(), `crowd-bench-nginx-${LINES}.log`)
if (!fs.existsSync(logFile)) {
  const r = spawnSync(process.execPath, [path.join(SHARED, 'bench', 'genlogs.mjs'), 'nginx', '--lines', String(LINES), '--seed', '1', '--out', logFile], {stdio: 'inherit'})
  if (r.status !== 0) throw new Error('genlogs failed')
}
const lines = fs.readFileSync(logFile, 'utf8').split('\n').filter((l) => l !== '')

const now = (): GoTime => GoTime.now(UTC)
const dataDir = path.join(HUB, 'data')
const files = ['s00-raw/crowdsecurity/syslog-logs.yaml', 's01-parse/crowdsecurity/nginx-logs.yaml', 's02-enrich/crowdsecurity/dateparse-enrich.yaml', 's02-enrich/crowdsecurity/http-logs.yaml']
  .map((f) => parserFileFromPath(path.join(HUB, 'parsers', f)))
const set = loadParsers({files, patternDirs: [path.join(HUB, 'patterns')], dataDir, helpers: createHelperContext({dataDir, logger: console, now}), now})
if (set.errors.length > 0) throw set.errors[0]

const rates: number[] = []
let parsedCount = 0
for (let pass = 0; pass < 3; pass++) {
  parsedCount = 0
  const t0 = process.hrtime.bigint()
  for (const raw of lines) {
    const evt = newLogEvent({raw, src: logFile, module: 'file', labels: {type: 'nginx'}})
    evt.ExpectMode = ExpectMode.timeMachine
    if (set.parse(evt).parsed) parsedCount++
  }
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9
  rates.push(lines.length / seconds)
  console.log(`pass ${pass + 1}: ${lines.length} lines in ${seconds.toFixed(2)} s = ${Math.round(lines.length / seconds)} lines/s (${parsedCount} parsed)`)
}
rates.sort((a, b) => a - b)
console.log(`median: ${Math.round(rates[1]!)} lines/s, peak RSS ${Math.round(process.resourceUsage().maxRSS / 1024)} MiB`)
