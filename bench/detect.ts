/**
 * Parse + detect throughput, replay mode, one core:
 *  - nginx: 1,000,000 genlogs nginx lines through syslog-logs, nginx-logs, dateparse-enrich,
 *    http-logs and every scenario of CrowdSec's nginx + base-http-scenarios collections
 *    (http-cve included, resolved recursively from SHARED/crowdsec-hub);
 *  - ssh: 1,000,000 genlogs ssh lines through syslog-logs, sshd parsers, dateparse-enrich and
 *    the sshd collection's scenarios.
 * The log is streamed in 64 KiB chunks (never held whole). Prints lines/s per pass, the median, alerts
 * and peak RSS.
 *
 * `--no-share` runs every scenario filter whole (no cross-scenario conjunct sharing), for comparison.
 * `--no-subexpr` compiles scenario filters without the shared sub-expression memo, for comparison.
 * `--no-prefilter` evaluates every scenario filter (no literal prefilter, src/detect/prefilter.ts);
 * with `--detect-only`, `--ab-prefilter` alternates the prefilter on/off instead of sharing.
 *
 * `--detect-only` parses the lines once up front (held in memory: use fewer lines) and times the detector
 * alone, alternating sharing on and off per pass (CPU µs per event, process user+system time: steadier than
 * wall time on a busy machine; median of each).
 *
 *   node --import tsx bench/detect.ts [--lines N] [--passes P] [--only nginx|ssh] [--no-share] [--no-subexpr] [--detect-only]
 */
import '../src/platform/regexp-guard.js'
import * as fs from 'node:fs'
import * as os from 'node:os'
import * as path from 'node:path'
import {parse as parseYaml} from 'yaml'
import {createDetector, loadScenarios} from '../src/detect/index.js'
import {ExpectMode, newLogEvent, type Event} from '../src/model/event.js'
import {GoTime, UTC} from '../src/model/go-time.js'
import {silentLogger} from '../src/model/logger.js'
import {loadParsers, loadPostoverflows} from '../src/parse/index.js'
import {parserFileFromPath} from '../src/parse/load.js'
import {createHelperContext} from '../src/parse/services.js'
import {arg, generateLog, readLines, SHARED} from './lib.mjs'

const HUB = path.join(SHARED, 'crowdsec-hub')
const LINES = Number(arg('--lines', '1000000'))
const PASSES = Number(arg('--passes', '3'))
const ONLY = arg('--only', '')
const NO_DETECT = process.argv.includes('--parse-only')
const SHARE = !process.argv.includes('--no-share')
const SUBEXPR = !process.argv.includes('--no-subexpr')
const DETECT_ONLY = process.argv.includes('--detect-only')
const PREFILTER = !process.argv.includes('--no-prefilter')
/** --detect-only: alternate the literal prefilter on/off (instead of sharing). */
const AB_PREFILTER = process.argv.includes('--ab-prefilter')

interface Items {
  parsers: Set<string>
  scenarios: Set<string>
  postoverflows: Set<string>
}
const index = JSON.parse(fs.readFileSync(path.join(HUB, '.index.json'), 'utf8')) as Record<string, Record<string, {path: string}>>

function collect(collection: string, items: Items): void {
  const doc = parseYaml(fs.readFileSync(path.join(HUB, index.collections![collection]!.path), 'utf8')) as Record<string, string[] | undefined>
  for (const p of doc.parsers ?? []) items.parsers.add(p)
  for (const s of doc.scenarios ?? []) items.scenarios.add(s)
  for (const p of doc.postoverflows ?? []) items.postoverflows.add(p)
  for (const c of doc.collections ?? []) collect(c, items)
}

function logFor(mode: string): string {
  return generateLog(mode, LINES).log
}


