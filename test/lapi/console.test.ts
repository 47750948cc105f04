/**
 * The web console over HTTP (src/lapi/console, docs/console.md): pages and their security
 * headers, login and sessions, rate-limited failures, roles, CSRF refusals, the data endpoints,
 * the live stream. The same thing in a real browser: console-browser.test.ts.
 */
import {execFileSync} from 'node:child_process'
import * as fs from 'node:fs'
import * as http from 'node:http'
import * as https from 'node:https'
import * as os from 'node:os'
import * as path from 'node:path'
import {test} from 'uvu'
import * as assert from 'uvu/assert'
import {setMachineRole} from '../../src/lapi/admin.js'
import {hashPassword} from '../../src/lapi/auth.js'
import {consoleAssetsDir, CONTENT_SECURITY_POLICY} from '../../src/lapi/console/index.js'
import {LOGIN_FAILURES_ALLOWED, sameSecret, SESSION_IDLE_MS} from '../../src/lapi/console/sessions.js'
import {LapiProfiles} from '../../src/lapi/profiles.js'
import {LapiServer} from '../../src/lapi/server.js'
import {DEFAULT_CONFIG} from '../../src/config/config.js'
import {silentLogger} from '../../src/model/logger.js'
import {addMachine, agentAlert, H, machineToken, memoryStore, postAlerts, rejectsWith, request, type Reply, T0, type TestLapi, testLapis} from './harness.js'

const startLapi = testLapis(test)
const consoleLapi = (): Promise<TestLapi> => startLapi({config: {console: true}})

type Json = Record<string, any>

interface Login {
  cookie: string
  csrf: string
  reply: Reply
}

async function login(t: TestLapi, machineId: string, password = 'p4ssw0rd', headers: Record<string, string> = {}): Promise<Login> {
  const reply = await request(t, 'POST', '/console/api/login', {headers, body: {machine_id: machineId, password}})
  const setCookie = reply.headers['set-cookie']?.[0] ?? ''
  const cookie = /^(crowd_console=[^;]*)/.exec(setCookie)?.[1] ?? ''
  return {cookie, csrf: reply.status === 200 ? reply.json<Json>().csrf_token : '', reply}
}

async function admin(t: TestLapi, machineId = 'boss'): Promise<Login> {
  await addMachine(t, machineId)
  await t.store.updateMachine(machineId, {role: 'admin'}, t.clock.now)
  return login(t, machineId)
}

async function viewer(t: TestLapi, machineId = 'watch'): Promise<Login> {
  await addMachine(t, machineId)
  return login(t, machineId)
}

const get = (t: TestLapi, s: Login, p: string): Promise<Reply> => request(t, 'GET', `/console/api/${p}`, {headers: {Cookie: s.cookie}})

/** A decision to act on: an agent alert the default profiles ban for 4h. */
async function decisionId(t: TestLapi, ip = '192.0.2.10'): Promise<number> {
  const token = await machineToken(t, `agent-${ip}`)
  await postAlerts(t, token, [agentAlert(ip, T0)])
  const [d] = await t.store.activeDecisions({value: ip}, t.clock.now)
  return d!.id
}

/** Whether the decision is still on (one that was deleted ends at the clock's now). */
const active = async (t: TestLapi, id: number): Promise<boolean> => (await t.store.activeDecisions({id, includeSimulated: true}, t.clock.now + 1)).length === 1

test('off unless [lapi] console = true: /console/ is then a 404 like any unknown path', async () => {
  const t = await startLapi()
  assert.is((await request(t, 'GET', '/console/')).status, 404)
  assert.is((await request(t, 'POST', '/console/api/login', {body: {machine_id: 'a', password: 'b'}})).status, 404)
})

