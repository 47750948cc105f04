/**
 * The host API as a plugin sees it, through a real pool: each capability works when declared
 * and is refused (EPERM, reported as an incident) when not, before anything happens: no
 * connection to an undeclared host or port (first request or redirect), no undeclared
 * command, no write outside the declared places (`..`, symbolic and hard links), no
 * undeclared secret.
 */
import {execFileSync} from 'node:child_process'
import * as fs from 'node:fs'
import * as https from 'node:https'
import type {AddressInfo} from 'node:net'
import * as os from 'node:os'
import * as path from 'node:path'
import {test} from 'uvu'
import * as assert from 'uvu/assert'
import {recordingPool, register, startServer, type TestServer} from './helpers.js'

/** Runs host calls given as data: [[fn, ...args], ...] -> [{ok, value} | {ok: false, code, message}]. */
const PROBE = `module.exports = {
  async run(ops, host) {
    const out = []
    for (const [fn, ...args] of ops) {
      try { out.push({ok: true, value: await host[fn](...args)}) } catch (e) { out.push({ok: false, code: e.code, message: e.message}) }
    }
    return out
  },
}`

type Outcome = {ok: true; value: any} | {ok: false; code: string; message: string}

const {pool, logs, incidents} = recordingPool({clock: () => 1_700_000_000_000, http: {maxResponseBytes: 64 * 1024}})
const servers: TestServer[] = []
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'crowd-sandbox-host-'))
let a: TestServer
let b: TestServer

test.before(async () => {
  a = await startServer((req, res, body) => {
    const u = new URL(req.url!, 'http://x')
    if (u.pathname === '/hook') return void res.writeHead(200, {'content-type': 'application/json', 'x-seen-auth': req.headers.authorization ?? ''}).end(JSON.stringify({got: JSON.parse(body), method: req.method}))
    if (u.pathname === '/to') return void res.writeHead(Number(u.searchParams.get('code') ?? 302), {location: u.searchParams.get('url')!}).end()
    if (u.pathname === '/echo') return void res.writeHead(200, {'x-method': req.method!, 'x-auth': req.headers.authorization ?? '-'}).end(body)
    if (u.pathname === '/big') return void res.end('x'.repeat(200 * 1024))
    if (u.pathname === '/slow') return // never answers
    res.writeHead(404).end('no')
  })
  b = await startServer((_req, res) => res.end('b answered'))
  servers.push(a, b)
})

test.after(async () => {
  await pool.close()
  for (const s of servers) await s.close()
  fs.rmSync(tmp, {recursive: true, force: true})
})

async function run(id: string, ops: unknown[][]): Promise<Outcome[]> {
  return (await pool.call(id, 'run', [ops])) as Outcome[]
}

test('a notification plugin posts to its declared host with a secret from its configuration', async () => {
  register(pool, 'crowd/http', `module.exports = {
    async notify(config, alerts, host) {
      const token = await host.secret('token')
      const res = await host.http({url: config.url, method: 'POST', headers: {'content-type': 'application/json', authorization: 'Bearer ' + token}, body: JSON.stringify(alerts)})
      await host.log('info', 'sent ' + alerts.length + ' alert(s): ' + res.status)
      return {status: res.status, body: JSON.parse(res.body), auth: res.headers['x-seen-auth']}
    },
  }`, {network: [`http://127.0.0.1:${a.port}`], secrets: ['token']}, {token: 's3cret', other: 'never read'})
  const result = await pool.call('crowd/http', 'notify', [{url: `${a.url}/hook`}, [{scenario: 'crowdsecurity/ssh-bf', value: '192.0.2.1'}]])
  assert.equal(result, {status: 200, body: {got: [{scenario: 'crowdsecurity/ssh-bf', value: '192.0.2.1'}], method: 'POST'}, auth: 'Bearer s3cret'})
  assert.ok(logs.includes('info plugin crowd/http: sent 1 alert(s): 200'), logs.join('\n'))
  assert.equal(incidents, [])
})

