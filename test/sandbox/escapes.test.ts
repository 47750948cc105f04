/**
 * Plugins that try to get out: to `process`, `require`, `Function` and eval, constructors and
 * prototypes of host objects, memory outside the heap, timers and jobs that outlive their
 * call, and the host's own prototypes. Each attempt must yield nothing from outside the
 * plugin's realm, and the pool keeps serving afterwards.
 */
import {test} from 'uvu'
import * as assert from 'uvu/assert'
import {recordingPool, register, startServer, type TestServer} from './helpers.js'

const {pool, logs, incidents} = recordingPool({size: 1})
let slow: TestServer
const aborted: string[] = []

test.before(async () => {
  slow = await startServer((req, res) => {
    res.on('close', () => void (res.writableEnded || aborted.push(req.url!)))
    setTimeout(() => res.writableEnded || res.destroyed || res.end('late answer'), 300)
  })
})

test.after(async () => {
  await pool.close()
  await slow.close()
})

/** What a plugin's top level can see of the outside. */
const TOP_LEVEL = `
const seen = {}
for (const name of ['process', 'require', 'Deno', 'Buffer', 'console', 'setTimeout', 'setInterval', 'setImmediate', 'queueMicrotask',
  'ArrayBuffer', 'SharedArrayBuffer', 'Atomics', 'WebAssembly', 'DataView', 'Uint8Array', 'Float64Array', 'BigInt64Array',
  'FinalizationRegistry', 'WeakRef', 'fetch', 'structuredClone', 'TextEncoder']) seen[name] = typeof globalThis[name]
seen.moduleKeys = Object.keys(module)
module.exports = { seen() { return seen } }
`

test('the top level of a plugin sees no process, require, timers, console, binary memory or WebAssembly', async () => {
  register(pool, 'x/top', TOP_LEVEL)
  const seen = (await pool.call('x/top', 'seen')) as Record<string, unknown>
  const {moduleKeys, ...types} = seen
  assert.equal(moduleKeys, ['exports'])
  for (const [name, type] of Object.entries(types)) assert.is(type, 'undefined', name)
})

/** Each function tries one way out and says what it got; "blocked: ..." is the only good answer. */
const ATTEMPTS = `
const blocked = (f) => { try { const v = f(); return 'GOT ' + typeof v + ' ' + String(v).slice(0, 60) } catch (e) { return 'blocked: ' + e.name } }
module.exports = {
  constructorChain() { return blocked(() => this.constructor.constructor('return process')()) },
  globalConstructor() { return blocked(() => globalThis.constructor.constructor('return process')()) },
  functionCtor() { return blocked(() => Function('return process')()) },
  functionCtorThis() { return blocked(() => (function () {}).constructor('return this')().process) },
  asyncFunctionCtor() { return blocked(() => (async function () {}).constructor('return process')) },
  generatorCtor() { return blocked(() => (function* () {}).constructor('return process')) },
  evalProcess() { return blocked(() => eval('process')) },
  indirectEval() { return blocked(() => (0, eval)('1 + 1')) },
  hostProto(x, host) { return [Object.getPrototypeOf(host) === Object.prototype, Object.isFrozen(host), host.__proto__ === ({}).__proto__] },
  hostFunctionCtor(x, host) { return [host.http.constructor === Function, blocked(() => host.http.constructor('return process')()), blocked(() => host.now.constructor.constructor('return process')())] },
  hostReplace(x, host) { 'use strict'; return blocked(() => { host.http = () => 'mine' }) },
  hostProtoCtor(x, host) { return blocked(() => host.__proto__.constructor.constructor('return process')()) },
  caller() { return typeof module === 'undefined' ? [this.caller === undefined, String(Object.getOwnPropertyNames(this))] : 'module still visible' },
  stackFrames() {
    // V8 hands prepareStackTrace the frames of this process too: none may give its receiver or function
    const original = Error.prepareStackTrace
    Error.prepareStackTrace = (e, frames) => frames.map((f) => (f.getThis() === undefined && f.getFunction() === undefined ? 'opaque' : 'REACHED'))
    try { const frames = new Error('x').stack; return [frames.length > 3, frames.filter((f) => f !== 'opaque')] } finally { Error.prepareStackTrace = original }
  },
  async dynamicImport() { try { const fs = await import('node:fs'); return 'GOT ' + typeof fs } catch (e) { return 'blocked: ' + e.name } },
  binary() { return [blocked(() => new ArrayBuffer(2 ** 31)), blocked(() => new Uint8Array(1 << 30)), blocked(() => new WebAssembly.Memory({initial: 1})), blocked(() => Buffer.alloc(1 << 30)), blocked(() => new SharedArrayBuffer(8)), blocked(() => Atomics.wait)] },
  timers() { return [blocked(() => setTimeout(() => {}, 10)), blocked(() => setInterval(() => {}, 10)), blocked(() => queueMicrotask(() => {}))] },
}
`

