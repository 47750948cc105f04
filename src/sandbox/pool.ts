/**
 * SandboxPool: the one place plugin code runs. A few sandbox processes (child.ts), each running
 * one call at a time, fed from a bounded queue; every call has a deadline.
 *
 * - A call is `call(plugin, fn, args)`: JSON data in, JSON data out. The plugin's function gets
 *   `args` then the host object (host-api.ts); it may be async.
 * - Deadline (default 5 s, per call overridable: a notification's `timeout`): when it passes,
 *   the process is killed (SIGKILL) whatever it is doing (a loop, a microtask loop, a job left
 *   behind), the call rejects with kind `timeout`, and a fresh process replaces it.
 * - Memory: each process has a V8 heap limit and (Linux) a data-size limit; a plugin that
 *   allocates without bound kills its own process only (kind `memory`), never crowd's.
 * - Bounds: waiting calls (`maxQueue`, then kind `busy`), the JSON size of arguments, results
 *   and host requests (`maxMessageBytes`), host requests per call (host-api.ts).
 * - Processes are started on demand (or by `warm()`) and kept; an idle one does not keep
 *   crowd's event loop alive. A process that dies or sends something outside the protocol is replaced; only
 *   the call it was running fails.
 * - Each stop is reported: logger.warn and `onIncident`.
 *
 * Threads were the first design (issue 16). They are not used: on Node 20 a worker thread's
 * `resourceLimits` are best-effort, and a worker that grows one array, Map or string past them
 * aborts the whole process (FATAL ERROR ... heap out of memory, exit 134; nodejs/node#47224).
 */
import {spawn, type ChildProcess} from 'node:child_process'
import * as os from 'node:os'
import {silentLogger, type Logger} from '../model/logger.js'
import {SandboxError, type IncidentKind, type SandboxErrorKind, type SandboxIncident} from './errors.js'
import {encodeFrame, FrameReader} from './frames.js'
import {DEFAULT_HOST_LIMITS, HostApi, HostError, type HostCall, type HostLimits} from './host-api.js'
import type {Permissions} from './permissions.js'
import {readFromChild, type FromChild, type ToChild} from './protocol.js'
import {childCommand, childEntryUrl, defaultDataLimitMb} from './spawn.js'

export interface SandboxPlugin {
  /** The package name (`author/name`). */
  id: string
  /** The plugin's JavaScript: a script that sets `module.exports` (or `exports.x`). */
  code: string
  /** Where the code comes from, for stack traces and error messages. */
  filename?: string
  permissions: Permissions
  /** Configuration values the plugin may read with host.secret(key), when its permissions declare the key. */
  secrets?: Record<string, string>
}

export interface SandboxOptions {
  /** Sandbox processes (default: 2, or 1 on one core). */
  size?: number
  /** Default deadline of a call (default 5000 ms). */
  deadlineMs?: number
  /** V8 heap limit of a process (default 64 MiB). */
  heapMb?: number
  /** Data-size limit of a process on Linux (default from heapMb, see spawn.ts); 0 for none. */
  dataLimitMb?: number
  /** Calls waiting for a process (default 64). */
  maxQueue?: number
  /** Longest JSON of arguments, a result or a host request (default 4 MiB). */
  maxMessageBytes?: number
  /** How long a process may take to start (default 30 s). */
  bootTimeoutMs?: number
  http?: Partial<HostLimits['http']>
  exec?: Partial<HostLimits['exec']>
  /** Host requests per call, and at once (defaults 1000 and 16). */
  maxRequests?: number
  maxInFlight?: number
  logger?: Logger
  onIncident?: (incident: SandboxIncident) => void
  /** What host.now() answers (default Date.now). */
  clock?: () => number
  /** The sandbox process script (default child.js / child.ts next to this module). */
  entry?: URL
}

export interface CallOptions {
  /** This call's deadline (default the pool's). */
  deadlineMs?: number
}

export interface SandboxStats {
  processes: number
  busy: number
  queued: number
  /** Processes started and killed (deadline, protocol, close) since the pool was made. */
  started: number
  killed: number
  incidents: number
}

interface Registered {
  id: string
  code: string
  filename: string
  permissions: Permissions
  secrets: Readonly<Record<string, string>>
  version: number
}

