/**
 * Parse-only throughput: a 1,000,000-line nginx access log (../shared/bench/genlogs.mjs)
 * through CrowdSec's syslog-logs, nginx-logs, dateparse-enrich and http-logs parsers from
 * the shared hub snapshot, on one core. The log is streamed (read in 64 KiB chunks, cut
 * into lines; never held whole), so the peak RSS is the parser's. Prints lines/s for each
 * pass, the medians (wall clock and per CPU-second), and the peak RSS.
 *
 *   node --import tsx bench/parse.ts [--lines N] [--passes P]
 */
import '../src/platform/regexp-guard.js'
import * as path from 'node:path'
import {ExpectMode, newLogEvent} from '../src/model/event.js'
import {GoTime, UTC} from '../src/model/go-time.js'
import {loadParsers} from '../src/parse/index.js'
import {parserFileFromPath} from '../src/parse/load.js'
import {createHelperContext} from '../src/parse/services.js'
import {arg, generateLog, readLines, SHARED} from './lib.mjs'

const HUB = path.join(SHARED, 'crowdsec-hub')
const LINES = Number(arg('--lines', '1000000'))
const PASSES = Number(arg('--passes', '3'))

const logFile = generateLog('nginx', LINES).log


const now = (): GoTime => GoTime.now(UTC)
const dataDir = path.join(HUB, 'data')
const files = ['s00-raw/crowdsecurity/syslog-logs.yaml', 's01-parse/crowdsecurity/nginx-logs.yaml', 's02-enrich/crowdsecurity/dateparse-enrich.yaml', 's02-enrich/crowdsecurity/http-logs.yaml']
  .map((f) => parserFileFromPath(path.join(HUB, 'parsers', f)))
const set = loadParsers({files, patternDirs: [path.join(HUB, 'patterns')], dataDir, helpers: createHelperContext({dataDir, logger: console, now}), now})
if (set.errors.length > 0) throw set.errors[0]

const labels = {type: 'nginx'}
const rates: number[] = []
const cpuRates: number[] = []
for (let pass = 0; pass < PASSES; pass++) {
  let count = 0
  let parsedCount = 0
  const t0 = process.hrtime.bigint()
  const cpu0 = process.cpuUsage()
  for (const raw of readLines(logFile)) {
    count++
    const evt = newLogEvent({raw, src: logFile, module: 'file', labels})
    evt.ExpectMode = ExpectMode.timeMachine
    if (set.parse(evt).parsed) parsedCount++
  }
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9
  const cpu = process.cpuUsage(cpu0)
  const cpuSeconds = (cpu.user + cpu.system) / 1e6
  rates.push(count / seconds)
  cpuRates.push(count / cpuSeconds)
  console.log(`pass ${pass + 1}: ${count} lines in ${seconds.toFixed(2)} s = ${Math.round(count / seconds)} lines/s (${parsedCount} parsed; ${Math.round(count / cpuSeconds)} lines per CPU-second)`)
}
const median = (xs: number[]): number => Math.round([...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!)
// lines per CPU-second is the steadier figure on a shared machine; lines/s is the one to quote on an idle one
console.log(`median: ${median(rates)} lines/s (${median(cpuRates)} lines per CPU-second), peak RSS ${Math.round(process.resourceUsage().maxRSS / 1024)} MiB`)
