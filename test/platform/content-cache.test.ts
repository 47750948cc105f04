/** The content cache: memo semantics, bundles on disk (atomic, checked, ignored when damaged), and what a bundle keeps. */
import * as fs from 'node:fs'
import * as os from 'node:os'
import * as path from 'node:path'
import {test} from 'uvu'
import * as assert from 'uvu/assert'
import {ContentCache, MAX_BUNDLES, activeContentCache, bundleFile, cacheKey, readBundle, withContentCache, writeBundle} from '../../src/platform/content-cache.js'
import {compileRe2} from '../../src/regex/index.js'

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'crowd-content-cache-'))
test.after(() => fs.rmSync(dir, {recursive: true, force: true}))

test('memo computes once, returns copies through JSON, and a throwing compute stores nothing', () => {
  const cache = new ContentCache()
  let calls = 0
  const first = cache.memo('re2-groups', 'k', () => (calls++, {n: 1, gone: undefined}))
  assert.equal(first, {n: 1}) // what a later run reads back: undefined properties do not survive JSON
  first.n = 99
  assert.equal(cache.memo('re2-groups', 'k', () => (calls++, {n: 2})), {n: 1})
  assert.is(calls, 1)
  assert.throws(() => cache.memo('re2-groups', 'bad', () => {
    throw new Error('invalid')
  }), /invalid/)
  assert.is(cache.lookup('re2-groups', 'bad'), undefined)
})

test('values JSON would change are returned as they are and not kept', () => {
  const cache = new ContentCache()
  for (const value of [Infinity, NaN, -0, [1, undefined], new Map(), {a: /x/}, {d: new Date(0)}]) {
    assert.ok(Object.is(cache.memo('expr-ast', 'k', () => value), value))
    assert.is(cache.lookup('expr-ast', 'k'), undefined)
  }
  assert.equal(cache.memo('expr-ast', 'ok', () => ({a: [1, 'x', null, {b: true}], c: undefined})), {a: [1, 'x', null, {b: true}]})
})

test('keys cover every part, in order', () => {
  assert.is.not(cacheKey('a', 'bc'), cacheKey('ab', 'c'))
  assert.is(cacheKey('a', 'b'), cacheKey('a', 'b'))
  assert.match(cacheKey('x'), /^[0-9a-f]{32}$/)
})

test('a bundle keeps the entries used, is read back whole, and is rewritten only when they change', () => {
  const file = bundleFile(dir, 'f'.repeat(64), 'selection 1')
  const cache = new ContentCache()
  cache.store('re2-groups', 'a', 1)
  cache.store('re2-groups', 'b', 2)
  assert.ok(writeBundle(file, cache))
  const back = readBundle(file)
  assert.is(back.state, 'hit')
  assert.is(back.cache.lookup('re2-groups', 'a'), 1)
  assert.is(back.cache.changed, true) // 'b' was loaded but not used: the bundle would shrink
  back.cache.lookup('re2-groups', 'b')
  assert.is(back.cache.changed, false)
  assert.is(writeBundle(file, back.cache), false)
  assert.equal(fs.readdirSync(path.dirname(file)).filter((f) => f.includes('.tmp-')), [])
})

test('a damaged, truncated or foreign bundle is ignored (state invalid), never half-read', () => {
  const file = bundleFile(dir, 'e'.repeat(64), 'selection 2')
  const cache = new ContentCache()
  cache.store('re2-groups', 'a', 1)
  writeBundle(file, cache)
  const text = fs.readFileSync(file, 'utf8')
  for (const damaged of [text.slice(0, -3), text.replace('"a":"1"', '"a":"2"'), text.replace('crowd-content-cache 1', 'other'), '', 'not json\n{}']) {
    fs.writeFileSync(file, damaged)
    const r = readBundle(file)
    assert.is(r.state, 'invalid', damaged.slice(0, 40))
    assert.is(r.cache.lookup('re2-groups', 'a'), undefined)
  }
  assert.is(readBundle(path.join(dir, 'missing.json')).state, 'missing')
})

/** A bundle of one entry written under `root`, for a build identity made of `build`. */
function writtenBundle(root: string, build: string): {file: string; cache: ContentCache} {
  const file = bundleFile(root, build.repeat(64), 'x')
  const cache = new ContentCache()
  cache.store('re2-groups', 'k', 1)
  writeBundle(file, cache)
  return {file, cache}
}

test('the cache stays bounded: other builds are removed, the oldest bundles beyond MAX_BUNDLES go', () => {
  const root = path.join(dir, 'bounded')
  const {file: old, cache} = writtenBundle(root, 'a')
  const files = Array.from({length: MAX_BUNDLES + 3}, (_, i) => bundleFile(root, 'b'.repeat(64), `selection ${i}`))
  files.forEach((file, i) => {
    writeBundle(file, cache)
    fs.utimesSync(file, 1000 + i, 1000 + i) // written in this order
  })
  const last = bundleFile(root, 'b'.repeat(64), 'the newest')
  writeBundle(last, cache) // prunes with every age set
  assert.not.ok(fs.existsSync(path.dirname(old)), 'another build\'s bundles are removed')
  assert.is(fs.readdirSync(path.dirname(last)).length, MAX_BUNDLES)
  for (const file of files.slice(0, 4)) assert.not.ok(fs.existsSync(file))
  assert.ok(fs.existsSync(last) && fs.existsSync(files.at(-1)!))
})

test('temporary files left by unfinished writes go once they are old; a fresh one stays', () => {
  const {file, cache} = writtenBundle(path.join(dir, 'temporaries'), 'c')
  const old = `${file}.tmp-1`
  const fresh = `${file}.tmp-2`
  fs.writeFileSync(old, 'partial')
  fs.writeFileSync(fresh, 'partial')
  fs.utimesSync(old, 1000, 1000)
  cache.store('re2-groups', 'k2', 2)
  writeBundle(file, cache) // a changed bundle is written, and its directory pruned
  assert.not.ok(fs.existsSync(old), 'the old temporary file is removed')
  assert.ok(fs.existsSync(fresh), 'a temporary file another process may be writing stays')
})

test('a regex compiled from a cached translation behaves as one compiled from its source', () => {
  const sources = ['^(?P<ip>\\d+\\.\\d+)\\s+(?i:get|post)\\s+(\\S+)$', '(a+)+$', '\\pL+(x)?', '[[:alpha:]]+\\b']
  const texts = ['1.2 GET /x', '1.2 post /', 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaab', 'héllo wörld', '😀 abc', 'x']
  const cache = new ContentCache()
  for (const source of sources) {
    const options = {usedGroups: new Set([1])}
    const plain = compileRe2(source, options)
    withContentCache(cache, () => compileRe2(source, options)) // fills the cache
    const cached = withContentCache(cache, () => compileRe2(source, options))
    assert.is(cached.engine, plain.engine, source)
    assert.equal([cached.groups, cached.names, cached.backtrackRisk, cached.jsSource], [plain.groups, plain.names, plain.backtrackRisk, plain.jsSource])
    for (const text of texts) assert.equal(cached.exec(text), plain.exec(text), `${source} on ${text}`)
  }
  assert.ok(cache.hits >= sources.length)
  assert.is(activeContentCache(), undefined)
})

test.run()
