import * as fs from 'node:fs'
import * as path from 'node:path'
import {test} from 'uvu'
import * as assert from 'uvu/assert'
import {CrowdError, CrowdErrorList} from '../../src/model/errors.js'
import {findKeyLine, parseManifest} from '../../src/hub/manifest.js'
import {ROOT} from '../helpers/run-cli.js'

const GOOD = `name = "crowd/sshd-logs"
type = "parser"
version = "1.0.0"
description = "sshd"
crowd = ">=0.1.0"
stage = "s01-parse"
files = ["sshd-logs.yaml"]
[dependencies]
"crowd/syslog-logs" = "^1.0.0"
[data]
"ssh_bad_users.txt" = "data/ssh_bad_users.txt"
`

test('manifest: the documented example parses', () => {
  const {manifest, warnings} = parseManifest(GOOD, 'm.toml')
  assert.is(manifest.name, 'crowd/sshd-logs')
  assert.is(manifest.stage, 's01-parse')
  assert.equal(manifest.files, ['sshd-logs.yaml'])
  assert.equal({...manifest.dependencies}, {'crowd/syslog-logs': '^1.0.0'})
  assert.equal({...manifest.data}, {'ssh_bad_users.txt': 'data/ssh_bad_users.txt'})
  assert.equal(warnings, [])
})

const BAD: {name: string; text: string; messages: string[]}[] = [
  {name: 'bad type', text: GOOD.replace('"parser"', '"parsr"'), messages: ['type must be one of parser, postoverflow, scenario, collection, data, context, notification, bouncer, not "parsr" (m.toml:2)']},
  {name: 'non-semver version', text: GOOD.replace('"1.0.0"', '"1.0"'), messages: ['version must be semver (like 1.0.0), not "1.0" (m.toml:3)']},
  {name: 'bad dependency range', text: GOOD.replace('"^1.0.0"', '"one"'), messages: ['dependency "crowd/syslog-logs" needs a semver range (like "^1.0.0"), not "one" (m.toml:9)']},
  {name: 'path escaping the package', text: GOOD.replace('"sshd-logs.yaml"', '"../x.yaml"'), messages: ['file "../x.yaml" must be a relative path inside the package (no "..", no leading "/") (m.toml:7)']},
  {name: 'stage on a scenario', text: GOOD.replace('"parser"', '"scenario"'), messages: ['"stage" is only for parsers and postoverflows, not a scenario (m.toml:6)']},
  {
    name: 'several errors at once',
    text: GOOD.replace('"crowd/sshd-logs"', '"sshd"').replace('">=0.1.0"', '"soon"'),
    messages: ['name must be "author/name" (letters, digits, _ . -), not "sshd" (m.toml:1)', 'crowd must be a semver range (like ">=0.1.0"), not "soon" (m.toml:5)'],
  },
  {name: 'permissions on a parser', text: GOOD + '[permissions]\nnetwork = ["x.org"]\n', messages: ['[permissions] is only for notification and bouncer packages, not a parser (m.toml:12)']},
  {name: 'TOML syntax error', text: 'name = "a/b"\ntype = \n', messages: ['invalid TOML: Unexpected character, expecting string, number, datetime, boolean, inline array or inline table (m.toml:2:8)']},
]

for (const c of BAD) {
  test(`manifest error: ${c.name}`, () => {
    try {
      parseManifest(c.text, 'm.toml')
      assert.unreachable()
    } catch (error) {
      const list = error instanceof CrowdErrorList ? error.errors : [error as CrowdError]
      assert.equal(list.map((e) => e.message), c.messages)
    }
  })
}

test('manifest: unknown keys are warnings', () => {
  const {warnings} = parseManifest('license = "MIT"\n' + GOOD, 'm.toml')
  assert.equal(warnings, ['m.toml:1: unknown key "license" ignored'])
})

const FILE = 'plugins/crowd/notification-slack/crowd-package.toml'

/** The Slack notification plugin's manifest, as docs/hub.md shows it. */
const SLACK = `name = "crowd/notification-slack"
type = "notification"
version = "1.0.0"
description = "Slack incoming webhooks"
crowd = ">=0.1.0"
files = ["index.js", "slack.yaml"]
main = "index.js"
serves = ["slack"]

[permissions]
network = [{config = "webhook"}]
secrets = ["webhook"]
`

