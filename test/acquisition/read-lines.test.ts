import {test} from 'uvu'
import * as assert from 'uvu/assert'
import {Buffer} from 'node:buffer'
import {BATCH_LINES, newSourceInfo, readLines} from '../../src/acquisition/read-lines.js'

async function* chunksOf(parts: string[]): AsyncGenerator<Uint8Array> {
  for (const p of parts) yield Buffer.from(p)
}

async function batches(parts: string[]) {
  const info = newSourceInfo('f.log', 'file', 'file')
  const sizes: number[] = []
  const lines: string[] = []
  const done: boolean[] = []
  for await (const b of readLines(chunksOf(parts), info, {})) {
    sizes.push(b.lines.length)
    lines.push(...b.lines.map((l) => l.raw))
    done.push(b.done)
  }
  return {sizes, lines, done, metrics: info.metrics}
}

const many = (n: number, from = 0): string => Array.from({length: n}, (_, i) => `line ${from + i}\n`).join('')

const cases: {name: string; parts: string[]; sizes: number[]}[] = [
  {name: 'empty input', parts: [], sizes: [0, 0]},
  {name: 'one short chunk', parts: ['a\nb\n'], sizes: [0, 2, 0]},
  {name: 'a chunk of 2.5 batches', parts: [many(BATCH_LINES * 2 + BATCH_LINES / 2)], sizes: [0, BATCH_LINES, BATCH_LINES, BATCH_LINES / 2, 0]},
  {name: 'a last line without newline', parts: [many(BATCH_LINES) + 'tail'], sizes: [0, BATCH_LINES, 1]},
  {name: 'lines across chunks', parts: ['a\nb', 'c\nd\n'], sizes: [0, 1, 2, 0]},
]

for (const c of cases) {
  test(`batches: ${c.name}`, async () => {
    const got = await batches(c.parts)
    assert.equal(got.sizes, c.sizes)
    assert.equal(got.done, c.sizes.map((_, i) => i === c.sizes.length - 1))
    assert.is(got.metrics.lines, got.lines.length)
  })
}

test('batching keeps every line in order', async () => {
  const text = many(1000)
  // Chunks cut at odd places, some inside lines.
  const parts = [text.slice(0, 5), text.slice(5, 4000), text.slice(4000, 4001), text.slice(4001)]
  const got = await batches(parts)
  assert.equal(got.lines, text.split('\n').slice(0, -1))
  assert.ok(got.sizes.every((n) => n <= BATCH_LINES))
})

test.run()