interface Job {
  id: number
  plugin: Registered
  fn: string
  /** JSON text of the arguments: what the process gets is this copy, whatever the caller does later. */
  argsJson: string
  deadlineMs: number
  resolve(value: unknown): void
  reject(error: Error): void
}

interface Running {
  job: Job
  host: HostCall
  abort: AbortController
  timer: NodeJS.Timeout
}

interface Slot {
  proc: ChildProcess
  state: 'starting' | 'idle' | 'busy' | 'dead'
  /** plugin id -> version compiled in this process */
  loaded: Map<string, number>
  running?: Running
  /** Why the host killed it, when it did. */
  killedFor?: IncidentKind | 'close'
  stderr: string
  bootTimer?: NodeJS.Timeout
  exited: Promise<void>
}

const STDERR_TAIL = 4096
/** setTimeout's longest delay (a longer one fires at once). */
const MAX_TIMER_MS = 2 ** 31 - 1
const MEMORY_SIGNS = /heap out of memory|Fatal process out of memory|Allocation failed|Cannot allocate memory|ENOMEM/i

export class SandboxPool {
  private readonly plugins = new Map<string, Registered>()
  private readonly slots: Slot[] = []
  private readonly queue: Job[] = []
  private readonly host: HostApi
  private readonly logger: Logger
  private readonly size: number
  private readonly deadlineMs: number
  private readonly heapMb: number
  private readonly dataLimitMb: number
  private readonly maxQueue: number
  private readonly maxMessageBytes: number
  private readonly bootTimeoutMs: number
  private readonly entry: URL
  private readonly warmWaiters: (() => void)[] = []
  private nextCall = 1
  private nextVersion = 1
  private closed = false
  private readonly counts = {started: 0, killed: 0, incidents: 0}

  constructor(private readonly options: SandboxOptions = {}) {
    this.logger = options.logger ?? silentLogger
    this.size = Math.max(1, options.size ?? Math.min(2, availableCores()))
    this.deadlineMs = options.deadlineMs ?? 5000
    this.heapMb = options.heapMb ?? 64
    this.dataLimitMb = options.dataLimitMb ?? defaultDataLimitMb(this.heapMb)
    this.maxQueue = options.maxQueue ?? 64
    this.maxMessageBytes = options.maxMessageBytes ?? 4 * 1024 * 1024
    this.bootTimeoutMs = options.bootTimeoutMs ?? 30_000
    this.entry = options.entry ?? childEntryUrl()
    const limits: HostLimits = {
      ...DEFAULT_HOST_LIMITS,
      http: {...DEFAULT_HOST_LIMITS.http, ...options.http},
      exec: {...DEFAULT_HOST_LIMITS.exec, ...options.exec},
      maxRequests: options.maxRequests ?? DEFAULT_HOST_LIMITS.maxRequests,
      maxInFlight: options.maxInFlight ?? DEFAULT_HOST_LIMITS.maxInFlight,
    }
    this.host = new HostApi(limits, this.logger, options.clock ?? Date.now, (plugin, kind, message) => this.report({plugin, kind, message}))
  }

  /** Makes a plugin callable (again, with new code or permissions: processes recompile it on its next call). */
  register(plugin: SandboxPlugin): void {
    if (typeof plugin.id !== 'string' || plugin.id === '') throw new TypeError('a plugin needs an id')
    if (typeof plugin.code !== 'string') throw new TypeError(`plugin ${plugin.id}: code must be a string`)
    const secrets: Record<string, string> = Object.create(null)
    for (const [k, v] of Object.entries(plugin.secrets ?? {})) if (typeof v === 'string') secrets[k] = v
    const old = this.plugins.get(plugin.id)
    const filename = plugin.filename ?? `${plugin.id}.js`
    const version = old !== undefined && old.code === plugin.code && old.filename === filename ? old.version : this.nextVersion++
    // a copy: what the host checks cannot change behind its back
    this.plugins.set(plugin.id, {id: plugin.id, code: plugin.code, filename, permissions: structuredClone(plugin.permissions), secrets: Object.freeze(secrets), version})
  }

  unregister(id: string): void {
    this.plugins.delete(id)
  }

