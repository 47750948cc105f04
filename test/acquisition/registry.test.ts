import {test} from 'uvu'
import * as assert from 'uvu/assert'
import * as fs from 'node:fs'
import * as path from 'node:path'
import {expandInput, splitInputType} from '../../src/acquisition/registry.js'
import {CrowdError} from '../../src/model/errors.js'
import {tempDir} from './helpers.js'

const dir = tempDir()
for (const f of ['a.log', 'b.log.gz', 'c.tgz', 'sub/d.tar.gz']) {
  fs.mkdirSync(path.dirname(path.join(dir, f)), {recursive: true})
  fs.writeFileSync(path.join(dir, f), '')
}

test('directory expands recursively with a reader per file', () => {
  const got = expandInput(dir).map((e) => [path.relative(dir, e.path), e.spec.type])
  assert.equal(got, [['a.log', 'file'], ['b.log.gz', 'gzip'], ['c.tgz', 'archive'], ['sub/d.tar.gz', 'archive']])
})

test('glob expands; stdin is stdin', () => {
  assert.equal(expandInput(path.join(dir, '*.log')).map((e) => e.spec.type), ['file'])
  assert.equal(expandInput('-').map((e) => e.spec.type), ['stdin'])
})

const errors: {name: string; input: string; message: RegExp}[] = [
  {name: 'missing file', input: path.join(dir, 'missing.log'), message: /cannot read input: no such file or directory/},
  {name: 'glob without match', input: path.join(dir, '*.nothing'), message: /no file matches this pattern/},
]
for (const c of errors) {
  test(`expandInput ${c.name}`, () => {
    try {
      expandInput(c.input)
      assert.unreachable()
    } catch (error) {
      assert.instance(error, CrowdError)
      assert.is((error as CrowdError).code, 'input')
      assert.is((error as CrowdError).file, c.input)
      assert.match((error as Error).message, c.message)
    }
  })
}

const splits: {arg: string; want: {input: string; type?: string}}[] = [
  {arg: 'auth.log:syslog', want: {input: 'auth.log', type: 'syslog'}},
  {arg: 'auth.log', want: {input: 'auth.log'}},
  {arg: '-:nginx', want: {input: '-', type: 'nginx'}},
  {arg: 'dir/x.log:bad/type', want: {input: 'dir/x.log:bad/type'}},
]
for (const c of splits) {
  test(`splitInputType ${c.arg}`, () => {
    assert.equal(splitInputType(c.arg, () => false), c.want)
  })
}

test('splitInputType keeps an existing path with a colon', () => {
  const p = path.join(dir, 'weird:name')
  fs.writeFileSync(p, '')
  assert.equal(splitInputType(p), {input: p})
})

test.run()
