/**
 * The notification plugins installed from the hub, run in the sandbox: the NotifierResolver
 * crowd's commands use (installedDeliverers). A configuration's `type: NAME` is served by the
 * installed package of type notification whose manifest `serves` NAME (src/hub/plugins.ts).
 *
 * Each configuration gets its own registration in one SandboxPool (processes start on the first
 * delivery): the package's code, its manifest's permissions resolved against that configuration
 * (`{config = "webhook"}` becomes the scheme, host and port of that configuration's webhook), and
 * as secrets the values of the keys the manifest declares (`host.secret(key)`); the plugin's
 * `notify(options, text, host)` gets the other keys as `options`. A `ca_cert_path` is read here
 * and handed over as `ca` (plugins have no file system).
 *
 * Refused at load, with the configuration's file and line: a package whose recorded grant does not
 * cover what its installed manifest asks (an install from before grants, or files changed since),
 * a package whose files were changed (tainted), a configuration whose keys the permissions name
 * are missing or malformed, an unreadable CA file.
 */
import * as fs from 'node:fs'
import * as path from 'node:path'
import {installedPlugins, type InstalledPlugin} from '../../hub/plugins.js'
import {CrowdError} from '../../model/errors.js'
import {parseGoDuration} from '../../model/go-time.js'
import type {Logger} from '../../model/logger.js'
import {resolvePermissions, SandboxPool, type SandboxOptions} from '../../sandbox/index.js'
import {DEFAULT_TIMEOUT_MS} from './config.js'
import type {Deliver, NotificationConfig, NotifierResolver} from './types.js'

/** How long past the notification's own timeout the sandbox waits before it kills the plugin's process. */
const DEADLINE_MARGIN_MS = 1000

export interface SandboxedNotifiersOptions {
  dataDir: string
  logger?: Logger
  /** Sandbox settings (tests: the built sandbox process, smaller limits). */
  sandbox?: SandboxOptions
}

export class SandboxedNotifiers implements NotifierResolver {
  readonly #plugins: InstalledPlugin[]
  readonly #options: SandboxedNotifiersOptions
  #pool: SandboxPool | undefined
  /** Registered configurations: sandbox id -> the options the plugin gets. */
  readonly #registered = new Map<string, Record<string, unknown>>()
  /** Per registration, the end of the last call started (calls of one configuration run one at a time). */
  readonly #turns = new Map<string, Promise<void>>()

  constructor(options: SandboxedNotifiersOptions) {
    this.#options = options
    this.#plugins = installedPlugins(options.dataDir, 'notification')
  }

  types(): string[] {
    return [...new Set(this.#plugins.flatMap((p) => p.serves))].sort()
  }

  deliverer(type: string, notification?: NotificationConfig): Deliver | undefined {
    const serving = this.#plugins.filter((p) => p.serves.includes(type))
    if (serving.length === 0) return undefined
    const where = notification === undefined ? {} : {file: notification.file, line: notification.keyLines.type ?? notification.line}
    if (serving.length > 1) throw new CrowdError('config', `notification type '${type}' is served by ${serving.length} installed packages (${serving.map((p) => p.name).join(', ')}): remove all but one`, where)
    const plugin = serving[0]!
    if (!plugin.covered) {
      throw new CrowdError('config', `${plugin.name} asks for permissions that were not granted (installed before grants were recorded, or its manifest changed since): crowd hub install --force ${plugin.name}`, where)
    }
    if (plugin.tainted) throw new CrowdError('config', `${plugin.name} was changed after it was installed: crowd hub install --force ${plugin.name} restores it`, where)
    if (notification !== undefined) this.#register(plugin, notification)
    return async (config, text, _alerts, signal) => {
      const id = this.#register(plugin, config)
      // one call at a time per configuration: a receiver that hangs holds one sandbox process, not all of them
      const turn = this.#turns.get(id) ?? Promise.resolve()
      let done!: () => void
      const mine = new Promise<void>((resolve) => (done = resolve))
      this.#turns.set(id, turn.then(() => mine))
      try {
        await abortable(turn, signal)
      } catch (error) {
        // gave up waiting: the turn passes on when the call before ends
        void turn.then(done, done)
        throw error
      }
      const call = this.#sandbox().call(id, 'notify', [this.#registered.get(id), text], {deadlineMs: timeoutMs(config) + DEADLINE_MARGIN_MS})
      // the attempt may be abandoned at its timeout; the turn is held until the sandbox call itself ends
      void call.then(done, done)
      await abortable(call, signal)
    }
  }

  /** Stops the sandbox processes. */
  async close(): Promise<void> {
    await this.#pool?.close()
    this.#pool = undefined
  }

  #sandbox(): SandboxPool {
    this.#pool ??= new SandboxPool({logger: this.#options.logger, ...this.#options.sandbox})
    return this.#pool
  }

  /** Registers the plugin for one configuration (once); returns its sandbox id. */
  #register(plugin: InstalledPlugin, config: NotificationConfig): string {
    const id = `${plugin.name}#${config.name}`
    if (this.#registered.has(id)) return id
    const where = {file: config.file, line: config.line}
    const permissions = resolvePermissions(plugin.permissions, config.options, config.file)
    const secrets: Record<string, string> = {}
    const options: Record<string, unknown> = {}
    for (const [key, value] of Object.entries(config.options)) {
      if (permissions.secrets.includes(key)) {
        if (value !== undefined && value !== null) secrets[key] = String(value)
      } else {
        options[key] = value
      }
    }
    if (typeof config.options.ca_cert_path === 'string' && config.options.ca_cert_path !== '') {
      const file = path.resolve(path.dirname(config.file), config.options.ca_cert_path)
      try {
        options.ca = fs.readFileSync(file, 'utf8')
      } catch (error) {
        throw new CrowdError('config', `ca_cert_path: cannot read ${file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`, {file: config.file, line: config.keyLines.ca_cert_path ?? where.line})
      }
    }
    this.#sandbox().register({id, code: plugin.code, filename: plugin.main, permissions, secrets})
    this.#registered.set(id, options)
    return id
  }
}

/** The notification's `timeout` in ms (CrowdSec's default when absent or unreadable: config.ts checked it at load). */
function timeoutMs(config: NotificationConfig): number {
  if (typeof config.timeout !== 'string' || config.timeout === '') return DEFAULT_TIMEOUT_MS
  try {
    const ms = parseGoDuration(config.timeout).ns / 1e6
    return ms > 0 ? ms : DEFAULT_TIMEOUT_MS
  } catch {
    return DEFAULT_TIMEOUT_MS
  }
}

/** The call, or a rejection as soon as `signal` aborts (the sandbox kills the process at its own deadline). */
function abortable<T>(call: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason as Error)
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(signal.reason as Error)
    signal.addEventListener('abort', onAbort, {once: true})
    call.then(
      (v) => {
        signal.removeEventListener('abort', onAbort)
        resolve(v)
      },
      (e: unknown) => {
        signal.removeEventListener('abort', onAbort)
        reject(e as Error)
      },
    )
  })
}
