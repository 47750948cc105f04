import * as fs from 'node:fs'
import * as os from 'node:os'
import * as path from 'node:path'
import {test} from 'uvu'
import * as assert from 'uvu/assert'
import {ROOT} from '../helpers/run-cli.js'
import {CrowdError} from '../../src/model/errors.js'
import {compileNode} from '../../src/parse/compile-node.js'
import {loadParserFiles, parserFileFromPath, sortParserFiles} from '../../src/parse/load.js'
import {fakeEnv} from './fake-env.js'

const INVALID = path.join(ROOT, 'test', 'fixtures', 'parse', 'invalid')

function firstError(file: string): CrowdError | undefined {
  const loaded = loadParserFiles([{path: file, stage: 's01-parse'}])
  if (loaded.errors.length > 0) return loaded.errors[0]
  const env = fakeEnv({true: () => true})
  for (const n of loaded.nodes) {
    try {
      compileNode(n.config, env, {file: n.file, stage: n.stage})
    } catch (error) {
      return error as CrowdError
    }
  }
  return undefined
}

for (const name of fs.readdirSync(INVALID).sort()) {
  test(`invalid config ${name}`, () => {
    const file = path.join(INVALID, name)
    const want = /^# wantErr: (.*)$/m.exec(fs.readFileSync(file, 'utf8'))![1]!
    const error = firstError(file)
    assert.ok(error instanceof CrowdError, 'expected a CrowdError')
    assert.ok(error.message.includes(want), `got: ${error.message}`)
    assert.is(error.file, file)
    assert.ok(error.line !== undefined && error.line > 1, `line ${error.line}`)
  })
}

function tmpFiles(files: Record<string, string>): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'crowd-parse-'))
  for (const [rel, text] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(dir, rel)), {recursive: true})
    fs.writeFileSync(path.join(dir, rel), text)
  }
  return dir
}

test('files sort byte-wise by stage then file name; documents keep their order', () => {
  const dir = tmpFiles({
    's01-parse/b.yaml': 'name: b1\nstatics: [{meta: a, value: b}]\n---\nname: b2\nstatics: [{meta: a, value: b}]\n---\n',
    's01-parse/Z.yaml': 'name: Z\nstatics: [{meta: a, value: b}]\n',
    's00-raw/z.yaml': 'name: z\nstatics: [{meta: a, value: b}]\n',
  })
  const refs = ['s01-parse/b.yaml', 's01-parse/Z.yaml', 's00-raw/z.yaml'].map((r) => parserFileFromPath(path.join(dir, r)))
  const loaded = loadParserFiles(refs)
  assert.equal(loaded.errors, [])
  assert.equal(loaded.nodes.map((n) => `${n.stage}:${n.config.name}`), ['s00-raw:z', 's01-parse:Z', 's01-parse:b1', 's01-parse:b2'])
  assert.equal(sortParserFiles(refs).map((r) => path.basename(r.path)), ['z.yaml', 'Z.yaml', 'b.yaml'])
})

test('scalars keep their source text; null is empty', () => {
  const dir = tmpFiles({'s01-parse/x.yaml': 'name: x\nstatics:\n  - meta: a\n    value: 200\n  - meta: b\n    value: 1.0\n  - meta: c\n    value: yes\n  - meta: d\n    value: ~\n    expression: 0x10\n'})
  const loaded = loadParserFiles([parserFileFromPath(path.join(dir, 's01-parse/x.yaml'))])
  assert.equal(loaded.nodes[0]!.config.statics.map((s) => [s.value, s.expression]), [['200', ''], ['1.0', ''], ['yes', ''], ['', '0x10']])
})

test('a format outside [1.0, 3.0] skips the node with a warning; unnamed documents are skipped', () => {
  const dir = tmpFiles({'s01-parse/x.yaml': 'name: new\nformat: 4.0\nstatics: [{meta: a, value: b}]\n---\nfilter: "true"\n---\nname: ok\nformat: 2.0\nstatics: [{meta: a, value: b}]\n'})
  const loaded = loadParserFiles([parserFileFromPath(path.join(dir, 's01-parse/x.yaml'))])
  assert.equal(loaded.nodes.map((n) => n.config.name), ['ok'])
  assert.is(loaded.warnings.length, 1)
})

test('a bad file is reported and the others still load', () => {
  const dir = tmpFiles({'s01-parse/a.yaml': 'name: a\nbogus: 1\n', 's01-parse/b.yaml': 'name: b\nstatics: [{meta: a, value: b}]\n'})
  const loaded = loadParserFiles(['a', 'b'].map((f) => parserFileFromPath(path.join(dir, `s01-parse/${f}.yaml`))))
  assert.is(loaded.errors.length, 1)
  assert.equal(loaded.nodes.map((n) => n.config.name), ['b'])
})

test.run()
