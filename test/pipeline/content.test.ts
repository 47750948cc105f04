/**
 * The embedded hub layout's life in the cache (src/pipeline/content.ts): reused while complete and
 * marked when used; laid out again when removed under a running process; layouts of other versions
 * unused for a month and staging directories of dead processes are removed when a new one is written.
 */
import * as fs from 'node:fs'
import * as os from 'node:os'
import * as path from 'node:path'
import {test} from 'uvu'
import * as assert from 'uvu/assert'
import {EMBEDDED_HUB_UNUSED_MS, embeddedHub, pruneEmbeddedHubs} from '../../src/pipeline/content.js'

const home = fs.mkdtempSync(path.join(os.tmpdir(), 'crowd-content-'))
test.after(() => fs.rmSync(home, {recursive: true, force: true}))

const DAY = 24 * 3600 * 1000

/** A layout directory (with its completion marker, or not) last used `ago` ms before now. */
function layout(root: string, name: string, ago: number, marker = true): string {
  const dir = path.join(root, name)
  fs.mkdirSync(path.join(dir, 'scenarios'), {recursive: true})
  const t = new Date(Date.now() - ago)
  if (marker) {
    fs.writeFileSync(path.join(dir, '.crowd-embedded-hub'), 'x@1.0.0\n')
    fs.utimesSync(path.join(dir, '.crowd-embedded-hub'), t, t)
  }
  fs.utimesSync(dir, t, t)
  return dir
}

test('pruning: layouts unused for a month and stale staging directories go; recent ones and other files stay', () => {
  const root = fs.mkdtempSync(path.join(home, 'prune-'))
  const kept = [
    layout(root, 'embedded-hub-00000000000000aa', 10 * DAY),
    layout(root, 'embedded-hub-00000000000000bb', 0),
    layout(root, 'embedded-hub-00000000000000cc.tmp-12-abc', 60 * 1000, false),
    layout(root, 'embedded-hub-notours', 90 * DAY),
  ]
  fs.writeFileSync(path.join(root, 'embedded-hub-00000000000000dd'), 'a file, not a layout')
  const gone = [
    layout(root, 'embedded-hub-00000000000000ee', EMBEDDED_HUB_UNUSED_MS + DAY),
    layout(root, 'embedded-hub-00000000000000ff', 40 * DAY, false),
    layout(root, 'embedded-hub-0000000000000011.tmp-13-def', 2 * 3600 * 1000, false),
  ]
  pruneEmbeddedHubs(root)
  for (const dir of kept) assert.ok(fs.existsSync(dir), `kept: ${path.basename(dir)}`)
  assert.ok(fs.existsSync(path.join(root, 'embedded-hub-00000000000000dd')))
  for (const dir of gone) assert.not.ok(fs.existsSync(dir), `removed: ${path.basename(dir)}`)
})

test('the embedded hub: one layout, reused and marked when used; laid out again when removed; an old one goes', async () => {
  const root = fs.mkdtempSync(path.join(home, 'embedded-'))
  const old = layout(root, 'embedded-hub-00000000000000ee', EMBEDDED_HUB_UNUSED_MS + DAY)
  const dir = await embeddedHub({cacheDir: root})
  assert.match(path.basename(dir), /^embedded-hub-[0-9a-f]{16}$/)
  assert.ok(fs.existsSync(path.join(dir, 'scenarios')))
  assert.not.ok(fs.existsSync(old), 'the old layout was removed when this one was written')
  const marker = path.join(dir, '.crowd-embedded-hub')
  const longAgo = new Date(Date.now() - 5 * DAY)
  fs.utimesSync(marker, longAgo, longAgo)
  assert.is(await embeddedHub({cacheDir: root}), dir)
  assert.ok(Date.now() - fs.statSync(marker).mtimeMs < DAY, 'marked as used')
  fs.rmSync(dir, {recursive: true, force: true})
  assert.is(await embeddedHub({cacheDir: root}), dir)
  assert.ok(fs.existsSync(marker), 'laid out again')
  assert.equal(fs.readdirSync(root).filter((n) => n.startsWith('embedded-hub-')), [path.basename(dir)])
})

test.run()
