/**
 * A hub's `.index.json` as scenario_version reads it (src/detect/hub-index.ts): through the
 * content cache, the entry is found by the file's digest, so an index that changed is decoded
 * again, never served from the entry of its old bytes; with no cache, read as it is.
 */
import * as fs from 'node:fs'
import * as os from 'node:os'
import * as path from 'node:path'
import {test} from 'uvu'
import * as assert from 'uvu/assert'
import {hubIndexFor} from '../../src/detect/hub-index.js'
import {ContentCache, withContentCache} from '../../src/platform/content-cache.js'

const hub = fs.mkdtempSync(path.join(os.tmpdir(), 'crowd-hub-index-'))
test.after(() => fs.rmSync(hub, {recursive: true, force: true}))

const index = (digest: string, padding = 0): string =>
  JSON.stringify({scenarios: {'me/bf': {path: 'scenarios/me/bf.yaml', versions: {'0.1': {digest}}}, 'me/other': {path: 'scenarios/me/other.yaml', versions: {'0.2': {digest: 'b'.repeat(64)}}}}, padding: 'x'.repeat(padding)})

test('through the content cache: the entry of the bytes read; a changed index (same size too) is decoded again', () => {
  const cache = new ContentCache()
  // bigger than one read of fileDigest, so that the digest covers several pieces
  fs.writeFileSync(path.join(hub, '.index.json'), index('a'.repeat(64), 200_000))
  const first = withContentCache(cache, () => hubIndexFor(hub, ['me/bf']))
  assert.equal(first, {scenarios: {'me/bf': {path: 'scenarios/me/bf.yaml', versions: {'0.1': {digest: 'a'.repeat(64)}}}}})
  assert.equal(withContentCache(cache, () => hubIndexFor(hub, ['me/bf'])), first)
  assert.is(cache.hits, 1)
  fs.writeFileSync(path.join(hub, '.index.json'), index('c'.repeat(64), 200_000))
  const changed = withContentCache(cache, () => hubIndexFor(hub, ['me/bf']))
  assert.equal(changed?.scenarios?.['me/bf']?.versions, {'0.1': {digest: 'c'.repeat(64)}})
  assert.equal(hubIndexFor(hub, ['me/bf']), changed, 'the same without the cache')
})

test('no index, or one that does not decode: no index, with or without the cache', () => {
  const empty = fs.mkdtempSync(path.join(hub, 'empty-'))
  assert.is(withContentCache(new ContentCache(), () => hubIndexFor(empty, ['me/bf'])), undefined)
  assert.is(hubIndexFor(empty, ['me/bf']), undefined)
  fs.writeFileSync(path.join(empty, '.index.json'), '{"scenarios": ')
  assert.is(withContentCache(new ContentCache(), () => hubIndexFor(empty, ['me/bf'])), undefined)
  assert.is(hubIndexFor(empty, ['me/bf']), undefined)
})

test.run()
