/**
 * An instance that is gone lets go of its queued events (Bucket.release), whichever way it ends:
 * overflow, expiry, cancel_on, eviction. A dead queue left holding them would keep them alive in
 * V8's young generation until the next full collection (docs/performance.md, the garbage
 * collection regimes); here the observable part: the queue is emptied, after the alert was built.
 */
import {test} from 'uvu'
import * as assert from 'uvu/assert'
import {Bucket} from '../../src/detect/bucket.js'
import {createDetector} from '../../src/detect/index.js'
import type {Event} from '../../src/model/event.js'
import type {RuntimeAlert} from '../../src/model/alert.js'
import {loadInline, metaEvent} from '../helpers/scenarios.js'

/** Records every instance released while `fn` runs, with the queue it held just before. */
function released(fn: () => void): {bucket: Bucket; held: Event[]}[] {
  const seen: {bucket: Bucket; held: Event[]}[] = []
  const release = Bucket.prototype.release
  Bucket.prototype.release = function (this: Bucket) {
    const queue = this.queue
    seen.push({bucket: this, held: [...queue]})
    release.call(this)
    assert.is(queue.length, 0, 'the array the instance queued into is emptied')
    assert.is(this.queue.length, 0)
  }
  try {
    fn()
  } finally {
    Bucket.prototype.release = release
  }
  return seen
}

const at = (sec: number): string => `2026-01-01T10:00:${String(sec).padStart(2, '0')}Z`
const ip = (n: number) => ({source_ip: `192.0.2.${n}`})

test('an overflow releases the instance after its alert was built from the queue', () => {
  const d = createDetector(loadInline('type: leaky\nname: t\ndescription: d\nfilter: "true"\ngroupby: evt.Meta.source_ip\ncapacity: 2\nleakspeed: 10s\n'))
  const seen = released(() => {
    for (let i = 0; i < 3; i++) d.pour(metaEvent(ip(1), at(i)))
  })
  assert.is(seen.length, 1)
  assert.is(seen[0]!.held.length, 3)
  const [o] = d.takeOverflows()
  const alert = (o!.Overflow as unknown as RuntimeAlert).Alert!
  assert.is(alert.EventsCount, 3, 'the alert keeps what the queue held')
  assert.is(alert.Events.length, 3)
})

test('a trigger releases each instance it makes', () => {
  const d = createDetector(loadInline('type: trigger\nname: t\ndescription: d\nfilter: "true"\ngroupby: evt.Meta.source_ip\n'))
  const seen = released(() => {
    for (let i = 0; i < 4; i++) d.pour(metaEvent(ip(i), at(i)))
  })
  assert.is(seen.length, 4)
  assert.is(d.takeOverflows().length, 4)
})

test('expiry (underflow), on a later pour and at the sweep, releases the instance', () => {
  const d = createDetector(loadInline('type: leaky\nname: t\ndescription: d\nfilter: "true"\ngroupby: evt.Meta.source_ip\ncapacity: 5\nleakspeed: 1s\n'))
  const seen = released(() => {
    d.pour(metaEvent(ip(1), at(0)))
    d.pour(metaEvent(ip(1), at(30))) // the first instance of 192.0.2.1 expired long before
  })
  assert.is(seen.length, 1)
  assert.is(d.metrics.scenarios.t!.underflows, 1)
  assert.is(d.metrics.scenarios.t!.current, 1)
})

test('cancel_on releases the instance', () => {
  const d = createDetector(loadInline('type: leaky\nname: t\ndescription: d\nfilter: "true"\ngroupby: evt.Meta.source_ip\ncapacity: 5\nleakspeed: 10s\n' +
    'cancel_on: evt.Meta.action == "stop"\n'))
  const seen = released(() => {
    d.pour(metaEvent(ip(1), at(0)))
    d.pour(metaEvent({...ip(1), action: 'stop'}, at(1)))
  })
  assert.is(d.metrics.scenarios.t!.canceled, 1)
  assert.is(seen.length, 1)
  assert.is(seen[0]!.held.length, 1)
})

test('eviction at maxBuckets releases the evicted instance', () => {
  const d = createDetector(loadInline('type: leaky\nname: t\ndescription: d\nfilter: "true"\ngroupby: evt.Meta.source_ip\ncapacity: 5\nleakspeed: 10s\n'), {maxBuckets: 2})
  const seen = released(() => {
    for (let i = 0; i < 5; i++) d.pour(metaEvent(ip(i), at(i)))
  })
  assert.is(d.metrics.scenarios.t!.evicted, 3)
  assert.is(seen.length, 3)
  assert.equal(seen.map((s) => s.bucket.key), ['192.0.2.0', '192.0.2.1', '192.0.2.2'])
})

test('live instances keep their queues', () => {
  const d = createDetector(loadInline('type: leaky\nname: t\ndescription: d\nfilter: "true"\ngroupby: evt.Meta.source_ip\ncapacity: 5\nleakspeed: 10s\n'))
  const seen = released(() => {
    for (let i = 0; i < 3; i++) d.pour(metaEvent(ip(1), at(i)))
  })
  assert.is(seen.length, 0)
  assert.is(d.metrics.scenarios.t!.current, 1)
})

test.run()
