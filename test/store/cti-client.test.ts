/**
 * The store's part of the CTI client (migration 6) on both engines: the signal queue (one row per
 * alert, oldest first, bounded with a counter), the client's state, leases between processes, and
 * one community pull applied in one transaction (deletions by value, replacement by hard delete).
 */
import {suite} from 'uvu'
import * as assert from 'uvu/assert'
import {postgresUrl, type TestDatabase} from '../helpers/postgres.js'
import {openStore} from '../../src/store/open.js'
import type {NewAlert, NewDecision, Store} from '../../src/store/types.js'

const T0 = Date.parse('2026-03-02T10:00:00Z')

function pullAlert(uuid: string, decisions: NewDecision[]): NewAlert {
  return {
    uuid, machineId: '', scenario: 'update', scenarioHash: '', scenarioVersion: '', message: '', eventsCount: 0, startAt: T0, stopAt: T0, capacity: 0,
    leakspeed: '', simulated: false, remediation: true, kind: 'capi',
    source: {scope: 'crowdsecurity/community-blocklist', value: '', ip: '', range: '', asNumber: '', asName: '', cn: '', latitude: 0, longitude: 0},
    events: [], meta: [], decisions,
  }
}

const capi = (value: string, until: number, scope = 'Ip', origin = 'CAPI'): NewDecision =>
  ({uuid: `u-${value}-${until}`, origin, type: 'ban', scope, value, scenario: 's', simulated: false, until})

function contract(engine: string, open: () => Promise<Store>, after?: () => Promise<void>): void {
  const t = suite(`cti client store (${engine})`)
  let store: Store
  t.before.each(async () => {
    store = await open()
  })
  t.after.each(async () => {
    await store.close()
  })
  if (after !== undefined) t.after(after)

  t('signals: queued once per alert, oldest first, bounded with a counter, deleted when pushed', async () => {
    const rows = (from: number, n: number) => Array.from({length: n}, (_, i) => ({alertUuid: `a${from + i}`, signal: `{"n":${from + i}}`}))
    assert.equal(await store.queueSignals(rows(0, 3), 10, T0), {queued: 3, dropped: 0})
    assert.equal(await store.queueSignals(rows(2, 3), 10, T0), {queued: 2, dropped: 0})
    assert.is(await store.countSignals(), 5)
    assert.equal(await store.queueSignals(rows(5, 4), 6, T0), {queued: 4, dropped: 3})
    assert.is(await store.ctiState('signals_dropped'), '3')
    await store.queueSignals(rows(9, 1), 6, T0)
    assert.is(await store.ctiState('signals_dropped'), '4')
    const queue = await store.signalQueue(4)
    assert.equal(queue.map((r) => r.alertUuid), ['a4', 'a5', 'a6', 'a7'])
    assert.equal(JSON.parse(queue[0]!.signal), {n: 4})
    assert.is(await store.deleteSignals(queue.map((r) => r.id)), 4)
    assert.equal((await store.signalQueue(50)).map((r) => r.alertUuid), ['a8', 'a9'])
  })

  t('state and leases', async () => {
    assert.is(await store.ctiState('k'), undefined)
    await store.setCtiState('k', 'v1', T0)
    await store.setCtiState('k', 'v2', T0)
    assert.is(await store.ctiState('k'), 'v2')
    await store.setCtiState('k', null, T0)
    assert.is(await store.ctiState('k'), undefined)
    assert.ok(await store.ctiLease('pull', 'a', T0, T0 + 1000))
    assert.not.ok(await store.ctiLease('pull', 'b', T0 + 500, T0 + 1500))
    assert.ok(await store.ctiLease('pull', 'a', T0 + 500, T0 + 1500), 'the holder renews')
    assert.ok(await store.ctiLease('pull', 'b', T0 + 1501, T0 + 2500), 'a lease that ran out is taken over')
    await store.releaseCtiLease('pull', 'a')
    assert.not.ok(await store.ctiLease('pull', 'a', T0 + 1600, T0 + 2600), "another owner's release does nothing")
    await store.releaseCtiLease('pull', 'b')
    assert.ok(await store.ctiLease('pull', 'a', T0 + 1600, T0 + 2600))
  })

  t('a community pull: deletions by value (scope as sent), then re-listed values hard-deleted and the new alert stored', async () => {
    await store.insertAlerts([{...pullAlert('p0', [capi('192.0.2.1', T0 + 1e6), capi('192.0.2.2', T0 + 1e6), capi('192.0.2.0/28', T0 + 1e6, 'Range')])}], T0)
    await store.insertAlerts([{...pullAlert('m0', [capi('192.0.2.2', T0 + 1e6, 'Ip', 'crowdsec')]), kind: ''}], T0)
    const r = await store.replaceOriginDecisions('CAPI', [{values: ['192.0.2.2']}, {scope: 'range', values: ['192.0.2.0/28']}], pullAlert('p1', [capi('192.0.2.1', T0 + 2e6)]), T0 + 10)
    assert.equal({expired: r.expired, replaced: r.replaced, inserted: r.inserted}, {expired: 1, replaced: 1, inserted: 1})
    const active = await store.activeDecisions({}, T0 + 11)
    assert.equal(active.map((d) => `${d.origin} ${d.value} ${d.until - T0}`).sort(), ['CAPI 192.0.2.0/28 1000000', 'CAPI 192.0.2.1 2000000', 'crowdsec 192.0.2.2 1000000'])
    assert.is((await store.allDecisions({origins: ['CAPI'], value: '192.0.2.1'})).length, 1)
    const alerts = await store.queryAlerts({id: r.alertId!}, T0)
    assert.is(alerts[0]!.uuid, 'p1')
    const none = await store.replaceOriginDecisions('CAPI', [], pullAlert('p2', []), T0 + 20)
    assert.equal(none, {expired: 0, replaced: 0, inserted: 0, alertId: null})
  })

  t.run()
}

contract('sqlite', () => openStore({engine: 'sqlite', target: ':memory:'}))

const databases: TestDatabase[] = []
contract('postgres', async () => {
  const db = await postgresUrl()
  databases.push(db)
  return openStore({engine: 'postgres', target: db.url})
}, async () => {
  for (const db of databases.splice(0)) await db.drop()
})
