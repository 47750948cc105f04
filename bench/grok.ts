// Grok match throughput: the nginx access-log pattern of the hub's crowdsecurity/nginx-logs parser
// on genlogs nginx lines (200k, seed 1). Prints the median of 5 runs in lines/s.
import '../src/platform/regexp-guard.js'
import * as fs from 'node:fs'
import * as path from 'node:path'
import {parseAllDocuments} from 'yaml'
import {loadPatternLibrary} from '../src/grok/index.js'
import {SHARED, generateLog, median, report} from './lib.mjs'

const HUB = path.join(SHARED, 'crowdsec-hub')
const lib = loadPatternLibrary([path.join(HUB, 'patterns')])
const parserFile = path.join(HUB, 'parsers/s01-parse/crowdsecurity/nginx-logs.yaml')
const docs = parseAllDocuments(fs.readFileSync(parserFile, 'utf8')).map((d) => d.toJS())
const syntax = docs.find((d) => d?.pattern_syntax)?.pattern_syntax ?? {}
lib.definePatternSyntax(Object.entries(syntax) as [string, string][])
const patterns: string[] = docs.flatMap((d) => d?.nodes ?? []).map((n: {grok?: {pattern?: string}}) => n.grok?.pattern).filter((p: unknown): p is string => typeof p === 'string')
const accessPattern = patterns.find((p) => p.includes('NGCUSTOMUSER'))
if (accessPattern === undefined) throw new Error('nginx access pattern not found in the hub parser')
const grok = lib.compile(accessPattern)

const {log} = generateLog('nginx', 200000, 1)
const lines = fs.readFileSync(log, 'utf8').split('\n').filter((l) => l !== '')

function run(): {ms: number; matched: number} {
  let matched = 0
  const start = process.hrtime.bigint()
  for (const line of lines) if (grok.match(line) !== null) matched++
  return {ms: Number(process.hrtime.bigint() - start) / 1e6, matched}
}

run() // warm-up
const times: number[] = []
let matched = 0
for (let k = 0; k < 5; k++) {
  const r = run()
  times.push(r.ms)
  matched = r.matched
}
const ms = median(times)
report('grok nginx access', {lines: lines.length, matched, engine: grok.engine, median_ms: ms, lines_per_s: Math.round((lines.length / ms) * 1000)})
