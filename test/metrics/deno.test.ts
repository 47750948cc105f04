/**
 * The metrics endpoint under Deno: the built server (node:http, prom-client with its default process metrics) serves
 * the same figures, read back here, and stops on SIGTERM. Runs the dist/ build, which `npm test` makes first.
 */
import * as fs from 'node:fs'
import * as path from 'node:path'
import {pathToFileURL} from 'node:url'
import {test} from 'uvu'
import * as assert from 'uvu/assert'
import {figuresOfText} from '../../src/metrics/exposition.js'
import {checkFigures, type WatchFigures} from '../../src/metrics/figures.js'
import {Cleanup, freePort, httpGet, spawnManaged} from '../helpers/crowdsec.js'
import {ROOT} from '../helpers/run-cli.js'

const cleanup = new Cleanup()
test.after(() => cleanup.run())

const FIGURES: WatchFigures = {
  acquisition: [{source: 'journalctl-_SYSTEMD_UNIT=ssh.service', module: 'journalctl', type: 'syslog', lines_read: 8, lines_parsed: 5, lines_unparsed: 3, lines_poured: 5}],
  parsers: [{name: 'crowdsecurity/sshd-logs', stage: 's01-parse', hits: 8, parsed: 5, unparsed: 3}],
  buckets: [{name: 'crowdsecurity/ssh-bf', current: 1, poured: 5, instantiated: 1, overflows: 0, underflows: 0, canceled: 0}],
  alerts: [],
  at: '2026-05-06T07:08:09.000Z',
  since: '2026-05-06T07:00:00.000Z',
}

test('the metrics server under Deno serves the figures and stops on SIGTERM', async () => {
  // inside the repository (a git-ignored .crowd-test-* dir): Deno resolves npm packages from the project's package.json
  const dir = fs.mkdtempSync(path.join(ROOT, '.crowd-test-metrics-'))
  cleanup.add('deno metrics dir', () => fs.rmSync(dir, {recursive: true, force: true}))
  const port = await freePort()
  const script = path.join(dir, 'serve.mjs')
  const server = pathToFileURL(path.join(ROOT, 'dist', 'metrics', 'server.js')).href
  fs.writeFileSync(script, [
    `import {startMetricsServer} from ${JSON.stringify(server)}`,
    `const logger = {error() {}, warn: console.error, info: console.error, debug() {}}`,
    `const s = await startMetricsServer({listen: '127.0.0.1:${port}', figures: () => (${JSON.stringify(FIGURES)}), logger, version: 'deno-test'})`,
    `console.log('ready ' + s.url)`,
    `Deno.addSignalListener('SIGTERM', () => s.close().then(() => Deno.exit(0)))`,
    '',
  ].join('\n'))
  const deno = path.join(ROOT, 'node_modules', '.bin', 'deno')
  const proc = spawnManaged('metrics server (deno)', deno, ['run', '-A', script], {cwd: ROOT, env: {...process.env, DENO_NO_UPDATE_CHECK: '1', NO_COLOR: '1'}, cleanup})
  await proc.waitForOutput(/ready http:\/\/127\.0\.0\.1:\d+\/metrics/, 60_000)
  const r = await httpGet(`http://127.0.0.1:${port}/metrics`)
  assert.is(r.status, 200, proc.output())
  assert.equal(figuresOfText(r.body), checkFigures(FIGURES))
  assert.ok(r.body.includes('cs_info{version="deno-test"} 1'))
  assert.ok(r.body.includes('\nprocess_resident_memory_bytes '), 'default process metrics work under Deno')
  assert.is((await httpGet(`http://127.0.0.1:${port}/other`)).status, 404)
  const exit = await proc.stop(20_000)
  assert.is(exit.code, 0, proc.output())
})

test.run()
