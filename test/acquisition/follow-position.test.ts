import {test} from 'uvu'
import * as assert from 'uvu/assert'
import {Buffer} from 'node:buffer'
import * as fs from 'node:fs'
import * as path from 'node:path'
import {
  FINGERPRINT_BYTES, decideResume, fingerprintOf, isFilePosition, relate,
  type CandidateState, type FilePosition, type FileState, type ResumeDecision,
} from '../../src/acquisition/follow/index.js'
import {findCandidates, probePath} from '../../src/acquisition/follow/probe.js'
import {tempDir} from './helpers.js'

const state = (content: string, ino = 1, dev = 1): FileState => {
  const b = Buffer.from(content)
  return {dev, ino, size: b.length, head: b.subarray(0, FINGERPRINT_BYTES)}
}
const cand = (p: string, content: string, ino: number, dev = 1): CandidateState => ({path: p, ...state(content, ino, dev)})
/** A position taken when the file held `content`, `offset` bytes read. */
const pos = (content: string, offset: number, ino = 1, dev = 1): FilePosition => ({path: '/l/app.log', dev, ino, offset, fingerprint: fingerprintOf(Buffer.from(content).subarray(0, FINGERPRINT_BYTES))})

const A = 'line one\nline two\n'
const long = 'x'.repeat(1500) + '\n'

const cases: {name: string; saved: FilePosition; current?: FileState; candidates?: CandidateState[]; want: ResumeDecision}[] = [
  {name: 'same file, grown', saved: pos(A, 18), current: state(A + 'three\n'), want: {action: 'continue', offset: 18}},
  {name: 'same file, same size', saved: pos(A, 18), current: state(A), want: {action: 'continue', offset: 18}},
  {name: 'same file, offset mid-file (partial line unread)', saved: pos(A + 'par', 18), current: state(A + 'partial\n'), want: {action: 'continue', offset: 18}},
  {name: 'empty fingerprint at offset 0', saved: pos('', 0), current: state('anything\n'), want: {action: 'continue', offset: 0}},
  {name: 'fingerprint covers the first 1024 bytes only', saved: pos(long, 1501), current: state(long.slice(0, 1200) + 'y'.repeat(300) + '\nmore\n'), want: {action: 'continue', offset: 1501}},
  {name: 'truncated to 0 (copytruncate)', saved: pos(A, 18), current: state(''), want: {action: 'restart', reason: 'shrunk', offset: 0}},
  {name: 'shrunk below offset with other content', saved: pos(A, 18), current: state('new\n'), want: {action: 'restart', reason: 'shrunk', offset: 0}},
  {name: 'shrunk below the fingerprinted bytes: unverifiable, restart', saved: pos(A, 18), current: state('line one\n'), want: {action: 'restart', reason: 'shrunk', offset: 0}},
  {name: 'cut: end removed, first bytes kept', saved: pos(long, 1501), current: state(long.slice(0, 1200)), want: {action: 'cut', offset: 1200}},
  {name: 'rewritten past the offset', saved: pos(A, 18), current: state('other content, longer than before\n'), want: {action: 'restart', reason: 'rewritten', offset: 0}},
  {name: 'inode reused by a new file', saved: pos(A, 18), current: state('LINE ONE\nLINE TWO\nLINE THREE\n'), want: {action: 'restart', reason: 'rewritten', offset: 0}},
  {name: 'shrunk + copy (copytruncate between runs): finish the copy', saved: pos(A, 9), current: state('new\n'), candidates: [cand('/l/app.log.1', A, 7)],
    want: {action: 'restart', reason: 'shrunk', old: {path: '/l/app.log.1', offset: 9, by: 'fingerprint'}, offset: 0}},
  {name: 'cut + copy: copytruncate refilled with the same first bytes', saved: pos(long, 1501), current: state(long.slice(0, 1200)), candidates: [cand('/l/app.log.1', long + 'z\n', 7)],
    want: {action: 'restart', reason: 'shrunk', old: {path: '/l/app.log.1', offset: 1501, by: 'fingerprint'}, offset: 0}},
  {name: 'copy shorter than the offset is not it', saved: pos(A, 18), current: state(''), candidates: [cand('/l/app.log.1', 'line one\n', 7)], want: {action: 'restart', reason: 'shrunk', offset: 0}},
  {name: 'rotated, old file not found', saved: pos(A, 18), current: state('new\n', 2), want: {action: 'rotated', offset: 0}},
  {name: 'rotated: same inode on another device', saved: pos(A, 18), current: state(A, 1, 2), want: {action: 'rotated', offset: 0}},
  {name: 'rotated: old file found by inode', saved: pos(A, 9), current: state('new\n', 2), candidates: [cand('/l/app.log.2', 'zzz\n', 5), cand('/l/app.log.1', A + 'x\n', 1)],
    want: {action: 'rotated', old: {path: '/l/app.log.1', offset: 9, by: 'inode'}, offset: 0}},
  {name: 'rotated: inode preferred over an earlier fingerprint match', saved: pos(A, 9), current: state('new\n', 2), candidates: [cand('/l/copy', A, 9), cand('/l/app.log.1', A, 1)],
    want: {action: 'rotated', old: {path: '/l/app.log.1', offset: 9, by: 'inode'}, offset: 0}},
  {name: 'rotated: candidate with our inode but other bytes (reused) is not it', saved: pos(A, 9), current: state('new\n', 2), candidates: [cand('/l/app.log.1', 'other bytes entirely\n', 1)],
    want: {action: 'rotated', offset: 0}},
  {name: 'rotated: candidate with our inode, shorter than the offset', saved: pos(A, 18), current: state('new\n', 2), candidates: [cand('/l/app.log.1', A.slice(0, 10), 1)], want: {action: 'rotated', offset: 0}},
  {name: 'rotated: old file with nothing left is still named', saved: pos(A, 18), current: state('new\n', 2), candidates: [cand('/l/app.log.1', A, 1)],
    want: {action: 'rotated', old: {path: '/l/app.log.1', offset: 18, by: 'inode'}, offset: 0}},
  {name: 'rotated by copy to another filesystem: found by fingerprint', saved: pos(A, 9), current: state('new\n', 2), candidates: [cand('/l/app.log.1', A, 1, 9)],
    want: {action: 'rotated', old: {path: '/l/app.log.1', offset: 9, by: 'fingerprint'}, offset: 0}},
  {name: 'empty fingerprint: no match by content', saved: pos('', 0), current: state('new\n', 2), candidates: [cand('/l/app.log.1', '', 5)], want: {action: 'rotated', offset: 0}},
  {name: 'vanished', saved: pos(A, 18), want: {action: 'vanished'}},
  {name: 'vanished, renamed away: finish it', saved: pos(A, 9), candidates: [cand('/l/app.log.1', A, 1)], want: {action: 'vanished', old: {path: '/l/app.log.1', offset: 9, by: 'inode'}}},
]

