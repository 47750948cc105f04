/**
 * The store queries of the console (src/lapi/console): alertStats, latestDecisions, changeMarks,
 * on SQLite and on PostgreSQL (CI's server, or a private cluster when PostgreSQL is installed).
 */
import {suite} from 'uvu'
import * as assert from 'uvu/assert'
import {postgresBin, postgresUrl, type TestDatabase} from '../helpers/postgres.js'
import {openStore} from '../../src/store/open.js'
import type {Store} from '../../src/store/types.js'
import {alert, decision, H, M, T0} from './contract.js'

function queries(engine: string, open: () => Promise<Store>, after: () => Promise<void>): void {
  const s = suite(`console queries (${engine})`)
  s.after(after)

  s('alertStats: per bucket in [since, until), top sources and scenarios by count', async () => {
    const store = await open()
    try {
      const a = (ip: string, scenario: string) => alert(ip, {decisions: [decision({value: ip, scenario})], source: {scope: 'Ip', value: ip, ip, range: '', asNumber: '', asName: 'AS-X', cn: 'DE', latitude: 0, longitude: 0}})
      await store.insertAlerts([a('192.0.2.1', 'x/ssh-bf'), a('192.0.2.1', 'x/ssh-bf')], T0 - 2 * H)
      await store.insertAlerts([a('192.0.2.1', 'x/http'), a('192.0.2.2', 'x/http'), a('192.0.2.3', 'x/http')], T0 - 30 * M)
      await store.insertAlerts([a('192.0.2.9', 'x/old')], T0 - 30 * H)
      const stats = await store.alertStats({since: T0 - 3 * H, until: T0, bucketMs: H, top: 2})
      assert.is(stats.total, 5)
      assert.equal(stats.buckets, [0, 2, 3])
      assert.equal(stats.sources, [{scope: 'Ip', value: '192.0.2.1', cn: 'DE', asName: 'AS-X', count: 3}, {scope: 'Ip', value: '192.0.2.2', cn: 'DE', asName: 'AS-X', count: 1}])
      assert.equal(stats.scenarios, [{scenario: 'x/http', count: 3}, {scenario: 'x/ssh-bf', count: 2}])
      const empty = await store.alertStats({since: T0, until: T0 + H, bucketMs: 15 * M, top: 5})
      assert.equal(empty, {total: 0, buckets: [0, 0, 0, 0], sources: [], scenarios: []})
    } finally {
      await store.close()
    }
  })

  s('latestDecisions: active ones, newest first, filtered, limited; changeMarks move with alerts, decisions and time', async () => {
    const store = await open()
    try {
      assert.equal(await store.changeMarks(T0), {lastAlertId: 0, lastDecisionId: 0, activeDecisions: 0})
      await store.insertAlerts([alert('a', {decisions: [decision({value: '192.0.2.1'}), decision({value: '192.0.2.2', until: T0 + H}), decision({value: '192.0.2.3', until: T0 - H})]})], T0 - 2 * H)
      const all = await store.latestDecisions({}, T0, 10)
      assert.equal(all.map((d) => d.value), ['192.0.2.2', '192.0.2.1'])
      assert.equal((await store.latestDecisions({}, T0, 1)).map((d) => d.value), ['192.0.2.2'])
      assert.equal((await store.latestDecisions({value: '192.0.2.1'}, T0, 10)).map((d) => d.value), ['192.0.2.1'])
      const marks = await store.changeMarks(T0)
      assert.ok(marks.lastAlertId > 0)
      assert.ok(marks.lastDecisionId > 0)
      assert.is(marks.activeDecisions, 2)
      assert.is((await store.changeMarks(T0 + 2 * H)).activeDecisions, 1, 'one ended meanwhile')
    } finally {
      await store.close()
    }
  })

  s.run()
}

queries('sqlite', () => openStore({engine: 'sqlite', target: ':memory:'}), async () => {})

if (process.env.CROWD_TEST_PG_URL || postgresBin() !== null) {
  const databases: TestDatabase[] = []
  queries('postgres', async () => {
    const db = await postgresUrl()
    databases.push(db)
    return openStore({engine: 'postgres', target: db.url})
  }, async () => {
    for (const db of databases.splice(0)) await db.drop()
  })
} else console.log('  SKIPPED (console queries on postgres): no PostgreSQL installed and no CROWD_TEST_PG_URL')
