/**
 * Cost of the scenario filters alone (no parsing, no buckets): the `filter:` of every scenario of
 * CrowdSec's nginx + base-http-scenarios collections, compiled once with their data files, run on
 * events built from genlogs nginx lines by a small stand-in for nginx-logs + http-logs (the
 * fields those filters read: log_type, service, http_status, http_path, http_verb, request,
 * http_args, file_*, http_user_agent, http_referer). Prints µs per event for all filters (median
 * of passes), the per-filter top 10, and a checksum of the results (true counts per filter) so an
 * optimised build can be compared with `--no-optimize`.
 *
 *   node --import tsx bench/scenario-filters.ts [--lines N] [--passes P] [--no-optimize]
 */
import * as fs from 'node:fs'
import * as os from 'node:os'
import * as path from 'node:path'
import {parse as parseYaml, parseAllDocuments} from 'yaml'
import {compileExpr, type CompiledProgram} from '../src/expr/index.js'
import {createHelperContext} from '../src/expr/helpers/context.js'
import {newLogEvent, type Event} from '../src/model/event.js'
import {silentLogger} from '../src/model/logger.js'
import {arg, generateLog, SHARED} from './lib.mjs'

const HUB = path.join(SHARED, 'crowdsec-hub')
const LINES = Number(arg('--lines', '20000'))
const PASSES = Number(arg('--passes', '5'))
const OPTIMIZE = !process.argv.includes('--no-optimize')
const ONLY = arg('--only', '')

const index = JSON.parse(fs.readFileSync(path.join(HUB, '.index.json'), 'utf8')) as Record<string, Record<string, {path: string}>>
const scenarios = new Set<string>()
function collect(collection: string): void {
  const doc = parseYaml(fs.readFileSync(path.join(HUB, index.collections![collection]!.path), 'utf8')) as Record<string, string[] | undefined>
  for (const s of doc.scenarios ?? []) scenarios.add(s)
  for (const c of doc.collections ?? []) collect(c)
}
collect('crowdsecurity/nginx')
collect('crowdsecurity/base-http-scenarios')

const helpers = createHelperContext({dataDir: path.join(HUB, 'data'), logger: silentLogger})
const filters: {name: string; program: CompiledProgram}[] = []
for (const s of scenarios) {
  for (const d of parseAllDocuments(fs.readFileSync(path.join(HUB, index.scenarios![s]!.path), 'utf8'))) {
    const doc = d.toJSON() as {name?: string; filter?: string; data?: {dest_file: string; type: string}[]} | null
    if (doc?.filter === undefined || (ONLY !== '' && !(doc.name ?? '').includes(ONLY))) continue
    for (const f of doc.data ?? []) helpers.data.loadDataFile(f.dest_file, f.type)
    filters.push({name: doc.name ?? s, program: compileExpr(doc.filter, {env: 'event', helpers, optimize: OPTIMIZE})})
  }
}

function logFile(): string {
  return generateLog('nginx', LINES).log
}

const LINE = /^(\S+) \S+ \S+ \[[^\]]*\] "(\S+) (\S+) [^"]*" (\d+) \d+ "([^"]*)" "([^"]*)"$/
function toEvent(raw: string): Event | undefined {
  const m = LINE.exec(raw)
  if (m === null) return undefined
  const evt = newLogEvent({raw, src: 'bench', module: 'file', labels: {type: 'nginx'}})
  const [, ip, verb, target, status, referer, ua] = m as unknown as string[]
  const q = target!.indexOf('?')
  const request = q >= 0 ? target!.slice(0, q) : target!
  const dirEnd = request.lastIndexOf('/') + 1
  const file = request.slice(dirEnd)
  const dot = file.lastIndexOf('.')
  const P = evt.Parsed
  P.verb = verb!
  P.request = request
  P.http_args = q >= 0 ? target!.slice(q + 1) : ''
  P.http_user_agent = ua!
  P.http_referer = referer!
  P.status = status!
  P.file_dir = request.slice(0, dirEnd)
  P.file_frag = dot >= 0 ? file.slice(0, dot) : file
  P.file_ext = dot >= 0 ? file.slice(dot) : ''
  P.file_name = file
  P.http_path = request
  P.static_ressource = ['.css', '.js', '.png', '.jpg', '.svg', '.ico'].includes(P.file_ext.toLowerCase()) ? 'true' : 'false'
  const M = evt.Meta
  M.log_type = 'http_access-log'
  M.service = 'http'
  M.source_ip = ip!
  M.http_status = status!
  M.http_path = target!
  M.http_verb = verb!
  M.http_user_agent = ua!
  return evt
}

const events: Event[] = []
for (const raw of fs.readFileSync(logFile(), 'utf8').split('\n')) {
  if (raw === '') continue
  const evt = toEvent(raw)
  if (evt !== undefined) events.push(evt)
  if (events.length >= LINES) break
}

console.log(`${filters.length} scenario filters, ${events.length} events, optimize=${OPTIMIZE}`)
const perFilter = new Float64Array(filters.length)
const hits = new Array<number>(filters.length).fill(0)
const totals: number[] = []
const runOne = (program: CompiledProgram, vars: Record<string, unknown>): unknown => {
  try {
    return program.run(vars)
  } catch {
    return 'error'
  }
}
const allVars = events.map((evt) => ({evt}))
for (let pass = 0; pass < PASSES; pass++) {
  hits.fill(0)
  const t0 = process.hrtime.bigint()
  for (const vars of allVars) {
    for (let i = 0; i < filters.length; i++) if (runOne(filters[i]!.program, vars) === true) hits[i]!++
  }
  const us = Number(process.hrtime.bigint() - t0) / 1000 / events.length
  totals.push(us)
  console.log(`  pass ${pass + 1}: ${us.toFixed(2)} µs/event (all filters)`)
}
// per filter: filter-major loops (one timing per filter, no per-call clock)
for (let i = 0; i < filters.length; i++) {
  const program = filters[i]!.program
  const t = process.hrtime.bigint()
  for (const vars of allVars) runOne(program, vars)
  perFilter[i] = Number(process.hrtime.bigint() - t)
}
totals.sort((a, b) => a - b)
const median = totals[totals.length >> 1]!
console.log(`median: ${median.toFixed(2)} µs/event = ${Math.round(1e6 / median)} events/s through the filters alone`)
const order = filters.map((_, i) => i).sort((a, b) => perFilter[b]! - perFilter[a]!)
for (const i of order.slice(0, Number(arg("--top", "10")))) console.log(`  ${(perFilter[i]! / 1000 / events.length).toFixed(2).padStart(7)} µs  ${filters[i]!.name}`)
console.log(`checksum (true counts): ${hits.join(',')}`)
