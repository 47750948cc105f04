import * as fs from 'node:fs'
import * as os from 'node:os'
import * as path from 'node:path'
import {test} from 'uvu'
import * as assert from 'uvu/assert'
import {listPatternFiles, loadPatternLibrary, parsePatternFile} from '../../src/grok/index.js'
import {CrowdError} from '../../src/model/errors.js'
import {SHARED} from '../helpers/run-cli.js'

// line -> [name, definition] or null when the line is ignored
const LINES: [string, [string, string] | null][] = [
  ['NAME [a-z]+', ['NAME', '[a-z]+']],
  ['NAME\t\t  %{WORD} x ', ['NAME', '%{WORD} x ']],
  ['NAME   ', ['NAME', ' ']],
  ['NAME [a-z]+\r', ['NAME', '[a-z]+']],
  ['# COMMENT x', null],
  ['', null],
  ['   INDENTED x', null],
  ['NAME', null],
  ['NA-ME x', null],
  ['NAME.X x', null],
  ['ÄNAME x', null],
]
for (const [line, want] of LINES) {
  test(`pattern file line ${JSON.stringify(line)}`, () => {
    const defs = parsePatternFile(line, 'f')
    if (want === null) return assert.is(defs.length, 0)
    assert.equal(defs.map((d) => [d.name, d.definition]), [want])
  })
}

test('line numbers count every line, CRLF files included', () => {
  const defs = parsePatternFile('# c\r\n\r\nA a\r\nB b', 'f')
  assert.equal(defs.map((d) => [d.name, d.line]), [['A', 3], ['B', 4]])
})

function tempDir(files: Record<string, string>): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'crowd-grok-'))
  for (const [name, text] of Object.entries(files)) {
    if (text === '<dir>') fs.mkdirSync(path.join(dir, name))
    else fs.writeFileSync(path.join(dir, name), text)
  }
  return dir
}

test('directory: name order, dotted names and sub-directories skipped', () => {
  const dir = tempDir({b: 'B %{A}x\n', a: 'A a\n', 'c.txt': 'C c\n', sub: '<dir>', 'Z': 'Z z\n'})
  try {
    assert.equal(listPatternFiles(dir).map((f) => path.basename(f)), ['Z', 'a', 'b'])
    const lib = loadPatternLibrary([dir])
    assert.ok(lib.has('A') && lib.has('B') && lib.has('Z'))
    assert.not.ok(lib.has('C'))
  } finally {
    fs.rmSync(dir, {recursive: true})
  }
})

const DIR_ERRORS: [string, Record<string, string>, RegExp][] = [
  ['forward reference across files', {a: 'A %{B}\n', b: 'B b\n'}, /^pattern B is not defined \(.*\/a:1\)$/],
  ['duplicate across files', {a: 'X a\n', b: '# c\nX b\n'}, /^the pattern X already exists \(first defined in .*\/a:1\) \(.*\/b:2\)$/],
  ['duplicate of a base pattern', {a: '\nIP x\n'}, /^the pattern IP already exists \(first defined in <base patterns>\) \(.*\/a:2\)$/],
  ['invalid regex', {a: 'A a\nB (?=x)\n'}, /^invalid grok pattern "\(\?=x\)": invalid or unsupported Perl syntax: `\(\?=` \(.*\/a:2\)$/],
]
for (const [name, files, message] of DIR_ERRORS) {
  test(`directory error: ${name}`, () => {
    const dir = tempDir(files)
    try {
      loadPatternLibrary([dir])
      assert.unreachable('loaded')
    } catch (error) {
      assert.instance(error, CrowdError)
      assert.match((error as Error).message, message)
    } finally {
      fs.rmSync(dir, {recursive: true})
    }
  })
}

test('missing directory is a config error naming it', () => {
  try {
    loadPatternLibrary([path.join(os.tmpdir(), 'crowd-no-such-dir')])
    assert.unreachable('loaded')
  } catch (error) {
    assert.instance(error, CrowdError)
    assert.is((error as CrowdError).code, 'config')
  }
})

test('the hub patterns directory loads on top of the base library (88 + files)', () => {
  const lib = loadPatternLibrary([path.join(SHARED, 'crowdsec-hub', 'patterns')])
  assert.is(lib.size, 397)
  assert.ok(lib.has('SSHD_FAIL') && lib.has('NGINXACCESS') && lib.has('COWRIE_NEW_CO') && lib.has('SMB_AUTH_FAIL'))
})

test.run()
