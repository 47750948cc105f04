import {test} from 'uvu'
import * as assert from 'uvu/assert'
import {Buffer} from 'node:buffer'
import {LineSplitter} from '../../src/acquisition/line-splitter.js'
import {newSourceMetrics, type RawLine} from '../../src/acquisition/types.js'

function split(chunks: (string | Buffer)[], max = 16) {
  const metrics = newSourceMetrics()
  const splitter = new LineSplitter('f.log', 'file', {type: 't'}, metrics, max)
  const out: RawLine[] = []
  for (const c of chunks) splitter.push(typeof c === 'string' ? Buffer.from(c) : c, out)
  splitter.end(out)
  return {lines: out.map((l) => l.raw), numbers: out.map((l) => l.lineNo), metrics}
}

const cases: {name: string; chunks: (string | Buffer)[]; want: string[]; numbers?: number[]; truncated?: number; invalid?: number; empty?: number; max?: number}[] = [
  {name: 'a\\nb\\n', chunks: ['a\nb\n'], want: ['a', 'b'], numbers: [1, 2]},
  {name: 'no final newline', chunks: ['a\nb'], want: ['a', 'b']},
  {name: 'CRLF', chunks: ['a\r\nb\r\n'], want: ['a', 'b']},
  {name: 'lone CR kept inside a line', chunks: ['a\rb\n'], want: ['a\rb']},
  {name: 'empty lines skipped and counted', chunks: ['a\n\n\r\nb\n'], want: ['a', 'b'], numbers: [1, 4], empty: 2},
  {name: 'spaces kept', chunks: ['  \n'], want: ['  ']},
  {name: 'line split across chunks', chunks: ['ab', 'cd', 'e\nf'], want: ['abcde', 'f']},
  {name: 'CR and LF in different chunks', chunks: ['abc\r', '\nd'], want: ['abc', 'd']},
  {name: 'over-long line in one chunk', chunks: ['0123456789abcdefXYZ\nok\n'], want: ['0123456789abcdef', 'ok'], truncated: 1},
  {name: 'over-long line across chunks', chunks: ['0123456789', 'abcdefXYZ', 'more\nok'], want: ['0123456789abcdef', 'ok'], truncated: 1},
  {name: 'exactly max bytes plus CR is not truncated', chunks: ['0123456789abcdef', '\r\n'], want: ['0123456789abcdef'], truncated: 0},
  {name: 'max+1 bytes across chunks is truncated', chunks: ['0123456789abcdef', 'g\n'], want: ['0123456789abcdef'], truncated: 1},
  {name: 'truncation never splits a UTF-8 sequence', chunks: ['0123456789abcdeé\n'], want: ['0123456789abcde'], truncated: 1},
  {name: 'invalid UTF-8 replaced and counted', chunks: [Buffer.from([0x61, 0xff, 0x62, 0x0a, 0x63, 0x0a])], want: ['a\uFFFDb', 'c'], invalid: 1},
  {name: 'literal U+FFFD is valid', chunks: ['a\uFFFDb\n'], want: ['a\uFFFDb'], invalid: 0},
  {name: 'multi-byte char split across chunks', chunks: [Buffer.from([0x61, 0xc3]), Buffer.from([0xa9, 0x0a])], want: ['aé'], invalid: 0},
]

for (const c of cases) {
  test(c.name, () => {
    const got = split(c.chunks, c.max)
    assert.equal(got.lines, c.want)
    if (c.numbers) assert.equal(got.numbers, c.numbers)
    if (c.truncated !== undefined) assert.is(got.metrics.truncated, c.truncated)
    if (c.invalid !== undefined) assert.is(got.metrics.invalidUtf8, c.invalid)
    if (c.empty !== undefined) assert.is(got.metrics.empty, c.empty)
    assert.is(got.metrics.lines, c.want.length)
  })
}

/** The same input taken with feed + drain, at most `batch` lines at a time (as readLines does). */
function drained(chunks: (string | Buffer)[], max: number, batch: number) {
  const metrics = newSourceMetrics()
  const splitter = new LineSplitter('f.log', 'file', {type: 't'}, metrics, max)
  const out: RawLine[] = []
  const sizes: number[] = []
  for (const c of chunks) {
    splitter.feed(typeof c === 'string' ? Buffer.from(c) : c)
    for (let more = true; more; ) {
      const part: RawLine[] = []
      more = splitter.drain(part, batch)
      sizes.push(part.length)
      out.push(...part)
    }
  }
  splitter.end(out)
  return {lines: out.map((l) => l.raw), numbers: out.map((l) => l.lineNo), metrics, sizes}
}

for (const c of cases) {
  for (const batch of [1, 2]) {
    test(`drain ${batch} at a time: ${c.name}`, () => {
      const want = split(c.chunks, c.max)
      const got = drained(c.chunks, c.max ?? 16, batch)
      assert.equal(got.lines, want.lines)
      assert.equal(got.numbers, want.numbers)
      assert.equal(got.metrics, want.metrics)
      assert.ok(got.sizes.every((n) => n <= batch), `batch sizes ${got.sizes.join(',')}`)
    })
  }
}

test('drain stops at the batch size and resumes in the same chunk', () => {
  const got = drained(['a\nb\nc\nd\ne'], 16, 2)
  assert.equal(got.lines, ['a', 'b', 'c', 'd', 'e'])
  assert.equal(got.sizes, [2, 2, 0])
})

test('drain skips empty lines without counting them in the batch', () => {
  const got = drained(['a\n\n\nb\nc\n'], 16, 2)
  assert.equal(got.lines, ['a', 'b', 'c'])
  assert.equal(got.sizes, [2, 1])
  assert.is(got.metrics.empty, 2)
})

test('feed before the previous chunk is drained throws', () => {
  const splitter = new LineSplitter('f', 'file', {}, newSourceMetrics())
  splitter.feed(Buffer.from('a\nb\n'))
  assert.throws(() => splitter.feed(Buffer.from('c\n')), /not drained/)
})

test('end drains what is left of the fed chunk', () => {
  const splitter = new LineSplitter('f', 'file', {}, newSourceMetrics())
  const out: RawLine[] = []
  splitter.feed(Buffer.from('a\nb\nc'))
  splitter.drain(out, 1)
  splitter.end(out)
  assert.equal(out.map((l) => l.raw), ['a', 'b', 'c'])
})

test('bytes counts every byte read', () => {
  assert.is(split(['a\nbc\r\n', '\n']).metrics.bytes, 7)
})

test('memory stays bounded on a huge line', () => {
  const metrics = newSourceMetrics()
  const splitter = new LineSplitter('f', 'file', {}, metrics, 1024)
  const out: RawLine[] = []
  const chunk = Buffer.alloc(64 * 1024, 0x41)
  for (let i = 0; i < 200; i++) splitter.push(chunk, out)
  splitter.push(Buffer.from('\nend\n'), out)
  assert.equal(out.map((l) => l.raw.length), [1024, 3])
  assert.ok(((splitter as unknown as {pending: Buffer}).pending.length) <= 1027)
})

test('rejects a zero limit', () => {
  assert.throws(() => new LineSplitter('f', 'file', {}, newSourceMetrics(), 0), /positive integer/)
})

test.run()
