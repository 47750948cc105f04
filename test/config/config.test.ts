import * as fs from 'node:fs'
import * as os from 'node:os'
import * as path from 'node:path'
import {test} from 'uvu'
import * as assert from 'uvu/assert'
import {loadConfig} from '../../src/config/config.js'
import {chooseConfigFile, chooseDataDir} from '../../src/config/paths.js'
import {CrowdError, CrowdErrorList} from '../../src/model/errors.js'

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'crowd-config-'))
const write = (name: string, text: string): string => {
  const file = path.join(dir, name)
  fs.writeFileSync(file, text)
  return file
}

test('config file: --config wins over $CROWD_CONFIG, which wins over the user dir', () => {
  const env = {CROWD_CONFIG: '/etc/crowd/a.toml', XDG_CONFIG_HOME: '/x'}
  assert.equal(chooseConfigFile('/b.toml', env), {path: '/b.toml', from: 'flag', required: true})
  assert.equal(chooseConfigFile(undefined, env), {path: '/etc/crowd/a.toml', from: 'env', required: true})
  assert.equal(chooseConfigFile(undefined, {XDG_CONFIG_HOME: '/x'}), {path: '/x/crowd/crowd.toml', from: 'default', required: false})
})

test('data dir: $CROWD_HOME, then paths.data_dir relative to the config file, then the user data dir', () => {
  assert.is(chooseDataDir('data', '/etc/crowd/crowd.toml', {CROWD_HOME: '/srv/crowd'}), '/srv/crowd')
  assert.is(chooseDataDir('data', '/etc/crowd/crowd.toml', {}), '/etc/crowd/data')
  assert.is(chooseDataDir(undefined, '/etc/crowd/crowd.toml', {XDG_DATA_HOME: '/d'}), '/d/crowd')
})

test('an absent default config gives the defaults', () => {
  const config = loadConfig({env: {XDG_CONFIG_HOME: dir, XDG_DATA_HOME: dir}})
  assert.is(config.fileExists, false)
  assert.is(config.logLevel, 'warn')
  assert.equal(config.hub.sources, ['embedded'])
})

test('a valid file is read, typed and merged over the defaults', () => {
  const file = write('ok.toml', 'log_level = "debug"\n[acquisition]\nmax_line_bytes = 4096\n[paths]\ndata_dir = "state"\n')
  const config = loadConfig({configFlag: file, env: {}})
  assert.is(config.logLevel, 'debug')
  assert.is(config.acquisition.maxLineBytes, 4096)
  assert.is(config.dataDir, path.join(dir, 'state'))
  assert.is(config.detect.maxBucketsPerScenario, 100_000)
})

test('invalid TOML names the file, line and column', () => {
  const file = write('bad.toml', 'a = 1\n[hub\nb = 2\n')
  try {
    loadConfig({configFlag: file, env: {}})
    assert.unreachable('should throw')
  } catch (error) {
    assert.instance(error, CrowdError)
    const e = error as CrowdError
    assert.is(e.file, file)
    assert.is(e.line, 2)
    assert.is(e.column, 5)
    assert.match(e.message, `(${file}:2:5)`)
  }
})

test('unknown keys and wrong types are all reported at once', () => {
  const file = write('keys.toml', 'log_levle = "debug"\n[acquisition]\nmax_line_bytes = "big"\n')
  try {
    loadConfig({configFlag: file, env: {}})
    assert.unreachable('should throw')
  } catch (error) {
    assert.instance(error, CrowdErrorList)
    const messages = (error as CrowdErrorList).errors.map((e) => e.reason)
    assert.equal(messages, ['unknown key "log_levle"', '"acquisition.max_line_bytes" must be a number'])
  }
})

test('an explicit config file that does not exist is an error', () => {
  assert.throws(() => loadConfig({configFlag: path.join(dir, 'missing.toml'), env: {}}), /cannot read config file: ENOENT/)
})

test.run()
