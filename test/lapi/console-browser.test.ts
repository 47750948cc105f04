/**
 * The console in a real browser (headless Chromium through test/helpers/browser.ts): the page
 * logs in, shows an alert posted through the LAPI within 2 seconds, deletes a decision as admin,
 * a viewer gets no write controls, a write without the CSRF token is refused, and nothing is
 * logged to the console (a Content-Security-Policy violation would be). UPDATE_SCREENSHOTS=1 rewrites docs/console.png.
 */
import * as fs from 'node:fs'
import * as path from 'node:path'
import type {Browser, Page} from 'playwright-core'
import {test} from 'uvu'
import * as assert from 'uvu/assert'
import {DEFAULT_CONFIG} from '../../src/config/config.js'
import type {ConsoleSources} from '../../src/lapi/console/index.js'
import {LapiProfiles} from '../../src/lapi/profiles.js'
import {LapiServer} from '../../src/lapi/server.js'
import {silentLogger} from '../../src/model/logger.js'
import type {Store} from '../../src/store/types.js'
import {browserUnavailable, closeBrowsers, consoleErrors, dialogs, launchBrowser, skipBrowserTests} from '../helpers/browser.js'
import {ROOT} from '../helpers/run-cli.js'
import {addMachine, agentAlert, apiKey, bouncerKey, H, machineToken, memoryStore, postAlerts, request, SECRET, type TestLapi} from './harness.js'

const SCREENSHOT = path.join(ROOT, 'docs', 'console.png')

/** A console server with a real clock and the hub and metrics a `crowd lapi serve` would show. */
interface Running {
  t: TestLapi
  url: string
  close(): Promise<void>
}

const SOURCES: ConsoleSources = {
  hub: async () => [
    {name: 'crowdsecurity/sshd-logs', type: 'parser', installed: '0.3.0', latest: '0.3.0', tainted: false, source: 'embedded'},
    {name: 'crowdsecurity/ssh-bf', type: 'scenario', installed: '0.2.0', latest: '0.3.1', tainted: false, source: 'embedded'},
    {name: 'crowdsecurity/http-probing', type: 'scenario', installed: '0.1.0', latest: '0.1.0', tainted: true, source: 'embedded'},
  ],
  metrics: async () => ({
    from: 'http://127.0.0.1:6060/metrics',
    figures: {
      acquisition: [{source: '/var/log/auth.log', module: 'file', type: 'syslog', lines_read: 18_422, lines_parsed: 17_960, lines_unparsed: 462, lines_poured: 5210}],
      parsers: [{name: 'crowdsecurity/sshd-logs', hits: 18_422, parsed: 17_960, unparsed: 462}],
      buckets: [{name: 'crowdsecurity/ssh-bf', current: 12, poured: 5210, instantiated: 880, overflows: 41, underflows: 827}],
      alerts: [{scenario: 'crowdsecurity/ssh-bf', count: 41}],
      at: new Date().toISOString(), since: new Date(Date.now() - 6 * H).toISOString(),
    },
  }),
}

const running: Running[] = []

async function startConsole(): Promise<Running> {
  const store: Store = await memoryStore()
  const clock = {now: Date.now()}
  const server = new LapiServer({store, profiles: new LapiProfiles(undefined, silentLogger), config: {...DEFAULT_CONFIG.lapi, flush: {}, console: true},
    logger: silentLogger, jwtSecret: SECRET, clock: () => clock.now, console: SOURCES})
  const url = (await server.listen('127.0.0.1:0')).url!
  const t = {url, port: Number(new URL(url).port), server, store, clock, logs: [], close: async () => {}} as TestLapi
  const r: Running = {t, url, close: async () => {
    await server.close()
    await store.close()
  }}
  running.push(r)
  return r
}

