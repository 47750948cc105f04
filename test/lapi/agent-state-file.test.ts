/**
 * The agent state files of a watch posting to a remote LAPI (src/lapi/agent-state-file.ts): a
 * commit appends what changed to a journal; a reload gives the state of the last commit; a torn
 * last line is ignored; the base is rewritten when the journal outgrows it, and entries the base
 * already holds are not applied twice; a base from before rows loads as its text.
 */
import * as fs from 'node:fs'
import * as os from 'node:os'
import * as path from 'node:path'
import {test} from 'uvu'
import * as assert from 'uvu/assert'
import {AgentStateFile, type StateFileChange} from '../../src/lapi/agent-state-file.js'
import {CrowdError} from '../../src/model/errors.js'

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'crowd-state-file-'))
test.after(() => fs.rmSync(tmp, {recursive: true, force: true}))

let n = 0
const fresh = (): string => path.join(tmp, `s${++n}`, 'agent.state.json')
const change = (state: string, upserts: [string, string][], deletes: string[] = [], full = false): StateFileChange => ({state, rows: {full, upserts, deletes}})
const plain = (file: string): {state: string; rows: [string, string][]} | undefined => {
  const c = new AgentStateFile(file).load()
  return c === undefined ? undefined : {state: c.state, rows: [...c.rows].sort(([a], [b]) => (a < b ? -1 : 1))}
}

test('commits append what changed; a new reader sees the last commit', () => {
  const file = fresh()
  const w = new AgentStateFile(file)
  assert.is(w.load(), undefined)
  w.commit(change('h1', [['a', '1'], ['b', '2'], ['c', '3']], [], true))
  w.commit(change('h2', [['b', '22']], ['c']))
  w.commit(change('h3', [['d', '4']]))
  assert.equal(plain(file), {state: 'h3', rows: [['a', '1'], ['b', '22'], ['d', '4']]})
  w.commit(change('h4', [['z', '9']], [], true))
  assert.equal(plain(file), {state: 'h4', rows: [['z', '9']]}, 'full: the other rows go')
  w.close()
  assert.ok(fs.statSync(`${file}.journal`).size < 1000, 'one short line per commit')
})

test('a torn last line (a crash while appending) is ignored; a malformed line before it is a state error naming the line', () => {
  const file = fresh()
  const w = new AgentStateFile(file)
  w.commit(change('h1', [['a', '1']], [], true))
  w.commit(change('h2', [['a', '2']]))
  w.close()
  fs.appendFileSync(`${file}.journal`, '{"seq":3,"state":"h3","full":false,"upse')
  assert.equal(plain(file), {state: 'h2', rows: [['a', '2']]})
  // the next commit goes on after the torn line
  const again = new AgentStateFile(file)
  again.load()
  again.commit(change('h3', [['b', '3']]))
  again.close()
  assert.equal(plain(file), {state: 'h3', rows: [['a', '2'], ['b', '3']]})
  const lines = fs.readFileSync(`${file}.journal`, 'utf8').split('\n')
  lines[0] = '{"seq":1,"nonsense":true}'
  fs.writeFileSync(`${file}.journal`, lines.join('\n'))
  try {
    new AgentStateFile(file).load()
    assert.unreachable('loaded')
  } catch (e) {
    assert.instance(e, CrowdError)
    assert.is((e as CrowdError).code, 'state')
    assert.match((e as CrowdError).message, 'agent.state.json.journal:1')
  }
})

test('a long journal is folded into the base; entries the base holds are skipped (a crash between the two)', () => {
  const file = fresh()
  const w = new AgentStateFile(file)
  const big = 'v'.repeat(40_000)
  w.commit(change('h0', [['keep', 'k']], [], true))
  for (let i = 0; i < 60; i++) w.commit(change(`h${i + 1}`, [[`r${i % 7}`, `${i}${big}`]], i % 5 === 0 ? ['keep'] : []))
  w.close()
  const base = JSON.parse(fs.readFileSync(file, 'utf8')) as {seq: number}
  assert.ok(base.seq > 1, 'the base was rewritten')
  assert.ok(fs.statSync(`${file}.journal`).size < 1024 * 1024 + 50_000, 'the journal was emptied')
  const want = plain(file)!
  assert.is(want.state, 'h60')
  assert.is(want.rows.length, 7)
  // as if the process died after writing the base but before emptying the journal: the old entries again
  const journal = fs.readFileSync(`${file}.journal`, 'utf8')
  const entries = Array.from({length: base.seq}, (_, i) => JSON.stringify({seq: i + 1, state: 'old', full: false, upserts: [['r0', 'old']], deletes: []})).join('\n')
  fs.writeFileSync(`${file}.journal`, entries + '\n' + journal)
  assert.equal(plain(file), want)
})

test('a base written before rows existed loads as its text, without rows', () => {
  const file = fresh()
  fs.mkdirSync(path.dirname(file), {recursive: true})
  fs.writeFileSync(file, '{"version":1,"positions":{},"buckets":null}')
  assert.equal(plain(file), {state: '{"version":1,"positions":{},"buckets":null}', rows: []})
  const w = new AgentStateFile(file)
  w.load()
  w.commit(change('h', [['a', '1']], [], true))
  w.close()
  assert.equal(plain(file), {state: 'h', rows: [['a', '1']]})
})

test('remove() forgets both files', () => {
  const file = fresh()
  const w = new AgentStateFile(file)
  w.commit(change('h', [['a', '1']], [], true))
  w.remove()
  assert.not.ok(fs.existsSync(file) || fs.existsSync(`${file}.journal`))
  assert.is(new AgentStateFile(file).load(), undefined)
})

test.run()
