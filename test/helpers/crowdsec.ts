/**
 * Test harness for CrowdSec's own programs (Debian's 1.4.6 packages) as clients of an arbitrary Local API URL, and for
 * CrowdSec's LAPI itself as the anchor to compare crowd's LAPI with.
 *
 * - `startCrowdsecLapi()`: `crowdsec -no-cs -no-capi` (LAPI only) on 127.0.0.1:<free port>, own sqlite db and dirs.
 * - `cscliFor(url, machineId, password)`: `cscli` against any LAPI (`lapi status`, `decisions list/add/delete/import`,
 *   `alerts list`, …), with a generated config and credentials file.
 * - `runCrowdsecAgent({...})`: the agent with `-no-api -dsn file://… -type …` replays one log, pushes its alerts to
 *   the LAPI and exits (1.4.6 pushes pending alerts on shutdown, then exits 0; a failed login exits 1).
 * - `startCustomBouncer({...})`: crowdsec-custom-bouncer calling a generated recorder script (one JSON line per call).
 * - `startFirewallBouncerInNetns({...})`: crowdsec-firewall-bouncer (nftables) inside a fresh network namespace, the
 *   LAPI reached through a relay (see netns.ts), ban sets read with `nft -j`.
 *
 * Every process, namespace and temp dir is tracked: `stop()` on each resource, a `Cleanup` registry (or `withCleanup`)
 * for tests, and a process-exit hook that SIGKILLs whatever is left and deletes it, even when a test throws. Processes
 * get SIGTERM, then SIGKILL after a bound. Binaries come from PATH; content from Debian's standard locations
 * (/usr/share/crowdsec/hub, /usr/share/crowdsec/data, /etc/crowdsec/patterns, /etc/crowdsec/profiles.yaml), each
 * overridable by an environment variable (CROWD_TEST_CROWDSEC_HUB, _DATA, _PATTERNS, _PROFILES). Set
 * CROWD_TEST_KEEP_TMP=1 to keep the temp dirs for inspection.
 *
 * Timing facts of the 1.4.6 programs (measured): LAPI ready in ~0.3 s, stops ~1.6 s after SIGTERM; each cscli command
 * logs in first (bcrypt, ~60 ms); the agent's replay of a small file takes ~3 s (two fixed 1 s sleeps at shutdown);
 * bouncers poll every `update_frequency` (we default to 1s). A bouncer whose first pull fails (LAPI down, 403) logs
 * the error and then hangs without retrying or exiting: start bouncers only once the LAPI answers.
 */
import {spawn, type ChildProcess} from 'node:child_process'
import {randomBytes} from 'node:crypto'
import * as fs from 'node:fs'
import * as http from 'node:http'
import * as net from 'node:net'
import * as os from 'node:os'
import * as path from 'node:path'
import {stringify as toYaml} from 'yaml'
import {DEFAULT_PROFILES_YAML} from '../../src/decide/profile-config.js'
import {createNetns, forwardIntoNetns, run, sweepStaleNetns, type ExecResult, type Netns, type TcpForward} from './netns.js'

// ---------------------------------------------------------------------------------------------------------------
// Paths and prerequisites

/** Where Debian's crowdsec package keeps what the harness reads (never written). */
export const CROWDSEC_PATHS = {
  hubDir: process.env.CROWD_TEST_CROWDSEC_HUB ?? '/usr/share/crowdsec/hub',
  dataDir: process.env.CROWD_TEST_CROWDSEC_DATA ?? '/usr/share/crowdsec/data',
  patternsDir: process.env.CROWD_TEST_CROWDSEC_PATTERNS ?? '/etc/crowdsec/patterns',
  profiles: process.env.CROWD_TEST_CROWDSEC_PROFILES ?? '/etc/crowdsec/profiles.yaml',
  pluginDir: '/usr/lib/crowdsec/plugins',
}

/** CrowdSec's default profiles (the ones crowd ships too), used if Debian's /etc/crowdsec/profiles.yaml is absent. */
export const DEFAULT_PROFILES = DEFAULT_PROFILES_YAML

/** The programs the harness runs, looked up on PATH. */
export const CROWDSEC_BINARIES = ['crowdsec', 'cscli', 'crowdsec-custom-bouncer', 'crowdsec-firewall-bouncer', 'nft', 'ip'] as const

/** Full path of `name` on PATH, or undefined. */
export function which(name: string): string | undefined {
  for (const dir of (process.env.PATH ?? '/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin').split(path.delimiter)) {
    if (!dir) continue
    const p = path.join(dir, name)
    try {
      fs.accessSync(p, fs.constants.X_OK)
      if (fs.statSync(p).isFile()) return p
    } catch {
      /* not here */
    }
  }
  return undefined
}

function requireBinary(name: string): string {
  const p = which(name)
  if (!p) throw new Error(`${name} not found on PATH (install Debian's crowdsec, crowdsec-custom-bouncer, crowdsec-firewall-bouncer, nftables, iproute2)`)
  return p
}

/** What is missing to run the harness here (empty when everything is in place). */
export function crowdsecPrerequisites(): string[] {
  const missing: string[] = []
  for (const b of CROWDSEC_BINARIES) if (!which(b)) missing.push(`${b} on PATH`)
  if (!fs.existsSync(path.join(CROWDSEC_PATHS.hubDir, '.index.json'))) missing.push(`${CROWDSEC_PATHS.hubDir}/.index.json`)
  if (!fs.existsSync(CROWDSEC_PATHS.patternsDir)) missing.push(CROWDSEC_PATHS.patternsDir)
  if (typeof process.getuid === 'function' && process.getuid() !== 0) missing.push('root (network namespaces, nftables)')
  return missing
}

// ---------------------------------------------------------------------------------------------------------------
// Cleanup

type CleanupFn = () => void | Promise<void>

/**
 * A LIFO list of cleanup steps. Resources started with `{cleanup}` register their `stop()` here; `run()` runs every
 * step (later ones first), even if some fail, then throws the first error. Reusable after `run()`.
 */
export class Cleanup {
  private steps: {label: string; fn: CleanupFn}[] = []

  /** Registers `fn`; returns a function that unregisters it. */
  add(label: string, fn: CleanupFn): () => void {
    const step = {label, fn}
    this.steps.push(step)
    return () => {
      this.steps = this.steps.filter((s) => s !== step)
    }
  }

  async run(): Promise<void> {
    const steps = this.steps.reverse()
    this.steps = []
    const errors: unknown[] = []
    for (const s of steps) {
      try {
        await s.fn()
      } catch (e) {
        errors.push(new Error(`cleanup '${s.label}' failed: ${(e as Error).message}`))
      }
    }
    if (errors.length > 0) throw errors[0]
  }
}

/** Runs `fn` with a fresh `Cleanup` and runs it afterwards, whether `fn` resolved or threw. */
export async function withCleanup<T>(fn: (cleanup: Cleanup) => Promise<T>): Promise<T> {
  const cleanup = new Cleanup()
  try {
    return await fn(cleanup)
  } finally {
    await cleanup.run()
  }
}

/** Synchronous last-resort steps run at process exit for resources never stopped. */
const emergency = new Map<symbol, () => void>()
let exitHooksInstalled = false
const KEEP_TMP = process.env.CROWD_TEST_KEEP_TMP === '1'
/** Pids (with their start time, against pid reuse) of the processes this test process spawned, one JSON line each. */
const PROC_REGISTRY = path.join(os.tmpdir(), `crowdt-${process.pid}.procs`)

