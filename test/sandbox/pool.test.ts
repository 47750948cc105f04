/**
 * The pool's own contract: JSON data in and out (copied, bounded), a bounded queue, clear
 * errors for unknown plugins and functions and for code that does not load, new code after
 * register(), close(), and sandbox processes that break the protocol or do not start.
 */
import * as fs from 'node:fs'
import * as path from 'node:path'
import {fileURLToPath, pathToFileURL} from 'node:url'
import {test} from 'uvu'
import * as assert from 'uvu/assert'
import {NO_PERMISSIONS, SandboxPool} from '../../src/sandbox/index.js'
import {builtChildEntry, recordingPool, register, rejection} from './helpers.js'

const {pool, incidents} = recordingPool({size: 1, maxQueue: 2, maxMessageBytes: 2000})

test.after(() => pool.close())

test('a pool started from the TypeScript sources (tsx, as in development) runs a plugin', async () => {
  const dev = new SandboxPool({size: 1})
  try {
    dev.register({id: 'dev/hello', code: `exports.hello = async (name, host) => 'hello ' + name + ' at ' + (await host.now())`, permissions: NO_PERMISSIONS})
    const answer = (await dev.call('dev/hello', 'hello', ['dev'])) as string
    assert.match(answer, /^hello dev at \d{13}$/)
  } finally {
    await dev.close()
  }
})

test('arguments and results are JSON data, copied both ways', async () => {
  register(pool, 'p/data', `module.exports = {
    mutate(obj) { obj.changed = true; return obj },
    shapes() { return [undefined, () => 1, new Date(0), NaN, {nested: [1, 'two', null, true]}] },
    nothing() {},
  }`)
  const input = {a: 1, list: [1, 2]}
  assert.equal(await pool.call('p/data', 'mutate', [input]), {a: 1, list: [1, 2], changed: true})
  assert.equal(input, {a: 1, list: [1, 2]}, "the caller's object is not the plugin's")
  assert.equal(await pool.call('p/data', 'shapes'), [null, null, '1970-01-01T00:00:00.000Z', null, {nested: [1, 'two', null, true]}])
  assert.is(await pool.call('p/data', 'nothing'), null)
})

test('sizes are bounded: arguments (before sending), results and host requests (in the process), and non-JSON data is refused', async () => {
  register(pool, 'p/size', `module.exports = {
    big() { return 'x'.repeat(5000) },
    bigint() { return 10n },
    async loud(x, host) { try { await host.log('info', 'y'.repeat(5000)) } catch (e) { return e.message } },
    echo(x) { return x },
  }`)
  const cases: [() => Promise<unknown>, string, string][] = [
    [() => pool.call('p/size', 'echo', ['z'.repeat(5000)]), 'limit', 'plugin p/size: the arguments of echo are larger than 2000 characters of JSON (/hub/p/size/index.js)'],
    [() => pool.call('p/size', 'echo', [10n]), 'limit', 'plugin p/size: the arguments of echo are not JSON data: Do not know how to serialize a BigInt (/hub/p/size/index.js)'],
    [() => pool.call('p/size', 'big'), 'limit', 'plugin p/size: big: the result is larger than 2000 characters of JSON (/hub/p/size/index.js)'],
    [() => pool.call('p/size', 'bigint'), 'limit', 'plugin p/size: bigint: the result is not JSON data: TypeError: Do not know how to serialize a BigInt (/hub/p/size/index.js)'],
  ]
  for (const [call, kind, message] of cases) {
    const e = await rejection(call())
    assert.equal([e.kind, e.message], [kind, message])
  }
  assert.is(await pool.call('p/size', 'loud', [null]), 'host request larger than 2000 characters of JSON')
})

test('unknown plugins and functions, and code that does not load, fail with their own kinds; fixed code loads', async () => {
  register(pool, 'p/broken', `module.exports = {`)
  register(pool, 'p/number', `module.exports = 42`)
  register(pool, 'p/throws', `throw new Error('no config')`)
  register(pool, 'p/fine', `module.exports = { hasOwn: 1, run: () => 'ran' }`)
  const cases: [() => Promise<unknown>, string, string][] = [
    [() => pool.call('p/none', 'run'), 'unknown', 'plugin p/none: no such plugin is registered'],
    [() => pool.call('p/fine', 'missing'), 'unknown', 'plugin p/fine: missing: exports no function "missing" (/hub/p/fine/index.js)'],
    [() => pool.call('p/fine', 'hasOwn'), 'unknown', 'plugin p/fine: hasOwn: exports no function "hasOwn" (/hub/p/fine/index.js)'],
    [() => pool.call('p/fine', 'toString'), 'unknown', 'plugin p/fine: toString: exports no function "toString" (/hub/p/fine/index.js)'],
    [() => pool.call('p/broken', 'run'), 'load', 'plugin p/broken: does not load: Unexpected end of input (/hub/p/broken/index.js)'],
    [() => pool.call('p/number', 'run'), 'load', 'plugin p/number: does not load: module.exports is not an object (/hub/p/number/index.js)'],
    [() => pool.call('p/throws', 'run'), 'load', 'plugin p/throws: does not load: no config (/hub/p/throws/index.js)'],
  ]
  for (const [call, kind, message] of cases) {
    const e = await rejection(call())
    assert.equal([e.kind, e.message], [kind, message])
  }
  register(pool, 'p/broken', `module.exports = { run: () => 'fixed' }`)
  assert.is(await pool.call('p/broken', 'run'), 'fixed')
  assert.is(await pool.call('p/fine', 'run'), 'ran')
})