function run(mode: 'nginx' | 'ssh', collections: string[], extraParsers: string[], logType: string): void {
  const items: Items = {parsers: new Set(extraParsers), scenarios: new Set(), postoverflows: new Set()}
  for (const c of collections) collect(c, items)
  const now = (): GoTime => GoTime.now(UTC)
  const dataDir = path.join(HUB, 'data')
  const helpers = createHelperContext({dataDir, logger: silentLogger, now})
  const parserFiles = [...items.parsers].map((n) => parserFileFromPath(path.join(HUB, index.parsers![n]!.path)))
  const parsers = loadParsers({files: parserFiles, patternDirs: [path.join(HUB, 'patterns')], dataDir, helpers, now})
  if (parsers.errors.length > 0) throw parsers.errors[0]
  const poFiles = [...items.postoverflows].map((n) => parserFileFromPath(path.join(HUB, index.postoverflows![n]!.path)))
  const postoverflows = loadPostoverflows({files: poFiles, patternDirs: [path.join(HUB, 'patterns')], dataDir, helpers, now})
  const scenarioFiles = [...new Set([...items.scenarios].map((n) => path.join(HUB, index.scenarios![n]!.path)))]
  const loaded = loadScenarios(scenarioFiles, {helpers, dataDir, hubIndex: index, shareSubexpressions: SUBEXPR})
  if (loaded.errors.length > 0) throw loaded.errors[0]
  const file = logFor(mode)
  const shared = loaded.scenarios.filter((s) => s.filterPlan !== undefined).length
  console.log(`${mode}: ${parserFiles.length} parser files, ${loaded.scenarios.length} scenarios (${SHARE ? `${shared} with shared filter parts` : 'sharing off'}), ${poFiles.length} postoverflows, ${LINES} lines`)
  if (DETECT_ONLY) {
    detectOnly(parseOnce(file, logType, parsers), loaded.scenarios, (evt) => void postoverflows.parse(evt))
    return
  }
  const rates: number[] = []
  const mem = process.memoryUsage()
  console.log(`  loaded: rss ${Math.round(mem.rss / 1048576)} MiB, heap ${Math.round(mem.heapUsed / 1048576)} MiB`)
  for (let pass = 0; pass < PASSES; pass++) {
    const detector = createDetector(loaded.scenarios, {mode: 'replay', collect: false, shareFilters: SHARE, prefilter: PREFILTER, postoverflow: (evt) => void postoverflows.parse(evt)})
    let alerts = 0
    detector.onOverflow((evt) => {
      if (!(evt.Overflow as {Whitelisted?: boolean}).Whitelisted) alerts++
    })
    let count = 0
    const t0 = process.hrtime.bigint()
    for (const raw of readLines(file)) {
      count++
      const evt = newLogEvent({raw, src: file, module: 'file', labels: {type: logType}})
      evt.ExpectMode = ExpectMode.timeMachine
      if (parsers.parse(evt).parsed && !NO_DETECT) detector.pour(evt)
    }
    ;(globalThis as {gc?: () => void}).gc?.()
    const heapMb = process.memoryUsage().heapUsed / 1048576
    const live = detector.liveState()
    detector.flush()
    const seconds = Number(process.hrtime.bigint() - t0) / 1e9
    rates.push(count / seconds)
    const m = detector.metrics
    const instantiated = Object.values(m.scenarios).reduce((a, s) => a + s.instantiated, 0)
    if (PREFILTER) console.log(`  prefilter: ${detector.metrics.prefilterSkipped} filter evaluations skipped (${(100 * detector.metrics.prefilterSkipped / Math.max(1, detector.metrics.events * loaded.scenarios.length)).toFixed(1)}% of event x scenario pairs, ${loaded.scenarios.filter((s) => s.prefilter !== undefined).length} scenarios with a prefilter)`)
    console.log(`  pass ${pass + 1}: ${count} lines in ${seconds.toFixed(2)} s = ${Math.round(count / seconds)} lines/s, ${alerts} alerts, ${instantiated} buckets, ${m.exprErrors} expr errors; at end of input: ${live.buckets} live buckets holding ${live.events} events, heap ${Math.round(heapMb)} MiB`)
  }
  rates.sort((a, b) => a - b)
  console.log(`  ${mode} median: ${Math.round(rates[Math.floor(rates.length / 2)]!)} lines/s, peak RSS ${Math.round(process.resourceUsage().maxRSS / 1024)} MiB`)
}

if (ONLY === '' || ONLY === 'nginx') {
  run('nginx', ['crowdsecurity/nginx', 'crowdsecurity/base-http-scenarios'], ['crowdsecurity/syslog-logs', 'crowdsecurity/dateparse-enrich'], 'nginx')
}
if (ONLY === '' || ONLY === 'ssh') {
  run('ssh', ['crowdsecurity/sshd'], ['crowdsecurity/syslog-logs', 'crowdsecurity/dateparse-enrich'], 'syslog')
}

/** Times the detector alone on pre-parsed events, sharing on and off alternately. */
function detectOnly(events: Event[], scenarios: Parameters<typeof createDetector>[0], postoverflow: (evt: Event) => void): void {
  const times: Record<'on' | 'off', number[]> = {on: [], off: []}
  for (let pass = 0; pass < PASSES * 2; pass++) {
    const share = pass % 2 === 0
    const detector = createDetector(scenarios, {mode: 'replay', collect: false, postoverflow,
      ...(AB_PREFILTER ? {prefilter: share, shareFilters: SHARE} : {shareFilters: share, prefilter: PREFILTER})})
    let alerts = 0
    detector.onOverflow(() => void alerts++)
    const c0 = process.cpuUsage()
    for (const evt of events) detector.pour(evt)
    const c1 = process.cpuUsage(c0)
    const ns = (c1.user + c1.system) * 1000
    detector.flush()
    times[share ? 'on' : 'off'].push(ns / events.length / 1000)
    console.log(`  pass ${pass + 1} (${AB_PREFILTER ? 'prefilter' : 'sharing'} ${share ? 'on' : 'off'}): ${(ns / events.length / 1000).toFixed(2)} CPU µs/event, ${alerts} alerts`)
  }
  const median = (a: number[]): string => a.sort((x, y) => x - y)[Math.floor(a.length / 2)]!.toFixed(2)
  console.log(`  detect only, ${events.length} events: ${AB_PREFILTER ? 'prefilter' : 'sharing'} on ${median(times.on)} CPU µs/event, off ${median(times.off)} CPU µs/event, peak RSS ${Math.round(process.resourceUsage().maxRSS / 1024)} MiB`)
}

function parseOnce(file: string, logType: string, parsers: {parse(evt: Event): {parsed: boolean}}): Event[] {
  const events: Event[] = []
  for (const raw of readLines(file)) {
    const evt = newLogEvent({raw, src: file, module: 'file', labels: {type: logType}})
    evt.ExpectMode = ExpectMode.timeMachine
    if (parsers.parse(evt).parsed) events.push(evt)
  }
  return events
}