  /** Calls `fn` of plugin `id` with `args` (JSON data) and the host object; resolves with its result (JSON data). */
  call(id: string, fn: string, args: unknown[] = [], options: CallOptions = {}): Promise<unknown> {
    const plugin = this.plugins.get(id)
    if (this.closed) return Promise.reject(new SandboxError('closed', id, 'the sandbox pool is closed'))
    if (plugin === undefined) return Promise.reject(new SandboxError('unknown', id, 'no such plugin is registered'))
    if (typeof fn !== 'string' || fn === '') return Promise.reject(new SandboxError('unknown', id, 'a call needs a function name', plugin.filename))
    if (!Array.isArray(args)) return Promise.reject(new SandboxError('limit', id, `the arguments of ${fn} must be an array`, plugin.filename))
    let json: string
    try {
      json = JSON.stringify(args)
    } catch (error) {
      return Promise.reject(new SandboxError('limit', id, `the arguments of ${fn} are not JSON data: ${(error as Error).message}`, plugin.filename))
    }
    if (json.length > this.maxMessageBytes) return Promise.reject(new SandboxError('limit', id, `the arguments of ${fn} are larger than ${this.maxMessageBytes} characters of JSON`, plugin.filename))
    if (this.queue.length >= this.maxQueue) return Promise.reject(new SandboxError('busy', id, `${this.maxQueue} calls are already waiting`, plugin.filename))
    const asked = options.deadlineMs ?? this.deadlineMs
    const deadlineMs = Number.isNaN(asked) ? this.deadlineMs : Math.min(Math.max(1, asked), MAX_TIMER_MS)
    return new Promise((resolve, reject) => {
      this.queue.push({id: this.nextCall++, plugin, fn, argsJson: json, deadlineMs, resolve, reject})
      this.pump()
    })
  }

  /** Starts every process now and resolves once they can take calls (a first call then pays no start-up). */
  warm(): Promise<void> {
    while (!this.closed && this.slots.length < this.size) this.startSlot()
    return new Promise((resolve) => {
      this.warmWaiters.push(resolve)
      this.checkWarm()
    })
  }

  stats(): SandboxStats {
    return {
      processes: this.slots.length,
      busy: this.slots.filter((s) => s.state === 'busy').length,
      queued: this.queue.length,
      ...this.counts,
    }
  }

  /** Fails waiting and running calls (kind `closed`) and stops every process. */
  async close(): Promise<void> {
    this.closed = true
    for (const job of this.queue.splice(0)) job.reject(new SandboxError('closed', job.plugin.id, 'the sandbox pool was closed', job.plugin.filename))
    const exits = this.slots.map((slot) => {
      if (slot.running !== undefined) this.fail(slot, 'closed', 'the sandbox pool was closed')
      this.kill(slot, 'close')
      return slot.exited
    })
    await Promise.all(exits)
    this.checkWarm()
  }

  // ---------------------------------------------------------------------------------------------

  private pump(): void {
    if (this.closed) return
    while (this.queue.length > 0) {
      const job = this.queue[0]!
      const idle = this.slots.filter((s) => s.state === 'idle')
      const slot = idle.find((s) => s.loaded.get(job.plugin.id) === job.plugin.version) ?? idle[0]
      if (slot === undefined) break
      this.queue.shift()
      this.dispatch(slot, job)
    }
    const starting = this.slots.filter((s) => s.state === 'starting').length
    for (let n = Math.min(this.queue.length - starting, this.size - this.slots.length); n > 0; n--) this.startSlot()
  }

  private dispatch(slot: Slot, job: Job): void {
    const load = slot.loaded.get(job.plugin.id) === job.plugin.version ? undefined : {code: job.plugin.code, filename: job.plugin.filename}
    if (load !== undefined) slot.loaded.set(job.plugin.id, job.plugin.version)
    const abort = new AbortController()
    const host: HostCall = {plugin: job.plugin.id, permissions: job.plugin.permissions, secrets: job.plugin.secrets, signal: abort.signal, deadline: performance.now() + job.deadlineMs, requests: 0, inFlight: 0, reported: new Set()}
    const timer = setTimeout(() => this.expire(slot), job.deadlineMs)
    slot.state = 'busy'
    hold(slot.proc, true)
    slot.running = {job, host, abort, timer}
    this.send(slot, {t: 'call', call: job.id, plugin: job.plugin.id, fn: job.fn, argsJson: job.argsJson, load})
  }