/** A day of alerts from a few sources, for the charts (posted with the clock moved back, as they would have come). */
async function seed(t: TestLapi, token: string): Promise<void> {
  const now = Date.now()
  const sources = ['198.51.100.23', '203.0.113.50', '192.0.2.77', '198.51.100.4', '203.0.113.9', '192.0.2.140']
  const scenarios = ['crowdsecurity/ssh-bf', 'crowdsecurity/http-probing', 'crowdsecurity/http-bad-user-agent', 'crowdsecurity/ssh-slow-bf']
  // 30 alerts over the last 23 hours, more of them lately, most from two sources
  for (let i = 0; i < 30; i++) {
    const at = now - Math.round((i * i) / 900 * 23 * H) - 60_000
    t.clock.now = at
    const ip = sources[[0, 1, 0, 2, 1, 0, 3, 4, 1, 5][i % 10]!]!
    const scenario = scenarios[[0, 0, 1, 0, 2, 3, 1][i % 7]!]!
    await postAlerts(t, token, [agentAlert(ip, at, {scenario, message: `Ip ${ip} performed '${scenario}'`,
      source: {scope: 'Ip', value: ip, ip, cn: ['FR', 'US', 'DE', 'NL', 'BR', 'JP'][sources.indexOf(ip)], as_number: '64500', as_name: ['EXAMPLE-NET', 'DOC-AS', 'TEST-ISP'][sources.indexOf(ip) % 3]}})])
  }
  t.clock.now = now
}

async function logIn(page: Page, url: string, machine: string, password: string): Promise<void> {
  await page.goto(`${url}console/`)
  await page.waitForSelector('#login-form', {state: 'visible'})
  await page.fill('#login-machine', machine)
  await page.fill('#login-password', password)
  await page.click('#login-form button[type=submit]')
  await page.waitForSelector('body[data-view=app]')
}

/** Polls the page until `selector` matches, at most `ms`: the deadline is the requirement, not a timing measure. */
async function shows(page: Page, selector: string, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms
  for (;;) {
    if ((await page.$(selector)) !== null) return true
    if (Date.now() >= deadline) return false
    await page.waitForTimeout(50)
  }
}

/** Polls the page until nothing matches `selector`, at most `ms`. */
async function gone(page: Page, selector: string, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms
  for (;;) {
    if ((await page.$(selector)) === null) return true
    if (Date.now() >= deadline) return false
    await page.waitForTimeout(50)
  }
}

