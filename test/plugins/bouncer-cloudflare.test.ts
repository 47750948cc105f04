/**
 * crowd/bouncer-cloudflare (plugins/crowd/bouncer-cloudflare) run in the sandbox as in production
 * (a real pool, the sandbox process built to JavaScript, its manifest's permissions resolved
 * against the configuration, the token handed over as a secret), against a local server that
 * answers as Cloudflare's API (test/helpers/cloudflare-api.ts) and keeps the lists and rules,
 * so each test asserts on what Cloudflare would hold afterwards.
 */
import type {ChildProcess} from 'node:child_process'
import * as fs from 'node:fs'
import * as path from 'node:path'
import {test} from 'uvu'
import * as assert from 'uvu/assert'
import {parseManifest} from '../../src/hub/manifest.js'
import {resolvePermissions, type SandboxPool} from '../../src/sandbox/index.js'
import {fakeCloudflare, type FakeCloudflare} from '../helpers/cloudflare-api.js'
import {makeHome, runCliAsync, type Home} from '../commands/lapi/helpers.js'
import {ROOT} from '../helpers/run-cli.js'
import {recordingPool, rejection} from '../sandbox/helpers.js'
import {installRepoPackage, startLapiServe} from '../helpers/lapi-serve.js'
import {pluginDecision, type PluginDecision} from './helpers.js'

const PLUGIN = path.join(ROOT, 'plugins', 'crowd', 'bouncer-cloudflare')
const MANIFEST = path.join(PLUGIN, 'crowd-package.toml')
const code = fs.readFileSync(path.join(PLUGIN, 'index.js'), 'utf8')
const {manifest} = parseManifest(fs.readFileSync(MANIFEST, 'utf8'), MANIFEST)
const {pool, logs, incidents} = recordingPool()
const fakes: FakeCloudflare[] = []
let home: Home | undefined
let lapi: ChildProcess | undefined
test.after(async () => {
  await pool.close()
  for (const f of fakes) await f.close()
  if (lapi !== undefined && lapi.exitCode === null && lapi.signalCode === null) {
    const exited = new Promise((resolve) => lapi!.once('exit', resolve))
    lapi.kill('SIGKILL')
    await exited
  }
  if (home !== undefined) fs.rmSync(home.dir, {recursive: true, force: true})
})

const ACCOUNT = '0123456789abcdef0123456789abcdef'
const ZONE = 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa'
const ZONE2 = 'bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb'
const TOKEN = 'cf-token-0123'

type Decision = PluginDecision

const d = (value: string, type = 'ban', scenario = 'crowdsecurity/ssh-bf'): Decision => pluginDecision(value, {type, scenario})
const full = (...added: Decision[]) => ({startup: true, added, deleted: []})

async function api(zones: string[] = [ZONE], pageSize = 3): Promise<FakeCloudflare> {
  const fake = await fakeCloudflare({token: TOKEN, accountId: ACCOUNT, zones, pageSize})
  fakes.push(fake)
  return fake
}

let ids = 0
/** The package registered as a bouncer configuration would register it; returns its id and the options apply gets. */
function bouncer(fake: FakeCloudflare, values: Record<string, unknown> = {}, token = TOKEN, p: SandboxPool = pool): {id: string; options: Record<string, unknown>} {
  const config: Record<string, unknown> = {cloudflare_api_url: fake.url, cloudflare_token: token, account_id: ACCOUNT, zones: [ZONE], ...values}
  const permissions = resolvePermissions(manifest.permissions!, config, '/etc/crowd/bouncers/cloudflare.yaml')
  const id = `cloudflare-${++ids}`
  p.register({id, code, filename: path.join(PLUGIN, 'index.js'), permissions, secrets: {cloudflare_token: token}})
  const options: Record<string, unknown> = {...config, name: 'cloudflare', type: 'cloudflare'}
  delete options.cloudflare_token
  return {id, options}
}

function apply(b: {id: string; options: Record<string, unknown>}, batch: unknown, p: SandboxPool = pool): Promise<Record<string, number>> {
  return p.call(b.id, 'apply', [batch, b.options]) as Promise<Record<string, number>>
}

const KNOWN = [ACCOUNT, ZONE, ZONE2, 'd'.repeat(32)]
/** The requests that change something, from `from` on, with the API's prefix left out and generated ids as ID. */
const writes = (fake: FakeCloudflare, from = 0): string[] =>
  fake.requests.slice(from).filter((r) => !r.startsWith('GET ')).map((r) => r.replace('/client/v4', '').replace(/[0-9a-f]{32}/g, (m) => (KNOWN.includes(m) ? m : 'ID')))

