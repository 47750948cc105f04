import {test} from 'uvu'
import * as assert from 'uvu/assert'
import * as fs from 'node:fs'
import * as path from 'node:path'
import {compileSegment, globFiles, listFilesRecursive} from '../../src/acquisition/glob.js'
import {tempDir} from './helpers.js'

const dir = tempDir()
for (const f of ['a.log', 'b.log', 'c.txt', 'x/a.log', 'x/y/b.log', 'x/y/z.log.gz', '.hidden.log', 'B.log']) {
  fs.mkdirSync(path.dirname(path.join(dir, f)), {recursive: true})
  fs.writeFileSync(path.join(dir, f), '')
}
const rel = (files: string[]) => files.map((f) => path.relative(dir, f))

const cases: {pattern: string; want: string[]}[] = [
  {pattern: '*.log', want: ['B.log', 'a.log', 'b.log']},
  {pattern: '?.txt', want: ['c.txt']},
  {pattern: '[ab].log', want: ['a.log', 'b.log']},
  {pattern: '[!a].log', want: ['B.log', 'b.log']},
  {pattern: '{a,c}.*', want: ['a.log', 'c.txt']},
  {pattern: '**/*.log', want: ['B.log', 'a.log', 'b.log', 'x/a.log', 'x/y/b.log']},
  {pattern: 'x/**/*.gz', want: ['x/y/z.log.gz']},
  {pattern: 'x/*/b.log', want: ['x/y/b.log']},
  {pattern: '.*.log', want: ['.hidden.log']},
  {pattern: '*.nothing', want: []},
]

for (const c of cases) {
  test(`glob ${c.pattern}`, () => {
    assert.equal(rel(globFiles(path.join(dir, c.pattern))), c.want)
  })
}

test('segment regex escapes dots', () => {
  assert.ok(compileSegment('a.log').test('a.log'))
  assert.not.ok(compileSegment('a.log').test('aXlog'))
})

test('listFilesRecursive: every file, sorted byte-wise', () => {
  assert.equal(rel(listFilesRecursive(dir)), ['.hidden.log', 'B.log', 'a.log', 'b.log', 'c.txt', 'x/a.log', 'x/y/b.log', 'x/y/z.log.gz'])
})

test.run()
