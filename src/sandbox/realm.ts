/**
 * One plugin's realm inside a sandbox process: a vm2 VM (a V8 context of its own, with vm2's
 * bridge between it and this process's objects) holding the plugin's compiled code.
 *
 * - Compiled once per process: `createRealm` runs the plugin's top level once; each call then
 *   only calls an exported function.
 * - Nothing but strings crosses the bridge. The host object the plugin gets is built inside
 *   the realm by PRELUDE: its functions turn a request into JSON text and hand it to `post`;
 *   answers come back as JSON text through `deliver` and are parsed inside the realm. The
 *   plugin therefore never holds an object of this process (no prototype or constructor of
 *   ours to climb), only its own realm's.
 * - Taken away before any plugin code runs: `eval`/`Function` on strings (vm2 `eval:false`: the
 *   context refuses code generation), WebAssembly (`wasm:false`, and the global deleted),
 *   ArrayBuffer, SharedArrayBuffer, Atomics, DataView, every typed array and Buffer (memory the
 *   heap limit does not count), console. vm2 itself never exposes process, require, timers,
 *   queueMicrotask, FinalizationRegistry or WeakRef in a VM.
 * - Async functions are allowed (vm2 `allowAsync`): host calls return promises. vm2's timeout
 *   cannot stop async code, so none is used: the host's deadline kills the whole process.
 * - A call's end is known inside the realm: after it, host functions return promises that never
 *   settle, and answers still on their way are dropped; jobs a plugin left behind can compute,
 *   never act, and child.ts waits for them to drain before it reports the call done.
 */
import {VM, type VMOptions} from 'vm2'

/** Globals no plugin gets: memory outside the JS heap, compiled code, and a console. */
export const REMOVED_GLOBALS = [
  'ArrayBuffer', 'SharedArrayBuffer', 'Atomics', 'DataView', 'WebAssembly', 'Buffer',
  'Int8Array', 'Uint8Array', 'Uint8ClampedArray', 'Int16Array', 'Uint16Array', 'Int32Array', 'Uint32Array',
  'Float16Array', 'Float32Array', 'Float64Array', 'BigInt64Array', 'BigUint64Array',
  'console', 'VMError',
] as const

export interface Realm {
  /** Starts `fn(...args, host)`; the realm calls `finish` once it has settled. */
  invoke(call: number, fn: string, argsJson: string): void
  /** Hands a host answer (JSON text of {id, ok, value | error}) to the call waiting for it. */
  deliver(replyJson: string): void
}

/** `post(json)` sends a host request; `finish(call, ok, json)` ends a call (value, or {kind, message}). */
export type PostRequest = (requestJson: string) => void
export type FinishCall = (call: number, ok: boolean, json: string) => void

const HARDEN = `(function (names) {
  'use strict'
  for (const name of names) delete globalThis[name]
  return names.filter(function (name) { return name in globalThis })
})`

