import {test} from 'uvu'
import * as assert from 'uvu/assert'
import * as fs from 'node:fs'
import * as path from 'node:path'
import * as zlib from 'node:zlib'
import * as tar from 'tar'
import {archiveSource} from '../../src/acquisition/archive.js'
import {BATCH_LINES} from '../../src/acquisition/read-lines.js'
import {CrowdError} from '../../src/model/errors.js'
import {collect, tempDir} from './helpers.js'

const dir = tempDir()
const content = path.join(dir, 'content')
fs.mkdirSync(path.join(content, 'logs', 'sub'), {recursive: true})
fs.writeFileSync(path.join(content, 'logs', 'a.log'), 'a1\na2\n')
fs.writeFileSync(path.join(content, 'logs', 'sub', 'b.log'), 'b1\n'.repeat(3000))
fs.writeFileSync(path.join(content, 'logs', 'c.log.gz'), zlib.gzipSync('c1\nc2\n'))
fs.writeFileSync(path.join(content, 'logs', 'empty.log'), '')
const files = ['logs/a.log', 'logs/sub/b.log', 'logs/c.log.gz', 'logs/empty.log']
const tgz = path.join(dir, 'logs.tgz')
const tarFile = path.join(dir, 'logs.tar')
tar.c({gzip: true, file: tgz, cwd: content, sync: true, portable: true}, files)
tar.c({file: tarFile, cwd: content, sync: true, portable: true}, ['logs'])
const garbage = path.join(dir, 'garbage.tar')
fs.writeFileSync(garbage, Buffer.alloc(4096, 'not a tar '))
const truncated = path.join(dir, 'truncated.tar.gz')
fs.writeFileSync(truncated, fs.readFileSync(tgz).subarray(0, 40))
const emptyTar = path.join(dir, 'empty.tar')
fs.writeFileSync(emptyTar, '')

test('tgz: a long member comes in batches of at most BATCH_LINES lines, in order', async () => {
  const sizes: number[] = []
  const lines: string[] = []
  for await (const batch of archiveSource.open(tarFile, {chunkBytes: 64 * 1024})) {
    if (batch.source.src !== `${tarFile}:logs/sub/b.log`) continue
    sizes.push(batch.lines.length)
    lines.push(...batch.lines.map((l) => l.raw))
  }
  assert.is(lines.length, 3000)
  assert.ok(lines.every((l) => l === 'b1'))
  assert.ok(sizes.every((n) => n <= BATCH_LINES), `sizes ${sizes.join(',')}`)
  assert.ok(sizes.filter((n) => n === BATCH_LINES).length >= Math.floor(3000 / BATCH_LINES) - 1)
})

test('tgz: each member is a source named archive:member', async () => {
  const got = await collect(archiveSource.open(tgz, {chunkBytes: 512}))
  assert.is(got.error, undefined)
  assert.equal(got.sources, files.map((f) => `${tgz}:${f}`))
  assert.equal(got.lines[`${tgz}:logs/a.log`], ['a1', 'a2'])
  assert.is(got.lines[`${tgz}:logs/sub/b.log`]!.length, 3000)
  assert.equal(got.lines[`${tgz}:logs/c.log.gz`], ['c1', 'c2'])
  assert.equal(got.lines[`${tgz}:logs/empty.log`], [])
  assert.equal(got.done, got.sources)
})

test('tar (directory given): members in archive order, directories skipped', async () => {
  const got = await collect(archiveSource.open(tarFile, {}))
  assert.is(got.error, undefined)
  assert.is(got.sources.length, 4)
  assert.ok(got.sources.every((s) => s.startsWith(`${tarFile}:logs/`)))
})

test('no member is extracted to disk', async () => {
  const before = fs.readdirSync(dir).sort()
  await collect(archiveSource.open(tgz, {}))
  assert.equal(fs.readdirSync(dir).sort(), before)
})

const corrupt: {name: string; file: string; message: RegExp}[] = [
  {name: 'garbage.tar', file: garbage, message: /corrupt archive at byte offset \d+: .*(checksum|Unrecognized)/},
  {name: 'truncated.tar.gz', file: truncated, message: /corrupt archive at byte offset \d+: .*(unexpected end|zlib)/},
  {name: 'empty.tar', file: emptyTar, message: /corrupt archive at byte offset 0/},
]
for (const c of corrupt) {
  test(`corrupt archive ${c.name}: CrowdError with file and offset`, async () => {
    const got = await collect(archiveSource.open(c.file, {}))
    assert.instance(got.error, CrowdError)
    assert.is((got.error as CrowdError).code, 'input')
    assert.is((got.error as CrowdError).file, c.file)
    assert.match(got.error!.message, c.message)
  })
}

test('accepts tar names only', () => {
  assert.equal(['a.tar', 'a.tgz', 'a.tar.gz', 'a.gz', 'a.log'].map((p) => archiveSource.accepts(p)), [true, true, true, false, false])
})

test.run()
