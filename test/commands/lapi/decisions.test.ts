/**
 * `crowd decisions` and `crowd alerts` on the local store through the built CLI: manual
 * decisions as cscli posts them, flat listings (every match), deletes, imports (all or nothing),
 * alerts in the LAPI shape. Two homes run side by side: decisions and alerts, and imports.
 */
import * as fs from 'node:fs'
import * as os from 'node:os'
import * as path from 'node:path'
import {test} from 'uvu'
import * as assert from 'uvu/assert'
import {assertGolden} from '../../helpers/golden.js'
import {LocalApi} from '../../../src/lapi/client.js'
import {addDecision} from '../../../src/lapi/decisions-admin.js'
import {LapiOperations} from '../../../src/lapi/operations.js'
import {LapiProfiles} from '../../../src/lapi/profiles.js'
import {silentLogger} from '../../../src/model/logger.js'
import {openStore} from '../../../src/store/open.js'
import type {Store} from '../../../src/store/types.js'
import {makeHome, mask, pretty, seconds, type Home} from './helpers.js'

const H = 3600

async function withStore<T>(home: Home, fn: (store: Store) => Promise<T>): Promise<T> {
  const store = await openStore({engine: 'sqlite', target: path.join(home.dir, 'crowd.db')})
  try {
    return await fn(store)
  } finally {
    await store.close()
  }
}

const iso = (ms: number): string => new Date(ms).toISOString().replace(/\.\d+Z$/, 'Z')

/** `n` agent alerts (default profiles: a 4h ban each) straight into the store: more than one page of alerts. */
async function seedAgentAlerts(home: Home, n: number): Promise<void> {
  const now = Date.now()
  const alerts = Array.from({length: n}, (_, i) => {
    const ip = `10.0.${Math.floor(i / 250)}.${(i % 250) + 1}`
    return {scenario: 'crowdsecurity/ssh-bf', scenario_hash: '', scenario_version: '', message: 'm', events_count: 1, start_at: iso(now), stop_at: iso(now),
      capacity: 5, leakspeed: '10s', simulated: false, remediation: true, events: [], source: {scope: 'Ip', value: ip, ip}}
  })
  await withStore(home, async (store) => {
    const ids = (await new LapiOperations(store, new LapiProfiles(undefined, silentLogger), silentLogger).postAlerts(alerts, 'seed')).ids
    assert.is(ids.length, n)
  })
}

/** Countdowns checked against the expected duration (a few seconds of slack), then masked for the golden file. */
function checkDurations(rows: {duration: string}[], expected: number[]): void {
  rows.forEach((r, i) => {
    const left = seconds(r.duration)
    assert.ok(left <= expected[i]! && left > expected[i]! - 60, `${r.duration} vs ${expected[i]}s`)
  })
}

async function decisionsAndAlerts(home: Home): Promise<void> {
  await seedAgentAlerts(home, 105)
  const ip = await home.json(['decisions', 'add', '--ip', '192.0.2.7'])
  assert.is(ip.status, 0, ip.stderr)
  assertGolden('lapi-decisions-add.json', pretty(ip.body))
  const range = await home.json(['decisions', 'add', '--range', '198.51.100.0/24', '--duration', '1d12h', '--type', 'captcha', '--reason', 'scanner <&> "x"'])
  assert.equal(range.body, {alert_id: '107', scope: 'Range', value: '198.51.100.0/24', type: 'captcha', duration: '1d12h'})
  // a third one straight into the store (the command's path is the same library call, tested in process)
  const country = await withStore(home, (store) =>
    addDecision(new LocalApi(store, new LapiOperations(store, new LapiProfiles(undefined, silentLogger), silentLogger), os.hostname()), {scope: 'country', value: 'XX', duration: '7d'}, os.hostname()))
  assert.equal(country, {alert_id: '108', scope: 'Country', value: 'XX', type: 'ban', duration: '7d'})

  const [all, cscli] = await Promise.all([home.json(['decisions', 'list']), home.json(['decisions', 'list', '--origin', 'cscli', '--limit', '3'])])
  assert.is(all.status, 0, all.stderr)
  assert.is(all.body.length, 108, 'every match, beyond 100 alerts')
  assert.equal(all.body.map((d: {id: number}) => d.id), Array.from({length: 108}, (_, i) => i + 1))
  assert.equal(Object.keys(all.body[0]), ['id', 'alert_id', 'origin', 'type', 'scope', 'value', 'scenario', 'duration', 'simulated'])
  checkDurations(cscli.body, [4 * H, 36 * H, 168 * H])
  const hostname = cscli.body[0].scenario.replace(/^manual 'ban' from '(.*)'$/, '$1')
  assertGolden('lapi-decisions-list.json', pretty((mask(cscli.body, ['duration']) as any[]).map((d: any) => ({...d, scenario: d.scenario.replace(`from '${hostname}'`, "from '<hostname>'")}))))

  const deleted = await home.json(['decisions', 'delete', '--ip', '192.0.2.7'])
  assert.equal(deleted.body, {deleted: 1})
  const noFilter = await home.json(['decisions', 'delete'])
  assert.is(noFilter.status, 2)
  assert.match(noFilter.body.error.errors[0].message, '--all')
  const byId = await home.json(['decisions', 'delete', '--id', '107'])
  assert.equal(byId.body, {deleted: 1})
  const missingId = await home.json(['decisions', 'delete', '--id', '9999'])
  assert.is(missingId.status, 5, JSON.stringify(missingId.body))

  const alerts = await home.json(['alerts', 'list', '--origin', 'cscli'])
  assert.is(alerts.status, 0, alerts.stderr)
  assert.equal(alerts.body.map((a: {id: number}) => a.id), [108, 107, 106], 'newest first')
  const a106 = alerts.body[2]
  assert.equal(a106.decisions.map((d: {simulated: boolean; duration: string}) => [d.simulated, d.duration.startsWith('-') || d.duration === '0s']), [[false, true]], 'expired, still listed')
  assert.is(a106.events, null)
  assert.is(a106.labels, null)
  assert.is(a106.kind, 'cscli')
  const normalised = mask(alerts.body, ['created_at', 'start_at', 'stop_at', 'uuid', 'duration', 'machine_id', 'message', 'scenario'])
  assertGolden('lapi-alerts-list.json', pretty(normalised))
  const inspect = await home.json(['alerts', 'inspect', '106'])
  assert.equal(mask(inspect.body, ['duration']), mask(a106, ['duration']))
  const [del, noAlertFilter] = await Promise.all([home.json(['alerts', 'delete', '--id', '106']), home.json(['alerts', 'delete'])])
  assert.equal(del.body, {deleted: 1})
  assert.is(noAlertFilter.status, 2)
  assert.equal(await withStore(home, async (s) => (await s.queryAlerts({id: 106}, Date.now())).length), 0)
}

