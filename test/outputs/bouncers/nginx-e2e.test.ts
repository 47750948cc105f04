/**
 * The runtime with crowd/bouncer-nginx (plugins/), packed into a directory source and installed
 * with its grant (write the configuration's map_path, run nginx -s reload), fed by `crowd bouncer
 * run nginx --once` from a real `crowd lapi serve`, enforced by a real nginx (Debian's
 * /usr/sbin/nginx) this test starts in a temporary prefix on 127.0.0.1 and a free port, trusting
 * X-Forwarded-For from 127.0.0.1: the decision added is refused (403), another address is not;
 * after the decision is deleted and another added, the next run rewrites the file, reloads nginx
 * and the answers follow. Skipped, saying why, without nginx.
 */
import type {ChildProcess} from 'node:child_process'
import * as fs from 'node:fs'
import * as path from 'node:path'
import {test} from 'uvu'
import * as assert from 'uvu/assert'
import {makeHome, runCliAsync} from '../../commands/lapi/helpers.js'

import {installRepoPackage, startLapiServe} from '../../helpers/lapi-serve.js'
import {NGINX, TestNginx} from '../../helpers/nginx.js'

const home = makeHome('bouncer-nginx-e2e')
const ng = new TestNginx(home.dir)
let lapi: ChildProcess | undefined

test.after(async () => {
  if (lapi !== undefined && lapi.exitCode === null && lapi.signalCode === null) lapi.kill('SIGKILL')
  await ng.stop()
})

if (!fs.existsSync(NGINX)) console.log(`nginx-e2e: ${NGINX} is missing (apt-get install nginx): skipped`)
else {
  test('crowd bouncer run nginx --once writes the geo file and reloads a real nginx, which refuses the banned address behind the trusted proxy', async () => {
    await installRepoPackage(home, 'bouncer-nginx')
    const key = await home.json(['bouncers', 'add', 'nginx'])
    assert.is((await home.run(['decisions', 'add', '--ip', '198.51.100.7', '--duration', '1h', '--reason', 'manual ban'])).status, 0)

    const served = await startLapiServe(home.env)
    lapi = served.child
    const url = served.url

    await ng.configure()
    const map = ng.map
    fs.mkdirSync(path.join(home.dir, 'bouncers'))
    const yaml = (reloadCommand: string[]) => fs.writeFileSync(path.join(home.dir, 'bouncers', 'nginx.yaml'),
      `api_url: ${url}\napi_key: \${API_KEY}\nmap_path: ${map}\ntrusted_proxies: [127.0.0.1]\nreload_command: ${JSON.stringify(reloadCommand)}\napply_interval: 0s\n`)

    // the first run, before nginx includes the file: write it, nothing to reload
    yaml([])
    const first = await runCliAsync(['bouncer', 'run', 'nginx', '--once', '--json'], {...home.env, API_KEY: key.body.api_key})
    assert.is(first.status, 0, first.stdout + first.stderr)
    assert.equal(JSON.parse(first.stdout).pluginStats, {written: fs.statSync(map).size, entries: 1, refused: 0, skipped: 0, reloaded: false})
    assert.match(fs.readFileSync(map, 'utf8'), 'geo $crowd_banned {\n    default 0;\n    proxy 127.0.0.1;\n    198.51.100.7 1;\n}\n')

    await ng.start()
    const before = await ng.request()
    assert.is(await ng.status('198.51.100.7'), 403, 'the decision, behind the trusted proxy')
    assert.is(await ng.status('198.51.100.8'), 200, 'another address')
    assert.is(before.status, 200, 'the proxy itself')

    // the decision goes, another comes: the next run rewrites the file and reloads nginx
    assert.is((await home.run(['decisions', 'delete', '--ip', '198.51.100.7'])).status, 0)
    assert.is((await home.run(['decisions', 'add', '--ip', '203.0.113.9', '--duration', '1h'])).status, 0)
    yaml(ng.reloadCommand)
    const second = await runCliAsync(['bouncer', 'run', 'nginx', '--once', '--json'], {...home.env, API_KEY: key.body.api_key})
    assert.is(second.status, 0, second.stdout + second.stderr)
    assert.equal(JSON.parse(second.stdout).pluginStats, {written: fs.statSync(map).size, entries: 1, refused: 0, skipped: 0, reloaded: true})
    await ng.reloaded(before.pid)
    assert.is(await ng.status('198.51.100.7'), 200, 'deleted: allowed again')
    assert.is(await ng.status('203.0.113.9'), 403, 'the new decision')
  })
}

test.run()
