/**
 * `crowd lapi serve` as a process, and the commands of a second crowd home going through it with
 * `[lapi.credentials]`: what they add and delete lands in the server's store, bouncers see it.
 */
import {spawn, type ChildProcess} from 'node:child_process'
import * as fs from 'node:fs'
import * as http from 'node:http'
import * as path from 'node:path'
import {test} from 'uvu'
import * as assert from 'uvu/assert'
import {addBouncer, addMachine} from '../../../src/lapi/admin.js'
import {openStore} from '../../../src/store/open.js'
import {BIN, ROOT} from '../../helpers/run-cli.js'
import {makeHome, seconds} from './helpers.js'

const server = makeHome('serve')
let child: ChildProcess | undefined
test.after(() => {
  if (child !== undefined && child.exitCode === null) child.kill('SIGKILL')
})

function get(url: string, headers: Record<string, string>): Promise<{status: number; text: string}> {
  return new Promise((resolve, reject) => {
    http.get(url, {headers, agent: false}, (res) => {
      let text = ''
      res.setEncoding('utf8').on('data', (c: string) => (text += c)).on('end', () => resolve({status: res.statusCode ?? 0, text}))
    }).on('error', reject)
  })
}

test('lapi serve: listens, serves the commands of a remote home, stops on SIGTERM with exit 0', async () => {
  const store = await openStore({engine: 'sqlite', target: path.join(server.dir, 'crowd.db')})
  let key: string
  try {
    await addMachine(store, {name: 'remote1', password: 'pw-remote'})
    key = (await addBouncer(store, 'fw')).api_key
  } finally {
    await store.close()
  }

  child = spawn(process.execPath, [BIN, 'lapi', 'serve', '--listen', '127.0.0.1:0', '--json'], {cwd: ROOT, env: {...process.env, NO_COLOR: '1', ...server.env}, stdio: ['ignore', 'pipe', 'pipe']})
  let stdout = ''
  let stderr = ''
  child.stdout!.setEncoding('utf8').on('data', (c: string) => (stdout += c))
  const exited = new Promise<number | null>((resolve) => child!.on('exit', (code) => resolve(code)))
  const url = await new Promise<string>((resolve, reject) => {
    child!.stderr!.setEncoding('utf8').on('data', (c: string) => {
      stderr += c
      const m = /crowd lapi listening on (http:\/\/127\.0\.0\.1:\d+\/)/.exec(stderr)
      if (m !== null) resolve(m[1]!)
    })
    void exited.then((code) => reject(new Error(`lapi serve exited (${code}) before listening: ${stderr}`)))
    setTimeout(() => reject(new Error(`lapi serve did not listen within 30 s: ${stderr}`)), 30_000).unref()
  })
  assert.match(stderr, `(store: sqlite ${path.join(server.dir, 'crowd.db')})`)

  const client = makeHome('client', `[lapi.credentials]\nurl = "${url}"\nmachine_id = "remote1"\npassword = "pw-remote"\n`)
  const intruder = makeHome('intruder', `[lapi.credentials]\nurl = "${url}"\nmachine_id = "remote1"\npassword = "wrong"\n`)

  const add = await client.json(['decisions', 'add', '--ip', '203.0.113.9', '--duration', '2h'])
  assert.is(add.status, 0, add.stderr)
  assert.equal(add.body, {alert_id: '1', scope: 'Ip', value: '203.0.113.9', type: 'ban', duration: '2h'})
  const live = await get(`${url}v1/decisions?ip=203.0.113.9`, {'X-Api-Key': key, 'User-Agent': 'test/1'})
  assert.match(live.text, /^\[\{"duration":"(2h0m0s|1h59m\d+s)","id":1,"origin":"cscli","scenario":"manual 'ban' from 'remote1'","scope":"Ip","type":"ban","value":"203.0.113.9"\}\]$/)

  const [list, alerts, status, refused, busy] = await Promise.all([
    client.json(['decisions', 'list']),
    client.json(['alerts', 'list']),
    client.json(['lapi', 'status']),
    intruder.json(['decisions', 'list']),
    makeHome('busy').json(['lapi', 'serve', '--listen', new URL(url).host]),
  ])
  // a second server on the same address: a configuration error (exit 2), not a crash
  assert.is(busy.status, 2, JSON.stringify(busy.body))
  assert.match(busy.body.error.errors[0].message, 'EADDRINUSE')
  assert.equal(list.body.map((d: {id: number; value: string; origin: string}) => [d.id, d.value, d.origin]), [[1, '203.0.113.9', 'cscli']])
  assert.ok(seconds(list.body[0].duration) <= 7200 && seconds(list.body[0].duration) > 7000)
  assert.is(alerts.body.length, 1)
  assert.is(alerts.body[0].machine_id, 'remote1')
  assert.is(alerts.body[0].decisions[0].value, '203.0.113.9')
  assert.is(status.status, 0, status.stderr)
  assert.equal({...status.body, token_expire: typeof status.body.token_expire}, {mode: 'remote', url, reachable: true, machine: 'remote1', token_expire: 'string'})
  assert.is(refused.status, 4, JSON.stringify(refused.body))
  assert.is(refused.body.error.errors[0].code, 'lapi')
  assert.match(refused.body.error.errors[0].message, 'incorrect Username or Password')

  const del = await client.json(['decisions', 'delete', '--ip', '203.0.113.9'])
  assert.equal(del.body, {deleted: 1})
  const stream = await get(`${url}v1/decisions/stream?startup=true`, {'X-Api-Key': key, 'User-Agent': 'test/1'})
  assert.match(stream.text, /^\{"new": \[\], "deleted": \[\{"duration":"-?\d+s","id":1,/)
  assert.not.ok(fs.existsSync(path.join(client.dir, 'crowd.db')), 'the client home has no store of its own')

  child.kill('SIGTERM')
  const code = await Promise.race([exited, new Promise<string>((resolve) => setTimeout(() => resolve('still running 30 s after SIGTERM'), 30_000).unref())])
  assert.is(code, 0, stderr)
  assert.equal(JSON.parse(stdout), {url, store: `sqlite ${path.join(server.dir, 'crowd.db')}`, stopped_by: 'SIGTERM'})
})

test.run()
