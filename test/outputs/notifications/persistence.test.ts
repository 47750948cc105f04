/**
 * The dispatcher on a real store (SQLite): a restart loses nothing and sends nothing twice, memory
 * stays bounded while a receiver is down (the rest waits in the store), back-off survives a restart,
 * and the rows of a dispatcher that stopped for good are taken over once its lease runs out.
 * "Crash" = the dispatcher is dropped without close (its fake timers die with it).
 */
import * as fs from 'node:fs'
import * as os from 'node:os'
import * as path from 'node:path'
import {test} from 'uvu'
import * as assert from 'uvu/assert'
import {NotificationDispatcher, type DispatcherOptions} from '../../../src/outputs/notifications/dispatcher.js'
import type {Notification} from '../../../src/outputs/notifications/types.js'
import {openStore} from '../../../src/store/open.js'
import type {Store} from '../../../src/store/types.js'
import {FakeClock, ipAlert, memoryLogger, notification, Receiver} from './helpers.js'

const S = 1000
const root = fs.mkdtempSync(path.join(os.tmpdir(), 'crowd-notifications-store-'))
let files = 0
const stores: Store[] = []
async function freshStore(file = path.join(root, `n${++files}.db`)): Promise<Store> {
  const store = await openStore({engine: 'sqlite', target: file})
  stores.push(store)
  return store
}
test.after.each(async () => {
  for (const s of stores.splice(0)) await s.close()
})
test.after(() => fs.rmSync(root, {recursive: true, force: true}))

function start(clock: FakeClock, store: Store, notifications: Notification[], options: Partial<DispatcherOptions> = {}): Promise<NotificationDispatcher> {
  return NotificationDispatcher.start({notifications, store, clock, owner: 'host/lapi', random: () => 0.5, ...options})
}

const queued = async (store: Store): Promise<string[]> => (await store.notificationQueue({})).map((r) => `${r.name}:${JSON.parse(r.alert).source.value}`)

test('enqueue writes rows; a delivered message deletes its rows', async () => {
  const clock = new FakeClock()
  const store = await freshStore()
  const r = new Receiver(clock)
  const d = await start(clock, store, [notification('group_threshold: 2', r.deliver)])
  await d.enqueue(ipAlert(1), ['hook'])
  await d.enqueue(ipAlert(2), ['hook'])
  await d.enqueue(ipAlert(3), ['hook'])
  assert.equal(await queued(store), ['hook:192.0.2.1', 'hook:192.0.2.2', 'hook:192.0.2.3'], 'queued before anything is sent')
  await clock.advance(S)
  assert.equal(r.messages.map((m) => m.alerts), [['192.0.2.1', '192.0.2.2'], ['192.0.2.3']])
  assert.equal(await queued(store), [])
  await d.close()
})

test('a crash loses nothing: a new dispatcher on the same store delivers what was queued, the stored alert byte for byte', async () => {
  const clock = new FakeClock()
  const file = path.join(root, 'crash.db')
  const store1 = await freshStore(file)
  const down = new Receiver(clock)
  down.failAlways = true
  const first = await start(clock, store1, [notification('group_wait: 1h', down.deliver)])
  const alert = ipAlert(1)
  alert.Source.Cn = 'FR'
  await first.enqueue(alert, ['hook'])
  await first.enqueue(ipAlert(2), ['hook'])
  // crash: never closed; its timers are fake and never fire again
  const clock2 = new FakeClock(clock.now() + 10 * S)
  const store2 = await freshStore(file)
  const r = new Receiver(clock2)
  let seen = ''
  const second = await start(clock2, store2, [notification('', async (config, text, alerts, signal) => {
    seen ||= JSON.stringify(alerts[0])
    return r.deliver(config, text, alerts, signal)
  })])
  assert.equal(second.figures()[0]!.pending, 2)
  await clock2.advance(S)
  assert.equal(r.messages.map((m) => m.alerts), [['192.0.2.1'], ['192.0.2.2']])
  assert.is(seen, JSON.stringify(alert), 'the alert the receiver gets is the one queued')
  assert.equal(await queued(store2), [])
  assert.is(down.messages.length, 0)
  await second.close()
})

test('nothing twice: what the first run delivered is not sent again after a crash', async () => {
  const clock = new FakeClock()
  const file = path.join(root, 'twice.db')
  const store1 = await freshStore(file)
  const r = new Receiver(clock)
  const first = await start(clock, store1, [notification('', r.deliver)])
  await first.enqueue(ipAlert(1), ['hook'])
  await clock.advance(S)
  await first.enqueue(ipAlert(2), ['hook'])
  // crash before the second was sent
  const clock2 = new FakeClock(clock.now())
  const second = await start(clock2, await freshStore(file), [notification('', r.deliver)])
  await clock2.advance(5 * S)
  assert.equal(r.messages.map((m) => m.alerts[0]), ['192.0.2.1', '192.0.2.2'], 'each once')
  await second.close()
})

