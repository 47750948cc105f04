import {test} from 'uvu'
import * as assert from 'uvu/assert'
import * as fs from 'node:fs'
import * as path from 'node:path'
import {followFile, fingerprintOf, type FileFollower, type FilePosition, type FollowBatch, type FollowError, type FollowOptions} from '../../src/acquisition/follow/index.js'
import {tempDir} from './helpers.js'

const GUARD_MS = 15_000

/** Polling driven by the test: the follower sleeps until `poll()` lets it run one more poll. */
function stepper() {
  let release: (() => void) | undefined
  let arrived = false
  let onArrive: (() => void) | undefined
  const sleep = (_ms: number, signal: AbortSignal) => new Promise<void>((resolve) => {
    release = resolve
    signal.addEventListener('abort', () => resolve(), {once: true})
    arrived = true
    onArrive?.()
  })
  const idle = () => guard(arrived ? Promise.resolve() : new Promise<void>((r) => (onArrive = r)), 'the follower to finish its poll')
  return {
    sleep,
    polls: 0,
    /** Waits until the follower has finished its current poll. */
    idle,
    /** Runs `n` more polls, each to its end. */
    async poll(n = 1) {
      for (let i = 0; i < n; i++) {
        await idle()
        arrived = false
        onArrive = undefined
        const r = release!
        release = undefined
        this.polls++
        r()
        await idle()
      }
    },
  }
}

function guard<T>(p: Promise<T>, what: string): Promise<T> {
  let timer: NodeJS.Timeout
  return Promise.race([p, new Promise<T>((_, reject) => (timer = setTimeout(() => reject(new Error(`timed out waiting for ${what}`)), GUARD_MS)))]).finally(() => clearTimeout(timer))
}

