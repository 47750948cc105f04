/**
 * The dispatcher's grouping, rendering, retries and shutdown (notifications-and-cti.md §3), on a fake
 * clock: every expectation is about when a message leaves and what it holds, never about real time
 * (except that enqueue returns at once while a receiver hangs).
 */
import {test} from 'uvu'
import * as assert from 'uvu/assert'
import {backoffDelay, CROWDSEC_RETRY} from '../../../src/outputs/notifications/delivery.js'
import {NotificationDispatcher, type DispatcherOptions} from '../../../src/outputs/notifications/dispatcher.js'
import type {Notification} from '../../../src/outputs/notifications/types.js'
import {FakeClock, ipAlert, memoryLogger, notification, notificationsOf, Receiver} from './helpers.js'

const S = 1000

async function dispatcher(clock: FakeClock, notifications: Notification[], options: Partial<DispatcherOptions> = {}): Promise<NotificationDispatcher> {
  return NotificationDispatcher.start({notifications, clock, random: () => 0.5, ...options})
}

/** Enqueues alerts 192.0.2.<n> for `hook`; returns their source values. */
async function send(d: NotificationDispatcher, ns: number[], name = 'hook'): Promise<string[]> {
  for (const n of ns) await d.enqueue(ipAlert(n), [name])
  return ns.map((n) => `192.0.2.${n}`)
}

const sizes = (r: Receiver): number[] => r.messages.map((m) => m.alerts.length)

// ---- grouping (§3)

test('neither group_wait nor group_threshold: every alert is its own message, at the next 1 s tick', async () => {
  const clock = new FakeClock()
  const r = new Receiver(clock)
  const d = await dispatcher(clock, [notification('', r.deliver)])
  await send(d, [1, 2])
  await clock.advance(999)
  assert.is(r.messages.length, 0, 'not before the tick')
  await clock.advance(1)
  assert.equal(r.messages.map((m) => m.alerts), [['192.0.2.1'], ['192.0.2.2']])
  assert.equal(r.messages.map((m) => m.text), ['192.0.2.1;', '192.0.2.2;'], 'each chunk rendered with format')
  await send(d, [3])
  await clock.advance(S)
  assert.equal(r.messages.map((m) => m.alerts), [['192.0.2.1'], ['192.0.2.2'], ['192.0.2.3']])
  await d.close()
})

test('group_wait alone: each alert is still its own message, only delayed to the group_wait tick', async () => {
  const clock = new FakeClock()
  const r = new Receiver(clock)
  const d = await dispatcher(clock, [notification('group_wait: 30s', r.deliver)])
  await clock.advance(10 * S)
  await send(d, [1, 2, 3])
  await clock.advance(19 * S)
  assert.is(r.messages.length, 0)
  await clock.advance(S)
  assert.equal(sizes(r), [1, 1, 1], 'three messages of one alert (chunks of 1 when group_threshold is 0)')
  assert.equal(r.messages.map((m) => m.at - r.messages[0]!.at), [0, 0, 0])
  await send(d, [4])
  await clock.advance(29 * S)
  assert.is(r.messages.length, 3)
  await clock.advance(S)
  assert.equal(r.messages.map((m) => m.alerts[0]), ['192.0.2.1', '192.0.2.2', '192.0.2.3', '192.0.2.4'])
  await d.close()
})

test('group_threshold alone: below it alerts wait (until shutdown); at it, everything pending goes in chunks of the threshold', async () => {
  const clock = new FakeClock()
  const r = new Receiver(clock)
  const d = await dispatcher(clock, [notification('group_threshold: 3', r.deliver)])
  await send(d, [1, 2])
  await clock.advance(10 * 60 * S)
  assert.is(r.messages.length, 0, 'two alerts wait, however long')
  await send(d, [3])
  await clock.advance(S)
  assert.equal(r.messages.map((m) => m.alerts), [['192.0.2.1', '192.0.2.2', '192.0.2.3']])
  assert.is(r.messages[0]!.text, '192.0.2.1;192.0.2.2;192.0.2.3;')
  await send(d, [4, 5, 6, 7, 8, 9, 10])
  await clock.advance(S)
  assert.equal(sizes(r), [3, 3, 3, 1], 'the whole list is taken: 7 alerts make 3 + 3 + 1')
  await send(d, [11, 12])
  const figures = await d.close()
  assert.equal(sizes(r), [3, 3, 3, 1, 2], 'shutdown flushes what waits')
  assert.equal(figures, [{name: 'hook', type: 'http', delivered: 12, messages: 5, failed: 0, dropped: 0, pending: 0, inMemory: 0}])
})

