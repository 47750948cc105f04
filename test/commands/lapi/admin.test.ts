/**
 * `crowd machines`, `crowd bouncers` and `crowd lapi status` (local) through the built CLI:
 * --json shapes (golden), secrets shown once and never listed, exit codes.
 * Machines and bouncers run in two homes side by side.
 */
import * as fs from 'node:fs'
import * as path from 'node:path'
import {test} from 'uvu'
import * as assert from 'uvu/assert'
import {assertGolden} from '../../helpers/golden.js'
import {addBouncer} from '../../../src/lapi/admin.js'
import {verifyPassword} from '../../../src/lapi/auth.js'
import {openStore} from '../../../src/store/open.js'
import {SCHEMA_VERSION} from '../../../src/store/schema.js'
import {makeHome, mask, pretty, type Home} from './helpers.js'

// an address nothing listens on, so that `lapi status` reports "not answering" deterministically
const TOML = '[lapi]\nlisten = "127.0.0.1:9"\n'

async function machines(home: Home): Promise<void> {
  const add = await home.json(['machines', 'add', 'web01', '--password', 's3cret'])
  assert.is(add.status, 0, add.stderr)
  assertGolden('lapi-machines-add.json', pretty(add.body))

  const creds = path.join(home.dir, 'creds', 'local_api_credentials.yaml')
  const auto = await home.json(['machines', 'add', 'auto01', '--auto', '--file', creds, '--url', 'http://127.0.0.1:8081/', '--role', 'admin'])
  assert.is(auto.status, 0, auto.stderr)
  assert.match(auto.body.password, /^[A-Za-z0-9]{48}$/)
  assert.equal(Object.keys(auto.body).sort(), ['credentials_file', 'machine_id', 'password', 'role'])
  assert.is(auto.body.role, 'admin')
  assert.is(auto.body.credentials_file, creds)
  assert.is(fs.readFileSync(creds, 'utf8'), `url: "http://127.0.0.1:8081/"\nlogin: "auto01"\npassword: "${auto.body.password}"\n`)
  assert.is(fs.statSync(creds).mode & 0o777, 0o600)

  const deleted = await home.json(['machines', 'delete', 'auto01'])
  assert.is(deleted.status, 0)
  assert.equal(deleted.body, {machine_id: 'auto01', deleted: true})
  const gone = await home.run(['machines', 'delete', 'auto01'])
  assert.is(gone.status, 5)
  assert.match(gone.stderr, "machine 'auto01' does not exist")
  assert.is(gone.stdout, '')

  const list = await home.run(['machines', 'list', '--json'])
  assert.is(list.status, 0, list.stderr)
  assert.not.match(list.stdout, /scrypt|password_hash|s3cret/i, 'no hash, no password in the listing')
  assertGolden('lapi-machines-list.json', pretty(mask(JSON.parse(list.stdout), ['created_at'])))

  // the store holds hashes that verify, and the validated flag set by `add`
  const store = await openStore({engine: 'sqlite', target: path.join(home.dir, 'crowd.db')})
  try {
    const web01 = (await store.getMachine('web01'))!
    assert.ok(await verifyPassword('s3cret', web01.passwordHash))
    assert.is(web01.isValidated, true)
    // a self-registered machine (not validated) is validated by the command
    await store.addMachine({machineId: 'pending', passwordHash: 'x', isValidated: false}, Date.now())
  } finally {
    await store.close()
  }
  const validated = await home.json(['machines', 'validate', 'pending'])
  assert.is(validated.status, 0, validated.stderr)
  assert.equal(validated.body, {machine_id: 'pending', is_validated: true})
}

/** A bouncer with a key of its own, straight into the store (the --key flag is the same library call). */
async function addOwnKey(home: Home): Promise<void> {
  const store = await openStore({engine: 'sqlite', target: path.join(home.dir, 'crowd.db')})
  try {
    assert.equal(await addBouncer(store, 'nginx', 'my-own-key-123'), {name: 'nginx', api_key: 'my-own-key-123'})
  } finally {
    await store.close()
  }
}

async function bouncers(home: Home): Promise<void> {
  const add = await home.json(['bouncers', 'add', 'fw'])
  assert.is(add.status, 0, add.stderr)
  assert.equal(Object.keys(add.body), ['name', 'api_key'])
  assert.match(add.body.api_key, /^[A-Za-z0-9+/]{43}$/)
  assertGolden('lapi-bouncers-add.json', pretty(mask(add.body, ['api_key'])))
  // human output: the key shown once
  const human = await home.run(['bouncers', 'add', 'custom'])
  assert.match(human.stdout, /API key for 'custom':\n\n   [A-Za-z0-9+/]{43}\n/)

  const deleted = await home.json(['bouncers', 'delete', 'custom'])
  assert.equal(deleted.body, {name: 'custom', deleted: true})

  await addOwnKey(home)
  const list = await home.run(['bouncers', 'list', '--json'])
  assert.is(list.status, 0, list.stderr)
  assert.not.match(list.stdout, add.body.api_key)
  assert.not.match(list.stdout, /[0-9a-f]{128}/, 'no key hash')
  assertGolden('lapi-bouncers-list.json', pretty(mask(JSON.parse(list.stdout), ['created_at'])))

  const status = await home.json(['lapi', 'status'])
  assert.is(status.status, 0, status.stderr)
  assert.is(status.body.store.location, path.join(home.dir, 'crowd.db'))
  assert.is(status.body.store.schema_version, SCHEMA_VERSION)
  assertGolden('lapi-status-local.json', pretty(mask(status.body, ['location', 'schema_version'])))
}

test('machines and bouncers: add (secrets once), list (no hashes), validate, delete; lapi status on the local store', async () => {
  await Promise.all([machines(makeHome('machines', TOML)), bouncers(makeHome('bouncers', TOML))])
})

test('a store that cannot be opened => exit 4 (service)', async () => {
  const home = makeHome('badstore', '[store]\nurl = "/dev/null/nope/crowd.db"\n')
  const r = await home.json(['machines', 'list'])
  assert.is(r.status, 4, JSON.stringify(r.body))
  assert.is(r.body.error.errors[0].code, 'store')
})

test.run()
