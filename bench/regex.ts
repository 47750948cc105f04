// Regex engine cost per line (ns/line, median of 5 runs): the nginx error-log pattern of the
// first-party plugin (still exponential-risk, so on the exact engine when V8's guard cannot cover it)
// with test() and exec(), and the mysql/nginx-access shapes the precise analysis now runs natively.
// Then CrowdSec's `^%{SYSLOGLINE}` (syslog-logs parser; exact engine because of
// `%{SYSLOGHOST}+`) on 20,000 genlogs ssh lines: the Pike VM against the bit-state search.
import * as fs from 'node:fs'
import * as path from 'node:path'
import '../src/platform/regexp-guard.js'
import {compileRe2} from '../src/regex/compile.js'
import {parseRe2} from '../src/regex/syntax.js'
import {Re2Vm} from '../src/regex/vm.js'
import {createBaseLibrary, loadPatternLibrary} from '../src/grok/index.js'
import {SHARED, generateLog, median, report} from './lib.mjs'

const lib = createBaseLibrary()
const ipOrHost = lib.expand('%{IPORHOST}', undefined, 0).regex
const risky = `^(\\d{4}/\\d{2}/\\d{2} \\d{2}:\\d{2}:\\d{2}) \\[(\\w+)\\] (\\d+)#(\\d+): \\*(\\d+) ([^,]*)(?:, [_a-z]+: "?([^"]*)"?)*, client: (${ipOrHost})`
const mysql = `^(\\d{6} +\\d{1,2}:\\d{2}:\\d{2}) +(?:\\[([^\\]]*)\\] )*Access denied for user '(.*)'@'(${ipOrHost})'`
const N = 20000
const errLines = Array.from({length: N}, (_, i) =>
  `2024/01/0${1 + (i % 9)} 12:00:${String(i % 60).padStart(2, '0')} [error] 123#0: *${i} open() "/x/${i}" failed, client: 10.0.${i % 256}.1, server: a.b, request: "GET /${i} HTTP/1.1", host: "a.b"`)
const mysqlLines = Array.from({length: N}, (_, i) => `240101 12:00:${String(i % 60).padStart(2, '0')} [Note] [MY-0] Access denied for user 'u${i}'@'10.0.0.${i % 256}'`)

function nsPerLine(fn: (line: string) => unknown, lines: string[]): number {
  const runs: number[] = []
  for (let r = 0; r < 5; r++) {
    const start = process.hrtime.bigint()
    for (const line of lines) fn(line)
    runs.push(Number(process.hrtime.bigint() - start) / lines.length)
  }
  return median(runs)
}

const cases: [string, string, string[], {guard?: boolean}][] = [
  ['nginx-error (vm)', risky, errLines, {guard: false}],
  ['mysql (native now)', mysql, mysqlLines, {guard: false}],
  ['mysql (forced vm)', mysql, mysqlLines, {guard: false, forceVm: true} as {guard?: boolean}],
]
for (const [name, source, lines, options] of cases) {
  const re = compileRe2(source, options)
  const all = compileRe2(source, {...options, usedGroups: undefined})
  if (!re.test(lines[0])) throw new Error(`${name}: the sample line does not match`)
  report(name, {engine: re.engine, test_ns: nsPerLine((l) => re.test(l), lines), exec_ns: nsPerLine((l) => all.exec(l), lines)})
}

// SYSLOGLINE: the same program on both exact engines (all lines fit the bit-state budget)
const hubLib = loadPatternLibrary([path.join(SHARED, 'crowdsec-hub', 'patterns')])
const syslog = hubLib.expand('^%{SYSLOGLINE}', undefined, 0)
const used = new Set(syslog.sem.values())
const sshLines = fs.readFileSync(generateLog('ssh', N).log, 'utf8').split('\n').filter((l) => l !== '')
const vm = new Re2Vm(parseRe2(syslog.regex), used)
const grokRe = compileRe2(syslog.regex, {usedGroups: used})
let fits = 0
for (const line of sshLines) {
  const a = vm.execPike(line)
  const b = vm.execBitState(line)
  if (b !== undefined) fits++
  if (JSON.stringify(a) !== JSON.stringify(b ?? a)) throw new Error(`SYSLOGLINE: engines differ on ${line}`)
}
report('SYSLOGLINE pike', {engine: grokRe.engine, test_ns: nsPerLine((l) => vm.testPike(l), sshLines), exec_ns: nsPerLine((l) => vm.execPike(l), sshLines)})
report('SYSLOGLINE bitstate', {fit: `${fits}/${sshLines.length}`, test_ns: nsPerLine((l) => vm.testBitState(l), sshLines), exec_ns: nsPerLine((l) => vm.execBitState(l), sshLines)})
report('SYSLOGLINE compileRe2', {test_ns: nsPerLine((l) => grokRe.test(l), sshLines), exec_ns: nsPerLine((l) => grokRe.exec(l), sshLines)})
