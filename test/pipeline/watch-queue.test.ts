/** The bounded queue between crowd watch's sources and its consumer: bound, backpressure, deadlines, shutdown. */
import {test} from 'uvu'
import * as assert from 'uvu/assert'
import {BoundedQueue} from '../../src/pipeline/watch-queue.js'

const item = (id: number, weight = 1) => ({id, weight})

test('holds up to maxLines lines; a producer beyond waits until the consumer takes', async () => {
  const q = new BoundedQueue<{id: number; weight: number}>(10)
  await q.push(item(1, 6))
  let second = false
  const p = q.push(item(2, 6)).then(() => (second = true))
  await new Promise((r) => setTimeout(r, 20))
  assert.is(second, false, 'the second push waits: 12 lines would exceed 10')
  assert.is(q.lines, 6)
  assert.is((await q.take(Date.now() + 100))?.id, 1)
  await p
  assert.is(second, true)
  assert.is(q.waits, 1)
  assert.is((await q.take(Date.now() + 100))?.id, 2)
})

test('an item heavier than the whole bound still goes through an empty queue (never stuck)', async () => {
  const q = new BoundedQueue<{id: number; weight: number}>(5)
  await q.push(item(1, 50))
  assert.is((await q.take(Date.now()))?.id, 1)
})

test('take: undefined after the deadline, woken early by a push, and never resolved before a macrotask when empty', async () => {
  const q = new BoundedQueue<{id: number; weight: number}>(5)
  const t0 = Date.now()
  assert.is(await q.take(t0 + 30), undefined)
  assert.ok(Date.now() - t0 >= 25)
  const later = q.take(Date.now() + 5000)
  setTimeout(() => void q.push(item(7)), 10)
  assert.is((await later)?.id, 7)
  // a deadline in the past with nothing queued: a timer turn passes first (a loop on take cannot starve timers)
  let timerRan = false
  setTimeout(() => (timerRan = true), 0)
  assert.is(await q.take(Date.now() - 1000), undefined)
  assert.ok(timerRan)
})

test('keeps order over many items; close lets blocked producers through and interrupts a waiting take', async () => {
  const q = new BoundedQueue<{id: number; weight: number}>(3)
  const pushes = Array.from({length: 10}, (_, i) => q.push(item(i)))
  const got: number[] = []
  for (let i = 0; i < 5; i++) got.push((await q.take(Date.now() + 100))!.id)
  assert.equal(got, [0, 1, 2, 3, 4])
  q.close()
  await Promise.all(pushes)
  while (q.length > 0) got.push((await q.take(Date.now()))!.id)
  assert.equal(got, [0, 1, 2, 3, 4, 5, 6, 7, 8, 9])
  const waiting = q.take(Date.now() + 10_000)
  q.interrupt()
  assert.is(await waiting, undefined)
})

test.run()
