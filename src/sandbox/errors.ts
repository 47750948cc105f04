/**
 * How a sandboxed call fails, and what the sandbox reports while it stops a plugin.
 *
 * A SandboxError is a CrowdError (code `hub`: the failing thing is a hub package's code; the
 * closest code that exists) with a `kind` callers can switch on, and the plugin named.
 * An incident is what the host stopped: each is reported (logger.warn and onIncident), whether
 * or not the call fails because of it (a plugin may catch a refused host call and go on).
 */
import {CrowdError} from '../model/errors.js'

export type SandboxErrorKind =
  | 'timeout'    // the call did not finish (with every job it queued) before its deadline: process killed
  | 'memory'     // the sandbox process ran out of heap (or data limit): process gone, call failed
  | 'crash'      // the sandbox process died or broke the protocol
  | 'plugin'     // the plugin's function threw (or rejected), a refused host call included when not caught
  | 'load'       // the plugin's code does not compile or does not export an object
  | 'unknown'    // no such plugin registered, or no such exported function
  | 'limit'      // arguments or result too large, or not JSON data
  | 'busy'       // the queue of waiting calls is full
  | 'closed'     // the pool was closed

export class SandboxError extends CrowdError {
  readonly kind: SandboxErrorKind
  readonly plugin: string

  constructor(kind: SandboxErrorKind, plugin: string, reason: string, file?: string) {
    super('plugin', `plugin ${plugin}: ${reason}`, {file})
    this.name = 'SandboxError'
    this.kind = kind
    this.plugin = plugin
  }

  override toJSON(): Record<string, unknown> {
    return {...super.toJSON(), kind: this.kind, plugin: this.plugin}
  }
}

export type IncidentKind =
  | 'permission' // a host call outside the manifest's permissions (refused before anything happened)
  | 'limit'      // a host call over a bound (size, count, concurrency), refused
  | 'timeout'    // deadline reached: the process was killed
  | 'memory'     // the process ran out of memory
  | 'crash'      // the process died
  | 'protocol'   // the process sent something that is not the protocol: killed

export interface SandboxIncident {
  plugin: string
  kind: IncidentKind
  /** What was stopped, for a log line. */
  message: string
}
