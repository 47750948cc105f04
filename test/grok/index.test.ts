import '../../src/platform/regexp-guard.js'
import * as fs from 'node:fs'
import * as path from 'node:path'
import {test} from 'uvu'
import * as assert from 'uvu/assert'
import {parseAllDocuments} from 'yaml'
import {loadPatternLibrary, type PatternLibrary} from '../../src/grok/index.js'
import {SHARED} from '../helpers/run-cli.js'

const HUB = path.join(SHARED, 'crowdsec-hub')

function yamlFiles(dir: string): string[] {
  const out: string[] = []
  for (const entry of fs.readdirSync(dir, {withFileTypes: true})) {
    const p = path.join(dir, entry.name)
    if (entry.isDirectory()) out.push(...yamlFiles(p))
    else if (entry.name.endsWith('.yaml')) out.push(p)
  }
  return out.sort()
}

interface GrokUse {
  file: string
  kind: 'pattern' | 'name'
  text: string
}

/** Registers pattern_syntax and collects grok entries of a parser file, in document order. */
function walk(node: unknown, file: string, lib: PatternLibrary, uses: GrokUse[]): void {
  if (node === null || typeof node !== 'object') return
  if (Array.isArray(node)) return node.forEach((n) => walk(n, file, lib, uses))
  const obj = node as Record<string, unknown>
  if (obj.pattern_syntax !== undefined && obj.pattern_syntax !== null) {
    lib.definePatternSyntax(Object.entries(obj.pattern_syntax as Record<string, string>), {file})
  }
  const grok = obj.grok as {pattern?: string; name?: string} | undefined
  if (grok?.pattern !== undefined) uses.push({file, kind: 'pattern', text: grok.pattern})
  if (grok?.name !== undefined) uses.push({file, kind: 'name', text: grok.name})
  for (const [key, value] of Object.entries(obj)) if (key !== 'grok' && key !== 'pattern_syntax') walk(value, file, lib, uses)
}

for (const kind of ['parsers', 'postoverflows']) {
  test(`every grok of the hub ${kind} compiles (own base library + hub patterns)`, () => {
    const lib = loadPatternLibrary([path.join(HUB, 'patterns')])
    const uses: GrokUse[] = []
    for (const file of yamlFiles(path.join(HUB, kind))) {
      for (const doc of parseAllDocuments(fs.readFileSync(file, 'utf8'))) walk(doc.toJS(), path.relative(HUB, file), lib, uses)
    }
    const failures: string[] = []
    let compiled = 0
    let withoutFields = 0
    for (const use of uses) {
      try {
        const g = use.kind === 'name' ? lib.compileNamed(use.text, {file: use.file}) : lib.compile(use.text, {file: use.file})
        if (g.fields.length === 0) withoutFields++ // e.g. mssql-logs: such a grok always fails, as in CrowdSec
        compiled++
      } catch (error) {
        failures.push(String(error))
      }
    }
    assert.equal(failures, [])
    assert.is(compiled, uses.length)
    if (kind === 'parsers') assert.ok(compiled >= 280, `compiled ${compiled}`)
    console.log(`  ${kind}: ${compiled}/${uses.length} grok patterns compile (${withoutFields} declare no field)`)
  })
}

test('hub patterns and patterns-builtin load as CrowdSec loads them (no own base)', () => {
  const lib = loadPatternLibrary([path.join(HUB, 'patterns-builtin'), path.join(HUB, 'patterns')], undefined, {base: false})
  assert.is(lib.size, 397)
  // every library pattern compiles
  for (const name of lib.names()) lib.compileNamed(name)
})

const lib = loadPatternLibrary([path.join(HUB, 'patterns')])

// Hostile lines: nested quantifiers on crafted input must finish (V8 linear fallback / VM).
const HOSTILE: [string, string][] = [
  ['%{QS:q}', `"${'a'.repeat(40000)}`],
  ['^%{QS:q} x$', `"${'ab'.repeat(20000)}" y`],
  ['^%{UNIXPATH:p}:$', `/${'a/'.repeat(20000)}!`],
  ['^(%{WORD:w}+)+$', `${'a'.repeat(40)}!`],
  ['^(?:%{DATA:d},)*%{INT:n}$', `${'a,'.repeat(5000)}x`],
  ['^%{QS:q}😀$', `"${'a'.repeat(40)}😀`],
  ['^(?m:^(a+)+$)%{WORD:w}', `${'a'.repeat(40)}!`],
  ['%{COMBINEDAPACHELOG}', `1.2.3.4 - - [10/Oct/2000:13:55:36 -0700] "GET /${'a/'.repeat(5000)} HTTP/1.0" 200 1 "${'\\"'.repeat(5000)}`],
]
for (const [pattern, line] of HOSTILE) {
  test(`hostile: ${pattern} on a crafted line of ${line.length} chars finishes`, () => {
    const g = lib.compile(pattern)
    const got = g.match(line)
    assert.ok(got === null || typeof got === 'object')
  })
}

test('astral characters: same result through the bmp and the unicode paths', () => {
  const g = lib.compile('^%{DATA:a} (?P<x>.)%{GREEDYDATA:b}$')
  assert.equal({...g.match('x 😀yz')}, {a: 'x', b: 'yz'})
  const one = lib.compile('^%{GREEDYDATA:u}\\|(.)\\|$')
  assert.equal({...one.match('u|😀|')}, {u: 'u'})
  const exact = lib.compile('^(?P<c>[^a]{2})%{GREEDYDATA:rest}$')
  assert.equal({...exact.match('😀bc')}, {rest: 'c'}) // two runes: the emoji and b
})

test.run()
