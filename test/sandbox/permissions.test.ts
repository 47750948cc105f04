/**
 * The permissions a plugin package declares: parsed (every error, named by file), described for
 * the install prompt, compared (an upgrade asking more), and matched against one request.
 */
import {test} from 'uvu'
import * as assert from 'uvu/assert'
import {CrowdError, CrowdErrorList} from '../../src/model/errors.js'
import {
  checkCommand,
  checkSecret,
  checkUrl,
  describePermissions,
  parsePermissions,
  permissionsAdded,
  permissionsCovered,
  permissionsEmpty,
  permissionsTable,
  resolvePermissions,
  writeGrantFor,
  type Permissions,
} from '../../src/sandbox/permissions.js'

const FILE = '/hub/crowd/slack/crowd-package.toml'
const parse = (v: unknown): Permissions => parsePermissions(v, FILE)
/** A Permissions with the lists given, the others empty. */
const perms = (p: Partial<Omit<Permissions, 'files'>> & {write?: string[]; writeFromConfig?: string[]}): Permissions => ({
  network: p.network ?? [],
  networkFromConfig: p.networkFromConfig ?? [],
  commands: p.commands ?? [],
  commandsFromConfig: p.commandsFromConfig ?? [],
  files: {write: p.write ?? [], writeFromConfig: p.writeFromConfig ?? []},
  secrets: p.secrets ?? [],
})

const PARSED: [string, unknown, Permissions][] = [
  ['nothing declared', undefined, perms({})],
  ['an empty table', {}, perms({})],
  ['a bare host: https on 443', {network: ['Hooks.Slack.com']}, perms({network: [{host: 'hooks.slack.com', ports: [443], schemes: ['https']}]})],
  ['host:port without scheme: https', {network: ['hooks.example.org:8443']}, perms({network: [{host: 'hooks.example.org', ports: [8443], schemes: ['https']}]})],
  ['http URL without port: 80', {network: ['http://127.0.0.1']}, perms({network: [{host: '127.0.0.1', ports: [80], schemes: ['http']}]})],
  ['IPv6 with port', {network: ['http://[::1]:9200/']}, perms({network: [{host: '[::1]', ports: [9200], schemes: ['http']}]})],
  ['a table with a wildcard and defaults per scheme', {network: [{host: '*.example.org', schemes: ['https', 'http']}]}, perms({network: [{host: '*.example.org', ports: [80, 443], schemes: ['http', 'https']}]})],
  ['commands, files and secrets, sorted and without duplicates', {commands: ['/usr/bin/logger', {path: '/usr/sbin/nft', args: ['add', 'element', '*']}], files: {write: ['/var/log/crowd/', '/var/lib/crowd/a.state', '/var/log/crowd/']}, secrets: ['webhook', 'token', 'webhook']}, perms({
    commands: [{path: '/usr/bin/logger'}, {path: '/usr/sbin/nft', args: ['add', 'element', '*']}],
    write: ['/var/lib/crowd/a.state', '/var/log/crowd/'],
    secrets: ['token', 'webhook'],
  })],
  ['configuration keys, as tables and as "config:KEY" strings, kept apart', {network: [{config: 'webhook'}, 'hooks.slack.com', 'config:url', 'config:webhook'], files: {write: ['config:log_path', {config: 'dir'}, '/var/log/crowd/']}}, perms({
    network: [{host: 'hooks.slack.com', ports: [443], schemes: ['https']}],
    networkFromConfig: ['url', 'webhook'],
    write: ['/var/log/crowd/'],
    writeFromConfig: ['dir', 'log_path'],
  })],
]

for (const [name, input, want] of PARSED) {
  test(`parsePermissions: ${name}`, () => assert.equal(parse(input), want))
}

