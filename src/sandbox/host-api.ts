/**
 * The host API: the only things a plugin can do besides computing. Each request arrives from a
 * sandbox process as plain data; it is checked here (shape, bounds, then the permissions its
 * package declared) before anything happens, and performed here, in crowd's process:
 *
 *   host.http({url, method?, headers?, body?, timeoutMs?, maxRedirects?, ca?, insecureSkipVerify?, delayMs?, retry?})
 *                                        -> {status, headers, body, url, redirects}   (network grants, every hop)
 *   host.exec(path, args?, stdin?)        -> {code, signal, stdout, stderr}            (command grants; no shell)
 *   host.writeFile(path, text) / host.appendFile(path, text) -> null                  (files.write grants)
 *   host.secret(key)                      -> string | null                             (secrets grants)
 *   host.log(level, message)              -> null                                      (debug, info, warn, error)
 *   host.now()                            -> milliseconds since the epoch
 *
 * A refused request rejects inside the plugin with an Error whose `code` is EPERM (not
 * declared), ELIMIT (over a bound), EINVAL (malformed) or EFAIL (it failed), and EPERM and
 * ELIMIT are reported as incidents. Every request of a call is aborted when the call ends.
 *
 * Waiting (plugins have no timers), both opt-in and bounded by the call's deadline:
 * - `delayMs`: the host waits that long before sending (polling an asynchronous job). A wait
 *   that would end past the call's deadline (less the margin a request keeps) fails at once
 *   (EFAIL), without waiting and without sending.
 * - `retry: {statuses?, max?, maxWaitMs?}`: an answer whose status is in `statuses` (429 and
 *   503 only; default both) is sent again after its `Retry-After` (seconds or an HTTP date;
 *   absent or unreadable: 1 s), at most `max` times (1..10, default 3). When the wait is longer
 *   than `maxWaitMs` (default 60 s) or would end past the call's deadline, the answer is returned
 *   as it is, for the plugin to report. The result then has `retries`: how many were made.
 */
import {execFile, type ExecFileException} from 'node:child_process'
import type {Logger} from '../model/logger.js'
import type {IncidentKind} from './errors.js'
import {WriteRefused, writePluginFile, type RotateOptions} from './files.js'
import {HttpRefused, HttpTooLarge, performHttp, retryAfterMs, type HttpRequest, type HttpResponse} from './http.js'
import {checkCommand, checkSecret, checkUrl, type Permissions} from './permissions.js'
import type {HostErrorData, HostOp} from './protocol.js'

export interface HostLimits {
  http: {timeoutMs: number; maxResponseBytes: number; maxRedirects: number}
  exec: {timeoutMs: number; maxOutputBytes: number}
  /** Host requests one call may make in all, and have in flight at once. */
  maxRequests: number
  maxInFlight: number
  /** Longest log message kept (longer ones are cut). */
  maxLogChars: number
}

export const DEFAULT_HOST_LIMITS: HostLimits = {
  http: {timeoutMs: 10_000, maxResponseBytes: 1024 * 1024, maxRedirects: 5},
  exec: {timeoutMs: 10_000, maxOutputBytes: 1024 * 1024},
  maxRequests: 1000,
  maxInFlight: 16,
  maxLogChars: 2000,
}

/** What the host knows about the call a request belongs to. */
export interface HostCall {
  plugin: string
  permissions: Permissions
  secrets: Readonly<Record<string, string>>
  /** Aborted when the call ends. */
  signal: AbortSignal
  /** performance.now() at which the call's deadline falls. */
  deadline: number
  requests: number
  inFlight: number
  /** Refusals already reported for this call (each is reported once: a plugin in a loop floods nothing). */
  reported: Set<string>
}

export class HostError extends Error {
  constructor(readonly code: HostErrorData['code'], message: string) {
    super(message)
  }
}

const METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'])
/** Headers the host sets itself, or that would let a request say something else than its URL. */
const HOST_HEADERS = new Set(['host', 'connection', 'content-length', 'transfer-encoding', 'upgrade', 'te', 'trailer', 'keep-alive', 'expect', 'accept-encoding'])
const HTTP_KEYS = new Set(['url', 'method', 'headers', 'body', 'timeoutMs', 'maxRedirects', 'ca', 'insecureSkipVerify', 'delayMs', 'retry'])
const RETRY_KEYS = new Set(['statuses', 'max', 'maxWaitMs'])
/** Statuses a request may be sent again on (the server said "later"). */
const RETRY_STATUSES = [429, 503]
/** Longest `delayMs` or `retry.maxWaitMs` a plugin may ask for. */
const MAX_WAIT_MS = 5 * 60_000
/** The shortest time a request keeps after a wait (a wait leaving less is not made). */
const MIN_REQUEST_MS = 100