  private expire(slot: Slot): void {
    const running = slot.running
    if (running === undefined) return
    const {job} = running
    const reason = `${job.fn} did not finish within ${job.deadlineMs} ms`
    this.report({plugin: job.plugin.id, kind: 'timeout', message: `${reason}: process killed`})
    this.fail(slot, 'timeout', reason)
    this.kill(slot, 'timeout')
  }

  private onFrame(slot: Slot, value: unknown): void {
    const msg = readFromChild(value)
    if (msg === undefined) return this.violation(slot, 'a message outside the protocol')
    if (msg.t === 'ready') {
      if (slot.state !== 'starting') return this.violation(slot, 'a second "ready"')
      clearTimeout(slot.bootTimer)
      slot.state = 'idle'
      hold(slot.proc, false)
      this.checkWarm()
      return this.pump()
    }
    const running = slot.running
    if (running === undefined || msg.call !== running.job.id) return this.violation(slot, `a message about call ${msg.call}, which it is not running`)
    if (msg.t === 'host') return void this.onHostRequest(slot, running, msg)
    this.finish(slot, running, msg)
  }

  private async onHostRequest(slot: Slot, running: Running, msg: Extract<FromChild, {t: 'host'}>): Promise<void> {
    let reply: ToChild
    try {
      const value = await this.host.perform(running.host, msg.op, msg.args)
      reply = {t: 'reply', call: msg.call, id: msg.id, ok: true, value: value ?? null}
    } catch (error) {
      const e = error instanceof HostError ? error : new HostError('EFAIL', (error as Error)?.message ?? String(error))
      reply = {t: 'reply', call: msg.call, id: msg.id, ok: false, error: {code: e.code, message: e.message}}
    }
    if (slot.running === running) this.send(slot, reply)
  }

  private finish(slot: Slot, running: Running, msg: Extract<FromChild, {t: 'done'}>): void {
    const {job} = running
    let value: unknown
    if (msg.ok) {
      try {
        value = JSON.parse(msg.valueJson)
      } catch {
        return this.violation(slot, 'a result that is not JSON')
      }
    }
    this.release(slot, running)
    slot.state = 'idle'
    hold(slot.proc, false)
    if (msg.ok) job.resolve(value)
    else {
      if (msg.error.kind === 'load') slot.loaded.delete(job.plugin.id)
      const what = msg.error.kind === 'load' ? 'does not load' : msg.error.kind === 'plugin' ? `${job.fn} failed` : job.fn
      job.reject(new SandboxError(msg.error.kind, job.plugin.id, `${what}: ${msg.error.message}`, job.plugin.filename))
    }
    this.pump()
  }

  /** Rejects the call a slot runs (the slot itself is being killed or is gone). */
  private fail(slot: Slot, kind: SandboxErrorKind, reason: string): void {
    const running = slot.running
    if (running === undefined) return
    this.release(slot, running)
    running.job.reject(new SandboxError(kind, running.job.plugin.id, reason, running.job.plugin.filename))
  }

  private release(slot: Slot, running: Running): void {
    clearTimeout(running.timer)
    running.abort.abort()
    slot.running = undefined
  }

  private violation(slot: Slot, what: string): void {
    const plugin = slot.running?.job.plugin.id ?? '(none)'
    this.report({plugin, kind: 'protocol', message: `the sandbox process sent ${what}: process killed`})
    this.fail(slot, 'crash', `the sandbox process sent ${what}`)
    this.kill(slot, 'protocol')
  }

