/**
 * The messages between the host (pool.ts, in crowd's process) and a sandbox process
 * (child.ts), one JSON value per line (frames.ts). Plain data only in both directions; a
 * call's arguments and result travel as JSON text, produced and parsed at the two ends (the
 * caller, the plugin's realm) and never rebuilt in between.
 *
 * The host trusts nothing a sandbox process sends: `readFromChild` checks each message's shape
 * before anything looks at it, and a message that is not one of these kills the process.
 * (The other way is trusted: the host wrote it.)
 */

/** The host's bounds, sent once when the process starts. */
export interface ChildInit {
  t: 'init'
  /** Longest JSON text of a result or a host request (UTF-16 units, about bytes). */
  maxMessageChars: number
}

/**
 * Run `fn` of `plugin` with the arguments `argsJson` (the JSON text of an array, handed to the
 * realm as text: this process never holds them as objects); `load` carries the code when this
 * process has not compiled this version yet.
 */
export interface ChildCall {
  t: 'call'
  call: number
  plugin: string
  fn: string
  argsJson: string
  load?: {code: string; filename: string}
}

/** The answer to host request `id` of call `call`. */
export type ChildReply =
  | {t: 'reply'; call: number; id: number; ok: true; value: unknown}
  | {t: 'reply'; call: number; id: number; ok: false; error: HostErrorData}

export type ToChild = ChildInit | ChildCall | ChildReply

/** What a refused or failed host call rejects with inside the sandbox (an Error with this code). */
export interface HostErrorData {
  code: 'EPERM' | 'ELIMIT' | 'EINVAL' | 'EFAIL'
  message: string
}

export const HOST_OPS = ['http', 'exec', 'writeFile', 'appendFile', 'secret', 'log', 'now'] as const
export type HostOp = (typeof HOST_OPS)[number]

/** A failure of the call itself, as the sandbox process saw it. */
export interface CallFailure {
  kind: 'plugin' | 'load' | 'unknown' | 'limit'
  message: string
}

export type FromChild =
  | {t: 'ready'}
  | {t: 'host'; call: number; id: number; op: HostOp; args: unknown[]}
  | {t: 'done'; call: number; ok: true; valueJson: string}
  | {t: 'done'; call: number; ok: false; error: CallFailure}

const FAILURE_KINDS = new Set(['plugin', 'load', 'unknown', 'limit'])

/** A message from a sandbox process, or undefined when it is not one (then the process is killed). */
export function readFromChild(value: unknown): FromChild | undefined {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return undefined
  const m = value as Record<string, unknown>
  switch (m.t) {
    case 'ready':
      return {t: 'ready'}
    case 'host':
      if (!isId(m.call) || !isId(m.id) || !(HOST_OPS as readonly unknown[]).includes(m.op) || !Array.isArray(m.args)) return undefined
      return {t: 'host', call: m.call, id: m.id, op: m.op as HostOp, args: m.args}
    case 'done':
      if (!isId(m.call)) return undefined
      if (m.ok === true) return typeof m.valueJson === 'string' ? {t: 'done', call: m.call, ok: true, valueJson: m.valueJson} : undefined
      if (m.ok !== false || m.error === null || typeof m.error !== 'object') return undefined
      {
        const e = m.error as Record<string, unknown>
        if (!FAILURE_KINDS.has(e.kind as string) || typeof e.message !== 'string') return undefined
        return {t: 'done', call: m.call, ok: false, error: {kind: e.kind as CallFailure['kind'], message: e.message}}
      }
    default:
      return undefined
  }
}

function isId(v: unknown): v is number {
  return typeof v === 'number' && Number.isSafeInteger(v) && v > 0
}
