/**
 * POST /v1/alerts and notifications (notifications-and-cti.md §1, lapi.md §4.1): which profiles
 * route an alert where, with which copy of it (the first matching profile's decisions, no `until`,
 * the stored UUIDs), queued in the transaction that stores the alerts: a failed insert queues
 * nothing, a repeated post queues nothing again. The dispatcher runs on a fake clock.
 */
import * as fs from 'node:fs'
import * as os from 'node:os'
import * as path from 'node:path'
import {test} from 'uvu'
import * as assert from 'uvu/assert'
import {LapiOperations} from '../../src/lapi/operations.js'
import {LapiProfiles} from '../../src/lapi/profiles.js'
import type {Alert} from '../../src/model/alert.js'
import {silentLogger} from '../../src/model/logger.js'
import {NotificationDispatcher} from '../../src/outputs/notifications/dispatcher.js'
import type {Store} from '../../src/store/types.js'
import {FakeClock, notificationsOf} from '../outputs/notifications/helpers.js'
import {agentAlert, manualAlert, memoryStore, T0} from './harness.js'

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'crowd-lapi-notify-'))
test.after(() => fs.rmSync(tmp, {recursive: true, force: true}))

const PROFILES = `name: watch_only
filters:
 - Alert.GetScope() == "Ip"
notifications:
 - early
---
name: ban
filters:
 - Alert.Remediation == true && Alert.GetScope() == "Ip"
decisions:
 - type: ban
   duration: 4h
notifications:
 - slack
---
name: also
filters:
 - Alert.GetScope() == "Ip"
decisions:
 - type: captcha
   duration: 1h
notifications:
 - http
 - slack
on_success: break
---
name: never_reached
filters:
 - true
notifications:
 - never
`

const NOTIFICATIONS = ['early', 'slack', 'http', 'never'].map((name) => `type: test\nname: ${name}\nformat: "{{len .}}"\n`).join('---\n')

interface Setup {
  store: Store
  ops: LapiOperations
  dispatcher: NotificationDispatcher
  clock: FakeClock
  /** Per notification name, the alerts it was sent (as the receiver got them). */
  got: Map<string, Alert[]>
  queuedCalls: number
  close(): Promise<void>
}

async function setup(): Promise<Setup> {
  const file = path.join(tmp, `profiles-${Math.random().toString(16).slice(2)}.yaml`)
  fs.writeFileSync(file, PROFILES)
  const store = await memoryStore()
  const clock = new FakeClock(T0)
  const got = new Map<string, Alert[]>()
  const notifications = notificationsOf(NOTIFICATIONS, async (config, _text, alerts) => {
    got.set(config.name, [...(got.get(config.name) ?? []), ...alerts])
  })
  const dispatcher = await NotificationDispatcher.start({notifications, store, clock, owner: 'test/lapi'})
  const s: Setup = {
    store, dispatcher, clock, got, queuedCalls: 0,
    ops: undefined as unknown as LapiOperations,
    async close() {
      await dispatcher.close()
      await store.close()
    },
  }
  const queue = {
    owner: dispatcher.owner,
    serves: (name: string) => dispatcher.serves(name),
    queued: (rows: readonly {name: string}[]) => {
      s.queuedCalls++
      dispatcher.queued(rows)
    },
  }
  s.ops = new LapiOperations(store, new LapiProfiles(file, silentLogger), silentLogger, () => T0, {notifications: queue})
  return s
}

