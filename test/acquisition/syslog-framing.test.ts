import {test} from 'uvu'
import * as assert from 'uvu/assert'
import {RateLimiter, TcpFramer, utf8Boundary, type Frame, type FramingError} from '../../src/acquisition/syslog/index.js'

const enc = new TextEncoder()
const dec = new TextDecoder()

/** Feeds `chunks` to a framer; returns frames as text and the first error. */
function frames(chunks: (string | Uint8Array)[], maxMessageLen = 2048, maxFrameLen?: number, end = true): {got: [string, boolean, Frame['framing']][]; error?: FramingError; maxBuffered: number} {
  const framer = new TcpFramer({maxMessageLen, maxFrameLen})
  const got: [string, boolean, Frame['framing']][] = []
  const on = (f: Frame): void => {
    got.push([dec.decode(f.bytes), f.truncated, f.framing])
  }
  let maxBuffered = 0
  for (const c of chunks) {
    const error = framer.push(typeof c === 'string' ? enc.encode(c) : c, on)
    maxBuffered = Math.max(maxBuffered, framer.buffered)
    if (error !== undefined) return {got, error, maxBuffered}
  }
  const error = end ? framer.end(on) : undefined
  return {got, error, maxBuffered}
}

const bytewise = (s: string): Uint8Array[] => [...enc.encode(s)].map((b) => Uint8Array.of(b))

const M1 = '<13>1 - h a - - - one'
const M2 = '<13>Feb 12 14:10:21 h t: two'

test('octet counting: several frames in one chunk, and split at every byte', () => {
  const stream = `${M1.length} ${M1}${M2.length} ${M2}`
  const want: [string, boolean, Frame['framing']][] = [[M1, false, 'octet-counting'], [M2, false, 'octet-counting']]
  assert.equal(frames([stream]).got, want)
  assert.equal(frames(bytewise(stream)).got, want)
})

test('octet counting: LF after frames (some senders) is skipped', () => {
  assert.equal(frames([`${M1.length} ${M1}\n${M2.length} ${M2}\r\n`]).got.map((g) => g[0]), [M1, M2])
})

test('octet counting: a message containing LF stays one frame', () => {
  const m = '<13>1 - h a - - - line1\nline2'
  assert.equal(frames([`${enc.encode(m).length} ${m}`]).got, [[m, false, 'octet-counting']])
})

test('octet counting: count is in bytes, not characters', () => {
  const m = '<13>1 - h a - - - héllo ✓'
  const stream = `${enc.encode(m).length} ${m}${M2.length} ${M2}`
  assert.equal(frames([stream]).got.map((g) => g[0]), [m, M2])
  assert.equal(frames(bytewise(stream)).got.map((g) => g[0]), [m, M2])
})

test('non-transparent: LF and CRLF terminated, last frame without LF delivered at end', () => {
  const r = frames([`${M1}\n${M2}\r\n<13>Feb 12 14:10:21 h t: tail`])
  assert.equal(r.got, [[M1, false, 'non-transparent'], [M2, false, 'non-transparent'], ['<13>Feb 12 14:10:21 h t: tail', false, 'non-transparent']])
  assert.is(r.error, undefined)
})

test('mixed framings on one stream', () => {
  assert.equal(frames([`${M1}\n${M2.length} ${M2}${M1}\n`]).got.map((g) => g[2]), ['non-transparent', 'octet-counting', 'non-transparent'])
})

test('oversized octet-counted frame: cut to maxMessageLen, rest consumed unbuffered, next frame intact', () => {
  const big = '<13>1 - h a - - - ' + 'x'.repeat(100_000)
  const stream = `${big.length} ${big}${M1.length} ${M1}`
  const r = frames([stream.slice(0, 50), stream.slice(50, 70_000), stream.slice(70_000)], 64)
  assert.equal(r.got, [[big.slice(0, 64), true, 'octet-counting'], [M1, false, 'octet-counting']])
  assert.ok(r.maxBuffered <= 64)
})