test('the manifest: a bouncer taking full batches, reaching only the configured API URL, reading only the token secret', () => {
  assert.is(manifest.type, 'bouncer')
  assert.is(manifest.batches, 'full')
  assert.equal(manifest.permissions!.network, [])
  assert.equal(manifest.permissions!.networkFromConfig, ['cloudflare_api_url'])
  assert.equal(manifest.permissions!.secrets, ['cloudflare_token'])
  for (const f of manifest.files) assert.ok(fs.existsSync(path.join(PLUGIN, f)), f)
})

test('first sync: the list is created and filled (IPv4, ranges, IPv6 as /64, deduplicated), the zone gets its rule', async () => {
  const fake = await api()
  const b = bouncer(fake)
  const stats = await apply(b, full(d('192.0.2.7'), d('198.51.100.0/24'), d('203.0.113.9/32'), d('2001:db8::7'), d('2001:db8::8'), d('2001:db8:1:2:3::/80'), d('2001:db8:ff00::/40'), d('10.0.0.0/7')))
  assert.equal(fake.ips('crowd_ban'), ['192.0.2.7', '198.51.100.0/24', '2001:db8:1:2::/64', '2001:db8::/64', '2001:db8:ff00::/40', '203.0.113.9'])
  assert.is(stats.ban, 6)
  assert.is(stats.widened, 3)
  assert.is(stats.unsupported, 1)
  assert.is(stats.listsCreated, 1)
  assert.is(stats.replaced, 1)
  assert.is(stats.rulesCreated, 1)
  assert.ok(logs.some((l) => l.startsWith('warn') && l.includes('10.0.0.0/7 (IPv4 ranges wider than /8')), logs.join('\n'))
  const list = fake.lists[0]!
  assert.equal([list.name, list.kind], ['crowd_ban', 'ip'])
  assert.is(list.items.find((i) => i.ip === '192.0.2.7')!.comment, 'crowd: ban crowdsecurity/ssh-bf')
  const rs = fake.zones.get(ZONE)!
  assert.is(rs.phase, 'http_request_firewall_custom')
  assert.equal(rs.rules.map((r) => [r.ref, r.action, r.expression, r.enabled]), [['crowd_crowd_ban', 'block', '(ip.src in $crowd_ban)', true]])
  // one replace (PUT items) followed by polls of its bulk operation until completed
  assert.equal(writes(fake), [`POST /accounts/${ACCOUNT}/rules/lists`, `PUT /accounts/${ACCOUNT}/rules/lists/ID/items`, `POST /zones/${ZONE}/rulesets`])
  assert.is(fake.requests.filter((r) => r.includes('/bulk_operations/')).length, 2, 'pending, then completed')
})

test('later syncs send the difference (DELETE then POST items), nothing when unchanged; rules repaired, user rules left alone', async () => {
  const fake = await api([ZONE, ZONE2])
  const b = bouncer(fake, {zones: [ZONE, ZONE2]})
  const base = [d('192.0.2.1'), d('192.0.2.2'), d('192.0.2.3'), d('192.0.2.4'), d('192.0.2.5')]
  await apply(b, full(...base))
  // the user adds rules of their own, and changes the package's rule
  const rs = fake.zones.get(ZONE)!
  rs.rules.unshift({id: 'c'.repeat(32), action: 'skip', expression: '(ip.src eq 192.0.2.200)', enabled: true, description: 'mine'})
  rs.rules[1]!.action = 'log'
  fake.zones.set(ZONE2, {id: 'd'.repeat(32), name: 'default', kind: 'zone', phase: 'http_request_firewall_custom', rules: [{id: 'e'.repeat(32), action: 'block', expression: '(http.request.uri.path contains "/wp-admin")', enabled: true}]})

  let from = fake.requests.length
  const stats = await apply(b, full(...base.slice(1), d('192.0.2.6')))
  assert.equal(fake.ips('crowd_ban'), ['192.0.2.2', '192.0.2.3', '192.0.2.4', '192.0.2.5', '192.0.2.6'])
  assert.equal([stats.added, stats.removed, stats.replaced, stats.rulesCreated, stats.rulesUpdated], [1, 1, 0, 1, 1])
  assert.equal(writes(fake, from), [
    `DELETE /accounts/${ACCOUNT}/rules/lists/ID/items`,
    `POST /accounts/${ACCOUNT}/rules/lists/ID/items`,
    `PATCH /zones/${ZONE}/rulesets/ID/rules/ID`,
    `POST /zones/${ZONE2}/rulesets/${'d'.repeat(32)}/rules`,
  ])
  assert.equal(fake.zones.get(ZONE)!.rules.map((r) => [r.action, r.expression]), [['skip', '(ip.src eq 192.0.2.200)'], ['block', '(ip.src in $crowd_ban)']])
  assert.equal(fake.zones.get(ZONE2)!.rules.map((r) => [r.action, r.expression]), [['block', '(http.request.uri.path contains "/wp-admin")'], ['block', '(ip.src in $crowd_ban)']])

  from = fake.requests.length
  const again = await apply(b, full(...base.slice(1), d('192.0.2.6')))
  assert.equal(writes(fake, from), [], 'unchanged: reads only')
  assert.equal([again.added, again.removed, again.replaced], [0, 0, 0])

  // most of the list changes: one replace is shorter than removing and adding
  await apply(b, full(d('198.51.100.1'), d('198.51.100.2')))
  assert.equal(fake.ips('crowd_ban'), ['198.51.100.1', '198.51.100.2'])
  assert.ok(writes(fake, from).some((w) => w.startsWith('PUT ')))
  // no decisions left: the list is emptied, the rule stays
  await apply(b, full())
  assert.equal(fake.ips('crowd_ban'), [])
  assert.is(fake.zones.get(ZONE)!.rules.length, 2)
})

