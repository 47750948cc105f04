/**
 * The HTML scan report's renderer, without a browser: the data block cannot be left by any
 * log-line content, the CSP allows exactly the page's own script and style, caps apply and are
 * recorded, and the sample scan's page matches its golden file (assets and volatile parts scrubbed).
 * The same page in Chromium: report-browser.test.ts.
 */
import {createHash} from 'node:crypto'
import * as fs from 'node:fs'
import * as os from 'node:os'
import * as path from 'node:path'
import {test} from 'uvu'
import * as assert from 'uvu/assert'
import {bucketWidth, buildReportData, REPORT_CSP, renderHtmlReport, scriptSafeJson, type ReportData} from '../../../src/outputs/html/report.js'
import {assertGolden} from '../../helpers/golden.js'
import {runCli} from '../../helpers/run-cli.js'
import {HOSTILE, hostileResult, manyAlerts} from './fixtures.js'

const count = (text: string, needle: string): number => text.split(needle).length - 1

function dataBlock(html: string): string {
  const m = /<script type="application\/json" id="report-data">([^]*?)<\/script>/.exec(html)
  assert.ok(m, 'the page has its data block')
  return m![1]!
}

function inlineScript(html: string): string {
  const m = /<script>([^]*?)<\/script>/.exec(html)
  assert.ok(m, 'the page has its script')
  return m![1]!
}

test('scriptSafeJson: no <, >, & or U+2028/2029 left, and JSON.parse reads the same value back', () => {
  const value = {all: Object.values(HOSTILE), [HOSTILE.closeScript]: HOSTILE.separators}
  const json = scriptSafeJson(value)
  assert.not.match(json, /[<>&\u2028\u2029]/)
  assert.ok(json.includes('\\u003c/script\\u003e'))
  assert.ok(json.includes('\\u2028') && json.includes('\\u2029'))
  assert.equal(JSON.parse(json), value)
})

test('hostile log strings stay inside the data block: two script elements, no markup from the data', () => {
  const html = renderHtmlReport(hostileResult())
  assert.is(count(html.toLowerCase(), '<script'), 2, 'the data block and the page script, nothing else')
  assert.is(count(html.toLowerCase(), '</script'), 2)
  assert.not.ok(html.includes('<img'), 'no img tag anywhere in the page')
  assert.not.ok(html.includes('<!--'), 'no comment opener: it would change how the data block ends')
  assert.not.match(html, /[\u2028\u2029]/)
  const data = JSON.parse(dataBlock(html)) as ReportData
  const shown = data.alerts[0]!.events.flatMap((e) => e.meta.flat())
  for (const v of Object.values(HOSTILE)) assert.ok(shown.includes(v), `kept verbatim: ${JSON.stringify(v)}`)
  assert.is(data.alerts[0]!.scenario, `crowd/http-probing${HOSTILE.attribute}`)
  assert.equal(data.warnings, [`warning ${HOSTILE.closeScript}`])
})

test('the page script never turns data into markup: no innerHTML, outerHTML, insertAdjacentHTML or document.write', () => {
  const script = inlineScript(renderHtmlReport(hostileResult()))
  assert.not.match(script, /innerHTML|outerHTML|insertAdjacentHTML|document\.write|eval\(|new Function/)
  assert.ok(script.includes('createTextNode'))
})

test('CSP: the inline script and style by sha256, no unsafe-inline, nothing remote; the page loads nothing', () => {
  const html = renderHtmlReport(hostileResult())
  const meta = /<meta http-equiv="Content-Security-Policy" content="([^"]+)">/.exec(html)
  assert.ok(meta, 'CSP meta tag')
  const csp = meta![1]!
  assert.is(csp, REPORT_CSP)
  const hash = (s: string): string => `'sha256-${createHash('sha256').update(s, 'utf8').digest('base64')}'`
  const style = /<style>([^]*?)<\/style>/.exec(html)![1]!
  assert.ok(csp.includes(`script-src ${hash(inlineScript(html))};`), csp)
  assert.ok(csp.includes(`style-src ${hash(style)};`), csp)
  assert.ok(csp.startsWith("default-src 'none'"))
  assert.not.match(csp, /unsafe-inline|unsafe-eval|https?:|\*/)
  // no element that fetches: no src/href attributes, no link, no external script
  const markup = html.replace(dataBlock(html), '').replace(inlineScript(html), '').replace(style, '')
  assert.not.match(markup, /\s(?:src|href|action|srcset)=/i)
  assert.not.match(markup, /<link|<iframe|<object|<embed/i)
})

