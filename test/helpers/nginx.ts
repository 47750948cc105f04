/**
 * A throw-away Debian nginx for the nginx bouncer's tests: its own prefix under a test directory,
 * 127.0.0.1 and a free port, including the bouncer's map file, answering 403 "banned PID" when
 * `$crowd_banned` is set and 200 "ok PID" otherwise (PID: the worker that answered, so a test can
 * tell when a reload took over). Stopped by `stop()`, and killed if the test process exits first.
 */
import {spawn, type ChildProcess} from 'node:child_process'
import * as fs from 'node:fs'
import * as http from 'node:http'
import * as net from 'node:net'
import * as path from 'node:path'

export const NGINX = '/usr/sbin/nginx'

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch {
    return false
  }
}

function killQuietly(pid: number): void {
  try {
    process.kill(pid, 'SIGKILL')
  } catch {
    // gone
  }
}

async function freePort(): Promise<number> {
  const server = net.createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const p = (server.address() as net.AddressInfo).port
  await new Promise((resolve) => server.close(resolve))
  return p
}

export class TestNginx {
  readonly prefix: string
  readonly conf: string
  /** The file the bouncer writes and nginx includes. */
  readonly map: string
  port = 0
  stderr = ''
  #master: ChildProcess | undefined
  readonly #workers = new Set<number>()

  constructor(dir: string) {
    this.prefix = path.join(dir, 'nginx') + '/'
    this.conf = path.join(this.prefix, 'nginx.conf')
    this.map = path.join(this.prefix, 'crowd-bouncer.conf')
    // a test process that dies anyway leaves no nginx behind
    process.once('exit', () => {
      if (this.running) this.#master!.kill('SIGKILL')
      for (const pid of this.#workers) killQuietly(pid)
    })
  }

  /** `nginx -s reload` for this prefix (what the bouncer's reload_command runs). */
  get reloadCommand(): string[] {
    return [NGINX, '-p', this.prefix, '-c', this.conf, '-e', 'stderr', '-s', 'reload']
  }

  get running(): boolean {
    const m = this.#master
    return m !== undefined && m.pid !== undefined && m.exitCode === null && m.signalCode === null
  }

  /** A free port and the configuration (nginx is not started). */
  async configure(): Promise<void> {
    this.port = await freePort()
    fs.mkdirSync(path.join(this.prefix, 'logs'), {recursive: true})
    const temp = ['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi'].map((t) => `  ${t}_temp_path ${path.join(this.prefix, `${t}_temp`)};`).join('\n')
    fs.writeFileSync(this.conf, `# crowd's bouncer-nginx tests: a throw-away nginx on 127.0.0.1:${this.port}
pid ${path.join(this.prefix, 'nginx.pid')};
error_log stderr;
worker_processes 1;
events { worker_connections 64; }
http {
  access_log off;
${temp}
  include ${this.map};
  server {
    listen 127.0.0.1:${this.port};
    location / {
      if ($crowd_banned) { return 403 "banned $pid\\n"; }
      return 200 "ok $pid\\n";
    }
  }
}
`)
  }

  /** Starts nginx (in the foreground, as a child) and waits until it answers. */
  async start(): Promise<void> {
    const master = spawn(NGINX, ['-p', this.prefix, '-c', this.conf, '-e', 'stderr', '-g', 'daemon off;'], {stdio: ['ignore', 'ignore', 'pipe']})
    this.#master = master
    master.stderr!.setEncoding('utf8').on('data', (c: string) => (this.stderr += c))
    master.on('error', (error) => (this.stderr += `spawn: ${error.message}`))
    const first = await this.until('nginx to answer', () => this.request())
    this.#workers.add(first.pid)
  }

  /** Status and the answering worker's pid of one request from 127.0.0.1 (a new connection each time). */
  request(xff?: string): Promise<{status: number; pid: number}> {
    return new Promise((resolve, reject) => {
      const req = http.get({host: '127.0.0.1', port: this.port, path: '/', agent: false, headers: {connection: 'close', ...(xff === undefined ? {} : {'x-forwarded-for': xff})}}, (res) => {
        let body = ''
        res.setEncoding('utf8').on('data', (c: string) => (body += c)).on('end', () => resolve({status: res.statusCode ?? 0, pid: Number(body.trim().split(' ')[1])}))
      })
      req.on('error', reject)
    })
  }

  async status(xff?: string): Promise<number> {
    return (await this.request(xff)).status
  }

  /** Retries `check` until it returns a value (nginx starting, a reload taking over); fails with nginx's stderr after a generous bound. */
  async until<T>(what: string, check: () => Promise<T | undefined>): Promise<T> {
    for (let i = 0; i < 400; i++) {
      const m = this.#master
      if (m !== undefined && !this.running) throw new Error(`nginx exited (${m.exitCode ?? m.signalCode}) while waiting for ${what}: ${this.stderr}`)
      try {
        const v = await check()
        if (v !== undefined) return v
      } catch {
        // not answering yet
      }
      await sleep(50)
    }
    throw new Error(`gave up waiting for ${what}: ${this.stderr}`)
  }

  /** After a reload: waits until the worker `before` answered with has gone and a new one answers (every later request sees the new file). */
  async reloaded(before: number): Promise<void> {
    await this.until(`worker ${before} to leave after the reload`, async () => (alive(before) ? undefined : true))
    const after = await this.until('a new worker', async () => {
      const r = await this.request()
      return r.pid !== before ? r : undefined
    })
    this.#workers.add(after.pid)
  }

  /** Fast shutdown (the master stops its workers), SIGKILL after 10 s; workers left are killed. */
  async stop(): Promise<void> {
    const master = this.#master
    if (master !== undefined && this.running) {
      const exited = new Promise((resolve) => master.once('exit', resolve))
      master.kill('SIGTERM')
      await Promise.race([exited, sleep(10_000)])
      if (this.running) master.kill('SIGKILL')
    }
    for (const pid of this.#workers) if (alive(pid)) killQuietly(pid)
  }
}
