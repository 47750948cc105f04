/**
 * The sandbox process: started by the pool (spawn.ts), it reads frames from stdin and writes
 * frames to stdout (protocol.ts). It runs one call at a time, in the realm of the plugin
 * called (realm.ts; one realm per plugin, compiled on its first call here).
 *
 * This process has no capability a plugin could want: it is started with an empty
 * environment, read access to crowd's own files only (Node's permission model, or Deno's
 * flags, which also take the network away), a heap limit and, on Linux, a data-size limit.
 * Everything a plugin may do goes to the host as a request, and the host decides.
 *
 * A call is reported done only after the jobs its plugin queued have drained (setImmediate runs
 * after every microtask): a plugin that keeps its realm busy after returning holds the call
 * open, and the host's deadline kills this process.
 */
import {encodeFrame, FrameReader} from './frames.js'
import type {CallFailure, ChildCall, FromChild, HostOp, ToChild} from './protocol.js'
import {createRealm, type Realm} from './realm.js'

const realms = new Map<string, Realm>()
let maxMessageChars = 4 * 1024 * 1024
let current: {call: number; plugin: string} | undefined

function send(message: FromChild): void {
  process.stdout.write(encodeFrame(message))
}

function done(call: number, ok: boolean, json: string): void {
  // after the realm's queued jobs: a call is done when its plugin has stopped running
  setImmediate(() => {
    if (current?.call !== call) return
    current = undefined
    if (json.length > maxMessageChars) return send({t: 'done', call, ok: false, error: {kind: 'limit', message: `the result is larger than ${maxMessageChars} characters of JSON`}})
    if (ok) return send({t: 'done', call, ok: true, valueJson: json})
    const failure = JSON.parse(json) as CallFailure
    send({t: 'done', call, ok: false, error: {kind: failure.kind, message: failure.message}})
  })
}

function fail(call: number, kind: CallFailure['kind'], message: string): void {
  done(call, false, JSON.stringify({kind, message}))
}

function realmFor(msg: ChildCall): Realm {
  if (msg.load !== undefined) {
    realms.delete(msg.plugin)
    realms.set(msg.plugin, createRealm(msg.load.code, msg.load.filename, postFor(msg.plugin), done))
  }
  const realm = realms.get(msg.plugin)
  if (realm === undefined) throw new Error('the host called a plugin it never sent')
  return realm
}

/** How `plugin`'s realm sends host requests: only while one of its calls runs, tagged with that call. */
function postFor(plugin: string): (json: string) => void {
  return (json) => {
    if (current === undefined || current.plugin !== plugin) return
    if (json.length > maxMessageChars) throw new Error(`host request larger than ${maxMessageChars} characters of JSON`)
    const req = JSON.parse(json) as {call: number; id: number; op: string; args: unknown[]}
    if (req.call !== current.call) return
    send({t: 'host', call: req.call, id: req.id, op: req.op as HostOp, args: req.args})
  }
}

function onMessage(value: unknown): void {
  const msg = value as ToChild
  if (msg.t === 'init') {
    maxMessageChars = msg.maxMessageChars
  } else if (msg.t === 'call') {
    current = {call: msg.call, plugin: msg.plugin}
    let realm: Realm
    try {
      realm = realmFor(msg)
    } catch (error) {
      return fail(msg.call, 'load', (error as Error)?.message ?? String(error))
    }
    realm.invoke(msg.call, msg.fn, msg.argsJson)
  } else if (msg.t === 'reply') {
    if (current === undefined || current.call !== msg.call) return
    realms.get(current.plugin)?.deliver(JSON.stringify(msg.ok ? {id: msg.id, ok: true, value: msg.value} : {id: msg.id, ok: false, error: msg.error}))
  }
}

const reader = new FrameReader(Number.MAX_SAFE_INTEGER, onMessage, (reason) => {
  process.stderr.write(`crowd sandbox: the host sent ${reason}\n`)
  process.exit(70)
})
process.stdin.on('data', (chunk: Buffer) => reader.push(chunk))
process.stdin.on('end', () => process.exit(0))
send({t: 'ready'})
