/**
 * Network namespaces for tests that run real firewall programs (nftables, ipset, iptables) without touching the host's
 * firewall: create one, run commands in it, reach a loopback TCP server of the root namespace from inside it, destroy it.
 *
 * Needs root (CAP_SYS_ADMIN + CAP_NET_ADMIN) and `ip` (iproute2) on PATH. Names are `crowdt-<creator pid>-<n>-<random>`,
 * so `sweepStaleNetns()` can delete the namespaces of test processes that died without cleaning up (a killed CI job) and
 * never those of a test process still running. Every namespace this process creates is also deleted on process exit
 * (synchronously: its processes SIGKILLed, then `ip netns del`), even when a test throws or never reaches its cleanup.
 *
 * Reaching the root namespace: a namespace has its own loopback, so `127.0.0.1:PORT` inside it is not the root
 * namespace's `127.0.0.1:PORT`. `forwardIntoNetns` bridges the two through a unix socket (filesystem unix sockets are
 * not network-namespaced): a relay process inside the namespace listens on the same host:port and pipes each connection
 * into the socket; this process accepts on the socket and connects to the real host:port. A URL like
 * `http://127.0.0.1:PORT/` therefore works unchanged inside the namespace, and the server sees clients as 127.0.0.1.
 */
import {execFile, execFileSync, spawn, type ChildProcess} from 'node:child_process'
import {randomBytes} from 'node:crypto'
import * as fs from 'node:fs'
import * as net from 'node:net'
import * as os from 'node:os'
import * as path from 'node:path'

export const NETNS_PREFIX = 'crowdt-'

/** Result of a command run to completion. */
export interface ExecResult {
  code: number | null
  signal: NodeJS.Signals | null
  stdout: string
  stderr: string
}

/** A network namespace created by `createNetns`. */
export interface Netns {
  readonly name: string
  /** argv (`[file, args]`) running `cmd args` inside the namespace, for your own spawn. The pid is the command's own. */
  argv(cmd: string, args: string[]): [string, string[]]
  /** Runs `cmd args` inside the namespace to completion (never rejects on a non-zero exit; check `code`). */
  exec(cmd: string, args: string[], opts?: {timeoutMs?: number; input?: string}): Promise<ExecResult>
  /** Pids of the processes currently in the namespace. */
  pids(): number[]
  /** Kills every process in the namespace (SIGKILL) and deletes it. Idempotent. */
  destroy(): Promise<void>
}

let counter = 0
const liveNamespaces = new Set<string>()
const liveDirs = new Set<string>()
let exitHookInstalled = false

function installExitHook(): void {
  if (exitHookInstalled) return
  exitHookInstalled = true
  process.on('exit', () => {
    for (const name of liveNamespaces) destroyNetnsSync(name)
    for (const dir of liveDirs) fs.rmSync(dir, {recursive: true, force: true})
  })
}

/** Runs a program to completion; resolves with its exit status and output (rejects only if it cannot be started). */
export function run(file: string, args: string[], opts: {timeoutMs?: number; input?: string; env?: NodeJS.ProcessEnv} = {}): Promise<ExecResult> {
  return new Promise((resolve, reject) => {
    const child = execFile(
      file,
      args,
      {timeout: opts.timeoutMs ?? 30_000, maxBuffer: 256 * 1024 * 1024, env: opts.env ?? process.env, killSignal: 'SIGKILL'},
      (error, stdout, stderr) => {
        const e = error as (NodeJS.ErrnoException & {code?: unknown; signal?: NodeJS.Signals | null}) | null
        if (e && typeof e.code === 'string') return reject(new Error(`cannot run ${file}: ${e.message}`))
        resolve({
          code: e ? (typeof e.code === 'number' ? e.code : null) : 0,
          signal: e?.signal ?? null,
          stdout: String(stdout),
          stderr: String(stderr),
        })
      },
    )
    if (opts.input !== undefined) child.stdin?.end(opts.input)
  })
}

/** Whether network namespaces can be created here (root, `ip` on PATH, kernel support); `reason` says why not. */
export function netnsSupported(): {ok: boolean; reason?: string} {
  if (typeof process.getuid === 'function' && process.getuid() !== 0) return {ok: false, reason: 'network namespaces need root'}
  const name = `${NETNS_PREFIX}${process.pid}-probe-${randomBytes(3).toString('hex')}`
  try {
    execFileSync('ip', ['netns', 'add', name], {stdio: 'pipe'})
  } catch (e) {
    return {ok: false, reason: `ip netns add failed: ${(e as Error).message.split('\n')[0]}`}
  }
  destroyNetnsSync(name)
  return {ok: true}
}

