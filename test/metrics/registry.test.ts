/**
 * The registry over the watch's figures: read back by the exposition reader it gives the same figures (the round
 * trip that `crowd metrics --url` relies on), CrowdSec's series carry per-source labels only when one source accounts
 * for the counts, the figures are read once per scrape, and each registry is its own (not prom-client's global one).
 */
import {register as globalRegistry} from 'prom-client'
import {test} from 'uvu'
import * as assert from 'uvu/assert'
import {figuresOfText} from '../../src/metrics/exposition.js'
import {checkFigures, type WatchFigures} from '../../src/metrics/figures.js'
import {createMetricsRegistry} from '../../src/metrics/registry.js'

const base = {at: '2026-02-03T04:05:06.789Z', since: '2026-02-03T00:00:00.000Z'}

const CASES: [string, WatchFigures][] = [
  ['nothing counted yet', {acquisition: [], parsers: [], buckets: [], alerts: [], ...base}],
  ['one file source', {
    acquisition: [{source: '/var/log/auth.log', module: 'file', type: 'syslog', lines_read: 120, lines_parsed: 80, lines_unparsed: 40, lines_poured: 80}],
    parsers: [
      {name: 'crowdsecurity/syslog-logs', stage: 's00-raw', hits: 120, parsed: 120, unparsed: 0},
      {name: 'crowdsecurity/sshd-logs', stage: 's01-parse', hits: 120, parsed: 80, unparsed: 40},
    ],
    buckets: [
      {name: 'crowdsecurity/ssh-bf', current: 2, poured: 80, instantiated: 9, overflows: 3, underflows: 4, canceled: 0},
      {name: 'crowdsecurity/ssh-slow-bf', current: 0, poured: 0, instantiated: 0, overflows: 0, underflows: 0},
    ],
    alerts: [{scenario: 'crowdsecurity/ssh-bf', count: 3}],
    ...base,
  }],
  ['several sources of every module, odd names, one parser in two stages', {
    acquisition: [
      {source: '/var/log/nginx/access.log', module: 'file', type: 'nginx', lines_read: 1_000_000, lines_parsed: 999_990, lines_unparsed: 10, lines_poured: 999_990},
      {source: 'C:\\logs\\"odd"\nname.log', module: 'file', type: '', lines_read: 3, lines_parsed: 0, lines_unparsed: 3, lines_poured: 0},
      {source: '192.0.2.7:514', module: 'syslog', type: 'syslog', lines_read: 12, lines_parsed: 12, lines_unparsed: 0, lines_poured: 12},
      {source: 'journalctl-_SYSTEMD_UNIT=ssh.service', module: 'journalctl', type: 'syslog', lines_read: 7, lines_parsed: 5, lines_unparsed: 2, lines_poured: 5},
      {source: 'stdin', module: 'stdin', type: 'nginx', lines_read: 1, lines_parsed: 1, lines_unparsed: 0, lines_poured: 1},
    ],
    parsers: [
      {name: 'x/dup', stage: 's00-raw', hits: 5, parsed: 4, unparsed: 1},
      {name: 'x/dup', stage: 's01-parse', hits: 4, parsed: 1, unparsed: 3},
      {name: 'x/no-stage', hits: 1, parsed: 1, unparsed: 0},
    ],
    buckets: [{name: 'crowdsecurity/http-crawl-non_statics', current: 17, poured: 999_990, instantiated: 40, overflows: 2, underflows: 21}],
    alerts: [{scenario: 'crowdsecurity/http-crawl-non_statics', count: 2}, {scenario: 'manual/éü', count: 1}],
    ...base,
  }],
]

for (const [title, figures] of CASES) {
  test(`round trip: ${title}`, async () => {
    const registry = createMetricsRegistry(() => figures, {version: '9.9.9'})
    const text = await registry.metrics()
    assert.equal(figuresOfText(text), checkFigures(figures))
  })
}

/** The cs_* sample lines of a registry's exposition (no HELP/TYPE, no process metrics). */
async function csLines(figures: WatchFigures, prefix: string): Promise<string[]> {
  const text = await createMetricsRegistry(() => figures, {version: '1.2.3', defaultMetrics: false}).metrics()
  return text.split('\n').filter((l) => l.startsWith(prefix))
}

