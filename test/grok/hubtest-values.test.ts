import '../../src/platform/regexp-guard.js'
import * as fs from 'node:fs'
import * as path from 'node:path'
import {test} from 'uvu'
import * as assert from 'uvu/assert'
import {parseAllDocuments} from 'yaml'
import {loadPatternLibrary, type GrokPattern, type PatternLibrary} from '../../src/grok/index.js'
import {SHARED} from '../helpers/run-cli.js'

// Cross-check against CrowdSec's own hub tests: for each parsed line, the first grok of the parser
// that matches must give every Parsed value the test asserts for that grok's fields.

const HUB = path.join(SHARED, 'crowdsec-hub')
const ASSERT_LINE = /^results\["(s\d\d-\w+)"\]\["([^"]+)"\]\[(\d+)\]\.Evt\.Parsed\["(\w+)"\] == "(.*)"$/

function assertedParsed(hubtest: string, stage: string, parser: string): Map<number, Record<string, string>> {
  const out = new Map<number, Record<string, string>>()
  for (const line of fs.readFileSync(path.join(SHARED, 'hubtests', hubtest, 'parser.assert'), 'utf8').split('\n')) {
    const m = ASSERT_LINE.exec(line)
    if (m === null || m[1] !== stage || m[2] !== parser) continue
    const k = Number(m[3])
    if (!out.has(k)) out.set(k, Object.create(null))
    ;(out.get(k) as Record<string, string>)[m[4]] = JSON.parse(`"${m[5]}"`)
  }
  return out
}

function parserGroks(lib: PatternLibrary, file: string): GrokPattern[] {
  const groks: GrokPattern[] = []
  const walk = (node: unknown): void => {
    if (node === null || typeof node !== 'object') return
    if (Array.isArray(node)) return node.forEach(walk)
    const obj = node as Record<string, unknown>
    if (obj.pattern_syntax) lib.definePatternSyntax(Object.entries(obj.pattern_syntax as Record<string, string>))
    const grok = obj.grok as {pattern?: string; name?: string} | undefined
    if (grok?.pattern !== undefined) groks.push(lib.compile(grok.pattern))
    if (grok?.name !== undefined) groks.push(lib.compileNamed(grok.name))
    if (obj.nodes) walk(obj.nodes)
  }
  for (const doc of parseAllDocuments(fs.readFileSync(path.join(HUB, file), 'utf8'))) walk(doc.toJS())
  return groks
}

const CASES: [string, string, string, string, (k: number, asserted: Record<string, string>, raw: string[]) => string][] = [
  ['sshd-logs', 's00-raw', 'crowdsecurity/syslog-logs', 'parsers/s00-raw/crowdsecurity/syslog-logs.yaml', (k, _a, raw) => raw[k]],
  ['sshd-logs', 's01-parse', 'crowdsecurity/sshd-logs', 'parsers/s01-parse/crowdsecurity/sshd-logs.yaml', (_k, a) => a.message],
  ['nginx_http-logs', 's01-parse', 'crowdsecurity/nginx-logs', 'parsers/s01-parse/crowdsecurity/nginx-logs.yaml', (k, _a, raw) => raw[k]],
]

for (const [hubtest, stage, parser, file, input] of CASES) {
  test(`hub test ${hubtest}: ${parser} grok values`, () => {
    const lib = loadPatternLibrary([path.join(HUB, 'patterns')])
    const groks = parserGroks(lib, file)
    const raw = fs.readFileSync(path.join(SHARED, 'hubtests', hubtest, `${hubtest}.log`), 'utf8').split('\n')
    let checked = 0
    for (const [k, asserted] of assertedParsed(hubtest, stage, parser)) {
      const text = input(k, asserted, raw)
      const result = groks.map((g) => g.match(text)).find((r) => r !== null)
      assert.ok(result, `${parser}[${k}]: no grok matches ${text}`)
      for (const [field, value] of Object.entries(result)) {
        if (!Object.hasOwn(asserted, field) || field === 'logsource') continue // logsource is set by statics
        assert.is(value, asserted[field], `${parser}[${k}].Parsed.${field}`)
        checked++
      }
    }
    assert.ok(checked >= 20, `only ${checked} values checked`)
    console.log(`  ${hubtest} ${parser}: ${checked} asserted values reproduced`)
  })
}

test.run()
