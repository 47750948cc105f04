import * as fs from 'node:fs'
import * as path from 'node:path'
import {test} from 'uvu'
import * as assert from 'uvu/assert'
import {readHubIndex} from '../../src/hub/hub-index.js'
import {sha256} from '../../src/hub/integrity.js'
import {packPlugins} from '../../src/hub/pack.js'
import {readTarball, writeTarball} from '../../src/hub/tarball.js'
import {tempDir, writePackage} from './fixtures/make-hub.js'

test('tarball: round trip, sorted entries, same bytes twice', () => {
  const files = new Map([
    ['b.yaml', Buffer.from('b')],
    ['a/' + 'long-directory/'.repeat(8) + 'name.txt', Buffer.from('long name')],
    ['crowd-package.toml', Buffer.from('name = "a/b"\n')],
  ])
  const one = writeTarball(files)
  const two = writeTarball(new Map([...files].reverse()))
  assert.ok(one.equals(two))
  const back = readTarball(one, 't')
  assert.equal([...back.keys()], [...files.keys()].sort())
  assert.equal(back.get('b.yaml')!.toString(), 'b')
})

test('tarball: corrupt bytes are an error, not a partial read', () => {
  const tgz = writeTarball(new Map([['a.yaml', Buffer.from('a')]]))
  const bad = Buffer.from(tgz)
  bad[20] ^= 0xff
  assert.throws(() => readTarball(bad, 'bad.tgz'), /bad\.tgz/)
})

test('pack: reproducible tarballs and index; second run changes nothing', () => {
  const root = tempDir('pack')
  const plugins = path.join(root, 'plugins')
  writePackage(plugins, {name: 'crowd/b-logs', version: '1.0.0', deps: {'crowd/a-logs': '^1.0.0'}, data: {'words.txt': 'x\ny\n'}})
  writePackage(plugins, {name: 'crowd/a-logs', version: '1.2.0', stage: 's00-raw'})
  const opts = {pluginsDir: plugins, outDir: path.join(root, 'dist'), indexFile: path.join(root, 'hub-index.json')}
  const first = packPlugins(opts)
  assert.equal(first.packages.map((p) => `${p.name}@${p.version}`), ['crowd/a-logs@1.2.0', 'crowd/b-logs@1.0.0'])
  const text = fs.readFileSync(opts.indexFile, 'utf8')
  const tgz = fs.readFileSync(path.join(root, 'dist/crowd/b-logs/b-logs-1.0.0.tgz'))
  const index = readHubIndex(opts.indexFile)
  const b = index.packages['crowd/b-logs']['1.0.0']
  assert.is(b.sha256, sha256(tgz))
  assert.is(b.size, tgz.length)
  assert.is(b.tarball, 'dist/crowd/b-logs/b-logs-1.0.0.tgz')
  assert.equal({...b.dependencies}, {'crowd/a-logs': '^1.0.0'})
  assert.equal(b.dataFiles, ['words.txt'])
  // pack again from a fresh output dir: same bytes
  fs.rmSync(path.join(root, 'dist'), {recursive: true})
  fs.rmSync(opts.indexFile)
  const second = packPlugins(opts)
  assert.ok(second.packages.every((p) => p.changed))
  assert.is(fs.readFileSync(opts.indexFile, 'utf8'), text)
  assert.ok(fs.readFileSync(path.join(root, 'dist/crowd/b-logs/b-logs-1.0.0.tgz')).equals(tgz))
  const third = packPlugins({...opts, check: true})
  assert.ok(third.upToDate)
})

test('pack: old versions stay listed while their tarball exists; check mode notices changes', () => {
  const root = tempDir('pack2')
  const plugins = path.join(root, 'plugins')
  writePackage(plugins, {name: 'crowd/a-logs', version: '1.0.0'})
  const opts = {pluginsDir: plugins, outDir: path.join(root, 'dist'), indexFile: path.join(root, 'hub-index.json')}
  packPlugins(opts)
  writePackage(plugins, {name: 'crowd/a-logs', version: '1.1.0'})
  const check = packPlugins({...opts, check: true})
  assert.not.ok(check.upToDate)
  const result = packPlugins(opts)
  assert.equal(result.kept, ['crowd/a-logs@1.0.0'])
  assert.equal(Object.keys(readHubIndex(opts.indexFile).packages['crowd/a-logs']).sort(), ['1.0.0', '1.1.0'])
})

test('pack: content changed without a version bump is a warning', () => {
  const root = tempDir('pack3')
  const plugins = path.join(root, 'plugins')
  writePackage(plugins, {name: 'crowd/a-logs', version: '1.0.0'})
  const opts = {pluginsDir: plugins, outDir: path.join(root, 'dist'), indexFile: path.join(root, 'hub-index.json')}
  packPlugins(opts)
  writePackage(plugins, {name: 'crowd/a-logs', version: '1.0.0', body: 'changed: true\n'})
  const result = packPlugins(opts)
  assert.equal(result.warnings, ['crowd/a-logs@1.0.0: content changed without a version bump'])
})

test.run()
