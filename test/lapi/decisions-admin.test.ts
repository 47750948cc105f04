/**
 * The logic of `crowd decisions`, `crowd alerts`, `crowd machines` and `crowd bouncers` in process
 * (src/lapi/decisions-admin.ts, admin.ts) on an in-memory store: the CLI tests only check what
 * the process adds (flags, --json, exit codes).
 */
import * as fs from 'node:fs'
import * as os from 'node:os'
import * as path from 'node:path'
import {test} from 'uvu'
import * as assert from 'uvu/assert'
import {addBouncer, addMachine, deleteBouncer, deleteMachine, machineView, validateMachine} from '../../src/lapi/admin.js'
import {verifyPassword} from '../../src/lapi/auth.js'
import {LocalApi} from '../../src/lapi/client.js'
import {addDecision, deleteDecisions, importDecisions, listDecisions, manualDecisionAlert, readImportFile} from '../../src/lapi/decisions-admin.js'
import {LapiOperations} from '../../src/lapi/operations.js'
import {LapiProfiles} from '../../src/lapi/profiles.js'
import {CrowdError, CrowdErrorList} from '../../src/model/errors.js'
import {silentLogger} from '../../src/model/logger.js'
import type {Store} from '../../src/store/types.js'
import {memoryStore, T0, rejectsWith} from './harness.js'

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'crowd-decisions-admin-'))
const file = (name: string, text: string): string => {
  const p = path.join(tmp, name)
  fs.writeFileSync(p, text)
  return p
}

async function local(clock = {now: T0}): Promise<{api: LocalApi; store: Store}> {
  const store = await memoryStore()
  return {api: new LocalApi(store, new LapiOperations(store, new LapiProfiles(undefined, silentLogger), silentLogger, () => clock.now), 'host1'), store}
}

function crowdError(fn: () => unknown, code: string, text: string): CrowdError {
  try {
    fn()
  } catch (error) {
    assert.instance(error, CrowdError)
    assert.is((error as CrowdError).code, code)
    assert.match((error as CrowdError).message, text)
    return error as CrowdError
  }
  assert.unreachable(`expected a CrowdError ${code}`)
  throw new Error('unreachable')
}


test('manualDecisionAlert: the alert cscli posts (lapi.md §4.1)', () => {
  assert.equal(manualDecisionAlert({ip: '1.2.3.4'}, 'localhost', Date.parse('2026-07-24T10:00:00Z')), {
    capacity: 0, events_count: 1, leakspeed: '0', message: "manual 'ban' from 'localhost'", scenario: "manual 'ban' from 'localhost'",
    scenario_hash: '', scenario_version: '', simulated: false, remediation: true, kind: 'cscli', events: [],
    start_at: '2026-07-24T10:00:00Z', stop_at: '2026-07-24T10:00:00Z', source: {scope: 'Ip', value: '1.2.3.4', ip: '1.2.3.4'},
    decisions: [{duration: '4h', origin: 'cscli', scenario: "manual 'ban' from 'localhost'", scope: 'Ip', type: 'ban', value: '1.2.3.4'}],
  })
  const r = manualDecisionAlert({range: '10.0.0.0/8', duration: '7d', type: 'captcha', reason: 'r'}, 'm', T0)
  assert.equal(r.source, {scope: 'Range', value: '10.0.0.0/8', range: '10.0.0.0/8'})
  assert.equal(manualDecisionAlert({scope: 'as', value: '64500'}, 'm', T0).source, {scope: 'AS', value: '64500'})
  crowdError(() => manualDecisionAlert({ip: '10.0.0.0/8'}, 'm', T0), 'usage', 'not a valid IP')
  crowdError(() => manualDecisionAlert({range: '10.0.0.1'}, 'm', T0), 'usage', 'not a valid range')
  crowdError(() => manualDecisionAlert({scope: 'Ip', value: 'host'}, 'm', T0), 'usage', "'host' is not a valid IP address")
  crowdError(() => manualDecisionAlert({scope: 'Country'}, 'm', T0), 'usage', '--ip')
  crowdError(() => manualDecisionAlert({scope: 'Country', value: ''}, 'm', T0), 'usage', 'empty')
  for (const d of ['0s', '-1h', 'soon', '4x']) crowdError(() => manualDecisionAlert({ip: '1.2.3.4', duration: d}, 'm', T0), 'usage', `invalid duration '${d}'`)
})

