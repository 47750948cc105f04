/**
 * What the tests of one hub-test run share (src/hubtest/cache.ts): compiled grok patterns and
 * data files are shared, but a test's pattern_syntax and its stash never reach another test.
 */
import * as fs from 'node:fs'
import * as os from 'node:os'
import * as path from 'node:path'
import {test} from 'uvu'
import * as assert from 'uvu/assert'
import {HubTestCache} from '../../src/hubtest/cache.js'
import {GoTime, UTC} from '../../src/model/go-time.js'
import {silentLogger} from '../../src/model/logger.js'

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'crowd-hubtest-cache-'))
fs.mkdirSync(path.join(dir, 'patterns'))
fs.writeFileSync(path.join(dir, 'patterns', 'mine'), 'GREETING (hello|hi)\n')
fs.mkdirSync(path.join(dir, 'data'))
fs.writeFileSync(path.join(dir, 'data', 'words.txt'), 'alpha\nbeta\n')
const patternDirs = [path.join(dir, 'patterns')]
const now = (): GoTime => GoTime.now(UTC)

test('pattern hosts: a compiled pattern is shared when it uses library names only', () => {
  const cache = new HubTestCache()
  const a = cache.patternHost(patternDirs, silentLogger)
  const b = cache.patternHost(patternDirs, silentLogger)
  assert.is.not(a, b, 'one host per parser set')
  const pa = a.compile('%{GREETING:g} %{IP:ip}')
  const pb = b.compile('%{GREETING:g} %{IP:ip}')
  assert.is(pa, pb, 'compiled once')
  assert.equal({...pa.match('hi 192.0.2.1')}, {g: 'hi', ip: '192.0.2.1'})
})

test('pattern hosts: pattern_syntax of one test is invisible to the others, and errors stay per host', () => {
  const cache = new HubTestCache()
  const a = cache.patternHost(patternDirs, silentLogger)
  a.definePatternSyntax([['MYWORD', 'x+']])
  const withOwn = a.compile('%{MYWORD:w}-%{GREETING:g}')
  assert.equal({...withOwn.match('xxx-hello')}, {w: 'xxx', g: 'hello'})
  const b = cache.patternHost(patternDirs, silentLogger)
  assert.not.ok(b.has('MYWORD'))
  assert.throws(() => b.compile('%{MYWORD:w}-%{GREETING:g}'), /MYWORD/)
  // b defines MYWORD its own way: b's definition is used, not a's compiled pattern.
  b.definePatternSyntax([['MYWORD', 'y+']])
  assert.equal({...b.compile('%{MYWORD:w}-%{GREETING:g}').match('yy-hi')}, {w: 'yy', g: 'hi'})
  assert.is(b.compile('%{MYWORD:w}-%{GREETING:g}').match('xxx-hello'), null)
})

test('pattern libraries: one per list of pattern dirs', () => {
  const cache = new HubTestCache()
  const hub = cache.patternHost(patternDirs, silentLogger)
  const base = cache.patternHost([], silentLogger)
  assert.ok(hub.has('GREETING'))
  assert.not.ok(base.has('GREETING'))
})

test('helper contexts: data files shared, stash per test', () => {
  const cache = new HubTestCache()
  const dataDir = path.join(dir, 'data')
  const a = cache.helperContext({dataDir, logger: silentLogger, now})
  const b = cache.helperContext({dataDir, logger: silentLogger, now})
  assert.is(a.data, b.data, 'one data store for the run')
  a.data.loadDataFile(path.join(dataDir, 'words.txt'), 'string', {destFile: 'words.txt'})
  assert.equal(b.data.strings('words.txt'), ['alpha', 'beta'])
  assert.is.not(a.stash, b.stash, 'a stash per test')
  a.stash.define('c', {})
  a.stash.set('c', 'k', 'v')
  assert.is(a.stash.get('c', 'k'), 'v')
  assert.is(b.stash.get('c', 'k'), undefined)
  const other = cache.helperContext({dataDir: path.join(dir, 'patterns'), logger: silentLogger, now})
  assert.is.not(other.data, a.data, 'a data store per data dir')
})

test.after(() => fs.rmSync(dir, {recursive: true, force: true}))

test.run()