test('CrowdSec series of one source carry its labels (type = the acquisition module)', async () => {
  const f = CASES[1]![1]
  assert.equal(await csLines(f, 'cs_parser_hits'), [
    'cs_parser_hits_total{source="/var/log/auth.log",type="file"} 120',
    'cs_parser_hits_ok_total{source="/var/log/auth.log",type="file"} 80',
    'cs_parser_hits_ko_total{source="/var/log/auth.log",type="file"} 40',
  ])
  assert.equal(await csLines(f, 'cs_node_hits_total'), [
    'cs_node_hits_total{source="/var/log/auth.log",type="file",name="crowdsecurity/syslog-logs"} 120',
    'cs_node_hits_total{source="/var/log/auth.log",type="file",name="crowdsecurity/sshd-logs"} 120',
  ])
  assert.equal(await csLines(f, 'cs_bucket'), [
    'cs_bucket_poured_total{source="/var/log/auth.log",type="file",name="crowdsecurity/ssh-bf"} 80',
    'cs_bucket_created_total{name="crowdsecurity/ssh-bf"} 9',
    'cs_bucket_created_total{name="crowdsecurity/ssh-slow-bf"} 0',
    'cs_bucket_overflowed_total{name="crowdsecurity/ssh-bf"} 3',
    'cs_bucket_overflowed_total{name="crowdsecurity/ssh-slow-bf"} 0',
    'cs_bucket_underflowed_total{name="crowdsecurity/ssh-bf"} 4',
    'cs_bucket_underflowed_total{name="crowdsecurity/ssh-slow-bf"} 0',
    'cs_bucket_canceled_total{name="crowdsecurity/ssh-bf"} 0',
    'cs_buckets{name="crowdsecurity/ssh-bf"} 2',
    'cs_buckets{name="crowdsecurity/ssh-slow-bf"} 0',
  ])
  assert.equal(await csLines(f, 'cs_filesource_hits_total'), ['cs_filesource_hits_total{source="/var/log/auth.log"} 120'])
  assert.equal(await csLines(f, 'cs_info'), ['cs_info{version="1.2.3"} 1'])
})

test('with several sources, node hits and pours have only a name (crowd does not count them per source)', async () => {
  const f = CASES[2]![1]
  assert.equal(await csLines(f, 'cs_node_hits_total'), ['cs_node_hits_total{name="x/no-stage"} 1', 'cs_node_hits_total{name="x/dup"} 9'])
  assert.equal(await csLines(f, 'cs_bucket_poured_total'), ['cs_bucket_poured_total{name="crowdsecurity/http-crawl-non_statics"} 999990'])
  assert.equal(await csLines(f, 'cs_syslogsource_hits_total'), ['cs_syslogsource_hits_total{source="192.0.2.7:514"} 12'])
  assert.equal(await csLines(f, 'cs_journalctlsource_hits_total'), ['cs_journalctlsource_hits_total{source="journalctl-_SYSTEMD_UNIT=ssh.service"} 7'])
  assert.equal(await csLines(f, 'cs_filesource_hits_total'), [
    'cs_filesource_hits_total{source="/var/log/nginx/access.log"} 1000000',
    String.raw`cs_filesource_hits_total{source="C:\\logs\\\"odd\"\nname.log"} 3`,
  ], 'backslashes, quotes and newlines escaped')
})

test('a single source that poured (others only read) still accounts for every pour', async () => {
  const f: WatchFigures = {
    ...base, parsers: [], alerts: [],
    acquisition: [
      {source: 'a.log', module: 'file', type: 't', lines_read: 5, lines_parsed: 0, lines_unparsed: 5, lines_poured: 0},
      {source: 'b.log', module: 'file', type: 't', lines_read: 5, lines_parsed: 5, lines_unparsed: 0, lines_poured: 5},
    ],
    buckets: [{name: 's', current: 0, poured: 5, instantiated: 1, overflows: 0, underflows: 1}],
  }
  assert.equal(await csLines(f, 'cs_bucket_poured_total'), ['cs_bucket_poured_total{source="b.log",type="file",name="s"} 5'])
})

test('the figures are read once per scrape, at the scrape', async () => {
  let reads = 0
  const registry = createMetricsRegistry(() => {
    reads++
    return {...CASES[1]![1], alerts: [{scenario: 's', count: reads}]}
  })
  assert.is(reads, 0, 'nothing read before a scrape')
  const first = await registry.metrics()
  assert.is(reads, 1)
  const second = await registry.metrics()
  assert.is(reads, 2)
  assert.ok(first.includes('crowd_alerts_total{scenario="s"} 1') && second.includes('crowd_alerts_total{scenario="s"} 2'))
})

test("a dedicated registry with the process metrics; prom-client's global registry untouched", async () => {
  const text = await createMetricsRegistry(() => CASES[0]![1]).metrics()
  for (const name of ['process_cpu_seconds_total', 'process_start_time_seconds', 'nodejs_heap_size_used_bytes']) assert.ok(text.includes(`\n${name} `), name)
  assert.equal(await globalRegistry.getMetricsAsJSON(), [])
  const bare = await createMetricsRegistry(() => CASES[0]![1], {defaultMetrics: false}).metrics()
  assert.not.ok(bare.includes('process_cpu'))
})

test('figures of the wrong shape fail the scrape, naming the field', async () => {
  const registry = createMetricsRegistry(() => ({...CASES[1]![1], buckets: [{name: 'b', current: -1}]}) as unknown as WatchFigures, {defaultMetrics: false})
  try {
    await registry.metrics()
    assert.unreachable('no error')
  } catch (error) {
    assert.is((error as Error).message, 'metrics figures: buckets[0].current must be a non-negative integer')
  }
})

test.run()