test('http: undeclared host, port and scheme are refused before connecting, and reported', async () => {
  register(pool, 't/net', PROBE, {network: [`http://127.0.0.1:${a.port}`]})
  const before = {a: a.seen.length, b: b.seen.length}
  const out = await run('t/net', [
    ['http', {url: `http://localhost:${a.port}/echo`}],
    ['http', {url: `${b.url}/`}],
    ['http', {url: `https://127.0.0.1:${a.port}/echo`}],
    ['http', {url: 'file:///etc/passwd'}],
  ])
  assert.equal(out, [
    {ok: false, code: 'EPERM', message: 'http: host localhost is not declared'},
    {ok: false, code: 'EPERM', message: `http: port ${b.port} of 127.0.0.1 is not declared`},
    {ok: false, code: 'EPERM', message: 'http: https to 127.0.0.1 is not declared'},
    {ok: false, code: 'EPERM', message: 'http: scheme "file" is not http or https'},
  ])
  assert.equal({a: a.seen.length, b: b.seen.length}, before, 'nothing reached either server')
  assert.equal(incidents.splice(0).map((i) => [i.plugin, i.kind]), [['t/net', 'permission'], ['t/net', 'permission'], ['t/net', 'permission'], ['t/net', 'permission']])
})

test('http: every redirect hop is checked; declared ones are followed, others refused before connecting', async () => {
  register(pool, 't/redirect', PROBE, {network: [`http://127.0.0.1:${a.port}`]})
  const to = (url: string, code = 302) => `${a.url}/to?code=${code}&url=${encodeURIComponent(url)}`
  const seenB = b.seen.length
  const out = await run('t/redirect', [
    ['http', {url: to(`${a.url}/echo`), headers: {authorization: 'Basic x'}}],
    ['http', {url: to(`http://localhost:${b.port}/`)}],
    ['http', {url: to(`${b.url}/`)}],
    ['http', {url: to(to(`${b.url}/stolen`))}],
    ['http', {url: to(`${a.url}/echo`, 307), method: 'POST', body: 'kept'}],
    ['http', {url: to(`${a.url}/echo`, 303), method: 'POST', body: 'dropped'}],
    ['http', {url: to(`${a.url}/echo`), maxRedirects: 0}],
  ])
  const first = out[0] as {ok: true; value: any}
  assert.equal([first.value.status, first.value.redirects, first.value.url, first.value.headers['x-auth']], [200, 1, `${a.url}/echo`, 'Basic x'])
  assert.equal(out.slice(1, 4), [
    {ok: false, code: 'EPERM', message: `http: redirect to http://localhost:${b.port}/: host localhost is not declared`},
    {ok: false, code: 'EPERM', message: `http: redirect to ${b.url}/: port ${b.port} of 127.0.0.1 is not declared`},
    {ok: false, code: 'EPERM', message: `http: redirect to ${b.url}/stolen: port ${b.port} of 127.0.0.1 is not declared`},
  ])
  const [post307, post303, noFollow] = out.slice(4).map((o) => (o as {value: any}).value)
  assert.equal([post307.headers['x-method'], post307.body], ['POST', 'kept'])
  assert.equal([post303.headers['x-method'], post303.body], ['GET', ''])
  assert.equal([noFollow.status, noFollow.redirects], [302, 0])
  assert.is(b.seen.length, seenB, 'the undeclared server was never contacted')
  assert.equal(incidents.splice(0).map((i) => i.kind), ['permission', 'permission', 'permission'])
})