// The realm-side half of the protocol. Runs before the plugin, keeps what it uses in its closure.
const PRELUDE = `(function setup(post, finish) {
  'use strict'
  const stringify = JSON.stringify, parse = JSON.parse, apply = Reflect.apply
  const freeze = Object.freeze, hasOwn = Object.prototype.hasOwnProperty
  const ErrorCtor = Error, StringCtor = String, PromiseCtor = Promise
  const promiseResolve = Promise.resolve, promiseThen = Promise.prototype.then
  const MapCtor = Map, mapGet = Map.prototype.get, mapSet = Map.prototype.set, mapDelete = Map.prototype.delete
  const pending = new MapCtor()
  let current = 0
  let nextId = 0
  let exported

  function request(op, args) {
    const call = current
    return new PromiseCtor(function (resolve, reject) {
      if (call === 0) return // the call has ended: this promise never settles
      const id = ++nextId
      post(stringify({call: call, id: id, op: op, args: args}))
      apply(mapSet, pending, [id, {call: call, resolve: resolve, reject: reject}])
    })
  }
  const host = freeze({
    http: freeze(function http(req) { return request('http', [req]) }),
    exec: freeze(function exec(file, args, stdin) { return request('exec', [file, args === undefined ? [] : args, stdin === undefined ? null : stdin]) }),
    writeFile: freeze(function writeFile(file, data) { return request('writeFile', [file, data]) }),
    appendFile: freeze(function appendFile(file, data, options) { return request('appendFile', options === undefined ? [file, data] : [file, data, options]) }),
    secret: freeze(function secret(key) { return request('secret', [key]) }),
    log: freeze(function log(level, message) { return request('log', [level, message]) }),
    now: freeze(function now() { return request('now', []) }),
  })

  function deliver(text) {
    const m = parse(text)
    const p = apply(mapGet, pending, [m.id])
    if (p === undefined) return
    apply(mapDelete, pending, [m.id])
    if (p.call !== current) return
    if (m.ok) p.resolve(m.value)
    else {
      const error = new ErrorCtor(StringCtor(m.error.message))
      error.code = m.error.code
      p.reject(error)
    }
  }

  function describe(e) {
    try {
      if (e !== null && typeof e === 'object' && typeof e.message === 'string') {
        return (typeof e.name === 'string' && e.name !== '' ? e.name + ': ' : '') + e.message
      }
      return 'threw ' + StringCtor(e)
    } catch (x) {
      return 'threw a value that cannot be described'
    }
  }
  function end(call, ok, value) {
    if (call !== current) return
    current = 0
    finish(call, ok, value)
  }
  function failed(call, kind, message) {
    end(call, false, stringify({kind: kind, message: StringCtor(message).slice(0, 2000)}))
  }
  function succeeded(call, value) {
    let text
    try {
      text = stringify(value)
    } catch (e) {
      return failed(call, 'limit', 'the result is not JSON data: ' + describe(e))
    }
    end(call, true, text === undefined ? 'null' : text)
  }

  function invoke(call, name, argsText) {
    current = call
    let result
    try {
      const fn = apply(hasOwn, exported, [name]) ? exported[name] : undefined
      if (typeof fn !== 'function') return failed(call, 'unknown', 'exports no function "' + name + '"')
      const args = parse(argsText)
      args.push(host)
      result = apply(fn, exported, args)
    } catch (e) {
      return failed(call, 'plugin', describe(e))
    }
    apply(promiseThen, apply(promiseResolve, PromiseCtor, [result]), [
      function (value) { succeeded(call, value) },
      function (e) { failed(call, 'plugin', describe(e)) },
    ])
  }

  globalThis.module = {exports: {}}
  globalThis.exports = globalThis.module.exports
  function takeExports() {
    const m = globalThis.module
    exported = m !== null && typeof m === 'object' ? m.exports : undefined
    delete globalThis.module
    delete globalThis.exports
    if (exported === null || (typeof exported !== 'object' && typeof exported !== 'function')) {
      throw new ErrorCtor('module.exports is not an object')
    }
  }
  return freeze({invoke: invoke, deliver: deliver, takeExports: takeExports})
})`

interface RealmApi {
  invoke(call: number, fn: string, argsJson: string): void
  deliver(replyJson: string): void
  takeExports(): void
}

/** Compiles `code` (CommonJS-like: `module.exports = {...}`) in a new hardened VM. Throws when it does not load. */
export function createRealm(code: string, filename: string, post: PostRequest, finish: FinishCall): Realm {
  // bufferAllocLimit (vm2 3.12, not in its typings): Buffer is deleted anyway; a second lock
  const options: VMOptions & {bufferAllocLimit: number} = {allowAsync: true, eval: false, wasm: false, bufferAllocLimit: 0}
  const vm = new VM(options)
  const left = (vm.run(HARDEN, 'crowd-sandbox:harden.js') as (names: readonly string[]) => string[])(REMOVED_GLOBALS)
  if (left.length > 0) throw new Error(`the sandbox could not remove ${left.join(', ')}`)
  const setup = vm.run(PRELUDE, 'crowd-sandbox:prelude.js') as (post: PostRequest, finish: FinishCall) => RealmApi
  const api = setup(post, finish)
  vm.run(code, filename)
  api.takeExports()
  return {
    invoke: (call, fn, argsJson) => api.invoke(call, fn, argsJson),
    deliver: (replyJson) => api.deliver(replyJson),
  }
}