test('group_wait and group_threshold: the threshold flushes at the next 1 s tick, group_wait flushes what is below it', async () => {
  const clock = new FakeClock()
  const r = new Receiver(clock)
  const d = await dispatcher(clock, [notification('group_wait: 10s\ngroup_threshold: 5', r.deliver)])
  await send(d, [1, 2])
  await clock.advance(9 * S)
  assert.is(r.messages.length, 0)
  await clock.advance(S)
  assert.equal(sizes(r), [2], 'group_wait passed: the two go in one message (chunks of 5)')
  await clock.advance(500)
  await send(d, [3, 4, 5, 6, 7, 8])
  await clock.advance(500)
  assert.equal(sizes(r), [2, 5, 1], 'six alerts reach the threshold at the next tick: 5 + 1')
  await d.close()
})

test('close flushes every pending list once, without chunking, even when group_wait has not passed', async () => {
  const clock = new FakeClock()
  const r = new Receiver(clock)
  const d = await dispatcher(clock, notificationsOf(`type: http
name: a
format: "{{len .}} alerts"
group_wait: 1h
---
type: http
name: b
format: "{{len .}} alerts"
group_wait: 1h
group_threshold: 2
`, r.deliver))
  for (let i = 1; i <= 5; i++) await d.enqueue(ipAlert(i), ['a'])
  await d.enqueue(ipAlert(9), ['b'])
  await clock.advance(60 * S)
  assert.is(r.messages.length, 0)
  await d.close()
  assert.equal(r.messages.map((m) => [m.name, m.text]), [['a', '5 alerts'], ['b', '1 alerts']])
})

// ---- rendering

test('a render error drops that chunk (logged, counted), and the next ones still go', async () => {
  const clock = new FakeClock()
  const r = new Receiver(clock)
  const logger = memoryLogger()
  const [n] = notificationsOf(`type: http
name: picky
format: "{{range .}}{{if eq .Source.IP \\"192.0.2.2\\"}}{{index .Decisions 7}}{{end}}{{.Source.IP}}{{end}}"
`, r.deliver)
  const d = await dispatcher(clock, [n!], {logger})
  await d.enqueue(ipAlert(1), ['picky'])
  await d.enqueue(ipAlert(2), ['picky'])
  await d.enqueue(ipAlert(3), ['picky'])
  await clock.advance(S)
  assert.equal(r.messages.map((m) => m.text), ['192.0.2.1', '192.0.2.3'])
  assert.is(r.attempts, 2, 'the chunk that does not render is never sent')
  assert.match(logger.lines.join('\n'), /error: notification 'picky': cannot render 1 alert\(s\), dropped: template: picky:1:\d+: executing "picky" at <index .Decisions 7>: error calling index: /)
  assert.equal((await d.close())[0], {name: 'picky', type: 'http', delivered: 2, messages: 2, failed: 0, dropped: 1, pending: 0, inMemory: 0})
})

test('unknown names are skipped with a warning; serves() says which are known', async () => {
  const clock = new FakeClock()
  const r = new Receiver(clock)
  const logger = memoryLogger()
  const d = await dispatcher(clock, [notification('', r.deliver)], {logger})
  assert.ok(d.serves('hook'))
  assert.not.ok(d.serves('slack_default'))
  await d.enqueue(ipAlert(1), ['slack_default', 'hook'])
  await clock.advance(S)
  assert.is(r.messages.length, 1)
  assert.match(logger.lines.join('\n'), "warn: notification 'slack_default' is not configured here")
  await d.close()
})

// ---- retries and timeouts

