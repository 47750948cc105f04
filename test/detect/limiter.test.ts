import {test} from 'uvu'
import * as assert from 'uvu/assert'
import {TokenBucket} from '../../src/detect/limiter.js'
import {parseRfc3339, type Instant} from '../../src/detect/time.js'

const at = (s: string): Instant => parseRfc3339(s)!

test('ssh-bf worked example (§8.3): capacity 5, leakspeed 10s, sixth event refused', () => {
  const tb = new TokenBucket(5, 10e9)
  const times = ['14:10:21', '14:10:21', '14:10:22', '14:10:22', '14:10:23', '14:10:24']
  const got = times.map((t) => tb.allow(at(`2026-02-12T${t}Z`)))
  assert.equal(got, [true, true, true, true, true, false])
})

test('burst of capacity+1 equal timestamps overflows on the last one', () => {
  const tb = new TokenBucket(3, 60e9)
  const t = at('2026-01-01T00:00:00Z')
  assert.equal([tb.allow(t), tb.allow(t), tb.allow(t), tb.allow(t)], [true, true, true, false])
})

test('refill after capacity x leakspeed of silence', () => {
  const tb = new TokenBucket(2, 10e9)
  tb.allow(at('2026-01-01T00:00:00Z'))
  tb.allow(at('2026-01-01T00:00:00Z'))
  assert.is(tb.available(at('2026-01-01T00:00:10Z')), 1)
  assert.is(tb.available(at('2026-01-01T00:01:00Z')), 2)
})

test('fractional leakspeed 0.5s gives 2 tokens per second', () => {
  const tb = new TokenBucket(1, 0.5e9)
  assert.ok(tb.allow(at('2026-01-01T00:00:00Z')))
  assert.not.ok(tb.allow(at('2026-01-01T00:00:00.4Z')))
  assert.ok(tb.allow(at('2026-01-01T00:00:00.5Z')))
})

test('float rounding: a 0.9999999999999999 deficit is granted (wait rounds to 0ns)', () => {
  // 3 tokens/s-ish rates accumulate rounding; a token exactly due is granted
  const tb = new TokenBucket(1, 3e9 / 10)
  let t = at('2026-01-01T00:00:00Z')
  assert.ok(tb.allow(t))
  for (let i = 0; i < 20; i++) {
    t = {sec: t.sec, nsec: t.nsec + 0.3e9, offset: 0}
    if (t.nsec >= 1e9) t = {sec: t.sec + 1, nsec: t.nsec - 1e9, offset: 0}
    assert.ok(tb.allow(t), `pour ${i}`)
  }
})

test('out-of-order timestamp: no credit, last moves back', () => {
  const tb = new TokenBucket(1, 10e9)
  assert.ok(tb.allow(at('2026-01-01T00:00:10Z')))
  assert.not.ok(tb.allow(at('2026-01-01T00:00:05Z')))
  assert.ok(tb.allow(at('2026-01-01T00:00:20Z')))
})

test.run()