interface HttpWaits {
  delayMs: number
  retry?: {statuses: number[]; max: number; maxWaitMs: number}
}
const LOG_LEVELS = new Set(['debug', 'info', 'warn', 'error'])
const EXEC_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'
const MAX_ARGS = 256

export class HostApi {
  constructor(
    private readonly limits: HostLimits,
    private readonly logger: Logger,
    private readonly clock: () => number,
    private readonly report: (plugin: string, kind: IncidentKind, message: string) => void,
  ) {}

  /** Performs one request of `call`; throws HostError. */
  async perform(call: HostCall, op: HostOp, args: unknown[]): Promise<unknown> {
    if (call.requests >= this.limits.maxRequests) throw this.refuse(call, 'ELIMIT', `more than ${this.limits.maxRequests} host requests in one call`)
    if (call.inFlight >= this.limits.maxInFlight) throw this.refuse(call, 'ELIMIT', `more than ${this.limits.maxInFlight} host requests at once`)
    call.requests++
    call.inFlight++
    try {
      return await this.dispatch(call, op, args)
    } finally {
      call.inFlight--
    }
  }

  private dispatch(call: HostCall, op: HostOp, args: unknown[]): Promise<unknown> {
    switch (op) {
      case 'http':
        return this.http(call, args[0])
      case 'exec':
        return this.exec(call, args[0], args[1], args[2])
      case 'writeFile':
      case 'appendFile':
        return this.write(call, args[0], args[1], op === 'appendFile', args[2])
      case 'secret':
        return Promise.resolve(this.secret(call, args[0]))
      case 'log':
        return Promise.resolve(this.log(call, args[0], args[1]))
      case 'now':
        return Promise.resolve(this.clock())
    }
  }

  private async http(call: HostCall, value: unknown): Promise<unknown> {
    const waits = httpWaits(value)
    if (waits.delayMs > 0) await this.wait(call, waits.delayMs, 'delayMs')
    let retries = 0
    for (;;) {
      const res = await this.httpOnce(call, value)
      const retry = waits.retry
      if (retry === undefined) return res
      if (!retry.statuses.includes(res.status) || retries >= retry.max) return {...res, retries}
      const waitMs = retryAfterMs(res.headers['retry-after'], Date.now())
      if (waitMs > retry.maxWaitMs || !this.fits(call, waitMs)) return {...res, retries}
      await this.wait(call, waitMs, 'Retry-After')
      retries++
    }
  }

  private async httpOnce(call: HostCall, value: unknown): Promise<HttpResponse> {
    const req = this.httpRequest(call, value)
    try {
      return await performHttp(req, (url) => checkUrl(call.permissions, url), this.limits.http.maxResponseBytes, call.signal)
    } catch (error) {
      if (error instanceof HttpRefused) throw this.refuse(call, 'EPERM', `http: ${error.message}`)
      if (error instanceof HttpTooLarge) throw this.refuse(call, 'ELIMIT', `http ${req.url}: ${error.message}`)
      throw new HostError('EFAIL', `http ${req.url}: ${(error as Error).message}`)
    }
  }

  /** Whether waiting `ms` still leaves a request its time before the call's deadline. */
  private fits(call: HostCall, ms: number): boolean {
    const remaining = call.deadline - performance.now()
    return ms + MIN_REQUEST_MS + Math.min(500, remaining / 5) <= remaining
  }

  /** Waits `ms` (ended early, failing, when the call ends); fails at once when it would pass the deadline. */
  private wait(call: HostCall, ms: number, what: string): Promise<void> {
    if (!this.fits(call, ms)) {
      const left = Math.max(0, Math.floor(call.deadline - performance.now()))
      return Promise.reject(new HostError('EFAIL', `http: waiting ${Math.ceil(ms)} ms (${what}) would pass the call's deadline (${left} ms left)`))
    }
    return new Promise((resolve, reject) => {
      const done = (): void => {
        call.signal.removeEventListener('abort', onAbort)
        resolve()
      }
      const timer = setTimeout(done, ms)
      const onAbort = (): void => {
        clearTimeout(timer)
        reject(new HostError('EFAIL', 'http: the call ended during a wait'))
      }
      if (call.signal.aborted) return onAbort()
      call.signal.addEventListener('abort', onAbort, {once: true})
    })
  }