test('back-off: 1 s, doubling, ±30 % jitter, capped at 30 s', () => {
  const p = CROWDSEC_RETRY
  assert.equal([1, 2, 3, 4, 5, 6, 7, 20].map((n) => backoffDelay(n, p, () => 0.5)), [1000, 2000, 4000, 8000, 16000, 30000, 30000, 30000])
  assert.is(backoffDelay(1, p, () => 0), 700)
  assert.is(backoffDelay(1, p, () => 0.999999), 1300)
  assert.is(backoffDelay(4, p, () => 0), 5600)
  assert.is(backoffDelay(6, p, () => 0), 21000)
  assert.is(backoffDelay(6, p, () => 0.999999), 30000, 'never more than 30 s')
  for (let i = 0; i < 200; i++) {
    const d = backoffDelay(2, p, Math.random)
    assert.ok(d >= 1400 && d <= 2600, `${d} within 2 s ± 30 %`)
  }
})

test('max_retry 3: a receiver that fails twice gets the message on the third attempt, after 1 s then 2 s', async () => {
  const clock = new FakeClock()
  const r = new Receiver(clock)
  r.fail = 2
  const logger = memoryLogger()
  const d = await dispatcher(clock, [notification('max_retry: 3', r.deliver)], {logger})
  await send(d, [1])
  await clock.advance(S)
  assert.is(r.attempts, 1)
  await clock.advance(999)
  assert.is(r.attempts, 1)
  await clock.advance(1)
  assert.is(r.attempts, 2, 'second attempt 1 s after the first')
  await clock.advance(2 * S)
  assert.is(r.attempts, 3, 'third 2 s after the second')
  assert.equal(r.messages.map((m) => m.alerts), [['192.0.2.1']])
  assert.match(logger.lines.join('\n'), "warn: notification 'hook': delivery failed (1 of 4 attempts), next try in 1s: 503 Service Unavailable")
  assert.equal((await d.close())[0], {name: 'hook', type: 'http', delivered: 1, messages: 1, failed: 2, dropped: 0, pending: 0, inMemory: 0})
})

test('max_retry 2: three attempts, then the chunk is dropped with an error', async () => {
  const clock = new FakeClock()
  const r = new Receiver(clock)
  r.failAlways = true
  const logger = memoryLogger()
  const d = await dispatcher(clock, [notification('max_retry: 2\ngroup_threshold: 2', r.deliver)], {logger})
  await send(d, [1, 2])
  await clock.advance(60 * S)
  assert.is(r.attempts, 3)
  assert.match(logger.lines.join('\n'), "error: notification 'hook': 2 alert(s) dropped after 3 of 3 attempts: 503 Service Unavailable")
  assert.equal((await d.close())[0], {name: 'hook', type: 'http', delivered: 0, messages: 0, failed: 3, dropped: 2, pending: 0, inMemory: 0})
})

test('max_retry 0: retries with back-off until 5 minutes have passed (14 attempts with these waits), then drops', async () => {
  const clock = new FakeClock()
  const r = new Receiver(clock)
  r.failAlways = true
  const starts: number[] = []
  const failing = notification('', async (...args) => {
    starts.push(clock.now())
    return r.deliver(...args)
  })
  const logger = memoryLogger()
  const d = await dispatcher(clock, [failing], {logger})
  await send(d, [1])
  await clock.advance(S)
  const first = clock.now()
  await clock.advance(10 * 60 * S)
  // waits 1, 2, 4, 8, 16, then 30 s: attempts at 0, 1, 3, 7, 15, 31, 61 ... 271 s; the next would start after 300 s
  assert.equal(starts.map((t) => (t - first) / S), [0, 1, 3, 7, 15, 31, 61, 91, 121, 151, 181, 211, 241, 271])
  assert.match(logger.lines.join('\n'), "error: notification 'hook': 1 alert(s) dropped after 14 attempt(s)")
  await d.close()
})

test('timeout: an attempt that hangs is given up at `timeout` (its signal aborts) and retried; enqueue never waits', async () => {
  const clock = new FakeClock()
  const r = new Receiver(clock)
  r.hang = true
  const logger = memoryLogger()
  const d = await dispatcher(clock, [notification('timeout: 2s\nmax_retry: 1', r.deliver)], {logger})
  const started = performance.now()
  for (let i = 1; i <= 50; i++) await d.enqueue(ipAlert(i), ['hook'])
  assert.ok(performance.now() - started < 500, 'fifty enqueues while the receiver hangs return at once')
  await clock.advance(S)
  assert.is(r.attempts, 4, 'four messages in flight at once, the others wait their turn')
  await clock.advance(2 * S)
  assert.is(r.aborted, 4, 'each hanging attempt saw its signal abort at the timeout')
  assert.match(logger.lines.join('\n'), "next try in 1s: no answer within 2s (timeout)")
  await clock.advance(S + 2 * S)
  assert.match(logger.lines.join('\n'), "error: notification 'hook': 1 alert(s) dropped after 2 of 2 attempts: no answer within 2s (timeout)")
  await d.close({flushWithin: 0})
})