test('an agent alert: every matching profile notifies, until on_success: break; copies carry the first decisions', async () => {
  const s = await setup()
  const result = await s.ops.postAlerts([agentAlert('192.0.2.7', T0)], 'agent-1')
  assert.equal(result.notify.map((n) => n.notifications), [['early', 'slack', 'http', 'slack']])
  assert.equal((await s.store.notificationQueue({})).map((r) => r.name), ['early', 'slack', 'http', 'slack'], 'queued with the alert')
  await s.clock.advance(1000)
  assert.equal([...s.got.keys()].sort(), ['early', 'http', 'slack'])
  assert.is(s.got.get('early')![0]!.Decisions, null, 'the profile before the one that decided: no decisions yet')
  const stored = (await s.store.queryAlerts({}, T0))[0]!
  for (const copy of [...s.got.get('slack')!, ...s.got.get('http')!]) {
    assert.equal(copy.Decisions!.map((d) => [d.Type, d.Duration, d.Origin, d.Scope, d.Value, d.Until, d.ID]), [['ban', '4h', 'crowdsec', 'Ip', '192.0.2.7', '', 0]],
      'the first profile\'s decisions (not the captcha of "also"), duration as written, no until, no id')
    assert.equal(copy.Decisions!.map((d) => d.UUID), stored.decisions!.map((d) => d.uuid), 'the stored decision UUIDs')
    assert.equal([copy.UUID, copy.MachineID, copy.ID, copy.CreatedAt], [stored.uuid, 'agent-1', 0, ''])
    assert.equal([copy.Source.Cn, copy.Events.length], ['FR', 1])
  }
  assert.equal(s.got.get('slack')!.length, 2, "slack is named by two matching profiles: it gets the alert twice, as CrowdSec's does")
  assert.equal(await s.store.notificationQueue({}), [], 'delivered rows are gone')
  await s.close()
})

test('an alert that came with decisions: profiles only route it, with its own decisions', async () => {
  const s = await setup()
  const result = await s.ops.postAlerts([manualAlert('Ip', '198.51.100.4', '24h', T0)], 'cli')
  assert.equal(result.notify.map((n) => n.notifications), [['early', 'slack', 'http', 'slack']])
  await s.clock.advance(1000)
  const stored = (await s.store.queryAlerts({}, T0))[0]!
  assert.equal(stored.decisions!.map((d) => [d.type, d.origin]), [['ban', 'cscli']], 'decisions kept as sent')
  for (const name of ['early', 'slack', 'http']) {
    const copy = s.got.get(name)![0]!
    assert.equal(copy.Decisions!.map((d) => [d.Type, d.Duration, d.Origin, d.UUID]), [['ban', '24h', 'cscli', stored.decisions![0]!.uuid]], name)
  }
  // a Range decision passes the Ip profiles by: only the last profile routes it
  await s.ops.postAlerts([manualAlert('Range', '198.51.100.0/24', '1h', T0)], 'cli')
  assert.equal((await s.store.notificationQueue({})).map((r) => r.name), ['never'])
  await s.close()
})

test('a failed insert queues nothing (same transaction), and the dispatcher is not told', async () => {
  const s = await setup()
  let failed = false
  try {
    // the agent state is written last in the transaction: its NOT NULL violation rolls everything back
    await s.ops.postAlerts([agentAlert('192.0.2.8', T0)], 'agent-1', {agentState: {name: 'watch', state: null as unknown as string}})
  } catch {
    failed = true
  }
  assert.ok(failed)
  assert.equal(await s.store.queryAlerts({}, T0), [])
  assert.equal(await s.store.notificationQueue({}), [])
  assert.is(s.queuedCalls, 0)
  await s.clock.advance(5000)
  assert.is(s.got.size, 0)
  await s.close()
})

test('a repeated post of the same alert (same machine, same UUID) notifies once', async () => {
  const s = await setup()
  const alert = agentAlert('192.0.2.9', T0, {uuid: '6f1c1f9e-2f76-4c36-a1de-0c2d9f1c7a11'})
  await s.ops.postAlerts([alert], 'agent-1')
  await s.ops.postAlerts([alert], 'agent-1')
  assert.is((await s.store.notificationQueue({name: 'http'})).length, 1)
  await s.clock.advance(1000)
  assert.is(s.got.get('http')!.length, 1)
  await s.close()
})

test('without a dispatcher nothing is queued, and alerts with decisions are not run through the profiles', async () => {
  const file = path.join(tmp, 'plain.yaml')
  fs.writeFileSync(file, PROFILES)
  const store = await memoryStore()
  const ops = new LapiOperations(store, new LapiProfiles(file, silentLogger), silentLogger, () => T0)
  const result = await ops.postAlerts([agentAlert('192.0.2.10', T0), manualAlert('Ip', '192.0.2.11', '1h', T0)], 'm')
  assert.equal(result.notify.map((n) => n.notifications), [['early', 'slack', 'http', 'slack']])
  assert.equal(await store.notificationQueue({}), [])
  await store.close()
})

test.run()
