/**
 * The embedded web content on Apache-shaped access logs, through `crowd scan` with no flags (a
 * fresh machine: the embedded default content). The detection may pick either web parser for a
 * combined-format file (both read both servers' lines); every well-formed line must parse,
 * whatever the sample the detection saw, and malformed lines are still counted as unparsed.
 */
import * as fs from 'node:fs'
import * as os from 'node:os'
import * as path from 'node:path'
import {test} from 'uvu'
import * as assert from 'uvu/assert'
import {freshMachineEnv, runCli} from '../helpers/run-cli.js'

const home = fs.mkdtempSync(path.join(os.tmpdir(), 'crowd-scan-web-'))
const env = freshMachineEnv(home)
const CRAWLERS = 'test/hub/tests/http-bad-crawlers/http-bad-crawlers.log'
const FORMATS = 'test/hub/tests/nginx-logs-apache-formats/access.log'

interface ScanJson {
  alerts: {scenario: string; source: {value: string}}[]
  inputs: {sources: {type: string; parsed: number; unparsed: number}[]}[]
}
const scan = (input: string): ScanJson => {
  const r = runCli(['scan', input, '--json', '--fail-on', 'none'], {env})
  assert.is(r.status, 0, r.stderr)
  return JSON.parse(r.stdout) as ScanJson
}
const flagged = (out: ScanJson): string[] => [...new Set(out.alerts.map((a) => `${a.source.value} ${a.scenario}`))].sort()
const counts = (out: ScanJson): [number, number] => {
  const s = out.inputs[0]!.sources[0]!
  return [s.parsed, s.unparsed]
}

test('Apache combined log: every line parsed ("-" sizes, 304s); crawlers and an old-browser impostor flagged, the benign not', () => {
  const out = scan(CRAWLERS)
  assert.equal(counts(out), [275, 0])
  assert.equal(flagged(out), [
    '198.51.100.20 crowd/http-bad-crawlers', // MJ12bot, 20 pages in 20 s
    '198.51.100.21 crowd/http-bad-crawlers', // "MSIE 6.0; Windows NT 5.1", 25 dynamic pages in 50 s
    '198.51.100.22 crowd/http-bad-crawlers', // an unknown "...bot/1.2", 2 pages a second
  ])
})

test('odd but valid request lines parse under either web parser; malformed lines are counted as unparsed', () => {
  const detected = scan(FORMATS)
  assert.equal(counts(detected), [11, 4])
  assert.equal(counts(scan(`${FORMATS}:nginx`)), [11, 4])
  assert.equal(counts(scan(`${FORMATS}:apache2`)), [11, 4])
})

test('"-" sizes that first appear after the lines the detection samples are parsed too', () => {
  const dir = fs.mkdtempSync(path.join(home, 'in-'))
  const file = path.join(dir, 'access.log')
  const lines: string[] = []
  for (let i = 0; i < 3000; i++) {
    const t = `02/Mar/2026:${String(6 + Math.floor(i / 600)).padStart(2, '0')}:${String(Math.floor(i / 10) % 60).padStart(2, '0')}:00 +0000`
    const ip = `192.0.2.${1 + (i % 200)}`
    const ua = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:123.0) Gecko/20100101 Firefox/123.0'
    const revisit = i >= 2500 && i % 4 === 0
    lines.push(`${ip} - - [${t}] "GET /page/${i % 50} HTTP/1.1" ${revisit ? '304 -' : '200 4096'} "-" "${ua}"`)
  }
  fs.writeFileSync(file, lines.join('\n') + '\n')
  const out = scan(file)
  assert.equal(counts(out), [3000, 0])
  assert.equal(flagged(out), [])
})

test.after(() => fs.rmSync(home, {recursive: true, force: true}))

test.run()
