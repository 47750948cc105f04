/**
 * `crowd metrics` through the built CLI: the figures a `--once` run saved (--json golden, the cscli-style tables),
 * a running endpoint given with --url or configured as [watch] metrics_listen (with the fallback to the saved figures
 * when it is down), and the exit codes: 5 with no figures anywhere, 4 for an endpoint that cannot be reached, 3 for a
 * file that does not hold figures. Servers listen on free loopback ports and are closed by their tests.
 */
import * as fs from 'node:fs'
import * as path from 'node:path'
import {test} from 'uvu'
import * as assert from 'uvu/assert'
import {figuresFile, saveFigures, type WatchFigures} from '../../src/metrics/figures.js'
import {startMetricsServer, type MetricsServer} from '../../src/metrics/server.js'
import {silentLogger} from '../../src/model/logger.js'
import {assertGolden} from '../helpers/golden.js'
import {freePort} from '../helpers/crowdsec.js'
import {makeHome, type Home} from './lapi/helpers.js'

const homes: Home[] = []
test.after(() => {
  for (const h of homes) fs.rmSync(h.dir, {recursive: true, force: true})
})
function home(toml = ''): Home {
  const h = makeHome('metrics', toml)
  homes.push(h)
  return h
}

/** What a `crowd watch --once` over sshd and nginx logs would save (two sources, so pours are not attributed). */
const FIGURES: WatchFigures = {
  acquisition: [
    {source: '/var/log/auth.log', module: 'file', type: 'syslog', lines_read: 1200, lines_parsed: 800, lines_unparsed: 400, lines_poured: 800},
    {source: '/var/log/nginx/access.log', module: 'file', type: 'nginx', lines_read: 5000, lines_parsed: 4990, lines_unparsed: 10, lines_poured: 4990},
  ],
  parsers: [
    {name: 'crowdsecurity/syslog-logs', stage: 's00-raw', hits: 1200, parsed: 1200, unparsed: 0},
    {name: 'crowdsecurity/nginx-logs', stage: 's01-parse', hits: 5000, parsed: 4990, unparsed: 10},
    {name: 'crowdsecurity/sshd-logs', stage: 's01-parse', hits: 1200, parsed: 800, unparsed: 400},
    {name: 'crowdsecurity/whitelists', stage: 's02-enrich', hits: 5790, parsed: 5790, unparsed: 0},
  ],
  buckets: [
    {name: 'crowdsecurity/ssh-bf', current: 1, poured: 800, instantiated: 12, overflows: 2, underflows: 9, canceled: 0},
    {name: 'crowdsecurity/http-probing', current: 0, poured: 4990, instantiated: 30, overflows: 1, underflows: 29},
  ],
  alerts: [{scenario: 'crowdsecurity/ssh-bf', count: 2}, {scenario: 'crowdsecurity/http-probing', count: 1}],
  at: '2026-02-03T04:05:06.000Z',
  since: '2026-02-03T04:00:00.000Z',
}

async function withEndpoint(fn: (server: MetricsServer) => Promise<void>): Promise<void> {
  const server = await startMetricsServer({listen: `127.0.0.1:${await freePort()}`, figures: () => FIGURES, logger: silentLogger, version: 'test'})
  try {
    await fn(server)
  } finally {
    await server.close()
  }
}

test('the saved figures of the last --once run: --json is WatchFigures (golden)', async () => {
  const h = home()
  saveFigures(figuresFile(h.dir), FIGURES)
  const r = await h.run(['metrics', '--json'])
  assert.is(r.status, 0, r.stderr)
  assertGolden('metrics.json', r.stdout)
  assert.is(r.stderr, '')
})

