/**
 * The figures document: its canonical form (what --json prints and a --once run saves), the checks that name the
 * offending field, and the saved file (missing: not-found; unreadable or malformed: an input error naming the file).
 */
import * as fs from 'node:fs'
import * as os from 'node:os'
import * as path from 'node:path'
import {test} from 'uvu'
import * as assert from 'uvu/assert'
import {checkFigures, figuresFile, readSavedFigures, saveFigures, type WatchFigures} from '../../src/metrics/figures.js'
import {CrowdError} from '../../src/model/errors.js'

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'crowd-metrics-figures-'))
test.after(() => fs.rmSync(dir, {recursive: true, force: true}))

const FIGURES: WatchFigures = {
  acquisition: [
    {source: '/var/log/nginx/access.log', module: 'file', type: 'nginx', lines_read: 5, lines_parsed: 4, lines_unparsed: 1, lines_poured: 4},
    {source: '/var/log/auth.log', module: 'file', type: 'syslog', lines_read: 9, lines_parsed: 3, lines_unparsed: 6, lines_poured: 3},
  ],
  parsers: [
    {name: 'crowdsecurity/whitelists', stage: 's02-enrich', hits: 7, parsed: 7, unparsed: 0},
    {name: 'crowdsecurity/syslog-logs', stage: 's00-raw', hits: 9, parsed: 9, unparsed: 0},
  ],
  buckets: [
    {name: 'crowdsecurity/ssh-slow-bf', current: 1, poured: 3, instantiated: 1, overflows: 0, underflows: 0},
    {name: 'crowdsecurity/http-probing', current: 0, poured: 4, instantiated: 2, overflows: 0, underflows: 2, canceled: 0},
  ],
  alerts: [],
  at: '2026-03-01T12:00:00+01:00',
  since: '2026-03-01T10:00:00Z',
}

test('canonical form: rows sorted, keys in interface order, unknown keys dropped, UTC timestamps', () => {
  const shuffled = {...FIGURES, extra: 1, acquisition: FIGURES.acquisition.map((a) => ({note: 'x', ...a}))}
  const c = checkFigures(shuffled)
  assert.equal(c.acquisition.map((a) => a.source), ['/var/log/auth.log', '/var/log/nginx/access.log'])
  assert.equal(Object.keys(c.acquisition[0]!), ['source', 'module', 'type', 'lines_read', 'lines_parsed', 'lines_unparsed', 'lines_poured'])
  assert.equal(c.parsers.map((p) => p.stage), ['s00-raw', 's02-enrich'])
  assert.equal(c.buckets.map((b) => [b.name, b.canceled]), [['crowdsecurity/http-probing', 0], ['crowdsecurity/ssh-slow-bf', undefined]])
  assert.not.ok('canceled' in c.buckets[1]!, 'an absent optional field stays absent')
  assert.equal(Object.keys(c), ['acquisition', 'parsers', 'buckets', 'alerts', 'at', 'since'])
  assert.is(c.at, '2026-03-01T11:00:00.000Z')
  assert.is(c.since, '2026-03-01T10:00:00.000Z')
  assert.equal(checkFigures(c), c, 'canonical is a fixed point')
})

const BAD: [string, unknown, string][] = [
  ['not an object', [], 'metrics figures: the document must be an object'],
  ['no acquisition', {...FIGURES, acquisition: undefined}, 'metrics figures: acquisition must be an array'],
  ['a negative count', {...FIGURES, acquisition: [{...FIGURES.acquisition[0], lines_read: -1}]}, 'metrics figures: acquisition[0].lines_read must be a non-negative integer'],
  ['a fractional count', {...FIGURES, buckets: [FIGURES.buckets[0], {...FIGURES.buckets[1], poured: 1.5}]}, 'metrics figures: buckets[1].poured must be a non-negative integer'],
  ['a count as text', {...FIGURES, parsers: [{...FIGURES.parsers[0], hits: '7'}]}, 'metrics figures: parsers[0].hits must be a non-negative integer'],
  ['a stage that is not text', {...FIGURES, parsers: [{...FIGURES.parsers[0], stage: 2}]}, 'metrics figures: parsers[0].stage must be a string'],
  ['an alert without scenario', {...FIGURES, alerts: [{count: 1}]}, 'metrics figures: alerts[0].scenario must be a string'],
  ['a time that is not one', {...FIGURES, at: 'yesterday'}, 'metrics figures: at must be an RFC 3339 time'],
  ['no since', {...FIGURES, since: undefined}, 'metrics figures: since must be a string'],
]

for (const [title, value, message] of BAD) {
  test(`refuses figures with ${title}`, () => {
    try {
      checkFigures(value, 'f.json')
      assert.unreachable('no error')
    } catch (error) {
      assert.instance(error, CrowdError)
      assert.is((error as CrowdError).code, 'input')
      assert.is((error as CrowdError).message, `${message} (f.json)`)
    }
  })
}

test('figuresFile is <dataDir>/watch/metrics.json', () => {
  assert.is(figuresFile(path.join('data', 'crowd')), path.join('data', 'crowd', 'watch', 'metrics.json'))
})

test('saveFigures then readSavedFigures gives the canonical figures; the file is written whole', () => {
  const file = figuresFile(path.join(dir, 'home'))
  saveFigures(file, FIGURES)
  assert.equal(readSavedFigures(file), checkFigures(FIGURES))
  assert.equal(fs.readdirSync(path.dirname(file)), ['metrics.json'], 'no temporary file left')
  assert.ok(fs.readFileSync(file, 'utf8').endsWith('}\n'))
})

test('saved figures: missing is not-found, bad content is an input error naming the file', () => {
  const errorOf = (file: string): CrowdError => {
    try {
      readSavedFigures(file)
    } catch (error) {
      return error as CrowdError
    }
    throw new Error('no error')
  }
  const missing = errorOf(path.join(dir, 'nope.json'))
  assert.is(missing.code, 'not-found')
  assert.is(missing.message, `no saved metrics (crowd watch --once saves them after each run) (${path.join(dir, 'nope.json')})`)

  const notJson = path.join(dir, 'not.json')
  fs.writeFileSync(notJson, '{"acquisition": [')
  assert.is(errorOf(notJson).code, 'input')
  assert.match(errorOf(notJson).message, /^saved metrics are not JSON: .*\(.*not\.json\)$/)

  const wrong = path.join(dir, 'wrong.json')
  fs.writeFileSync(wrong, JSON.stringify({...FIGURES, buckets: [{name: 'x'}]}))
  assert.is(errorOf(wrong).message, `metrics figures: buckets[0].current must be a non-negative integer (${wrong})`)

  assert.is(errorOf(dir).message, `cannot read saved metrics: EISDIR (${dir})`)
})

test.run()
