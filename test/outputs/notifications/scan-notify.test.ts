/**
 * `crowd scan --notify`: the scan's alerts go to each named notification at the end, grouped by its
 * group_threshold whatever its group_wait; a receiver that fails or hangs costs at most the wait and
 * ends as a warning. Real clock, short waits.
 */
import * as fs from 'node:fs'
import * as os from 'node:os'
import * as path from 'node:path'
import {test} from 'uvu'
import * as assert from 'uvu/assert'
import {DelivererRegistry} from '../../../src/outputs/notifications/deliverers.js'
import {prepareScanNotifications} from '../../../src/outputs/notifications/scan-notify.js'
import {ipAlert} from './helpers.js'

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'crowd-scan-notify-'))
test.after(() => fs.rmSync(dir, {recursive: true, force: true}))
fs.writeFileSync(path.join(dir, 'n.yaml'), `type: good
name: grouped
group_wait: 1h
group_threshold: 2
format: "{{len .}}"
---
type: bad
name: down
timeout: 100ms
format: "{{len .}}"
`)

test('each notification gets the alerts in its chunks at once; a failing one is reported within the wait', async () => {
  const texts: string[] = []
  const registry = new DelivererRegistry([
    ['good', async (_c, text) => void texts.push(text)],
    ['bad', async () => new Promise<void>(() => {})],
  ])
  const notify = prepareScanNotifications({dirs: [dir], names: ['grouped', 'down'], resolver: registry, env: {}})
  const started = performance.now()
  const sent = await notify.send([ipAlert(1), ipAlert(2), ipAlert(3)], 300)
  assert.ok(performance.now() - started < 2000, 'bounded by the wait')
  assert.equal(texts, ['2', '1'])
  assert.equal(sent.figures.map((f) => [f.name, f.delivered, f.messages]), [['grouped', 3, 2], ['down', 0, 0]])
  assert.equal(sent.warnings.length, 1)
  assert.match(sent.warnings[0]!, /^notification 'down': 3 of 3 alert\(s\) not delivered \(0 dropped, 3 still waiting after 0.3s, \d+ failed attempt\(s\)\)$/)
})

test('no alert: nothing sent, no warning', async () => {
  const notify = prepareScanNotifications({dirs: [dir], names: ['grouped'], resolver: new DelivererRegistry([['good', async () => assert.unreachable('nothing to send')]]), env: {}})
  assert.equal((await notify.send([], 1000)).warnings, [])
})

test.run()