test('readImportFile: CSV (quotes, CRLF, comments, header names), JSON, values; defaults for missing columns', () => {
  const defaults = {duration: '1h', type: 'ban', scope: 'Ip', reason: 'r'}
  const csv = readImportFile(file('a.csv', 'Value,Duration,Type,Scope,Reason\r\n"1.2.3.4",2h,,,"a, ""quoted"" reason"\r\n# comment\r\n\r\n10.0.0.0/8,,captcha,range,\r\n'), 'auto', defaults)
  assert.equal(csv.map((r) => [r.value, r.duration, r.type, r.scope, r.reason, r.line]), [
    ['1.2.3.4', '2h', 'ban', 'Ip', 'a, "quoted" reason', 2],
    ['10.0.0.0/8', '1h', 'captcha', 'Range', 'r', 5],
  ])
  const json = readImportFile(file('b.data', ' [{"value": "1.2.3.4", "scenario": "s"}, {"value": 64500, "scope": "AS"}]'), 'auto', defaults)
  assert.equal(json.map((r) => [r.value, r.scope, r.reason]), [['1.2.3.4', 'Ip', 's'], ['64500', 'AS', 'r']])
  const values = readImportFile(file('c.txt', '1.2.3.4\n  5.6.7.8  \n#x\n'), 'auto', {})
  assert.equal(values.map((r) => [r.value, r.duration, r.type, r.scope, r.reason, r.line]), [['1.2.3.4', '4h', 'ban', 'Ip', 'manual import', 1], ['5.6.7.8', '4h', 'ban', 'Ip', 'manual import', 2]])
  assert.is(readImportFile(file('d.csv', '1.2.3.4\n'), 'values', {}).length, 1, '--format wins over the extension')
})

test('readImportFile: every bad row reported with file and line; a bad file is one error', () => {
  const bad = file('bad.csv', 'value,duration\n1.2.3.4,1h\nnope,1h\n5.6.7.8,later\n,1h\n')
  try {
    readImportFile(bad, 'auto', {})
    assert.unreachable()
  } catch (error) {
    assert.instance(error, CrowdErrorList)
    const errors = (error as CrowdErrorList).errors
    assert.equal(errors.map((e) => [e.code, e.file, e.line]), [['input', bad, 3], ['input', bad, 4], ['input', bad, 5]])
    assert.match(errors[0]!.message, `'nope' is not a valid IP address (${bad}:3)`)
    assert.match(errors[2]!.message, 'no value')
  }
  crowdError(() => readImportFile(file('noval.csv', 'ip,duration\n1.2.3.4,1h\n'), 'auto', {}), 'input', "no 'value' column")
  crowdError(() => readImportFile(file('bad.json', '[{"value": "1.2.3.4"}, {"duration": "1h"}]'), 'auto', {}), 'input', 'item 2: no value')
  crowdError(() => readImportFile(file('broken.json', '[{"value": '), 'auto', {}), 'input', 'invalid JSON')
  crowdError(() => readImportFile(file('obj.json', '{"value": "1.2.3.4"}'), 'json', {}), 'input', 'a list of objects')
  crowdError(() => readImportFile(path.join(tmp, 'missing.csv'), 'auto', {}), 'input', 'ENOENT')
  crowdError(() => readImportFile(file('range.txt', '10.0.0.0/33\n'), 'values', {scope: 'Range'}), 'input', 'not a valid range')
})

test('LocalApi: add, list (every match, filters on the decision, not the alert source), delete, import', async () => {
  const clock = {now: T0}
  const {api, store} = await local(clock)
  assert.equal(await addDecision(api, {ip: '192.0.2.7'}, 'host1', T0), {alert_id: '1', scope: 'Ip', value: '192.0.2.7', type: 'ban', duration: '4h'})
  await addDecision(api, {range: '198.51.100.0/24', duration: '1d', type: 'captcha'}, 'host1', T0)
  await addDecision(api, {scope: 'Country', value: 'XX'}, 'host1', T0)
  const rows = readImportFile(file('imp.csv', 'value,scope,duration\n203.0.113.1,,1h\n64500,AS,2h\n'), 'auto', {})
  assert.equal(await importDecisions(api, rows, 'imp.csv', T0), {imported: 2, alerts: ['4']})
  // 150 more alerts: more than one default page of GET /v1/alerts
  await api.postAlerts(Array.from({length: 150}, (_, i) => manualDecisionAlert({ip: `10.1.0.${i + 1}`}, 'host1', T0)))

  const values = async (t: Parameters<typeof listDecisions>[1], o: Parameters<typeof listDecisions>[2] = {}): Promise<string[]> => (await listDecisions(api, t, o)).map((d) => d.value)
  assert.is((await listDecisions(api, {})).length, 155)
  assert.equal(await values({}, {limit: 3}), ['192.0.2.7', '198.51.100.0/24', 'XX'])
  assert.equal(await values({value: '203.0.113.1'}), ['203.0.113.1'], 'an imported decision, whose alert source is the file')
  assert.equal(await values({scope: 'as'}), ['64500'])
  assert.equal(await values({ip: '198.51.100.9'}), ['198.51.100.0/24'])
  assert.equal(await values({range: '198.51.100.0/25'}), ['198.51.100.0/24'])
  assert.equal(await values({type: 'captcha'}), ['198.51.100.0/24'])
  assert.equal(await values({origin: 'cscli-import'}), ['203.0.113.1', '64500'])
  assert.equal(await values({scenario: "manual 'ban' from 'host1'", limit: undefined} as never, {limit: 2}), ['192.0.2.7', 'XX'])
  const first = (await listDecisions(api, {value: '192.0.2.7'}))[0]!
  assert.equal(first, {id: 1, alert_id: 1, origin: 'cscli', type: 'ban', scope: 'Ip', value: '192.0.2.7', scenario: "manual 'ban' from 'host1'", duration: '4h0m0s', simulated: false})
  await rejectsWith(listDecisions(api, {ip: '10.0.0.0/8'}), 'usage', 'not a valid IP')

  // delete: by filter (decision-level, like the list), by id, all; the list follows
  assert.equal(await deleteDecisions(api, {value: '203.0.113.1'}), {deleted: 1})
  assert.equal(await deleteDecisions(api, {scope: 'as'}), {deleted: 1})
  assert.equal(await deleteDecisions(api, {id: '2'}), {deleted: 1})
  await rejectsWith(deleteDecisions(api, {id: '2'}), 'not-found')
  await rejectsWith(deleteDecisions(api, {id: 'x'}), 'usage')
  await rejectsWith(deleteDecisions(api, {}), 'usage', '--all')
  await rejectsWith(deleteDecisions(api, {id: '1', ip: '1.2.3.4'}), 'usage', '--id cannot be combined')
  clock.now = T0 + 1000
  assert.is((await listDecisions(api, {})).length, 152)
  assert.equal((await listDecisions(api, {value: '198.51.100.0/24'}, {includeExpired: true}))[0]!.duration, '-1s')
  assert.equal(await deleteDecisions(api, {all: true}), {deleted: 152})
  clock.now = T0 + 2000
  assert.equal(await listDecisions(api, {}), [])
  await store.close()
})

