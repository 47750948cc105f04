import * as net from 'node:net'
import {suite} from 'uvu'
import * as assert from 'uvu/assert'
import {postgresUrl, freePort, type TestDatabase} from '../helpers/postgres.js'
import {openStore} from '../../src/store/open.js'
import {PostgresDriver} from '../../src/store/postgres-driver.js'
import {SCHEMA_VERSION} from '../../src/store/schema.js'
import {SqlStore} from '../../src/store/sql-store.js'
import type {Store} from '../../src/store/types.js'
import {StoreError} from '../../src/store/types.js'
import {alert, decision, runStoreContract, T0} from './contract.js'

const databases: TestDatabase[] = []
async function freshDatabase(template?: string): Promise<TestDatabase> {
  const db = await postgresUrl({template})
  databases.push(db)
  return db
}
async function dropDatabases(): Promise<void> {
  for (const db of databases.splice(0)) await db.drop()
}

// Each contract test gets a copy of a database migrated once (much faster than migrating each);
// migrating a fresh database is tested below.
let template: Promise<TestDatabase> | undefined
async function migratedTemplate(): Promise<string> {
  template ??= postgresUrl().then(async (db) => {
    await (await SqlStore.open(new PostgresDriver(db.url))).close()
    return db
  })
  return (await template).name
}

runStoreContract('postgres', async (location) => openStore({engine: 'postgres', target: location ?? (await freshDatabase(await migratedTemplate())).url}), {
  afterEach: dropDatabases,
  after: async () => {
    await (await template)?.drop()
  },
})

/** Rejects when `promise` takes longer than `ms`: a store call must fail, not hang. */
async function within<T>(ms: number, promise: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms)
  })
  try {
    return await Promise.race([promise, timeout])
  } finally {
    clearTimeout(timer)
  }
}

async function unavailable(call: Promise<unknown>, what: string): Promise<void> {
  try {
    await within(10_000, call)
  } catch (error) {
    assert.instance(error, StoreError, `${what}: a StoreError, got ${String(error)}`)
    assert.is((error as StoreError).kind, 'unavailable', `${what}: ${(error as Error).message}`)
    return
  }
  assert.unreachable(`${what} should have failed`)
}

/** A TCP relay in front of the server: stopping it is the server going away, for everyone connected too. */
class Relay {
  #server: net.Server | undefined
  readonly #sockets = new Set<net.Socket>()
  port = 0

  constructor(readonly host: string, readonly targetPort: number) {}

  async start(): Promise<void> {
    const server = net.createServer((client) => {
      const upstream = net.connect(this.targetPort, this.host)
      for (const socket of [client, upstream]) {
        this.#sockets.add(socket)
        socket.on('error', () => {})
        socket.on('close', () => this.#sockets.delete(socket))
      }
      client.on('close', () => upstream.destroy())
      upstream.on('close', () => client.destroy())
      client.pipe(upstream)
      upstream.pipe(client)
    })
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject)
      server.listen(this.port, '127.0.0.1', () => resolve())
    })
    this.port = (server.address() as net.AddressInfo).port
    this.#server = server
  }

  async stop(): Promise<void> {
    const server = this.#server
    this.#server = undefined
    for (const socket of this.#sockets) socket.destroy()
    if (server !== undefined) await new Promise<void>((resolve) => server.close(() => resolve()))
  }
}

const s = suite('store: postgres specifics')
s.after.each(dropDatabases)

s("a server that is not there: opening is 'unavailable', quickly", async () => {
  const port = await freePort()
  await unavailable(SqlStore.open(new PostgresDriver(`postgres://postgres@127.0.0.1:${port}/crowd`)), 'open')
})

