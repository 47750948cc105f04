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
const arg = (name: string, def: string): string => {
  const i = process.argv.indexOf(name)
  return i > 0 ? process.argv[i + 1]! : def
}
const LINES = Number(arg('--lines', '1000000'))
const PASSES = Number(arg('--passes', '3'))

const logFile = path.join(os.tmpdir(), `crowd-bench-nginx-${LINES}.log`)
if (!fs.existsSync(logFile)) {
  const r = spawnSync(process.execPath, [path.join(SHARED, 'bench', 'genlogs.mjs'), 'nginx', '--lines', String(LINES), '--seed', '1', '--out', logFile], {stdio: 'inherit'})
  if (r.status !== 0) throw new Error('genlogs failed')
}

/** Calls `onLine` for each non-empty line of the file (a trailing \r dropped), read in 64 KiB chunks. */
function forEachLine(file: string, onLine: (line: string) => void): void {
  const fd = fs.openSync(file, 'r')
  const buf = Buffer.alloc(64 << 10)
  let rest = ''
  try {
    for (;;) {
      const n = fs.readSync(fd, buf, 0, buf.length, null)
      if (n === 0) break
      const text = rest + buf.toString('utf8', 0, n)
      let start = 0
      for (let nl = text.indexOf('\n'); nl !== -1; nl = text.indexOf('\n', start)) {
        const end = nl > start && text.charCodeAt(nl - 1) === 13 ? nl - 1 : nl
        if (end > start) onLine(text.slice(start, end))
        start = nl + 1
      }
      rest = text.slice(start)
    }
    if (rest !== '') onLine(rest)
  } finally {
    fs.closeSync(fd)
  }
}

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
  forEachLine(logFile, (raw) => {
    count++
    const evt = newLogEvent({raw, src: logFile, module: 'file', labels})
    evt.ExpectMode = ExpectMode.timeMachine
    if (set.parse(evt).parsed) parsedCount++
  })
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