test('oversized LF frame: cut, rest dropped up to the LF, next frame intact', () => {
  const big = '<13>Feb 12 14:10:21 h t: ' + 'y'.repeat(10_000)
  const chunks = [big.slice(0, 5000), big.slice(5000) + '\n' + M2 + '\n']
  const r = frames(chunks, 100)
  assert.equal(r.got, [[big.slice(0, 100), true, 'non-transparent'], [M2, false, 'non-transparent']])
  assert.ok(r.maxBuffered <= 100)
})

test('truncation never splits a UTF-8 sequence', () => {
  const m = '<13>1 - h a - - - ' + 'é'.repeat(20)
  const r = frames([`${enc.encode(m).length} ${m}`], 21) // the header is 18 bytes: byte 21 falls inside the second é
  assert.is(r.got[0]![0], '<13>1 - h a - - - é')
  assert.ok(r.got[0]![1])
  assert.is(utf8Boundary(enc.encode('aé'), 2), 1)
  assert.is(utf8Boundary(enc.encode('aé'), 3), 3)
  assert.is(utf8Boundary(enc.encode('a✓'), 3), 1)
  assert.is(utf8Boundary(enc.encode('a😀'), 4), 1)
  assert.is(utf8Boundary(enc.encode('a😀'), 5), 5)
  assert.is(utf8Boundary(enc.encode('abc'), 2), 2)
})

test('bad octet counts: non-numeric, absurd, over maxFrameLen; the framer stays dead', () => {
  assert.is(frames(['12x <13>...']).error, 'bad-octet-count')
  assert.is(frames(['12\n<13>...']).error, 'bad-octet-count')
  assert.is(frames(['99999999999 <13>']).error, 'absurd-octet-count')
  assert.is(frames(['1'.repeat(1000)]).error, 'absurd-octet-count')
  assert.is(frames(['5000 <13>'], 2048, 4096).error, 'absurd-octet-count')
  assert.is(frames(['4096 <13>'], 2048, 4096, false).error, undefined)
  const framer = new TcpFramer({maxMessageLen: 16})
  assert.is(framer.push(enc.encode('1x'), () => {}), 'bad-octet-count')
  let called = false
  assert.is(framer.push(enc.encode(`${M1}\n`), () => (called = true)), 'bad-octet-count')
  assert.not.ok(called)
})

test('connection ends inside an octet-counted frame', () => {
  const r = frames([`100 <13>1 - h a`])
  assert.equal(r.got, [])
  assert.is(r.error, 'bad-octet-count')
})

test('zero-length frame is delivered empty (the parser counts it)', () => {
  assert.equal(frames([`0 ${M1.length} ${M1}`]).got.map((g) => g[0]), ['', M1])
})

test('RateLimiter: burst, refill on the given clock, per sender', () => {
  let t = 1_000_000
  const rl = new RateLimiter({rate: 2, burst: 3, now: () => t})
  assert.equal([1, 2, 3, 4].map(() => rl.take('a')), [true, true, true, false])
  assert.ok(rl.take('b'))
  t += 500 // one token
  assert.equal([rl.take('a'), rl.take('a')], [true, false])
  t += 10_000 // refills to burst, not beyond
  assert.equal([1, 2, 3, 4].map(() => rl.take('a')), [true, true, true, false])
})

test('RateLimiter: at most maxSenders buckets, least recently used forgotten', () => {
  const rl = new RateLimiter({rate: 1, maxSenders: 3, now: () => 0})
  for (const s of ['a', 'b', 'c']) assert.ok(rl.take(s))
  assert.not.ok(rl.take('a')) // a is now most recent
  assert.ok(rl.take('d')) // evicts b
  assert.is(rl.senders, 3)
  assert.ok(rl.take('b')) // b forgotten: full bucket again
  assert.not.ok(rl.take('d'))
  for (let i = 0; i < 10_000; i++) rl.take(`10.0.${i >> 8}.${i & 255}`)
  assert.is(rl.senders, 3)
})

test.run()