test('a receiver down: memory holds at most maxInMemory alerts, the rest wait in the store; back up, all go once, in order', async () => {
  const clock = new FakeClock()
  const store = await freshStore()
  const r = new Receiver(clock)
  r.failAlways = true
  const d = await start(clock, store, [notification('max_retry: 1000', r.deliver)], {maxInMemory: 10, concurrency: 2})
  for (let i = 1; i <= 100; i++) await d.enqueue(ipAlert(i), ['hook'])
  await clock.advance(60 * S)
  assert.ok(r.attempts > 0)
  assert.equal([d.figures()[0]!.pending, d.figures()[0]!.inMemory], [100, 10])
  assert.is((await store.notificationQueue({})).length, 100)
  r.failAlways = false
  let most = 0
  for (let i = 0; i < 300; i++) {
    await clock.advance(S)
    most = Math.max(most, d.figures()[0]!.inMemory)
  }
  const offered = r.messages.map((m) => Number(m.alerts[0]!.split('.')[3]))
  assert.is(offered.length, 100, 'all delivered')
  assert.is(new Set(offered).size, 100, 'each once')
  assert.ok(most <= 10, `at most 10 in memory, saw ${most}`)
  // those that waited in the store come out oldest first (the first ten were in memory, retrying on their own)
  const fromStore = offered.filter((n) => n > 10)
  assert.equal(fromStore, [...fromStore].sort((a, b) => a - b))
  assert.equal(await store.notificationQueue({}), [])
  assert.equal(d.figures()[0]!.pending, 0)
  await d.close()
})

test('memory stays bounded while the receiver is down and alerts keep coming', async () => {
  const clock = new FakeClock()
  const store = await freshStore()
  const r = new Receiver(clock)
  r.hang = true
  const d = await start(clock, store, [notification('timeout: 5s\nmax_retry: 100000', r.deliver)], {maxInMemory: 20})
  let peak = 0
  for (let minute = 0; minute < 3; minute++) {
    for (let i = 0; i < 100; i++) {
      await d.enqueue(ipAlert(minute * 100 + i + 1), ['hook'])
      // one alert every 600 ms: 100 a minute
      await clock.advance(600)
      peak = Math.max(peak, d.figures()[0]!.inMemory)
    }
  }
  assert.equal([d.figures()[0]!.pending, d.figures()[0]!.inMemory], [300, 20])
  assert.is((await store.notificationQueue({})).length, 300)
  assert.is(peak, 20, 'memory is flat at the window')
  const closing = d.close({flushWithin: S})
  await clock.advance(S)
  await closing
})

test('back-off survives a restart: the next run waits for the recorded next attempt', async () => {
  const clock = new FakeClock()
  const file = path.join(root, 'backoff.db')
  const r = new Receiver(clock)
  r.fail = 3
  const first = await start(clock, await freshStore(file), [notification('max_retry: 10', r.deliver)])
  await first.enqueue(ipAlert(1), ['hook'])
  await clock.advance(S + 1 * S + 2 * S) // attempts at 1 s, 2 s, 4 s: three failures, next at 8 s
  assert.is(r.attempts, 3)
  const row = (await stores.at(-1)!.notificationQueue({}))[0]!
  assert.equal([row.attempts, row.nextAt - clock.now()], [3, 4 * S])
  const clock2 = new FakeClock(clock.now())
  const r2 = new Receiver(clock2)
  const second = await start(clock2, await freshStore(file), [notification('max_retry: 10', r2.deliver)])
  await clock2.advance(3 * S)
  assert.is(r2.attempts, 0, 'not before the recorded time')
  await clock2.advance(S)
  assert.is(r2.attempts, 1)
  assert.is(r2.messages.length, 1)
  await second.close()
})

test('rows of a dispatcher that stopped for good are taken over once its lease runs out; a clean close frees them at once', async () => {
  const clock = new FakeClock()
  const store = await freshStore()
  const logger = memoryLogger()
  const down = new Receiver(clock)
  down.failAlways = true
  // the watch runs on a clock of its own that stops: its lease is no longer renewed, as when its process died
  const watchClock = new FakeClock(clock.now())
  const watch = await start(watchClock, store, [notification('group_wait: 1h', down.deliver)], {owner: 'host/watch'})
  await watch.enqueue(ipAlert(1), ['hook'])
  const r = new Receiver(clock)
  const lapi = await start(clock, store, [notification('', r.deliver)], {owner: 'host/lapi', leaseMs: 30 * S, logger})
  await clock.advance(30 * S)
  assert.is(r.messages.length, 0, "the watch's lease (60 s) still holds")
  await clock.advance(41 * S)
  assert.equal(r.messages.map((m) => m.alerts), [['192.0.2.1']])
  assert.match(logger.lines.join('\n'), "info: notification 'hook': took over 1 queued alert(s) of a stopped dispatcher")
  // a clean close releases at once
  const other = await start(clock, store, [notification('group_wait: 1h', down.deliver)], {owner: 'host/other'})
  await other.enqueue(ipAlert(2), ['hook'])
  await other.close({flushWithin: 0})
  await clock.advance(10 * S)
  assert.equal(r.messages.map((m) => m.alerts[0]), ['192.0.2.1', '192.0.2.2'])
  await lapi.close()
})

test('queued rows written by someone else (the LAPI, in its transaction) are read in and sent', async () => {
  const clock = new FakeClock()
  const store = await freshStore()
  const r = new Receiver(clock)
  const d = await start(clock, store, [notification('', r.deliver)])
  const alert = ipAlert(5)
  await store.queueNotifications([{name: 'hook', owner: d.owner, alertUuid: alert.UUID, alert: JSON.stringify(alert)}], clock.now())
  d.queued([{name: 'hook'}])
  await clock.advance(S)
  assert.equal(r.messages.map((m) => m.alerts), [['192.0.2.5']])
  await d.close()
})

test.run()