function installExitHooks(): void {
  if (exitHooksInstalled) return
  exitHooksInstalled = true
  sweepStaleResources()
  process.on('exit', () => {
    for (const fn of [...emergency.values()].reverse()) {
      try {
        fn()
      } catch {
        /* best effort */
      }
    }
    fs.rmSync(PROC_REGISTRY, {force: true})
  })
  // Turn Ctrl-C / a CI runner's SIGTERM into a normal exit so the hook above runs.
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.once(sig, () => process.exit(sig === 'SIGINT' ? 130 : 143))
  }
}

function registerEmergency(fn: () => void): () => void {
  installExitHooks()
  const key = Symbol()
  emergency.set(key, fn)
  return () => emergency.delete(key)
}

/** Field 22 of /proc/<pid>/stat (start time in clock ticks), or undefined if the process is gone. */
function processStartTime(pid: number): string | undefined {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8')
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19]
  } catch {
    return undefined
  }
}

function ownerAlive(pid: number): boolean {
  if (pid === process.pid) return true
  try {
    process.kill(pid, 0)
    return true
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM'
  }
}

/**
 * Cleans up after test processes that died without running their exit hook (SIGKILLed, e.g. a CI timeout): kills the
 * process groups they recorded in `crowdt-<pid>.procs` (only if pid and start time still match), deletes their
 * `crowdt-<pid>-*` temp dirs and `crowdt-<pid>-*` network namespaces. Resources of live test processes are untouched.
 * Runs automatically before the first resource of this process is created.
 */
export function sweepStaleResources(): {killed: number[]; dirs: string[]; namespaces: string[]} {
  const killed: number[] = []
  const dirs: string[] = []
  let entries: string[] = []
  try {
    entries = fs.readdirSync(os.tmpdir())
  } catch {
    /* no tmp */
  }
  for (const name of entries) {
    const m = /^crowdt-(\d+)(\.procs|-.+)$/.exec(name)
    if (!m || ownerAlive(Number(m[1]))) continue
    const full = path.join(os.tmpdir(), name)
    if (m[2] === '.procs') {
      for (const line of fs.readFileSync(full, 'utf8').split('\n')) {
        if (!line.trim()) continue
        try {
          const {pid, start} = JSON.parse(line) as {pid: number; start: string}
          if (start && processStartTime(pid) === start) {
            try {
              process.kill(-pid, 'SIGKILL')
            } catch {
              process.kill(pid, 'SIGKILL')
            }
            killed.push(pid)
          }
        } catch {
          /* gone or unparsable */
        }
      }
      fs.rmSync(full, {force: true})
    } else if (!KEEP_TMP) {
      fs.rmSync(full, {recursive: true, force: true})
      dirs.push(full)
    }
  }
  return {killed, dirs, namespaces: sweepStaleNetns()}
}

/** A temp dir `crowdt-<pid>-<prefix>-XXXXXX` under os.tmpdir(), deleted at process exit unless removed earlier (kept with CROWD_TEST_KEEP_TMP=1). */
export function makeTempDir(prefix: string): {dir: string; remove: () => void} {
  installExitHooks()
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `crowdt-${process.pid}-${prefix}-`))
  const remove = (): void => {
    if (!KEEP_TMP) fs.rmSync(dir, {recursive: true, force: true})
  }
  const unregister = registerEmergency(remove)
  return {
    dir,
    remove: () => {
      unregister()
      remove()
    },
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Processes

export interface ExitInfo {
  code: number | null
  signal: NodeJS.Signals | null
  /** Set when the program could not be started (ENOENT…). */
  error?: Error
}

/** A long-running child process with captured output. */
export interface ManagedProcess {
  readonly name: string
  readonly pid: number
  /** Resolves (never rejects) when the process has exited. */
  readonly exited: Promise<ExitInfo>
  /** The exit status once exited, else undefined. */
  exitInfo(): ExitInfo | undefined
  stdout(): string
  stderr(): string
  /** stdout and stderr interleaved in arrival order (at least the last `maxOutput` characters). */
  output(): string
  /** Resolves with the match once `re` matches the combined output; rejects on exit or after `timeoutMs`. */
  waitForOutput(re: RegExp, timeoutMs?: number): Promise<RegExpMatchArray>
  /** SIGTERM, then SIGKILL after `graceMs` (default 5000); resolves when exited. Idempotent. */
  stop(graceMs?: number): Promise<ExitInfo>
}

export interface SpawnOptions {
  cwd?: string
  env?: NodeJS.ProcessEnv
  /** Characters of output kept per stream (default 4 MiB); older output is dropped. */
  maxOutput?: number
  cleanup?: Cleanup
}

/**
 * Spawns `file args` in its own process group, stdio captured, tracked for exit cleanup. The child does not keep the
 * test process alive (it is unref'd; the exit hook kills it), so keep a timer or await something else while waiting.
 */
export function spawnManaged(name: string, file: string, args: string[], opts: SpawnOptions = {}): ManagedProcess {
  const max = opts.maxOutput ?? 4 * 1024 * 1024
  let out = ''
  let err = ''
  let all = ''
  let info: ExitInfo | undefined
  const watchers = new Set<() => void>()
  const child: ChildProcess = spawn(file, args, {
    cwd: opts.cwd,
    env: opts.env ?? process.env,
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true, // own process group: stop() kills the program and anything it forked (recorder scripts)
  })
  // Trim lazily (at 2× the cap) so that a chatty process costs amortised O(1) per chunk.
  const trim = (s: string): string => (s.length > 2 * max ? s.slice(s.length - max) : s)
  const notify = (): void => {
    for (const w of [...watchers]) w()
  }
  child.stdout!.on('data', (d: Buffer) => {
    const s = d.toString()
    out = trim(out + s)
    all = trim(all + s)
    notify()
  })
  child.stderr!.on('data', (d: Buffer) => {
    const s = d.toString()
    err = trim(err + s)
    all = trim(all + s)
    notify()
  })
  const pid = child.pid ?? -1
  if (pid > 0) {
    try {
      fs.appendFileSync(PROC_REGISTRY, JSON.stringify({pid, start: processStartTime(pid), name}) + '\n')
    } catch {
      /* the in-process exit hook still covers it */
    }
  }
  // Once Node has reaped the child its pid may be reused: never signal it after that.
  let reaped = false
  child.on('exit', () => (reaped = true))
  const killGroup = (sig: NodeJS.Signals): void => {
    if (pid <= 0 || reaped) return
    try {
      process.kill(-pid, sig)
    } catch {
      try {
        process.kill(pid, sig)
      } catch {
        /* gone */
      }
    }
  }
  const unregister = registerEmergency(() => killGroup('SIGKILL'))
  const exited = new Promise<ExitInfo>((resolve) => {
    child.on('error', (error) => {
      if (info) return
      info = {code: null, signal: null, error}
      unregister()
      notify()
      resolve(info)
    })
    const finish = (code: number | null, signal: NodeJS.Signals | null): void => {
      if (info) return
      info = {code, signal}
      unregister()
      notify()
      resolve(info)
    }
    // 'close' comes after the output is drained; if a straggler holds the pipes open, settle 2 s after 'exit'.
    child.on('close', finish)
    child.on('exit', (code, signal) => setTimeout(() => finish(code, signal), 2000).unref())
  })
  child.unref()
  ;(child.stdout as unknown as net.Socket).unref()
  ;(child.stderr as unknown as net.Socket).unref()

  let stopping: Promise<ExitInfo> | undefined
  const proc: ManagedProcess = {
    name,
    pid,
    exited,
    exitInfo: () => info,
    stdout: () => out,
    stderr: () => err,
    output: () => all,
    waitForOutput: (re, timeoutMs = 15_000) =>
      new Promise((resolve, reject) => {
        const check = (): void => {
          const m = all.match(re)
          if (m) {
            done()
            resolve(m)
          } else if (info) {
            done()
            reject(new Error(`${name} exited (${describeExit(info)}) before printing ${re}:\n${tail(all)}`))
          }
        }
        const timer = setTimeout(() => {
          done()
          reject(new Error(`${name}: no ${re} within ${timeoutMs} ms:\n${tail(all)}`))
        }, timeoutMs)
        const done = (): void => {
          clearTimeout(timer)
          watchers.delete(check)
        }
        watchers.add(check)
        check()
      }),
    stop: (graceMs = 5000) => {
      if (info) return Promise.resolve(info)
      stopping ??= (async () => {
        killGroup('SIGTERM')
        if (!(await settlesWithin(exited, graceMs))) killGroup('SIGKILL')
        if (!(await settlesWithin(exited, 5000))) throw new Error(`${name} (pid ${pid}) did not die after SIGKILL`)
        return exited
      })()
      return stopping
    },
  }
  opts.cleanup?.add(`stop ${name}`, () => proc.stop().then(() => undefined))
  return proc
}

function settlesWithin<T>(p: Promise<T>, ms: number): Promise<boolean> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(false), ms)
    void p.then(() => {
      clearTimeout(timer)
      resolve(true)
    })
  })
}