const ERRORS: [string, unknown, string[]][] = [
  ['not a table', ['x'], ['[permissions] must be a table']],
  ['unknown key', {net: ['x']}, ['[permissions] net: unknown permission (network, commands, files, secrets)']],
  ['bad network entries', {network: ['ftp://x.org', 'a b', {host: 'x.org', ports: [0]}, {host: 'x.org', schemes: []}, {host: '*.com.', port: 1}, 7, 'x.org:99999']}, [
    '[permissions] network[0]: scheme "ftp" is not http or https',
    '[permissions] network[1]: "a b" is not a host name or IP address',
    '[permissions] network[2]: ports must be a non-empty array of numbers between 1 and 65535',
    '[permissions] network[3]: schemes must be a non-empty array of "http" and "https"',
    '[permissions] network[4]: unknown key "port" (host, ports, schemes)',
    '[permissions] network[4]: host "*.com." is not a host name or IP address',
    '[permissions] network[5]: must be a string like "hooks.example.org" or a table {host, ports, schemes}',
    '[permissions] network[6]: port 99999 is not between 1 and 65535',
  ]],
  ['bad commands', {commands: ['nft', {path: '/usr/sbin/../bin/sh'}, {path: '/bin/x', args: 'a'}]}, [
    '[permissions] commands[0]: path "nft" must be an absolute, normalised path to a program',
    '[permissions] commands[1]: path "/usr/sbin/../bin/sh" must be an absolute, normalised path to a program',
    '[permissions] commands[2]: args must be an array of strings ("*" stands for one argument)',
  ]],
  ['bad files', {files: {write: ['/', 'log/', '/var/./log'], read: ['/etc/']}}, [
    '[permissions] files.read: unknown (only "write": plugins read no files)',
    '[permissions] files.write[0]: "/" would let the plugin write anywhere',
    '[permissions] files.write[1]: "log/" must be an absolute, normalised path (a directory ends with "/")',
    '[permissions] files.write[2]: "/var/./log" must be an absolute, normalised path (a directory ends with "/")',
  ]],
  ['bad configuration keys', {network: ['config:', {config: 'a b'}, {config: 'url', ports: [443]}, {config: 3}], files: {write: ['config:../x', {config: 'p', path: '/x'}]}}, [
    '[permissions] network[0]: "" is not a configuration key (letters, digits, _ . -)',
    '[permissions] network[1]: "a b" is not a configuration key (letters, digits, _ . -)',
    '[permissions] network[2]: {config = ...} takes no other key (found "ports")',
    '[permissions] network[3]: 3 is not a configuration key (letters, digits, _ . -)',
    '[permissions] files.write[0]: "../x" is not a configuration key (letters, digits, _ . -)',
    '[permissions] files.write[1]: {config = ...} takes no other key (found "path")',
  ]],
  ['bad secrets', {secrets: ['ok', 'no spaces', 3]}, [
    '[permissions] secrets[1]: "no spaces" is not a configuration key (letters, digits, _ . -)',
    '[permissions] secrets[2]: 3 is not a configuration key (letters, digits, _ . -)',
  ]],
]

for (const [name, input, want] of ERRORS) {
  test(`parsePermissions refuses ${name}, naming the file`, () => {
    let caught: unknown
    try {
      parse(input)
    } catch (error) {
      caught = error
    }
    const errors = caught instanceof CrowdErrorList ? caught.errors : [caught as CrowdError]
    assert.ok(errors.every((e) => e instanceof CrowdError && e.code === 'hub' && e.file === FILE))
    assert.equal(errors.map((e) => e.reason), want)
    assert.ok(errors[0]!.message.endsWith(`(${FILE})`))
  })
}

test('describePermissions: one line per capability, for the install prompt', () => {
  const p = parse({
    network: ['hooks.slack.com', {host: '*.example.org', ports: [443, 8443]}],
    commands: ['/usr/bin/logger', {path: '/usr/sbin/nft', args: ['add', '*']}, {path: '/bin/true', args: []}],
    files: {write: ['/var/log/crowd/', '/var/lib/crowd/x.state', 'config:log_path']},
    secrets: ['webhook'],
  })
  assert.equal(describePermissions(p), [
    'connect to any subdomain of example.org over https (ports 443, 8443)',
    'connect to hooks.slack.com over https (port 443)',
    'run /bin/true without arguments',
    'run /usr/bin/logger with any arguments',
    'run /usr/sbin/nft "add" <any one argument not starting with ->',
    'write the file /var/lib/crowd/x.state',
    'write files under /var/log/crowd/',
    'write the file set in its configuration\'s "log_path" (files under it when it ends in /)',
    'read the secret "webhook" from its configuration',
  ])
  assert.equal(describePermissions(parse({network: [{config: 'webhook'}]})), ['connect to the URL set in its configuration\'s "webhook" (that scheme, host and port)'])
  assert.equal(describePermissions(parse({})), ['nothing outside its sandbox (it can only compute and log)'])
})