test('machines and bouncers admin: names checked, secrets shown once and stored hashed, duplicates and unknowns', async () => {
  const store = await memoryStore()
  const creds = path.join(tmp, 'sub', 'creds.yaml')
  const auto = await addMachine(store, {name: 'm1', credentialsFile: creds, url: 'http://lapi:8080/'}, T0)
  assert.match(auto.password!, /^[A-Za-z0-9]{48}$/)
  assert.is(fs.readFileSync(creds, 'utf8'), `url: "http://lapi:8080/"\nlogin: "m1"\npassword: "${auto.password}"\n`)
  assert.equal(await addMachine(store, {name: 'm2', password: 'pw'}, T0), {machine_id: 'm2', role: 'watcher'})
  await rejectsWith(addMachine(store, {name: 'm2', password: 'pw'}, T0), 'usage', 'already exists')
  const forced = await addMachine(store, {name: 'm2', password: 'pw2', force: true, role: 'admin'}, T0)
  assert.is(forced.role, 'admin')
  assert.ok(await verifyPassword('pw2', (await store.getMachine('m2'))!.passwordHash))
  for (const name of ['', 'a b', 'a/b', 'x'.repeat(256), 'tab\there']) await rejectsWith(addMachine(store, {name, password: 'p'}, T0), 'usage', 'invalid machine name')
  await rejectsWith(addMachine(store, {name: 'm3', password: ''}, T0), 'usage')
  await store.addMachine({machineId: 'pending', passwordHash: 'x'}, T0)
  assert.equal(await validateMachine(store, 'pending', T0), {machine_id: 'pending', is_validated: true})
  await rejectsWith(validateMachine(store, 'ghost', T0), 'not-found', "machine 'ghost' does not exist")
  assert.equal(await deleteMachine(store, 'm1'), {machine_id: 'm1', deleted: true})
  await rejectsWith(deleteMachine(store, 'm1'), 'not-found')
  const view = machineView((await store.getMachine('m2'))!)
  assert.equal(Object.keys(view), ['machine_id', 'ip_address', 'is_validated', 'role', 'version', 'auth_type', 'created_at', 'last_push', 'last_heartbeat', 'scenarios'])
  assert.is(view.created_at, '2026-03-02T10:00:00Z')

  const b = await addBouncer(store, 'fw', undefined, T0)
  assert.match(b.api_key, /^[A-Za-z0-9+/]{43}$/)
  assert.equal(await addBouncer(store, 'own', 'my-own-key-1', T0), {name: 'own', api_key: 'my-own-key-1'})
  await rejectsWith(addBouncer(store, 'fw', undefined, T0), 'usage', 'already exists')
  await rejectsWith(addBouncer(store, 'short', 'abc', T0), 'usage', 'at least 8')
  await rejectsWith(addBouncer(store, 'spaced', 'abc def ghi', T0), 'usage')
  assert.equal(await deleteBouncer(store, 'fw'), {name: 'fw', deleted: true})
  await rejectsWith(deleteBouncer(store, 'fw'), 'not-found')
  await store.close()
})

test.run()
