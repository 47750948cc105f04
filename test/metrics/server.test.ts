/**
 * The metrics endpoint: GET /metrics (and HEAD) answers the exposition, everything else 404; bad or taken listen
 * addresses are config errors; a scrape whose figures fail answers 500 and logs; close() returns even while a scraper
 * keeps its connection alive. Every server started here is closed by its test.
 */
import * as http from 'node:http'
import * as net from 'node:net'
import {test} from 'uvu'
import * as assert from 'uvu/assert'
import {figuresOfText} from '../../src/metrics/exposition.js'
import type {WatchFigures} from '../../src/metrics/figures.js'
import {parseListen} from '../../src/metrics/listen.js'
import {startMetricsServer, type MetricsServer} from '../../src/metrics/server.js'
import {CrowdError} from '../../src/model/errors.js'
import type {Logger} from '../../src/model/logger.js'
import {freePort} from '../helpers/crowdsec.js'

const FIGURES: WatchFigures = {
  acquisition: [{source: '/var/log/auth.log', module: 'file', type: 'syslog', lines_read: 3, lines_parsed: 2, lines_unparsed: 1, lines_poured: 2}],
  parsers: [{name: 'crowdsecurity/sshd-logs', stage: 's01-parse', hits: 3, parsed: 2, unparsed: 1}],
  buckets: [{name: 'crowdsecurity/ssh-bf', current: 1, poured: 2, instantiated: 1, overflows: 0, underflows: 0}],
  alerts: [],
  at: '2026-02-03T04:05:06.000Z',
  since: '2026-02-03T04:00:00.000Z',
}

function recordingLogger(): Logger & {lines: string[]} {
  const lines: string[] = []
  const log = (level: string) => (m: string): void => void lines.push(`${level}: ${m}`)
  return {lines, error: log('error'), warn: log('warn'), info: log('info'), debug: log('debug')}
}

function request(url: string, method = 'GET', agent?: http.Agent): Promise<{status: number; type: string; body: string}> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, {method, agent}, (res) => {
      let body = ''
      res.setEncoding('utf8').on('data', (c: string) => (body += c))
      res.on('end', () => resolve({status: res.statusCode ?? 0, type: String(res.headers['content-type']), body}))
    })
    req.on('error', reject)
    req.end()
  })
}

async function withServer(options: {figures?: () => WatchFigures; listen?: string}, fn: (server: MetricsServer, logger: Logger & {lines: string[]}) => Promise<void>): Promise<void> {
  const logger = recordingLogger()
  const server = await startMetricsServer({listen: options.listen ?? '127.0.0.1:0', figures: options.figures ?? (() => FIGURES), logger, version: '0.0.1'})
  try {
    await fn(server, logger)
  } finally {
    await server.close()
  }
}

test('GET /metrics answers the exposition of the figures; address and url name the bound port', async () => {
  const port = await freePort()
  await withServer({listen: `127.0.0.1:${port}`}, async (server, logger) => {
    assert.is(server.address, `127.0.0.1:${port}`)
    assert.is(server.url, `http://127.0.0.1:${port}/metrics`)
    const r = await request(`${server.url}?x=1`)
    assert.is(r.status, 200)
    assert.is(r.type, 'text/plain; version=0.0.4; charset=utf-8')
    assert.equal(figuresOfText(r.body), FIGURES)
    assert.ok(r.body.includes('cs_info{version="0.0.1"} 1'))
    assert.equal(logger.lines, [`info: metrics: serving http://127.0.0.1:${port}/metrics`])
  })
})

test('HEAD /metrics answers headers only; other paths and methods 404', async () => {
  await withServer({}, async (server) => {
    const base = server.url.replace(/\/metrics$/, '')
    const head = await request(server.url, 'HEAD')
    assert.equal([head.status, head.body], [200, ''])
    for (const [method, path] of [['GET', '/'], ['GET', '/metrics/metrics'], ['GET', '/metricsx'], ['POST', '/metrics'], ['DELETE', '/metrics']]) {
      const r = await request(base + path, method)
      assert.is(r.status, 404, `${method} ${path}`)
      assert.is(r.body, 'not found: the metrics are at GET /metrics\n')
    }
  })
})

test('an IPv6 loopback listen address', async () => {
  await withServer({listen: '[::1]:0'}, async (server) => {
    assert.match(server.address, /^\[::1\]:\d+$/)
    assert.is((await request(server.url)).status, 200)
  })
})

test('figures that cannot be read answer 500 and log a warning; the next scrape works again', async () => {
  let fail = true
  const figures = (): WatchFigures => {
    if (fail) throw new Error('pipeline not ready')
    return FIGURES
  }
  await withServer({figures}, async (server, logger) => {
    const r = await request(server.url)
    assert.equal([r.status, r.body], [500, 'metrics unavailable: pipeline not ready\n'])
    assert.ok(logger.lines.includes('warn: metrics: scrape failed: pipeline not ready'))
    fail = false
    assert.is((await request(server.url)).status, 200)
  })
})

const BAD_LISTEN = ['6060', ':6060', 'localhost', 'localhost:', 'localhost:http', '127.0.0.1:65536', '::1:6060', '[::1:6060', '[]:6060', ' 127.0.0.1:6060', 'a/b:1', '127.0.0.1:123456']
for (const listen of BAD_LISTEN) {
  test(`listen "${listen}" is a config error`, async () => {
    try {
      await startMetricsServer({listen, figures: () => FIGURES, logger: recordingLogger()})
      assert.unreachable('started')
    } catch (error) {
      assert.instance(error, CrowdError)
      assert.is((error as CrowdError).code, 'config')
      assert.is((error as CrowdError).message, `metrics_listen must be HOST:PORT, not "${listen}"`)
    }
  })
}

test('listen addresses that parse', () => {
  assert.equal(parseListen('127.0.0.1:6060'), {host: '127.0.0.1', port: 6060})
  assert.equal(parseListen('[::]:0'), {host: '::', port: 0})
  assert.equal(parseListen('localhost:65535'), {host: 'localhost', port: 65535})
})

test('an address in use is a config error naming it', async () => {
  const taken = net.createServer()
  await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve))
  const port = (taken.address() as net.AddressInfo).port
  try {
    await startMetricsServer({listen: `127.0.0.1:${port}`, figures: () => FIGURES, logger: recordingLogger()})
    assert.unreachable('started')
  } catch (error) {
    assert.instance(error, CrowdError)
    assert.is((error as CrowdError).message, `cannot serve metrics on 127.0.0.1:${port}: EADDRINUSE`)
  } finally {
    await new Promise((resolve) => taken.close(resolve))
  }
})

test("close() returns while a scraper holds a keep-alive connection, and the port is free again", async () => {
  const agent = new http.Agent({keepAlive: true})
  const server = await startMetricsServer({listen: '127.0.0.1:0', figures: () => FIGURES, logger: recordingLogger()})
  try {
    assert.is((await request(server.url, 'GET', agent)).status, 200)
  } finally {
    const t0 = Date.now()
    await server.close()
    assert.ok(Date.now() - t0 < 1000, 'close did not wait for the idle connection')
    agent.destroy()
  }
  const again = await startMetricsServer({listen: server.address, figures: () => FIGURES, logger: recordingLogger()})
  await again.close()
})

test.run()
