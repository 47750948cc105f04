/** crowd.toml `[cti]` keys of the central service (`crowd cti serve`): values, defaults, and errors that name the key. */
import * as fs from 'node:fs'
import * as os from 'node:os'
import * as path from 'node:path'
import {test} from 'uvu'
import * as assert from 'uvu/assert'
import {loadConfig} from '../../src/config/config.js'
import {CrowdError, CrowdErrorList} from '../../src/model/errors.js'
import {ctiStoreLocation} from '../../src/store/cti-store.js'
import {consensusParams, loadCanaries} from '../../src/cti/service/service.js'

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'crowd-cti-config-'))
const load = (text: string) => {
  const file = path.join(dir, 'crowd.toml')
  fs.writeFileSync(file, text)
  return loadConfig({configFlag: file, env: {CROWD_HOME: path.join(dir, 'home')}})
}
const messages = (fn: () => unknown): string[] => {
  try {
    fn()
  } catch (error) {
    if (error instanceof CrowdErrorList) return error.errors.map((e) => e.message.replace(/ \([^()]*crowd\.toml\)$/, ''))
    if (error instanceof CrowdError) return [error.message.replace(/ \([^()]*crowd\.toml\)$/, '')]
    throw error
  }
  return []
}

test('defaults: 127.0.0.1:8090, cti.db in the data dir, interval 1m, reporters must earn trust', () => {
  const c = load('')
  assert.equal(c.ctiService, {listen: '127.0.0.1:8090', neverBan: [], trustedProxies: [], consensus: {intervalMs: 60_000, trustNewReporters: false}})
  assert.equal(ctiStoreLocation(c.ctiService.storeUrl, c.dataDir), {engine: 'sqlite', target: path.join(dir, 'home', 'cti.db')})
})

test('[cti] and [cti.consensus]: paths relative to the config file, the agent-side keys beside them', () => {
  const c = load([
    '[cti]', 'hub = "hub"', 'listen = "0.0.0.0:9000"', 'store_url = "postgres://cti:secret@db/cti"', 'never_ban = ["cdn.txt"]',
    'trusted_proxies = ["10.0.0.5"]', 'canaries = "canaries.txt"', 'sharing = false',
    '[cti.consensus]', 'k = 7', 'interval = "30s"', 'trust_new_reporters = true', '',
  ].join('\n'))
  assert.equal(c.ctiService, {
    listen: '0.0.0.0:9000', hub: path.join(dir, 'hub'), storeUrl: 'postgres://cti:secret@db/cti', neverBan: [path.join(dir, 'cdn.txt')],
    trustedProxies: ['10.0.0.5'], canaries: path.join(dir, 'canaries.txt'), consensus: {k: 7, intervalMs: 30_000, trustNewReporters: true},
  })
  assert.is(c.ctiAgent.sharing, false)
  assert.equal(consensusParams(c), {trustNewReporters: true, k: 7})
  assert.equal(ctiStoreLocation(c.ctiService.storeUrl, c.dataDir), {engine: 'postgres', target: 'postgres://cti:secret@db/cti'})
})

test('bad values are errors naming the key', () => {
  assert.equal(messages(() => load('[cti]\nlisten = "nowhere"\n[cti.consensus]\ninterval = "often"\nk = 0\ntypo = 1\n')), [
    'unknown key "cti.consensus.typo"',
    'cti.listen must be HOST:PORT, not "nowhere"',
    'cti.consensus.interval must be a duration such as 1m or 30s, not "often": time: invalid duration "often"',
    'cti.consensus.k must be a positive integer',
  ])
  assert.equal(messages(() => consensusParams(load('[cti.consensus]\nk = 2000\n'))), ['cti.consensus: k must be an integer from 1 to 1000, not 2000'])
  assert.throws(() => ctiStoreLocation('mysql://x', dir), /unsupported cti.store_url/)
})

test('canaries file: IP benign|malicious lines; a bad line is an error with its line number', () => {
  const file = path.join(dir, 'canaries.txt')
  fs.writeFileSync(file, '# the service\'s own\n45.33.66.6 benign\n::ffff:45.33.66.7 malicious  # a probe\n')
  const c = loadCanaries(file)
  assert.equal([[...c.benign], [...c.malicious]], [['45.33.66.6'], ['45.33.66.7']])
  fs.writeFileSync(file, '45.33.66.6 benign\n45.33.66.8 evil\n')
  try {
    loadCanaries(file)
    assert.unreachable()
  } catch (error) {
    assert.instance(error, CrowdError)
    assert.match((error as CrowdError).message, 'must be an IP address, then benign or malicious')
    assert.is((error as CrowdError).line, 2)
  }
})

test.run()
