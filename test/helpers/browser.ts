/**
 * Headless Chromium for browser tests, driven by playwright-core (which ships no browser: it
 * drives the Debian `chromium` package that .ci/run installs).
 *
 *   const why = browserUnavailable()          // null, or why no browser can run here
 *   if (why) skipBrowserTests('report', why)  // prints one SKIPPED line; register no tests
 *   const browser = await launchBrowser()     // tracked: closeBrowsers() closes them all
 *   const page = await browser.newPage()
 *   const errors = consoleErrors(page)        // console.error + uncaught page errors, live
 *   ...
 *   test.after(closeBrowsers)
 *
 * The executable is $CROWD_TEST_CHROMIUM when set, else the first of chromium /
 * chromium-browser found on PATH. CROWD_TEST_REQUIRE_BROWSER=1 (set it in CI) turns a missing
 * browser into a failing test instead of a skip. Should a test process die without its teardown,
 * playwright-core itself kills the browsers it launched when the process exits.
 */
import {spawnSync} from 'node:child_process'
import * as fs from 'node:fs'
import {chromium, type Browser, type Page} from 'playwright-core'
import {test} from 'uvu'
import * as assert from 'uvu/assert'

const open = new Set<Browser>()
let cachedPath: string | null | undefined

/** The Chromium executable to drive, or null when there is none. */
export function chromiumPath(): string | null {
  if (cachedPath !== undefined) return cachedPath
  const fromEnv = process.env.CROWD_TEST_CHROMIUM
  if (fromEnv) return (cachedPath = fs.existsSync(fromEnv) ? fromEnv : null)
  for (const name of ['chromium', 'chromium-browser']) {
    const found = spawnSync('sh', ['-c', `command -v ${name}`], {encoding: 'utf8'})
    const file = found.status === 0 ? found.stdout.trim() : ''
    if (file && fs.existsSync(file)) return (cachedPath = file)
  }
  return (cachedPath = null)
}

/** Null when a browser can be launched, else the reason (for a SKIPPED line). */
export function browserUnavailable(): string | null {
  if (chromiumPath() !== null) return null
  return process.env.CROWD_TEST_CHROMIUM
    ? `CROWD_TEST_CHROMIUM=${process.env.CROWD_TEST_CHROMIUM} does not exist`
    : 'no chromium on PATH (Debian: apt-get install chromium)'
}

/**
 * Reports a file's browser tests as skipped: one `SKIPPED (label): why` line, or, with
 * CROWD_TEST_REQUIRE_BROWSER=1, one failing test carrying the reason.
 */
export function skipBrowserTests(label: string, why: string): void {
  if (process.env.CROWD_TEST_REQUIRE_BROWSER === '1') {
    test(`browser available for ${label}`, () => assert.unreachable(`${why} (CROWD_TEST_REQUIRE_BROWSER=1)`))
    return
  }
  console.log(`  SKIPPED (${label}): ${why}`)
}

/** A headless Chromium; every one launched is closed by closeBrowsers(). */
export async function launchBrowser(): Promise<Browser> {
  const executablePath = chromiumPath()
  if (executablePath === null) throw new Error(`cannot launch a browser: ${browserUnavailable()}`)
  const browser = await chromium.launch({
    executablePath,
    headless: true,
    // root in CI containers: Chromium refuses to start sandboxed as root
    args: ['--no-sandbox', '--disable-dev-shm-usage', '--disable-gpu'],
    timeout: 60_000,
  })
  open.add(browser)
  browser.on('disconnected', () => open.delete(browser))
  return browser
}

/** Closes every browser launchBrowser() started and has not been closed yet. */
export async function closeBrowsers(): Promise<void> {
  const all = [...open]
  open.clear()
  await Promise.all(all.map((b) => b.close().catch(() => undefined)))
}

/**
 * Collects, from now on, the page's console errors and uncaught exceptions (including
 * Content-Security-Policy violations, which Chromium reports as console errors). The returned
 * array fills as they happen.
 */
export function consoleErrors(page: Page): string[] {
  const errors: string[] = []
  page.on('console', (message) => {
    if (message.type() === 'error') errors.push(`console: ${message.text()}`)
  })
  page.on('pageerror', (error) => errors.push(`pageerror: ${error.message}`))
  return errors
}

/** Collects the dialogs (alert, confirm, prompt) the page opens, dismissing each. */
export function dialogs(page: Page): string[] {
  const seen: string[] = []
  page.on('dialog', (dialog) => {
    seen.push(`${dialog.type()}: ${dialog.message()}`)
    void dialog.dismiss().catch(() => undefined)
  })
  return seen
}
