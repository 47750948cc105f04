/**
 * The embedded store on both runtimes: better-sqlite3 under Node, `node:sqlite` under Deno (which cannot load
 * better-sqlite3). The same commands over the same kind of store give the same answers, and a store written under
 * Deno is read under Node (one file format).
 */
import * as fs from 'node:fs'
import * as os from 'node:os'
import * as path from 'node:path'
import {test} from 'uvu'
import * as assert from 'uvu/assert'
import {openSqlite} from '../../src/platform/sqlite.js'
import {runCli, runDeno} from '../helpers/run-cli.js'

test('openSqlite on Node uses better-sqlite3 and runs positional statements', () => {
  const db = openSqlite(':memory:')
  assert.is(db.binding, 'better-sqlite3')
  db.exec('CREATE TABLE t (a INTEGER, b TEXT)')
  db.prepare('INSERT INTO t VALUES (?, ?)').run(1, 'x')
  assert.equal(db.prepare('SELECT a, b FROM t WHERE a = ?').get(1), {a: 1, b: 'x'})
  db.close()
})

test('under Deno the store works through node:sqlite, and Node reads what Deno wrote', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'crowd-deno-store-'))
  try {
    const env = {...process.env, CROWD_HOME: dir, CROWD_CONFIG: path.join(dir, 'crowd.toml')}
    fs.writeFileSync(env.CROWD_CONFIG, '')
    const added = runDeno(['decisions', 'add', '--ip', '192.0.2.99', '--duration', '2h', '--json'], {env})
    assert.is(added.status, 0, added.stderr)
    const underDeno = runDeno(['decisions', 'list', '--json'], {env})
    assert.is(underDeno.status, 0, underDeno.stderr)
    const underNode = runCli(['decisions', 'list', '--json'], {env})
    assert.is(underNode.status, 0, underNode.stderr)
    const pick = (text: string) => (JSON.parse(text) as {value: string; type: string; origin: string}[]).map((d) => [d.value, d.type, d.origin])
    assert.equal(pick(underDeno.stdout), [['192.0.2.99', 'ban', 'cscli']])
    assert.equal(pick(underNode.stdout), pick(underDeno.stdout))
  } finally {
    fs.rmSync(dir, {recursive: true, force: true})
  }
})

test.run()
