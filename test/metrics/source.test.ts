/**
 * Where `crowd metrics` gets its figures: the order of the sources, the fallback from a configured endpoint that is
 * down to the saved figures, the errors (and so exit codes) of each failure, and the bounds of a fetch (size, time).
 * Test servers listen on free loopback ports and are closed by their tests.
 */
import * as fs from 'node:fs'
import * as http from 'node:http'
import * as os from 'node:os'
import * as path from 'node:path'
import {test} from 'uvu'
import * as assert from 'uvu/assert'
import {checkFigures, saveFigures, type WatchFigures} from '../../src/metrics/figures.js'
import {metricsUrlOfListen} from '../../src/metrics/listen.js'
import {createMetricsRegistry} from '../../src/metrics/registry.js'
import {configuredMetricsListen, fetchExposition, loadFigures, metricsUrl} from '../../src/metrics/source.js'
import {CrowdError} from '../../src/model/errors.js'
import type {Logger} from '../../src/model/logger.js'
import {freePort} from '../helpers/crowdsec.js'

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'crowd-metrics-source-'))
test.after(() => fs.rmSync(dir, {recursive: true, force: true}))

const LIVE: WatchFigures = {
  acquisition: [{source: '/var/log/auth.log', module: 'file', type: 'syslog', lines_read: 10, lines_parsed: 6, lines_unparsed: 4, lines_poured: 6}],
  parsers: [], buckets: [], alerts: [{scenario: 'crowdsecurity/ssh-bf', count: 1}],
  at: '2026-04-01T10:00:00.000Z', since: '2026-04-01T09:00:00.000Z',
}
const SAVED: WatchFigures = {...LIVE, alerts: [], at: '2026-03-31T23:00:00.000Z', since: '2026-03-31T22:59:00.000Z'}
const savedFile = path.join(dir, 'watch', 'metrics.json')
saveFigures(savedFile, SAVED)

/** A server on a free loopback port answering every request with `handler`; closed by `fn`'s end. */
async function withHttp(handler: http.RequestListener, fn: (base: string, port: number) => Promise<void>): Promise<void> {
  const server = http.createServer(handler)
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const port = (server.address() as {port: number}).port
  try {
    await fn(`http://127.0.0.1:${port}`, port)
  } finally {
    server.closeAllConnections()
    await new Promise((resolve) => server.close(resolve))
  }
}

const crowdEndpoint: http.RequestListener = (req, res) => {
  if (req.url !== '/metrics') return void res.writeHead(404).end()
  void createMetricsRegistry(() => LIVE, {defaultMetrics: false}).metrics().then((text) => res.end(text))
}

async function errorOf(p: Promise<unknown>): Promise<CrowdError> {
  try {
    await p
  } catch (error) {
    assert.instance(error, CrowdError)
    return error as CrowdError
  }
  throw new Error('expected an error')
}

function recordingLogger(): Logger & {lines: string[]} {
  const lines: string[] = []
  const log = (level: string) => (m: string): void => void lines.push(`${level}: ${m}`)
  return {lines, error: log('error'), warn: log('warn'), info: log('info'), debug: log('debug')}
}

test('metricsUrl: a bare host:port means /metrics (as cscli metrics --url), a path is kept', () => {
  assert.is(metricsUrl('http://127.0.0.1:6060'), 'http://127.0.0.1:6060/metrics')
  assert.is(metricsUrl('http://127.0.0.1:6060/'), 'http://127.0.0.1:6060/metrics')
  assert.is(metricsUrl('https://h/custom/path?x=1'), 'https://h/custom/path?x=1')
})

test('metricsUrl: not a URL, or not http(s), is a usage error', async () => {
  for (const [url, message] of [['127.0.0.1:6060', 'not a URL: "127.0.0.1:6060"'], ['localhost:6060', 'the metrics URL must be http(s), not "localhost:6060"'], ['nope', 'not a URL: "nope"'], ['file:///etc/passwd', 'the metrics URL must be http(s), not "file:///etc/passwd"']]) {
    const error = await errorOf(Promise.resolve().then(() => metricsUrl(url!)))
    assert.equal([error.code, error.message], ['usage', message])
  }
})

test('metricsUrlOfListen: wildcard addresses are dialled on loopback', () => {
  assert.is(metricsUrlOfListen('0.0.0.0:6060'), 'http://127.0.0.1:6060/metrics')
  assert.is(metricsUrlOfListen('[::]:6060'), 'http://[::1]:6060/metrics')
  assert.is(metricsUrlOfListen('[fd00::1]:6060'), 'http://[fd00::1]:6060/metrics')
  assert.is(metricsUrlOfListen('metrics.local:9'), 'http://metrics.local:9/metrics')
})

test('configuredMetricsListen reads [watch] metrics_listen whatever the Config looks like', () => {
  assert.is(configuredMetricsListen({watch: {metricsListen: '127.0.0.1:6060'}}), '127.0.0.1:6060')
  assert.is(configuredMetricsListen({watch: {metrics_listen: '127.0.0.1:6061'}}), '127.0.0.1:6061')
  for (const config of [{}, {watch: {}}, {watch: null}, {watch: {metricsListen: ''}}, {watch: {metricsListen: 6060}}, null, undefined]) {
    assert.is(configuredMetricsListen(config), undefined, JSON.stringify(config))
  }
})

