/** The browser harness itself: launch, console-error and dialog collection, close. */
import {test} from 'uvu'
import * as assert from 'uvu/assert'
import {browserUnavailable, closeBrowsers, consoleErrors, dialogs, launchBrowser, skipBrowserTests} from './browser.js'

const why = browserUnavailable()
if (why) skipBrowserTests('browser harness', why)
else {
  test.after(closeBrowsers)

  test('a page runs script, and its console errors, uncaught errors and dialogs are collected', async () => {
    const browser = await launchBrowser()
    const page = await browser.newPage()
    const errors = consoleErrors(page)
    const opened = dialogs(page)
    await page.setContent('<p id="p">x</p>')
    // a string, not a function: the tests are type-checked without the DOM library
    await page.evaluate(`
      document.getElementById('p').textContent = 'ran'
      console.error('boom')
      alert('hi')
      setTimeout(() => { throw new Error('uncaught') })
    `)
    await page.waitForFunction(() => true)
    await page.waitForTimeout(50)
    assert.is(await page.textContent('#p'), 'ran')
    assert.ok(errors.some((e) => e === 'console: boom'), errors.join('\n'))
    assert.ok(errors.some((e) => e.startsWith('pageerror:') && e.includes('uncaught')), errors.join('\n'))
    assert.equal(opened, ['alert: hi'])
  })

  test('closeBrowsers closes every browser launched', async () => {
    const a = await launchBrowser()
    const b = await launchBrowser()
    await closeBrowsers()
    assert.not.ok(a.isConnected())
    assert.not.ok(b.isConnected())
  })
}

test.run()
