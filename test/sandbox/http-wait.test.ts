/**
 * host.http's opt-in waits (plugins have no timers): `retry` sends a request again after a 429
 * or 503 answer's Retry-After, a bounded number of times and never past the call's deadline;
 * `delayMs` waits before sending, or fails at once when the wait would pass the deadline.
 * Through a real pool, against a local server that answers what each test scripts.
 */
import {test} from 'uvu'
import * as assert from 'uvu/assert'
import {retryAfterMs} from '../../src/sandbox/http.js'
import {recordingPool, register, startServer, type TestServer} from './helpers.js'

const PROBE = `module.exports = {
  async run(req, host) {
    try { return {ok: true, value: await host.http(req)} } catch (e) { return {ok: false, code: e.code, message: e.message} }
  },
}`

interface Outcome {
  ok: boolean
  value: {status: number; body: string; retries?: number}
  code: string
  message: string
}

const {pool} = recordingPool({deadlineMs: 3000})
/** What the server answers next, in order (then 200 "done"): `status retry-after`. */
const script: string[] = []
let server: TestServer

test.before(async () => {
  server = await startServer((_req, res) => {
    const next = script.shift()
    if (next === undefined) return void res.writeHead(200).end('done')
    const [status, retryAfter] = next.split(' ')
    res.writeHead(Number(status), retryAfter === undefined ? {} : {'retry-after': retryAfter.replace(/_/g, ' ')}).end(`answer ${status}`)
  })
  register(pool, 'probe', PROBE, {network: [server.url]})
})

test.after(async () => {
  await pool.close()
  await server.close()
})

async function http(req: Record<string, unknown>): Promise<Outcome> {
  return (await pool.call('probe', 'run', [{url: `${server.url}/x`, ...req}])) as Outcome
}

function reset(...answers: string[]): number {
  script.length = 0
  script.push(...answers)
  return server.seen.length
}

test('retryAfterMs: delta-seconds, an HTTP date, and 1 s when absent or unreadable', () => {
  const now = Date.UTC(2026, 11, 6, 10, 0, 0)
  assert.is(retryAfterMs('2', now), 2000)
  assert.is(retryAfterMs(' 0 ', now), 0)
  assert.is(retryAfterMs('Sun, 06 Dec 2026 10:00:05 GMT', now), 5000)
  assert.is(retryAfterMs('Sun, 06 Dec 2026 09:00:00 GMT', now), 0)
  assert.is(retryAfterMs(undefined, now), 1000)
  assert.is(retryAfterMs('soon', now), 1000)
  assert.is(retryAfterMs('-3', now), 1000)
})

test('without retry, a 429 is returned as it is (no retries field)', async () => {
  const before = reset('429 0')
  const out = await http({})
  assert.ok(out.ok)
  assert.is(out.value.status, 429)
  assert.is(out.value.retries, undefined)
  assert.is(server.seen.length - before, 1)
})

test('retry: 429 and 503 answers are sent again after Retry-After, up to max; other statuses are returned', async () => {
  let before = reset('429 0', '503 Sun,_06_Dec_2020_10:00:00_GMT')
  let out = await http({retry: {}})
  assert.ok(out.ok)
  assert.equal([out.value.status, out.value.body, out.value.retries], [200, 'done', 2])
  assert.is(server.seen.length - before, 3)

  before = reset('429 0', '429 0', '429 0')
  out = await http({retry: {max: 2}})
  assert.ok(out.ok)
  assert.equal([out.value.status, out.value.retries], [429, 2])
  assert.is(server.seen.length - before, 3)

  before = reset('500', '429 0')
  out = await http({method: 'PUT', body: '[]', retry: {max: 5}})
  assert.ok(out.ok)
  assert.equal([out.value.status, out.value.retries], [500, 0])
  assert.is(server.seen.length - before, 1)

  before = reset('503 0')
  out = await http({retry: {statuses: [429]}})
  assert.ok(out.ok)
  assert.equal([out.value.status, out.value.retries], [503, 0])
})

test('retry: a wait longer than maxWaitMs, or past the call deadline, is not made: the answer comes back at once', async () => {
  let before = reset('429 30')
  let out = await http({retry: {maxWaitMs: 10_000}})
  assert.ok(out.ok)
  assert.equal([out.value.status, out.value.retries], [429, 0])
  assert.is(server.seen.length - before, 1)

  // 60 s is under the default maxWaitMs, but the call's deadline is 3 s away
  before = reset('429 60')
  out = await http({retry: {}})
  assert.ok(out.ok)
  assert.equal([out.value.status, out.value.retries], [429, 0])
  assert.is(server.seen.length - before, 1)
})

test('delayMs: sends after the wait; a wait past the call deadline fails at once, sending nothing', async () => {
  let before = reset()
  let out = await http({delayMs: 50})
  assert.ok(out.ok)
  assert.is(out.value.status, 200)
  assert.is(server.seen.length - before, 1)

  before = reset()
  out = await http({delayMs: 10_000})
  assert.not.ok(out.ok)
  assert.is(out.code, 'EFAIL')
  assert.match(out.message, /waiting 10000 ms \(delayMs\) would pass the call's deadline/)
  assert.is(server.seen.length - before, 0)
})

test('malformed delayMs and retry options are refused (EINVAL) before anything is sent', async () => {
  const before = reset()
  const bad: Array<[Record<string, unknown>, RegExp]> = [
    [{delayMs: -1}, /delayMs must be/],
    [{delayMs: 'soon'}, /delayMs must be/],
    [{retry: true}, /retry is/],
    [{retry: {statuses: [500]}}, /retry.statuses/],
    [{retry: {max: 0}}, /retry.max/],
    [{retry: {max: 11}}, /retry.max/],
    [{retry: {maxWaitMs: 1e9}}, /retry.maxWaitMs/],
    [{retry: {forever: true}}, /unknown retry option "forever"/],
  ]
  for (const [req, message] of bad) {
    const out = await http(req)
    assert.not.ok(out.ok, JSON.stringify(req))
    assert.is(out.code, 'EINVAL')
    assert.match(out.message, message)
  }
  assert.is(server.seen.length - before, 0)
})

test.run()