test('every way out of the realm is blocked: constructors, Function, eval, host objects and their prototypes, stack frames, import, binary memory, timers', async () => {
  register(pool, 'x/escape', ATTEMPTS)
  const answers: Record<string, unknown> = {}
  for (const fn of ['constructorChain', 'globalConstructor', 'functionCtor', 'functionCtorThis', 'asyncFunctionCtor', 'generatorCtor', 'evalProcess', 'indirectEval', 'hostProto', 'hostFunctionCtor', 'hostReplace', 'hostProtoCtor', 'stackFrames', 'dynamicImport', 'binary', 'timers']) {
    answers[fn] = await pool.call('x/escape', fn, [null]) // one argument: the host object comes second
  }
  assert.equal(answers, {
    constructorChain: 'blocked: EvalError',
    globalConstructor: 'blocked: EvalError',
    functionCtor: 'blocked: EvalError',
    functionCtorThis: 'blocked: EvalError',
    asyncFunctionCtor: 'blocked: EvalError',
    generatorCtor: 'blocked: EvalError',
    evalProcess: 'blocked: EvalError',
    indirectEval: 'blocked: EvalError',
    // the host object is the realm's own: its prototype is the realm's Object.prototype, frozen
    hostProto: [true, true, true],
    hostFunctionCtor: [true, 'blocked: EvalError', 'blocked: EvalError'],
    hostReplace: 'blocked: TypeError',
    hostProtoCtor: 'blocked: EvalError',
    stackFrames: [true, []],
    dynamicImport: 'blocked: VMError', // vm2 rewrites import() into a throw
    binary: ['blocked: ReferenceError', 'blocked: ReferenceError', 'blocked: ReferenceError', 'blocked: ReferenceError', 'blocked: ReferenceError', 'blocked: ReferenceError'],
    timers: ['blocked: ReferenceError', 'blocked: ReferenceError', 'blocked: ReferenceError'],
  })
  assert.equal(incidents, [])
})

test("a plugin's prototype pollution stays in its realm: not in the host, not in another plugin", async () => {
  register(pool, 'x/pollute', `module.exports = {
    pollute(x, host) {
      Object.prototype.polluted = 'yes'
      ;({}).__proto__.viaProto = 'yes'
      Array.prototype.push = function () { return 'hijacked' }
      host.__proto__.hostPolluted = 'yes'
      JSON.parse = () => ({admin: true})
      return JSON.parse('{"__proto__": {"admin": true}, "ok": 1}')
    },
    evil() { return JSON.parse('{"__proto__": {"admin": true}}') },
    check() { return [typeof ({}).polluted, typeof [].push] },
  }`)
  register(pool, 'x/other', `module.exports = { check() { return [typeof ({}).polluted, typeof ({}).viaProto, [1].concat([2]).length] } }`)
  await pool.call('x/pollute', 'pollute', [null])
  const evil = (await pool.call('x/pollute', 'evil')) as Record<string, unknown>
  // the host parses results itself: a "__proto__" key is an own property, never a prototype
  assert.is(Object.getPrototypeOf(evil), Object.prototype)
  const probe: Record<string, unknown> = {}
  assert.equal([probe.polluted, probe.viaProto, probe.hostPolluted, probe.admin, ([] as unknown[]).push(1)], [undefined, undefined, undefined, undefined, 1])
  assert.equal(await pool.call('x/pollute', 'check'), ['string', 'function'], 'the plugin keeps its own (polluted) realm between calls')
  assert.equal(await pool.call('x/other', 'check'), ['undefined', 'undefined', 2], 'another plugin in the same process has a clean realm')
})

test('after its call ends, a plugin can no longer act: pending host answers are dropped, later host calls never settle, its requests are aborted', async () => {
  register(pool, 'x/late', `module.exports = {
    leave(url, host) {
      host.http({url}).then(() => host.log('warn', 'LATE: answer delivered after the call'), () => {})
      ;(async () => { for (let i = 0; i < 1000; i++) await null; await host.log('warn', 'LATE: chain acted after the call') })()
      return 'returned'
    },
  }`, {network: [slow.url]})
  const started = performance.now()
  assert.is(await pool.call('x/late', 'leave', [`${slow.url}/pending`]), 'returned')
  assert.ok(performance.now() - started < 250, 'the call did not wait for its abandoned request')
  await new Promise((resolve) => setTimeout(resolve, 500))
  assert.equal(logs.filter((l) => l.includes('LATE')), [])
  // aborted when the call ended: before it connected, or while the server held it
  assert.equal(aborted, slow.seen.map((s) => s.split(' ')[1]), 'every request that reached the server was aborted')
})

test('a job left running after the call returned holds the call open until the deadline kills it; the pool goes on', async () => {
  register(pool, 'x/spin-after', `module.exports = { leave() { (async () => { for (;;) await null })(); return 'returned' } }`)
  const error = (await pool.call('x/spin-after', 'leave', [], {deadlineMs: 300}).catch((e) => e)) as Error & {kind: string}
  assert.is(error.kind, 'timeout')
  assert.is(error.message, 'plugin x/spin-after: leave did not finish within 300 ms (/hub/x/spin-after/index.js)')
  assert.equal(incidents.splice(0).map((i) => [i.plugin, i.kind]), [['x/spin-after', 'timeout']])
  register(pool, 'x/ok', `module.exports = { ping: () => 'pong' }`)
  assert.is(await pool.call('x/ok', 'ping'), 'pong')
})

test.run()