test('the saved figures as the tables cscli metrics prints', async () => {
  const h = home()
  saveFigures(figuresFile(h.dir), FIGURES)
  const r = await h.run(['metrics'])
  assert.is(r.status, 0, r.stderr)
  const lines = r.stdout.split('\n')
  assert.is(lines[0], 'Metrics at 2026-02-03T04:05:06.000Z, counting since 2026-02-03T04:00:00.000Z')
  for (const title of ['Acquisition Metrics:', 'Bucket Metrics:', 'Parser Metrics:', 'Alerts:']) assert.ok(lines.includes(title), title)
  assert.ok(lines.some((l) => /^ {2}Source +Lines read +Lines parsed +Lines unparsed +Lines poured to bucket$/.test(l)))
  assert.ok(lines.some((l) => /^ {2}file:\/var\/log\/auth\.log +1200 +800 +400 +800$/.test(l)))
  assert.ok(lines.some((l) => /^ {2}crowdsecurity\/http-probing +- +1 +30 +4990 +29$/.test(l)))
  assert.ok(lines.some((l) => /^ {2}crowdsecurity\/syslog-logs +1200 +1200 +-$/.test(l)))
})

test('--url reads a running endpoint: the same figures as saved', async () => {
  await withEndpoint(async (server) => {
    const h = home()
    const r = await h.run(['metrics', '--url', server.url, '--json'])
    assert.is(r.status, 0, r.stderr)
    assertGolden('metrics.json', r.stdout)
    const bare = await h.run(['metrics', '--url', `http://${server.address}`, '--json'])
    assert.is(bare.stdout, r.stdout, 'http://HOST:PORT means /metrics')
  })
})

test('--from-file reads a saved figures file; one without figures is an input error naming it (exit 3)', async () => {
  const h = home()
  const file = path.join(h.dir, 'copy.json')
  saveFigures(file, FIGURES)
  const ok = await h.run(['metrics', '--from-file', file, '--json'])
  assert.is(ok.status, 0, ok.stderr)
  assertGolden('metrics.json', ok.stdout)
  fs.writeFileSync(file, '{"acquisition": []}')
  const bad = await h.json(['metrics', '--from-file', file])
  assert.is(bad.status, 3)
  assert.equal(bad.body, {error: {exitCode: 3, errors: [{code: 'input', message: 'metrics figures: parsers must be an array', file}]}})
})

test('no figures anywhere: exit 5 naming where they would be', async () => {
  const h = home()
  const r = await h.run(['metrics'])
  assert.is(r.status, 5)
  assert.is(r.stdout, '')
  assert.is(r.stderr, `Error: no metrics: no crowd watch endpoint to read ([watch] metrics_listen, --url) and no saved figures (crowd watch --once saves them) (${figuresFile(h.dir)})\n`)
  const json = await h.json(['metrics'])
  assert.is(json.status, 5)
  assert.is(json.body.error.errors[0].code, 'not-found')
})

test('an endpoint that cannot be reached: exit 4, even when figures were saved', async () => {
  const h = home()
  saveFigures(figuresFile(h.dir), FIGURES)
  const port = await freePort()
  const r = await h.run(['metrics', '--url', `http://127.0.0.1:${port}`])
  assert.is(r.status, 4)
  assert.is(r.stderr, `Error: cannot reach the metrics endpoint http://127.0.0.1:${port}/metrics: ECONNREFUSED\n`)
})

test('[watch] metrics_listen: the running watch, else the saved figures with a warning', async () => {
  await withEndpoint(async (server) => {
    const h = home(`[watch]\nmetrics_listen = "${server.address}"\n`)
    const live = await h.run(['metrics', '--json'])
    assert.is(live.status, 0, live.stderr)
    assertGolden('metrics.json', live.stdout)
  })
  const port = await freePort()
  const h = home(`[watch]\nmetrics_listen = "127.0.0.1:${port}"\n`)
  const down = await h.run(['metrics', '--json'])
  assert.is(down.status, 4, 'nothing saved: the endpoint error')
  saveFigures(figuresFile(h.dir), {...FIGURES, alerts: []})
  const saved = await h.run(['metrics', '--json'])
  assert.is(saved.status, 0, saved.stderr)
  assert.equal(JSON.parse(saved.stdout).alerts, [])
  assert.match(saved.stderr, `cannot reach the metrics endpoint http://127.0.0.1:${port}/metrics: ECONNREFUSED; showing the figures saved by the last run instead`)
})

test('--url and --from-file together are a usage error', async () => {
  const r = await home().run(['metrics', '--url', 'http://127.0.0.1:1', '--from-file', 'x.json'])
  assert.is(r.status, 2)
})

test.run()