const why = browserUnavailable()
if (why) skipBrowserTests('console', why)
else {
  let browser: Browser
  test.before(async () => {
    browser = await launchBrowser()
  })
  test.after(async () => {
    await closeBrowsers()
    await Promise.all(running.splice(0).map((r) => r.close().catch(() => {})))
  })

  test('admin: logs in, a new alert shows within 2 s, deletes a decision; a write without the CSRF token is refused; no console error', async () => {
    const {t, url} = await startConsole()
    await addMachine(t, 'boss', 'b0ss-pass')
    await t.store.updateMachine('boss', {role: 'admin'}, t.clock.now)
    const token = await machineToken(t, 'agent1')
    await seed(t, token)
    // a bouncer that pulled once, for the machines and bouncers section
    await request(t, 'GET', '/v1/decisions', {headers: apiKey(await bouncerKey(t, 'firewall'), 'cs-firewall-bouncer/v0.0.31')})
    const context = await browser.newContext({viewport: {width: 1360, height: 900}, colorScheme: 'light'})
    const page = await context.newPage()
    const errors = consoleErrors(page)
    const opened = dialogs(page)
    await logIn(page, url, 'boss', 'b0ss-pass')
    assert.is(await page.textContent('#who-name'), 'boss')
    assert.ok(await shows(page, '#alerts-body tr', 5000), 'the seeded alerts are listed')
    // the live stream has told the page what the store holds (the page says so with data-live)
    await page.waitForSelector('body[data-live=ready]')

    // an alert posted through the LAPI (POST /v1/alerts, the machine's JWT) shows within 2 seconds
    const ip = '203.0.113.201'
    await postAlerts(t, token, [agentAlert(ip, t.clock.now, {scenario: 'crowdsecurity/ssh-bf'})])
    assert.ok(await shows(page, `#alerts-body tr:first-child td.source:text-is("${ip}")`, 2000), `the alert on ${ip} was not shown within 2 s`)
    assert.ok(await shows(page, `#decisions-body tr td.value:text-is("${ip}")`, 2000), 'its decision is listed')

    await page.waitForSelector('#timeline svg rect.bar')
    await page.waitForSelector('#metrics-tables table')
    await page.waitForSelector('#hub-body tr')
    // the README's picture: rewritten with UPDATE_SCREENSHOTS=1 (or when missing), so a test run leaves the tree clean
    if (process.env.UPDATE_SCREENSHOTS === '1' || !fs.existsSync(SCREENSHOT)) {
      fs.mkdirSync(path.dirname(SCREENSHOT), {recursive: true})
      await page.screenshot({path: SCREENSHOT, fullPage: true})
    }

    // delete its decision through the page
    const [d] = await t.store.activeDecisions({value: ip}, t.clock.now)
    await page.click(`#decisions-body button.delete-decision[data-decision-id="${d!.id}"]`)
    assert.ok(await shows(page, `#decisions-message:has-text("Decision ${d!.id} on ${ip} deleted")`, 5000))
    assert.equal(await t.store.activeDecisions({value: ip}, t.clock.now + 1), [], 'the decision ended')
    assert.ok(await gone(page, `#decisions-body tr[data-decision-id="${d!.id}"]`, 5000), 'its row left the table')

    // the same session's cookie, without the token: refused, nothing changed (a request of the browser context: its cookies, not the page's script)
    const other = (await t.store.activeDecisions({}, t.clock.now))[0]!
    const refused = await context.request.delete(`${url}console/api/decisions/${other.id}`)
    assert.is(refused.status(), 403)
    assert.match((await refused.json()).message, 'CSRF')
    const wrong = await context.request.delete(`${url}console/api/decisions/${other.id}`, {headers: {'X-CSRF-Token': 'not-the-token'}})
    assert.is(wrong.status(), 403)
    assert.is((await t.store.activeDecisions({id: other.id}, t.clock.now + 1)).length, 1, 'still active')

    assert.equal(errors, [])
    assert.equal(opened, [])
    await context.close()
  })

  test('viewer: reads the console, gets no write controls; its write is refused by the server all the same', async () => {
    const {t, url} = await startConsole()
    await addMachine(t, 'eve', 'v1ewer-pass')
    const token = await machineToken(t, 'agent1')
    await postAlerts(t, token, [agentAlert('192.0.2.66', t.clock.now)])
    const context = await browser.newContext()
    const page = await context.newPage()
    const errors = consoleErrors(page)
    await logIn(page, url, 'eve', 'v1ewer-pass')
    assert.is(await page.textContent('#who-role'), 'watcher')
    assert.ok(await shows(page, '#decisions-body tr', 5000))
    assert.is(await page.isVisible('#decision-add'), false)
    assert.is(await page.$('button.delete-decision'), null)
    const csrf = (await (await context.request.get(`${url}console/api/session`)).json()).csrf_token as string
    const [d] = await t.store.activeDecisions({value: '192.0.2.66'}, t.clock.now)
    const refused = await context.request.delete(`${url}console/api/decisions/${d!.id}`, {headers: {'X-CSRF-Token': csrf}})
    assert.is(refused.status(), 403)
    assert.match((await refused.json()).message, 'only admins')
    assert.equal(errors, [])
    await context.close()
  })

  test('text from attackers stays text: a scenario and a source holding markup are shown as typed, nothing runs', async () => {
    const {t, url} = await startConsole()
    await addMachine(t, 'boss', 'b0ss-pass')
    const token = await machineToken(t, 'agent1')
    const payload = '"><img src=x onerror="document.title=\'pwned\'"><script>document.title="pwned"</script>'
    await postAlerts(t, token, [agentAlert('192.0.2.5', t.clock.now, {scenario: `evil/${payload}`, message: payload})])
    const context = await browser.newContext()
    const page = await context.newPage()
    const errors = consoleErrors(page)
    await logIn(page, url, 'boss', 'b0ss-pass')
    assert.ok(await shows(page, '#alerts-body tr td.scenario', 5000))
    assert.is(await page.textContent('#alerts-body tr td.scenario'), `evil/${payload}`)
    assert.is(await page.$('#alerts-body img'), null)
    assert.is(await page.title(), 'crowd console')
    assert.equal(errors, [])
    await context.close()
  })
}

test.run()