s("a server that goes away: calls are 'unavailable' (no hang, no crash); back again, the store works", async () => {
  const db = await freshDatabase()
  const target = new URL(db.url)
  const relay = new Relay(target.hostname, Number(target.port))
  await relay.start()
  const url = new URL(db.url)
  url.port = String(relay.port)
  let store: Store | undefined
  try {
    store = await openStore({engine: 'postgres', target: url.toString()})
    await store.insertAlerts([alert('before', {decisions: [decision({value: '1.2.3.4'})]})], T0)
    await store.addMachine({machineId: 'm1', passwordHash: 'h'}, T0)
    // several pooled connections, idle when the server goes
    await Promise.all([store.listMachines(), store.activeDecisions({}, T0), store.queryAlerts({}, T0)])

    await relay.stop()
    await unavailable(store.activeDecisions({}, T0), 'activeDecisions')
    await unavailable(store.insertAlerts([alert('during', {decisions: [decision({value: '5.6.7.8'})]})], T0), 'insertAlerts')
    await unavailable(store.addMachine({machineId: 'm2', passwordHash: 'h'}, T0), 'addMachine')
    await unavailable(store.decisionStream({startup: true, lastPull: null, now: T0, filter: {}, dedup: true}), 'decisionStream')
    await unavailable(store.flush({maxAge: 1}, T0), 'flush')
    await unavailable(store.schemaVersion(), 'schemaVersion')

    await relay.start()
    assert.is(await within(10_000, store.schemaVersion()), SCHEMA_VERSION)
    assert.equal((await store.activeDecisions({}, T0)).map((d) => d.value), ['1.2.3.4'], 'nothing lost, nothing half-written')
    await store.insertAlerts([alert('after', {decisions: [decision({value: '5.6.7.8'})]})], T0)
    assert.equal((await store.activeDecisions({}, T0)).map((d) => d.value), ['1.2.3.4', '5.6.7.8'])
    assert.equal((await store.listMachines()).map((m) => m.machineId), ['m1'])

    // and once more while a transaction is being written: it fails whole, the next one works
    const writing = store.insertAlerts(Array.from({length: 40}, (_, i) => alert(`bulk${i}`, {decisions: [decision({value: `10.0.0.${i}`})]})), T0)
    const stopped = new Promise<void>((resolve) => setImmediate(() => void relay.stop().then(resolve)))
    try {
      await within(10_000, writing)
    } catch (error) {
      assert.instance(error, StoreError)
      assert.is((error as StoreError).kind, 'unavailable', (error as Error).message)
    }
    await stopped
    await relay.start()
    const bulk = (await within(10_000, store.queryAlerts({}, T0))).filter((a) => a.message.startsWith('bulk'))
    assert.ok(bulk.length === 0 || bulk.length === 40, `all or nothing, got ${bulk.length}`)
  } finally {
    await store?.close()
    await relay.stop()
  }
})

s('two stores opening the same fresh database together migrate once, without error', async () => {
  for (let round = 0; round < 3; round++) {
    const db = await freshDatabase()
    const stores = await Promise.all([0, 1, 2, 3].map(() => SqlStore.open(new PostgresDriver(db.url))))
    try {
      for (const store of stores) assert.is(await store.schemaVersion(), SCHEMA_VERSION)
      assert.is(Number((await stores[0]!.driver.all('SELECT COUNT(*)::int AS n FROM crowd_schema'))[0]!.n), 1)
      await stores[1]!.addMachine({machineId: 'm', passwordHash: 'h'}, T0)
      assert.is((await stores[3]!.listMachines()).length, 1)
    } finally {
      for (const store of stores) await store.close()
    }
  }
})

s("a database from a newer crowd is refused ('invalid')", async () => {
  const db = await freshDatabase()
  const store = await SqlStore.open(new PostgresDriver(db.url))
  await store.driver.run('UPDATE crowd_schema SET version = ?', [SCHEMA_VERSION + 1])
  await store.close()
  try {
    await SqlStore.open(new PostgresDriver(db.url))
    assert.unreachable('should refuse')
  } catch (error) {
    assert.instance(error, StoreError)
    assert.is((error as StoreError).kind, 'invalid')
    assert.match((error as Error).message, /newer than this crowd knows/)
  }
})

s('location hides the password', async () => {
  const db = await freshDatabase()
  const url = new URL(db.url)
  url.password = 'secret'
  const driver = new PostgresDriver(url.toString())
  assert.not.match(driver.location, /secret/)
  assert.match(driver.location, /\*\*\*/)
  await driver.close()
})

s.run()
