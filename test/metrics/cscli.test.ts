/**
 * CrowdSec's own `cscli metrics` (Debian's 1.4.6, installed by .ci/run) reading crowd's endpoint: the figures crowd
 * serves show up in its acquisition, parser and bucket sections. cscli 1.4.6 appends `/metrics` to `--url` (its help
 * says to give `http://<ip>:<port>/metrics`, which it then fetches as /metrics/metrics), so it gets the bare address.
 * cscli only needs a config with prometheus enabled; it never talks to a LAPI for `metrics`.
 * CROWD_TEST_SKIP_CROWDSEC=1 skips the file on a machine without cscli.
 */
import * as fs from 'node:fs'
import * as path from 'node:path'
import {test} from 'uvu'
import * as assert from 'uvu/assert'
import type {WatchFigures} from '../../src/metrics/figures.js'
import {startMetricsServer, type MetricsServer} from '../../src/metrics/server.js'
import {silentLogger} from '../../src/model/logger.js'
import {freePort, makeTempDir, which} from '../helpers/crowdsec.js'
import {run} from '../helpers/netns.js'

const cscli = which('cscli')
const optOut = process.env.CROWD_TEST_SKIP_CROWDSEC === '1'
if (!optOut && cscli === undefined) {
  test('cscli is installed', () => assert.unreachable('cscli not on PATH (CROWD_TEST_SKIP_CROWDSEC=1 skips these tests)'))
}
const t = optOut || cscli === undefined ? test.skip : test

const tmp = makeTempDir('cscli-metrics')
test.after(() => tmp.remove())

/** A cscli config.yaml of its own (nothing under /etc/crowdsec is read or written). */
function cscliConfig(): string {
  const dir = tmp.dir
  fs.mkdirSync(path.join(dir, 'data'), {recursive: true})
  const file = path.join(dir, 'config.yaml')
  fs.writeFileSync(file, [
    'common: {daemonize: false, log_media: stdout, log_level: info, working_dir: .}',
    `config_paths: {config_dir: ${dir}/, data_dir: ${dir}/data/, hub_dir: ${dir}/hub/, index_path: ${dir}/hub/.index.json}`,
    'cscli: {output: human, color: "no"}',
    // cscli refuses `metrics` unless prometheus is enabled; the address is only its default URL (unused with --url)
    'prometheus: {enabled: true, listen_addr: 127.0.0.1, listen_port: 9}',
    '',
  ].join('\n'))
  return file
}

/** The nine JSON documents `cscli metrics -o json` prints back to back (acquisition, parsers, buckets, then LAPI ones). */
function splitJsonDocuments(text: string): unknown[] {
  const docs: unknown[] = []
  let depth = 0
  let start = -1
  let inString = false
  for (let i = 0; i < text.length; i++) {
    const c = text[i]
    if (inString) {
      if (c === '\\') i++
      else if (c === '"') inString = false
      continue
    }
    if (c === '"') inString = true
    else if (c === '{') {
      if (depth++ === 0) start = i
    } else if (c === '}' && --depth === 0) docs.push(JSON.parse(text.slice(start, i + 1)))
  }
  return docs
}

async function cscliMetrics(server: MetricsServer, output: 'json' | 'human'): Promise<string> {
  const r = await run(cscli!, ['-c', cscliConfig(), 'metrics', '--url', `http://${server.address}`, '-o', output], {timeoutMs: 60_000})
  assert.is(r.code, 0, r.stderr)
  return r.stdout
}

async function withCrowdEndpoint(figures: WatchFigures, fn: (server: MetricsServer) => Promise<void>): Promise<void> {
  const server = await startMetricsServer({listen: `127.0.0.1:${await freePort()}`, figures: () => figures, logger: silentLogger, version: 'test'})
  try {
    await fn(server)
  } finally {
    await server.close()
  }
}