function listNetns(): string[] {
  try {
    const out = execFileSync('ip', ['-j', 'netns', 'list'], {encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe']})
    const parsed = out.trim() === '' ? [] : (JSON.parse(out) as {name: string}[])
    return parsed.map((n) => n.name)
  } catch {
    try {
      return fs.readdirSync('/run/netns')
    } catch {
      return []
    }
  }
}

function netnsPidsSync(name: string): number[] {
  try {
    const out = execFileSync('ip', ['netns', 'pids', name], {encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore']})
    return out.split(/\s+/).filter(Boolean).map(Number).filter((n) => Number.isInteger(n) && n > 0)
  } catch {
    return []
  }
}

function destroyNetnsSync(name: string): void {
  // Processes keep a namespace alive after `ip netns del`, so kill them first (twice: one may be forking).
  for (let round = 0; round < 2; round++) {
    for (const pid of netnsPidsSync(name)) {
      try {
        process.kill(pid, 'SIGKILL')
      } catch {
        /* already gone */
      }
    }
  }
  try {
    execFileSync('ip', ['netns', 'del', name], {stdio: 'ignore'})
  } catch {
    /* already gone */
  }
  liveNamespaces.delete(name)
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM'
  }
}

/**
 * Deletes `crowdt-<pid>-…` namespaces whose creating process no longer exists (left by a killed test run). Returns the
 * names deleted. Namespaces of live processes, and any not following the naming scheme, are left alone.
 */
export function sweepStaleNetns(prefix = NETNS_PREFIX): string[] {
  const swept: string[] = []
  for (const name of listNetns()) {
    if (!name.startsWith(prefix)) continue
    const pid = Number(name.slice(prefix.length).split('-')[0])
    if (!Number.isInteger(pid) || pid <= 0 || pid === process.pid || pidAlive(pid)) continue
    destroyNetnsSync(name)
    swept.push(name)
  }
  return swept
}

/** Creates a fresh network namespace with its loopback up. Destroy it with `destroy()` (also done at process exit). */
export async function createNetns(opts: {prefix?: string} = {}): Promise<Netns> {
  installExitHook()
  sweepStaleNetns()
  const name = `${opts.prefix ?? NETNS_PREFIX}${process.pid}-${++counter}-${randomBytes(2).toString('hex')}`
  const add = await run('ip', ['netns', 'add', name])
  if (add.code !== 0) throw new Error(`ip netns add ${name} failed (${add.code}): ${add.stderr.trim()}`)
  liveNamespaces.add(name)
  const lo = await run('ip', ['netns', 'exec', name, 'ip', 'link', 'set', 'lo', 'up'])
  if (lo.code !== 0) {
    destroyNetnsSync(name)
    throw new Error(`bringing lo up in ${name} failed: ${lo.stderr.trim()}`)
  }
  let destroyed = false
  return {
    name,
    argv: (cmd, args) => ['ip', ['netns', 'exec', name, cmd, ...args]],
    exec: (cmd, args, o = {}) => run('ip', ['netns', 'exec', name, cmd, ...args], o),
    pids: () => netnsPidsSync(name),
    destroy: async () => {
      if (destroyed) return
      destroyed = true
      destroyNetnsSync(name)
    },
  }
}

/** The relay that runs inside the namespace: listens on host:port there, pipes each connection into the unix socket. */
const NS_RELAY = `
const net = require('node:net')
const [sock, host, port] = process.argv.slice(1)
const server = net.createServer((c) => {
  const u = net.connect(sock)
  c.pipe(u); u.pipe(c)
  c.on('error', () => u.destroy()); u.on('error', () => c.destroy())
  c.on('close', () => u.destroy()); u.on('close', () => c.destroy())
})
server.on('error', (e) => { console.error('relay: ' + e.message); process.exit(1) })
server.listen(Number(port), host, () => console.log('ready'))
`

/** A TCP bridge from inside a namespace to the root namespace. */
export interface TcpForward {
  /** The relay process inside the namespace (for diagnostics). */
  readonly relayPid: number
  relayOutput(): string
  /** Stops the relay and the unix-socket listener. Idempotent. */
  stop(): Promise<void>
}

/**
 * Makes `host:port` of the root namespace (a loopback TCP server) reachable at the same `host:port` inside `ns`.
 * `host` is an IP literal (`127.0.0.1`, `::1`) or `localhost` (then both are bridged).
 */
export async function forwardIntoNetns(ns: Netns, target: {host: string; port: number}, opts: {timeoutMs?: number} = {}): Promise<TcpForward> {
  const hosts = target.host === 'localhost' ? ['127.0.0.1', '::1'] : [target.host.replace(/^\[|\]$/g, '')]
  installExitHook()
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `crowdt-${process.pid}-relay-`))
  liveDirs.add(dir)
  const sock = path.join(dir, 'r.sock')
  const connectHost = hosts[0]!
  const server = net.createServer((c) => {
    const u = net.connect(target.port, connectHost)
    c.pipe(u)
    u.pipe(c)
    c.on('error', () => u.destroy())
    u.on('error', () => c.destroy())
    c.on('close', () => u.destroy())
    u.on('close', () => c.destroy())
  })
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(sock, () => resolve())
  })
  server.unref()
  const relays: ChildProcess[] = []
  let output = ''
  const stop = async (): Promise<void> => {
    for (const r of relays) if (r.exitCode === null && r.signalCode === null) r.kill('SIGKILL')
    await new Promise<void>((resolve) => server.close(() => resolve()))
    fs.rmSync(dir, {recursive: true, force: true})
    liveDirs.delete(dir)
  }
  try {
    for (const host of hosts) {
      const [file, args] = ns.argv(process.execPath, ['-e', NS_RELAY, sock, host, String(target.port)])
      const child = spawn(file, args, {stdio: ['ignore', 'pipe', 'pipe']})
      relays.push(child)
      // A forgotten relay must not keep the test process alive; the exit hook kills it with its namespace.
      child.unref()
      ;(child.stdout as unknown as net.Socket).unref()
      ;(child.stderr as unknown as net.Socket).unref()
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`relay in ${ns.name} not ready: ${output}`)), opts.timeoutMs ?? 10_000)
        const onData = (d: Buffer): void => {
          output += d.toString()
          if (output.includes('ready')) {
            clearTimeout(timer)
            resolve()
          }
        }
        child.stdout!.on('data', onData)
        child.stderr!.on('data', (d: Buffer) => (output += d.toString()))
        child.on('exit', (code) => {
          clearTimeout(timer)
          reject(new Error(`relay in ${ns.name} exited (${code}): ${output}`))
        })
        child.on('error', (e) => {
          clearTimeout(timer)
          reject(e)
        })
      })
    }
  } catch (e) {
    await stop()
    throw e
  }
  return {relayPid: relays[0]!.pid ?? -1, relayOutput: () => output, stop}
}