  private httpRequest(call: HostCall, value: unknown): HttpRequest {
    if (!isRecord(value)) throw invalid('http takes an object {url, method, headers, body, ...}')
    for (const key of Object.keys(value)) if (!HTTP_KEYS.has(key)) throw invalid(`http: unknown option "${key}"`)
    const {url, method = value.body === undefined ? 'GET' : 'POST', headers = {}, body, timeoutMs, maxRedirects, ca, insecureSkipVerify = false} = value
    if (typeof url !== 'string') throw invalid('http: url must be a string')
    if (typeof method !== 'string' || !METHODS.has(method.toUpperCase())) throw invalid(`http: method ${JSON.stringify(method)} is not one of ${[...METHODS].join(', ')}`)
    if (!isRecord(headers)) throw invalid('http: headers must be an object of strings')
    const clean: Record<string, string> = {}
    for (const [name, v] of Object.entries(headers)) {
      if (typeof v !== 'string') throw invalid(`http: header ${name} must be a string`)
      if (HOST_HEADERS.has(name.toLowerCase()) || name.toLowerCase().startsWith('proxy-')) throw invalid(`http: header ${name} is set by the host`)
      if (!/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/.test(name) || /[\r\n\0]/.test(v)) throw invalid(`http: header ${JSON.stringify(name)} is malformed`)
      clean[name] = v
    }
    if (body !== undefined && typeof body !== 'string') throw invalid('http: body must be a string (JSON.stringify objects first)')
    if (timeoutMs !== undefined && !(typeof timeoutMs === 'number' && timeoutMs > 0)) throw invalid('http: timeoutMs must be a positive number')
    if (maxRedirects !== undefined && !(Number.isInteger(maxRedirects) && (maxRedirects as number) >= 0)) throw invalid('http: maxRedirects must be an integer >= 0')
    if (ca !== undefined && typeof ca !== 'string') throw invalid('http: ca must be a PEM string')
    if (typeof insecureSkipVerify !== 'boolean') throw invalid('http: insecureSkipVerify must be a boolean')
    // ends a little before the call's deadline: the plugin sees the timeout and finishes cleanly, rather than being killed
    const remaining = call.deadline - performance.now()
    const left = Math.max(1, Math.floor(remaining - Math.min(500, remaining / 5)))
    return {
      url,
      method: method.toUpperCase(),
      headers: clean,
      body,
      timeoutMs: Math.min(timeoutMs ?? Infinity, this.limits.http.timeoutMs, left),
      maxRedirects: Math.min((maxRedirects as number | undefined) ?? this.limits.http.maxRedirects, this.limits.http.maxRedirects),
      ca,
      insecureSkipVerify,
    }
  }

  private exec(call: HostCall, file: unknown, args: unknown, stdin: unknown): Promise<unknown> {
    if (typeof file !== 'string') throw invalid('exec: the path must be a string')
    if (!Array.isArray(args) || args.length > MAX_ARGS || args.some((a) => typeof a !== 'string' || a.includes('\0'))) throw invalid(`exec: arguments must be an array of at most ${MAX_ARGS} strings`)
    if (stdin !== null && typeof stdin !== 'string') throw invalid('exec: stdin must be a string')
    const refused = checkCommand(call.permissions, file, args as string[])
    if (refused !== undefined) throw this.refuse(call, 'EPERM', `exec: ${refused}`)
    const timeoutMs = Math.max(1, Math.min(this.limits.exec.timeoutMs, Math.floor(call.deadline - performance.now())))
    const maxBuffer = this.limits.exec.maxOutputBytes
    return new Promise((resolve, reject) => {
      const child = execFile(file, args as string[], {shell: false, timeout: timeoutMs, killSignal: 'SIGKILL', maxBuffer, env: {PATH: EXEC_PATH}, cwd: '/', signal: call.signal, encoding: 'utf8'}, (error: ExecFileException | null, stdout: string, stderr: string) => {
        if (error === null) return resolve({code: 0, signal: null, stdout, stderr})
        if (error.code === 'ERR_CHILD_PROCESS_STDIO_MAXBUFFER') return reject(this.refuse(call, 'ELIMIT', `exec ${file}: more than ${maxBuffer} bytes of output`))
        if (error.name === 'AbortError') return reject(new HostError('EFAIL', `exec ${file}: the call ended`))
        if (error.killed === true) return reject(new HostError('EFAIL', `exec ${file}: timed out after ${timeoutMs} ms`))
        if (typeof error.code === 'number') return resolve({code: error.code, signal: null, stdout, stderr})
        if (error.signal != null) return resolve({code: null, signal: error.signal, stdout, stderr})
        reject(new HostError('EFAIL', `exec ${file}: ${error.message}`))
      })
      child.stdin?.on('error', () => {}) // a command that does not read its input
      child.stdin?.end(stdin ?? '')
    })
  }

