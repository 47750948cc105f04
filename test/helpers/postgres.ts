/**
 * PostgreSQL for tests. `postgresUrl()` gives each caller a fresh, uniquely named database and
 * a `drop()` for it, on:
 * - the server of env CROWD_TEST_PG_URL when set (CI's .ci/run starts a throw-away cluster as
 *   the postgres user on 127.0.0.1, trust auth, and exports its URL);
 * - else a private cluster started here on first use: initdb into a temp dir (as the postgres
 *   user when running as root), pg_ctl start on 127.0.0.1 and a free port, the socket in the
 *   temp dir. It is stopped and its dir removed when the process exits (or `stopPostgres()`).
 *
 * The binaries are the newest /usr/lib/postgresql/<version>/bin (Debian's layout).
 */
import {execFileSync} from 'node:child_process'
import {randomBytes} from 'node:crypto'
import * as fs from 'node:fs'
import * as net from 'node:net'
import * as os from 'node:os'
import * as path from 'node:path'
import pg from 'pg'

export interface TestDatabase {
  /** postgres://user@host:port/crowd_test_<random> */
  url: string
  name: string
  /** Drops the database (closing whatever is still connected to it). */
  drop(): Promise<void>
}

interface Cluster {
  dir: string
  bin: string
  port: number
  url: string
}

const PG_ROOT = '/usr/lib/postgresql'

let cluster: Promise<Cluster> | undefined
let running: Cluster | undefined
let hooked = false

/** The bin dir of the newest PostgreSQL installed, or null. */
export function postgresBin(): string | null {
  let versions: string[]
  try {
    versions = fs.readdirSync(PG_ROOT).filter((v) => fs.existsSync(path.join(PG_ROOT, v, 'bin', 'initdb')))
  } catch {
    return null
  }
  versions.sort((a, b) => a.localeCompare(b, 'en', {numeric: true}))
  const newest = versions.at(-1)
  return newest === undefined ? null : path.join(PG_ROOT, newest, 'bin')
}

/**
 * A fresh database for one test, on CI's server or on a private cluster. `template` names a
 * database (from an earlier call, no longer connected to) to copy instead of an empty one.
 */
export async function postgresUrl(options: {template?: string} = {}): Promise<TestDatabase> {
  const server = process.env.CROWD_TEST_PG_URL || (await privateCluster()).url
  const name = `crowd_test_${randomBytes(6).toString('hex')}`
  const template = options.template === undefined ? '' : ` TEMPLATE ${quoteIdent(options.template)}`
  // FILE_COPY (PostgreSQL 15+) is several times faster than the default for a small template
  await admin(server, `CREATE DATABASE ${name}${template} STRATEGY FILE_COPY`).catch(async (error: {code?: string}) => {
    if (error.code !== '42601' && error.code !== '42704') throw error
    await admin(server, `CREATE DATABASE ${name}${template}`)
  })
  const url = new URL(server)
  url.pathname = `/${name}`
  let dropped = false
  return {
    url: url.toString(),
    name,
    drop: async () => {
      if (dropped) return
      dropped = true
      await admin(server, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)
    },
  }
}

/** Stops the private cluster now (it is also stopped at exit). No-op on CI's server. */
export async function stopPostgres(): Promise<void> {
  if (cluster === undefined) return
  const c = await cluster.catch(() => undefined)
  cluster = undefined
  const e = c === undefined ? undefined : admins.get(c.url)
  if (e !== undefined) {
    clearTimeout(e.timer)
    admins.delete(c!.url)
    await e.client.then((client) => client.end()).catch(() => undefined)
  }
  stopNow()
}

const quoteIdent = (name: string): string => `"${name.replace(/"/g, '""')}"`

/**
 * One maintenance connection per server, reused by back-to-back calls and closed once idle for
 * a moment (so that it never keeps the process alive for long).
 */
const admins = new Map<string, {client: Promise<pg.Client>; pending: number; timer?: NodeJS.Timeout; queue: Promise<unknown>}>()
const ADMIN_IDLE_MS = 250

