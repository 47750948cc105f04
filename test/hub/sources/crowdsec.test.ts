import * as fs from 'node:fs'
import * as path from 'node:path'
import {test} from 'uvu'
import * as assert from 'uvu/assert'
import {installedContent} from '../../../src/hub/installed.js'
import {hubInstall, hubRemove} from '../../../src/hub/operations.js'
import {CrowdsecSource} from '../../../src/hub/sources/crowdsec.js'
import {readState} from '../../../src/hub/state.js'
import {SHARED} from '../../helpers/run-cli.js'
import {tempDir} from '../fixtures/make-hub.js'

const HUB = path.join(SHARED, 'crowdsec-hub')

test('crowdsec: install crowdsecurity/nginx -> its parsers, scenarios and data files land', async () => {
  const data = tempDir('cs')
  const result = await hubInstall({dataDir: data, sources: [HUB], names: ['crowdsecurity/nginx']})
  const names = result.steps.map((s) => s.name)
  for (const want of ['crowdsecurity/nginx', 'crowdsecurity/nginx-logs', 'crowdsecurity/base-http-scenarios', 'crowdsecurity/http-logs', 'crowdsecurity/http-sensitive-files', 'crowdsecurity/http-cve', 'crowdsecurity/http_base']) {
    assert.ok(names.includes(want), `plan has ${want}`)
  }
  const hub = path.join(data, 'hub')
  const content = installedContent(data)
  assert.ok(content.parsers.includes(path.join(hub, 'parsers/s01-parse/crowdsecurity/nginx-logs.yaml')))
  assert.ok(content.parsers.includes(path.join(hub, 'parsers/s02-enrich/crowdsecurity/http-logs.yaml')))
  assert.ok(content.scenarios.includes(path.join(hub, 'scenarios/crowdsecurity/http-sensitive-files.yaml')))
  assert.ok(content.contexts.includes(path.join(hub, 'contexts/crowdsecurity/http_base.yaml')))
  // files are the hub's, byte for byte
  assert.ok(fs.readFileSync(path.join(hub, 'parsers/s01-parse/crowdsecurity/nginx-logs.yaml')).equals(fs.readFileSync(path.join(HUB, 'parsers/s01-parse/crowdsecurity/nginx-logs.yaml'))))
  for (const dataFile of ['sensitive_data.txt', 'backdoors.txt', 'bad_user_agents.regex.txt', 'http_path_traversal.txt']) {
    assert.ok(fs.readFileSync(path.join(content.dataDir, dataFile)).equals(fs.readFileSync(path.join(HUB, 'data', dataFile))), dataFile)
  }
  const state = readState(hub)
  assert.is(state.items['crowdsecurity/nginx'].version, '0.3.0')
  assert.is(state.items['crowdsecurity/nginx'].source, path.resolve(HUB))
  assert.equal(Object.keys(state.items['crowdsecurity/nginx'].dependencies).sort(), ['crowdsecurity/base-http-scenarios', 'crowdsecurity/nginx-logs', 'crowdsecurity/nginx-req-limit-exceeded'])
  // and removing the collection takes everything it brought
  await hubRemove({dataDir: data, names: ['crowdsecurity/nginx']})
  assert.equal(installedContent(data).items, [])
})

test('crowdsec: names used by several types are qualified', async () => {
  const index = await new CrowdsecSource(HUB).loadIndex()
  assert.is(index.packages['crowdsecurity/modsecurity']['0.1.0']?.type ?? Object.values(index.packages['crowdsecurity/modsecurity'])[0].type, 'collection')
  assert.is(Object.values(index.packages['parser:crowdsecurity/modsecurity'])[0].type, 'parser')
  assert.is(Object.values(index.packages['scenario:crowdsecurity/modsecurity'])[0].type, 'scenario')
  assert.ok(index.skipped.some((s) => s.includes('appsec-rules items (not supported by crowd)')))
})

test('crowdsec: digest mismatch is refused', async () => {
  const copy = tempDir('cs-copy')
  fs.mkdirSync(path.join(copy, 'parsers/s01-parse/crowdsecurity'), {recursive: true})
  const index = JSON.parse(fs.readFileSync(path.join(HUB, '.index.json'), 'utf8'))
  const item = index.parsers['crowdsecurity/nginx-logs']
  fs.writeFileSync(path.join(copy, '.index.json'), JSON.stringify({parsers: {'crowdsecurity/nginx-logs': item}}))
  fs.writeFileSync(path.join(copy, item.path), 'tampered: true\n')
  const data = tempDir('cs')
  try {
    await hubInstall({dataDir: data, sources: [copy], names: ['crowdsecurity/nginx-logs']})
    assert.unreachable()
  } catch (error) {
    assert.match((error as Error).message, /^crowdsecurity\/nginx-logs@2\.0\.0: sha256 mismatch/)
  }
  assert.not.ok(fs.existsSync(path.join(data, 'hub')))
})

test('crowdsec: without .index.json the folders are walked', async () => {
  const copy = tempDir('cs-walk')
  const put = (rel: string): void => {
    fs.mkdirSync(path.dirname(path.join(copy, rel)), {recursive: true})
    fs.copyFileSync(path.join(HUB, rel), path.join(copy, rel))
  }
  put('collections/crowdsecurity/sshd.yaml')
  put('parsers/s01-parse/crowdsecurity/sshd-logs.yaml')
  put('scenarios/crowdsecurity/ssh-bf.yaml')
  put('scenarios/crowdsecurity/ssh-slow-bf.yaml')
  const index = await new CrowdsecSource(copy).loadIndex()
  assert.equal(Object.keys(index.packages).sort(), ['crowdsecurity/ssh-bf', 'crowdsecurity/ssh-slow-bf', 'crowdsecurity/sshd', 'crowdsecurity/sshd-logs'])
  assert.ok(index.skipped.length > 0, 'items the collection lists but the copy lacks are reported')
  const data = tempDir('cs')
  await hubInstall({dataDir: data, sources: [copy], names: ['crowdsecurity/sshd']})
  assert.equal(installedContent(data).items.map((i) => i.name), ['crowdsecurity/ssh-bf', 'crowdsecurity/ssh-slow-bf', 'crowdsecurity/sshd', 'crowdsecurity/sshd-logs'])
})

test.run()
