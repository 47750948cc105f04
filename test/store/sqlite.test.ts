import * as fs from 'node:fs'
import * as os from 'node:os'
import * as path from 'node:path'
import {suite} from 'uvu'
import * as assert from 'uvu/assert'
import {openStore, storeLocation} from '../../src/store/open.js'
import {SCHEMA_VERSION} from '../../src/store/schema.js'
import {SqlStore} from '../../src/store/sql-store.js'
import {SqliteDriver} from '../../src/store/sqlite-driver.js'
import {StoreError} from '../../src/store/types.js'
import {alert, decision, runStoreContract, T0} from './contract.js'

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'crowd-store-sqlite-'))
let files = 0
const newFile = () => path.join(root, `t${++files}`, 'crowd.db')

runStoreContract('sqlite', (location) => openStore({engine: 'sqlite', target: location ?? newFile()}))

const s = suite('store: sqlite specifics')
s.after(() => fs.rmSync(root, {recursive: true, force: true}))

s('two stores opening the same fresh file together migrate once', async () => {
  const file = newFile()
  fs.mkdirSync(path.dirname(file), {recursive: true})
  const stores = await Promise.all([0, 1, 2].map(() => SqlStore.open(new SqliteDriver(file))))
  for (const store of stores) assert.is(await store.schemaVersion(), SCHEMA_VERSION)
  assert.is(Number((await stores[0]!.driver.all('SELECT COUNT(*) AS n FROM crowd_schema'))[0]!.n), 1)
  // a write through one is seen by the others (a crowd command next to the LAPI)
  await stores[1]!.insertAlerts([alert('x', {decisions: [decision({value: '1.2.3.4'})]})], T0)
  assert.is((await stores[2]!.activeDecisions({}, T0)).length, 1)
  for (const store of stores) await store.close()
})

s("a database from a newer crowd is refused ('invalid')", async () => {
  const file = newFile()
  fs.mkdirSync(path.dirname(file), {recursive: true})
  const store = await SqlStore.open(new SqliteDriver(file))
  await store.driver.run('UPDATE crowd_schema SET version = ?', [SCHEMA_VERSION + 1])
  await store.close()
  try {
    await openStore({engine: 'sqlite', target: file})
    assert.unreachable('should refuse')
  } catch (error) {
    assert.instance(error, StoreError)
    assert.is((error as StoreError).kind, 'invalid')
    assert.match((error as StoreError).message, /newer than this crowd knows/)
  }
})

s("a file that cannot be opened is 'unavailable'", async () => {
  const dir = path.join(root, 'a-directory.db')
  fs.mkdirSync(dir, {recursive: true})
  try {
    await openStore({engine: 'sqlite', target: dir})
    assert.unreachable('should fail')
  } catch (error) {
    assert.instance(error, StoreError)
    assert.is((error as StoreError).kind, 'unavailable')
  }
})

s(':memory: works', async () => {
  const store = await openStore({engine: 'sqlite', target: ':memory:'})
  assert.is(await store.schemaVersion(), SCHEMA_VERSION)
  await store.addMachine({machineId: 'm', passwordHash: 'h'}, T0)
  assert.is((await store.listMachines()).length, 1)
  await store.close()
})

s('storeLocation: sqlite file, :memory:, postgres URL, other schemes refused without their password', () => {
  assert.equal(storeLocation(undefined, '/data'), {engine: 'sqlite', target: '/data/crowd.db'})
  assert.equal(storeLocation('', '/data'), {engine: 'sqlite', target: '/data/crowd.db'})
  assert.equal(storeLocation('db/x.db', '/data'), {engine: 'sqlite', target: '/data/db/x.db'})
  assert.equal(storeLocation('sqlite:///var/lib/crowd.db', '/data'), {engine: 'sqlite', target: '/var/lib/crowd.db'})
  assert.equal(storeLocation('sqlite://x.db', '/data'), {engine: 'sqlite', target: '/data/x.db'})
  assert.equal(storeLocation(':memory:', '/data'), {engine: 'sqlite', target: ':memory:'})
  assert.equal(storeLocation('postgres://u:p@h:5432/db', '/data'), {engine: 'postgres', target: 'postgres://u:p@h:5432/db'})
  assert.equal(storeLocation('postgresql://h/db', '/data'), {engine: 'postgres', target: 'postgresql://h/db'})
  try {
    storeLocation('mysql://user:secret@h/db', '/data')
    assert.unreachable('mysql is refused')
  } catch (error) {
    assert.instance(error, StoreError)
    assert.is((error as StoreError).kind, 'invalid')
    assert.not.match((error as StoreError).message, /secret/)
  }
})

s.run()
