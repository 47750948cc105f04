/** The cscli-style tables: sections, columns, row order, `-` for zero, empty sections left out. */
import {test} from 'uvu'
import * as assert from 'uvu/assert'
import type {WatchFigures} from '../../src/metrics/figures.js'
import {figuresTables} from '../../src/metrics/tables.js'

const empty: WatchFigures = {acquisition: [], parsers: [], buckets: [], alerts: [], at: '2026-01-01T00:00:00.000Z', since: '2026-01-01T00:00:00.000Z'}

test('no figures, no tables', () => {
  assert.equal(figuresTables(empty), [])
})

test("cscli's four sections, rows by name, zero as -", () => {
  const tables = figuresTables({
    ...empty,
    acquisition: [
      {source: '/var/log/syslog', module: 'file', type: 'syslog', lines_read: 4, lines_parsed: 0, lines_unparsed: 4, lines_poured: 0},
      {source: '192.0.2.1:514', module: 'syslog', type: 'syslog', lines_read: 2, lines_parsed: 2, lines_unparsed: 0, lines_poured: 2},
    ],
    parsers: [
      {name: 'b/whitelists', stage: 's02-enrich', hits: 2, parsed: 2, unparsed: 0},
      {name: 'a/dup', stage: 's01-parse', hits: 1, parsed: 0, unparsed: 1},
      {name: 'a/dup', stage: 's00-raw', hits: 6, parsed: 6, unparsed: 0},
    ],
    buckets: [{name: 'x/ssh-bf', current: 1, poured: 2, instantiated: 3, overflows: 0, underflows: 2, canceled: 9}],
    alerts: [{scenario: 'x/ssh-bf', count: 12345}],
  })
  assert.equal(tables, [
    {
      title: 'Acquisition Metrics',
      header: ['Source', 'Lines read', 'Lines parsed', 'Lines unparsed', 'Lines poured to bucket'],
      rows: [['file:/var/log/syslog', '4', '-', '4', '-'], ['syslog:192.0.2.1:514', '2', '2', '-', '2']],
    },
    {
      title: 'Bucket Metrics',
      header: ['Bucket', 'Current Count', 'Overflows', 'Instantiated', 'Poured', 'Expired'],
      rows: [['x/ssh-bf', '1', '-', '3', '2', '2']],
    },
    {
      title: 'Parser Metrics',
      header: ['Parsers', 'Hits', 'Parsed', 'Unparsed'],
      rows: [['a/dup (s00-raw)', '6', '6', '-'], ['a/dup (s01-parse)', '1', '-', '1'], ['b/whitelists', '2', '2', '-']],
    },
    {title: 'Alerts', header: ['Scenario', 'Count'], rows: [['x/ssh-bf', '12345']]},
  ])
})

test.run()
