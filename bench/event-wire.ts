/**
 * Cost of the parse worker's event codec (src/model/event-wire.ts) on real parsed events:
 * genlogs nginx (and ssh) lines parsed by the linux + nginx + sshd collections' parsers, then
 * encoded to one JSON string per batch of 256 and decoded back. Prints µs/event for encode
 * and decode (median of the passes) and bytes/event.
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
import {loadParserSet} from '../src/pipeline/build-engines.js'
import {resolveContent} from '../src/pipeline/content.js'
import {arg, generateLog, SHARED} from './lib.mjs'

const LINES = Number(arg('--lines', '50000'))
const PASSES = Number(arg('--passes', '5'))
const BATCH = 256

const content = resolveContent({hubDir: path.join(SHARED, 'crowdsec-hub'), collections: ['crowdsecurity/linux', 'crowdsecurity/nginx', 'crowdsecurity/sshd']})
const parsers = loadParserSet(content, silentLogger)

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
  const dec: number[] = []
  let bytes = 0
  for (let pass = 0; pass < PASSES; pass++) {
    const texts: string[] = []
    const encoder = new WireEncoder()
    const decoder = new WireDecoder()
    let t0 = process.hrtime.bigint()
    for (let i = 0; i < events.length; i += BATCH) texts.push(encoder.encodeBatch(events.slice(i, i + BATCH)))
    let t1 = process.hrtime.bigint()
    enc.push(Number(t1 - t0) / 1e3 / events.length)
    bytes = texts.reduce((n, t) => n + t.length, 0)
    t0 = process.hrtime.bigint()
    let n = 0
    for (const t of texts) n += decoder.decodeBatch(t).length
    t1 = process.hrtime.bigint()
    if (n !== events.length) throw new Error('decode lost events')
    dec.push(Number(t1 - t0) / 1e3 / events.length)
  }
  const median = (a: number[]): number => [...a].sort((x, y) => x - y)[Math.floor(a.length / 2)]!
  console.log(`${mode}: ${events.length} events  encode ${median(enc).toFixed(2)} µs/event  decode ${median(dec).toFixed(2)} µs/event  ${(bytes / events.length).toFixed(0)} chars/event`)
}
