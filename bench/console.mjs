// The console's first render with a large store (issue 19): 100,000 alerts (each with its ban) in a SQLite store,
// `crowd lapi serve`'s server with [lapi] console = true, and headless Chromium: from the navigation to /console/
// (already logged in) to the latest-alerts table filled. Also the time of each API call the page makes first.
//   node --import tsx bench/console.mjs [--alerts 100000] [--runs 5]
// Needs Debian's chromium (or CROWD_TEST_CHROMIUM=/path/to/chrome); says so and exits 0 without it.
import {spawnSync} from 'node:child_process'
import * as fs from 'node:fs'
import * as http from 'node:http'
import * as os from 'node:os'
import * as path from 'node:path'
import {chromium} from 'playwright-core'
import {DEFAULT_CONFIG} from '../src/config/config.ts'
import {addMachine} from '../src/lapi/admin.ts'
import {LapiProfiles} from '../src/lapi/profiles.ts'
import {LapiServer} from '../src/lapi/server.ts'
import {silentLogger} from '../src/model/logger.ts'
import {openStore} from '../src/store/open.ts'
import {arg, median, report} from './lib.mjs'

function chromiumPath() {
  if (process.env.CROWD_TEST_CHROMIUM) return fs.existsSync(process.env.CROWD_TEST_CHROMIUM) ? process.env.CROWD_TEST_CHROMIUM : null
  for (const name of ['chromium', 'chromium-browser']) {
    const found = spawnSync('sh', ['-c', `command -v ${name}`], {encoding: 'utf8'})
    if (found.status === 0 && found.stdout.trim() !== '') return found.stdout.trim()
  }
  return null
}

const executablePath = chromiumPath()
if (executablePath === null) {
  console.log('console: skipped, no chromium on PATH (Debian: apt-get install chromium)')
  process.exit(0)
}

const ALERTS = Number(arg('--alerts', '100000'))
const RUNS = Number(arg('--runs', '5'))
const H = 3600_000
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'crowd-bench-console-'))
const store = await openStore({engine: 'sqlite', target: path.join(dir, 'crowd.db')})
let server
let browser
try {
  // ---- the store: alerts over the last 7 days from 5,000 sources and 20 scenarios, each with a 4h ban
  const now = Date.now()
  const t0 = performance.now()
  const batch = 1000
  for (let i = 0; i < ALERTS; i += batch) {
    const alerts = []
    for (let k = i; k < Math.min(ALERTS, i + batch); k++) {
      const at = now - Math.floor(((ALERTS - k) / ALERTS) * 7 * 24 * H)
      const n = (k * 2654435761) >>> 0
      const ip = `10.${(n >>> 16) & 15}.${(n >>> 8) & 255}.${n % 20 + 1}`
      const scenario = `bench/scenario-${n % 20}`
      alerts.push({
        uuid: `00000000-0000-4000-8000-${k.toString(16).padStart(12, '0')}`, machineId: 'agent1', createdAt: at, scenario, scenarioHash: '', scenarioVersion: '0.1',
        message: `Ip ${ip} performed '${scenario}'`, eventsCount: 6, startAt: at - 60_000, stopAt: at, capacity: 5, leakspeed: '10s', simulated: false,
        remediation: true, kind: '', source: {scope: 'Ip', value: ip, ip, range: '', asNumber: '64500', asName: 'EXAMPLE', cn: 'FR', latitude: 0, longitude: 0},
        events: [{timestamp: at - 30_000, meta: [{key: 'source_ip', value: ip}]}], meta: [],
        decisions: [{uuid: `10000000-0000-4000-8000-${k.toString(16).padStart(12, '0')}`, until: at + 4 * H, origin: 'crowdsec', type: 'ban', scope: 'Ip', value: ip, scenario, simulated: false, createdAt: at}],
      })
    }
    await store.insertAlerts(alerts, now)
  }
  report('console store', {alerts: ALERTS, insert_s: (performance.now() - t0) / 1000, db_mb: fs.statSync(path.join(dir, 'crowd.db')).size / 1e6})
  await addMachine(store, {name: 'bench', password: 'bench-pass', role: 'admin'})

  server = new LapiServer({store, profiles: new LapiProfiles(undefined, silentLogger), config: {...DEFAULT_CONFIG.lapi, flush: {}, console: true}, logger: silentLogger})
  const url = (await server.listen('127.0.0.1:0')).url

  browser = await chromium.launch({executablePath, headless: true, args: ['--no-sandbox', '--disable-dev-shm-usage', '--disable-gpu']})
  const context = await browser.newContext({viewport: {width: 1360, height: 900}})
  const login = await context.request.post(`${url}console/api/login`, {data: {machine_id: 'bench', password: 'bench-pass'}})
  if (login.status() !== 200) throw new Error(`login: ${login.status()} ${await login.text()}`)
  const cookie = (await context.cookies()).map((c) => `${c.name}=${c.value}`).join('; ')

  // each API call the page makes at its start, alone (server side: the query and the JSON)
  for (const api of ['alerts?limit=50', 'stats?window=24h', 'stats?window=30d', 'decisions?limit=200', 'agents']) {
    const times = []
    for (let r = 0; r < RUNS; r++) {
      const start = performance.now()
      const status = await get(`${url}console/api/${api}`, cookie)
      if (status !== 200) throw new Error(`${api}: ${status}`)
      times.push(performance.now() - start)
    }
    report(`console api ${api.replace(/\?.*window=/, ' ').replace(/\?.*/, '')}`, {median_ms: median(times)})
  }

  const walls = []
  const inPage = []
  let errors = 0
  for (let r = 0; r < RUNS; r++) {
    const page = await context.newPage()
    page.on('console', (m) => m.type() === 'error' && errors++)
    page.on('pageerror', () => errors++)
    const start = performance.now()
    await page.goto(`${url}console/`)
    await page.waitForSelector('#alerts-body tr', {timeout: 60_000})
    walls.push(performance.now() - start)
    inPage.push(Number(await page.evaluate('document.body.dataset.alertsFirstRender')))
    if (process.env.BENCH_CONSOLE_TRACE) console.log(await page.evaluate(`JSON.stringify(performance.getEntriesByType('resource').map((e) => [e.name.replace(/^.*console\\//, ''), Math.round(e.startTime), Math.round(e.responseEnd)]))`))
    const rows = await page.$$eval('#alerts-body tr', (trs) => trs.length)
    if (rows !== 50) throw new Error(`the alerts table has ${rows} rows, not 50`)
    await page.close()
  }
  report('console first render', {alerts: ALERTS, runs: RUNS, median_ms: median(walls), in_page_ms: median(inPage), errors})

  // the same page logged out (no data: its script asks for the session and shows the login form): what the browser alone takes
  const anonymous = await browser.newContext({viewport: {width: 1360, height: 900}})
  const bare = []
  for (let r = 0; r < RUNS; r++) {
    const page = await anonymous.newPage()
    const start = performance.now()
    await page.goto(`${url}console/`)
    await page.waitForSelector('#login-form', {state: 'visible'})
    bare.push(performance.now() - start)
    await page.close()
  }
  report('console login page (no data)', {runs: RUNS, median_ms: median(bare)})
} finally {
  await browser?.close()
  await server?.close()
  await store.close()
  fs.rmSync(dir, {recursive: true, force: true})
}

function get(url, cookie) {
  return new Promise((resolve, reject) => {
    http.get(url, {headers: {Cookie: cookie}, agent: false}, (res) => {
      res.resume()
      res.on('end', () => resolve(res.statusCode))
    }).on('error', reject)
  })
}