  private async write(call: HostCall, file: unknown, data: unknown, append: boolean, options: unknown): Promise<null> {
    const op = append ? 'appendFile' : 'writeFile'
    if (typeof file !== 'string') throw invalid(`${op}: the path must be a string`)
    if (typeof data !== 'string') throw invalid(`${op}: the data must be a string`)
    const rotate = append ? rotateOptions(options) : undefined
    try {
      await writePluginFile(call.permissions, file, data, append, rotate)
    } catch (error) {
      if (error instanceof WriteRefused) throw this.refuse(call, 'EPERM', `${op}: ${error.message}`)
      throw new HostError('EFAIL', `${op}: ${(error as Error).message}`)
    }
    return null
  }

  private secret(call: HostCall, key: unknown): string | null {
    if (typeof key !== 'string') throw invalid('secret: the key must be a string')
    const refused = checkSecret(call.permissions, key)
    if (refused !== undefined) throw this.refuse(call, 'EPERM', `secret: ${refused}`)
    return Object.hasOwn(call.secrets, key) ? call.secrets[key]! : null
  }

  private log(call: HostCall, level: unknown, message: unknown): null {
    if (typeof level !== 'string' || !LOG_LEVELS.has(level)) throw invalid(`log: level must be one of ${[...LOG_LEVELS].join(', ')}`)
    let text = typeof message === 'string' ? message : JSON.stringify(message) ?? String(message)
    if (text.length > this.limits.maxLogChars) text = text.slice(0, this.limits.maxLogChars) + '…'
    this.logger[level as keyof Logger](`plugin ${call.plugin}: ${escapeControls(text)}`)
    return null
  }

  private refuse(call: HostCall, code: 'EPERM' | 'ELIMIT', message: string): HostError {
    if (!call.reported.has(message)) {
      call.reported.add(message)
      this.report(call.plugin, code === 'EPERM' ? 'permission' : 'limit', message)
    }
    return new HostError(code, message)
  }
}

/** The `delayMs` and `retry` options of an http request (checked; the rest is checked by httpRequest). */
function httpWaits(value: unknown): HttpWaits {
  if (!isRecord(value)) return {delayMs: 0}
  const {delayMs = 0, retry} = value
  if (!(typeof delayMs === 'number' && delayMs >= 0 && delayMs <= MAX_WAIT_MS)) throw invalid(`http: delayMs must be a number of milliseconds from 0 to ${MAX_WAIT_MS}`)
  if (retry === undefined) return {delayMs}
  if (!isRecord(retry)) throw invalid('http: retry is {statuses?, max?, maxWaitMs?}')
  for (const key of Object.keys(retry)) if (!RETRY_KEYS.has(key)) throw invalid(`http: unknown retry option "${key}" (statuses, max, maxWaitMs)`)
  const {statuses = RETRY_STATUSES, max = 3, maxWaitMs = 60_000} = retry
  if (!Array.isArray(statuses) || statuses.length === 0 || statuses.some((s) => !RETRY_STATUSES.includes(s as number))) throw invalid(`http: retry.statuses must be a non-empty list of ${RETRY_STATUSES.join(', ')}`)
  if (!(Number.isInteger(max) && (max as number) >= 1 && (max as number) <= 10)) throw invalid('http: retry.max must be an integer from 1 to 10')
  if (!(typeof maxWaitMs === 'number' && maxWaitMs >= 0 && maxWaitMs <= MAX_WAIT_MS)) throw invalid(`http: retry.maxWaitMs must be a number of milliseconds from 0 to ${MAX_WAIT_MS}`)
  return {delayMs, retry: {statuses: statuses as number[], max: max as number, maxWaitMs}}
}

function invalid(message: string): HostError {
  return new HostError('EINVAL', message)
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v)
}

/** Control characters (newlines, escapes) of a plugin's text written visibly: one log line, no terminal sequences. */
/** appendFile's third argument: {rotate: {maxBytes, keep}} (keep 1..100), or nothing. */
function rotateOptions(value: unknown): RotateOptions | undefined {
  if (value === undefined || value === null) return undefined
  if (!isRecord(value) || Object.keys(value).some((k) => k !== 'rotate')) throw invalid('appendFile: options are {rotate: {maxBytes, keep}}')
  const r = value.rotate
  if (r === undefined) return undefined
  if (!isRecord(r) || typeof r.maxBytes !== 'number' || !(r.maxBytes >= 1) || !Number.isInteger(r.keep) || (r.keep as number) < 1 || (r.keep as number) > 100) {
    throw invalid('appendFile: rotate is {maxBytes: a positive number, keep: an integer from 1 to 100}')
  }
  return {maxBytes: r.maxBytes, keep: r.keep as number}
}

export function escapeControls(text: string): string {
  return text.replace(/[\x00-\x08\x0a-\x1f\x7f\u2028\u2029]/g, (c) => (c === '\n' ? '\\n' : `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`))
}