async function imports(home: Home): Promise<void> {
  const file = (name: string, text: string): string => {
    const p = path.join(home.dir, name)
    fs.writeFileSync(p, text)
    return p
  }
  const csv = file('bans.csv', 'value,duration,type,scope,reason\n203.0.113.1,1h,ban,,csv row\n"203.0.113.0/24",,captcha,Range,\n')
  const json = file('bans.json', JSON.stringify([{value: '203.0.113.50', duration: '2h'}, {value: '64500', scope: 'AS', type: 'captcha', reason: 'asn'}]))
  const values = file('ips.txt', '# one per line\n203.0.113.60\n\n203.0.113.61\n2001:db8::7\n')
  const badCsv = file('bad.csv', 'value,duration\n203.0.113.70,1h\nnot-an-ip,1h\n203.0.113.71,soon\n')

  // the bad file first: nothing at all is imported
  const bad = await home.json(['decisions', 'import', badCsv])
  assert.is(bad.status, 3, JSON.stringify(bad.body))
  assert.equal(bad.body.error.errors.map((e: {code: string; file: string; line: number; message: string}) => [e.code, e.file, e.line]), [['input', badCsv, 3], ['input', badCsv, 4]])
  assert.match(bad.body.error.errors[0].message, "'not-an-ip' is not a valid IP address")
  assert.match(bad.body.error.errors[1].message, "invalid duration 'soon'")
  assert.equal(await withStore(home, (s) => s.allDecisions({includeSimulated: true})), [], 'nothing imported')

  const c = await home.json(['decisions', 'import', csv])
  assert.is(c.status, 0, c.stderr)
  assert.equal(c.body, {imported: 2, alerts: ['1']})
  const j = await home.json(['decisions', 'import', json, '--duration', '30m'])
  assert.equal(j.body, {imported: 2, alerts: ['2']})
  const v = await home.run(['decisions', 'import', values, '--type', 'captcha'])
  assert.is(v.stdout, '3 decisions imported\n')

  const stored = await withStore(home, (s) => s.allDecisions({includeSimulated: true}))
  assert.equal(stored.map((d) => [d.origin, d.scope, d.value, d.type, d.scenario, Math.round((d.until - d.createdAt) / 60_000)]), [
    ['cscli-import', 'Ip', '203.0.113.1', 'ban', 'csv row', 60],
    ['cscli-import', 'Range', '203.0.113.0/24', 'captcha', 'manual import', 240],
    ['cscli-import', 'Ip', '203.0.113.50', 'ban', 'manual import', 120],
    ['cscli-import', 'AS', '64500', 'captcha', 'asn', 30],
    ['cscli-import', 'Ip', '203.0.113.60', 'captcha', 'manual import', 240],
    ['cscli-import', 'Ip', '203.0.113.61', 'captcha', 'manual import', 240],
    ['cscli-import', 'Ip', '2001:db8::7', 'captcha', 'manual import', 240],
  ])
  // decision-level filters find imported decisions (their alert's source is the file, not the value)
  const byValue = await home.json(['decisions', 'list', '--value', '203.0.113.1'])
  assert.equal(byValue.body.map((d: {value: string}) => d.value), ['203.0.113.1'])
}

test('decisions add/list/delete and alerts list/inspect/delete on the local store; decisions import, all or nothing', async () => {
  await Promise.all([decisionsAndAlerts(makeHome('decisions')), imports(makeHome('imports'))])
})

test.run()