test('permissionsAdded / permissionsCovered: what an upgrade asks beyond what was granted', () => {
  const granted = parse({network: ['*.example.org', 'http://127.0.0.1:9200'], commands: [{path: '/usr/sbin/nft', args: ['add', '*']}], files: {write: ['/var/log/crowd/']}, secrets: ['token']})
  const same = parse({network: ['hooks.example.org', '*.a.example.org'], commands: [{path: '/usr/sbin/nft', args: ['add', 'element']}], files: {write: ['/var/log/crowd/sub/', '/var/log/crowd/x.log']}, secrets: ['token']})
  assert.ok(permissionsCovered(granted, same))
  assert.ok(permissionsCovered(granted, parse({})))
  const more = parse({network: ['example.org', 'http://127.0.0.1:9300', '127.0.0.1:9200'], commands: [{path: '/usr/sbin/nft', args: ['add', '-f']}, '/usr/sbin/nft'], files: {write: ['/var/log/']}, secrets: ['token', 'webhook']})
  assert.not.ok(permissionsCovered(granted, more))
  assert.equal(permissionsAdded(granted, more), perms({
    network: [
      {host: '127.0.0.1', ports: [9200], schemes: ['https']},
      {host: '127.0.0.1', ports: [9300], schemes: ['http']},
      {host: 'example.org', ports: [443], schemes: ['https']},
    ],
    commands: [{path: '/usr/sbin/nft', args: ['add', '-f']}, {path: '/usr/sbin/nft'}],
    write: ['/var/log/'],
    secrets: ['webhook'],
  }))
})

test('permissionsAdded / permissionsCovered: a configuration key is covered by the same key only', () => {
  const granted = parse({network: ['config:webhook', '*.slack.com'], files: {write: ['config:log_path', '/var/log/']}})
  assert.ok(permissionsCovered(granted, parse({network: [{config: 'webhook'}], files: {write: [{config: 'log_path'}]}})))
  assert.ok(permissionsCovered(granted, parse({network: ['hooks.slack.com']})))
  const more = parse({network: ['config:webhook', 'config:url'], files: {write: ['config:log_path', 'config:dir']}})
  assert.equal(permissionsAdded(granted, more), perms({networkFromConfig: ['url'], writeFromConfig: ['dir']}))
  // neither a concrete grant nor a key covers the other
  assert.not.ok(permissionsCovered(parse({network: ['hooks.slack.com']}), parse({network: ['config:webhook']})))
  assert.not.ok(permissionsCovered(parse({network: ['config:webhook']}), parse({network: ['hooks.slack.com']})))
  assert.not.ok(permissionsCovered(parse({files: {write: ['/var/log/']}}), parse({files: {write: ['config:log_path']}})))
})

test('permissionsTable: the manifest form, which parses back to the same permissions', () => {
  const p = parse({
    network: ['hooks.slack.com', {host: '*.example.org', ports: [443, 8443]}, 'config:webhook'],
    commands: ['/usr/bin/logger', {path: '/usr/sbin/nft', args: ['add', '*']}],
    files: {write: ['/var/log/crowd/', {config: 'log_path'}]},
    secrets: ['token'],
  })
  const table = permissionsTable(p)
  assert.equal(table, {
    network: [{host: '*.example.org', ports: [443, 8443], schemes: ['https']}, {host: 'hooks.slack.com', ports: [443], schemes: ['https']}, {config: 'webhook'}],
    commands: [{path: '/usr/bin/logger'}, {path: '/usr/sbin/nft', args: ['add', '*']}],
    files: {write: ['/var/log/crowd/', {config: 'log_path'}]},
    secrets: ['token'],
  })
  assert.equal(parse(JSON.parse(JSON.stringify(table))), p)
  assert.equal(permissionsTable(parse({})), {})
  assert.ok(permissionsEmpty(parse({})))
  assert.not.ok(permissionsEmpty(parse({files: {write: ['config:log_path']}})))
})

const CONFIG_FILE = '/etc/crowd/notifications/slack.yaml'