async function admin(server: string, sql: string): Promise<void> {
  let entry = admins.get(server)
  if (entry === undefined) {
    const client = new pg.Client({connectionString: server, connectionTimeoutMillis: 10_000})
    client.on('error', () => admins.delete(server))
    const connected = client.connect().then(() => client)
    connected.catch(() => admins.delete(server))
    entry = {client: connected, pending: 0, queue: Promise.resolve()}
    admins.set(server, entry)
  }
  const e = entry
  clearTimeout(e.timer)
  e.pending++
  const run = e.queue.then(async () => {
    await (await e.client).query(sql)
  })
  e.queue = run.catch(() => undefined)
  try {
    await run
  } finally {
    if (--e.pending === 0) {
      e.timer = setTimeout(() => {
        if (admins.get(server) === e) admins.delete(server)
        void e.client.then((c) => c.end()).catch(() => undefined)
      }, ADMIN_IDLE_MS)
    }
  }
}

function privateCluster(): Promise<Cluster> {
  cluster ??= startCluster()
  return cluster
}

/** A free TCP port on 127.0.0.1 (closed again; the caller binds it right away). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer()
    server.on('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const port = (server.address() as net.AddressInfo).port
      server.close(() => resolve(port))
    })
  })
}

/** Runs a PostgreSQL program as the postgres user when we are root (initdb refuses root). */
function pgRun(bin: string, program: string, args: string[]): void {
  const file = path.join(bin, program)
  const asRoot = process.getuid?.() === 0
  execFileSync(asRoot ? 'runuser' : file, asRoot ? ['-u', 'postgres', '--', file, ...args] : args, {
    stdio: ['ignore', 'ignore', 'pipe'],
    timeout: 60_000,
  })
}

async function startCluster(): Promise<Cluster> {
  const bin = postgresBin()
  if (bin === null) throw new Error(`no PostgreSQL under ${PG_ROOT} and CROWD_TEST_PG_URL is not set`)
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'crowd-test-pg-'))
  if (process.getuid?.() === 0) execFileSync('chown', ['postgres:postgres', dir])
  const c: Cluster = {dir, bin, port: 0, url: ''}
  running = c
  hookExit()
  pgRun(bin, 'initdb', ['-D', path.join(dir, 'data'), '-A', 'trust', '-U', 'postgres', '--no-sync', '-E', 'UTF8'])
  let lastError: unknown
  for (let attempt = 0; attempt < 3; attempt++) {
    c.port = await freePort()
    try {
      pgRun(bin, 'pg_ctl', ['-D', path.join(dir, 'data'), '-l', path.join(dir, 'log'), '-w', '-t', '30', '-o',
        `-p ${c.port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200`,
        'start'])
      c.url = `postgres://postgres@127.0.0.1:${c.port}/postgres`
      return c
    } catch (error) {
      lastError = error // most likely the port was taken meanwhile
    }
  }
  stopNow()
  const log = fs.existsSync(path.join(dir, 'log')) ? fs.readFileSync(path.join(dir, 'log'), 'utf8') : ''
  throw new Error(`cannot start PostgreSQL: ${String((lastError as Error).message)}\n${log}`)
}

/** Synchronous, so that it can run in the process's 'exit' event. */
function stopNow(): void {
  const c = running
  if (c === undefined) return
  running = undefined
  try {
    if (fs.existsSync(path.join(c.dir, 'data', 'postmaster.pid'))) pgRun(c.bin, 'pg_ctl', ['-D', path.join(c.dir, 'data'), '-m', 'immediate', 'stop'])
  } catch {
    // already stopped
  }
  fs.rmSync(c.dir, {recursive: true, force: true})
}

function hookExit(): void {
  if (hooked) return
  hooked = true
  process.on('exit', stopNow)
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.once(signal, () => {
      stopNow()
      process.kill(process.pid, signal)
    })
  }
}
