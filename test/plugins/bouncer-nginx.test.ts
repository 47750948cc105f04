/**
 * crowd/bouncer-nginx (plugins/crowd/bouncer-nginx) run in the sandbox as in production (a real
 * pool, the sandbox process built to JavaScript), with the permissions of its own manifest
 * resolved against each configuration:
 *
 * - the file it writes: a sorted geo block, values parsed and written back (canonical, host bits
 *   cleared, duplicates once), the trusted proxies as the geo module's `proxy` lines, hostile
 *   values refused and logged, never written; options checked with messages naming the key;
 * - the reload command: only the shapes the manifest grants; nginx's own error when it fails;
 * - a real nginx (Debian's /usr/sbin/nginx) started by this test in a temporary prefix on
 *   127.0.0.1 and a free port, reloaded by the plugin: a banned address in X-Forwarded-For from a
 *   trusted proxy gets 403, others 200; an apply without it makes it 200 again; from a peer that
 *   is not a trusted proxy the header is ignored. Skipped, saying why, without nginx.
 */
import * as fs from 'node:fs'
import * as os from 'node:os'
import * as path from 'node:path'
import TOML from '@iarna/toml'
import {test} from 'uvu'
import * as assert from 'uvu/assert'
import {parsePermissions, resolvePermissions} from '../../src/sandbox/index.js'
import {ROOT} from '../helpers/run-cli.js'
import {NGINX, TestNginx} from '../helpers/nginx.js'
import {recordingPool, rejection} from '../sandbox/helpers.js'
import {pluginDecision, type PluginDecision} from './helpers.js'

const PLUGIN = path.join(ROOT, 'plugins', 'crowd', 'bouncer-nginx')
const MANIFEST = path.join(PLUGIN, 'crowd-package.toml')
const code = fs.readFileSync(path.join(PLUGIN, 'index.js'), 'utf8')
const declared = parsePermissions((TOML.parse(fs.readFileSync(MANIFEST, 'utf8')) as {permissions: unknown}).permissions, MANIFEST)
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'crowd-bouncer-nginx-'))
fs.chmodSync(tmp, 0o755) // nginx's workers (another user when the test runs as root) read under it
const {pool, logs, incidents} = recordingPool({deadlineMs: 15_000})
const ng = new TestNginx(tmp)

test.after(async () => {
  await ng.stop()
  await pool.close()
  fs.rmSync(tmp, {recursive: true, force: true})
})

type Decision = PluginDecision
const ban = (value: string, type = 'ban'): Decision => pluginDecision(value, {type, scenario: 'crowdsecurity/http-probing'})
const full = (values: (string | Decision)[]) => ({startup: true, added: values.map((v) => (typeof v === 'string' ? ban(v) : v)), deleted: []})

let registered = 0
/** Registers the plugin for `config` (permissions from its manifest, resolved as the runtime does) and applies `batch`. */
async function apply(config: Record<string, unknown>, batch: unknown): Promise<Record<string, unknown>> {
  const id = `nginx-${registered++}`
  pool.register({id, code, filename: path.join(PLUGIN, 'index.js'), permissions: resolvePermissions(declared, config, '/etc/crowd/bouncers/nginx.yaml')})
  return (await pool.call(id, 'apply', [batch, {name: 'nginx', type: 'nginx', ...config}])) as Record<string, unknown>
}

const header = (proxies: string, n: number) => [
  `# Written by crowd (crowd/bouncer-nginx) at each apply: edits are lost. ${n} banned address(es) and range(s).`,
  `# Trusted proxies (X-Forwarded-For believed from them only): ${proxies}.`,
]