test('--url reads the endpoint (crowd figures back exactly)', async () => {
  await withHttp(crowdEndpoint, async (base) => {
    assert.equal(await loadFigures({url: base, savedFile}), {figures: checkFigures(LIVE), from: `${base}/metrics`})
  })
})

test('order: --url, then --from-file, then the configured endpoint, then the saved figures', async () => {
  const other = path.join(dir, 'other.json')
  saveFigures(other, {...SAVED, at: '2020-01-01T00:00:00.000Z'})
  await withHttp(crowdEndpoint, async (base, port) => {
    const listen = `127.0.0.1:${port}`
    assert.is((await loadFigures({url: base, fromFile: other, listen, savedFile})).from, `${base}/metrics`)
    assert.is((await loadFigures({fromFile: other, listen, savedFile})).from, other)
    assert.is((await loadFigures({listen, savedFile})).from, `${base}/metrics`)
  })
  assert.equal(await loadFigures({savedFile}), {figures: SAVED, from: savedFile})
})

test('a configured endpoint that is down falls back to the saved figures, with a warning', async () => {
  const port = await freePort()
  const logger = recordingLogger()
  assert.equal(await loadFigures({listen: `127.0.0.1:${port}`, savedFile, logger}), {figures: SAVED, from: savedFile})
  assert.equal(logger.lines, [`warn: cannot reach the metrics endpoint http://127.0.0.1:${port}/metrics: ECONNREFUSED; showing the figures saved by the last run instead (${savedFile})`])
})

test('failures: down endpoint (no saved figures) and HTTP errors are service errors, nothing at all is not-found', async () => {
  const port = await freePort()
  const down = await errorOf(loadFigures({listen: `127.0.0.1:${port}`, savedFile: path.join(dir, 'none.json')}))
  assert.equal([down.code, down.message], ['lapi', `cannot reach the metrics endpoint http://127.0.0.1:${port}/metrics: ECONNREFUSED`])
  const explicit = await errorOf(loadFigures({url: `http://127.0.0.1:${port}`, savedFile}))
  assert.is(explicit.code, 'lapi', 'an explicit --url never falls back')

  await withHttp((_req, res) => void res.writeHead(404, 'Not Found').end('nope'), async (base) => {
    const e = await errorOf(loadFigures({url: base + '/metrics/metrics'}))
    assert.equal([e.code, e.message], ['lapi', `the metrics endpoint ${base}/metrics/metrics answered 404 Not Found`])
  })
  await withHttp((_req, res) => void res.end('<html><body>login</body></html>'), async (base) => {
    const e = await errorOf(loadFigures({url: base}))
    assert.equal([e.code, e.message], ['input', `not Prometheus text exposition: expected a metric name (${base}/metrics:1:1)`])
  })

  const none = await errorOf(loadFigures({savedFile: path.join(dir, 'none.json')}))
  assert.equal([none.code, none.message], ['not-found', `no metrics: no crowd watch endpoint to read ([watch] metrics_listen, --url) and no saved figures (crowd watch --once saves them) (${path.join(dir, 'none.json')})`])
  const nothing = await errorOf(loadFigures({}))
  assert.equal([nothing.code, nothing.message], ['not-found', 'no metrics: give --url or --from-file'])
  const missingFile = await errorOf(loadFigures({fromFile: path.join(dir, 'none.json')}))
  assert.is(missingFile.code, 'not-found')
})

test('a fetch reads at most maxBytes, announced or streamed', async () => {
  const big = 'x 1\n'.repeat(1000)
  await withHttp((req, res) => {
    if (req.url === '/announced') res.writeHead(200, {'Content-Length': String(big.length)}).end(big)
    else {
      res.writeHead(200) // chunked: no length announced
      for (let i = 0; i < 10; i++) res.write(big.slice(0, 400))
      res.end()
    }
  }, async (base) => {
    for (const p of ['/announced', '/streamed']) {
      const e = await errorOf(fetchExposition(base + p, {maxBytes: 1000}))
      assert.equal([e.code, e.message], ['input', `the metrics at ${base}${p} are larger than 1000 bytes`])
    }
    assert.is((await fetchExposition(base + '/announced', {maxBytes: big.length})).length, big.length)
  })
})

test('a fetch gives up after timeoutMs on a server that never answers', async () => {
  await withHttp(() => {/* never answers */}, async (base) => {
    const t0 = Date.now()
    const e = await errorOf(fetchExposition(base + '/metrics', {timeoutMs: 300}))
    assert.equal([e.code, e.message], ['lapi', `the metrics endpoint ${base}/metrics did not answer within 300 ms`])
    assert.ok(Date.now() - t0 < 3000)
  })
})

test('a server that hangs up mid-answer is a service error', async () => {
  await withHttp((_req, res) => {
    res.writeHead(200, {'Content-Length': '1000'})
    res.write('cs_buckets{name="a"} 1\n')
    setTimeout(() => res.socket?.destroy(), 20)
  }, async (base) => {
    const e = await errorOf(fetchExposition(base + '/metrics'))
    assert.is(e.code, 'lapi')
  })
})

test.run()
