import {test} from 'uvu'
import * as assert from 'uvu/assert'
import {CrowdError, CrowdErrorList} from '../../src/model/errors.js'
import {findKeyLine, parseManifest} from '../../src/hub/manifest.js'

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
  {name: 'permissions on a parser', text: GOOD + '[permissions]\nnet = ["x:1"]\n', messages: ['[permissions] is only for notification and bouncer packages, not a parser (m.toml:12)']},
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

test('manifest: JS plugin permissions', () => {
  const text = GOOD.replace('"parser"', '"notification"').replace('stage = "s01-parse"\n', '') + '[permissions]\nnet = ["hooks.example:443"]\nenv = ["TOKEN"]\n'
  assert.equal(parseManifest(text, 'm.toml').manifest.permissions, {net: ['hooks.example:443'], env: ['TOKEN'], fs: []})
})

test('findKeyLine: table-scoped keys', () => {
  assert.is(findKeyLine(GOOD, 'crowd/syslog-logs', 'dependencies'), 9)
  assert.is(findKeyLine(GOOD, 'version'), 3)
  assert.is(findKeyLine(GOOD, 'missing'), undefined)
})

test.run()