test('the file: a geo block, sorted, canonical, each value once; trusted proxies as proxy lines', async () => {
  const map = path.join(tmp, 'render.conf')
  const stats = await apply({map_path: map, reload_command: [], trusted_proxies: ['10.0.0.0/8', '::ffff:127.0.0.1', '2001:db8:ff::1'], proxy_recursive: true}, full([
    '198.51.100.9', '192.0.2.7', '2001:DB8:0:0:0:0:0:7', '10.1.2.3/8', '::ffff:203.0.113.5', '2001:db8::/64', '192.0.2.7', '192.0.2.7/32', '2001:db8:0:0:1:0:0:1', '::ffff:0:0/104', '2001:db8::9/127',
  ]))
  assert.equal(stats, {written: fs.statSync(map).size, entries: 9, refused: 0, skipped: 0, reloaded: false})
  assert.is(fs.readFileSync(map, 'utf8'), [
    ...header('10.0.0.0/8, 127.0.0.1, 2001:db8:ff::1', 9),
    'geo $crowd_banned {',
    '    default 0;',
    '    proxy 10.0.0.0/8;',
    '    proxy 127.0.0.1;',
    '    proxy 2001:db8:ff::1;',
    '    proxy_recursive;',
    '    0.0.0.0/8 1;', // ::ffff:0:0/104: IPv4-mapped, so an IPv4 /8
    '    10.0.0.0/8 1;',
    '    192.0.2.7 1;',
    '    198.51.100.9 1;',
    '    203.0.113.5 1;',
    '    2001:db8::/64 1;',
    '    2001:db8::7 1;',
    '    2001:db8::8/127 1;',
    '    2001:db8::1:0:0:1 1;', // RFC 5952: of two equal runs of zeros, the first is compressed
    '}',
    '',
  ].join('\n'))
})

test('no trusted proxy: no proxy line (X-Forwarded-For never believed); an empty state is a valid block; the variable is configurable', async () => {
  const map = path.join(tmp, 'empty.conf')
  const stats = await apply({map_path: map, reload_command: [], variable: '$blocked_client', proxy_recursive: true}, full([]))
  assert.equal(stats, {written: fs.statSync(map).size, entries: 0, refused: 0, skipped: 0, reloaded: false})
  assert.is(fs.readFileSync(map, 'utf8'), [...header('none', 0), 'geo $blocked_client {', '    default 0;', '}', ''].join('\n'))
})

test('hostile or malformed values are refused and logged, never written; other types and scopes are skipped', async () => {
  const map = path.join(tmp, 'hostile.conf')
  logs.length = 0
  const hostile = ['192.0.2.1; }', '192.0.2.2\n}', '192.0.2.3 1; 0.0.0.0/0', 'include /etc/passwd', '}', '0.0.0.0/0', '::/0', '01.2.3.4', '192.0.2.4/33', '192.0.2.5/024', '2001:db8::1%eth0',
    '2001:db8::1::2', '1:2:3:4:5:6:7:8:9', '256.1.1.1', '', '192.0.2.6/', '::ffff:1.2.3']
  const stats = await apply({map_path: map, reload_command: []}, full([
    ...hostile.map((v) => ban(v)), '192.0.2.10', ban('192.0.2.11', 'captcha'), {...ban('FR'), scope: 'Country'}, {...ban(7 as unknown as string)},
  ]))
  assert.equal(stats, {written: fs.statSync(map).size, entries: 1, refused: hostile.length + 1, skipped: 2, reloaded: false})
  const text = fs.readFileSync(map, 'utf8')
  assert.is(text.split('\n').slice(2).join('\n'), 'geo $crowd_banned {\n    default 0;\n    192.0.2.10 1;\n}\n')
  const warn = logs.find((l) => l.startsWith('warn ') && l.includes('refused'))
  assert.ok(warn !== undefined, logs.join('\n'))
  assert.match(warn!, `refused ${hostile.length + 1} decision value(s), not written to ${map}: "192.0.2.1; }" has characters no address or range has; "192.0.2.2\\n}"`)
  assert.not.match(warn!, '\n')
})