for (const c of cases) {
  test(`decideResume: ${c.name}`, () => {
    assert.equal(decideResume(c.saved, c.current, c.candidates ?? []), c.want)
  })
}

test('relate: the five relations', () => {
  assert.is(relate(pos(A, 18), state(A)), 'same')
  assert.is(relate(pos(long, 1501), state(long.slice(0, 1100))), 'cut')
  assert.is(relate(pos(A, 18), state('x\n')), 'shrunk')
  assert.is(relate(pos(A, 9), state('y'.repeat(40))), 'rewritten')
  assert.is(relate(pos(A, 9), state(A, 3)), 'other')
})

test('fingerprintOf: sha256 of at most 1024 bytes, and how many', () => {
  assert.is(fingerprintOf(Buffer.from('')).bytes, 0)
  assert.is(fingerprintOf(Buffer.from('')).sha256, 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855')
  assert.is(fingerprintOf(Buffer.from(long)).bytes, 1024)
  assert.is(fingerprintOf(Buffer.from(long)).sha256, fingerprintOf(Buffer.from(long.slice(0, 1024) + 'other')).sha256)
  assert.is(fingerprintOf(Buffer.from(A), 4).bytes, 4)
})

test('isFilePosition: accepts a position, rejects bad input without throwing', () => {
  const good = pos(A, 18)
  assert.ok(isFilePosition(good))
  assert.ok(isFilePosition(JSON.parse(JSON.stringify(good))))
  for (const bad of [null, 1, 'x', {}, {...good, offset: -1}, {...good, ino: 1.5}, {...good, path: 3}, {...good, fingerprint: null},
    {...good, fingerprint: {sha256: 'abc', bytes: 3}}, {...good, fingerprint: {sha256: good.fingerprint.sha256, bytes: 2000}}]) {
    assert.not.ok(isFilePosition(bad), JSON.stringify(bad))
  }
})

test('probePath and findCandidates on real files', async () => {
  const dir = tempDir('crowd-follow-')
  const f = path.join(dir, 'app.log')
  assert.equal(await probePath(f), {kind: 'missing'})
  fs.writeFileSync(f, long)
  const p = await probePath(f)
  assert.is(p.kind, 'file')
  if (p.kind === 'file') {
    assert.is(p.state.size, long.length)
    assert.is(p.state.head.length, 1024)
  }
  const d = await probePath(dir)
  assert.is(d.kind === 'error' && d.code, 'EISDIR')
  fs.writeFileSync(f + '.1', 'one\n')
  fs.writeFileSync(f + '-20240101', 'two\n')
  fs.writeFileSync(f + '.2.gz', 'gz\n')
  fs.writeFileSync(path.join(dir, 'app.logger'), 'no\n')
  fs.writeFileSync(path.join(dir, 'other.log.1'), 'no\n')
  fs.mkdirSync(f + '.d')
  fs.utimesSync(f + '.1', new Date(2_000_000_000_000), new Date(2_000_000_000_000))
  fs.utimesSync(f + '-20240101', new Date(1_000_000_000_000), new Date(1_000_000_000_000))
  assert.equal((await findCandidates(f)).map((c) => path.basename(c.path)), ['app.log.1', 'app.log-20240101'])
  assert.equal(await findCandidates(path.join(dir, 'nodir', 'x.log')), [])
  fs.rmSync(dir, {recursive: true, force: true})
})

test.run()