const BOUNCER = `name = "crowd/nftables"
type = "bouncer"
version = "1.0.0"
files = ["index.js"]
main = "index.js"

[permissions]
commands = [{path = "/usr/sbin/nft", args = ["add", "element", "inet", "crowd", "blocklist", "*"]}]
`

test('manifest: a notification plugin (main, serves, permissions naming configuration keys)', () => {
  const {manifest, warnings} = parseManifest(SLACK, FILE)
  assert.equal(warnings, [])
  assert.is(manifest.main, 'index.js')
  assert.equal(manifest.serves, ['slack'])
  assert.equal(manifest.permissions, {network: [], networkFromConfig: ['webhook'], commands: [], files: {write: [], writeFromConfig: []}, secrets: ['webhook'], commandsFromConfig: []})
})

test('manifest: the examples of docs/hub.md parse, the plugin one as SLACK here', () => {
  const doc = fs.readFileSync(path.join(ROOT, 'docs', 'hub.md'), 'utf8')
  const blocks = [...doc.matchAll(/```toml\n([\s\S]*?)```/g)].map((m) => m[1]!)
  assert.is(blocks.length, 2)
  for (const b of blocks) parseManifest(b, 'docs/hub.md')
  assert.equal(parseManifest(blocks[1]!, 'docs/hub.md').manifest, parseManifest(SLACK, FILE).manifest)
})

test('manifest: a bouncer plugin; a plugin declaring no permissions asks for none', () => {
  const {manifest} = parseManifest(BOUNCER, FILE)
  assert.is(manifest.main, 'index.js')
  assert.is(manifest.serves, undefined)
  assert.equal(parseManifest(BOUNCER.replace('main = "index.js"', 'main = "index.js"\nserves = ["nft", "firewall"]'), FILE).manifest.serves, ['nft', 'firewall'])
  assert.equal(manifest.permissions?.commands, [{path: '/usr/sbin/nft', args: ['add', 'element', 'inet', 'crowd', 'blocklist', '*']}])
  const none = parseManifest(SLACK.slice(0, SLACK.indexOf('[permissions]')), FILE).manifest
  assert.equal(none.permissions, {network: [], networkFromConfig: [], commands: [], files: {write: [], writeFromConfig: []}, secrets: [], commandsFromConfig: []})
  assert.is(parseManifest(GOOD, FILE).manifest.permissions, undefined)
  // batches and builtin
  assert.is(manifest.batches, undefined)
  assert.is(parseManifest(BOUNCER.replace('main = "index.js"', 'main = "index.js"\nbatches = "full"'), FILE).manifest.batches, 'full')
  const builtin = parseManifest(BOUNCER.replace('main = "index.js"', 'builtin = "blocklist"'), FILE).manifest
  assert.equal([builtin.builtin, builtin.main], ['blocklist', undefined])
})