test('the lists are read page by page, following result_info.cursors.after', async () => {
  const fake = await api([ZONE], 2)
  const b = bouncer(fake, {page_size: 100})
  const many = Array.from({length: 7}, (_, i) => d(`192.0.2.${i + 1}`))
  await apply(b, full(...many))
  const from = fake.requests.length
  const stats = await apply(b, full(...many.slice(0, 6), d('192.0.2.50')))
  const pages = fake.requests.slice(from).filter((r) => r.includes('/items?'))
  assert.is(pages.length, 4, pages.join('\n'))
  assert.is(stats.pages, 4)
  assert.ok(pages[0]!.endsWith('per_page=100'))
  assert.ok(pages.slice(1).every((p) => /&cursor=[A-Za-z0-9_-]+$/.test(p)), pages.join('\n'))
  assert.equal([stats.added, stats.removed], [1, 1], 'every page was read: only the changed items were written')
  assert.equal(fake.ips('crowd_ban'), [...many.slice(0, 6).map((x) => x.value), '192.0.2.50'].sort())
})

test('captcha_as_ban: false keeps captcha decisions in their own list, challenged by their own rule; a ban wins in the same /64', async () => {
  const fake = await api()
  const b = bouncer(fake, {captcha_as_ban: false})
  const stats = await apply(b, full(d('192.0.2.7'), d('192.0.2.8', 'captcha'), d('2001:db8::1', 'captcha'), d('2001:db8::2'), d('2001:db8:5::9', 'captcha')))
  assert.equal(fake.ips('crowd_ban'), ['192.0.2.7', '2001:db8::/64'])
  assert.equal(fake.ips('crowd_captcha'), ['192.0.2.8', '2001:db8:5::/64'])
  assert.equal([stats.ban, stats.captcha], [2, 2])
  assert.equal(fake.zones.get(ZONE)!.rules.map((r) => [r.action, r.expression]), [['block', '(ip.src in $crowd_ban)'], ['managed_challenge', '(ip.src in $crowd_captcha)']])
  // without captcha_as_ban: false, a captcha decision is blocked (and no captcha list is made)
  const plain = await api()
  await apply(bouncer(plain), full(d('192.0.2.8', 'captcha')))
  assert.equal(plain.ips('crowd_ban'), ['192.0.2.8'])
  assert.is(plain.ips('crowd_captcha'), undefined)
})

test('429 and 503 answers are sent again after Retry-After; still limited after 3 retries, the sync fails saying so', async () => {
  const fake = await api()
  const b = bouncer(fake)
  fake.script.push('429', '503', '429')
  await apply(b, full(d('192.0.2.7')))
  assert.equal(fake.ips('crowd_ban'), ['192.0.2.7'])
  fake.script.push('429', '429', '429', '429')
  const error = await rejection(apply(b, full(d('192.0.2.8'))))
  assert.match(error.message, `cloudflare GET /accounts/${ACCOUNT}/rules/lists: HTTP 429 (Retry-After 0 s) after 3 retries: [971] Please wait and consider throttling your request speed`)
  assert.equal(fake.ips('crowd_ban'), ['192.0.2.7'])
})