test('resolvePermissions: configuration keys become grants for one configuration', () => {
  const p = parse({network: ['config:webhook', 'config:backup', 'hooks.example.org'], files: {write: ['config:log_path', 'config:dir']}, secrets: ['webhook']})
  const resolved = resolvePermissions(p, {webhook: 'https://hooks.slack.com/services/T0/B0/XXXX', backup: 'http://[::1]:9200/_bulk?x=1', log_path: '/var/log/crowd/alerts.log', dir: '/var/lib/crowd/out/'}, CONFIG_FILE)
  assert.equal(resolved, perms({
    network: [
      {host: '[::1]', ports: [9200], schemes: ['http']},
      {host: 'hooks.example.org', ports: [443], schemes: ['https']},
      {host: 'hooks.slack.com', ports: [443], schemes: ['https']},
    ],
    write: ['/var/lib/crowd/out/', '/var/log/crowd/alerts.log'],
    secrets: ['webhook'],
  }))
  assert.is(checkUrl(resolved, new URL('https://hooks.slack.com/services/other')), undefined)
  assert.is(checkUrl(resolved, new URL('http://hooks.slack.com/')), 'http to hooks.slack.com is not declared')
  assert.is(writeGrantFor(resolved, '/var/log/crowd/alerts.log'), '/var/log/crowd/alerts.log')
  assert.is(writeGrantFor(resolved, '/var/log/crowd/other.log'), undefined)
  assert.is(writeGrantFor(resolved, '/var/lib/crowd/out/a.json'), '/var/lib/crowd/out/')
  // unresolved, a key grants nothing
  assert.is(checkUrl(p, new URL('https://hooks.slack.com/')), 'host hooks.slack.com is not declared')
  assert.is(writeGrantFor(p, '/var/log/crowd/alerts.log'), undefined)
  // nothing to resolve: the same permissions
  const plain = parse({network: ['hooks.slack.com']})
  assert.equal(resolvePermissions(plain, {}, CONFIG_FILE), plain)
})

test('commands naming a configuration key: parsed, described, compared, resolved to that program with any arguments', () => {
  const p = parse({commands: ['config:bin_path', {config: 'other'}, '/usr/bin/logger']})
  assert.equal(p.commandsFromConfig, ['bin_path', 'other'])
  assert.equal(p.commands, [{path: '/usr/bin/logger'}])
  assert.ok(describePermissions(p).includes('run the program set in its configuration\'s "bin_path" with any arguments'))
  assert.equal(parse(permissionsTable(p)), p)
  assert.not.ok(permissionsCovered(parse({commands: ['config:other', '/usr/bin/logger']}), p), 'another key does not cover it')
  assert.ok(permissionsCovered(p, parse({commands: ['config:bin_path']})))
  const resolved = resolvePermissions(parse({commands: ['config:bin_path']}), {bin_path: '/usr/local/bin/on-ban.sh'}, CONFIG_FILE)
  assert.equal(resolved.commands, [{path: '/usr/local/bin/on-ban.sh'}])
  assert.equal(resolved.commandsFromConfig, [])
  assert.is(checkCommand(resolved, '/usr/local/bin/on-ban.sh', ['add', '192.0.2.1', '3600', 'ssh-bf', '{}']), undefined)
  assert.ok(checkCommand(resolved, '/usr/sbin/nft', ['-f', '-']) !== undefined)
  for (const bad of ['', 'on-ban.sh', '/usr/local/bin/', '/usr/../bin/sh']) {
    try {
      resolvePermissions(parse({commands: ['config:bin_path']}), {bin_path: bad}, CONFIG_FILE)
      assert.unreachable(bad)
    } catch (error) {
      assert.instance(error, CrowdError)
      assert.match((error as CrowdError).reason, '"bin_path"')
    }
  }
})

test('resolvePermissions refuses missing and malformed values, naming the key and the file, never quoting a URL', () => {
  const p = parse({network: ['config:a', 'config:b', 'config:c', 'config:d', 'config:e', 'config:f', 'config:g', 'config:h'], files: {write: ['config:p', 'config:q', 'config:r', 'config:s']}})
  const config = {
    b: '',
    c: 42,
    d: 'not a url secret-token',
    e: 'ftp://files.example.org/x',
    f: 'https://user:secret-token@hooks.example.org/',
    g: 'https://*.example.org/',
    h: ['https://x.org/'],
    constructor: 'x',
    q: 'relative/path.log',
    r: '/',
    s: '/var/log/../etc/passwd',
  }
  let caught: unknown
  try {
    resolvePermissions(p, config, CONFIG_FILE)
  } catch (error) {
    caught = error
  }
  assert.instance(caught, CrowdErrorList)
  const errors = (caught as CrowdErrorList).errors
  assert.ok(errors.every((e) => e.code === 'config' && e.file === CONFIG_FILE && !e.message.includes('secret-token')))
  const net = '(the plugin\'s network permission is the URL set there)'
  const file = '(the plugin may write the file, or under the directory ending in /, set there)'
  assert.equal(errors.map((e) => e.reason), [
    `"a" is not set ${net}`,
    `"b" is not set ${net}`,
    `"c" must be an http(s) URL, not a number ${net}`,
    `"d" is not a valid URL ${net}`,
    `"e" must be an http or https URL, not "ftp" ${net}`,
    `"f" must not carry a user name or password in the URL ${net}`,
    `"g" does not name a host (a name or an IP address) ${net}`,
    `"h" must be an http(s) URL, not a list ${net}`,
    `"p" is not set ${file}`,
    `"q" must be an absolute, normalised path (no "..", "." or "//"), not "relative/path.log" ${file}`,
    '"r" must not be "/": the plugin would write anywhere',
    `"s" must be an absolute, normalised path (no "..", "." or "//"), not "/var/log/../etc/passwd" ${file}`,
  ])
  // one problem: one CrowdError, its message ending with the file
  try {
    resolvePermissions(parse({network: ['config:webhook']}), {}, CONFIG_FILE)
    assert.unreachable('should refuse')
  } catch (error) {
    assert.instance(error, CrowdError)
    assert.is((error as CrowdError).message, `"webhook" is not set ${net} (${CONFIG_FILE})`)
  }
})