test('register() with new code recompiles it on the next call; the same code is compiled once per process', async () => {
  register(pool, 'p/version', `let calls = 0\nmodule.exports = { v: () => ['one', ++calls] }`)
  assert.equal(await pool.call('p/version', 'v'), ['one', 1])
  register(pool, 'p/version', `let calls = 0\nmodule.exports = { v: () => ['one', ++calls] }`)
  assert.equal(await pool.call('p/version', 'v'), ['one', 2], 'same code: the realm (and its state) is kept')
  register(pool, 'p/version', `module.exports = { v: () => ['two'] }`)
  assert.equal(await pool.call('p/version', 'v'), ['two'])
})

test('the queue is bounded: past maxQueue waiting calls, a call fails at once with kind busy', async () => {
  register(pool, 'p/slow', `module.exports = { wait(ms) { const end = Date.now() + ms; while (Date.now() < end) {} return ms } }`)
  const running = pool.call('p/slow', 'wait', [200])
  await new Promise((resolve) => setTimeout(resolve, 20))
  const waiting = [pool.call('p/slow', 'wait', [1]), pool.call('p/slow', 'wait', [2])]
  const e = await rejection(pool.call('p/slow', 'wait', [3]))
  assert.equal([e.kind, e.message], ['busy', 'plugin p/slow: 2 calls are already waiting (/hub/p/slow/index.js)'])
  assert.equal(await Promise.all([running, ...waiting]), [200, 1, 2])
  assert.equal(pool.stats().queued, 0)
})

test('close() fails waiting and running calls, and later calls', async () => {
  const {pool: closing} = recordingPool({size: 1})
  register(closing, 'p/slow', `module.exports = { wait(ms) { const end = Date.now() + ms; while (Date.now() < end) {} return ms } }`)
  await closing.warm()
  const running = rejection(closing.call('p/slow', 'wait', [2000]))
  const waiting = rejection(closing.call('p/slow', 'wait', [1]))
  await new Promise((resolve) => setTimeout(resolve, 50))
  await closing.close()
  assert.equal((await running).kind, 'closed')
  assert.equal((await waiting).kind, 'closed')
  assert.equal((await rejection(closing.call('p/slow', 'wait', [1]))).kind, 'closed')
  assert.equal(closing.stats().processes, 0)
})

/** A sandbox process that answers `ready`, then does `misbehave` on its first call. */
function fakeChild(name: string, misbehave: string): URL {
  const file = path.join(path.dirname(fileURLToPath(builtChildEntry())), `fake-${name}.js`)
  fs.writeFileSync(file, [
    `process.stdout.write(JSON.stringify({t: 'ready'}) + '\\n')`,
    `let first = true`,
    `process.stdin.on('data', (d) => { if (String(d).includes('"t":"call"') && first) { first = false; ${misbehave} } })`,
    `process.stdin.on('end', () => process.exit(0))`,
  ].join('\n'))
  return pathToFileURL(file)
}

const VIOLATIONS: [string, string, string][] = [
  ['not-json', `process.stdout.write('hello\\n')`, 'the sandbox process sent a line that is not JSON'],
  ['too-long', `process.stdout.write('"' + 'x'.repeat(300000))`, 'the sandbox process sent a message longer than 71536 bytes'],
  ['wrong-call', `process.stdout.write(JSON.stringify({t: 'done', call: 999, ok: true, valueJson: '1'}) + '\\n')`, 'the sandbox process sent a message about call 999, which it is not running'],
  ['bad-result', `process.stdout.write(JSON.stringify({t: 'done', call: 1, ok: true, valueJson: '{nope'}) + '\\n')`, 'the sandbox process sent a result that is not JSON'],
  ['unknown-op', `process.stdout.write(JSON.stringify({t: 'host', call: 1, id: 1, op: 'spawn', args: []}) + '\\n')`, 'the sandbox process sent a message outside the protocol'],
  ['second-ready', `process.stdout.write(JSON.stringify({t: 'ready'}) + '\\n')`, 'the sandbox process sent a second "ready"'],
]

for (const [name, misbehave, reason] of VIOLATIONS) {
  test(`a sandbox process that breaks the protocol (${name}) is killed and its call fails`, async () => {
    const {pool: fake, incidents: seen} = recordingPool({size: 1, maxMessageBytes: 2000, entry: fakeChild(name, misbehave)})
    try {
      register(fake, 'p/any', 'module.exports = {}')
      const e = await rejection(fake.call('p/any', 'run'))
      assert.equal([e.kind, e.message], ['crash', `plugin p/any: ${reason} (/hub/p/any/index.js)`])
      assert.equal(seen.map((i) => [i.kind, i.message]), [['protocol', `${reason}: process killed`]])
    } finally {
      await fake.close()
    }
  })
}

test('a sandbox process that cannot start fails the waiting call with its error output', async () => {
  const file = path.join(path.dirname(fileURLToPath(builtChildEntry())), 'fake-exit.js')
  fs.writeFileSync(file, `process.stderr.write('cannot find vm2\\n'); process.exit(3)`)
  const {pool: broken} = recordingPool({size: 1, entry: pathToFileURL(file)})
  try {
    register(broken, 'p/any', 'module.exports = {}')
    const e = await rejection(broken.call('p/any', 'run'))
    assert.equal([e.kind, e.message], ['crash', 'plugin p/any: the sandbox process did not start (exit code 3: cannot find vm2) (/hub/p/any/index.js)'])
  } finally {
    await broken.close()
  }
})

test('stats count processes started and killed, and incidents', async () => {
  const stats = pool.stats()
  assert.equal([stats.processes, stats.busy, stats.queued, stats.started, stats.killed, stats.incidents], [1, 0, 0, 1, 0, incidents.length])
})

test.run()
