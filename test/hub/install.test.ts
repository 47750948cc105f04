import {spawnSync} from 'node:child_process'
import * as fs from 'node:fs'
import * as path from 'node:path'
import {fileURLToPath} from 'node:url'
import {test} from 'uvu'
import * as assert from 'uvu/assert'
import {hubPaths, HubTransaction} from '../../src/hub/install.js'
import {installedContent} from '../../src/hub/installed.js'
import {hubInstall} from '../../src/hub/operations.js'
import {readState} from '../../src/hub/state.js'
import {makeDirectoryHub, snapshotTree, tempDir} from './fixtures/make-hub.js'

const HERE = path.dirname(fileURLToPath(import.meta.url))

function hubV1(): string {
  return makeDirectoryHub([
    {name: 'crowd/syslog-logs', version: '1.0.0', stage: 's00-raw'},
    {name: 'crowd/sshd-logs', version: '1.0.0', deps: {'crowd/syslog-logs': '^1.0.0'}, data: {'bad_users.txt': 'root\nadmin\n'}},
    {name: 'crowd/ssh-bf', type: 'scenario', version: '1.0.0', deps: {'crowd/sshd-logs': '^1.0.0'}},
    {name: 'crowd/sshd', type: 'collection', version: '1.0.0', deps: {'crowd/sshd-logs': '^1.0.0', 'crowd/ssh-bf': '^1.0.0'}},
  ])
}

test('install: a collection brings its dependencies, files land CrowdSec-like', async () => {
  const data = tempDir('data')
  const result = await hubInstall({dataDir: data, sources: [hubV1()], names: ['crowd/sshd']})
  assert.ok(result.applied)
  assert.equal(result.steps.map((s) => `${s.action} ${s.name}@${s.version}${s.explicit ? '' : ' dep'}`).sort(), [
    'install crowd/ssh-bf@1.0.0 dep',
    'install crowd/sshd-logs@1.0.0 dep',
    'install crowd/sshd@1.0.0',
    'install crowd/syslog-logs@1.0.0 dep',
  ])
  const hub = path.join(data, 'hub')
  const content = installedContent(data)
  assert.equal(content.parsers, [path.join(hub, 'parsers/s00-raw/crowd/syslog-logs.yaml'), path.join(hub, 'parsers/s01-parse/crowd/sshd-logs.yaml')])
  assert.equal(content.scenarios, [path.join(hub, 'scenarios/crowd/ssh-bf.yaml')])
  assert.is(content.dataDir, path.join(hub, 'data'))
  assert.is(fs.readFileSync(path.join(hub, 'data/bad_users.txt'), 'utf8'), 'root\nadmin\n')
  const state = readState(hub)
  assert.is(state.items['crowd/sshd'].explicit, true)
  assert.is(state.items['crowd/sshd-logs'].explicit, false)
  assert.ok(!fs.existsSync(path.join(data, 'hub.staging')) && !fs.existsSync(path.join(data, 'hub.lock')))
})

test('install --dry-run changes nothing', async () => {
  const data = tempDir('data')
  const result = await hubInstall({dataDir: data, sources: [hubV1()], names: ['crowd/ssh-bf'], dryRun: true})
  assert.is(result.applied, false)
  assert.is(result.steps.length, 3)
  assert.match(result.plan.join('\n'), 'install   scenario crowd/ssh-bf@1.0.0 from ')
  assert.equal(snapshotTree(data), {})
})

test('install: sha256 mismatch is refused and nothing changes', async () => {
  const data = tempDir('data')
  const src = hubV1()
  await hubInstall({dataDir: data, sources: [src], names: ['crowd/syslog-logs']})
  const before = snapshotTree(data)
  const tgz = path.join(src, 'dist/crowd/sshd-logs/sshd-logs-1.0.0.tgz')
  const bytes = fs.readFileSync(tgz)
  bytes[bytes.length - 5] ^= 0x01
  fs.writeFileSync(tgz, bytes)
  try {
    await hubInstall({dataDir: data, sources: [src], names: ['crowd/sshd-logs']})
    assert.unreachable('should refuse')
  } catch (error) {
    assert.match((error as Error).message, /^crowd\/sshd-logs@1\.0\.0: sha256 mismatch \(index [0-9a-f]{64}, tarball [0-9a-f]{64}\); refusing to install/)
  }
  assert.equal(snapshotTree(data), before)
})

test('install: a failure while applying leaves the previous state (no half install)', async () => {
  const data = tempDir('data')
  const src = hubV1()
  await hubInstall({dataDir: data, sources: [src], names: ['crowd/syslog-logs']})
  const before = snapshotTree(data)
  try {
    await hubInstall({dataDir: data, sources: [src], names: ['crowd/sshd'], hooks: {afterOldMoved: () => {
      throw new Error('disk full')
    }}})
    assert.unreachable()
  } catch (error) {
    assert.is((error as Error).message, 'disk full')
  }
  assert.equal(snapshotTree(data), before)
})

test('install: a crash mid-commit (SIGKILL) leaves the previous state, and the next command repairs', async () => {
  const data = tempDir('data')
  const src = hubV1()
  await hubInstall({dataDir: data, sources: [src], names: ['crowd/syslog-logs']})
  const before = snapshotTree(path.join(data, 'hub'))
  const child = spawnSync(process.execPath, ['--import', 'tsx', path.join(HERE, 'fixtures/crash-install.ts'), data, src, 'crowd/sshd'], {encoding: 'utf8'})
  assert.is(child.signal, 'SIGKILL', child.stderr)
  const p = hubPaths(data)
  assert.not.ok(fs.existsSync(p.hubDir), 'the crash happened between the two renames')
  // readers see the old state
  assert.equal(installedContent(data).items.map((i) => i.name), ['crowd/syslog-logs'])
  // the next transaction puts it back (the dead process's lock is stale)
  HubTransaction.open(data).abort()
  assert.equal(snapshotTree(p.hubDir), before)
  assert.not.ok(fs.existsSync(p.old) || fs.existsSync(p.staging) || fs.existsSync(p.lock))
  const result = await hubInstall({dataDir: data, sources: [src], names: ['crowd/sshd']})
  assert.is(result.steps.length, 3)
})

test('install: a live lock refuses a second writer', async () => {
  const data = tempDir('data')
  fs.mkdirSync(data, {recursive: true})
  fs.writeFileSync(path.join(data, 'hub.lock'), String(process.ppid))
  try {
    await hubInstall({dataDir: data, sources: [hubV1()], names: ['crowd/syslog-logs']})
    assert.unreachable()
  } catch (error) {
    assert.match((error as Error).message, `another crowd hub command is running (pid ${process.ppid})`)
  }
})

test('install: shared data file is kept until its last user is removed', async () => {
  const data = tempDir('data')
  const src = makeDirectoryHub([
    {name: 'crowd/a', type: 'scenario', version: '1.0.0', data: {'shared.txt': 'same\n'}},
    {name: 'crowd/b', type: 'scenario', version: '1.0.0', data: {'shared.txt': 'same\n'}},
  ])
  await hubInstall({dataDir: data, sources: [src], names: ['crowd/a', 'crowd/b']})
  const {hubRemove} = await import('../../src/hub/operations.js')
  await hubRemove({dataDir: data, names: ['crowd/a']})
  assert.ok(fs.existsSync(path.join(data, 'hub/data/shared.txt')))
  await hubRemove({dataDir: data, names: ['crowd/b']})
  assert.not.ok(fs.existsSync(path.join(data, 'hub/data/shared.txt')))
})

test.run()
