/**
 * Plugin packages (notification, bouncer) and the permissions they ask: install and upgrade ask
 * (--yes, the prompt, or a refusal listing what is asked), the grant is recorded in the state,
 * an upgrade asking more asks again for what it adds only, and the runtime's view of what is
 * installed (installedPlugins, pluginServing, grantCovers).
 */
import * as fs from 'node:fs'
import * as path from 'node:path'
import {PassThrough} from 'node:stream'
import {test} from 'uvu'
import * as assert from 'uvu/assert'
import {GRANT_QUESTION, canPrompt, promptGrant} from '../../src/hub/grant-prompt.js'
import {parseHubIndex, readHubIndex} from '../../src/hub/hub-index.js'
import {hubInspect, hubInstall, hubUpgrade, type MutateOptions, type PlanResult} from '../../src/hub/operations.js'
import type {PlanStep} from '../../src/hub/plan.js'
import {grantCovers, installedGrant, installedPlugins, pluginServing} from '../../src/hub/plugins.js'
import {renderInspect, renderPlan} from '../../src/hub/render.js'
import {readState} from '../../src/hub/state.js'
import {CrowdError} from '../../src/model/errors.js'
import {parsePermissions, type Permissions} from '../../src/sandbox/permissions.js'
import {makeDirectoryHub, snapshotTree, tempDir, type FixturePackage} from './fixtures/make-hub.js'

const SLACK_V1: FixturePackage = {name: 'crowd/notification-slack', type: 'notification', version: '1.0.0', serves: ['slack'], permissions: ['network = [{config = "webhook"}]', 'secrets = ["webhook"]']}
const SLACK_V2_SAME: FixturePackage = {...SLACK_V1, version: '1.1.0'}
const SLACK_V2_MORE: FixturePackage = {...SLACK_V1, version: '2.0.0', permissions: ['network = [{config = "webhook"}, "slack.com"]', 'secrets = ["webhook", "token"]']}
const FILE_PLUGIN: FixturePackage = {name: 'crowd/notification-file', type: 'notification', version: '1.0.0', serves: ['file'], permissions: ['files = {write = [{config = "log_path"}]}']}
const LOGGER: FixturePackage = {name: 'crowd/notification-log', type: 'notification', version: '1.0.0', serves: ['log']}
const ALERTS: FixturePackage = {name: 'crowd/alerting', type: 'collection', version: '1.0.0', deps: {'crowd/notification-slack': '^1.0.0', 'crowd/notification-file': '^1.0.0'}}

const perms = (table: unknown): Permissions => parsePermissions(table, 'test')
const SLACK_ASKS = perms({network: [{config: 'webhook'}], secrets: ['webhook']})

async function refusal(run: Promise<unknown>): Promise<CrowdError> {
  try {
    await run
  } catch (error) {
    assert.instance(error, CrowdError)
    return error as CrowdError
  }
  assert.unreachable('should refuse')
  throw new Error('unreachable')
}

const grants = (r: PlanResult): string[] => r.steps.map((s) => `${s.action} ${s.name}@${s.version}: ${s.permissions?.grantedBy ?? '-'}`)

test('hub-index.json carries main, serves and permissions (in the manifest format) and reads them back', () => {
  const src = makeDirectoryHub([SLACK_V1, FILE_PLUGIN])
  const file = path.join(src, 'hub-index.json')
  const raw = JSON.parse(fs.readFileSync(file, 'utf8')) as {packages: Record<string, {versions: Record<string, Record<string, unknown>>}>}
  const v = raw.packages['crowd/notification-slack']!.versions['1.0.0']!
  assert.equal([v.main, v.serves, v.permissions], ['index.js', ['slack'], {network: [{config: 'webhook'}], secrets: ['webhook']}])
  assert.equal(raw.packages['crowd/notification-file']!.versions['1.0.0']!.permissions, {files: {write: [{config: 'log_path'}]}})
  const index = readHubIndex(file)
  assert.equal(index.packages['crowd/notification-slack']!['1.0.0']!.permissions, SLACK_ASKS)
  assert.equal(index.packages['crowd/notification-slack']!['1.0.0']!.serves, ['slack'])
  v.permissions = {net: ['hooks.slack.com']}
  assert.throws(() => parseHubIndex(JSON.stringify(raw), file), (e: unknown) => e instanceof CrowdError && e.file === file && e.reason === 'hub index: crowd/notification-slack@1.0.0: [permissions] net: unknown permission (network, commands, files, secrets)')
  v.permissions = {}
  v.serves = ['Slack!']
  assert.throws(() => parseHubIndex(JSON.stringify(raw), file), (e: unknown) => e instanceof CrowdError && e.reason === 'hub index: crowd/notification-slack@1.0.0: bad serves')
})

