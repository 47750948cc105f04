/**
 * The HTML scan report in headless Chromium (test/helpers/browser.ts): the sample scan's page
 * draws its charts and tables with no console error and loads nothing; the tables filter, sort
 * and page; hostile log lines (a real scan of test/fixtures/html/hostile-access.log, and a
 * synthetic result with the quote and U+2028 payloads nginx cannot log) show as text and run
 * nothing. UPDATE_SCREENSHOTS=1 (or a missing file) rewrites docs/report.png.
 */
import * as fs from 'node:fs'
import * as os from 'node:os'
import * as path from 'node:path'
import {pathToFileURL} from 'node:url'
import type {Browser, Page} from 'playwright-core'
import {test} from 'uvu'
import * as assert from 'uvu/assert'
import {renderHtmlReport} from '../../../src/outputs/html/report.js'
import {browserUnavailable, closeBrowsers, consoleErrors, dialogs, launchBrowser, skipBrowserTests} from '../../helpers/browser.js'
import {ROOT, runCli} from '../../helpers/run-cli.js'
import {HOSTILE, hostileResult, manyAlerts} from './fixtures.js'

const why = browserUnavailable()
if (why) skipBrowserTests('HTML report', why)
else {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'crowd-html-browser-'))
  let browser: Browser | undefined
  const reports = new Map<string, string>()

  /** The report file of a CLI scan (made once per argument list). */
  const scanReport = (name: string, inputs: string[]): string => {
    const known = reports.get(name)
    if (known !== undefined) return known
    const file = path.join(dir, `${name}.html`)
    const r = runCli(['scan', ...inputs, '--html', file])
    assert.is(r.status, 1, `${r.stdout}\n${r.stderr}`)
    reports.set(name, file)
    return file
  }

  interface Opened {
    page: Page
    errors: string[]
    opened: string[]
    requests: string[]
  }

  const open = async (file: string, viewport = {width: 1280, height: 900}): Promise<Opened> => {
    browser ??= await launchBrowser()
    const page = await browser.newPage({viewport})
    const errors = consoleErrors(page)
    const opened = dialogs(page)
    const requests: string[] = []
    page.on('request', (request) => void requests.push(request.url()))
    await page.goto(pathToFileURL(file).href)
    await page.waitForSelector('html[data-ready="true"]', {timeout: 15_000})
    return {page, errors, opened, requests}
  }

  const rows = (page: Page, table: string): Promise<number> => page.locator(`#${table} tbody tr.row`).count()
  const texts = (page: Page, selector: string): Promise<string[]> => page.locator(selector).allTextContents()

  test.after(async () => {
    await closeBrowsers()
    fs.rmSync(dir, {recursive: true, force: true})
  })

  test('the sample scan: summary, timeline, top charts and every table drawn; no console error; nothing fetched', async () => {
    const file = scanReport('samples', ['test/fixtures/samples/'])
    const {page, errors, requests} = await open(file)
    try {
      assert.is(await page.textContent('#summary-cards dd[data-key="alerts"]'), '8')
      assert.is(await page.textContent('#summary-cards dd[data-key="lines"]'), '168')
      // timeline: one lane per scenario, event bars and alert marks, each with a <title>
      assert.is(await page.locator('#timeline-chart g.lane-row').count(), 6)
      assert.ok((await page.locator('#timeline-chart rect.ev').count()) > 0)
      assert.ok((await page.locator('#timeline-chart path.al').count()) > 0)
      assert.ok((await page.locator('#timeline-chart rect.ev title').count()) === (await page.locator('#timeline-chart rect.ev').count()))
      assert.is(await page.getAttribute('#timeline-chart', 'role'), 'img')
      const box = await page.locator('#timeline-chart').boundingBox()
      assert.ok(box !== null && box.width > 500 && box.height > 100, JSON.stringify(box))
      // top charts and tables
      assert.is(await page.locator('#top-sources-chart rect.bar').count(), 4)
      assert.is(await page.locator('#top-scenarios-chart rect.bar').count(), 6)
      assert.is(await rows(page, 'top-sources-table'), 4)
      assert.is(await rows(page, 'alerts-table'), 8)
      assert.is(await rows(page, 'decisions-table'), 8)
      assert.is(await rows(page, 'inputs-table'), 2)
      assert.is(await rows(page, 'acquisition-table'), 2)
      assert.is(await rows(page, 'parsers-table'), 11)
      // one row per scenario the content loaded (as many as the report's data lists: the content grows)
      const data = JSON.parse(/<script type="application\/json" id="report-data">([\s\S]*?)<\/script>/.exec(fs.readFileSync(file, 'utf8'))![1]!) as {buckets: unknown[]}
      assert.ok(data.buckets.length >= 15)
      assert.is(await rows(page, 'buckets-table'), data.buckets.length)
      assert.is(await page.locator('#caps').count(), 0, 'nothing capped in a small scan')
      assert.equal(errors, [])
      assert.equal(requests, [pathToFileURL(file).href], 'the page loads nothing but itself')
    } finally {
      await page.close()
    }
  })

  test('filtering: text (also in event details), scenario select, both together; sorting by a column both ways; expanding an alert', async () => {
    const {page, errors} = await open(scanReport('samples', ['test/fixtures/samples/']))
    try {
      const filter = page.locator('#alerts-table input[data-role="filter"]')
      const scenario = page.locator('#alerts-table select[data-role="scenario"]')
      await filter.fill('ssh-bf')
      assert.is(await rows(page, 'alerts-table'), 2)
      assert.equal(new Set(await texts(page, '#alerts-table tbody tr.row td:nth-child(3)')), new Set(['crowd/ssh-bf']))
      assert.is(await page.textContent('#alerts-table [data-role="count"]'), '2 of 8 rows match')
      // a value only the events carry (the target user of the SSH attempts)
      await filter.fill('root')
      assert.ok((await rows(page, 'alerts-table')) > 0)
      for (const s of await texts(page, '#alerts-table tbody tr.row td:nth-child(3)')) assert.match(s, /^crowd\/ssh-/)
      await filter.fill('')
      await scenario.selectOption('crowd/http-probing')
      assert.is(await rows(page, 'alerts-table'), 1)
      await filter.fill('203.0.113')
      assert.is(await rows(page, 'alerts-table'), 0)
      await scenario.selectOption('')
      assert.is(await rows(page, 'alerts-table'), 4)
      await filter.fill('')
      assert.is(await rows(page, 'alerts-table'), 8)

      // decisions filter
      await page.locator('#decisions-table input[data-role="filter"]').fill('198.51.100.66')
      assert.is(await rows(page, 'decisions-table'), 2)

      // sort alerts by events: descending first for a number, then ascending
      const events = page.locator('#alerts-table th[data-key="events_count"]')
      await events.locator('button').click()
      assert.is(await events.getAttribute('aria-sort'), 'descending')
      let counts = (await texts(page, '#alerts-table tbody tr.row td:nth-child(8)')).map(Number)
      assert.equal(counts, [...counts].sort((a, b) => b - a))
      assert.is(counts[0], 12)
      await events.locator('button').click()
      assert.is(await events.getAttribute('aria-sort'), 'ascending')
      counts = (await texts(page, '#alerts-table tbody tr.row td:nth-child(8)')).map(Number)
      assert.equal(counts, [...counts].sort((a, b) => a - b))
      // sort by scenario name
      await page.locator('#alerts-table th[data-key="scenario"] button').click()
      const names = await texts(page, '#alerts-table tbody tr.row td:nth-child(3)')
      assert.equal(names, [...names].sort((a, b) => a.localeCompare(b, 'en')))

      // expand the first alert: its events with their meta
      const toggle = page.locator('#alerts-table tbody tr.row button.toggle').first()
      await toggle.click()
      assert.is(await toggle.getAttribute('aria-expanded'), 'true')
      assert.ok((await page.locator('#alerts-table tr.detail dl.meta dt').count()) > 0)
      await toggle.click()
      assert.is(await page.locator('#alerts-table tr.detail').count(), 0)
      assert.equal(errors, [])
    } finally {
      await page.close()
    }
  })

  test('hostile log lines from a real scan show as text in the event detail, and no script of theirs runs', async () => {
    const {page, errors, opened} = await open(scanReport('hostile', ['test/fixtures/html/hostile-access.log']))
    try {
      assert.ok((await rows(page, 'alerts-table')) >= 1)
      for (const button of await page.locator('#alerts-table button.toggle').all()) await button.click()
      const shown = (await texts(page, '#alerts-table tr.detail dd')).join('\n')
      for (const payload of [
        '<script>window.__crowdPwned=4</script>',
        '\\x22><img src=x onerror=alert(11)>',
        "'><img src=x onerror=alert(12)>",
        '/x.php?q=<img/src=x/onerror=window.__crowdPwned=2;alert(2)>',
        '/phpmyadmin/</textarea></title></style><script>alert(6)</script>',
      ]) assert.ok(shown.includes(payload), `shown as text: ${payload}`)
      // the payloads can also be searched for, as text
      await page.locator('#alerts-table input[data-role="filter"]').fill('<script>window.__crowdPwned=4</script>')
      assert.ok((await rows(page, 'alerts-table')) >= 1)
      assert.is(await page.locator('main img, main iframe, main script, main svg script, main textarea').count(), 0)
      assert.is(await page.locator('script').count(), 2)
      assert.is(await page.evaluate('typeof window.__crowdPwned'), 'undefined')
      assert.equal(opened, [])
      assert.equal(errors, [])
    } finally {
      await page.close()
    }
  })

  test('quote, comment and U+2028 payloads (which nginx would escape) in scenario, keys, values and warnings: text only', async () => {
    const file = path.join(dir, 'hostile-synthetic.html')
    fs.writeFileSync(file, renderHtmlReport(hostileResult()))
    const {page, errors, opened} = await open(file)
    try {
      await page.locator('#alerts-table button.toggle').first().click()
      const values = await texts(page, '#alerts-table tr.detail dd')
      for (const v of Object.values(HOSTILE)) assert.ok(values.includes(v), `shown verbatim: ${JSON.stringify(v)}`)
      const keys = await texts(page, '#alerts-table tr.detail dt')
      assert.ok(keys.includes(`key${HOSTILE.attribute}`))
      assert.equal(await texts(page, '#alerts-table tbody tr.row td:nth-child(3)'), [`crowd/http-probing${HOSTILE.attribute}`])
      assert.equal(await texts(page, '#warnings li'), [`warning ${HOSTILE.closeScript}`])
      assert.is(await page.locator('main img, main iframe, main script').count(), 0)
      assert.is(await page.evaluate('typeof window.__crowdPwned'), 'undefined')
      assert.equal(opened, [])
      assert.equal(errors, [])
    } finally {
      await page.close()
    }
  })

  test('a large scan: capped in the file, said in the page, the alerts table shows pages of 100', async () => {
    const file = path.join(dir, 'large.html')
    fs.writeFileSync(file, renderHtmlReport(manyAlerts(1500, 30), {limits: {alerts: 1000}}))
    const {page, errors} = await open(file)
    try {
      const caps = await page.textContent('#caps')
      assert.ok(caps?.includes('the first 1,000 of 1,500 are listed'), caps ?? '')
      assert.ok(caps?.includes('20,000 of the 45,000 events'), caps ?? '')
      assert.is(await rows(page, 'alerts-table'), 100)
      assert.is(await page.textContent('#alerts-table [data-role="count"]'), '1,000 rows, 100 shown')
      await page.locator('#alerts-table button[data-role="more"]').click()
      assert.is(await rows(page, 'alerts-table'), 200)
      await page.locator('#alerts-table select[data-role="scenario"]').selectOption('crowd/scenario-1')
      assert.is(await page.textContent('#alerts-table [data-role="count"]'), '333 of 1,000 rows match, 100 shown')
      assert.ok((await page.locator('#timeline-chart rect.ev').count()) > 0)
      assert.equal(errors, [])
    } finally {
      await page.close()
    }
  })

  test('screenshot for the README (docs/report.png, rewritten with UPDATE_SCREENSHOTS=1)', async () => {
    const target = path.join(ROOT, 'docs', 'report.png')
    if (process.env.UPDATE_SCREENSHOTS !== '1' && fs.existsSync(target)) return
    const {page, errors} = await open(scanReport('samples', ['test/fixtures/samples/']), {width: 1280, height: 1000})
    try {
      await page.locator('#alerts-table tbody tr.row button.toggle').nth(6).click()
      await page.screenshot({path: target, fullPage: true, clip: {x: 0, y: 0, width: 1280, height: 1900}})
      assert.ok(fs.statSync(target).size > 10_000)
      assert.equal(errors, [])
    } finally {
      await page.close()
    }
  })
}

test.run()