test('http: a response over the cap, a server that never answers and a malformed request fail cleanly', async () => {
  register(pool, 't/bounds', PROBE, {network: [`http://127.0.0.1:${a.port}`]})
  const out = await run('t/bounds', [
    ['http', {url: `${a.url}/big`}],
    ['http', {url: `${a.url}/slow`, timeoutMs: 200}],
    ['http', {url: `${a.url}/echo`, headers: {host: 'evil.example'}}],
    ['http', {url: `${a.url}/echo`, agent: 'x'}],
    ['http', {url: `${a.url}/echo`, method: 'CONNECT'}],
  ])
  assert.equal(out, [
    {ok: false, code: 'ELIMIT', message: `http ${a.url}/big: the response is larger than 65536 bytes`},
    {ok: false, code: 'EFAIL', message: `http ${a.url}/slow: timed out after 200 ms`},
    {ok: false, code: 'EINVAL', message: 'http: header host is set by the host'},
    {ok: false, code: 'EINVAL', message: 'http: unknown option "agent"'},
    {ok: false, code: 'EINVAL', message: 'http: method "CONNECT" is not one of GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS'},
  ])
  assert.equal(incidents.splice(0).map((i) => i.kind), ['limit'])
})

test('http over TLS: the system roots by default, a custom CA, or insecureSkipVerify', async () => {
  const dir = fs.mkdtempSync(path.join(tmp, 'tls-'))
  execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', path.join(dir, 'key.pem'), '-out', path.join(dir, 'cert.pem'), '-days', '1', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1'], {stdio: 'ignore'})
  const cert = fs.readFileSync(path.join(dir, 'cert.pem'), 'utf8')
  const server = https.createServer({key: fs.readFileSync(path.join(dir, 'key.pem')), cert}, (_req, res) => res.end('over tls'))
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  try {
    const url = `https://127.0.0.1:${(server.address() as AddressInfo).port}/`
    register(pool, 't/tls', PROBE, {network: [url]})
    const out = await run('t/tls', [['http', {url}], ['http', {url, ca: cert}], ['http', {url, insecureSkipVerify: true}]])
    assert.is(out[0]!.ok, false)
    assert.match((out[0] as {message: string}).message, /self[- ]signed/)
    assert.equal(out.slice(1).map((o) => (o as {value: {body: string}}).value.body), ['over tls', 'over tls'])
  } finally {
    server.closeAllConnections()
    await new Promise((resolve) => server.close(resolve))
  }
})

test('exec: only declared commands, with arguments matching the declaration, no shell', async () => {
  register(pool, 't/exec', PROBE, {commands: [{path: '/bin/echo', args: ['hello', '*']}, '/bin/cat', '/bin/false']})
  const out = await run('t/exec', [
    ['exec', '/bin/echo', ['hello', 'world; id']],
    ['exec', '/bin/cat', [], 'from stdin'],
    ['exec', '/bin/false'],
    ['exec', '/bin/echo', ['hello', '-e']],
    ['exec', '/bin/echo', ['bye', 'x']],
    ['exec', '/bin/sh', ['-c', 'id']],
    ['exec', 'cat', []],
  ])
  assert.equal(out, [
    {ok: true, value: {code: 0, signal: null, stdout: 'hello world; id\n', stderr: ''}},
    {ok: true, value: {code: 0, signal: null, stdout: 'from stdin', stderr: ''}},
    {ok: true, value: {code: 1, signal: null, stdout: '', stderr: ''}},
    {ok: false, code: 'EPERM', message: 'exec: arguments ["hello","-e"] of /bin/echo do not match its declaration'},
    {ok: false, code: 'EPERM', message: 'exec: arguments ["bye","x"] of /bin/echo do not match its declaration'},
    {ok: false, code: 'EPERM', message: 'exec: command /bin/sh is not declared'},
    {ok: false, code: 'EPERM', message: 'exec: command cat is not declared'},
  ])
  assert.equal(incidents.splice(0).map((i) => i.kind), ['permission', 'permission', 'permission', 'permission'])
})

