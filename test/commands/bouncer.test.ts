/**
 * `crowd bouncer list / status / run` (running packages; `crowd bouncers` manages their API keys)
 * on a home with configurations but no bouncer package: list --json (golden), a configuration no
 * package runs (exit 2, file and line), status of a bouncer that never ran (exit 5).
 * The runs against a real LAPI are in test/outputs/bouncers/runner.test.ts.
 */
import * as fs from 'node:fs'
import * as path from 'node:path'
import {test} from 'uvu'
import * as assert from 'uvu/assert'
import {assertGolden} from '../helpers/golden.js'
import {makeHome, pretty} from './lapi/helpers.js'

const home = makeHome('bouncer-cmd')
fs.mkdirSync(path.join(home.dir, 'bouncers'))
fs.writeFileSync(path.join(home.dir, 'bouncers', 'firewall.yaml'), 'mode: nftables\napi_key: ${API_KEY}\nupdate_frequency: 1s\n')
fs.writeFileSync(path.join(home.dir, 'bouncers', 'edge.yaml'), 'api_url: http://192.0.2.10:8080\n\ntype: cloudflare\n')
const scrub = (text: string): string => text.split(home.dir).join('$HOME')

test('bouncer list --json (golden): each configuration, the package it needs, why it cannot run', async () => {
  const r = await home.json(['bouncer', 'list'])
  assert.is(r.status, 0, r.stderr)
  assertGolden('bouncer-list.json', scrub(pretty(r.body)))
  const text = await home.run(['bouncer', 'list'])
  assert.match(text.stdout, 'no package')
})

test('bouncer run: a type no installed package runs is a configuration error (exit 2) at its line', async () => {
  const r = await home.json(['bouncer', 'run', 'edge', '--once'])
  assert.is(r.status, 2)
  const e = r.body.error.errors[0]
  assert.equal([e.file, e.line], [path.join(home.dir, 'bouncers', 'edge.yaml'), 3])
  assert.match(e.message, 'no installed bouncer package runs type "cloudflare"')
})

test('bouncer status: a bouncer that never ran is not found (exit 5)', async () => {
  const r = await home.json(['bouncer', 'status', 'firewall'])
  assert.is(r.status, 5)
  assert.match(r.body.error.errors[0].message, 'never ran')
  assert.is((await home.json(['bouncer', 'status', '../x'])).status, 2)
})

test('bouncers (API keys) and bouncer (running packages) are both there', async () => {
  const r = await home.run(['--help'])
  assert.match(r.stdout, /bouncer\s+run bouncer packages/)
  assert.match(r.stdout, /bouncers\s+Local API keys of bouncers/)
})

test.run()
