// Notification benchmarks (issue 16), through the real path: crowd's http notification package
// installed from the embedded hub, run in the sandbox, the dispatcher over a SQLite store.
//   throughput   alerts delivered per second to a local receiver, group_wait 0 (one message per
//                alert, CrowdSec's default), --alerts of them enqueued at once
//   down         RSS while the receiver is down (connections cut) for --seconds under 1,000
//                alerts/min, beside RSS at the start; then the receiver comes back and the backlog
//                (kept in the store) is delivered
//   node --import tsx bench/notifications.mjs [--alerts 2000] [--seconds 60] [--only throughput,down]
import * as fs from 'node:fs'
import * as http from 'node:http'
import * as os from 'node:os'
import * as path from 'node:path'
import {arg, median, report} from './lib.mjs'
import {hubInstall} from '../src/hub/index.ts'
import {silentLogger} from '../src/model/logger.ts'
import {NotificationDispatcher, parseNotifications, resolveNotifications, sampleAlert} from '../src/outputs/notifications/index.ts'
import {SandboxedNotifiers} from '../src/outputs/notifications/plugins.ts'
import {openStore} from '../src/store/open.ts'

const alertsWanted = Number(arg('--alerts', '2000'))
const seconds = Number(arg('--seconds', '60'))
const only = arg('--only', 'throughput,down').split(',')
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'crowd-bench-notify-'))

await hubInstall({dataDir: tmp, sources: ['embedded'], names: ['crowd/notification-http'], yes: true, logger: silentLogger})

/**
 * A receiver that answers 200, or while `down` cuts every connection (the http plugin counts a
 * non-2xx answer as delivered, as CrowdSec's does: only a transport error is retried); counts what it received.
 */
async function receiver() {
  const state = {down: false, received: 0}
  const server = http.createServer((req, res) => {
    if (state.down) return void req.socket.destroy()
    req.resume()
    req.on('end', () => {
      state.received++
      res.writeHead(200).end('ok')
    })
  })
  await new Promise((r) => server.listen(0, '127.0.0.1', r))
  return {state, url: `http://127.0.0.1:${server.address().port}`, close: () => new Promise((r) => { server.closeAllConnections(); server.close(r) })}
}

async function dispatcherFor(url, name) {
  const file = path.join(tmp, `${name}.yaml`)
  const loaded = parseNotifications(`type: http\nname: ${name}\nformat: |\n  {{.|toJson}}\nurl: ${url}/hook\nmethod: POST\nheaders:\n  Content-Type: application/json\n`, file)
  const resolver = new SandboxedNotifiers({dataDir: tmp, logger: silentLogger})
  const store = await openStore({engine: 'sqlite', target: path.join(tmp, `${name}.db`)})
  const dispatcher = await NotificationDispatcher.start({notifications: resolveNotifications(loaded, [name], resolver), store, owner: `bench/${name}`, logger: silentLogger})
  return {dispatcher, resolver, store}
}

const alert = (i) => {
  const a = sampleAlert()
  a.UUID = `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`
  return a
}
const until = async (test, ms = 120_000) => {
  const end = Date.now() + ms
  while (!test() && Date.now() < end) await new Promise((r) => setTimeout(r, 10))
}

async function throughput() {
  const rates = []
  for (let run = 0; run < 3; run++) {
    const r = await receiver()
    const {dispatcher, resolver, store} = await dispatcherFor(r.url, `tp${run}`)
    // one delivery first: the sandbox processes start
    await dispatcher.enqueue(alert(0), [`tp${run}`])
    await until(() => r.state.received === 1)
    const t = performance.now()
    for (let i = 1; i <= alertsWanted; i++) await dispatcher.enqueue(alert(i), [`tp${run}`])
    await until(() => r.state.received === alertsWanted + 1)
    rates.push(alertsWanted / ((performance.now() - t) / 1000))
    await dispatcher.close({flushWithin: 1000})
    await resolver.close()
    await store.close()
    await r.close()
  }
  report('notifications delivered/s (http plugin, sandboxed, group_wait 0)', {alerts: alertsWanted, per_s: median(rates)})
}

async function down() {
  const r = await receiver()
  const {dispatcher, resolver, store} = await dispatcherFor(r.url, 'down')
  await dispatcher.enqueue(alert(0), ['down'])
  await until(() => r.state.received === 1)
  r.state.down = true
  if (global.gc) global.gc()
  const start = process.memoryUsage().rss / 2 ** 20
  const samples = []
  let n = 1
  const end = Date.now() + seconds * 1000
  while (Date.now() < end) {
    // 1,000 alerts per minute: one every 60 ms
    await dispatcher.enqueue(alert(n++), ['down'])
    await new Promise((res) => setTimeout(res, 60))
    if (n % 100 === 0) {
      if (global.gc) global.gc()
      samples.push(process.memoryUsage().rss / 2 ** 20)
    }
  }
  const queued = n - 1
  if (global.gc) global.gc()
  const atEnd = process.memoryUsage().rss / 2 ** 20
  r.state.down = false
  const t = performance.now()
  await until(() => r.state.received >= n)
  report(`receiver down ${seconds}s under 1,000 alerts/min`, {queued, rss_start_mb: start, rss_end_mb: atEnd, ratio: atEnd / start, rss_max_mb: Math.max(...samples, atEnd),
    backlog_delivered: r.state.received - 1, backlog_s: (performance.now() - t) / 1000})
  await dispatcher.close({flushWithin: 1000})
  await resolver.close()
  await store.close()
  await r.close()
}

try {
  if (only.includes('throughput')) await throughput()
  if (only.includes('down')) await down()
} finally {
  fs.rmSync(tmp, {recursive: true, force: true})
}
