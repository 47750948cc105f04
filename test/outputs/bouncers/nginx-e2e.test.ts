/**
 * The runtime with crowd/bouncer-nginx (plugins/), packed into a directory source and installed
 * with its grant (write the configuration's map_path, run nginx -s reload), fed by `crowd bouncer
 * run nginx --once` from a real `crowd lapi serve`, enforced by a real nginx (Debian's
 * /usr/sbin/nginx) this test starts in a temporary prefix on 127.0.0.1 and a free port, trusting
 * X-Forwarded-For from 127.0.0.1: the decision added is refused (403), another address is not;
 * after the decision is deleted and another added, the next run rewrites the file, reloads nginx
 * and the answers follow. Skipped, saying why, without nginx.
 */
import {spawn, type ChildProcess} from 'node:child_process'
import * as fs from 'node:fs'
import * as http from 'node:http'
import * as net from 'node:net'
import * as path from 'node:path'
import {test} from 'uvu'
import * as assert from 'uvu/assert'
import {makeHome} from '../../commands/lapi/helpers.js'
import {BIN, ROOT} from '../../helpers/run-cli.js'
import {installRepoPackage, startLapiServe} from '../../helpers/lapi-serve.js'

const NGINX = '/usr/sbin/nginx'
const home = makeHome('bouncer-nginx-e2e')
const prefix = path.join(home.dir, 'nginx') + '/'
const conf = path.join(prefix, 'nginx.conf')
const map = path.join(prefix, 'crowd-bouncer.conf')
let lapi: ChildProcess | undefined
let nginx: ChildProcess | undefined
let nginxStderr = ''
const workers = new Set<number>()
let port = 0

const running = (c: ChildProcess | undefined): c is ChildProcess => c !== undefined && c.pid !== undefined && c.exitCode === null && c.signalCode === null

test.after(async () => {
  if (running(lapi)) lapi.kill('SIGKILL')
  if (running(nginx)) {
    const master = nginx
    const exited = new Promise((resolve) => master.once('exit', resolve))
    master.kill('SIGTERM') // fast shutdown: the master stops its workers
    await Promise.race([exited, sleep(10_000)])
    if (running(master)) master.kill('SIGKILL')
  }
  for (const pid of workers) killQuietly(pid)
})
process.once('exit', () => {
  if (running(nginx)) nginx.kill('SIGKILL')
  for (const pid of workers) killQuietly(pid)
})

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

function killQuietly(pid: number): void {
  try {
    process.kill(pid, 'SIGKILL')
  } catch {
    // gone
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch {
    return false
  }
}

/** Status and answering worker's pid of one request from 127.0.0.1 (a new connection each time). */
function request(xff?: string): Promise<{status: number; pid: number}> {
  return new Promise((resolve, reject) => {
    const req = http.get({host: '127.0.0.1', port, path: '/', agent: false, headers: {connection: 'close', ...(xff === undefined ? {} : {'x-forwarded-for': xff})}}, (res) => {
      let body = ''
      res.setEncoding('utf8').on('data', (c: string) => (body += c)).on('end', () => resolve({status: res.statusCode ?? 0, pid: Number(body.trim().split(' ')[1])}))
    })
    req.on('error', reject)
  })
}

/** Retries `check` until it returns a value; fails with nginx's stderr after a generous bound. */
async function until<T>(what: string, check: () => Promise<T | undefined>): Promise<T> {
  for (let i = 0; i < 400; i++) {
    if (nginx !== undefined && !running(nginx)) throw new Error(`nginx exited while waiting for ${what}: ${nginxStderr}`)
    try {
      const v = await check()
      if (v !== undefined) return v
    } catch {
      // not answering yet
    }
    await sleep(50)
  }
  throw new Error(`gave up waiting for ${what}: ${nginxStderr}`)
}

function runWith(args: string[], env: Record<string, string>): Promise<{status: number; stdout: string; stderr: string}> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [BIN, ...args], {cwd: ROOT, env: {...process.env, NO_COLOR: '1', ...home.env, ...env}, stdio: ['ignore', 'pipe', 'pipe']})
    let stdout = ''
    let stderr = ''
    child.stdout.setEncoding('utf8').on('data', (c: string) => (stdout += c))
    child.stderr.setEncoding('utf8').on('data', (c: string) => (stderr += c))
    child.on('close', (code) => resolve({status: code ?? -1, stdout, stderr}))
  })
}