test('a hanging receiver holds its own notification only: another one is delivered on time', async () => {
  const clock = new FakeClock()
  const down = new Receiver(clock)
  down.hang = true
  const up = new Receiver(clock)
  const d = await dispatcher(clock, [notification('timeout: 10s', down.deliver, 'down'), notification('', up.deliver, 'up')])
  for (let i = 1; i <= 20; i++) await d.enqueue(ipAlert(i), ['down', 'up'])
  await clock.advance(S)
  assert.is(up.messages.length, 20)
  assert.is(down.messages.length, 0)
  const closing = d.close({flushWithin: 3 * S})
  await clock.advance(3 * S)
  assert.equal((await closing).map((f) => [f.name, f.delivered, f.pending]), [['down', 0, 20], ['up', 20, 0]])
})

test('close is bounded: a receiver that hangs does not hold shutdown past flushWithin', async () => {
  const clock = new FakeClock()
  const r = new Receiver(clock)
  r.hang = true
  const logger = memoryLogger()
  const d = await dispatcher(clock, [notification('timeout: 1h\ngroup_wait: 1h', r.deliver)], {logger})
  await send(d, [1, 2, 3])
  let closed = false
  const closing = d.close({flushWithin: 5 * S}).then(() => (closed = true))
  await clock.advance(4 * S)
  assert.is(closed, false)
  assert.is(r.attempts, 1, 'the final flush is one message')
  await clock.advance(S)
  await closing
  assert.match(logger.lines.join('\n'), "warn: notification 'hook': 3 alert(s) not delivered at shutdown (lost: no store)")
  assert.is(clock.timers, 0, 'no timer left behind')
})

test('a slow receiver: at most `concurrency` messages in flight per name, all delivered in the end', async () => {
  const clock = new FakeClock()
  const r = new Receiver(clock)
  r.latencyMs = 3 * S
  const d = await dispatcher(clock, [notification('', r.deliver)], {concurrency: 2})
  await send(d, [1, 2, 3, 4, 5])
  await clock.advance(S)
  assert.is(r.inFlight, 2)
  await clock.advance(10 * S)
  assert.is(r.maxInFlight, 2)
  assert.equal(r.messages.map((m) => m.alerts[0]), ['192.0.2.1', '192.0.2.2', '192.0.2.3', '192.0.2.4', '192.0.2.5'])
  await d.close()
})

test('without a store, memory is bounded: past maxInMemory alerts are dropped and counted', async () => {
  const clock = new FakeClock()
  const r = new Receiver(clock)
  r.failAlways = true
  const logger = memoryLogger()
  const d = await dispatcher(clock, [notification('max_retry: 100', r.deliver)], {logger, maxInMemory: 5})
  await send(d, [1, 2, 3, 4, 5, 6, 7, 8])
  assert.equal(d.figures()[0], {name: 'hook', type: 'http', delivered: 0, messages: 0, failed: 0, dropped: 3, pending: 5, inMemory: 5})
  assert.match(logger.lines.join('\n'), "error: notification 'hook': alert dropped: 5 alerts already wait")
  await d.close({flushWithin: 0})
})

test('drain sends everything now, in chunks, whatever group_wait says, and says whether all went', async () => {
  const clock = new FakeClock()
  const r = new Receiver(clock)
  const d = await dispatcher(clock, [notification('group_wait: 1h\ngroup_threshold: 2', r.deliver)])
  await send(d, [1, 2, 3])
  assert.is(await d.drain(10 * S), true)
  assert.equal(sizes(r), [2, 1])
  await d.close()
  const r2 = new Receiver(clock)
  r2.failAlways = true
  const d2 = await dispatcher(clock, [notification('', r2.deliver)])
  await send(d2, [4])
  const drained = d2.drain(10 * S)
  await clock.advance(10 * S)
  assert.is(await drained, false)
  await d2.close({flushWithin: 0})
})

test.run()
