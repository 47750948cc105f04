/**
 * Plugins that do not stop: loops (synchronous, asynchronous, at load), and allocation without
 * bound (arrays, strings, Maps, one huge array, strings past the heap into the data limit).
 * Each is stopped (deadline, or the process's memory limits), reported, fails only its own
 * call, and the pool serves the next call, in a process of its own if need be.
 */
import {test} from 'uvu'
import * as assert from 'uvu/assert'
import {recordingPool, register} from './helpers.js'

// a small heap and data limit: bombs die fast; 2 processes: a bomb and a good call at the same time
const {pool, incidents} = recordingPool({size: 2, heapMb: 16, dataLimitMb: 128, deadlineMs: 300, maxRequests: 50})

test.after(() => pool.close())

register(pool, 'ok/echo', `module.exports = { echo: (x) => x }`)

async function stillServes(): Promise<void> {
  assert.is(await pool.call('ok/echo', 'echo', ['still here']), 'still here')
}

/** [name, code, incidents reported besides the timeout] */
const LOOPS: [string, string, string[]][] = [
  ['while (true) {}', `module.exports = { run() { while (true) {} } }`, []],
  ['for (;;) await null', `module.exports = { async run() { for (;;) await null } }`, []],
  ['jobs that queue jobs, and a promise never settled', `module.exports = { run() { const spin = () => { Promise.resolve().then(spin) }; spin(); return new Promise(() => {}) } }`, []],
  ['a loop in the top level', `while (true) {}\nmodule.exports = { run() {} }`, []],
  // past maxRequests each one is refused (reported once), and it still loops
  ['host calls in a loop', `module.exports = { async run(x, host) { for (;;) { try { await host.now() } catch (e) {} } } }`, ['limit']],
]

for (const [name, code, alsoReported] of LOOPS) {
  test(`a plugin that never returns (${name}) is killed at its deadline, reported, and the pool goes on`, async () => {
    const id = `loop/${name.replace(/\W+/g, '-')}`
    register(pool, id, code)
    const started = performance.now()
    const error = (await pool.call(id, 'run', [null]).catch((e) => e)) as Error & {kind: string}
    const took = performance.now() - started
    assert.is(error.kind, 'timeout', error.message)
    assert.is(error.message, `plugin ${id}: run did not finish within 300 ms (/hub/${id}/index.js)`)
    assert.ok(took >= 290 && took < 1500, `stopped after ${took} ms`)
    assert.equal(incidents.splice(0).map((i) => [i.plugin, i.kind]), [...alsoReported, 'timeout'].map((kind) => [id, kind]))
    await stillServes()
  })
}

const BOMBS: [string, string][] = [
  ['an array of objects', `const a = []; for (;;) a.push({n: a.length})`],
  ['a Map', `const m = new Map(); for (let i = 0; ; i++) m.set(i, 'v' + i)`],
  ['strings kept while doubling', `let s = 'x'; const keep = []; for (let i = 0; ; i++) { s = s + s; keep.push(s.slice(0, 1e6) + i) }`],
  ['one huge array filled at once', `return new Array(2 ** 26).fill(1.5).length`],
  ['flat strings past the heap, into the data limit', `const keep = []; for (let i = 0; i < 16; i++) { const s = 'xy'.repeat(2 ** 26 - i); s.indexOf('z'); keep.push(s) } return keep.length`],
  ["a string of 2**28 characters split into an array", `return 'x'.repeat(2 ** 28).split('').length`],
]

for (const [name, body] of BOMBS) {
  test(`a plugin allocating without bound (${name}) kills only its own process: the call fails with kind memory, and the pool goes on`, async () => {
    const id = `bomb/${name.replace(/\W+/g, '-')}`
    register(pool, id, `module.exports = { run() { ${body} } }`)
    const error = (await pool.call(id, 'run', [], {deadlineMs: 20_000}).catch((e) => e)) as Error & {kind: string}
    assert.is(error.kind, 'memory', error.message)
    assert.match(error.message, new RegExp(`^plugin ${id}: run ran out of memory \\(signal SIG[A-Z]+\\)`))
    assert.equal(incidents.splice(0).map((i) => [i.plugin, i.kind]), [[id, 'memory']])
    await stillServes()
  })
}

test('a string longer than V8 allows is an error of the plugin, not of the process', async () => {
  register(pool, 'bomb/repeat', `module.exports = { run() { return 'x'.repeat(2 ** 29).length } }`)
  const error = (await pool.call('bomb/repeat', 'run').catch((e) => e)) as Error & {kind: string}
  assert.is(error.kind, 'plugin')
  assert.is(error.message, 'plugin bomb/repeat: run failed: RangeError: Invalid string length (/hub/bomb/repeat/index.js)')
  await stillServes()
})

test('a bomb and a good call at the same time: only the bomb fails', async () => {
  register(pool, 'bomb/concurrent', `module.exports = { run() { const a = []; for (;;) a.push([a.length]) } }`)
  const [bomb, good] = await Promise.allSettled([pool.call('bomb/concurrent', 'run', [], {deadlineMs: 20_000}), pool.call('ok/echo', 'echo', [{alerts: 3}])])
  assert.is(bomb.status, 'rejected')
  assert.is((bomb as PromiseRejectedResult).reason.kind, 'memory')
  assert.equal(good, {status: 'fulfilled', value: {alerts: 3}})
  incidents.splice(0)
  await stillServes()
})

test('host requests are bounded per call', async () => {
  const {pool: small, incidents: seen} = recordingPool({size: 1, maxRequests: 5, maxInFlight: 2})
  try {
    register(small, 'many/requests', `module.exports = {
      async sequential(x, host) { const out = []; for (let i = 0; i < 7; i++) { try { await host.now(); out.push('ok') } catch (e) { out.push(e.code) } } return out },
      async parallel(x, host) {
        const r = await Promise.allSettled([1, 2, 3, 4].map(() => host.exec('/bin/sleep', ['0.3'])))
        return r.map((s) => s.status === 'fulfilled' ? 'ok' : s.reason.code)
      },
    }`, {commands: [{path: '/bin/sleep', args: ['*']}]})
    assert.equal(await small.call('many/requests', 'sequential', [null]), ['ok', 'ok', 'ok', 'ok', 'ok', 'ELIMIT', 'ELIMIT'])
    assert.equal(await small.call('many/requests', 'parallel', [null]), ['ok', 'ok', 'ELIMIT', 'ELIMIT'])
    // each refusal is reported once per call
    assert.equal(seen.map((i) => [i.kind, i.message]), [
      ['limit', 'more than 5 host requests in one call'],
      ['limit', 'more than 2 host requests at once'],
    ])
  } finally {
    await small.close()
  }
})

test.run()