async function freePort(): Promise<number> {
  const server = net.createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const p = (server.address() as net.AddressInfo).port
  await new Promise((resolve) => server.close(resolve))
  return p
}

if (!fs.existsSync(NGINX)) console.log(`nginx-e2e: ${NGINX} is missing (apt-get install nginx): skipped`)
else {
  test('crowd bouncer run nginx --once writes the geo file and reloads a real nginx, which refuses the banned address behind the trusted proxy', async () => {
    await installRepoPackage(home, 'bouncer-nginx')
    const key = await home.json(['bouncers', 'add', 'nginx'])
    assert.is((await home.run(['decisions', 'add', '--ip', '198.51.100.7', '--duration', '1h', '--reason', 'manual ban'])).status, 0)

    const served = await startLapiServe(home.env)
    lapi = served.child
    const url = served.url

    port = await freePort()
    fs.mkdirSync(path.join(prefix, 'logs'), {recursive: true})
    const temp = ['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi'].map((t) => `  ${t}_temp_path ${path.join(prefix, `${t}_temp`)};`).join('\n')
    fs.writeFileSync(conf, `pid ${path.join(prefix, 'nginx.pid')};\nerror_log stderr;\nworker_processes 1;\nevents { worker_connections 64; }\nhttp {\n  access_log off;\n${temp}\n  include ${map};\n` +
      `  server {\n    listen 127.0.0.1:${port};\n    location / {\n      if ($crowd_banned) { return 403 "banned $pid\\n"; }\n      return 200 "ok $pid\\n";\n    }\n  }\n}\n`)
    const reload = [NGINX, '-p', prefix, '-c', conf, '-e', 'stderr', '-s', 'reload']
    fs.mkdirSync(path.join(home.dir, 'bouncers'))
    const yaml = (reloadCommand: string[]) => fs.writeFileSync(path.join(home.dir, 'bouncers', 'nginx.yaml'),
      `api_url: ${url}\napi_key: \${API_KEY}\nmap_path: ${map}\ntrusted_proxies: [127.0.0.1]\nreload_command: ${JSON.stringify(reloadCommand)}\napply_interval: 0s\n`)

    // the first run, before nginx includes the file: write it, nothing to reload
    yaml([])
    const first = await runWith(['bouncer', 'run', 'nginx', '--once', '--json'], {API_KEY: key.body.api_key})
    assert.is(first.status, 0, first.stdout + first.stderr)
    assert.equal(JSON.parse(first.stdout).pluginStats, {written: fs.statSync(map).size, entries: 1, refused: 0, skipped: 0, reloaded: false})
    assert.match(fs.readFileSync(map, 'utf8'), 'geo $crowd_banned {\n    default 0;\n    proxy 127.0.0.1;\n    198.51.100.7 1;\n}\n')

    nginx = spawn(NGINX, ['-p', prefix, '-c', conf, '-e', 'stderr', '-g', 'daemon off;'], {stdio: ['ignore', 'ignore', 'pipe']})
    nginx.stderr!.setEncoding('utf8').on('data', (c: string) => (nginxStderr += c))
    const before = await until('nginx to answer', () => request())
    workers.add(before.pid)
    assert.is((await request('198.51.100.7')).status, 403, 'the decision, behind the trusted proxy')
    assert.is((await request('198.51.100.8')).status, 200, 'another address')
    assert.is(before.status, 200, 'the proxy itself')

    // the decision goes, another comes: the next run rewrites the file and reloads nginx
    assert.is((await home.run(['decisions', 'delete', '--ip', '198.51.100.7'])).status, 0)
    assert.is((await home.run(['decisions', 'add', '--ip', '203.0.113.9', '--duration', '1h'])).status, 0)
    yaml(reload)
    const second = await runWith(['bouncer', 'run', 'nginx', '--once', '--json'], {API_KEY: key.body.api_key})
    assert.is(second.status, 0, second.stdout + second.stderr)
    assert.equal(JSON.parse(second.stdout).pluginStats, {written: fs.statSync(map).size, entries: 1, refused: 0, skipped: 0, reloaded: true})
    await until(`worker ${before.pid} to leave after the reload`, async () => (alive(before.pid) ? undefined : true))
    const after = await until('a new worker', async () => {
      const r = await request()
      return r.pid !== before.pid ? r : undefined
    })
    workers.add(after.pid)
    assert.is((await request('198.51.100.7')).status, 200, 'deleted: allowed again')
    assert.is((await request('203.0.113.9')).status, 403, 'the new decision')
  })
}

test.run()
