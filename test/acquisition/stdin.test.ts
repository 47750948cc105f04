import {test} from 'uvu'
import * as assert from 'uvu/assert'
import * as zlib from 'node:zlib'
import {Readable} from 'node:stream'
import {stdinSource} from '../../src/acquisition/stdin.js'
import {CrowdError} from '../../src/model/errors.js'
import {collect} from './helpers.js'

const cases: {name: string; chunks: Buffer[]; want?: string[]; error?: RegExp}[] = [
  {name: 'plain text', chunks: [Buffer.from('l1\nl'), Buffer.from('2\n')], want: ['l1', 'l2']},
  {name: 'gzip recognised by magic bytes', chunks: [zlib.gzipSync('g1\ng2\n')], want: ['g1', 'g2']},
  {name: 'empty stdin', chunks: [], want: []},
  {name: 'truncated gzip', chunks: [zlib.gzipSync('g1\n'.repeat(1000)).subarray(0, 30)], error: /corrupt gzip data at byte offset/},
]

for (const c of cases) {
  test(c.name, async () => {
    const got = await collect(stdinSource.open('-', {stdin: Readable.from(c.chunks)}))
    if (c.error) {
      assert.instance(got.error, CrowdError)
      assert.match(got.error!.message, c.error)
      return
    }
    assert.is(got.error, undefined)
    assert.equal(got.sources, ['-'])
    assert.equal(got.lines['-'], c.want)
  })
}

test.run()