  private startSlot(): void {
    const command = childCommand(this.entry, {heapMb: this.heapMb, dataLimitMb: this.dataLimitMb})
    const proc = spawn(command.command, command.args, {cwd: command.cwd, env: command.env, stdio: ['pipe', 'pipe', 'pipe'], windowsHide: true})
    let exited!: () => void
    const slot: Slot = {proc, state: 'starting', loaded: new Map(), stderr: '', exited: new Promise((resolve) => (exited = resolve))}
    this.slots.push(slot)
    this.counts.started++
    const reader = new FrameReader(this.maxMessageBytes * 3 + 65536, (value) => this.onFrame(slot, value), (reason) => this.violation(slot, reason))
    proc.stdout!.on('data', (chunk: Buffer) => {
      if (slot.state !== 'dead' && slot.killedFor === undefined) reader.push(chunk)
    })
    proc.stderr!.setEncoding('utf8').on('data', (text: string) => (slot.stderr = (slot.stderr + text).slice(-STDERR_TAIL)))
    proc.stdin!.on('error', () => {}) // a process that died: its exit is handled below
    proc.on('error', (error) => {
      slot.stderr += `\n${error.message}`
      if (proc.pid === undefined) {
        // never started: no exit or close will follow
        this.onExit(slot, null, null)
        exited()
      }
    })
    proc.on('exit', (code, signal) => this.onExit(slot, code, signal))
    proc.on('close', () => exited())
    slot.bootTimer = setTimeout(() => {
      slot.stderr += `\nnot ready after ${this.bootTimeoutMs} ms`
      this.kill(slot, 'crash')
    }, this.bootTimeoutMs)
    this.send(slot, {t: 'init', maxMessageChars: this.maxMessageBytes})
  }

  private onExit(slot: Slot, code: number | null, signal: NodeJS.Signals | null): void {
    if (slot.state === 'dead') return
    const wasStarting = slot.state === 'starting'
    slot.state = 'dead'
    clearTimeout(slot.bootTimer)
    this.slots.splice(this.slots.indexOf(slot), 1)
    const how = signal !== null ? `signal ${signal}` : `exit code ${code}`
    const tail = slot.stderr.trim().split('\n').slice(-3).join(' | ')
    if (slot.running !== undefined) {
      const memory = MEMORY_SIGNS.test(slot.stderr) || signal === 'SIGABRT' || signal === 'SIGTRAP' || code === 134 || code === 133
      const kind = memory ? 'memory' : 'crash'
      const reason = memory ? `${slot.running.job.fn} ran out of memory (${how})` : `the sandbox process died (${how}${tail === '' ? '' : `: ${tail}`})`
      this.report({plugin: slot.running.job.plugin.id, kind, message: `${reason}: process replaced`})
      this.fail(slot, kind, reason)
    } else if (wasStarting && !this.closed && slot.killedFor !== 'close') {
      // a process that cannot start fails the oldest waiting call (each start is for a waiting call: no loop)
      const job = this.queue.shift()
      const reason = `the sandbox process did not start (${how}${tail === '' ? '' : `: ${tail}`})`
      if (job !== undefined) job.reject(new SandboxError('crash', job.plugin.id, reason, job.plugin.filename))
      else this.logger.warn(`sandbox: ${reason}`)
    }
    this.checkWarm()
    this.pump()
  }

  private kill(slot: Slot, why: IncidentKind | 'close'): void {
    if (slot.killedFor !== undefined || slot.state === 'dead') return
    slot.killedFor = why
    if (why !== 'close') this.counts.killed++
    hold(slot.proc, true) // until its exit is seen
    slot.proc.kill('SIGKILL')
  }

  private send(slot: Slot, message: ToChild): void {
    if (slot.state === 'dead' || slot.killedFor !== undefined) return
    slot.proc.stdin!.write(encodeFrame(message))
  }

  private report(incident: SandboxIncident): void {
    this.counts.incidents++
    this.logger.warn(`sandbox: plugin ${incident.plugin}: ${incident.message}`)
    this.options.onIncident?.(incident)
  }

  private checkWarm(): void {
    if (this.slots.some((s) => s.state === 'starting')) return
    for (const resolve of this.warmWaiters.splice(0)) resolve()
  }
}

/**
 * Whether a process keeps crowd's event loop alive: while it starts, runs a call or is being
 * killed (its exit must be seen); not while it waits for work.
 */
function hold(proc: ChildProcess, on: boolean): void {
  for (const handle of [proc, proc.stdin, proc.stdout, proc.stderr] as unknown as {ref?: () => void; unref?: () => void}[]) {
    if (on) handle?.ref?.()
    else handle?.unref?.()
  }
}

function availableCores(): number {
  try {
    return typeof os.availableParallelism === 'function' ? os.availableParallelism() : os.cpus().length
  } catch {
    return 1
  }
}
