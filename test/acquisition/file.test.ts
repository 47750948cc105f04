import {test} from 'uvu'
import * as assert from 'uvu/assert'
import * as fs from 'node:fs'
import * as path from 'node:path'
import * as zlib from 'node:zlib'
import {fileSource, gzipSource} from '../../src/acquisition/file.js'
import {CrowdError} from '../../src/model/errors.js'
import {collect, tempDir} from './helpers.js'

const dir = tempDir()
const plain = path.join(dir, 'a.log')
fs.writeFileSync(plain, 'one\ntwo\r\n\nthree')
const gz = path.join(dir, 'b.log.gz')
const gzData = zlib.gzipSync(Buffer.from('x'.repeat(1000) + '\n' + 'y\n'.repeat(5000)))
fs.writeFileSync(gz, gzData)
const truncatedGz = path.join(dir, 'c.log.gz')
fs.writeFileSync(truncatedGz, gzData.subarray(0, Math.floor(gzData.length / 2)))
const multiMember = path.join(dir, 'd.log.gz')
fs.writeFileSync(multiMember, Buffer.concat([zlib.gzipSync('m1\n'), zlib.gzipSync('m2\n')]))

test('plain file: lines, metadata, metrics', async () => {
  let info
  const got = await collect((async function* () {
    for await (const b of fileSource.open(plain, {})) {
      info = b.source
      yield b
    }
  })())
  assert.equal(got.lines[plain], ['one', 'two', 'three'])
  assert.equal(got.done, [plain])
  assert.is(info!.module, 'file')
  assert.is(info!.metrics.lines, 3)
  assert.is(info!.metrics.empty, 1)
  assert.is(info!.metrics.bytes, 15)
})

test('gzip file streamed with small chunks', async () => {
  const got = await collect(gzipSource.open(gz, {chunkBytes: 100}))
  assert.is(got.error, undefined)
  assert.is(got.lines[gz]!.length, 5001)
  assert.is(got.lines[gz]![0]!.length, 1000)
})

test('multi-member gzip read to the end', async () => {
  const got = await collect(gzipSource.open(multiMember, {}))
  assert.equal(got.lines[multiMember], ['m1', 'm2'])
})

test('truncated gzip: CrowdError naming the file and offset, earlier lines kept', async () => {
  const got = await collect(gzipSource.open(truncatedGz, {chunkBytes: 64}))
  assert.instance(got.error, CrowdError)
  const e = got.error as CrowdError
  assert.is(e.code, 'input')
  assert.is(e.file, truncatedGz)
  assert.match(e.message, /corrupt gzip data at byte offset \d+/)
  assert.not.ok(got.done.includes(truncatedGz))
})

test('missing file: input error', async () => {
  const got = await collect(fileSource.open(path.join(dir, 'nope.log'), {}))
  assert.instance(got.error, CrowdError)
  assert.match(got.error!.message, /cannot read input: no such file/)
})

test('gzipSource accepts .gz but not .tar.gz', () => {
  assert.ok(gzipSource.accepts('x.log.gz'))
  assert.not.ok(gzipSource.accepts('x.tar.gz'))
})

test.run()