test('writeFile/appendFile: only under the declared directory; `..`, symbolic links and hard links are refused', async () => {
  const dir = fs.mkdtempSync(path.join(tmp, 'files-'))
  const out = path.join(dir, 'out')
  fs.mkdirSync(out)
  fs.mkdirSync(path.join(dir, 'elsewhere'))
  fs.writeFileSync(path.join(dir, 'secret.txt'), 'keep me')
  fs.symlinkSync(path.join(dir, 'secret.txt'), path.join(out, 'link'))
  fs.symlinkSync(path.join(dir, 'elsewhere'), path.join(out, 'sub'))
  fs.linkSync(path.join(dir, 'secret.txt'), path.join(out, 'hard'))
  register(pool, 't/files', PROBE, {files: {write: [`${out}/`]}})
  const results = await run('t/files', [
    ['writeFile', `${out}/a.log`, 'one\n'],
    ['appendFile', `${out}/a.log`, 'two\n'],
    ['writeFile', `${dir}/b.log`, 'x'],
    ['writeFile', `${out}/../b.log`, 'x'],
    ['writeFile', `${out}/link`, 'overwritten'],
    ['writeFile', `${out}/sub/c.log`, 'x'],
    ['writeFile', `${out}/hard`, 'overwritten'],
    ['writeFile', 'relative.log', 'x'],
    ['writeFile', `${out}/missing/d.log`, 'x'],
  ])
  assert.equal(results, [
    {ok: true, value: null},
    {ok: true, value: null},
    {ok: false, code: 'EPERM', message: `writeFile: writing ${dir}/b.log is not declared`},
    {ok: false, code: 'EPERM', message: `writeFile: writing ${out}/../b.log is not declared`},
    {ok: false, code: 'EPERM', message: `writeFile: ${out}/link is a symbolic link`},
    {ok: false, code: 'EPERM', message: `writeFile: ${out}/sub/c.log resolves to ${dir}/elsewhere/c.log, outside ${out}/`},
    {ok: false, code: 'EPERM', message: `writeFile: ${out}/hard has other hard links`},
    {ok: false, code: 'EPERM', message: 'writeFile: writing relative.log is not declared'},
    {ok: false, code: 'EFAIL', message: `writeFile: cannot write ${out}/missing/d.log: ENOENT on its directory`},
  ])
  assert.is(fs.readFileSync(path.join(out, 'a.log'), 'utf8'), 'one\ntwo\n')
  assert.is(fs.readFileSync(path.join(dir, 'secret.txt'), 'utf8'), 'keep me', 'neither link changed the file they point to')
  assert.equal(fs.readdirSync(path.join(dir, 'elsewhere')), [])
  assert.not.ok(fs.existsSync(path.join(dir, 'b.log')))
  assert.equal(incidents.splice(0).map((i) => i.kind), ['permission', 'permission', 'permission', 'permission', 'permission', 'permission'])
})

test('writeFile replaces the whole file in one rename: its mode kept, no temporary file left, a directory in its place refused', async () => {
  const dir = fs.mkdtempSync(path.join(tmp, 'atomic-'))
  const file = path.join(dir, 'map.conf')
  fs.writeFileSync(file, 'old\n', {mode: 0o600})
  const inode = fs.statSync(file).ino
  fs.mkdirSync(path.join(dir, 'taken'))
  register(pool, 't/atomic', PROBE, {files: {write: [`${dir}/`]}})
  const results = await run('t/atomic', [['writeFile', file, 'new\n'], ['writeFile', path.join(dir, 'taken'), 'x']])
  assert.equal(results[0], {ok: true, value: null})
  const taken = results[1]!
  assert.equal(taken.ok ? 'ok' : taken.code, 'EPERM')
  assert.is(fs.readFileSync(file, 'utf8'), 'new\n')
  assert.is(fs.statSync(file).mode & 0o777, 0o600)
  assert.is.not(fs.statSync(file).ino, inode, 'a new file took its place (a reader holding the old one keeps reading the old content)')
  assert.equal(fs.readdirSync(dir).sort(), ['map.conf', 'taken'])
  incidents.splice(0)
})

