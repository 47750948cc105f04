import * as path from 'node:path'
import {test} from 'uvu'
import * as assert from 'uvu/assert'
import {SHARED} from '../helpers/run-cli.js'
import {installTest, openHub, overridesNodeText} from '../../src/hubtest/install.js'
import {readHubTestConfig} from '../../src/hubtest/layout.js'
import {loadParserFiles} from '../../src/parse/load.js'

const HUB = path.join(SHARED, 'crowdsec-hub')
const TESTS = path.join(SHARED, 'hubtests')

test('sshd-logs: a hub name and a hub-relative path, sorted by stage then file name', () => {
  const dir = path.join(TESTS, 'sshd-logs')
  const config = readHubTestConfig(dir)
  assert.equal(config.parsers, ['crowdsecurity/syslog-logs', './parsers/s01-parse/crowdsecurity/sshd-logs.yaml'])
  assert.is(config.log_type, 'syslog')
  assert.is(config.ignore_parsers, false)
  const installed = installTest(openHub(HUB), config, dir)
  assert.equal(installed.parsers.map((p) => p.sortKey).sort(), ['s00-raw/syslog-logs.yaml', 's01-parse/sshd-logs.yaml'])
  assert.equal(installed.scenarios, [])
})

test('an unknown item is an error naming it', () => {
  const config = readHubTestConfig(path.join(TESTS, 'sshd-logs'))
  config.parsers.push('nobody/nothing')
  assert.throws(() => installTest(openHub(HUB), config, path.join(TESTS, 'sshd-logs')), /nobody\/nothing/)
})

test('override_statics become the node "overrides" with string values kept as text', () => {
  const text = overridesNodeText([{target: 'evt.Line.Module', value: 'wineventlog'}, {meta: 'n', value: '200'}])
  const loaded = loadParserFiles([{path: '00_overrides.yaml', stage: 's00-raw', text}])
  const node = loaded.nodes[0]!.config
  assert.is(node.name, 'overrides')
  assert.is(node.filter, '1==1')
  assert.equal(node.statics.map((s) => [s.target || s.meta, s.value]), [['evt.Line.Module', 'wineventlog'], ['n', '200']])
})

test.run()