test('pages: index, script, style with a strict Content-Security-Policy; no inline script, handler or style in the page', async () => {
  const t = await consoleLapi()
  const redirect = await request(t, 'GET', '/console')
  assert.is(redirect.status, 308)
  assert.is(redirect.headers.location, '/console/')
  const page = await request(t, 'GET', '/console/')
  assert.is(page.status, 200)
  assert.match(String(page.headers['content-type']), 'text/html')
  const csp = String(page.headers['content-security-policy'])
  assert.is(csp, CONTENT_SECURITY_POLICY)
  assert.match(csp, "default-src 'self'")
  assert.match(csp, "script-src 'self';")
  assert.not.match(csp, 'unsafe-inline')
  assert.not.match(csp, 'unsafe-eval')
  assert.is(page.headers['x-content-type-options'], 'nosniff')
  assert.is(page.headers['x-frame-options'], 'DENY')
  // every script has a src, no on*= attribute, no style attribute or element
  assert.not.match(page.text, /<script(?![^>]*\ssrc=)[^>]*>/i)
  assert.not.match(page.text, /\son[a-z]+\s*=/i)
  assert.not.match(page.text, /\sstyle\s*=|<style/i)
  const js = await request(t, 'GET', '/console/console.js')
  assert.is(js.status, 200)
  assert.match(String(js.headers['content-type']), 'text/javascript')
  assert.ok(js.headers['content-security-policy'])
  // the script never parses HTML nor evaluates text
  assert.not.match(js.text, /innerHTML|outerHTML|insertAdjacentHTML|document\.write|\beval\(|new Function/)
  assert.is((await request(t, 'GET', '/console/console.css')).status, 200)
  assert.is((await request(t, 'GET', '/console/favicon.svg')).status, 200)
  const missing = await request(t, 'GET', '/console/../server.ts')
  assert.is(missing.status, 404)
  assert.is((await request(t, 'GET', '/console/nothing.js')).status, 404)
  assert.is((await request(t, 'POST', '/console/')).status, 405)
})

test('assets: the files served are the ones in the assets folder', () => {
  const dir = consoleAssetsDir()
  for (const name of ['index.html', 'console.js', 'console.css', 'favicon.svg']) assert.ok(fs.existsSync(path.join(dir, name)), name)
})

test('anonymous: the session says so (200); every API answers 401 and names what is missing', async () => {
  const t = await consoleLapi()
  const session = await request(t, 'GET', '/console/api/session')
  assert.is(session.status, 200)
  assert.equal(session.json(), {authenticated: false})
  for (const p of ['alerts', 'stats', 'decisions', 'agents', 'hub', 'metrics', 'events']) {
    const r = await request(t, 'GET', `/console/api/${p}`)
    assert.is(r.status, 401, p)
    assert.match(r.json<Json>().message, 'not logged in')
  }
  const forged = await request(t, 'GET', '/console/api/alerts', {headers: {Cookie: 'crowd_console=forged'}})
  assert.is(forged.status, 401)
  assert.is((await request(t, 'GET', '/console/api/nothing')).status, 404)
})

test('login: a machine\'s LAPI password; a cookie HttpOnly, SameSite=Strict, on /console/ only; a CSRF token; the session reads back', async () => {
  const t = await consoleLapi()
  await addMachine(t, 'alice')
  const bad = await login(t, 'alice', 'wrong')
  assert.is(bad.reply.status, 401)
  assert.is(bad.cookie, '')
  assert.match(bad.reply.json<Json>().message, 'incorrect machine id or password')
  const unknown = await login(t, 'nobody')
  assert.is(unknown.reply.status, 401)
  assert.is((await request(t, 'POST', '/console/api/login', {body: {machine_id: 'alice'}})).status, 400)
  assert.is((await request(t, 'POST', '/console/api/login', {body: 'machine_id=alice', headers: {'Content-Type': 'application/x-www-form-urlencoded'}})).status, 415)

  const s = await login(t, 'alice')
  assert.is(s.reply.status, 200)
  const setCookie = s.reply.headers['set-cookie']![0]!
  assert.match(setCookie, /; HttpOnly/)
  assert.match(setCookie, /; SameSite=Strict/)
  assert.match(setCookie, /; Path=\/console\//)
  assert.match(setCookie, /; Max-Age=\d+/)
  assert.not.match(setCookie, /Secure/, 'not over plain HTTP')
  assert.ok(s.csrf.length >= 40)
  const body = s.reply.json<Json>()
  assert.is(body.machine_id, 'alice')
  assert.is(body.role, 'watcher')
  const session = (await get(t, s, 'session')).json<Json>()
  assert.is(session.authenticated, true)
  assert.is(session.csrf_token, s.csrf)
  assert.is((await get(t, s, 'alerts')).status, 200)
})

test('login: a new session id at each login (a cookie set before is not kept: no fixation); logout ends the session', async () => {
  const t = await consoleLapi()
  await addMachine(t, 'alice')
  const first = await login(t, 'alice')
  const second = await login(t, 'alice', 'p4ssw0rd', {Cookie: first.cookie})
  assert.is.not(second.cookie, first.cookie)
  assert.is.not(second.csrf, first.csrf)
  assert.is((await get(t, first, 'alerts')).status, 401, 'the session the browser came with ended')
  assert.is((await get(t, second, 'alerts')).status, 200)
  const planted = await login(t, 'alice', 'p4ssw0rd', {Cookie: 'crowd_console=chosen-by-attacker'})
  assert.is.not(planted.cookie, 'crowd_console=chosen-by-attacker')

  const noToken = await request(t, 'POST', '/console/api/logout', {headers: {Cookie: second.cookie}})
  assert.is(noToken.status, 403)
  const out = await request(t, 'POST', '/console/api/logout', {headers: {Cookie: second.cookie, 'X-CSRF-Token': second.csrf}})
  assert.is(out.status, 200)
  assert.match(out.headers['set-cookie']![0]!, /Max-Age=0/)
  assert.is((await get(t, second, 'alerts')).status, 401)
})

test('sessions expire after being idle; a deleted machine\'s session ends', async () => {
  const t = await consoleLapi()
  await addMachine(t, 'alice')
  await addMachine(t, 'bob')
  const a = await login(t, 'alice')
  const b = await login(t, 'bob')
  t.clock.now += SESSION_IDLE_MS + 1000
  assert.is((await get(t, a, 'alerts')).status, 401)
  const again = await login(t, 'bob')
  await t.store.deleteMachine('bob')
  const gone = await get(t, again, 'alerts')
  assert.is(gone.status, 401)
  assert.match(gone.json<Json>().message, 'bob')
  assert.is((await get(t, b, 'alerts')).status, 401)
})

test('failed logins are rate-limited per client and per machine: 429 with Retry-After, even with the right password', async () => {
  const t = await consoleLapi()
  await addMachine(t, 'alice')
  for (let i = 0; i < LOGIN_FAILURES_ALLOWED; i++) assert.is((await login(t, 'alice', `guess${i}`)).reply.status, 401)
  const limited = await login(t, 'alice')
  assert.is(limited.reply.status, 429)
  assert.ok(Number(limited.reply.headers['retry-after']) > 0)
  assert.match(limited.reply.json<Json>().message, 'too many failed logins')
  t.clock.now += 5 * 60_000 + 1000
  assert.is((await login(t, 'alice')).reply.status, 200, 'the window passed')
})

test('admin: deleting a decision needs the CSRF token (missing or wrong: 403, nothing changed); with it the decision ends', async () => {
  const t = await consoleLapi()
  const s = await admin(t)
  const id = await decisionId(t)
  const none = await request(t, 'DELETE', `/console/api/decisions/${id}`, {headers: {Cookie: s.cookie}})
  assert.is(none.status, 403)
  assert.match(none.json<Json>().message, 'missing CSRF token')
  const wrong = await request(t, 'DELETE', `/console/api/decisions/${id}`, {headers: {Cookie: s.cookie, 'X-CSRF-Token': s.csrf.slice(0, -2) + 'xx'}})
  assert.is(wrong.status, 403)
  assert.match(wrong.json<Json>().message, 'wrong CSRF token')
  const otherSession = await login(t, 'boss')
  const stolen = await request(t, 'DELETE', `/console/api/decisions/${id}`, {headers: {Cookie: s.cookie, 'X-CSRF-Token': otherSession.csrf}})
  assert.is(stolen.status, 403, 'the token of another session of the same machine')
  assert.ok(await active(t, id))
  const crossOrigin = await request(t, 'DELETE', `/console/api/decisions/${id}`, {headers: {Cookie: otherSession.cookie, 'X-CSRF-Token': otherSession.csrf, Origin: 'http://evil.example'}})
  assert.is(crossOrigin.status, 403)
  assert.match(crossOrigin.json<Json>().message, 'cross-origin')
  assert.ok(await active(t, id))
  const ok = await request(t, 'DELETE', `/console/api/decisions/${id}`, {headers: {Cookie: otherSession.cookie, 'X-CSRF-Token': otherSession.csrf, Origin: `http://127.0.0.1:${t.port}`}})
  assert.is(ok.status, 200)
  assert.equal(ok.json(), {deleted: 1, id})
  assert.not.ok(await active(t, id))
  const again = await request(t, 'DELETE', `/console/api/decisions/${id}`, {headers: {Cookie: otherSession.cookie, 'X-CSRF-Token': otherSession.csrf}})
  assert.is(again.status, 404)
  assert.match(again.json<Json>().message, `decision ${id}`)
})

test('admin: adds a decision (origin console) that bouncers get; bad input is a 400 naming it', async () => {
  const t = await consoleLapi()
  const s = await admin(t)
  const headers = {Cookie: s.cookie, 'X-CSRF-Token': s.csrf}
  const added = await request(t, 'POST', '/console/api/decisions', {headers, body: {value: '198.51.100.7', duration: '1h', type: 'ban'}})
  assert.is(added.status, 201, added.text)
  assert.equal({...added.json<Json>(), alert_id: undefined}, {alert_id: undefined, scope: 'Ip', value: '198.51.100.7', type: 'ban', duration: '1h'})
  const [d] = await t.store.activeDecisions({value: '198.51.100.7'}, t.clock.now)
  assert.is(d!.origin, 'console')
  assert.is(d!.until, T0 + H)
  const range = await request(t, 'POST', '/console/api/decisions', {headers, body: {value: '198.51.100.0/24'}})
  assert.is(range.json<Json>().scope, 'Range')
  const country = await request(t, 'POST', '/console/api/decisions', {headers, body: {value: 'FR', scope: 'Country', type: 'captcha'}})
  assert.is(country.status, 201)
  const listed = (await get(t, s, 'decisions')).json<Json>().decisions as Json[]
  assert.equal(listed.map((x) => x.value), ['FR', '198.51.100.0/24', '198.51.100.7'], 'newest first')
  const noScope = await request(t, 'POST', '/console/api/decisions', {headers, body: {value: 'not-an-ip'}})
  assert.is(noScope.status, 400)
  assert.match(noScope.json<Json>().message, 'give its scope')
  const badDuration = await request(t, 'POST', '/console/api/decisions', {headers, body: {value: '192.0.2.1', duration: 'forever'}})
  assert.is(badDuration.status, 400)
  assert.match(badDuration.json<Json>().message, "invalid duration 'forever'")
  const notJson = await request(t, 'POST', '/console/api/decisions', {headers: {...headers, 'Content-Type': 'text/plain'}, body: '{"value":"192.0.2.1"}'})
  assert.is(notJson.status, 415)
})

test('viewer (watcher role): reads everything, every write is refused 403 even with its CSRF token; promoted, it may write', async () => {
  const t = await consoleLapi()
  const s = await viewer(t)
  const id = await decisionId(t)
  for (const p of ['alerts', 'stats', 'decisions', 'agents', 'hub', 'metrics']) assert.is((await get(t, s, p)).status, 200, p)
  const del = await request(t, 'DELETE', `/console/api/decisions/${id}`, {headers: {Cookie: s.cookie, 'X-CSRF-Token': s.csrf}})
  assert.is(del.status, 403)
  assert.match(del.json<Json>().message, 'watcher role: only admins')
  const add = await request(t, 'POST', '/console/api/decisions', {headers: {Cookie: s.cookie, 'X-CSRF-Token': s.csrf}, body: {value: '192.0.2.99'}})
  assert.is(add.status, 403)
  assert.ok(await active(t, id))
  assert.equal(await t.store.activeDecisions({value: '192.0.2.99'}, t.clock.now), [])
  // the role is read at each request: no new login needed
  await setMachineRole(t.store, 'watch', 'admin')
  const now = await request(t, 'DELETE', `/console/api/decisions/${id}`, {headers: {Cookie: s.cookie, 'X-CSRF-Token': s.csrf}})
  assert.is(now.status, 200)
})

test('setMachineRole: admin or watcher; another role or an unknown machine is an error naming it', async () => {
  const store = await memoryStore()
  try {
    await store.addMachine({machineId: 'm', passwordHash: 'x'}, T0)
    assert.equal(await setMachineRole(store, 'm', 'admin', T0), {machine_id: 'm', role: 'admin'})
    assert.is((await store.getMachine('m'))!.role, 'admin')
    await rejectsWith(setMachineRole(store, 'm', 'root', T0), 'usage', /invalid role 'root'/)
    await rejectsWith(setMachineRole(store, 'ghost', 'admin', T0), 'not-found', /machine 'ghost' does not exist/)
  } finally {
    await store.close()
  }
})

test('data: alerts newest first with their decisions; search by source or scenario; stats per window; machines and bouncers', async () => {
  const t = await consoleLapi()
  const s = await viewer(t)
  const token = await machineToken(t, 'agent1')
  t.clock.now = T0 - 2 * H
  await postAlerts(t, token, [agentAlert('192.0.2.1', T0 - 2 * H)])
  t.clock.now = T0 - H
  await postAlerts(t, token, [agentAlert('192.0.2.1', T0 - H), agentAlert('192.0.2.2', T0 - H, {scenario: 'crowdsecurity/http-probing'})])
  t.clock.now = T0
  await postAlerts(t, token, [agentAlert('192.0.2.1', T0)])
  const alerts = (await get(t, s, 'alerts')).json<Json>().alerts as Json[]
  assert.is(alerts.length, 4)
  assert.is(alerts[0]!.source.value, '192.0.2.1')
  assert.is(alerts[0]!.decisions[0].type, 'ban')
  assert.is(alerts[0]!.machine_id, 'agent1')
  assert.is(((await get(t, s, 'alerts?q=192.0.2.2')).json<Json>().alerts as Json[]).length, 1)
  assert.is(((await get(t, s, 'alerts?q=crowdsecurity/http-probing')).json<Json>().alerts as Json[]).length, 1)
  assert.is((await get(t, s, 'alerts?limit=abc')).status, 400)

  const day = (await get(t, s, 'stats?window=24h')).json<Json>()
  assert.is(day.total, 4)
  assert.is(day.buckets.length, 96)
  assert.is(day.buckets.reduce((a: number, b: number) => a + b, 0), 4)
  assert.equal(day.sources[0], {scope: 'Ip', value: '192.0.2.1', cn: 'FR', as_name: 'EXAMPLE', count: 3})
  assert.equal(day.scenarios, [{scenario: 'crowdsecurity/ssh-bf', count: 3}, {scenario: 'crowdsecurity/http-probing', count: 1}])
  const hour = (await get(t, s, 'stats?window=1h')).json<Json>()
  assert.is(hour.total, 1, 'only the alert of the last hour')
  const bad = await get(t, s, 'stats?window=2y')
  assert.is(bad.status, 400)
  assert.match(bad.json<Json>().message, "unknown window '2y'")

  const decisions = (await get(t, s, 'decisions?q=192.0.2.0/24')).json<Json>().decisions as Json[]
  assert.ok(decisions.length >= 2)
  assert.ok(decisions.every((d) => d.value.startsWith('192.0.2.')))
  const agents = (await get(t, s, 'agents')).json<Json>()
  assert.equal(agents.machines.map((m: Json) => m.machine_id).sort(), ['agent1', 'watch'])
  assert.ok(agents.machines.every((m: Json) => !('password_hash' in m) && !('passwordHash' in m)))
  assert.equal(agents.bouncers, [])
})

test('hub and metrics: what the command hands in, cached; unavailable said in words', async () => {
  const store = await memoryStore()
  let hubCalls = 0
  const server = new LapiServer({
    store, profiles: new LapiProfiles(undefined, silentLogger), config: {...DEFAULT_CONFIG.lapi, flush: {}, console: true}, logger: silentLogger,
    jwtSecret: Buffer.alloc(64, 1), clock: () => T0,
    console: {
      hub: async () => {
        hubCalls++
        return [{name: 'crowdsecurity/sshd', type: 'parser', installed: '0.1', latest: '0.2', tainted: true}]
      },
      metrics: async () => {
        throw new Error('the metrics endpoint http://127.0.0.1:6060/metrics did not answer')
      },
    },
  })
  const url = (await server.listen('127.0.0.1:0')).url!
  const t = {port: Number(new URL(url).port), store, clock: {now: T0}} as unknown as TestLapi
  try {
    await addMachine(t, 'alice')
    const s = await login(t, 'alice')
    const hub = (await get(t, s, 'hub')).json<Json>()
    assert.equal(hub, {available: true, packages: [{name: 'crowdsecurity/sshd', type: 'parser', installed: '0.1', latest: '0.2', tainted: true}]})
    await get(t, s, 'hub')
    assert.is(hubCalls, 1, 'cached')
    const metrics = (await get(t, s, 'metrics')).json<Json>()
    assert.is(metrics.available, false)
    assert.match(metrics.message, 'did not answer')
  } finally {
    await server.close()
    await store.close()
  }
})

/** Reads server-sent events until `until` says stop (or the deadline passes). */
function readEvents(t: TestLapi, cookie: string, until: (events: {event: string; data: string}[]) => boolean, deadlineMs: number): Promise<{status: number; events: {event: string; data: string}[]}> {
  return new Promise((resolve, reject) => {
    const events: {event: string; data: string}[] = []
    const req = http.get({host: '127.0.0.1', port: t.port, path: '/console/api/events', headers: {Cookie: cookie}, agent: false}, (res) => {
      let buffer = ''
      const done = (): void => {
        clearTimeout(timer)
        req.destroy()
        resolve({status: res.statusCode ?? 0, events})
      }
      const timer = setTimeout(done, deadlineMs)
      if (res.statusCode !== 200) return done()
      res.setEncoding('utf8')
      res.on('data', (chunk: string) => {
        buffer += chunk
        let end: number
        while ((end = buffer.indexOf('\n\n')) >= 0) {
          const block = buffer.slice(0, end)
          buffer = buffer.slice(end + 2)
          const event = /^event: (.*)$/m.exec(block)?.[1]
          const data = /^data: (.*)$/m.exec(block)?.[1]
          if (event !== undefined) events.push({event, data: data ?? ''})
        }
        if (until(events)) done()
      })
      res.on('end', done)
    })
    req.on('error', (error: NodeJS.ErrnoException) => (error.code === 'ECONNRESET' ? undefined : reject(error)))
  })
}

test('live stream: server-sent events; an alert posted through the LAPI is announced within 2 s; refused without a session', async () => {
  const t = await consoleLapi()
  const s = await viewer(t)
  const token = await machineToken(t, 'agent1')
  const refused = await readEvents(t, '', () => true, 2000)
  assert.is(refused.status, 401)
  let posted = false
  const reading = readEvents(t, s.cookie, (events) => {
    if (!posted && events.length > 0) {
      posted = true
      void postAlerts(t, token, [agentAlert('203.0.113.5', T0)])
    }
    return events.some((e) => e.event === 'change' && JSON.parse(e.data).alerts > 0)
  }, 2000 + 2000)
  const {status, events} = await reading
  assert.is(status, 200)
  const first = JSON.parse(events[0]!.data)
  assert.equal(first, {alerts: 0, decisions: 0, active_decisions: 0})
  const last = JSON.parse(events.at(-1)!.data)
  assert.is(last.alerts, 1, `events: ${JSON.stringify(events)}`)
  assert.is(last.active_decisions, 1)
})

test('live stream: the server closes open streams when it stops (close does not hang)', async () => {
  const t = await consoleLapi()
  const s = await viewer(t)
  const reading = readEvents(t, s.cookie, () => false, 10_000)
  await new Promise((resolve) => setTimeout(resolve, 200))
  await t.server.close()
  const {status} = await reading
  assert.is(status, 200)
})

test('over TLS the session cookie is Secure, and a write must come from the https origin', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'crowd-console-tls-'))
  const cert = path.join(dir, 'cert.pem')
  const key = path.join(dir, 'key.pem')
  execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', key, '-out', cert,
    '-days', '1', '-subj', '/CN=localhost', '-addext', 'subjectAltName=IP:127.0.0.1'], {stdio: 'ignore'})
  const store = await memoryStore()
  const server = new LapiServer({store, profiles: new LapiProfiles(undefined, silentLogger), config: {...DEFAULT_CONFIG.lapi, flush: {}, console: true, tlsCert: cert, tlsKey: key},
    logger: silentLogger, jwtSecret: Buffer.alloc(64, 1), clock: () => T0})
  try {
    const port = Number(new URL((await server.listen('127.0.0.1:0')).url!).port)
    await store.addMachine({machineId: 'alice', passwordHash: await hashPassword('pw'), isValidated: true, role: 'admin'}, T0)
    const call = (method: string, p: string, headers: Record<string, string>, body?: unknown): Promise<{status: number; headers: http.IncomingHttpHeaders; text: string}> =>
      new Promise((resolve, reject) => {
        const payload = body === undefined ? undefined : JSON.stringify(body)
        const req = https.request({host: '127.0.0.1', port, path: p, method, ca: fs.readFileSync(cert), agent: false,
          headers: {...headers, ...(payload === undefined ? {} : {'Content-Type': 'application/json'})}}, (res) => {
          let text = ''
          res.setEncoding('utf8').on('data', (c: string) => (text += c))
          res.on('end', () => resolve({status: res.statusCode ?? 0, headers: res.headers, text}))
        })
        req.on('error', reject)
        req.end(payload)
      })
    const login = await call('POST', '/console/api/login', {}, {machine_id: 'alice', password: 'pw'})
    assert.is(login.status, 200, login.text)
    const setCookie = login.headers['set-cookie']![0]!
    assert.match(setCookie, /; Secure/)
    const cookie = /^(crowd_console=[^;]+)/.exec(setCookie)![1]!
    const csrf = JSON.parse(login.text).csrf_token as string
    const plain = await call('POST', '/console/api/decisions', {Cookie: cookie, 'X-CSRF-Token': csrf, Origin: `http://127.0.0.1:${port}`}, {value: '192.0.2.1'})
    assert.is(plain.status, 403)
    const same = await call('POST', '/console/api/decisions', {Cookie: cookie, 'X-CSRF-Token': csrf, Origin: `https://127.0.0.1:${port}`}, {value: '192.0.2.1'})
    assert.is(same.status, 201, same.text)
  } finally {
    await server.close()
    await store.close()
    fs.rmSync(dir, {recursive: true, force: true})
  }
})

test('sameSecret: equal strings only, whatever their lengths', () => {
  assert.ok(sameSecret('abc', 'abc'))
  assert.not.ok(sameSecret('abc', 'abd'))
  assert.not.ok(sameSecret('abc', 'abcd'))
  assert.not.ok(sameSecret('', 'abc'))
})

test.run()