test('options are checked, each message naming its key', async () => {
  const map = path.join(tmp, 'options.conf')
  const cases: [Record<string, unknown>, string][] = [
    [{trusted_proxies: ['127.0.0.1', 'lb.example.org']}, '"trusted_proxies"[1] "lb.example.org" is not an IPv4 or IPv6 address or CIDR range'],
    [{trusted_proxies: ['0.0.0.0/0']}, '"trusted_proxies"[0] "0.0.0.0/0" is a /0: X-Forwarded-For would be believed from every client'],
    [{trusted_proxies: '127.0.0.1'}, '"trusted_proxies" must be a list, not a string'],
    [{variable: 'crowd-banned'}, '"variable" must be an nginx variable name'],
    [{proxy_recursive: 'yes'}, '"proxy_recursive" must be true or false'],
    [{reload_command: ['nginx', '-s', 'reload']}, '"reload_command" must start with the absolute path of nginx, not "nginx"'],
    [{reload_command: [NGINX, 5]}, '"reload_command"[1] must be a string, not a number'],
    [{types: 'ban'}, '"types" must be a list'],
  ]
  for (const [options, message] of cases) {
    const error = await rejection(apply({map_path: map, reload_command: [], ...options}, full(['192.0.2.7'])))
    assert.match(error.message, message)
    assert.match(error.message, 'bouncer-nginx: ')
  }
  assert.not.ok(fs.existsSync(map), 'nothing written when the options are wrong')
  // a missing map_path is refused before the plugin runs: the grant names it
  assert.throws(() => resolvePermissions(declared, {}, '/etc/crowd/bouncers/nginx.yaml'), (e: Error) => /"map_path" is not set/.test(e.message))
})

test('the package may write only its map_path and run only nginx -s reload (with -p/-c/-e): anything else is refused', async () => {
  const map = path.join(tmp, 'grants.conf')
  for (const command of [['/bin/sh', '-c', 'id'], [NGINX, '-s', 'stop'], [NGINX, '-g', 'daemon off;'], [NGINX, '-c', '-x', '-s', 'reload'], [NGINX, '-p', tmp, '-s', 'reload']]) {
    const error = await rejection(apply({map_path: map, reload_command: command}, full(['192.0.2.7'])))
    assert.match(error.message, `"reload_command" ${JSON.stringify(command.join(' '))} is not one this package may run`)
    assert.match(error.message, /not declared|do not match its declaration/)
  }
  assert.ok(incidents.some((i) => i.kind === 'permission'), 'reported as a permission incident')
  assert.equal(describeCommands(), [
    `run ${NGINX} "-c" <any one argument not starting with -> "-s" "reload"`,
    `run ${NGINX} "-p" <any one argument not starting with -> "-c" <any one argument not starting with -> "-e" <any one argument not starting with -> "-s" "reload"`,
    `run ${NGINX} "-p" <any one argument not starting with -> "-c" <any one argument not starting with -> "-s" "reload"`,
    `run ${NGINX} "-s" "reload"`,
  ])
  assert.equal(declared.files, {write: [], writeFromConfig: ['map_path']})
})

function describeCommands(): string[] {
  return declared.commands.map((c) => `run ${c.path} ${c.args!.map((a) => (a === '*' ? '<any one argument not starting with ->' : JSON.stringify(a))).join(' ')}`)
}

// ---------------------------------------------------------------------------------------------
// A real nginx

const haveNginx = fs.existsSync(NGINX)
if (!haveNginx) console.log(`bouncer-nginx: ${NGINX} is missing (apt-get install nginx): the tests with a real nginx are skipped`)

const map = ng.map
const reload = ng.reloadCommand

/**
 * Applies `batch` with `trusted` proxies (the plugin writes the file and runs nginx -s reload),
 * then waits until the worker that answered before has gone and a new one answers: every request
 * after this sees the new file.
 */
