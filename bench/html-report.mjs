// `crowd scan --html` on a large scan: the report's file size, the scan's wall time with the
// report, and the page's render time in headless Chromium (navigation start to the page's
// data-ready mark, median of --runs), plus the time one keystroke in the alerts filter takes.
// The log comes from ../shared/bench/genlogs.mjs (nginx, --lines, default 1,000,000), cached in
// the OS temp dir; the report goes to a temp dir removed at the end.
// Then the same for a synthetic result of --stress alerts (default 50,000) of 40 events each,
// far past the report's caps, rendered in process: what the caps keep a huge scan's page to.
//   node bench/html-report.mjs [--lines N] [--runs R] [--baseline] [--stress N]
// --baseline also times the same scan without --html, to show what writing the report costs.
// Needs Debian's chromium (or CROWD_TEST_CHROMIUM=/path/to/chrome); says so and exits 0 without it.
import {spawnSync} from 'node:child_process'
import * as fs from 'node:fs'
import * as os from 'node:os'
import * as path from 'node:path'
import {pathToFileURL} from 'node:url'
import {chromium} from 'playwright-core'
import {renderHtmlReport} from '../src/outputs/html/report.ts'
import {manyAlerts} from '../test/outputs/html/fixtures.ts'
import {arg, generateLog, median, report, ROOT, timeCommand} from './lib.mjs'

const lines = Number(arg('--lines', '1000000'))
const runs = Number(arg('--runs', '3'))
const baseline = process.argv.includes('--baseline')
const stress = Number(arg('--stress', '50000'))

function chromiumPath() {
  if (process.env.CROWD_TEST_CHROMIUM) return fs.existsSync(process.env.CROWD_TEST_CHROMIUM) ? process.env.CROWD_TEST_CHROMIUM : null
  for (const name of ['chromium', 'chromium-browser']) {
    const r = spawnSync('sh', ['-c', `command -v ${name}`], {encoding: 'utf8'})
    if (r.status === 0 && r.stdout.trim()) return r.stdout.trim()
  }
  return null
}

const executablePath = chromiumPath()
if (executablePath === null) {
  console.log('html-report: skipped, no chromium on PATH (Debian: apt-get install chromium)')
  process.exit(0)
}

const {log} = generateLog('nginx', lines)
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'crowd-bench-html-'))
let browser
try {
  const out = path.join(tmp, 'report.html')
  const scanArgs = [path.join(ROOT, 'bin', 'run.js'), 'scan', `${log}:nginx`, '--fail-on', 'none']
  if (baseline) {
    const plain = timeCommand(process.execPath, scanArgs)
    if (plain.status !== 0) throw new Error(`scan failed: ${plain.stderr.slice(-2000)}`)
    report('scan (no report)', {lines, s: plain.ms / 1000, rss_mb: plain.rssMb ?? 'n/a'})
  }
  const scan = timeCommand(process.execPath, [...scanArgs, '--html', out])
  if (scan.status !== 0) throw new Error(`scan --html failed: ${scan.stderr.slice(-2000)}`)
  const html = fs.readFileSync(out, 'utf8')
  const data = JSON.parse(/<script type="application\/json" id="report-data">([^]*?)<\/script>/.exec(html)[1])
  report('scan --html', {lines, s: scan.ms / 1000, rss_mb: scan.rssMb ?? 'n/a'})
  report('report file', {kib: fs.statSync(out).size / 1024, alerts: data.caps.alerts.total, alerts_listed: data.caps.alerts.shown,
    events: data.caps.events.total, events_shown: data.caps.events.shown, decisions: data.caps.decisions.total, timeline_buckets: data.timeline.buckets})

  browser = await chromium.launch({executablePath, headless: true, args: ['--no-sandbox', '--disable-dev-shm-usage', '--disable-gpu']})
  await renderIn(browser, out, 'chromium render')

  const big = manyAlerts(stress, 40)
  const t0 = process.hrtime.bigint()
  const stressOut = path.join(tmp, 'stress.html')
  fs.writeFileSync(stressOut, renderHtmlReport(big))
  report('stress report file', {alerts: stress, events: stress * 40, render_ms: Number(process.hrtime.bigint() - t0) / 1e6, kib: fs.statSync(stressOut).size / 1024})
  await renderIn(browser, stressOut, 'stress chromium render')
} finally {
  await browser?.close()
  fs.rmSync(tmp, {recursive: true, force: true})
}

async function renderIn(browser, file, label) {
  const renders = []
  const filters = []
  const errors = []
  for (let i = 0; i < runs; i++) {
    const page = await browser.newPage({viewport: {width: 1280, height: 900}})
    page.on('console', (m) => m.type() === 'error' && errors.push(m.text()))
    page.on('pageerror', (e) => errors.push(e.message))
    const t0 = process.hrtime.bigint()
    await page.goto(pathToFileURL(file).href)
    await page.waitForSelector('html[data-ready="true"]', {timeout: 120_000})
    const wall = Number(process.hrtime.bigint() - t0) / 1e6
    // navigation start to the end of the page's script, as the page itself measures it
    const inPage = await page.evaluate("performance.getEntriesByName('crowd-report-ready')[0].startTime")
    renders.push({wall, inPage})
    filters.push(await page.evaluate(`(() => {
      const input = document.querySelector('#alerts-table input[data-role="filter"]')
      const t = performance.now()
      input.value = '1'
      input.dispatchEvent(new Event('input'))
      return performance.now() - t
    })()`))
    await page.close()
  }
  report(label, {runs, wall_ms: median(renders.map((r) => r.wall)), in_page_ms: median(renders.map((r) => r.inPage)), filter_keystroke_ms: median(filters), errors: errors.length})
  if (errors.length > 0) {
    console.error(errors.slice(0, 5).join('\n'))
    process.exitCode = 1
  }
}
