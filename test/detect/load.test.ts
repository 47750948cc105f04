import * as fs from 'node:fs'
import * as path from 'node:path'
import {test} from 'uvu'
import * as assert from 'uvu/assert'
import {loadScenarioFile} from '../../src/detect/load.js'
import {CrowdError} from '../../src/model/errors.js'
import {ROOT, SHARED} from '../helpers/run-cli.js'

const INVALID = path.join(ROOT, 'test', 'fixtures', 'detect', 'invalid')

for (const name of fs.readdirSync(INVALID).sort()) {
  test(`invalid/${name}`, () => {
    const file = path.join(INVALID, name)
    const want = /^# wantErr: (.*)$/m.exec(fs.readFileSync(file, 'utf8'))![1]!.replace('FILE', file)
    try {
      loadScenarioFile(file)
      assert.unreachable('should have failed')
    } catch (e) {
      assert.instance(e, CrowdError)
      assert.is((e as CrowdError).message, want)
    }
  })
}

test('multi-document file: both documents, lines, shared sha256', () => {
  const file = path.join(SHARED, 'crowdsec-hub', 'scenarios', 'crowdsecurity', 'ssh-bf.yaml')
  const loaded = loadScenarioFile(file)
  assert.equal(loaded.documents.map((d) => d.config.name), ['crowdsecurity/ssh-bf', 'crowdsecurity/ssh-bf_user-enum'])
  assert.is(loaded.documents[0]!.hash, '242f36684d66bbae3044e576b7cfffef62d5323465f3f74f87923167c6d93356')
  assert.is(loaded.documents[1]!.hash, loaded.documents[0]!.hash)
  assert.is(loaded.documents[0]!.config.capacity, 5)
  assert.is(loaded.documents[0]!.config.leakspeed, '10s')
  assert.is(loaded.documents[1]!.docIndex, 1)
  assert.ok(loaded.documents[1]!.line > loaded.documents[0]!.line)
})

test('format outside >= 1.0, <= 3.0 is skipped, not fatal', () => {
  const text = 'type: trigger\nname: a\ndescription: d\nfilter: "true"\nformat: 4.0\n---\ntype: trigger\nname: b\ndescription: d\nfilter: "true"\nformat: 2.0\n'
  const loaded = loadScenarioFile('mem.yaml', text)
  assert.equal(loaded.documents.map((d) => d.config.name), ['b'])
  assert.is(loaded.skipped.length, 1)
  assert.is(loaded.skipped[0]!.docIndex, 0)
})

test('every hub scenario file decodes strictly', () => {
  const root = path.join(SHARED, 'crowdsec-hub', 'scenarios')
  let docs = 0
  for (const author of fs.readdirSync(root)) {
    for (const f of fs.readdirSync(path.join(root, author))) {
      if (!f.endsWith('.yaml')) continue
      docs += loadScenarioFile(path.join(root, author, f)).documents.length
    }
  }
  assert.ok(docs >= 300, `only ${docs} documents`)
})

test.run()