test('caps: alerts, events per alert and in all, decisions, long values; the timeline and the top tables count everything', () => {
  const result = manyAlerts(30, 50)
  const data = buildReportData(result, {limits: {alerts: 10, eventsPerAlert: 5, events: 32, decisions: 4, top: 2, valueChars: 5}})
  assert.is(data.alerts.length, 10)
  assert.equal(data.alerts.map((a) => a.events.length), [5, 5, 5, 5, 5, 5, 2, 0, 0, 0])
  assert.equal(data.caps.alerts, {total: 30, shown: 10})
  assert.equal(data.caps.events, {total: 1500, shown: 32, per_alert: 5, max: 32})
  assert.equal(data.caps.decisions, {total: 30, shown: 4})
  assert.is(data.decisions.length, 4)
  assert.equal(data.caps.top_sources, {total: 7, shown: 2})
  assert.equal(data.caps.top_scenarios, {total: 3, shown: 2})
  assert.is(data.top_scenarios.reduce((n, s) => n + s.alerts, 0), 20, 'the top two scenarios, 10 alerts each')
  let events = 0
  let alerts = 0
  for (const row of data.timeline.scenarios) {
    events += row.events.reduce((a, b) => a + b, 0)
    alerts += row.alerts.reduce((a, b) => a + b, 0)
  }
  assert.is(events, 1500)
  assert.is(alerts, 30)
  assert.ok(data.timeline.buckets <= 96)
  // values longer than 5 characters end with … and are counted
  assert.is(data.alerts[0]!.value, '192.0…')
  assert.ok(data.caps.values_cut > 0)
  // and the page says so
  const html = renderHtmlReport(result, {limits: {alerts: 10}})
  assert.ok(JSON.parse(dataBlock(html)).caps.alerts.shown === 10)
})

test('bucketWidth: the smallest round width giving at most N buckets', () => {
  assert.is(bucketWidth(0, 0, 96), 1000)
  assert.is(bucketWidth(0, 95_000, 96), 1000)
  assert.is(bucketWidth(0, 96_000, 96), 2000)
  assert.is(bucketWidth(0, 6 * 3600_000, 96), 300_000)
  assert.is(bucketWidth(0, 365 * 86400_000, 96), 604_800_000)
  const huge = bucketWidth(0, 10 * 365 * 86400_000, 96)
  assert.ok(Math.floor((10 * 365 * 86400_000) / huge) + 1 <= 96)
})

test('no alert: the page still renders its summary and metrics, with an empty timeline', () => {
  const data = buildReportData(manyAlerts(0, 0))
  assert.is(data.timeline.buckets, 0)
  assert.equal(data.alerts, [])
  assert.ok(renderHtmlReport(manyAlerts(0, 0)).includes('id="report-data"'))
})

/** The page minus what changes without the report's contract changing: assets, their hashes, the time, syslog years. */
function scrubReport(html: string): string {
  const data = JSON.parse(dataBlock(html)) as ReportData
  data.generated_at = 'GENERATED'
  // epoch milliseconds hold the year of syslog timestamps: written as a date, the year is scrubbed below
  ;(data.timeline as unknown as {start: string}).start = new Date(data.timeline.start).toISOString()
  const pretty = JSON.stringify(data, null, 1)
  return html
    .replace(dataBlock(html), () => `\n${pretty}\n`)
    .replace(/<style>[^]*?<\/style>/, '<style>/* REPORT_STYLE */</style>')
    .replace(/<script>[^]*?<\/script>/, '<script>/* REPORT_SCRIPT */</script>')
    .replace(/'sha256-[A-Za-z0-9+/=]+'/g, "'sha256-…'")
    .replace(/\b(?:19|20)\d\d-(\d\d-\d\d)/g, 'YYYY-$1')
}

test('golden: crowd scan test/fixtures/samples/ --html (assets, hashes, time and syslog years scrubbed)', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'crowd-html-'))
  try {
    const out = path.join(dir, 'report.html')
    const r = runCli(['scan', 'test/fixtures/samples/', '--html', out])
    assert.is(r.status, 1, r.stderr)
    const html = fs.readFileSync(out, 'utf8')
    assertGolden('scan-samples.html', scrubReport(html))
  } finally {
    fs.rmSync(dir, {recursive: true, force: true})
  }
})

test('--html with --json: stdout stays the JSON result and the page holds the same figures; an unwritable FILE is a usage error', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'crowd-html-'))
  try {
    const out = path.join(dir, 'report.html')
    const r = runCli(['scan', 'test/fixtures/html/hostile-access.log', '--json', '--html', out])
    assert.is(r.status, 1, r.stderr)
    const json = JSON.parse(r.stdout) as {summary: {alerts: number; lines: number}}
    const data = JSON.parse(dataBlock(fs.readFileSync(out, 'utf8'))) as ReportData
    assert.is(data.summary.alerts, json.summary.alerts)
    assert.is(data.summary.lines, json.summary.lines)
    assert.ok(data.alerts.length > 0)
    const bad = runCli(['scan', 'test/fixtures/html/hostile-access.log', '--html', path.join(dir, 'missing', 'report.html')])
    assert.is(bad.status, 2, bad.stderr)
    assert.match(bad.stderr, /cannot write the HTML report: ENOENT/)
  } finally {
    fs.rmSync(dir, {recursive: true, force: true})
  }
})

test.run()
