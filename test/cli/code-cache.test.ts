/**
 * V8's code cache for the CLI bundle (src/cli/code-cache.ts): a first run writes the entry as it
 * exits, later runs use it; an entry that does not check out, or a source that changed, is never
 * used (and is replaced); a directory others may write to, or CROWD_CODE_CACHE=off, turns the
 * cache off. The module loads the same either way. Each run is a process of its own (the entry is
 * written at exit, and a module loads once per process).
 */
import {spawnSync} from 'node:child_process'
import * as fs from 'node:fs'
import * as os from 'node:os'
import * as path from 'node:path'
import {fileURLToPath, pathToFileURL} from 'node:url'
import {test} from 'uvu'
import * as assert from 'uvu/assert'
import {codeCacheKey} from '../../src/cli/code-cache.js'

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..')
const home = fs.mkdtempSync(path.join(os.tmpdir(), 'crowd-code-cache-'))
test.after(() => fs.rmSync(home, {recursive: true, force: true}))

const moduleFile = path.join(home, 'mod.cjs')
const source = (n: number): string => `// a module\nconst double = (x) => x * 2\nexports.value = () => double(${n})\n`
fs.writeFileSync(moduleFile, source(21))

const cacheHome = path.join(home, 'cache')
const codeDir = path.join(cacheHome, 'crowd', 'code')

/** Requires `file` through the cache in a process of its own; prints `{state, ...report(r.exports)}`. */
function inProcess(file: string, report: string, env: Record<string, string> = {}): string {
  const script = `import {requireWithCodeCache} from ${JSON.stringify(pathToFileURL(path.join(ROOT, 'src', 'cli', 'code-cache.ts')).href)}
const r = requireWithCodeCache(${JSON.stringify(file)}, 'scan')
console.log(JSON.stringify({state: r.state, ...(${report})(r.exports)}))`
  const {NODE_EXTRA_CA_CERTS: _ca, ...base} = process.env
  const r = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {cwd: ROOT, encoding: 'utf8', env: {...base, XDG_CACHE_HOME: cacheHome, ...env}})
  assert.is(r.status, 0, r.stderr)
  return r.stdout
}

/** Loads the module in a process of its own: the cache's state and what the module computes. */
function load(env: Record<string, string> = {}): {state: string; value: number} {
  return JSON.parse(inProcess(moduleFile, '(m) => ({value: m.value()})', env)) as {state: string; value: number}
}

const entries = (): string[] => (fs.existsSync(codeDir) ? fs.readdirSync(codeDir).sort() : [])

test('the key is the command word', () => {
  assert.is(codeCacheKey(['scan', 'x.log']), 'scan')
  assert.is(codeCacheKey(['hub', 'install']), 'hub')
  assert.is(codeCacheKey(['--version']), 'other')
  assert.is(codeCacheKey(['../etc/passwd']), 'other')
  assert.is(codeCacheKey([]), 'other')
})

test('a first run writes the entry as it exits; the next runs use it', () => {
  assert.equal(load(), {state: 'missing', value: 42})
  assert.is(entries().length, 1)
  assert.match(entries()[0]!, /^mod\.cjs-[0-9a-f]{32}-scan\.v8$/)
  assert.is(fs.statSync(codeDir).mode & 0o077, 0, 'the directory is the user\'s alone')
  assert.equal(load(), {state: 'hit', value: 42})
  assert.equal(load(), {state: 'hit', value: 42})
})

test('a damaged or truncated entry is not used, and is replaced', () => {
  const entry = path.join(codeDir, entries()[0]!)
  const bytes = fs.readFileSync(entry)
  bytes[bytes.length - 10] ^= 0xff
  fs.writeFileSync(entry, bytes)
  assert.equal(load(), {state: 'invalid', value: 42})
  assert.equal(load(), {state: 'hit', value: 42})
  fs.truncateSync(entry, 30)
  assert.equal(load(), {state: 'invalid', value: 42})
  assert.equal(load(), {state: 'hit', value: 42})
})