test('checkUrl: scheme, host and port must be declared together', () => {
  const p = parse({network: ['hooks.slack.com', 'http://127.0.0.1:9200', {host: '*.example.org', schemes: ['http']}]})
  const cases: [string, string | undefined][] = [
    ['https://hooks.slack.com/services/x', undefined],
    ['https://HOOKS.slack.com:443/', undefined],
    ['https://hooks.slack.com./', undefined],
    ['http://127.0.0.1:9200/_bulk', undefined],
    ['http://a.example.org/', undefined],
    ['http://example.org/', 'host example.org is not declared'],
    ['http://hooks.slack.com/', 'http to hooks.slack.com is not declared'],
    ['https://hooks.slack.com:8443/', 'port 8443 of hooks.slack.com is not declared'],
    ['http://127.0.0.1:9300/', 'port 9300 of 127.0.0.1 is not declared'],
    ['http://2130706433:9200/', undefined],
    ['http://localhost:9200/', 'host localhost is not declared'],
    ['ftp://hooks.slack.com/', 'scheme "ftp" is not http or https'],
    ['file:///etc/passwd', 'scheme "file" is not http or https'],
  ]
  assert.equal(cases.map(([u]) => [u, checkUrl(p, new URL(u))]), cases)
})

test('checkCommand, writeGrantFor and checkSecret', () => {
  const p = parse({commands: ['/usr/bin/logger', {path: '/usr/sbin/nft', args: ['add', 'element', '*']}], files: {write: ['/var/log/crowd/', '/var/lib/crowd/x.state']}, secrets: ['token']})
  assert.is(checkCommand(p, '/usr/bin/logger', ['-t', 'crowd', 'hello']), undefined)
  assert.is(checkCommand(p, '/usr/sbin/nft', ['add', 'element', '192.0.2.1']), undefined)
  assert.is(checkCommand(p, '/usr/sbin/nft', ['add', 'element', '-f']), 'arguments ["add","element","-f"] of /usr/sbin/nft do not match its declaration')
  assert.is(checkCommand(p, '/usr/sbin/nft', ['add', 'element']), 'arguments ["add","element"] of /usr/sbin/nft do not match its declaration')
  assert.is(checkCommand(p, '/bin/sh', ['-c', 'id']), 'command /bin/sh is not declared')
  assert.is(checkCommand(p, 'logger', []), 'command logger is not declared')
  assert.is(writeGrantFor(p, '/var/log/crowd/a.log'), '/var/log/crowd/')
  assert.is(writeGrantFor(p, '/var/log/crowd/sub/a.log'), '/var/log/crowd/')
  assert.is(writeGrantFor(p, '/var/lib/crowd/x.state'), '/var/lib/crowd/x.state')
  for (const outside of ['/var/log/crowd', '/var/log/crowd/', '/var/log/crowd/../x', '/var/log/crowd/./a', '/var/log/crowd//a', '/var/lib/crowd/y.state', 'var/log/crowd/a', '/var/log/crowdx/a']) {
    assert.is(writeGrantFor(p, outside), undefined, outside)
  }
  assert.is(checkSecret(p, 'token'), undefined)
  assert.is(checkSecret(p, 'password'), 'secret "password" is not declared')
})

test.run()