test('install without --yes and nobody to ask: refused, listing what is asked; nothing changes', async () => {
  const data = tempDir('data')
  const e = await refusal(hubInstall({dataDir: data, sources: [makeDirectoryHub([SLACK_V1])], names: ['crowd/notification-slack']}))
  assert.is(e.code, 'usage')
  assert.is(e.message, [
    'crowd/notification-slack@1.0.0 (notification) asks to:',
    '  - connect to the URL set in its configuration\'s "webhook" (that scheme, host and port)',
    '  - read the secret "webhook" from its configuration',
    'nothing was installed: re-run with --yes to grant these permissions (or in a terminal, to be asked)',
  ].join('\n'))
  assert.equal(snapshotTree(data), {})
})

test('install --yes grants and records; the state keeps the manifest format', async () => {
  const data = tempDir('data')
  const r = await hubInstall({dataDir: data, sources: [makeDirectoryHub([SLACK_V1])], names: ['crowd/notification-slack'], yes: true})
  assert.ok(r.applied)
  assert.equal(r.steps[0]!.permissions, {asked: SLACK_ASKS, added: SLACK_ASKS, grantedBy: 'yes'})
  assert.equal(installedGrant(data, 'crowd/notification-slack'), SLACK_ASKS)
  assert.is(installedGrant(data, 'crowd/other'), undefined)
  const raw = JSON.parse(fs.readFileSync(path.join(data, 'hub', 'state.json'), 'utf8')) as {items: Record<string, {granted?: unknown}>}
  assert.equal(raw.items['crowd/notification-slack']!.granted, {network: [{config: 'webhook'}], secrets: ['webhook']})
  assert.match(renderPlan(r), /\n {4}permissions granted with --yes:\n {6}connect to the URL set in its configuration's "webhook"/)
})

test('a package asking nothing installs without --yes (granted nothing)', async () => {
  const data = tempDir('data')
  const r = await hubInstall({dataDir: data, sources: [makeDirectoryHub([LOGGER])], names: ['crowd/notification-log']})
  assert.equal(grants(r), ['install crowd/notification-log@1.0.0: not-needed'])
  assert.equal(installedGrant(data, 'crowd/notification-log'), perms({}))
  // parsers and the like carry no permissions at all
  const p = await hubInstall({dataDir: data, sources: [makeDirectoryHub([{name: 'crowd/x-logs', version: '1.0.0'}])], names: ['crowd/x-logs']})
  assert.is(p.steps[0]!.permissions, undefined)
  assert.is(readState(path.join(data, 'hub')).items['crowd/x-logs']!.granted, undefined)
})

test('reinstall, and upgrades asking the same or less: covered by the earlier grant, no --yes needed', async () => {
  const data = tempDir('data')
  await hubInstall({dataDir: data, sources: [makeDirectoryHub([SLACK_V1])], names: ['crowd/notification-slack'], yes: true})
  const again = await hubInstall({dataDir: data, sources: [makeDirectoryHub([SLACK_V1])], names: ['crowd/notification-slack'], force: true})
  assert.equal(grants(again), ['reinstall crowd/notification-slack@1.0.0: earlier'])
  const up = await hubUpgrade({dataDir: data, sources: [makeDirectoryHub([SLACK_V1, SLACK_V2_SAME])], names: []})
  assert.equal(grants(up), ['upgrade crowd/notification-slack@1.1.0: earlier'])
  assert.match(renderPlan(up), 'permissions: covered by the earlier grant')
  assert.equal(installedGrant(data, 'crowd/notification-slack'), SLACK_ASKS)
  // fewer: no question either; the earlier grant stays recorded
  const fewer = await hubUpgrade({dataDir: data, sources: [makeDirectoryHub([{...SLACK_V1, version: '1.2.0', permissions: ['secrets = ["webhook"]']}])], names: []})
  assert.equal(grants(fewer), ['upgrade crowd/notification-slack@1.2.0: earlier'])
  assert.equal(installedGrant(data, 'crowd/notification-slack'), SLACK_ASKS)
  assert.ok(installedPlugins(data, 'notification')[0]!.covered)
})

test('an upgrade asking more: refused without --yes, showing only what it adds; --dry-run shows it; --yes grants', async () => {
  const data = tempDir('data')
  await hubInstall({dataDir: data, sources: [makeDirectoryHub([SLACK_V1])], names: ['crowd/notification-slack'], yes: true})
  const src = makeDirectoryHub([SLACK_V1, SLACK_V2_MORE])
  const before = snapshotTree(data)
  const e = await refusal(hubUpgrade({dataDir: data, sources: [src], names: ['crowd/notification-slack']}))
  assert.is(e.message, [
    'crowd/notification-slack@2.0.0 (notification, upgrade from 1.0.0) asks, beyond what was granted before, to:',
    '  - connect to slack.com over https (port 443)',
    '  - read the secret "token" from its configuration',
    'nothing was installed: re-run with --yes to grant these permissions (or in a terminal, to be asked)',
  ].join('\n'))
  assert.equal(snapshotTree(data), before)

  const dry = await hubUpgrade({dataDir: data, sources: [src], names: [], dryRun: true})
  assert.equal(grants(dry), ['upgrade crowd/notification-slack@2.0.0: ask'])
  assert.equal(dry.steps[0]!.permissions!.added, perms({network: ['slack.com'], secrets: ['token']}))
  assert.is(renderPlan(dry), [
    'plan (dry run, nothing changed):',
    `  upgrade   notification crowd/notification-slack@2.0.0 (from 1.0.0) (dependency) from ${src}`,
    '    new permissions (beyond the earlier grant) it would ask (grant with --yes):',
    '      connect to slack.com over https (port 443)',
    '      read the secret "token" from its configuration',
  ].join('\n'))
  assert.equal(snapshotTree(data), before)

  const up = await hubUpgrade({dataDir: data, sources: [src], names: [], yes: true})
  assert.equal(grants(up), ['upgrade crowd/notification-slack@2.0.0: yes'])
  assert.equal(installedGrant(data, 'crowd/notification-slack'), perms({network: [{config: 'webhook'}, 'slack.com'], secrets: ['webhook', 'token']}))
})

test('the prompt: asked with the steps needing a grant; yes grants (recorded as "prompt"), no refuses', async () => {
  const data = tempDir('data')
  const src = makeDirectoryHub([SLACK_V1, FILE_PLUGIN, LOGGER])
  const asked: PlanStep[][] = []
  const confirm = (answer: boolean): MutateOptions['confirm'] => async (steps) => {
    asked.push(steps)
    return answer
  }
  const e = await refusal(hubInstall({dataDir: data, sources: [src], names: ['crowd/notification-slack'], confirm: confirm(false)}))
  assert.is(e.message, 'the permissions were not granted: nothing was installed')
  assert.equal(snapshotTree(data), {})
  const r = await hubInstall({dataDir: data, sources: [src], names: ['crowd/notification-slack', 'crowd/notification-file', 'crowd/notification-log'], confirm: confirm(true)})
  assert.equal(asked.map((steps) => steps.map((s) => s.name)), [['crowd/notification-slack'], ['crowd/notification-file', 'crowd/notification-slack']])
  assert.equal(grants(r).sort(), ['install crowd/notification-file@1.0.0: prompt', 'install crowd/notification-log@1.0.0: not-needed', 'install crowd/notification-slack@1.0.0: prompt'])
  // --yes: nobody is asked
  asked.length = 0
  await hubInstall({dataDir: data, sources: [src], names: ['crowd/notification-slack'], force: true, yes: true, confirm: confirm(false)})
  assert.equal(asked, [])
})

test('dependencies pulled in by a collection ask too', async () => {
  const data = tempDir('data')
  const src = makeDirectoryHub([SLACK_V1, FILE_PLUGIN, ALERTS])
  const e = await refusal(hubInstall({dataDir: data, sources: [src], names: ['crowd/alerting']}))
  assert.match(e.message, 'crowd/notification-file@1.0.0 (notification, a dependency) asks to:\n  - write the file set in its configuration\'s "log_path" (files under it when it ends in /)\n')
  assert.match(e.message, 'crowd/notification-slack@1.0.0 (notification, a dependency) asks to:\n')
  const r = await hubInstall({dataDir: data, sources: [src], names: ['crowd/alerting'], yes: true})
  assert.equal(grants(r).sort(), ['install crowd/alerting@1.0.0: -', 'install crowd/notification-file@1.0.0: yes', 'install crowd/notification-slack@1.0.0: yes'])
})

test('--json: each step says what is asked, what is new and how it is granted', async () => {
  const data = tempDir('data')
  const r = await hubInstall({dataDir: data, sources: [makeDirectoryHub([SLACK_V1])], names: ['crowd/notification-slack'], dryRun: true})
  const json = JSON.parse(JSON.stringify(r)) as PlanResult
  const {source: _source, ...step} = json.steps[0]!
  assert.equal(step, {
    action: 'install',
    name: 'crowd/notification-slack',
    type: 'notification',
    version: '1.0.0',
    explicit: true,
    permissions: {
      asked: {network: [], networkFromConfig: ['webhook'], commands: [], files: {write: [], writeFromConfig: []}, secrets: ['webhook'], commandsFromConfig: []},
      added: {network: [], networkFromConfig: ['webhook'], commands: [], files: {write: [], writeFromConfig: []}, secrets: ['webhook'], commandsFromConfig: []},
      grantedBy: 'ask',
    },
  })
})

test('a package whose manifest asks more than its index entry lists is refused after fetching', async () => {
  const data = tempDir('data')
  const src = makeDirectoryHub([SLACK_V1])
  const indexFile = path.join(src, 'hub-index.json')
  const index = JSON.parse(fs.readFileSync(indexFile, 'utf8')) as {packages: Record<string, {versions: Record<string, {permissions?: unknown}>}>}
  index.packages['crowd/notification-slack']!.versions['1.0.0']!.permissions = {secrets: ['webhook']}
  fs.writeFileSync(indexFile, JSON.stringify(index))
  const e = await refusal(hubInstall({dataDir: data, sources: [src], names: ['crowd/notification-slack'], yes: true}))
  assert.is(e.code, 'hub')
  assert.is(e.message, 'crowd/notification-slack@1.0.0: its crowd-package.toml asks for permissions its index entry does not list (connect to the URL set in its configuration\'s "webhook" (that scheme, host and port)); refusing to install')
  assert.not.ok(fs.existsSync(path.join(data, 'hub', 'state.json')))
})

test('installedPlugins: code, serves, permissions and grant; a tampered manifest is no longer covered', async () => {
  const data = tempDir('data')
  await hubInstall({dataDir: data, sources: [makeDirectoryHub([SLACK_V1, LOGGER])], names: ['crowd/notification-slack', 'crowd/notification-log'], yes: true})
  const plugins = installedPlugins(data, 'notification')
  assert.equal(plugins.map((p) => p.name), ['crowd/notification-log', 'crowd/notification-slack'])
  const slack = plugins[1]!
  const dir = path.join(data, 'hub', 'notifications', 'crowd', 'notification-slack')
  assert.equal({...slack, code: undefined}, {
    name: 'crowd/notification-slack',
    type: 'notification',
    version: '1.0.0',
    dir,
    manifestFile: path.join(dir, 'crowd-package.toml'),
    main: path.join(dir, 'index.js'),
    code: undefined,
    serves: ['slack'],
    permissions: SLACK_ASKS,
    granted: SLACK_ASKS,
    covered: true,
    tainted: false,
  })
  assert.match(slack.code, 'module.exports = {async notify()')
  assert.equal(installedPlugins(data, 'bouncer'), [])

  fs.appendFileSync(slack.manifestFile, 'commands = ["/bin/sh"]\n')
  const tampered = installedPlugins(data, 'notification')[1]!
  assert.is(tampered.covered, false)
  assert.is(tampered.tainted, true)
  assert.is(grantCovers(readState(path.join(data, 'hub')).items['crowd/notification-slack']!, {permissions: tampered.permissions}), false)
  assert.is(grantCovers({granted: SLACK_ASKS}, {permissions: SLACK_ASKS}), true)
  assert.is(grantCovers({}, {permissions: perms({})}), false)
})

test('pluginServing: the one package serving a type; none or two is a config error listing what is installed', async () => {
  const data = tempDir('data')
  const none = (() => {
    try {
      pluginServing(data, 'slack', '/etc/crowd/notifications/slack.yaml')
    } catch (error) {
      return error as CrowdError
    }
  })()
  assert.is(none?.code, 'config')
  assert.is(none?.message, 'no installed notification package serves type "slack" (no notification package is installed); install one with crowd hub install (/etc/crowd/notifications/slack.yaml)')

  await hubInstall({dataDir: data, sources: [makeDirectoryHub([SLACK_V1, LOGGER, {...LOGGER, name: 'acme/slack-too', serves: ['slack', 'mattermost']}])], names: ['crowd/notification-slack', 'crowd/notification-log'], yes: true})
  assert.is(pluginServing(data, 'slack').name, 'crowd/notification-slack')
  assert.is(pluginServing(data, 'log').name, 'crowd/notification-log')
  assert.throws(() => pluginServing(data, 'http'), (e: unknown) => e instanceof CrowdError && e.code === 'config' && e.message === 'no installed notification package serves type "http" (installed: crowd/notification-log (serves log); crowd/notification-slack (serves slack)); install one with crowd hub install')

  await hubInstall({dataDir: data, sources: [makeDirectoryHub([SLACK_V1, {...LOGGER, name: 'acme/slack-too', serves: ['slack', 'mattermost']}])], names: ['acme/slack-too']})
  assert.throws(() => pluginServing(data, 'slack'), (e: unknown) => e instanceof CrowdError && e.code === 'config' && e.message === 'notification type "slack" is served by several installed packages: acme/slack-too, crowd/notification-slack; remove all but one (crowd hub remove NAME)')
  assert.is(pluginServing(data, 'mattermost').name, 'acme/slack-too')
})

test('a state written before grants were recorded loads; its plugins are not covered until reinstalled', async () => {
  const data = tempDir('data')
  await hubInstall({dataDir: data, sources: [makeDirectoryHub([SLACK_V1])], names: ['crowd/notification-slack'], yes: true})
  const file = path.join(data, 'hub', 'state.json')
  const raw = JSON.parse(fs.readFileSync(file, 'utf8')) as {items: Record<string, {granted?: unknown}>}
  delete raw.items['crowd/notification-slack']!.granted
  fs.writeFileSync(file, JSON.stringify(raw, null, 2))
  assert.is(readState(path.join(data, 'hub')).items['crowd/notification-slack']!.granted, undefined)
  assert.is(installedPlugins(data, 'notification')[0]!.covered, false)
  const again = await hubInstall({dataDir: data, sources: [makeDirectoryHub([SLACK_V1])], names: ['crowd/notification-slack'], force: true, yes: true})
  assert.equal(grants(again), ['reinstall crowd/notification-slack@1.0.0: yes'])
  assert.is(installedPlugins(data, 'notification')[0]!.covered, true)
  // a malformed grant is an error naming the state file
  raw.items['crowd/notification-slack']!.granted = {net: ['x']}
  fs.writeFileSync(file, JSON.stringify(raw, null, 2))
  assert.throws(() => readState(path.join(data, 'hub')), (e: unknown) => e instanceof CrowdError && e.file === file && /the grant of crowd\/notification-slack: \[permissions\] net: unknown permission/.test(e.message))
})

test('inspect: main, serves and permissions of each version, and the grant once installed', async () => {
  const data = tempDir('data')
  const src = makeDirectoryHub([SLACK_V1])
  const before = await hubInspect({dataDir: data, sources: [src], name: 'crowd/notification-slack'})
  assert.equal({main: before.available[0]!.main, serves: before.available[0]!.serves, permissions: before.available[0]!.permissions}, {main: 'index.js', serves: ['slack'], permissions: SLACK_ASKS})
  await hubInstall({dataDir: data, sources: [src], names: ['crowd/notification-slack'], yes: true})
  const after = await hubInspect({dataDir: data, sources: [src], name: 'crowd/notification-slack'})
  assert.equal(after.installed?.granted, SLACK_ASKS)
  const text = renderInspect(after)
  assert.match(text, '  granted:\n    connect to the URL set in its configuration\'s "webhook" (that scheme, host and port)\n    read the secret "webhook" from its configuration\n')
  assert.match(text, '\n  main: index.js\n  serves notification types: slack\n  permissions:\n    connect to the URL set')
})

function streams(input: string): {input: PassThrough; output: PassThrough; written: () => string} {
  const i = new PassThrough()
  const o = new PassThrough()
  let text = ''
  o.on('data', (c: Buffer) => (text += c.toString('utf8')))
  i.end(input)
  return {input: i, output: o, written: () => text}
}

test('promptGrant: shows what is asked and the question on its output; only y/yes grants', async () => {
  const data = tempDir('data')
  const dry = await hubInstall({dataDir: data, sources: [makeDirectoryHub([SLACK_V1])], names: ['crowd/notification-slack'], dryRun: true})
  const steps = dry.steps
  for (const [answer, granted] of [['y\n', true], ['YES\n', true], [' yes \n', true], ['\n', false], ['n\n', false], ['yep\n', false], ['', false]] as const) {
    const s = streams(answer)
    assert.is(await promptGrant(steps, s), granted, JSON.stringify(answer))
    assert.ok(s.written().startsWith('crowd/notification-slack@1.0.0 (notification) asks to:\n  - connect to the URL set in its configuration\'s "webhook" (that scheme, host and port)\n  - read the secret "webhook" from its configuration\n' + GRANT_QUESTION), s.written())
  }
  assert.is(canPrompt({isTTY: true}, {isTTY: true}), true)
  assert.is(canPrompt({isTTY: true}, {isTTY: false}), false)
  assert.is(canPrompt({}, {isTTY: true}), false)
})

test.run()
