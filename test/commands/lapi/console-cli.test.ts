/**
 * The console through the built CLI: `crowd machines add --role admin`, `crowd machines role`,
 * and `crowd lapi serve` with `[lapi] console = true` serving the page (its files found from
 * dist/), a login with the machine's password, the hub packages and the saved watch figures.
 */
import type {ChildProcess} from 'node:child_process'
import * as fs from 'node:fs'
import * as http from 'node:http'
import * as path from 'node:path'
import {test} from 'uvu'
import * as assert from 'uvu/assert'
import {startLapiServe} from '../../helpers/lapi-serve.js'
import {makeHome} from './helpers.js'

let child: ChildProcess | undefined
test.after(() => {
  if (child !== undefined && child.exitCode === null) child.kill('SIGKILL')
})

function call(url: string, method: string, headers: Record<string, string> = {}, body?: unknown): Promise<{status: number; headers: http.IncomingHttpHeaders; text: string}> {
  return new Promise((resolve, reject) => {
    const payload = body === undefined ? undefined : JSON.stringify(body)
    const req = http.request(url, {method, headers: {...headers, ...(payload === undefined ? {} : {'Content-Type': 'application/json'})}, agent: false}, (res) => {
      let text = ''
      res.setEncoding('utf8').on('data', (c: string) => (text += c))
      res.on('end', () => resolve({status: res.statusCode ?? 0, headers: res.headers, text}))
    })
    req.on('error', reject)
    req.end(payload)
  })
}

test('machines role: admin or watcher; listed; an unknown machine exits 5, an unknown role 2', async () => {
  const home = makeHome('console-roles')
  assert.is((await home.json(['machines', 'add', 'alice', '--password', 'pw', '--role', 'admin'])).body.role, 'admin')
  const demoted = await home.json(['machines', 'role', 'alice', 'watcher'])
  assert.is(demoted.status, 0, demoted.stderr)
  assert.equal(demoted.body, {machine_id: 'alice', role: 'watcher'})
  const list = await home.json(['machines', 'list'])
  assert.is(list.body.find((m: {machine_id: string}) => m.machine_id === 'alice').role, 'watcher')
  const ghost = await home.run(['machines', 'role', 'ghost', 'admin'])
  assert.is(ghost.status, 5)
  assert.match(ghost.stderr, "machine 'ghost' does not exist")
  assert.is((await home.run(['machines', 'role', 'alice', 'root'])).status, 2)
})

test('lapi serve with [lapi] console = true: the page, a login, the hub and the saved watch figures', async () => {
  const home = makeHome('console-serve', '[lapi]\nconsole = true\n')
  assert.is((await home.json(['machines', 'add', 'boss', '--password', 'pw-boss', '--role', 'admin'])).status, 0)
  const figures = {acquisition: [{source: '/var/log/auth.log', module: 'file', type: 'syslog', lines_read: 10, lines_parsed: 8, lines_unparsed: 2, lines_poured: 3}],
    parsers: [], buckets: [], alerts: [], at: '2026-03-02T10:00:00Z', since: '2026-03-02T09:00:00Z'}
  fs.mkdirSync(path.join(home.dir, 'watch'), {recursive: true})
  fs.writeFileSync(path.join(home.dir, 'watch', 'metrics.json'), JSON.stringify(figures))

  const served = await startLapiServe(home.env)
  child = served.child
  const exited = new Promise<number | null>((resolve) => served.child.on('exit', (code) => resolve(code)))
  const url = served.url
  const page = await call(`${url}console/`, 'GET')
  assert.is(page.status, 200)
  assert.match(page.text, '<script src="/console/console.js" defer></script>')
  assert.match(String(page.headers['content-security-policy']), "default-src 'self'")
  const login = await call(`${url}console/api/login`, 'POST', {}, {machine_id: 'boss', password: 'pw-boss'})
  assert.is(login.status, 200, login.text)
  const cookie = /^(crowd_console=[^;]+)/.exec(login.headers['set-cookie']![0]!)![1]!
  assert.is(JSON.parse(login.text).role, 'admin')
  const hub = JSON.parse((await call(`${url}console/api/hub`, 'GET', {Cookie: cookie})).text)
  assert.is(hub.available, true, JSON.stringify(hub))
  assert.ok(Array.isArray(hub.packages))
  const metrics = JSON.parse((await call(`${url}console/api/metrics`, 'GET', {Cookie: cookie})).text)
  assert.is(metrics.available, true, JSON.stringify(metrics))
  assert.is(metrics.figures.acquisition[0].lines_read, 10)
  assert.is(metrics.from, path.join(home.dir, 'watch', 'metrics.json'))
  child.kill('SIGTERM')
  assert.is(await exited, 0, served.stderr())
})

test.run()