function describeExit(info: ExitInfo): string {
  return info.error ? info.error.message : info.signal ? `signal ${info.signal}` : `code ${info.code}`
}

function tail(s: string, n = 4000): string {
  return s.length > n ? '…' + s.slice(s.length - n) : s
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms))

/** Thrown inside a `pollUntil` callback to stop polling at once (the process being waited on died). */
class StopPolling extends Error {}

/** Polls `fn` every `intervalMs` until it returns a value other than undefined/false; rejects after `timeoutMs`. */
export async function pollUntil<T>(fn: () => Promise<T | undefined | false> | T | undefined | false, timeoutMs: number, what: string, intervalMs = 100): Promise<T> {
  const deadline = Date.now() + timeoutMs
  let lastError: unknown
  for (;;) {
    try {
      const v = await fn()
      if (v !== undefined && v !== false) return v as T
    } catch (e) {
      if (e instanceof StopPolling) throw new Error(e.message)
      lastError = e
    }
    if (Date.now() > deadline) {
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${lastError ? `: ${(lastError as Error).message}` : ''}`)
    }
    await sleep(intervalMs)
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Network helpers

/** A TCP port free on `host` right now (the OS picks it; another process may take it before you bind). */
export function freePort(host = '127.0.0.1'): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer()
    s.unref()
    s.once('error', reject)
    s.listen(0, host, () => {
      const port = (s.address() as net.AddressInfo).port
      s.close(() => resolve(port))
    })
  })
}

/** GET `url`; resolves with status and body (rejects on connection errors). */
export function httpGet(url: string, headers: Record<string, string> = {}, timeoutMs = 5000): Promise<{status: number; body: string}> {
  return new Promise((resolve, reject) => {
    const req = http.get(url, {headers, timeout: timeoutMs}, (res) => {
      const chunks: Buffer[] = []
      res.on('data', (c: Buffer) => chunks.push(c))
      res.on('end', () => resolve({status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8')}))
      res.on('error', reject)
    })
    req.on('timeout', () => req.destroy(new Error('timeout')))
    req.on('error', reject)
  })
}

/** True once something accepts TCP connections on host:port. */
export function tcpConnects(host: string, port: number, timeoutMs = 1000): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect({host, port})
    const done = (ok: boolean): void => {
      s.destroy()
      resolve(ok)
    }
    s.setTimeout(timeoutMs, () => done(false))
    s.once('connect', () => done(true))
    s.once('error', () => done(false))
  })
}

/**
 * Waits until a LAPI at `url` is up: `GET /health` answers 200, or (for a LAPI without /health) any HTTP answer to
 * it after TCP connects. Rejects after `timeoutMs`, or as soon as `proc` (the server process, if given) exits.
 */
export async function waitForLapi(url: string, timeoutMs = 20_000, proc?: ManagedProcess): Promise<void> {
  const u = new URL(url)
  const host = u.hostname.replace(/^\[|\]$/g, '')
  const port = Number(u.port || 80)
  const base = url.replace(/\/+$/, '')
  await pollUntil(
    async () => {
      const ex = proc?.exitInfo()
      if (ex) throw new StopPolling(`${proc!.name} exited (${describeExit(ex)}):\n${tail(proc!.output())}`)
      if (!(await tcpConnects(host, port))) return false
      try {
        const r = await httpGet(`${base}/health`)
        return r.status > 0
      } catch {
        return false
      }
    },
    timeoutMs,
    `LAPI at ${url}`,
  )
}

/** `url` with exactly one trailing slash (CrowdSec clients append `v1/...`). */
function withSlash(url: string): string {
  return url.replace(/\/+$/, '') + '/'
}

function writeYaml(file: string, value: unknown): void {
  fs.writeFileSync(file, toYaml(value, {lineWidth: 0}))
}

function profilesText(): string {
  try {
    return fs.readFileSync(CROWDSEC_PATHS.profiles, 'utf8')
  } catch {
    return DEFAULT_PROFILES
  }
}

function randomPassword(): string {
  return randomBytes(18).toString('base64url')
}

// ---------------------------------------------------------------------------------------------------------------
// cscli

export interface CscliResult {
  code: number | null
  signal: NodeJS.Signals | null
  stdout: string
  stderr: string
  durationMs: number
}

export interface CscliRunOptions {
  /** Resolve with a non-zero exit instead of rejecting (default false: reject with the output). */
  allowFailure?: boolean
  timeoutMs?: number
}

/** One decision for `importDecisions` (cscli's import format; `reason` is the decision's scenario). */
export interface DecisionSpec {
  value: string
  duration?: string
  type?: string
  /** `Ip` (default) or `Range`, or a custom scope. */
  scope?: string
  reason?: string
}

/**
 * Runs cscli with a fixed `-c config.yaml`: `await cscli(['decisions', 'add', '-i', '192.0.2.1'])`.
 * Rejects on a non-zero exit unless `{allowFailure: true}`. cscli logs to stderr; `-o json` output is on stdout.
 */
export interface CscliClient {
  (args: string[], opts?: CscliRunOptions): Promise<CscliResult>
  /** The generated config.yaml and its directory. */
  readonly configPath: string
  readonly dir: string
  /** Runs with `-o json` appended and parses stdout (cscli prints `null` for empty lists: you get `null`). */
  json<T = unknown>(args: string[], opts?: CscliRunOptions): Promise<T>
  /** `decisions list -o json` (plus `args`), flattened to the decisions with their alert id; `[]` when none. */
  decisions(args?: string[]): Promise<ListedDecision[]>
  /** `alerts list -o json` (plus `args`); `[]` when none. */
  alerts(args?: string[]): Promise<ListedAlert[]>
  /**
   * Bulk load with `cscli decisions import` (one POST /v1/alerts per chunk and scope; origin becomes `cscli-import`,
   * so plain `decisions list` hides them: list with `-a`). CrowdSec 1.4.6 takes ~1 s per 10k decisions.
   */
  importDecisions(items: DecisionSpec[], opts?: {chunkSize?: number}): Promise<{imported: number; ms: number}>
  /** Deletes the temp dir (cscliFor only; a LAPI's cscli lives in the LAPI's dir). */
  dispose(): void
}

/** A decision as `cscli decisions list -o json` shows it (inside its alert). */
export interface ListedDecision {
  id: number
  alertId: number
  duration: string
  origin: string
  scenario: string
  scope: string
  type: string
  value: string
  simulated: boolean
}

/** An alert as `cscli alerts list -o json` shows it (the fields tests usually read; the rest is there too). */
export interface ListedAlert {
  id: number
  scenario: string
  message: string
  machine_id?: string
  events_count: number
  source: {scope: string; value: string; ip?: string; range?: string}
  decisions: {id: number; value: string; type: string; scope: string; origin: string; duration: string; scenario: string}[] | null
  events: unknown[] | null
  start_at: string
  stop_at: string
  created_at: string
  [k: string]: unknown
}

function makeCscli(configPath: string, dir: string, dispose: () => void): CscliClient {
  const cscliBin = requireBinary('cscli')
  const runCscli = async (args: string[], opts: CscliRunOptions = {}): Promise<CscliResult> => {
    const t0 = Date.now()
    const r: ExecResult = await run(cscliBin, ['-c', configPath, ...args], {timeoutMs: opts.timeoutMs ?? 120_000})
    const result = {...r, durationMs: Date.now() - t0}
    if (!opts.allowFailure && r.code !== 0) {
      throw new Error(`cscli ${args.join(' ')} failed (${r.signal ?? r.code}):\n${tail(r.stderr)}\n${tail(r.stdout, 1000)}`)
    }
    return result
  }
  const json = async <T>(args: string[], opts?: CscliRunOptions): Promise<T> => {
    const r = await runCscli([...args, '-o', 'json'], opts)
    try {
      return JSON.parse(r.stdout) as T
    } catch {
      throw new Error(`cscli ${args.join(' ')} -o json: not JSON:\n${tail(r.stdout, 2000)}\n${tail(r.stderr, 2000)}`)
    }
  }
  const client = Object.assign(runCscli, {
    configPath,
    dir,
    json,
    decisions: async (args: string[] = []): Promise<ListedDecision[]> => {
      const alerts = (await json<ListedAlert[] | null>(['decisions', 'list', ...args])) ?? []
      return alerts.flatMap((a) =>
        (a.decisions ?? []).map((d) => ({...(d as Omit<ListedDecision, 'alertId' | 'simulated'>), simulated: Boolean((d as {simulated?: boolean}).simulated), alertId: a.id})),
      )
    },
    alerts: async (args: string[] = []): Promise<ListedAlert[]> => (await json<ListedAlert[] | null>(['alerts', 'list', ...args])) ?? [],
    importDecisions: async (items: DecisionSpec[], opts: {chunkSize?: number} = {}) => {
      const t0 = Date.now()
      const chunk = opts.chunkSize ?? 20_000
      // cscli 1.4.6 overrides every line's scope with --scope (default "Ip"), so import each scope separately.
      const byScope = new Map<string, DecisionSpec[]>()
      for (const d of items) {
        const scope = d.scope ?? 'Ip'
        let list = byScope.get(scope)
        if (!list) byScope.set(scope, (list = []))
        list.push(d)
      }
      let n = 0
      for (const [scope, list] of byScope) {
        for (let i = 0; i < list.length; i += chunk) {
          const file = path.join(dir, `import-${process.pid}-${n}.json`)
          const part = list.slice(i, i + chunk).map((d) => ({
            value: d.value,
            duration: d.duration ?? '4h',
            type: d.type ?? 'ban',
            scope,
            reason: d.reason ?? 'manual',
          }))
          fs.writeFileSync(file, JSON.stringify(part))
          try {
            await runCscli(['decisions', 'import', '-i', file, '--scope', scope])
          } finally {
            fs.rmSync(file, {force: true})
          }
          n += part.length
        }
      }
      return {imported: n, ms: Date.now() - t0}
    },
    dispose,
  })
  return client as CscliClient
}

function cscliConfig(dir: string, credentialsPath: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    common: {daemonize: false, log_media: 'stdout', log_level: 'info', working_dir: '.'},
    config_paths: {
      config_dir: dir + '/',
      data_dir: path.join(dir, 'data') + '/',
      simulation_path: path.join(dir, 'simulation.yaml'),
      hub_dir: withSlash(CROWDSEC_PATHS.hubDir),
      index_path: path.join(CROWDSEC_PATHS.hubDir, '.index.json'),
      notification_dir: path.join(dir, 'notifications') + '/',
      plugin_dir: withSlash(CROWDSEC_PATHS.pluginDir),
    },
    cscli: {output: 'human', color: 'no'},
    api: {client: {insecure_skip_verify: false, credentials_path: credentialsPath}},
    prometheus: {enabled: false},
    ...extra,
  }
}

function writeCredentials(file: string, url: string, login: string, password: string): void {
  writeYaml(file, {url: withSlash(url), login, password})
  fs.chmodSync(file, 0o600)
}

/**
 * A cscli bound to any LAPI: generated config.yaml + credentials (machine `machineId`/`password`, which must exist and
 * be validated on that LAPI). Works for every command that goes through the API (`lapi status`, `decisions
 * list|add|delete|import`, `alerts list|inspect|delete`); not for `machines`/`bouncers` (those open the database).
 */
export function cscliFor(url: string, machineId: string, password: string, opts: {cleanup?: Cleanup} = {}): CscliClient {
  const tmp = makeTempDir('cscli')
  const dir = tmp.dir
  fs.mkdirSync(path.join(dir, 'data'))
  fs.writeFileSync(path.join(dir, 'simulation.yaml'), 'simulation: off\n')
  const creds = path.join(dir, 'local_api_credentials.yaml')
  writeCredentials(creds, url, machineId, password)
  const configPath = path.join(dir, 'config.yaml')
  writeYaml(configPath, cscliConfig(dir, creds))
  const client = makeCscli(configPath, dir, tmp.remove)
  opts.cleanup?.add('cscli temp dir', tmp.remove)
  return client
}

// ---------------------------------------------------------------------------------------------------------------
// CrowdSec's LAPI

export interface CrowdsecLapiOptions {
  /** Port on 127.0.0.1 (default: a free one, retried if taken meanwhile). */
  port?: number
  /** profiles.yaml text (default: Debian's /etc/crowdsec/profiles.yaml). */
  profiles?: string
  /** common + api.server log level (default `info`: one access-log line per request; use `warning` for benchmarks). */
  logLevel?: 'trace' | 'debug' | 'info' | 'warning' | 'error'
  /** Alert retention (`db_config.flush`); default none (nothing is flushed). */
  flush?: {maxItems?: number; maxAge?: string}
  startTimeoutMs?: number
  cleanup?: Cleanup
}

export interface CrowdsecLapi {
  /** `http://127.0.0.1:<port>/` */
  readonly url: string
  readonly port: number
  /** The temp dir: config.yaml, profiles.yaml, data/crowdsec.db, credentials. */
  readonly dir: string
  readonly configPath: string
  readonly process: ManagedProcess
  /**
   * cscli with this LAPI's own config.yaml (database + credentials of machine `harness`): every command works,
   * including `machines` and `bouncers`.
   */
  readonly cscli: CscliClient
  /** Creates a validated machine (`cscli machines add NAME --password PW`). */
  addMachine(name: string, password?: string): Promise<{machineId: string; password: string}>
  /** Creates a bouncer and returns its API key (`cscli bouncers add NAME -o raw [-k KEY]`; default key: 32 hex chars). */
  addBouncer(name: string, key?: string): Promise<string>
  /** SIGTERM (SIGKILL after 5 s), then deletes the temp dir. Idempotent. */
  stop(): Promise<void>
}

/** Starts `crowdsec -no-cs -no-capi` (LAPI only) in a temp dir and waits until `/health` answers. */
export async function startCrowdsecLapi(opts: CrowdsecLapiOptions = {}): Promise<CrowdsecLapi> {
  const crowdsecBin = requireBinary('crowdsec')
  const tmp = makeTempDir('lapi')
  const dir = tmp.dir
  let proc: ManagedProcess | undefined
  try {
    fs.mkdirSync(path.join(dir, 'data'))
    fs.writeFileSync(path.join(dir, 'profiles.yaml'), opts.profiles ?? profilesText())
    fs.writeFileSync(path.join(dir, 'simulation.yaml'), 'simulation: off\n')
    fs.writeFileSync(path.join(dir, 'acquis.yaml'), '')
    const creds = path.join(dir, 'local_api_credentials.yaml')
    const configPath = path.join(dir, 'config.yaml')
    const level = opts.logLevel ?? 'info'
    let port = 0
    for (let attempt = 0; ; attempt++) {
      port = opts.port ?? (await freePort())
      const url = `http://127.0.0.1:${port}/`
      const db: Record<string, unknown> = {log_level: level, type: 'sqlite', db_path: path.join(dir, 'data', 'crowdsec.db'), use_wal: true}
      if (opts.flush) db.flush = {...(opts.flush.maxItems ? {max_items: opts.flush.maxItems} : {}), ...(opts.flush.maxAge ? {max_age: opts.flush.maxAge} : {})}
      const config = cscliConfig(dir, creds, {
        crowdsec_service: {acquisition_path: path.join(dir, 'acquis.yaml'), parser_routines: 1},
        db_config: db,
      }) as {common: Record<string, unknown>; api: Record<string, unknown>}
      config.common.log_level = level
      config.api.server = {
        log_level: level,
        listen_uri: `127.0.0.1:${port}`,
        profiles_path: path.join(dir, 'profiles.yaml'),
        trusted_ips: ['127.0.0.1', '::1'],
      }
      writeYaml(configPath, config)
      proc = spawnManaged(`crowdsec LAPI :${port}`, crowdsecBin, ['-c', configPath, '-no-cs', '-no-capi'], {cwd: dir})
      try {
        await waitForLapi(url, opts.startTimeoutMs ?? 20_000, proc)
        break
      } catch (e) {
        await proc.stop()
        if (opts.port === undefined && attempt < 2 && /address already in use/.test(proc.output())) continue
        throw e
      }
    }
    const url = `http://127.0.0.1:${port}/`
    const started = proc
    const cscli = makeCscli(configPath, dir, () => {})
    // The harness's own machine, so that `cscli` API commands work out of the box.
    await cscli(['machines', 'add', 'harness', '--password', randomPassword(), '-f', creds, '-u', url])
    let stopped = false
    const lapi: CrowdsecLapi = {
      url,
      port,
      dir,
      configPath,
      process: started,
      cscli,
      addMachine: async (name, password = randomPassword()) => {
        await cscli(['machines', 'add', name, '--password', password, '-f', '/dev/null'])
        return {machineId: name, password}
      },
      addBouncer: async (name, key) => {
        const r = await cscli(['bouncers', 'add', name, '-o', 'raw', ...(key ? ['-k', key] : [])])
        const k = r.stdout.trim().split('\n').pop()?.trim() ?? ''
        if (!k) throw new Error(`cscli bouncers add ${name}: no key in output:\n${r.stdout}\n${r.stderr}`)
        return k
      },
      stop: async () => {
        if (stopped) return
        stopped = true
        try {
          await started.stop()
        } finally {
          tmp.remove()
        }
      },
    }
    opts.cleanup?.add('stop crowdsec LAPI', lapi.stop)
    return lapi
  } catch (e) {
    await proc?.stop()
    tmp.remove()
    throw e
  }
}

// ---------------------------------------------------------------------------------------------------------------
// The agent

interface HubIndexItem {
  path: string
  stage?: string
  parsers?: string[]
  scenarios?: string[]
  postoverflows?: string[]
  collections?: string[]
}
type HubIndex = Record<'collections' | 'parsers' | 'postoverflows' | 'scenarios', Record<string, HubIndexItem>>

let hubIndexCache: HubIndex | undefined

function hubIndex(): HubIndex {
  hubIndexCache ??= JSON.parse(fs.readFileSync(path.join(CROWDSEC_PATHS.hubDir, '.index.json'), 'utf8')) as HubIndex
  return hubIndexCache
}

/**
 * Installs hub items into `configDir` the way `cscli <type> install` does offline: a symlink per item
 * (`parsers/<stage>/<file>`, `scenarios/<file>`, `postoverflows/<stage>/<file>`, `collections/<file>`) pointing
 * into the hub dir, dependencies of collections included. Items whose file is absent from the hub, and those in
 * `skip`, are left out. Returns the names installed, by type.
 */
export function installHubItems(
  configDir: string,
  items: {collections?: string[]; parsers?: string[]; scenarios?: string[]; postoverflows?: string[]},
  skip: string[] = ['crowdsecurity/geoip-enrich'],
): Record<string, string[]> {
  const idx = hubIndex()
  const installed: Record<string, string[]> = {collections: [], parsers: [], scenarios: [], postoverflows: []}
  const seen = new Set<string>()
  const visit = (type: keyof HubIndex, name: string): void => {
    const key = `${type}:${name}`
    if (seen.has(key) || skip.includes(name)) return
    seen.add(key)
    const item = idx[type]?.[name]
    if (!item) throw new Error(`hub item ${type} ${name} not in ${CROWDSEC_PATHS.hubDir}/.index.json`)
    const src = path.join(CROWDSEC_PATHS.hubDir, item.path)
    if (fs.existsSync(src)) {
      const destDir = path.join(configDir, type, ...(item.stage ? [item.stage] : []))
      fs.mkdirSync(destDir, {recursive: true})
      const dest = path.join(destDir, path.basename(item.path))
      fs.rmSync(dest, {force: true})
      fs.symlinkSync(src, dest)
      installed[type]!.push(name)
    }
    for (const t of ['parsers', 'scenarios', 'postoverflows', 'collections'] as const) for (const dep of item[t] ?? []) visit(t, dep)
  }
  for (const t of ['collections', 'parsers', 'scenarios', 'postoverflows'] as const) for (const name of items[t] ?? []) visit(t, name)
  return installed
}

export interface AgentRunOptions {
  /** The LAPI the agent posts to. */
  url: string
  machineId: string
  password: string
  /** The log to replay (`-dsn file://<abs path>`); or give `dsn` directly. */
  logFile?: string
  dsn?: string
  /** `-type` label (default `syslog`, for auth.log / sshd). */
  type?: string
  /** Extra `-label key:value` pairs. */
  labels?: Record<string, string>
  /** Hub collections to install (default `crowdsecurity/linux`, which brings sshd). */
  collections?: string[]
  /** Extra hub items. */
  parsers?: string[]
  scenarios?: string[]
  postoverflows?: string[]
  /** Default 60 s; then SIGKILL and reject. */
  timeoutMs?: number
  /** Data files dir the agent's data/ links to (default CROWDSEC_PATHS.dataDir). */
  dataDir?: string
  /** Reject if the agent exits non-zero or logs a failed push (default true). */
  check?: boolean
  cleanup?: Cleanup
}

export interface AgentRunResult {
  code: number | null
  signal: NodeJS.Signals | null
  stdout: string
  stderr: string
  output: string
  durationMs: number
  /** `Ip X performed 'scenario' (…)` lines: the overflows the agent saw. */
  overflows: string[]
  /** Lines reporting alerts that could not be sent (1.4.6 logs them and still exits 0). */
  pushErrors: string[]
  /** Hub items installed for the run. */
  installed: Record<string, string[]>
}

/**
 * Runs the 1.4.6 agent once as a watcher of `url` (`crowdsec -no-api -dsn … -type …`) and resolves when it has exited.
 * In this mode the agent logs in (twice), reads the file at once, stops acquisition, waits ~2 s for buckets and then
 * pushes every pending alert in one POST /v1/alerts before exiting 0. A failed login is fatal (exit 1).
 */
export async function runCrowdsecAgent(opts: AgentRunOptions): Promise<AgentRunResult> {
  const crowdsecBin = requireBinary('crowdsec')
  const dsn = opts.dsn ?? (opts.logFile ? `file://${path.resolve(opts.logFile)}` : undefined)
  if (!dsn) throw new Error('runCrowdsecAgent: give logFile or dsn')
  const tmp = makeTempDir('agent')
  const dir = tmp.dir
  try {
    fs.mkdirSync(path.join(dir, 'data'))
    // Data files some parsers/scenarios read (read-only symlinks) and the grok patterns (copied).
    const dataDir = opts.dataDir ?? CROWDSEC_PATHS.dataDir
    if (fs.existsSync(dataDir)) {
      for (const f of fs.readdirSync(dataDir)) fs.symlinkSync(path.join(dataDir, f), path.join(dir, 'data', f))
    }
    fs.cpSync(CROWDSEC_PATHS.patternsDir, path.join(dir, 'patterns'), {recursive: true, dereference: true})
    fs.writeFileSync(path.join(dir, 'simulation.yaml'), 'simulation: off\n')
    fs.writeFileSync(path.join(dir, 'acquis.yaml'), '')
    const installed = installHubItems(dir, {
      collections: opts.collections ?? ['crowdsecurity/linux'],
      parsers: opts.parsers,
      scenarios: opts.scenarios,
      postoverflows: opts.postoverflows,
    })
    const creds = path.join(dir, 'local_api_credentials.yaml')
    writeCredentials(creds, opts.url, opts.machineId, opts.password)
    const configPath = path.join(dir, 'config.yaml')
    // No db_config and no api.server: the agent then opens no database.
    writeYaml(configPath, cscliConfig(dir, creds, {crowdsec_service: {acquisition_path: path.join(dir, 'acquis.yaml'), parser_routines: 1}}))
    const args = ['-c', configPath, '-no-api', '-dsn', dsn, '-type', opts.type ?? 'syslog']
    for (const [k, v] of Object.entries(opts.labels ?? {})) args.push('-label', `${k}:${v}`)
    const t0 = Date.now()
    const proc = spawnManaged('crowdsec agent', crowdsecBin, args, {cwd: dir, cleanup: opts.cleanup})
    const timeoutMs = opts.timeoutMs ?? 60_000
    // A ref'd timer keeps the test process alive while the (unref'd) agent runs.
    const timedOut = !(await settlesWithin(proc.exited, timeoutMs))
    if (timedOut) await proc.stop(0)
    const info = (await proc.exited)!
    const output = proc.output()
    const lines = output.split('\n')
    const result: AgentRunResult = {
      code: info.code,
      signal: info.signal,
      stdout: proc.stdout(),
      stderr: proc.stderr(),
      output,
      durationMs: Date.now() - t0,
      overflows: lines.filter((l) => / performed '/.test(l)).map((l) => l.replace(/^.*msg="(.*)"\s*$/, '$1')),
      pushErrors: lines.filter((l) => /while pushing|failed sending alert|authenticate watcher|level=fatal/.test(l)),
      installed,
    }
    if (timedOut) throw new Error(`crowdsec agent did not exit within ${timeoutMs} ms:\n${tail(output)}`)
    if (info.error) throw info.error
    if ((opts.check ?? true) && (info.code !== 0 || result.pushErrors.length > 0)) {
      throw new Error(`crowdsec agent failed (${describeExit(info)}):\n${tail(output)}`)
    }
    return result
  } finally {
    tmp.remove()
  }
}

/**
 * Writes a syslog-format sshd brute force: `count` `Failed password for root from <ip> port … ssh2` lines, `stepMs`
 * apart, ending ~now (so the LAPI's decisions, `until = stop_at + 4h`, are active). crowdsecurity/ssh-bf (capacity 5,
 * leak 10s) fires from 6 lines within ~10 s, ssh-slow-bf (capacity 10, leak 1m) from 11.
 */
export function writeSshdBruteForceLog(file: string, opts: {ip?: string; count?: number; stepMs?: number; end?: Date; host?: string} = {}): string {
  const ip = opts.ip ?? '192.0.2.77'
  const count = opts.count ?? 12
  const step = opts.stepMs ?? 1000
  const end = (opts.end ?? new Date()).getTime()
  const months = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec']
  const p2 = (n: number): string => String(n).padStart(2, '0')
  let text = ''
  for (let i = 0; i < count; i++) {
    // Syslog timestamps are local time without a year, as sshd writes them.
    const d = new Date(end - (count - 1 - i) * step)
    const ts = `${months[d.getMonth()]} ${String(d.getDate()).padStart(2, ' ')} ${p2(d.getHours())}:${p2(d.getMinutes())}:${p2(d.getSeconds())}`
    text += `${ts} ${opts.host ?? 'testhost'} sshd[${2000 + i}]: Failed password for root from ${ip} port ${40000 + i} ssh2\n`
  }
  fs.mkdirSync(path.dirname(file), {recursive: true})
  fs.writeFileSync(file, text)
  return file
}

// ---------------------------------------------------------------------------------------------------------------
// Bouncers

/** One call of the custom bouncer's binary: `<bin> add|del <value> <seconds> <scenario> <decision JSON>`. */
export interface CustomBouncerCall {
  action: string
  value: string
  /** Remaining seconds, truncated toward zero (0 for most `del`). */
  durationSeconds: number
  scenario: string
  /** The decision as the LAPI sent it in the stream (`id`, `duration`, `origin`, `scenario`, `scope`, `type`, `value`). */
  decision: Record<string, unknown> | undefined
  argv: string[]
}

export interface CustomBouncer {
  readonly dir: string
  readonly process: ManagedProcess
  /** Every call so far, in order. */
  calls(): CustomBouncerCall[]
  /** Resolves with all calls once `predicate(calls)` holds; rejects after `timeoutMs` (default 15 s) or if the bouncer dies. */
  waitFor(predicate: (calls: CustomBouncerCall[]) => boolean, timeoutMs?: number): Promise<CustomBouncerCall[]>
  stop(): Promise<void>
}

/** The recorder: appends its argv as one JSON array line (escaping `\`, `"`, tab, CR, LF) to the calls file. */
const RECORDER = String.raw`#!/bin/sh
# Generated by test/helpers/crowdsec.ts: appends each call's argv as one JSON array line to the calls file.
out=__OUT__
esc() { printf '%s' "$1" | sed -e 's/\\/\\\\/g' -e 's/"/\\"/g' -e 's/	/\\t/g' -e 's/\r/\\r/g' | sed -e ':a' -e 'N' -e '$!ba' -e 's/\n/\\n/g'; }
line='['; sep=''
for a in "$@"; do
  case $a in
    *[\"\\]*|*"	"*|*"
"*) a=$(esc "$a");;
  esac
  line="$line$sep\"$a\""; sep=','
done
printf '%s]\n' "$line" >> "$out"
`

function recorderScript(outFile: string): string {
  return RECORDER.replace('__OUT__', () => `'${outFile.replace(/'/g, `'\\''`)}'`)
}

function parseCalls(file: string): CustomBouncerCall[] {
  let text = ''
  try {
    text = fs.readFileSync(file, 'utf8')
  } catch {
    return []
  }
  const calls: CustomBouncerCall[] = []
  for (const line of text.split('\n')) {
    if (!line.trim()) continue
    let argv: string[]
    try {
      argv = JSON.parse(line) as string[]
    } catch {
      argv = ['<unparsable>', line]
    }
    let decision: Record<string, unknown> | undefined
    try {
      decision = argv[4] !== undefined ? (JSON.parse(argv[4]) as Record<string, unknown>) : undefined
    } catch {
      decision = undefined
    }
    calls.push({action: argv[0] ?? '', value: argv[1] ?? '', durationSeconds: Number(argv[2]), scenario: argv[3] ?? '', decision, argv})
  }
  return calls
}

/** Starts crowdsec-custom-bouncer (stream mode, `update_frequency`, default 1s) with a recorder as its binary. */
export async function startCustomBouncer(opts: {url: string; apiKey: string; updateFrequency?: string; cleanup?: Cleanup; extraConfig?: Record<string, unknown>}): Promise<CustomBouncer> {
  const bin = requireBinary('crowdsec-custom-bouncer')
  const tmp = makeTempDir('custom')
  const dir = tmp.dir
  const callsFile = path.join(dir, 'calls.jsonl')
  const script = path.join(dir, 'record.sh')
  fs.writeFileSync(script, recorderScript(callsFile), {mode: 0o755})
  const configPath = path.join(dir, 'crowdsec-custom-bouncer.yaml')
  writeYaml(configPath, {
    bin_path: script,
    feed_via_stdin: false,
    total_retries: 0,
    scenarios_containing: [],
    scenarios_not_containing: [],
    origins: [],
    piddir: dir + '/',
    update_frequency: opts.updateFrequency ?? '1s',
    cache_retention_duration: '10s',
    daemonize: false,
    log_mode: 'stdout',
    log_dir: dir + '/',
    log_level: 'info',
    api_url: withSlash(opts.url),
    api_key: opts.apiKey,
    prometheus: {enabled: false, listen_addr: '127.0.0.1', listen_port: 60602},
    ...opts.extraConfig,
  })
  const proc = spawnManaged('crowdsec-custom-bouncer', bin, ['-c', configPath], {cwd: dir})
  let stopped = false
  const stop = async (): Promise<void> => {
    if (stopped) return
    stopped = true
    try {
      await proc.stop()
    } finally {
      tmp.remove()
    }
  }
  try {
    await proc.waitForOutput(/Processing new and deleted decisions/, 15_000)
  } catch (e) {
    await stop()
    throw e
  }
  opts.cleanup?.add('stop crowdsec-custom-bouncer', stop)
  const calls = (): CustomBouncerCall[] => parseCalls(callsFile)
  return {
    dir,
    process: proc,
    calls,
    waitFor: (predicate, timeoutMs = 15_000) =>
      pollUntil(
        () => {
          const ex = proc.exitInfo()
          if (ex) throw new StopPolling(`crowdsec-custom-bouncer exited (${describeExit(ex)}):\n${tail(proc.output())}`)
          const c = calls()
          return predicate(c) ? c : undefined
        },
        timeoutMs,
        'custom bouncer calls',
      ).catch((e: Error) => {
        throw new Error(`${e.message}\ncalls: ${JSON.stringify(calls().map((c) => c.argv.slice(0, 4)))}\nbouncer output:\n${tail(proc.output(), 2000)}`)
      }),
    stop,
  }
}

/** An element of the firewall bouncer's nftables sets. */
export interface BannedElement {
  family: 'ip' | 'ip6'
  /** Address, or `addr/len` for a prefix element, or `a-b` for a range element. */
  value: string
  timeout?: number
  expires?: number
}

export interface FirewallBouncer {
  readonly netns: Netns
  readonly dir: string
  readonly process: ManagedProcess
  /** The nftables table/set names in use (inside the namespace). */
  readonly sets: {ipv4: {table: string; set: string}; ipv6: {table: string; set: string}}
  /** Sorted addresses/prefixes in the ban sets (IPv4 and IPv6); [] before the bouncer has created them. */
  bannedIps(): Promise<string[]>
  /** The set elements with their timeouts. */
  bannedElements(): Promise<BannedElement[]>
  /** Resolves with the banned list once `predicate` holds; rejects after `timeoutMs` (default 15 s) or if the bouncer dies. */
  waitFor(predicate: (banned: string[]) => boolean, timeoutMs?: number): Promise<string[]>
  /** Kills the bouncer, the relay, the namespace (and with it the tables), the temp dir. Idempotent. */
  stop(): Promise<void>
}

/**
 * Starts crowdsec-firewall-bouncer in nftables mode inside a fresh network namespace (`crowdt-…`). The LAPI at `url`
 * (a loopback URL of this namespace) is reachable inside at the same address through a relay (netns.ts). Tables
 * `crowdsec` (ip) / `crowdsec6` (ip6), sets `crowdsec-blacklists` / `crowdsec6-blacklists`, as Debian configures them.
 * Resolves once the bouncer has created its tables (its first pull follows immediately).
 */
export async function startFirewallBouncerInNetns(opts: {url: string; apiKey: string; updateFrequency?: string; disableIpv6?: boolean; cleanup?: Cleanup; extraConfig?: Record<string, unknown>}): Promise<FirewallBouncer> {
  const bin = requireBinary('crowdsec-firewall-bouncer')
  requireBinary('nft')
  const u = new URL(opts.url)
  const host = u.hostname.replace(/^\[|\]$/g, '')
  if (!['127.0.0.1', '::1', 'localhost'].includes(host)) throw new Error(`startFirewallBouncerInNetns: ${opts.url} is not a loopback URL`)
  const tmp = makeTempDir('fw')
  const dir = tmp.dir
  const sets = {ipv4: {table: 'crowdsec', set: 'crowdsec-blacklists'}, ipv6: {table: 'crowdsec6', set: 'crowdsec6-blacklists'}}
  let ns: Netns | undefined
  let relay: TcpForward | undefined
  let proc: ManagedProcess | undefined
  let stopped = false
  const stop = async (): Promise<void> => {
    if (stopped) return
    stopped = true
    const errors: unknown[] = []
    for (const step of [() => proc?.stop(), () => relay?.stop(), () => ns?.destroy()]) {
      try {
        await step()
      } catch (e) {
        errors.push(e)
      }
    }
    tmp.remove()
    if (errors.length) throw errors[0]
  }
  try {
    ns = await createNetns()
    relay = await forwardIntoNetns(ns, {host, port: Number(u.port || 80)})
    const configPath = path.join(dir, 'crowdsec-firewall-bouncer.yaml')
    writeYaml(configPath, {
      mode: 'nftables',
      pid_dir: dir + '/',
      update_frequency: opts.updateFrequency ?? '1s',
      daemonize: false,
      log_mode: 'stdout',
      log_dir: dir + '/',
      log_level: 'info',
      api_url: withSlash(opts.url),
      api_key: opts.apiKey,
      insecure_skip_verify: false,
      disable_ipv6: opts.disableIpv6 ?? false,
      deny_action: 'DROP',
      deny_log: false,
      supported_decisions_types: ['ban'],
      blacklists_ipv4: sets.ipv4.set,
      blacklists_ipv6: sets.ipv6.set,
      nftables: {
        ipv4: {enabled: true, 'set-only': false, table: sets.ipv4.table, chain: 'crowdsec-chain'},
        ipv6: {enabled: !(opts.disableIpv6 ?? false), 'set-only': false, table: sets.ipv6.table, chain: 'crowdsec6-chain'},
      },
      prometheus: {enabled: false, listen_addr: '127.0.0.1', listen_port: 60601},
      ...opts.extraConfig,
    })
    const [file, args] = ns.argv(bin, ['-c', configPath])
    proc = spawnManaged(`crowdsec-firewall-bouncer in ${ns.name}`, file, args, {cwd: dir})
    const p = proc
    const n = ns
    await pollUntil(
      async () => {
        const ex = p.exitInfo()
        if (ex) throw new StopPolling(`crowdsec-firewall-bouncer exited (${describeExit(ex)}):\n${tail(p.output())}`)
        return (await n.exec('nft', ['list', 'table', 'ip', sets.ipv4.table])).code === 0
      },
      15_000,
      `nftables table ${sets.ipv4.table} in ${ns.name}`,
    ).catch((e: Error) => {
      throw new Error(`${e.message}\n${tail(p.output())}`)
    })
  } catch (e) {
    await stop().catch(() => {})
    throw e
  }
  opts.cleanup?.add('stop crowdsec-firewall-bouncer', stop)
  const nsRef = ns
  const procRef = proc
  const bannedElements = async (): Promise<BannedElement[]> => {
    const result: BannedElement[] = []
    for (const [family, s] of [['ip', sets.ipv4], ['ip6', sets.ipv6]] as const) {
      const r = await nsRef.exec('nft', ['-j', 'list', 'set', family, s.table, s.set])
      if (r.code !== 0) continue // not created (yet), or IPv6 disabled
      result.push(...parseNftSet(r.stdout, family))
    }
    return result
  }
  const bannedIps = async (): Promise<string[]> => (await bannedElements()).map((e) => e.value).sort(compareAddresses)
  return {
    netns: nsRef,
    dir,
    process: procRef,
    sets,
    bannedIps,
    bannedElements,
    waitFor: (predicate, timeoutMs = 15_000) => {
      let last: string[] = []
      return pollUntil(
        async () => {
          const ex = procRef.exitInfo()
          if (ex) throw new StopPolling(`crowdsec-firewall-bouncer exited (${describeExit(ex)}):\n${tail(procRef.output())}`)
          last = await bannedIps()
          return predicate(last) ? last : undefined
        },
        timeoutMs,
        'firewall bouncer ban set',
        200,
      ).catch((e: Error) => {
        throw new Error(`${e.message}\nbanned: ${JSON.stringify(last)}\nbouncer output:\n${tail(procRef.output(), 2000)}`)
      })
    },
    stop,
  }
}

/** Parses `nft -j list set …` output into elements (plain, with timeout, prefix and range forms). */
export function parseNftSet(json: string, family: 'ip' | 'ip6'): BannedElement[] {
  const doc = JSON.parse(json) as {nftables: Array<{set?: {elem?: unknown[]}}>}
  const out: BannedElement[] = []
  const valueOf = (v: unknown): string => {
    if (typeof v === 'string' || typeof v === 'number') return String(v)
    const o = v as {prefix?: {addr: string; len: number}; range?: [string, string]}
    if (o?.prefix) return `${o.prefix.addr}/${o.prefix.len}`
    if (o?.range) return `${o.range[0]}-${o.range[1]}`
    return JSON.stringify(v)
  }
  for (const entry of doc.nftables) {
    for (const e of entry.set?.elem ?? []) {
      const wrapped = (e as {elem?: {val: unknown; timeout?: number; expires?: number}}).elem
      if (wrapped && typeof wrapped === 'object' && 'val' in wrapped) {
        out.push({family, value: valueOf(wrapped.val), timeout: wrapped.timeout, expires: wrapped.expires})
      } else {
        out.push({family, value: valueOf(e)})
      }
    }
  }
  return out
}

function compareAddresses(a: string, b: string): number {
  const v6a = a.includes(':')
  const v6b = b.includes(':')
  if (v6a !== v6b) return v6a ? 1 : -1
  return a < b ? -1 : a > b ? 1 : 0
}

// ---------------------------------------------------------------------------------------------------------------
// Wire recorder

/** One HTTP exchange seen by `startWireRecorder` (bodies decoded as UTF-8, gunzipped if the request was gzipped). */
export interface WireExchange {
  at: string
  ms: number
  method: string
  url: string
  /** Request headers as sent, in order (`rawHeaders` pairs). */
  requestHeaders: [string, string][]
  requestBody: string
  status: number
  responseHeaders: [string, string][]
  responseBody: string
  /** Set when the target could not be reached (the client then got 502). */
  error?: string
}

export interface WireRecorder {
  /** Point clients here: `http://127.0.0.1:<port>/`. */
  readonly url: string
  exchanges(): WireExchange[]
  clear(): void
  stop(): Promise<void>
}

/**
 * A logging HTTP proxy on 127.0.0.1:<free port> in front of `target` (a LAPI URL): point a client at `url` to see
 * exactly what it sends and gets. For debugging compatibility, not for benchmarks (it buffers whole bodies).
 */
export async function startWireRecorder(opts: {target: string; cleanup?: Cleanup}): Promise<WireRecorder> {
  const {gunzipSync} = await import('node:zlib')
  const target = new URL(opts.target)
  const log: WireExchange[] = []
  const pairs = (raw: string[]): [string, string][] => {
    const out: [string, string][] = []
    for (let i = 0; i + 1 < raw.length; i += 2) out.push([raw[i]!, raw[i + 1]!])
    return out
  }
  const decode = (buf: Buffer, encoding: string | undefined): string => {
    try {
      return (encoding === 'gzip' ? gunzipSync(buf) : buf).toString('utf8')
    } catch (e) {
      return `<undecodable: ${(e as Error).message}>`
    }
  }
  const server = http.createServer((req, res) => {
    const t0 = Date.now()
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => {
      const body = Buffer.concat(chunks)
      const base = {
        at: new Date(t0).toISOString(),
        method: req.method ?? '',
        url: req.url ?? '',
        requestHeaders: pairs(req.rawHeaders),
        requestBody: decode(body, req.headers['content-encoding']),
      }
      const up = http.request(
        {host: target.hostname.replace(/^\[|\]$/g, ''), port: Number(target.port || 80), method: req.method, path: req.url, headers: req.headers},
        (ur) => {
          const rc: Buffer[] = []
          ur.on('data', (c: Buffer) => rc.push(c))
          ur.on('end', () => {
            const rbody = Buffer.concat(rc)
            log.push({
              ...base,
              ms: Date.now() - t0,
              status: ur.statusCode ?? 0,
              responseHeaders: pairs(ur.rawHeaders),
              responseBody: decode(rbody, ur.headers['content-encoding'] as string | undefined),
            })
            res.writeHead(ur.statusCode ?? 502, ur.rawHeaders)
            res.end(rbody)
          })
        },
      )
      up.on('error', (e) => {
        log.push({...base, ms: Date.now() - t0, status: 502, responseHeaders: [], responseBody: '', error: e.message})
        res.writeHead(502)
        res.end()
      })
      up.end(body)
    })
  })
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => resolve())
  })
  server.unref()
  const port = (server.address() as net.AddressInfo).port
  let stopped = false
  const stop = async (): Promise<void> => {
    if (stopped) return
    stopped = true
    server.closeAllConnections()
    await new Promise<void>((resolve) => server.close(() => resolve()))
  }
  opts.cleanup?.add('stop wire recorder', stop)
  return {url: `http://127.0.0.1:${port}/`, exchanges: () => [...log], clear: () => void log.splice(0), stop}
}
