/**
 * Go layout parsing and formatting speed (src/model/go-time-layout.ts), as ParseDate uses
 * it per log line: a hit on the first layout, a hit on the 7th after six misses (syslog
 * dates), and RFC 3339 formatting. Prints ns per operation for 5 runs and the median.
 *
 *   node --import tsx bench/go-time-layout.ts
 */
import {GoTime, UTC} from '../src/model/go-time.js'
import {formatGoTime, tryParseGoTime} from '../src/model/go-time-layout.js'
import {DATE_LAYOUTS} from '../src/parse/enrich/date.js'

/** ParseDate's first seven layouts: the syslog one (`Jan  2 15:04:05`) is 7th, after six misses. */
const LAYOUTS = DATE_LAYOUTS.slice(0, 7)

function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b)
  return s[s.length >> 1]!
}

function measure(name: string, n: number, fn: (i: number) => unknown): void {
  const runs: number[] = []
  let sink = 0
  for (let r = 0; r < 5; r++) {
    const start = process.hrtime.bigint()
    for (let i = 0; i < n; i++) if (fn(i) !== undefined) sink++
    runs.push(Number(process.hrtime.bigint() - start) / n)
  }
  console.log(`${name}: ${runs.map((x) => x.toFixed(0)).join(' ')} ns/op, median ${median(runs).toFixed(0)} ns/op (${sink > 0 ? 'ok' : 'no result'})`)
}

const N = 200_000
const nginx = Array.from({length: 100}, (_, i) => `${String((i % 28) + 1).padStart(2, '0')}/Jan/2020:07:25:${String(i % 60).padStart(2, '0')} +0000`)
const syslog = Array.from({length: 100}, (_, i) => `Feb ${String((i % 28) + 1).padStart(2, ' ')} 14:10:${String(i % 60).padStart(2, '0')}`)

measure('nginx date, 2nd layout (1 miss + hit)', N, (i) => tryParseGoTime(LAYOUTS[0]!, nginx[i % 100]!) ?? tryParseGoTime(LAYOUTS[1]!, nginx[i % 100]!))
measure('syslog date, 7th layout (6 misses + hit)', N, (i) => {
  for (const l of LAYOUTS) {
    const t = tryParseGoTime(l, syslog[i % 100]!)
    if (t !== undefined) return t
  }
  return undefined
})
const t = GoTime.date(2024, 5, 6, 7, 8, 9, 123456000, UTC)
measure('format RFC3339Nano', N, () => formatGoTime(t, '2006-01-02T15:04:05.999999999Z07:00'))
