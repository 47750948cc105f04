/**
 * The builtin blocklist bouncer end to end with the package of this repo: crowd/bouncer-blocklist
 * (plugins/, no code: `builtin = "blocklist"`) packed into a directory source and installed,
 * `crowd bouncer list` showing it ready, a real `crowd lapi serve` and `crowd bouncer run
 * blocklist` as child processes (both on ports the system picks, read from their logs); a decision
 * added with `crowd decisions add` appears in the served list, and leaves it once deleted.
 * Polls have deadlines; nothing asserts how long anything took. Both children are stopped.
 */
import {spawn, type ChildProcess} from 'node:child_process'
import * as fs from 'node:fs'
import * as http from 'node:http'
import * as path from 'node:path'
import {test} from 'uvu'
import * as assert from 'uvu/assert'
import {makeHome} from '../../commands/lapi/helpers.js'
import {BIN, ROOT} from '../../helpers/run-cli.js'
import {installRepoPackage} from '../../helpers/lapi-serve.js'

const home = makeHome('bouncer-blocklist-e2e')
const LIST_KEY = 'list-key-0123456789abcdef'
const children: ChildProcess[] = []

test.after(async () => {
  await Promise.all(children.map(stop))
})

/** Starts `crowd args` and resolves with the first match of `pattern` in its stderr. */
function start(args: string[], pattern: RegExp, env: Record<string, string> = {}): Promise<{child: ChildProcess; match: string; stderr: () => string}> {
  const child = spawn(process.execPath, [BIN, ...args], {cwd: ROOT, env: {...process.env, NO_COLOR: '1', ...home.env, ...env}, stdio: ['ignore', 'ignore', 'pipe']})
  children.push(child)
  let stderr = ''
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`crowd ${args.join(' ')}: no ${pattern} in: ${stderr}`)), 60_000)
    child.stderr!.setEncoding('utf8').on('data', (c: string) => {
      stderr += c
      const m = pattern.exec(stderr)
      if (m !== null) {
        clearTimeout(timer)
        resolve({child, match: m[1]!, stderr: () => stderr})
      }
    })
    child.on('exit', (code) => {
      clearTimeout(timer)
      reject(new Error(`crowd ${args.join(' ')} exited (${code}): ${stderr}`))
    })
  })
}

function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve()
  return new Promise((resolve) => {
    const kill = setTimeout(() => child.kill('SIGKILL'), 10_000)
    child.on('exit', () => {
      clearTimeout(kill)
      resolve()
    })
    child.kill('SIGTERM')
  })
}

function get(url: string, headers: Record<string, string> = {}): Promise<{status: number; body: string}> {
  return new Promise((resolve, reject) => {
    const req = http.get(url, {headers, agent: false}, (res) => {
      let body = ''
      res.setEncoding('utf8').on('data', (c: string) => (body += c))
      res.on('end', () => resolve({status: res.statusCode ?? 0, body}))
    })
    req.on('error', reject)
  })
}

/** Polls `check` until it gives a value, or fails after `deadlineMs` with the last thing seen. */
async function until<T>(what: string, check: () => Promise<T | undefined>, deadlineMs = 30_000): Promise<T> {
  const end = Date.now() + deadlineMs
  for (;;) {
    const v = await check()
    if (v !== undefined) return v
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 100))
  }
}

test('crowd bouncer run blocklist serves the decisions crowd decisions add / delete make', async () => {
  await installRepoPackage(home, 'bouncer-blocklist')
  const key = await home.json(['bouncers', 'add', 'blocklist'])
  assert.is(key.status, 0, key.stderr)

  const lapi = await start(['lapi', 'serve', '--listen', '127.0.0.1:0'], /crowd lapi listening on (http:\/\/127\.0\.0\.1:\d+\/)/)
  fs.mkdirSync(path.join(home.dir, 'bouncers'))
  fs.writeFileSync(path.join(home.dir, 'bouncers', 'blocklist.yaml'), [
    `api_url: ${lapi.match}`,
    'api_key: ${API_KEY}',
    'update_frequency: 100ms',
    'log_level: info',
    'listen_uri: 127.0.0.1:0',
    'blocklists:',
    '  - format: plain_text',
    '    endpoint: /security/blocklist',
    '    authentication:',
    '      type: api_key',
    '      api_key: ${LIST_KEY}',
    '  - format: json',
    '    endpoint: /security/blocklist.json',
    '',
  ].join('\n'))

  const list = await home.json(['bouncer', 'list'])
  assert.is(list.status, 0, list.stderr)
  assert.equal(list.body.bouncers.map((b: any) => [b.name, b.type, b.package, b.state]), [['blocklist', 'blocklist', 'crowd/bouncer-blocklist', 'ready']])

  const bouncer = await start(['bouncer', 'run', 'blocklist'], /bouncer blocklist: serving .* on (http:\/\/127\.0\.0\.1:\d+\/)/, {API_KEY: key.body.api_key, LIST_KEY})
  const plain = new URL('security/blocklist', bouncer.match).href
  const json = new URL('security/blocklist.json', bouncer.match).href
  assert.is((await get(plain)).status, 401, 'no key')
  assert.is((await get(plain, {'X-Api-Key': 'wrong'})).status, 401, 'wrong key')

  assert.is((await home.run(['decisions', 'add', '--ip', '192.0.2.44', '--duration', '1h', '--reason', 'e2e ban'])).status, 0)
  const listed = await until('192.0.2.44 in the list', async () => {
    const r = await get(plain, {'X-Api-Key': LIST_KEY})
    return r.status === 200 && r.body.split('\n').includes('192.0.2.44') ? r.body : undefined
  })
  assert.is(listed, '192.0.2.44\n')
  const decisions = JSON.parse((await get(json)).body)
  assert.equal(decisions.map((d: any) => [d.value, d.scope, d.type, d.origin, d.scenario]), [['192.0.2.44', 'Ip', 'ban', 'cscli', 'e2e ban']])
  const left = Date.parse(decisions[0].until) - Date.now()
  assert.ok(left > 0 && left <= 3_600_000 + 1000, decisions[0].until)

  assert.is((await home.run(['decisions', 'delete', '--ip', '192.0.2.44'])).status, 0)
  await until('192.0.2.44 out of the list', async () => {
    const r = await get(plain, {'X-Api-Key': LIST_KEY})
    return r.status === 200 && !r.body.split('\n').includes('192.0.2.44') ? true : undefined
  })
  assert.is((await get(json)).body, '[]\n')

  await stop(bouncer.child)
  assert.is(bouncer.child.exitCode, 0, bouncer.stderr())
  const refused = await get(plain).then(() => 'answered', (e: NodeJS.ErrnoException) => e.code)
  assert.is(refused, 'ECONNREFUSED', 'the server stopped with the bouncer')
})

test.run()
