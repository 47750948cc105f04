/**
 * `crowd hub install / upgrade / inspect` of plugin packages through the built binary, for what
 * only the process shows: off a terminal a package asking for permissions is refused (exit 2,
 * the list on stderr, stdout untouched) unless --yes; --json (golden) carries each step's
 * permissions and how they were granted. The grant logic itself is tested in process:
 * test/hub/grants.test.ts.
 */
import * as fs from 'node:fs'
import * as os from 'node:os'
import * as path from 'node:path'
import {test} from 'uvu'
import * as assert from 'uvu/assert'
import {assertGolden} from '../helpers/golden.js'
import {freshMachineEnv, runCli, type CliResult} from '../helpers/run-cli.js'
import {makeDirectoryHub, type FixturePackage} from '../hub/fixtures/make-hub.js'

const home = fs.mkdtempSync(path.join(os.tmpdir(), 'crowd-hub-cli-'))
test.after(() => fs.rmSync(home, {recursive: true, force: true}))
const env = freshMachineEnv(home)

const SLACK: FixturePackage = {name: 'crowd/notification-slack', type: 'notification', version: '1.0.0', serves: ['slack'], permissions: ['network = [{config = "webhook"}]', 'secrets = ["webhook"]']}
const SLACK_MORE: FixturePackage = {...SLACK, version: '2.0.0', permissions: ['network = [{config = "webhook"}, "slack.com"]', 'secrets = ["webhook", "token"]']}
const v1 = makeDirectoryHub([SLACK], path.join(home, 'src-v1'))
const v2 = makeDirectoryHub([SLACK, SLACK_MORE], path.join(home, 'src-v2'))

const hub = (args: string[]): CliResult => runCli(['hub', ...args], {env, input: ''})

/** Output stable across machines and Node versions: temporary paths and tarball digests masked. */
function stable(text: string): string {
  return text
    .replaceAll(home, '<HOME>')
    .replace(/"sha256": "[0-9a-f]{64}"/g, '"sha256": "<sha256>"')
    .replace(/"size": [0-9]+/g, '"size": 0')
}

test('off a terminal, without --yes: refused with exit 2, what is asked on stderr, nothing installed', () => {
  const r = hub(['install', 'crowd/notification-slack', '--source', v1])
  assert.is(r.status, 2, r.stderr)
  assert.is(r.stdout, '')
  assert.is(r.stderr, [
    'Error: crowd/notification-slack@1.0.0 (notification) asks to:',
    '  - connect to the URL set in its configuration\'s "webhook" (that scheme, host and port)',
    '  - read the secret "webhook" from its configuration',
    'nothing was installed: re-run with --yes to grant these permissions (or in a terminal, to be asked)',
    '',
  ].join('\n'))
  assert.not.ok(fs.existsSync(path.join(home, 'data', 'crowd', 'hub')))
  const json = hub(['install', 'crowd/notification-slack', '--source', v1, '--json'])
  assert.is(json.status, 2)
  const error = (JSON.parse(json.stdout) as {error: {exitCode: number; errors: {code: string; message: string}[]}}).error
  assert.is(error.exitCode, 2)
  assert.is(error.errors[0]!.code, 'usage')
  assert.match(error.errors[0]!.message, 're-run with --yes')
})

test('--dry-run --json shows what would be asked; --yes --json grants (goldens)', () => {
  const dry = hub(['install', 'crowd/notification-slack', '--source', v1, '--dry-run', '--json'])
  assert.is(dry.status, 0, dry.stderr)
  assertGolden('hub-install-plugin-dry-run.json', stable(dry.stdout))
  assert.not.ok(fs.existsSync(path.join(home, 'data', 'crowd', 'hub')))
  const r = hub(['install', 'crowd/notification-slack', '--source', v1, '--yes', '--json'])
  assert.is(r.status, 0, r.stderr)
  assertGolden('hub-install-plugin.json', stable(r.stdout))
  const inspect = hub(['inspect', 'crowd/notification-slack', '--source', v1, '--json'])
  assert.is(inspect.status, 0, inspect.stderr)
  assertGolden('hub-inspect-plugin.json', stable(inspect.stdout))
})

test('an upgrade asking more: refused showing only what it adds; -y grants', () => {
  const r = hub(['upgrade', '--source', v2])
  assert.is(r.status, 2, r.stderr)
  assert.is(r.stderr, [
    'Error: crowd/notification-slack@2.0.0 (notification, upgrade from 1.0.0) asks, beyond what was granted before, to:',
    '  - connect to slack.com over https (port 443)',
    '  - read the secret "token" from its configuration',
    'nothing was installed: re-run with --yes to grant these permissions (or in a terminal, to be asked)',
    '',
  ].join('\n'))
  const ok = hub(['upgrade', '--source', v2, '-y'])
  assert.is(ok.status, 0, ok.stderr)
  assert.match(ok.stdout, '  new permissions (beyond the earlier grant) granted with --yes:\n      connect to slack.com over https (port 443)\n')
  const again = hub(['install', 'crowd/notification-slack', '--source', v2, '--force'])
  assert.is(again.status, 0, again.stderr)
  assert.match(again.stdout, 'permissions: covered by the earlier grant')
})

test.run()