test('a changed source (even of the same length) misses, and its old entry goes', () => {
  const before = entries()
  fs.writeFileSync(moduleFile, source(12)) // same length as 21
  assert.equal(load(), {state: 'missing', value: 24})
  assert.is(entries().length, 1)
  assert.is.not(entries()[0], before[0])
  assert.equal(load(), {state: 'hit', value: 24})
})

test('the same source at another path has an entry of its own, and its stack traces name that path', () => {
  const elsewhere = path.join(home, 'elsewhere', 'mod.cjs')
  fs.mkdirSync(path.dirname(elsewhere))
  fs.writeFileSync(elsewhere, `${fs.readFileSync(moduleFile, 'utf8')}exports.where = () => new Error('here').stack\n`)
  const at = (file: string): string => inProcess(file, "(m) => ({where: m.where().split('\\n')[1]})")
  const other = path.join(home, 'other', 'mod.cjs')
  fs.mkdirSync(path.dirname(other))
  fs.copyFileSync(elsewhere, other)
  assert.match(at(elsewhere), /"state":"missing".*elsewhere/)
  assert.match(at(elsewhere), /"state":"hit".*elsewhere/)
  const there = at(other)
  assert.match(there, /"state":"missing"/)
  assert.match(there, /other\/mod\.cjs/)
  assert.not.match(there, /elsewhere/)
})

test('a source that is not ASCII is decoded as UTF-8 and gets no entry; an ASCII one beside it still does', () => {
  const utf8 = path.join(home, 'accents', 'mod.cjs')
  fs.mkdirSync(path.dirname(utf8))
  fs.writeFileSync(utf8, "exports.word = () => 'd\u00e9j\u00e0 vu \u2713'\n")
  const before = entries()
  for (let i = 0; i < 2; i++) assert.equal(JSON.parse(inProcess(utf8, '(m) => ({word: m.word()})')), {state: 'missing', word: 'd\u00e9j\u00e0 vu \u2713'})
  assert.equal(entries(), before, 'no entry for it')
  load() // its entry may have gone with the test above (the same file name elsewhere)
  assert.equal(load(), {state: 'hit', value: 24})
})

test('a temporary file left by an unfinished write goes once it is old; a fresh one stays', () => {
  const old = path.join(codeDir, 'mod.cjs-0000-scan.v8.tmp-1')
  const fresh = path.join(codeDir, 'mod.cjs-0000-scan.v8.tmp-2')
  fs.writeFileSync(old, 'partial')
  fs.writeFileSync(fresh, 'partial')
  const hourAgo = new Date(Date.now() - 3600_000)
  fs.utimesSync(old, hourAgo, hourAgo)
  fs.writeFileSync(moduleFile, source(33)) // a new source: its entry is written at exit
  assert.equal(load(), {state: 'missing', value: 66})
  assert.not.ok(fs.existsSync(old), 'the old temporary file is removed')
  assert.ok(fs.existsSync(fresh), 'a temporary file another process may be writing stays')
  fs.rmSync(fresh)
  assert.equal(load(), {state: 'hit', value: 66})
  fs.writeFileSync(moduleFile, source(12)) // back to the source the next tests expect
  assert.equal(load(), {state: 'missing', value: 24})
})

test('off when others may write the directory, or when asked; the module loads the same', () => {
  fs.chmodSync(codeDir, 0o777)
  try {
    assert.equal(load(), {state: 'off', value: 24})
  } finally {
    fs.chmodSync(codeDir, 0o700)
  }
  assert.equal(load({CROWD_CODE_CACHE: 'off'}), {state: 'off', value: 24})
  assert.equal(load(), {state: 'hit', value: 24})
})

test('an entry others could have written is not used', () => {
  const entry = path.join(codeDir, entries()[0]!)
  fs.chmodSync(entry, 0o666)
  assert.equal(load(), {state: 'invalid', value: 24})
  assert.is(fs.statSync(path.join(codeDir, entries()[0]!)).mode & 0o077, 0, 'replaced by one of the user\'s own')
  assert.equal(load(), {state: 'hit', value: 24})
})

test.run()