async function applyAndReload(trusted: string[], values: string[]): Promise<Record<string, unknown>> {
  const before = await ng.request()
  const stats = await apply({map_path: map, trusted_proxies: trusted, reload_command: reload}, full(values))
  await ng.reloaded(before.pid)
  return stats
}

const status = (xff?: string): Promise<number> => ng.status(xff)

if (haveNginx) {
  test('real nginx: X-Forwarded-For from the trusted proxy 127.0.0.1 is checked; a new apply reloads nginx; an untrusted peer\'s header is ignored', async () => {
    await ng.configure()
    // the first file, before nginx starts (nothing to reload yet)
    const first = await apply({map_path: map, trusted_proxies: ['127.0.0.1'], reload_command: []}, full(['198.51.100.7', '2001:db8::/64']))
    assert.equal(first, {written: fs.statSync(map).size, entries: 2, refused: 0, skipped: 0, reloaded: false})
    await ng.start()
    assert.is(await status('198.51.100.7'), 403, 'banned address behind the trusted proxy')
    assert.is(await status('198.51.100.8'), 200, 'another address')
    assert.is(await status('2001:db8::9'), 403, 'inside a banned IPv6 range')
    assert.is(await status('203.0.113.1, 198.51.100.7'), 403, 'the last address of the header (what the proxy saw)')
    assert.is(await status(), 200, 'the proxy itself, no header')

    // a decision gone: the plugin writes the file again and reloads nginx
    const second = await applyAndReload(['127.0.0.1'], ['2001:db8::/64'])
    assert.equal(second, {written: fs.statSync(map).size, entries: 1, refused: 0, skipped: 0, reloaded: true})
    assert.is(await status('198.51.100.7'), 200, 'unbanned after the reload')
    assert.is(await status('2001:db8::9'), 403, 'the range is still banned')

    // 127.0.0.1 no longer a trusted proxy: its own address is checked, the header is not
    await applyAndReload(['192.0.2.254'], ['198.51.100.7', '127.0.0.1'])
    assert.is(await status(), 403, 'the peer 127.0.0.1 itself is banned')
    assert.is(await status('198.51.100.8'), 403, 'a header does not replace the peer\'s address')
    await applyAndReload(['192.0.2.254'], ['198.51.100.7'])
    assert.is(await status('198.51.100.7'), 200, 'a banned address in the header of an untrusted peer is ignored')
    assert.is(await status(), 200)
  })

  test('real nginx: a reload nginx refuses fails the apply with nginx\'s own error', async () => {
    assert.ok(ng.running, 'nginx runs (previous test)')
    // a variable name the server block does not use: nginx -s reload parses the configuration first and refuses it
    const error = await rejection(apply({map_path: map, trusted_proxies: ['127.0.0.1'], reload_command: reload, variable: 'other_name'}, full(['198.51.100.7'])))
    assert.match(error.message, `${map} written, but "reload_command" ${JSON.stringify(reload.join(' '))} exited with 1: nginx keeps its previous configuration: `)
    assert.match(error.message, 'unknown "crowd_banned" variable')
    assert.is(await status('198.51.100.7'), 200, 'nginx still runs its previous configuration')
    // a reload with nothing to signal (the pid file of a prefix where no nginx runs)
    const idle = path.join(tmp, 'idle') + '/'
    fs.mkdirSync(path.join(idle, 'logs'), {recursive: true})
    const idleConf = path.join(idle, 'nginx.conf')
    fs.writeFileSync(idleConf, `pid ${path.join(idle, 'nginx.pid')};\nerror_log stderr;\nevents {}\nhttp { include ${path.join(idle, 'map.conf')}; }\n`)
    const e2 = await rejection(apply({map_path: path.join(idle, 'map.conf'), reload_command: [NGINX, '-p', idle, '-c', idleConf, '-e', 'stderr', '-s', 'reload']}, full(['198.51.100.7'])))
    assert.match(e2.message, 'exited with 1')
    assert.match(e2.message, 'nginx.pid')
  })
}

test.run()