/** For tests with real timers: waits until `cond` holds (15 s guard, never asserts on time). */
async function until(cond: () => boolean, what: string): Promise<void> {
  const start = Date.now()
  while (!cond()) {
    if (Date.now() - start > GUARD_MS) throw new Error(`timed out waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 2))
  }
}

const followers = new Set<FileFollower>()
const dirs: string[] = []

function dir(): string {
  const d = tempDir('crowd-follow-')
  dirs.push(d)
  return d
}

function follow(file: string, options: Partial<FollowOptions> = {}) {
  const s = stepper()
  const lines: string[] = []
  const batches: FollowBatch[] = []
  const errors: FollowError[] = []
  const f = followFile(file, {
    sleep: s.sleep, closeRotatedAfterMs: 0,
    onLines: (b) => {
      batches.push(b)
      lines.push(...b.lines.map((l) => l.raw))
    },
    onError: (e) => errors.push(e),
    ...options,
  })
  followers.add(f)
  return {f, s, lines, batches, errors}
}

const ino = (file: string) => fs.statSync(file).ino
const size = (file: string) => fs.statSync(file).size

test.after.each(async () => {
  for (const f of followers) await f.stop()
  followers.clear()
  for (const d of dirs.splice(0)) fs.rmSync(d, {recursive: true, force: true})
})

test('append and follow; positions after each batch', async () => {
  const f = path.join(dir(), 'app.log')
  fs.writeFileSync(f, 'a\nb\n')
  const h = follow(f, {labels: {type: 'syslog'}})
  await h.s.idle()
  assert.equal(h.lines, ['a', 'b'])
  fs.appendFileSync(f, 'c\n')
  await h.s.poll()
  assert.equal(h.lines, ['a', 'b', 'c'])
  const last = h.batches.at(-1)!
  assert.equal(last.endPosition, {path: f, dev: fs.statSync(f).dev, ino: ino(f), offset: 6, fingerprint: fingerprintOf(fs.readFileSync(f))})
  assert.is(last.file, f)
  assert.equal(last.lines[0]!.labels, {type: 'syslog'})
  assert.is(last.lines[0]!.src, f)
  assert.is(h.f.position, last.endPosition)
  await h.s.poll(2)
  assert.is(h.batches.length, 2, 'no batch when nothing new')
  assert.equal({lines: h.f.metrics.lines, bytes: h.f.metrics.bytes, errors: h.f.metrics.errors}, {lines: 3, bytes: 6, errors: 0})
})

test('a partial line waits for its newline; the position stays before it', async () => {
  const f = path.join(dir(), 'app.log')
  fs.writeFileSync(f, 'a\nbb')
  const h = follow(f)
  await h.s.idle()
  assert.equal(h.lines, ['a'])
  assert.is(h.f.position!.offset, 2)
  fs.appendFileSync(f, 'b')
  await h.s.poll()
  assert.equal(h.lines, ['a'])
  fs.appendFileSync(f, 'b\r\nc\n')
  await h.s.poll()
  assert.equal(h.lines, ['a', 'bbbb', 'c'])
  assert.is(h.f.position!.offset, size(f))
})

test('starting from the end reads only what is appended', async () => {
  const f = path.join(dir(), 'app.log')
  fs.writeFileSync(f, 'old1\nold2\n')
  const h = follow(f, {start: 'end'})
  await h.s.idle()
  fs.appendFileSync(f, 'new\n')
  await h.s.poll()
  assert.equal(h.lines, ['new'])
})

test('start end on a path that does not exist yet: the file is read from 0 when it comes', async () => {
  const f = path.join(dir(), 'app.log')
  const h = follow(f, {start: 'end'})
  await h.s.idle()
  fs.writeFileSync(f, 'first\n')
  await h.s.poll()
  assert.equal(h.lines, ['first'])
  assert.is(h.f.metrics.vanished, 0, 'never seen: not counted as vanished')
})

test('rename + create: lines written to the old file before the rename and to the new one after', async () => {
  const f = path.join(dir(), 'app.log')
  fs.writeFileSync(f, '1\n2\n')
  const h = follow(f)
  await h.s.idle()
  const oldIno = ino(f)
  fs.appendFileSync(f, '3\n4-partial')
  fs.renameSync(f, f + '.1')
  fs.writeFileSync(f, '5\n6\n')
  await h.s.poll()
  assert.equal(h.lines, ['1', '2', '3', '4-partial', '5', '6'])
  assert.is(h.f.metrics.rotations, 1)
  const files = h.batches.map((b) => [b.file, b.endPosition.ino, b.endPosition.offset])
  assert.equal(files, [[f, oldIno, 4], [f, oldIno, 6], [f, oldIno, 15], [f, ino(f), 4]])
  fs.appendFileSync(f, '7\n')
  await h.s.poll()
  assert.equal(h.lines.slice(-1), ['7'])
})

test('rename + create: the renamed file is read on until it stops growing (closeRotatedAfterMs)', async () => {
  const f = path.join(dir(), 'app.log')
  fs.writeFileSync(f, '1\n')
  const h = follow(f, {pollMs: 250, closeRotatedAfterMs: 500})
  await h.s.idle()
  fs.renameSync(f, f + '.1')
  fs.writeFileSync(f, 'new1\n')
  fs.appendFileSync(f + '.1', '2\n') // the writer has not reopened yet
  await h.s.poll()
  assert.equal(h.lines, ['1', '2'])
  fs.appendFileSync(f + '.1', '3\n')
  await h.s.poll()
  assert.equal(h.lines, ['1', '2', '3'])
  await h.s.poll() // idle 1
  assert.equal(h.lines, ['1', '2', '3'])
  await h.s.poll() // idle 2: closed, the new file is read
  assert.equal(h.lines, ['1', '2', '3', 'new1'])
  assert.is(h.f.metrics.rotations, 1)
})

test('copytruncate: copy, truncate to 0, new writes: the copy is finished first', async () => {
  const f = path.join(dir(), 'app.log')
  fs.writeFileSync(f, '1 first line\n2 second line\n')
  const h = follow(f)
  await h.s.idle()
  fs.appendFileSync(f, '3 written just before the copy\n')
  fs.copyFileSync(f, f + '.1')
  fs.truncateSync(f, 0)
  fs.appendFileSync(f, '4 after\n')
  await h.s.poll()
  assert.equal(h.lines, ['1 first line', '2 second line', '3 written just before the copy', '4 after'])
  assert.equal([h.f.metrics.truncations, h.f.metrics.rotations], [1, 0])
  fs.appendFileSync(f, '5\n')
  await h.s.poll()
  assert.equal(h.lines.slice(3), ['4 after', '5'])
})

test('copytruncate seen at size 0, then refilled past the old offset', async () => {
  const f = path.join(dir(), 'app.log')
  fs.writeFileSync(f, 'a1\na2\n')
  const h = follow(f)
  await h.s.idle()
  fs.truncateSync(f, 0)
  await h.s.poll()
  fs.writeFileSync(f, 'b1\nb2\nb3\n') // same inode, longer than before
  await h.s.poll()
  assert.equal(h.lines, ['a1', 'a2', 'b1', 'b2', 'b3'])
  assert.is(h.f.metrics.truncations, 1)
})

test('truncated and rewritten past the offset between two polls: first bytes changed, read from 0', async () => {
  const f = path.join(dir(), 'app.log')
  fs.writeFileSync(f, 'a1\na2\n')
  const h = follow(f)
  await h.s.idle()
  fs.writeFileSync(f, 'b1 longer\nb2 longer\n')
  await h.s.poll()
  assert.equal(h.lines, ['a1', 'a2', 'b1 longer', 'b2 longer'])
  assert.is(h.f.metrics.truncations, 1)
})

test('a file that shrinks (its end cut off) is read on from its new end: nothing repeated', async () => {
  const f = path.join(dir(), 'app.log')
  fs.writeFileSync(f, 'aaaa\nbbbb\ncccc\n')
  const h = follow(f)
  await h.s.idle()
  fs.truncateSync(f, 5)
  await h.s.poll()
  fs.appendFileSync(f, 'dddd\n')
  await h.s.poll()
  assert.equal(h.lines, ['aaaa', 'bbbb', 'cccc', 'dddd'])
  assert.is(h.f.metrics.truncations, 1)
  assert.is(h.f.position!.offset, 10)
})

test('the file vanishes and comes back', async () => {
  const d = dir()
  const f = path.join(d, 'app.log')
  fs.writeFileSync(f, 'one\n')
  const h = follow(f)
  await h.s.idle()
  fs.appendFileSync(f, 'two\n')
  fs.unlinkSync(f)
  await h.s.poll()
  assert.equal(h.lines, ['one', 'two'], 'the deleted file is drained from its descriptor')
  await h.s.poll(3)
  assert.is(h.f.metrics.vanished, 1, 'counted once')
  fs.writeFileSync(f, 'three\n')
  await h.s.poll()
  assert.equal(h.lines, ['one', 'two', 'three'])
  fs.unlinkSync(f)
  await h.s.poll()
  fs.writeFileSync(f, 'four\n')
  await h.s.poll()
  assert.equal(h.lines, ['one', 'two', 'three', 'four'])
  assert.equal([h.f.metrics.vanished, h.f.metrics.errors], [2, 0])
})

async function savedPosition(f: string, content: string, more = ''): Promise<FilePosition> {
  fs.writeFileSync(f, content)
  const h = follow(f)
  await h.s.idle()
  if (more !== '') {
    fs.appendFileSync(f, more)
    await h.s.poll()
  }
  const pos = h.f.position!
  await h.f.stop()
  return JSON.parse(JSON.stringify(pos)) as FilePosition
}

test('resume: same file, continues at the saved offset', async () => {
  const f = path.join(dir(), 'app.log')
  const pos = await savedPosition(f, 'r1\nr2\n')
  fs.appendFileSync(f, 'r3\n')
  const h = follow(f, {start: pos})
  await h.s.idle()
  assert.equal(h.lines, ['r3'])
})

test('resume: rotated meanwhile: the old file is finished from the offset, then the new one', async () => {
  const f = path.join(dir(), 'app.log')
  const pos = await savedPosition(f, 'r1\nr2\n')
  fs.appendFileSync(f, 'r3\n')
  fs.renameSync(f, f + '.1')
  fs.writeFileSync(f, 'n1\n')
  const h = follow(f, {start: pos})
  await h.s.idle()
  assert.equal(h.lines, ['r3', 'n1'])
  assert.equal(h.batches.map((b) => path.basename(b.file)), ['app.log.1', 'app.log'])
  assert.is(h.f.metrics.rotations, 1)
})

test('resume: rotated meanwhile and the old file is gone: the new one from 0', async () => {
  const f = path.join(dir(), 'app.log')
  const pos = await savedPosition(f, 'r1\nr2\n')
  fs.unlinkSync(f)
  fs.writeFileSync(f + '.tmp', 'n1 with other content\n')
  fs.renameSync(f + '.tmp', f)
  const h = follow(f, {start: pos})
  await h.s.idle()
  assert.equal(h.lines, ['n1 with other content'])
})

test('resume: copytruncated meanwhile: the copy is finished, then the file from 0', async () => {
  const f = path.join(dir(), 'app.log')
  const pos = await savedPosition(f, 'r1 line\nr2 line\n')
  fs.appendFileSync(f, 'r3 line\n')
  fs.copyFileSync(f, f + '.1')
  fs.writeFileSync(f, 'n1\n')
  const h = follow(f, {start: pos})
  await h.s.idle()
  assert.equal(h.lines, ['r3 line', 'n1'])
  assert.is(h.f.metrics.truncations, 1)
})

test('resume: same inode, fingerprint mismatch: starts over', async () => {
  const f = path.join(dir(), 'app.log')
  const pos = await savedPosition(f, 'r1\nr2\n')
  fs.writeFileSync(f, 'completely new content\n') // same inode, longer than the offset
  assert.is(ino(f), pos.ino)
  const h = follow(f, {start: pos})
  await h.s.idle()
  assert.equal(h.lines, ['completely new content'])
  assert.is(h.f.metrics.truncations, 1)
})

test('resume: the path vanished but its renamed file is there: it is finished', async () => {
  const f = path.join(dir(), 'app.log')
  const pos = await savedPosition(f, 'r1\n')
  fs.appendFileSync(f, 'r2\n')
  fs.renameSync(f, f + '.1')
  const h = follow(f, {start: pos})
  await h.s.idle()
  assert.equal(h.lines, ['r2'])
  await h.s.poll()
  assert.is(h.f.metrics.vanished, 1)
  fs.writeFileSync(f, 'n1\n')
  await h.s.poll()
  assert.equal(h.lines, ['r2', 'n1'])
})

test('maxLineBytes: an over-long line is cut, counted, and memory stays bounded', async () => {
  const f = path.join(dir(), 'app.log')
  fs.writeFileSync(f, 'short\n' + 'x'.repeat(100))
  const h = follow(f, {maxLineBytes: 16, chunkBytes: 32})
  await h.s.idle()
  assert.equal(h.lines, ['short'])
  fs.appendFileSync(f, 'y'.repeat(100) + '\nafter\n')
  await h.s.poll()
  assert.equal(h.lines, ['short', 'x'.repeat(16), 'after'])
  assert.is(h.f.metrics.truncated, 1)
  assert.is(h.f.position!.offset, size(f))
})

test('a path that cannot be read (a directory: fails for root too) is reported once, retried, never a crash', async () => {
  const f = path.join(dir(), 'app.log')
  fs.mkdirSync(f)
  const h = follow(f)
  await h.s.idle()
  await h.s.poll(5)
  assert.is(h.f.metrics.errors, 1)
  assert.equal(h.errors.map((e) => [e.code, e.file]), [['EISDIR', f]])
  fs.rmdirSync(f)
  fs.writeFileSync(f, 'ok\n')
  await h.s.poll()
  assert.equal(h.lines, ['ok'])
  fs.unlinkSync(f)
  fs.mkdirSync(f)
  await h.s.poll(3)
  assert.is(h.f.metrics.errors, 2, 'a new episode is counted again')
})

test('a path under a regular file (ENOTDIR) is an error, not a crash', async () => {
  const d = dir()
  fs.writeFileSync(path.join(d, 'file'), '')
  const h = follow(path.join(d, 'file', 'app.log'))
  await h.s.idle()
  await h.s.poll(2)
  assert.equal(h.errors.map((e) => e.code), ['ENOTDIR'])
})

test('backpressure: nothing is read while onLines is pending; read-ahead stays within one chunk', async () => {
  const f = path.join(dir(), 'app.log')
  const line = 'l'.repeat(49) + '\n'
  fs.writeFileSync(f, line.repeat(2000)) // 100 kB
  const chunkBytes = 1024
  let maxAhead = 0
  let readDuringCallback = false
  let n = 0
  const h = follow(f, {
    chunkBytes,
    onLines: async (b) => {
      const before = h.f.metrics.bytes
      maxAhead = Math.max(maxAhead, before - b.endPosition.offset)
      n += b.lines.length
      await new Promise((r) => setTimeout(r, 0))
      await new Promise((r) => setImmediate(r))
      if (h.f.metrics.bytes !== before) readDuringCallback = true
    },
  })
  await h.s.idle()
  assert.is(n, 2000)
  assert.not.ok(readDuringCallback)
  assert.ok(maxAhead < chunkBytes, `read ahead ${maxAhead}`)
  assert.is(h.f.metrics.bytes, 100_000)
})

test('onLines throwing ends the follower: done rejects with its error', async () => {
  const f = path.join(dir(), 'app.log')
  fs.writeFileSync(f, 'a\n')
  const h = follow(f, {onLines: () => Promise.reject(new Error('sink failed'))})
  try {
    await guard(h.f.done, 'done')
    assert.unreachable('should reject')
  } catch (error) {
    assert.is((error as Error).message, 'sink failed')
  }
})

test('real timers: follows with a small pollMs, stops on abort', async () => {
  const f = path.join(dir(), 'app.log')
  fs.writeFileSync(f, 'a\n')
  const ac = new AbortController()
  const lines: string[] = []
  const fol = followFile(f, {pollMs: 5, closeRotatedAfterMs: 20, signal: ac.signal, onLines: (b) => void lines.push(...b.lines.map((l) => l.raw))})
  await until(() => lines.length === 1, 'a')
  fs.appendFileSync(f, 'b\n')
  fs.renameSync(f, f + '.1')
  fs.writeFileSync(f, 'c\n')
  await until(() => lines.length === 3, 'b, c')
  assert.equal(lines, ['a', 'b', 'c'])
  ac.abort()
  await guard(fol.done, 'done')
})

test('options are checked', () => {
  assert.throws(() => followFile('x', {pollMs: -1, onLines: () => undefined}), /pollMs/)
  assert.throws(() => followFile('x', {chunkBytes: 0, onLines: () => undefined}), /chunkBytes/)
})

test.run()