test("API errors fail the sync with Cloudflare's code and message; a failed bulk operation with its reason", async () => {
  const fake = await api()
  const b = bouncer(fake)
  fake.script.push({status: 400, code: 10021, message: 'list limit exceeded for this account'})
  assert.match((await rejection(apply(b, full(d('192.0.2.7'))))).message, `cloudflare GET /accounts/${ACCOUNT}/rules/lists: HTTP 400: [10021] list limit exceeded for this account`)

  const wrong = bouncer(fake, {}, 'not-the-token')
  assert.match((await rejection(apply(wrong, full(d('192.0.2.7'))))).message, 'HTTP 403: [10000] Authentication error')

  fake.failNextOperation = 'the list would exceed the account limit of items'
  const failed = await rejection(apply(b, full(d('192.0.2.7'))))
  assert.match(failed.message, /replacing the items of list crowd_ban: Cloudflare's bulk operation [0-9a-f]+ failed: the list would exceed the account limit of items/)
  assert.equal(fake.ips('crowd_ban'), [])
  // the next sync succeeds
  await apply(b, full(d('192.0.2.7')))
  assert.equal(fake.ips('crowd_ban'), ['192.0.2.7'])
})

test('more items than max_items: refused, saying how many, the lists untouched', async () => {
  const fake = await api()
  const b = bouncer(fake, {max_items: 3})
  await apply(b, full(d('192.0.2.1')))
  const from = fake.requests.length
  const error = await rejection(apply(b, full(d('192.0.2.1'), d('192.0.2.2'), d('2001:db8::1'), d('2001:db8::2'), d('192.0.2.3'), d('192.0.2.4'))))
  assert.match(error.message, '5 list items (5 ban, 0 captcha) are more than max_items 3: the Cloudflare lists were left as they were')
  assert.equal(fake.requests.slice(from), [])
  assert.equal(fake.ips('crowd_ban'), ['192.0.2.1'])
})

test('a bulk operation still pending at the end of the call fails the sync (the host will not wait past the deadline)', async () => {
  const fake = await api()
  const b = bouncer(fake)
  fake.pendingPolls = 1_000_000
  const error = await rejection(apply(b, full(d('192.0.2.7'))))
  assert.match(error.message, /replacing the items of list crowd_ban: bulk operation [0-9a-f]+ still running: .*would pass the call's deadline/)
})

test('the package reaches only the API URL its configuration grants; it refuses changes batches and a malformed configuration', async () => {
  const fake = await api()
  const other = await api()
  // granted: `other`'s URL; told to use `fake`'s
  const b = bouncer(other)
  const error = await rejection(apply({id: b.id, options: {...b.options, cloudflare_api_url: fake.url}}, full(d('192.0.2.7'))))
  assert.match(error.message, 'not declared')
  assert.equal(fake.requests, [])
  assert.ok(incidents.some((i) => i.message.includes('not declared')), JSON.stringify(incidents))
  assert.match((await rejection(apply(b, {startup: false, added: [d('192.0.2.7')], deleted: []}))).message, 'needs full batches')
  assert.match((await rejection(apply({id: b.id, options: {...b.options, account_id: 'x'}}, full()))).message, 'configuration: account_id must be your Cloudflare account ID')
})

test('end to end: crowd bouncer run cloudflare --once, fed by crowd lapi serve, fills the list and the zone rule', async () => {
  const fake = await api()
  home = makeHome('bouncer-cloudflare-e2e')
  const h = home
  await installRepoPackage(h, 'bouncer-cloudflare')
  const key = await h.json(['bouncers', 'add', 'cloudflare'])
  assert.is((await h.run(['decisions', 'add', '--ip', '192.0.2.7', '--duration', '1h', '--reason', 'manual ban'])).status, 0)
  assert.is((await h.run(['decisions', 'add', '--ip', '2001:db8::7', '--duration', '1h', '--reason', 'manual ban'])).status, 0)

  const served = await startLapiServe(h.env)
  lapi = served.child
  const url = served.url
  fs.mkdirSync(path.join(h.dir, 'bouncers'))
  const yaml = [
    `api_url: ${url}`,
    'api_key: ${API_KEY}',
    `cloudflare_api_url: ${fake.url}`,
    'cloudflare_token: ${CLOUDFLARE_TOKEN}',
    `account_id: ${ACCOUNT}`,
    `zones: [${ZONE}]`,
    '',
  ].join('\n')
  fs.writeFileSync(path.join(h.dir, 'bouncers', 'cloudflare.yaml'), yaml)
  const r = await runCliAsync(['bouncer', 'run', 'cloudflare', '--once', '--json'], {...h.env, API_KEY: key.body.api_key, CLOUDFLARE_TOKEN: TOKEN})
  assert.is(r.status, 0, r.stdout + r.stderr)
  const stats = JSON.parse(r.stdout).pluginStats as Record<string, number>
  assert.equal([stats.ban, stats.widened, stats.listsCreated, stats.rulesCreated], [2, 1, 1, 1])
  assert.equal(fake.ips('crowd_ban'), ['192.0.2.7', '2001:db8::/64'])
  assert.equal(fake.zones.get(ZONE)!.rules.map((x) => x.expression), ['(ip.src in $crowd_ban)'])
  assert.not.match(r.stdout + r.stderr, TOKEN, 'the token is never printed')
})

test.run()
