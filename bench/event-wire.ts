/**
 * Cost of the parse worker's event codec (src/model/event-wire.ts) on real parsed events:
 * genlogs nginx (and ssh) lines parsed by the linux + nginx + sshd collections' parsers, then
 * encoded in batches of 256 with the keys the scenarios of those collections and
 * base-http-scenarios read (what `crowd scan --parse-workers 1` sends), copied by structured
 * clone (what postMessage does) and decoded back. Prints µs/event for each step (median of
 * the passes) and JSON characters/event.
 *
 *   node --import tsx bench/event-wire.ts [--lines N] [--passes P]
 */
import '../src/platform/regexp-guard.js'
import * as fs from 'node:fs'
import * as path from 'node:path'
import {WireDecoder, WireEncoder} from '../src/model/event-wire.js'
import {ExpectMode, newLogEvent, type Event} from '../src/model/event.js'
import {GoTime, UTC} from '../src/model/go-time.js'
import {silentLogger} from '../src/model/logger.js'
import {buildEngines, loadStages} from '../src/pipeline/build-engines.js'
import {resolveContent} from '../src/pipeline/content.js'
import {wireKeys} from '../src/pipeline/scan.js'
import {arg, generateLog, SHARED} from './lib.mjs'

const LINES = Number(arg('--lines', '50000'))
const PASSES = Number(arg('--passes', '5'))
const BATCH = 256

const content = resolveContent({hubDir: path.join(SHARED, 'crowdsec-hub'), collections: ['crowdsecurity/linux', 'crowdsecurity/nginx', 'crowdsecurity/sshd', 'crowdsecurity/base-http-scenarios']})
const stages = loadStages(content, {logger: silentLogger})
const parsers = stages.parserSet
const keys = wireKeys(buildEngines(stages).detector.eventKeyNeeds!())

for (const mode of ['nginx', 'ssh']) {
  const lines = fs.readFileSync(generateLog(mode, LINES).log, 'utf8').split('\n').filter((l: string) => l !== '')
  const labels = Object.create(null) as Record<string, string>
  labels.type = mode === 'ssh' ? 'syslog' : 'nginx'
  const now = GoTime.now(UTC)
  const events: Event[] = []
  for (const raw of lines) {
    const evt = newLogEvent({raw, src: `${mode}.log`, module: 'file', labels, time: now})
    evt.ExpectMode = ExpectMode.timeMachine
    if (parsers.parse(evt).parsed) events.push(evt)
  }
  const enc: number[] = []
  const copy: number[] = []
  const dec: number[] = []
  let chars = 0
  for (let pass = 0; pass < PASSES; pass++) {
    const batches: unknown[][][] = []
    const encoder = new WireEncoder(keys)
    const decoder = new WireDecoder(keys)
    let t0 = process.hrtime.bigint()
    for (let i = 0; i < events.length; i += BATCH) batches.push(encoder.encodeBatch(events.slice(i, i + BATCH)))
    let t1 = process.hrtime.bigint()
    enc.push(Number(t1 - t0) / 1e3 / events.length)
    chars = batches.reduce((n, b) => n + JSON.stringify(b).length, 0)
    t0 = process.hrtime.bigint()
    const copies = batches.map((b) => structuredClone(b))
    t1 = process.hrtime.bigint()
    copy.push(Number(t1 - t0) / 1e3 / events.length)
    t0 = process.hrtime.bigint()
    let n = 0
    for (const b of copies) n += decoder.decodeBatch(b).length
    t1 = process.hrtime.bigint()
    if (n !== events.length) throw new Error('decode lost events')
    dec.push(Number(t1 - t0) / 1e3 / events.length)
  }
  const median = (a: number[]): number => [...a].sort((x, y) => x - y)[Math.floor(a.length / 2)]!
  console.log(`${mode}: ${events.length} events  encode ${median(enc).toFixed(2)} µs/event  structured clone ${median(copy).toFixed(2)} µs/event  decode ${median(dec).toFixed(2)} µs/event  ${(chars / events.length).toFixed(0)} JSON chars/event`)
}