const BAD_PLUGINS: {name: string; text: string; messages: string[]}[] = [
  {name: 'notification without main', text: SLACK.replace('main = "index.js"\n', ''), messages: [`a notification needs "main": its entry .js file, listed in "files" (${FILE})`]},
  {name: 'bouncer without main', text: BOUNCER.replace('main = "index.js"\n', ''), messages: [`a bouncer needs "main": its entry .js file, listed in "files" (${FILE})`]},
  {name: 'main not listed in files', text: SLACK.replace('main = "index.js"', 'main = "other.js"'), messages: [`"main" file "other.js" must be listed in "files" (${FILE}:7)`]},
  {name: 'main not a .js file', text: SLACK.replace('main = "index.js"', 'main = "slack.yaml"'), messages: [`"main" must be a .js file, not "slack.yaml" (${FILE}:7)`]},
  {name: 'main not a string', text: SLACK.replace('main = "index.js"', 'main = ["index.js"]'), messages: [`"main" must be a string: the .js file the sandbox runs (${FILE}:7)`]},
  {name: 'main on a parser', text: GOOD.replace('files = ', 'main = "x.js"\nfiles = '), messages: [`"main" is only for notification and bouncer packages, not a parser (${FILE}:7)`]},
  {name: 'notification without serves', text: SLACK.replace('serves = ["slack"]\n', ''), messages: [`a notification needs "serves": the notification types it serves (like ["slack"]), as configurations name them with \`type:\` (${FILE})`]},
  {name: 'empty serves', text: SLACK.replace('serves = ["slack"]', 'serves = []'), messages: [`"serves" must be a non-empty array of configuration types (like ["slack"] or ["firewall"]) (${FILE}:8)`]},
  {name: 'bad and repeated served types', text: SLACK.replace('serves = ["slack"]', 'serves = ["slack", "Slack!", "slack"]'), messages: [
    `"serves": "Slack!" is not a configuration type (lower-case letters, digits, _ -) (${FILE}:8)`,
    `"serves": "slack" is listed twice (${FILE}:8)`,
  ]},
  {name: 'serves on a parser', text: GOOD.replace('files = ', 'serves = ["nft"]\nfiles = '), messages: [`"serves" is only for notification and bouncer packages, not a parser (${FILE}:7)`]},
  {name: 'the old {net, env, fs} permissions', text: SLACK.replace('network = [{config = "webhook"}]\nsecrets = ["webhook"]', 'net = ["hooks.slack.com:443"]\nenv = ["SLACK_TOKEN"]'), messages: [
    `[permissions] net: unknown permission (network, commands, files, secrets) (${FILE}:11)`,
    `[permissions] env: unknown permission (network, commands, files, secrets) (${FILE}:12)`,
  ]},
  {name: 'bad permission entries, each on its line', text: SLACK.replace('network = [{config = "webhook"}]', 'network = ["ftp://x.org", "config:a b"]\nfiles = {write = ["relative"]}'), messages: [
    `[permissions] network[0]: scheme "ftp" is not http or https (${FILE}:11)`,
    `[permissions] network[1]: "a b" is not a configuration key (letters, digits, _ . -) (${FILE}:11)`,
    `[permissions] files.write[0]: "relative" must be an absolute, normalised path (a directory ends with "/") (${FILE}:12)`,
  ]},
  {name: 'batches neither changes nor full', text: BOUNCER.replace('main = "index.js"', 'main = "index.js"\nbatches = "all"'), messages: [`"batches" must be "changes" (each apply gets what changed) or "full" (each apply gets every decision), not "all" (${FILE}:6)`]},
  {name: 'batches on a notification', text: SLACK.replace('serves = ["slack"]', 'serves = ["slack"]\nbatches = "full"'), messages: [`"batches" is only for bouncer packages, not a notification (${FILE}:9)`]},
  {name: 'builtin with main', text: BOUNCER.replace('main = "index.js"', 'main = "index.js"\nbuiltin = "blocklist"'), messages: [`a builtin bouncer has no "main": crowd runs it, no code of the package (${FILE}:6)`]},
  {name: 'an unknown builtin', text: BOUNCER.replace('main = "index.js"', 'builtin = "firewall"'), messages: [`"builtin" must be one of blocklist: the bouncer crowd runs itself, not "firewall" (${FILE}:5)`]},
  {name: 'permissions not a table', text: SLACK.slice(0, SLACK.indexOf('[permissions]')) + 'permissions = ["network"]\n', messages: [`[permissions] must be a table (${FILE}:10)`]},
]

for (const c of BAD_PLUGINS) {
  test(`manifest error (plugin): ${c.name}, naming crowd-package.toml`, () => {
    try {
      parseManifest(c.text, FILE)
      assert.unreachable()
    } catch (error) {
      const list = error instanceof CrowdErrorList ? error.errors : [error as CrowdError]
      assert.ok(list.every((e) => e instanceof CrowdError && e.code === 'hub' && e.file === FILE))
      assert.equal(list.map((e) => e.message), c.messages)
    }
  })
}

test('findKeyLine: table-scoped keys', () => {
  assert.is(findKeyLine(GOOD, 'crowd/syslog-logs', 'dependencies'), 9)
  assert.is(findKeyLine(GOOD, 'version'), 3)
  assert.is(findKeyLine(GOOD, 'missing'), undefined)
})

test.run()