const ONE_SOURCE: WatchFigures = {
  acquisition: [{source: '/var/log/auth.log', module: 'file', type: 'syslog', lines_read: 120, lines_parsed: 80, lines_unparsed: 40, lines_poured: 80}],
  parsers: [
    {name: 'crowdsecurity/syslog-logs', stage: 's00-raw', hits: 120, parsed: 120, unparsed: 0},
    {name: 'crowdsecurity/sshd-logs', stage: 's01-parse', hits: 120, parsed: 80, unparsed: 40},
  ],
  buckets: [
    {name: 'crowdsecurity/ssh-bf', current: 2, poured: 80, instantiated: 9, overflows: 3, underflows: 4},
    {name: 'crowdsecurity/ssh-slow-bf', current: 1, poured: 80, instantiated: 1, overflows: 0, underflows: 0},
  ],
  alerts: [{scenario: 'crowdsecurity/ssh-bf', count: 3}],
  at: '2026-02-03T04:05:06.000Z',
  since: '2026-02-03T00:00:00.000Z',
}

t("cscli metrics -o json shows crowd's acquisition, parser and bucket figures (one source: pours attributed)", async () => {
  await withCrowdEndpoint(ONE_SOURCE, async (server) => {
    const [acquisition, parsers, buckets, ...lapi] = splitJsonDocuments(await cscliMetrics(server, 'json'))
    assert.equal(acquisition, {'file:/var/log/auth.log': {reads: 120, parsed: 80, unparsed: 40, pour: 160}},
      'cscli counts one pour per bucket: 80 into ssh-bf + 80 into ssh-slow-bf')
    assert.equal(parsers, {
      'crowdsecurity/syslog-logs': {hits: 120, parsed: 120, unparsed: 0},
      'crowdsecurity/sshd-logs': {hits: 120, parsed: 80, unparsed: 40},
    })
    assert.equal(buckets, {
      'crowdsecurity/ssh-bf': {curr_count: 2, instantiation: 9, overflow: 3, pour: 80, underflow: 4},
      'crowdsecurity/ssh-slow-bf': {curr_count: 1, instantiation: 1, overflow: 0, pour: 80, underflow: 0},
    })
    assert.equal(lapi, [{}, {}, {}, {}, {}, {}], 'no LAPI figures: the watch is not a LAPI (its alerts are crowd_alerts_total)')
  })
})

t('cscli metrics (human) draws the same rows', async () => {
  await withCrowdEndpoint(ONE_SOURCE, async (server) => {
    const text = await cscliMetrics(server, 'human')
    for (const title of ['Acquisition Metrics:', 'Bucket Metrics:', 'Parser Metrics:']) assert.ok(text.includes(title), title)
    assert.match(text, /\| file:\/var\/log\/auth\.log \| 120 +\| 80 +\| 40 +\| 160 +\|/)
    assert.match(text, /\| crowdsecurity\/ssh-bf +\| 2 +\| 3 +\| 9 +\| 80 +\| 4 +\|/)
    assert.match(text, /\| crowdsecurity\/sshd-logs +\| 120 +\| 80 +\| 40 +\|/)
  })
})

t('several sources: per-source lines exact, pours per bucket exact, unattributed pours on an empty-source row', async () => {
  const figures: WatchFigures = {
    ...ONE_SOURCE,
    acquisition: [
      ...ONE_SOURCE.acquisition,
      {source: '192.0.2.7:514', module: 'syslog', type: 'syslog', lines_read: 10, lines_parsed: 10, lines_unparsed: 0, lines_poured: 10},
    ],
    buckets: [{name: 'crowdsecurity/ssh-bf', current: 2, poured: 90, instantiated: 9, overflows: 3, underflows: 4}],
  }
  await withCrowdEndpoint(figures, async (server) => {
    const [acquisition, parsers, buckets] = splitJsonDocuments(await cscliMetrics(server, 'json'))
    assert.equal(acquisition, {
      '': {pour: 90},
      'file:/var/log/auth.log': {reads: 120, parsed: 80, unparsed: 40},
      'syslog:192.0.2.7:514': {reads: 10, parsed: 10, unparsed: 0},
    })
    assert.equal(Object.keys(parsers as object), ['crowdsecurity/sshd-logs', 'crowdsecurity/syslog-logs'])
    assert.equal(buckets, {'crowdsecurity/ssh-bf': {curr_count: 2, instantiation: 9, overflow: 3, pour: 90, underflow: 4}})
  })
})

test.run()