test('appendFile with rotate: past maxBytes the file becomes .1 (.1 becomes .2...), at most `keep` kept, only the granted file rotated', async () => {
  const dir = fs.mkdtempSync(path.join(tmp, 'rotate-'))
  const file = path.join(dir, 'alerts.ndjson')
  fs.writeFileSync(path.join(dir, 'other.log'), 'untouched')
  register(pool, 't/rotate', PROBE, {files: {write: [file]}})
  const line = (n: number): string => `{"n":${n}}`.padEnd(39, ' ') + '\n'
  const ops: unknown[][] = []
  for (let n = 1; n <= 9; n++) ops.push(['appendFile', file, line(n), {rotate: {maxBytes: 100, keep: 2}}])
  ops.push(['appendFile', file, 'x', {rotate: {maxBytes: 0, keep: 2}}], ['appendFile', file, 'x', {rotate: {maxBytes: 100, keep: 0}}], ['appendFile', file, 'x', {other: 1}])
  const results = await run('t/rotate', ops)
  assert.ok(results.slice(0, 9).every((r) => r.ok), JSON.stringify(results))
  assert.equal(results.slice(9).map((r) => (r.ok ? 'ok' : r.code)), ['EINVAL', 'EINVAL', 'EINVAL'])
  // two lines of 40 bytes fit in 100: the third rotates; 9 in the file, 7-8 in .1, 5-6 in .2, the older rotated away
  assert.is(fs.readFileSync(file, 'utf8'), line(9))
  assert.is(fs.readFileSync(`${file}.1`, 'utf8'), line(7) + line(8))
  assert.is(fs.readFileSync(`${file}.2`, 'utf8'), line(5) + line(6))
  assert.not.ok(fs.existsSync(`${file}.3`))
  assert.equal(fs.readdirSync(dir).sort(), ['alerts.ndjson', 'alerts.ndjson.1', 'alerts.ndjson.2', 'other.log'])
  assert.is(fs.readFileSync(path.join(dir, 'other.log'), 'utf8'), 'untouched')
})

test('secret: declared keys only (null when declared but not configured); log escapes control characters; now is the host clock', async () => {
  register(pool, 't/secret', PROBE, {secrets: ['webhook', 'token']}, {webhook: 'https://hooks.example/x', password: 'hunter2'})
  const out = await run('t/secret', [
    ['secret', 'webhook'],
    ['secret', 'token'],
    ['secret', 'password'],
    ['log', 'warn', 'line one\nfake line\u001b[31m'],
    ['log', 'shout', 'x'],
    ['now'],
  ])
  assert.equal(out, [
    {ok: true, value: 'https://hooks.example/x'},
    {ok: true, value: null},
    {ok: false, code: 'EPERM', message: 'secret: secret "password" is not declared'},
    {ok: true, value: null},
    {ok: false, code: 'EINVAL', message: 'log: level must be one of debug, info, warn, error'},
    {ok: true, value: 1_700_000_000_000},
  ])
  assert.ok(logs.includes('warn plugin t/secret: line one\\nfake line\\u001b[31m'), logs.join('\n'))
  assert.equal(incidents.splice(0).map((i) => [i.kind, i.message]), [['permission', 'secret: secret "password" is not declared']])
})

test('a refused host call the plugin does not catch fails the call, naming the plugin and its file', async () => {
  register(pool, 't/uncaught', `module.exports = { async notify(c, p, host) { await host.http({url: 'https://attacker.example/'}) } }`)
  try {
    await pool.call('t/uncaught', 'notify', [{}, []])
    assert.unreachable('the call should fail')
  } catch (error) {
    const e = error as Error & {kind: string}
    assert.is(e.kind, 'plugin')
    assert.is(e.message, 'plugin t/uncaught: notify failed: Error: http: host attacker.example is not declared (/hub/t/uncaught/index.js)')
  }
  assert.equal(incidents.splice(0).map((i) => i.kind), ['permission'])
})

test.run()
